"""Reading and writing result files: atomic writes, one-line errors, schema-version checks."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from a2perf.errors import DataNotFoundError, SchemaError
from a2perf.results.schema import SCHEMA_VERSION, RunResult


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and ``os.replace``.

    A reader never sees a half-written file, and a crash leaves the old file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_result(result: RunResult, path: Path) -> Path:
    """Write ``result`` as indented JSON to ``path`` atomically; returns the path."""
    atomic_write_text(Path(path), result.model_dump_json(indent=2) + "\n")
    return Path(path)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "<root>"
    more = error.error_count() - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {first['msg']}{suffix}"


def parse_result(text: str, source: str = "<string>") -> RunResult:
    """Validate a result from JSON text; raises :class:`SchemaError` with one line naming the problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SchemaError(f"{source}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(data, dict):
        raise SchemaError(f"{source}: a result file holds a JSON object, got {type(data).__name__}")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"{source}: schema_version {version!r} is not supported (this a2perf reads version {SCHEMA_VERSION}); "
            "re-run the measurement with this a2perf version"
        )
    try:
        return RunResult.model_validate(data)
    except ValidationError as e:
        raise SchemaError(f"{source}: {_first_error(e)}") from None


def load_result(path: Path) -> RunResult:
    """Read and validate one result file."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such result file")
    return parse_result(path.read_text(encoding="utf-8"), source=str(path))


def find_result_files(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders (searched recursively for ``*.json``) into a sorted list of files."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*.json") if not q.name.startswith(".")))
        elif p.is_file():
            found.append(p)
        else:
            raise DataNotFoundError(f"{p}: no such file or folder")
    return found


def load_results(paths: Iterable[Path], *, skip_invalid: bool = False) -> list[RunResult]:
    """Load every result file under ``paths``.

    Args:
      paths: files or folders.
      skip_invalid: in folders, ignore JSON files that are not a2perf results (other tools' files).
        Files named explicitly are always validated.
    """
    explicit = {Path(p) for p in paths if Path(p).is_file()}
    results = []
    for f in find_result_files(paths):
        try:
            results.append(load_result(f))
        except SchemaError:
            if not skip_invalid or f in explicit:
                raise
    return results

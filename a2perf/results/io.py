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
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
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
    """Expand files and folders (searched recursively for ``*.json``, hidden entries skipped) into files."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(
                sorted(
                    q
                    for q in p.rglob("*.json")
                    if not any(part.startswith(".") for part in q.relative_to(p).parts)
                )
            )
        elif p.is_file():
            found.append(p)
        else:
            raise DataNotFoundError(f"{p}: no such file or folder")
    return found


def load_sourced_results(paths: Iterable[Path]) -> tuple[list[tuple[Path, RunResult]], list[Path]]:
    """Load every a2perf result under ``paths`` (files, or folders searched recursively).

    A JSON object with a ``schema_version`` key is an a2perf result and must be valid: an invalid
    one or one of another schema version raises, it is never skipped. In folders, other files
    (other tools' JSON, run metadata) are skipped and returned; a file named explicitly must be a result.

    Returns:
      ``([(file, result), ...], skipped_files)``.
    """
    paths = [Path(p) for p in paths]
    explicit = {p for p in paths if p.is_file()}
    results: list[tuple[Path, RunResult]] = []
    skipped: list[Path] = []
    for file in find_result_files(paths):
        text = file.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if not (isinstance(data, dict) and "schema_version" in data):
            if file in explicit:
                parse_result(text, source=str(file))  # raises with the precise reason
            skipped.append(file)
            continue
        results.append((file, parse_result(text, source=str(file))))
    return results, skipped


def load_results(paths: Iterable[Path]) -> list[RunResult]:
    """The results of :func:`load_sourced_results`, without their files."""
    return [result for _, result in load_sourced_results(paths)[0]]

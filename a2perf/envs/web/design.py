"""Website designs: validation, (de)serialisation and the shipped difficulty-level files.

A design is ``{"number_of_pages": int, "action": [key, ...], "action_page": [page, ...]}`` (the
original gMiniWoB format) plus, in our files, ``"difficulty"``: the estimated success probability of
the valid-action random agent (see :mod:`a2perf.envs.web.difficulty`). Keys are primitive names from
:data:`a2perf.envs.web.primitives.CONCEPTS`. Rendering walks the (key, page) pairs in order, skips
``#none#`` and repeated pairs; the page count is ``max(page) + 1`` (``number_of_pages`` is kept for
compatibility but, as in the original, does not add trailing empty pages).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from a2perf.envs.web.primitives import CONCEPTS, NONE_KEY
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError

FILE_FORMAT = "a2perf-web-designs/1"
LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Design:
    """One website design.

    Attributes:
      number_of_pages: as stored in the file (informative only).
      action: primitive keys in design order.
      action_page: page index of each key (same length as ``action``).
      difficulty: random-agent success probability in [0, 1], or None if not scored.
    """

    number_of_pages: int
    action: tuple[str, ...]
    action_page: tuple[int, ...]
    difficulty: float | None = None

    def primitives(self) -> list[tuple[str, int]]:
        """The rendered (key, page) pairs: ``#none#`` and repeats dropped, design order kept."""
        seen: set[tuple[str, int]] = set()
        out = []
        for key, page in zip(self.action, self.action_page, strict=True):
            if key == NONE_KEY or (key, page) in seen:
                continue
            seen.add((key, page))
            out.append((key, page))
        return out

    @property
    def num_pages(self) -> int:
        """Rendered page count: ``max(page) + 1`` over rendered primitives (1 for an empty design)."""
        pairs = self.primitives()
        return max(p for _, p in pairs) + 1 if pairs else 1

    @classmethod
    def from_dict(cls, data: Any, where: str = "design") -> Design:
        """Validate and build a design.

        Raises:
          SchemaError: naming the bad field or key.
        """
        if not isinstance(data, dict):
            raise SchemaError(
                f"{where}: expected an object with number_of_pages/action/action_page, got {type(data).__name__}"
            )
        missing = [k for k in ("number_of_pages", "action", "action_page") if k not in data]
        if missing:
            raise SchemaError(
                f"{where}: missing field(s) {missing}; a design needs number_of_pages, action, action_page"
            )
        n_pages, action, pages = data["number_of_pages"], data["action"], data["action_page"]
        if not _is_int(n_pages) or n_pages < 0:
            raise SchemaError(f"{where}: number_of_pages must be a non-negative integer, got {n_pages!r}")
        if not isinstance(action, list) or not all(isinstance(k, str) for k in action):
            raise SchemaError(f"{where}: action must be a list of primitive key strings")
        if not isinstance(pages, list) or not all(_is_int(p) and p >= 0 for p in pages):
            raise SchemaError(f"{where}: action_page must be a list of non-negative integers")
        if len(action) != len(pages):
            raise SchemaError(f"{where}: action has {len(action)} entries but action_page has {len(pages)}")
        unknown = sorted({k for k in action if k not in CONCEPTS})
        if unknown:
            raise SchemaError(
                f"{where}: unknown primitive key(s) {unknown}; valid keys: {', '.join(CONCEPTS)}"
            )
        if max(pages, default=0) >= 20:
            raise SchemaError(f"{where}: page index {max(pages)} too large (at most 19 pages)")
        diff = data.get("difficulty")
        if diff is not None and (not isinstance(diff, int | float) or not 0.0 <= diff <= 1.0):
            raise SchemaError(f"{where}: difficulty must be a probability in [0, 1], got {diff!r}")
        return cls(
            int(n_pages), tuple(action), tuple(int(p) for p in pages), None if diff is None else float(diff)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``difficulty`` only when scored)."""
        out: dict[str, Any] = {
            "number_of_pages": self.number_of_pages,
            "action": list(self.action),
            "action_page": list(self.action_page),
        }
        if self.difficulty is not None:
            out["difficulty"] = round(self.difficulty, 6)
        return out


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def parse_designs(data: Any, where: str = "designs") -> list[Design]:
    """Designs from a list of design dicts or from our file object ``{"format", "designs": [...]}``."""
    if isinstance(data, dict) and "designs" in data:
        if data.get("format") != FILE_FORMAT:
            raise SchemaError(f"{where}: format {data.get('format')!r} is not {FILE_FORMAT!r}")
        data = data["designs"]
    if isinstance(data, Design):
        return [data]
    if not isinstance(data, list) or not data:
        raise SchemaError(f"{where}: expected a non-empty list of designs")
    return [d if isinstance(d, Design) else Design.from_dict(d, f"{where}[{i}]") for i, d in enumerate(data)]


def load_designs(path: str | os.PathLike) -> list[Design]:
    """Read a design file (JSON list of designs or our file object).

    Raises:
      DataNotFoundError: the file does not exist.
      SchemaError: the file is not valid JSON or a design is malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"design file {path} not found; pass an existing JSON file of designs")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SchemaError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}); fix the file") from None
    return parse_designs(data, str(path))


def save_designs(designs: list[Design], path: str | os.PathLike, level: int | None = None) -> None:
    """Write designs atomically in our file format."""
    path = Path(path)
    body = ",\n".join(json.dumps(d.to_dict(), separators=(",", ":")) for d in designs)
    text = f'{{\n"format": {json.dumps(FILE_FORMAT)},\n"level": {json.dumps(level)},\n"designs": [\n{body}\n]\n}}\n'
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def level_designs(level: int) -> list[Design]:
    """The shipped designs of a difficulty level (1, 2 or 3)."""
    if level not in LEVELS:
        raise ConfigError(f"difficulty must be 1, 2 or 3, got {level!r}")
    ref = resources.files("a2perf.envs.web").joinpath("designs", f"level_{level:02d}.json")
    return parse_designs(json.loads(ref.read_text(encoding="utf-8")), f"level_{level:02d}.json")

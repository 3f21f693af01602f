"""Circuit Training placement files (`.plc`): header settings and node positions.

Header lines start with ``#``; the body has one ``index x y orientation fixed`` line per placed MACRO
or PORT (orientation ``-`` for ports). The header carries the canvas, grid and routing settings.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from a2perf.envs.chip.errors import ChipFormatError
from a2perf.envs.chip.netlist import (
    HARD_MACRO,
    KIND_NAMES,
    ORIENT_CODE,
    ORIENTATIONS,
    PORT,
    SOFT_MACRO,
    STDCELL,
    Netlist,
    atomic_write_text,
)

_NUM = r"([-+0-9.eEinfa]+)"
_HEADER = {
    "grid": re.compile(rf"#\s*Columns\s*:\s*{_NUM}\s+Rows\s*:\s*{_NUM}"),
    "canvas": re.compile(rf"#\s*Width\s*:\s*{_NUM}\s+Height\s*:\s*{_NUM}"),
    "routes": re.compile(rf"#\s*Routes per micron,\s*hor\s*:\s*{_NUM}\s+ver\s*:\s*{_NUM}"),
    "alloc": re.compile(rf"#\s*Routes used by macros,\s*hor\s*:\s*{_NUM}\s+ver\s*:\s*{_NUM}"),
    "smoothing": re.compile(rf"#\s*Smoothing factor\s*:\s*{_NUM}"),
    "overlap": re.compile(rf"#\s*Overlap threshold\s*:\s*{_NUM}"),
    "wirelength": re.compile(rf"#\s*Wirelength\s*:\s*{_NUM}"),
    "wirelength_cost": re.compile(rf"#\s*Wirelength cost\s*:\s*{_NUM}"),
    "congestion_cost": re.compile(rf"#\s*Congestion cost\s*:\s*{_NUM}"),
    "density_cost": re.compile(rf"#\s*Density cost\s*:\s*{_NUM}"),
    "blockage": re.compile(rf"#\s*Blockage\s*:\s*{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}"),
    "block": re.compile(r"#\s*Block\s*:\s*(\S+)"),
}
_PLACEABLE = (HARD_MACRO, SOFT_MACRO, PORT, STDCELL)


@dataclass
class PlcHeader:
    """Settings and reference figures of a ``.plc`` header (``None`` where the line is absent)."""

    columns: int | None = None
    rows: int | None = None
    width: float | None = None
    height: float | None = None
    block: str | None = None
    hroutes_per_micron: float | None = None
    vroutes_per_micron: float | None = None
    hrouting_alloc: float | None = None
    vrouting_alloc: float | None = None
    smoothing: float | None = None
    overlap_threshold: float | None = None
    wirelength: float | None = None
    wirelength_cost: float | None = None
    congestion_cost: float | None = None
    density_cost: float | None = None
    blockages: list[tuple[float, float, float, float, float]] = field(default_factory=list)


@dataclass
class Placement:
    """Body of a ``.plc`` file.

    Attributes:
      header: the parsed header.
      index: int64 (k,) node indices.
      x, y: float64 (k,) centres in µm.
      orientation: int8 (k,) index into ``ORIENTATIONS``, -1 for ``-``.
      fixed: bool (k,).
      lines: int64 (k,) 1-based line numbers (for error messages).
      source: file name.
    """

    header: PlcHeader
    index: np.ndarray
    x: np.ndarray
    y: np.ndarray
    orientation: np.ndarray
    fixed: np.ndarray
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    source: str = ""


def _number(value: str, source: str, lineno: int, what: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise ChipFormatError(f"{source} line {lineno}: {what} is {value!r}, not a number") from None
    if not math.isfinite(v):
        raise ChipFormatError(f"{source} line {lineno}: {what} is {value}; expected a finite number")
    return v


def read_plc(path: str | os.PathLike[str]) -> Placement:
    """Read a ``.plc`` file.

    Raises:
      ChipFormatError: malformed header values or body lines (file and line in the message).
      DataNotFoundError: the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        from a2perf.errors import DataNotFoundError

        raise DataNotFoundError(f"placement file {path} does not exist; pass an existing .plc file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ChipFormatError(
            f"{path}: cannot read placement ({e}); expected a UTF-8 .plc text file"
        ) from None
    return parse_plc(text, str(path))


def parse_plc(text: str, source: str = "<plc>") -> Placement:
    """Parse ``.plc`` text (see :func:`read_plc`)."""
    header = PlcHeader()
    idx: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    orients: list[int] = []
    fixed: list[bool] = []
    lines: list[int] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            _header_line(header, line, source, lineno)
            continue
        parts = line.split()
        if len(parts) != 5:
            raise ChipFormatError(
                f"{source} line {lineno}: {line[:60]!r}; expected 'node_index x y orientation fixed'"
            )
        try:
            i = int(parts[0])
        except ValueError:
            raise ChipFormatError(
                f"{source} line {lineno}: node index {parts[0]!r} is not an integer"
            ) from None
        if i < 0:
            raise ChipFormatError(f"{source} line {lineno}: negative node index {i}")
        if parts[3] != "-" and parts[3] not in ORIENT_CODE:
            raise ChipFormatError(
                f"{source} line {lineno}: orientation {parts[3]!r}; expected '-' or one of {ORIENTATIONS}"
            )
        if parts[4] not in ("0", "1"):
            raise ChipFormatError(f"{source} line {lineno}: fixed flag {parts[4]!r}; expected 0 or 1")
        idx.append(i)
        xs.append(_number(parts[1], source, lineno, "x"))
        ys.append(_number(parts[2], source, lineno, "y"))
        orients.append(ORIENT_CODE.get(parts[3], -1))
        fixed.append(parts[4] == "1")
        lines.append(lineno)
    return Placement(
        header=header,
        index=np.asarray(idx, np.int64),
        x=np.asarray(xs, np.float64),
        y=np.asarray(ys, np.float64),
        orientation=np.asarray(orients, np.int8),
        fixed=np.asarray(fixed, bool),
        lines=np.asarray(lines, np.int64),
        source=source,
    )


def _header_line(h: PlcHeader, line: str, source: str, lineno: int) -> None:
    for key, pattern in _HEADER.items():
        m = pattern.match(line)
        if m is None:
            continue
        if key == "block":
            h.block = m.group(1)
        elif key == "blockage":
            v = tuple(_number(g, source, lineno, "blockage") for g in m.groups())
            if v[2] <= v[0] or v[3] <= v[1]:
                raise ChipFormatError(
                    f"{source} line {lineno}: blockage {line!r}; expected minx miny maxx maxy rate"
                )
            h.blockages.append(v)  # type: ignore[arg-type]
        elif key == "grid":
            c = _number(m.group(1), source, lineno, "Columns")
            r = _number(m.group(2), source, lineno, "Rows")
            if c != int(c) or r != int(r) or c < 1 or r < 1:
                raise ChipFormatError(
                    f"{source} line {lineno}: grid {m.group(1)}x{m.group(2)}; expected positive integers"
                )
            h.columns, h.rows = int(c), int(r)
        elif key in ("canvas", "routes", "alloc"):
            a = _number(m.group(1), source, lineno, key)
            b = _number(m.group(2), source, lineno, key)
            if key == "canvas":
                if a <= 0 or b <= 0:
                    raise ChipFormatError(f"{source} line {lineno}: canvas {a}x{b}; expected positive sizes")
                h.width, h.height = a, b
            elif key == "routes":
                h.hroutes_per_micron, h.vroutes_per_micron = a, b
            else:
                h.hrouting_alloc, h.vrouting_alloc = a, b
        else:
            setattr(
                h, "overlap_threshold" if key == "overlap" else key, _number(m.group(1), source, lineno, key)
            )
        return


def apply_placement(netlist: Netlist, placement: Placement) -> None:
    """Set positions, orientations and fixed flags of ``netlist`` from ``placement`` (in place).

    Raises:
      ChipFormatError: an index is out of range or names a node that cannot be placed (pins).
    """
    n = netlist.num_nodes
    for i, line in zip(placement.index, placement.lines, strict=True):
        if i >= n:
            raise ChipFormatError(
                f"{placement.source} line {line}: node index {i} out of range; the netlist has {n} nodes"
            )
        if netlist.kind[i] not in _PLACEABLE:
            raise ChipFormatError(
                f"{placement.source} line {line}: node {i} ({netlist.names[i]!r}) is a {KIND_NAMES[netlist.kind[i]]}; "
                "only macros, ports and stdcells can be placed"
            )
    netlist.x[placement.index] = placement.x
    netlist.y[placement.index] = placement.y
    has_orient = placement.orientation >= 0
    netlist.orientation[placement.index[has_orient]] = placement.orientation[has_orient]
    netlist.fixed[placement.index] = placement.fixed


def _f(v: float | None) -> str:
    return repr(float(v))  # type: ignore[arg-type]


def format_plc(netlist: Netlist, header: PlcHeader, costs: dict[str, float] | None = None) -> str:
    """``.plc`` text for the current positions of ``netlist`` (macros and ports)."""
    h = header
    out = ["# Placement file for Circuit Training", f"# Source input file(s) : {netlist.source}"]
    if h.columns is not None:
        out.append(f"# Columns : {h.columns}  Rows : {h.rows}")
    if h.width is not None:
        out.append(f"# Width : {_f(h.width)}  Height : {_f(h.height)}")
    out.append(f"# Area : {_f(netlist.total_area())}")
    if costs:
        for key, label in (
            ("wirelength", "Wirelength"),
            ("wirelength_cost", "Wirelength cost"),
            ("congestion_cost", "Congestion cost"),
            ("density_cost", "Density cost"),
        ):
            if key in costs:
                out.append(f"# {label} : {_f(costs[key])}")
    out.append(f"# Block : {h.block or netlist.block_name or 'unset_block'}")
    if h.hroutes_per_micron is not None:
        out.append(f"# Routes per micron, hor : {_f(h.hroutes_per_micron)}  ver : {_f(h.vroutes_per_micron)}")
    if h.hrouting_alloc is not None:
        out.append(f"# Routes used by macros, hor : {_f(h.hrouting_alloc)}  ver : {_f(h.vrouting_alloc)}")
    if h.smoothing is not None:
        out.append(f"# Smoothing factor : {h.smoothing:g}")
    if h.overlap_threshold is not None:
        out.append(f"# Overlap threshold : {_f(h.overlap_threshold)}")
    out.append("# node_index x y orientation fixed")
    for i in np.flatnonzero(np.isin(netlist.kind, (HARD_MACRO, SOFT_MACRO, PORT))):
        orient = "-" if netlist.kind[i] == PORT else ORIENTATIONS[netlist.orientation[i]]
        out.append(f"{i} {_f(netlist.x[i])} {_f(netlist.y[i])} {orient} {int(netlist.fixed[i])}")
    return "\n".join(out) + "\n"


def write_plc(
    path: str | os.PathLike[str], netlist: Netlist, header: PlcHeader, costs: dict[str, float] | None = None
) -> None:
    """Write the placement of ``netlist`` to ``path`` atomically."""
    atomic_write_text(path, format_plc(netlist, header, costs))

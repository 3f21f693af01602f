"""Circuit Training netlists (`.pb.txt`, `.pb.txt.gz`): data model, fast reader and writer.

The file is protobuf text format (a TensorFlow ``GraphDef``): a sequence of ``node { ... }`` blocks,
each with a ``name``, ``input`` lines (the sinks the node *drives*) and ``attr`` entries. This module
reads that dialect with one regular-expression scan instead of a generic protobuf parser, so the
11 MB Ariane133 file loads in well under a second. Node indices are the order of appearance of the
non-``__metadata__`` nodes; references may point forward.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from a2perf.envs.chip.errors import ChipFormatError

# Node kinds (values of ``Netlist.kind``).
PORT, HARD_MACRO, SOFT_MACRO, HARD_PIN, SOFT_PIN, STDCELL = range(6)
KIND_NAMES = ("PORT", "HARD_MACRO", "SOFT_MACRO", "HARD_MACRO_PIN", "SOFT_MACRO_PIN", "STDCELL")

ORIENTATIONS = ("N", "FN", "S", "FS", "E", "FE", "W", "FW")
ORIENT_CODE = {name: i for i, name in enumerate(ORIENTATIONS)}
# Pin offset transform per orientation: (dx', dy') = M @ (dx, dy).
ORIENT_MATRIX = np.array(
    [
        [[1, 0], [0, 1]],  # N
        [[-1, 0], [0, 1]],  # FN
        [[-1, 0], [0, -1]],  # S
        [[1, 0], [0, -1]],  # FS
        [[0, 1], [-1, 0]],  # E
        [[0, -1], [-1, 0]],  # FE
        [[0, -1], [1, 0]],  # W
        [[0, 1], [1, 0]],  # FW
    ],
    dtype=np.float64,
)

_TOKEN = re.compile(
    r"[ \t\r\n]*(?:"
    r"attr\s*\{\s*key\s*:\s*\"(?P<key>[^\"\\\n]*)\"\s*value\s*\{\s*(?P<kind>[a-z]+)\s*:\s*"
    r"(?:\"(?P<sval>(?:[^\"\\\n]|\\.)*)\"|(?P<nval>[^\s{}\"]+))\s*\}\s*\}"
    r"|input\s*:\s*\"(?P<input>(?:[^\"\\\n]|\\.)*)\""
    r"|name\s*:\s*\"(?P<name>(?:[^\"\\\n]|\\.)*)\""
    r"|(?P<open>node\s*\{)"
    r"|(?P<close>\})"
    r"|(?P<comment>\#[^\n]*)"
    r")"
)
_BBOX = re.compile(r"#\s*FP bbox\s*:\s*\{\s*(\S+)\s+(\S+)\s*\}\s*\{\s*(\S+)\s+(\S+)\s*\}")
_BLOCK = re.compile(r"#\s*Block\s*:\s*(\S+)")
_BLOCKAGE = re.compile(r"#\s*Blockage\s*:\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)")
_TYPES = {"macro": HARD_MACRO, "macro_pin": HARD_PIN, "port": PORT, "stdcell": STDCELL}
_SIDES = ("left", "right", "top", "bottom")


@dataclass
class Netlist:
    """A netlist with the current placement of its nodes.

    Every per-node array has shape (num_nodes,). Lengths are in µm; x, y are centres.

    Attributes:
      names: node names, in index order.
      kind: int8 node kind (``PORT``, ``HARD_MACRO``, ``SOFT_MACRO``, ``HARD_PIN``, ``SOFT_PIN``, ``STDCELL``).
      x, y: float64 centre of macros, stdcells and ports; for pins the value read from the file (unused:
        pin positions are recomputed from the parent macro and the offsets).
      width, height: float64 sizes (0 for pins and ports).
      orientation: int8 index into ``ORIENTATIONS`` (macros; 0 = N elsewhere).
      parent: int64 parent macro index for pins, -1 otherwise.
      x_offset, y_offset: float64 pin offsets from the parent centre in N orientation.
      weight: float64 net weight of the node when it drives a net (default 1).
      side: port side ("left", ...) or "" per node.
      fixed: bool, fixed nodes (set from a .plc; ports are fixed by the env).
      net_ptr: int64 (num_nets + 1,) CSR offsets into ``net_nodes``.
      net_nodes: int64 (num_entries,) node indices per net; the first entry of each net is its driver.
      canvas: (width, height) from the ``# FP bbox`` comment, or ``None``.
      block_name: from ``# Block :``, or "".
      blockages: (k, 5) float64 rows of (minx, miny, maxx, maxy, rate).
      metadata: attributes of the ``__metadata__`` node.
      source: file the netlist was read from ("" for generated ones).
    """

    names: list[str]
    kind: np.ndarray
    x: np.ndarray
    y: np.ndarray
    width: np.ndarray
    height: np.ndarray
    orientation: np.ndarray
    parent: np.ndarray
    x_offset: np.ndarray
    y_offset: np.ndarray
    weight: np.ndarray
    side: list[str]
    fixed: np.ndarray
    net_ptr: np.ndarray
    net_nodes: np.ndarray
    canvas: tuple[float, float] | None = None
    block_name: str = ""
    blockages: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)))
    metadata: dict[str, float | str] = field(default_factory=dict)
    source: str = ""

    @property
    def num_nodes(self) -> int:
        return len(self.names)

    @property
    def num_nets(self) -> int:
        return len(self.net_ptr) - 1

    def indices(self, *kinds: int) -> np.ndarray:
        """Node indices whose kind is one of ``kinds``, ascending. Shape (k,), int64."""
        return np.flatnonzero(np.isin(self.kind, kinds))

    @property
    def hard_macros(self) -> np.ndarray:
        return self.indices(HARD_MACRO)

    @property
    def soft_macros(self) -> np.ndarray:
        return self.indices(SOFT_MACRO)

    @property
    def ports(self) -> np.ndarray:
        return self.indices(PORT)

    def total_area(self) -> float:
        """Σ w·h over MACRO and STDCELL nodes (the binary's ``get_area``), in µm²."""
        sel = np.isin(self.kind, (HARD_MACRO, SOFT_MACRO, STDCELL))
        return float(np.sum(self.width[sel] * self.height[sel]))

    def copy(self) -> Netlist:
        """A copy whose mutable placement arrays (x, y, orientation, fixed, sizes) are independent."""
        return replace(
            self,
            x=self.x.copy(),
            y=self.y.copy(),
            width=self.width.copy(),
            height=self.height.copy(),
            orientation=self.orientation.copy(),
            fixed=self.fixed.copy(),
        )

    def make_soft_macros_square(self) -> None:
        """Give every soft macro the square shape √(w·h) × √(w·h) (Circuit Training does this first)."""
        soft = self.kind == SOFT_MACRO
        side = np.sqrt(self.width[soft] * self.height[soft])
        self.width[soft] = side
        self.height[soft] = side

    def index_of(self, name: str) -> int:
        """Index of the node called ``name``; raises ``ChipFormatError`` if absent."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ChipFormatError(f"{self.source or 'netlist'}: no node named {name!r}") from None


def _line_of(text: str, pos: int) -> int:
    """1-based line of the first non-blank character at or after ``pos``."""
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return text.count("\n", 0, pos) + 1


def _read_text(path: Path) -> str:
    if not path.is_file():
        from a2perf.errors import DataNotFoundError

        raise DataNotFoundError(
            f"netlist file {path} does not exist; pass an existing .pb.txt or .pb.txt.gz file"
        )
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
        return data.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as e:
        raise ChipFormatError(
            f"{path}: cannot read netlist ({e}); expected a UTF-8 .pb.txt or gzip'd .pb.txt.gz"
        ) from None


def read_netlist(path: str | os.PathLike[str]) -> Netlist:
    """Read a Circuit Training netlist (``.pb.txt`` or ``.pb.txt.gz``).

    Args:
      path: netlist file.
    Returns:
      The netlist, with positions as written in the file.
    Raises:
      ChipFormatError: malformed text, unknown node types or names, non-finite numbers, empty netlist;
        the message names the file and line.
      DataNotFoundError: the file does not exist.
    """
    path = Path(path)
    return parse_netlist(_read_text(path), source=str(path))


def parse_netlist(text: str, source: str = "<netlist>") -> Netlist:
    """Parse netlist text (see :func:`read_netlist`)."""
    nodes: list[tuple[str | None, list[str], dict[str, tuple[str, str, int]], int]] = []
    comments: list[tuple[str, int]] = []
    pos = 0
    name: str | None = None
    inputs: list[str] = []
    attrs: dict[str, tuple[str, str, int]] = {}
    start = -1
    inside = False
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        pos = m.end()
        group = m.lastgroup
        if group == "sval" or group == "nval":
            if not inside:
                raise ChipFormatError(f"{source} line {_line_of(text, m.start())}: attr outside a node block")
            value = m.group(group)
            if group == "sval" and "\\" in value:
                value = value.encode().decode("unicode_escape")
            attrs[m.group("key")] = (m.group("kind"), value, m.start())
        elif group == "input":
            if not inside:
                raise ChipFormatError(
                    f"{source} line {_line_of(text, m.start())}: input outside a node block"
                )
            inputs.append(m.group("input"))
        elif group == "name":
            if not inside or name is not None:
                raise ChipFormatError(f"{source} line {_line_of(text, m.start())}: unexpected name field")
            name = m.group("name")
            if "\\" in name:
                name = name.encode().decode("unicode_escape")
        elif group == "open":
            if inside:
                raise ChipFormatError(
                    f"{source} line {_line_of(text, m.start())}: node block inside a node block"
                )
            inside = True
            name, inputs, attrs, start = None, [], {}, m.start()
        elif group == "close":
            if not inside:
                raise ChipFormatError(f"{source} line {_line_of(text, m.start())}: unmatched '}}'")
            nodes.append((name, inputs, attrs, start))
            inside = False
        else:
            if not nodes and not inside:
                comments.append((m.group("comment"), m.start()))
    rest = text[pos:]
    if rest.strip():
        offset = pos + len(rest) - len(rest.lstrip())
        snippet = text[offset : offset + 40].split("\n")[0]
        raise ChipFormatError(
            f"{source} line {_line_of(text, offset)}: cannot parse {snippet!r}; expected node {{ name/input/attr }} blocks"
        )
    if inside:
        raise ChipFormatError(
            f"{source} line {_line_of(text, len(text))}: file ends inside a node block (truncated?)"
        )
    return _build(text, source, nodes, comments)


def _float(text: str, source: str, attrs: dict, key: str, default: float | None = None) -> float:
    if key not in attrs:
        if default is None:
            raise ChipFormatError(f"{source}: internal error, missing {key}")
        return default
    _kind, value, at = attrs[key]
    try:
        v = float(value)
    except ValueError:
        raise ChipFormatError(
            f"{source} line {_line_of(text, at)}: attr {key!r} is {value!r}, not a number"
        ) from None
    if not math.isfinite(v):
        raise ChipFormatError(
            f"{source} line {_line_of(text, at)}: attr {key!r} is {value}; expected a finite number"
        )
    return v


def _build(text: str, source: str, nodes: list, comments: list) -> Netlist:
    canvas = None
    block_name = ""
    blockages = []
    for line, at in comments:
        if m := _BBOX.match(line):
            try:
                canvas = (float(m.group(3)), float(m.group(4)))
            except ValueError:
                raise ChipFormatError(f"{source} line {_line_of(text, at)}: bad FP bbox {line!r}") from None
            if not all(math.isfinite(v) and v > 0 for v in canvas):
                raise ChipFormatError(
                    f"{source} line {_line_of(text, at)}: FP bbox size must be positive, got {line!r}"
                )
        elif m := _BLOCKAGE.match(line):
            try:
                blockages.append([float(g) for g in m.groups()])
            except ValueError:
                raise ChipFormatError(f"{source} line {_line_of(text, at)}: bad blockage {line!r}") from None
        elif m := _BLOCK.match(line):
            block_name = m.group(1)
    metadata: dict[str, float | str] = {}
    if nodes and nodes[0][0] == "__metadata__":
        for key, (_, value, _) in nodes[0][2].items():
            metadata[key] = value
        nodes = nodes[1:]
    n = len(nodes)
    if n == 0:
        raise ChipFormatError(f"{source}: the netlist has no nodes; expected node {{ ... }} blocks")
    names: list[str] = []
    index: dict[str, int] = {}
    kind = np.empty(n, np.int8)
    x = np.zeros(n)
    y = np.zeros(n)
    width = np.zeros(n)
    height = np.zeros(n)
    orientation = np.zeros(n, np.int8)
    x_offset = np.zeros(n)
    y_offset = np.zeros(n)
    weight = np.ones(n)
    side = [""] * n
    macro_name: dict[int, tuple[str, int]] = {}
    for i, (name, _, attrs, at) in enumerate(nodes):
        if name is None:
            raise ChipFormatError(f"{source} line {_line_of(text, at)}: node without a name")
        if name in index:
            raise ChipFormatError(f"{source} line {_line_of(text, at)}: duplicate node name {name!r}")
        index[name] = i
        names.append(name)
        t = attrs.get("type")
        if t is None:
            raise ChipFormatError(f"{source} line {_line_of(text, at)}: node {name!r} has no type attr")
        k = _TYPES.get(t[1].lower())
        if k is None:
            raise ChipFormatError(
                f"{source} line {_line_of(text, t[2])}: unknown node type {t[1]!r}; expected MACRO, MACRO_PIN, PORT or STDCELL"
            )
        if k == HARD_MACRO and name.startswith("Grp_"):
            k = SOFT_MACRO
        kind[i] = k
        need: tuple[str, ...] = ()
        if k == HARD_PIN:
            need = ("macro_name",)
        elif k in (HARD_MACRO, SOFT_MACRO, STDCELL):
            need = ("width", "height")
        elif k == PORT:
            need = ("x", "y")
        for key in need:
            if key not in attrs:
                raise ChipFormatError(
                    f"{source} line {_line_of(text, at)}: node {name!r} misses the {key!r} attr"
                )
        x[i] = _float(text, source, attrs, "x", 0.0)
        y[i] = _float(text, source, attrs, "y", 0.0)
        weight[i] = _float(text, source, attrs, "weight", 1.0)
        if k in (HARD_MACRO, SOFT_MACRO, STDCELL):
            width[i] = _float(text, source, attrs, "width")
            height[i] = _float(text, source, attrs, "height")
            if width[i] < 0 or height[i] < 0 or (k != STDCELL and width[i] * height[i] <= 0):
                raise ChipFormatError(
                    f"{source} line {_line_of(text, at)}: node {name!r} has size {width[i]}x{height[i]}"
                )
            if "orientation" in attrs:
                o = attrs["orientation"][1]
                if o not in ORIENT_CODE:
                    raise ChipFormatError(
                        f"{source} line {_line_of(text, attrs['orientation'][2])}: orientation {o!r}; expected one of {ORIENTATIONS}"
                    )
                orientation[i] = ORIENT_CODE[o]
        elif k == HARD_PIN:
            macro_name[i] = (attrs["macro_name"][1], attrs["macro_name"][2])
            x_offset[i] = _float(text, source, attrs, "x_offset", 0.0)
            y_offset[i] = _float(text, source, attrs, "y_offset", 0.0)
        elif k == PORT and "side" in attrs:
            side[i] = attrs["side"][1].lower()
    parent = np.full(n, -1, np.int64)
    for i, (mname, at) in macro_name.items():
        p = index.get(mname)
        if p is None or kind[p] not in (HARD_MACRO, SOFT_MACRO):
            raise ChipFormatError(
                f"{source} line {_line_of(text, at)}: pin {names[i]!r} names unknown macro {mname!r}"
            )
        parent[i] = p
        if kind[p] == SOFT_MACRO:
            kind[i] = SOFT_PIN
    ptr = [0]
    flat: list[int] = []
    for i, (_, inputs, _, at) in enumerate(nodes):
        if not inputs:
            continue
        if kind[i] in (HARD_MACRO, SOFT_MACRO):
            raise ChipFormatError(
                f"{source} line {_line_of(text, at)}: macro {names[i]!r} has inputs; only pins, ports and stdcells drive nets"
            )
        flat.append(i)
        for sink in dict.fromkeys(inputs):
            j = index.get(sink)
            if j is None:
                raise ChipFormatError(
                    f"{source} line {_line_of(text, at)}: node {names[i]!r} drives unknown node {sink!r}"
                )
            flat.append(j)
        ptr.append(len(flat))
    for j in flat:
        if kind[j] in (HARD_MACRO, SOFT_MACRO):
            raise ChipFormatError(
                f"{source}: a net ends on macro {names[j]!r}; nets connect pins, ports and stdcells"
            )
    return Netlist(
        names=names,
        kind=kind,
        x=x,
        y=y,
        width=width,
        height=height,
        orientation=orientation,
        parent=parent,
        x_offset=x_offset,
        y_offset=y_offset,
        weight=weight,
        side=side,
        fixed=np.zeros(n, bool),
        net_ptr=np.asarray(ptr, np.int64),
        net_nodes=np.asarray(flat, np.int64),
        canvas=canvas,
        block_name=block_name,
        blockages=np.asarray(blockages, np.float64).reshape(-1, 5),
        metadata=metadata,
        source=source,
    )


def _attr(out: list[str], key: str, kind: str, value: object) -> None:
    v = f'"{value}"' if kind == "placeholder" else repr(float(value))  # type: ignore[arg-type]
    out.append(f'  attr {{\n    key: "{key}"\n    value {{\n      {kind}: {v}\n    }}\n  }}\n')


def format_netlist(netlist: Netlist, comment: str = "") -> str:
    """Netlist text in Circuit Training's layout (attrs alphabetical, one item per line)."""
    out: list[str] = []
    if comment:
        out.extend(f"# {line}\n" for line in comment.splitlines())
    if netlist.canvas is not None:
        out.append(f"# FP bbox: {{0.0 0.0}} {{{netlist.canvas[0]} {netlist.canvas[1]}}}\n")
    if netlist.block_name:
        out.append(f"# Block : {netlist.block_name}\n")
    sinks: dict[int, np.ndarray] = {}
    for k in range(netlist.num_nets):
        seg = netlist.net_nodes[netlist.net_ptr[k] : netlist.net_ptr[k + 1]]
        sinks[int(seg[0])] = seg[1:]
    type_name = {
        PORT: "PORT",
        HARD_MACRO: "MACRO",
        SOFT_MACRO: "MACRO",
        HARD_PIN: "MACRO_PIN",
        SOFT_PIN: "MACRO_PIN",
        STDCELL: "STDCELL",
    }
    for i, name in enumerate(netlist.names):
        k = int(netlist.kind[i])
        out.append(f'node {{\n  name: "{name}"\n')
        out.extend(f'  input: "{netlist.names[j]}"\n' for j in sinks.get(i, ()))
        attrs: list[tuple[str, str, object]] = []
        if k in (HARD_MACRO, SOFT_MACRO, STDCELL):
            attrs += [("height", "f", netlist.height[i]), ("width", "f", netlist.width[i])]
        if k == HARD_MACRO:
            attrs.append(("orientation", "placeholder", ORIENTATIONS[netlist.orientation[i]]))
        if k in (HARD_PIN, SOFT_PIN):
            attrs.append(("macro_name", "placeholder", netlist.names[netlist.parent[i]]))
            attrs += [("x_offset", "f", netlist.x_offset[i]), ("y_offset", "f", netlist.y_offset[i])]
        if k == PORT and netlist.side[i]:
            attrs.append(("side", "placeholder", netlist.side[i].upper()))
        attrs.append(("type", "placeholder", type_name[k]))
        if i in sinks and netlist.weight[i] != 1.0:
            attrs.append(("weight", "f", netlist.weight[i]))
        attrs += [("x", "f", netlist.x[i]), ("y", "f", netlist.y[i])]
        for key, kind, value in sorted(attrs):
            _attr(out, key, kind, value)
        out.append("}\n")
    return "".join(out)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_netlist(path: str | os.PathLike[str], netlist: Netlist, comment: str = "") -> None:
    """Write ``netlist`` as a ``.pb.txt`` file (atomically)."""
    atomic_write_text(path, format_netlist(netlist, comment))

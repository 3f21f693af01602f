"""Deterministic synthetic netlists: the designs the package ships, as code.

A design is drawn from ``numpy.random.default_rng(seed)``:

- hard macros: a few memory "types" (width × height drawn once, as SRAM compilers produce a handful
  of shapes), scaled so hard macros cover ``hard_fraction`` of the canvas; each has input and output
  pins on its boundary;
- soft macros (``Grp_k``): standard-cell clusters with log-normal areas covering ``soft_fraction`` of
  the canvas, written the way Circuit Training's grouper writes them (width = W / columns), with one
  input pin and several weighted output pins;
- ports spread along the four canvas edges;
- nets: every output pin and input port drives a net whose fan-out follows a truncated power law
  p(k) ∝ k^-rent_alpha (Rent-like: mostly 1–3 sinks, a long tail), with sinks drawn among the
  nearest objects in a hidden "intended" placement (clusters), so that good placements exist.

:func:`toy_netlist` mirrors the shape of Circuit Training's ``toy_macro_stdcell`` test design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from a2perf.envs.chip.netlist import (
    HARD_MACRO,
    HARD_PIN,
    PORT,
    SOFT_MACRO,
    SOFT_PIN,
    STDCELL,
    Netlist,
)
from a2perf.envs.chip.plc import PlcHeader
from a2perf.errors import ConfigError


@dataclass(frozen=True)
class DesignSpec:
    """Size and shape of a synthetic design.

    Attributes:
      num_hard, num_soft, num_ports: node counts.
      canvas_width, canvas_height: canvas in µm.
      grid_cols, grid_rows: placement grid.
      hard_fraction: canvas fraction covered by hard macros.
      soft_fraction: canvas fraction covered by (bloated) soft macros.
      hard_pins: pins per hard macro (half inputs, half outputs).
      soft_outputs: mean number of output pins per soft macro.
      hard_types: number of distinct hard-macro shapes.
      rent_alpha: exponent of the fan-out distribution.
      max_fanout: largest fan-out.
    """

    num_hard: int
    num_soft: int
    num_ports: int
    canvas_width: float
    canvas_height: float
    grid_cols: int
    grid_rows: int
    hard_fraction: float = 0.3
    soft_fraction: float = 0.4
    hard_pins: int = 16
    soft_outputs: float = 6.0
    hard_types: int = 4
    rent_alpha: float = 2.2
    max_fanout: int = 40


PRESETS: dict[str, DesignSpec | None] = {
    "toy": None,  # see toy_netlist()
    "small": DesignSpec(8, 48, 32, 200.0, 200.0, 16, 16, hard_pins=12, soft_outputs=4.0, hard_types=2),
    "medium": DesignSpec(32, 200, 128, 400.0, 400.0, 24, 24, hard_pins=24, soft_outputs=6.0, hard_types=3),
    # Counts of Circuit Training's Ariane: 133 hard (≈90 pins each), 799 soft (≈13.6 pins), 1231 ports.
    "ariane": DesignSpec(
        133,
        799,
        1231,
        356.592,
        356.640,
        35,
        33,
        hard_fraction=0.3,
        soft_fraction=0.45,
        hard_pins=90,
        soft_outputs=12.5,
        hard_types=4,
    ),
}


def preset_names() -> list[str]:
    """Names accepted by :func:`generate`."""
    return list(PRESETS)


def generate(preset: str | DesignSpec = "small", seed: int = 0) -> tuple[Netlist, PlcHeader]:
    """Generate a design and the header (canvas, grid) of its placement file.

    Args:
      preset: a name from :data:`PRESETS` or an explicit :class:`DesignSpec`.
      seed: random seed; the same (preset, seed) always gives the same design.
    Returns:
      (netlist, header). Hard macros sit at a legal reference placement; ports are fixed.
    Raises:
      ConfigError: unknown preset or inconsistent spec.
    """
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ConfigError(f"unknown chip preset {preset!r}; choose one of {', '.join(PRESETS)}")
        if preset == "toy":
            return toy_netlist(seed)
        spec = PRESETS[preset]
        name = preset
    else:
        spec, name = preset, "custom"
    assert spec is not None
    return _generate(spec, seed, name)


def toy_netlist(seed: int = 0) -> tuple[Netlist, PlcHeader]:
    """A design shaped like Circuit Training's ``toy_macro_stdcell``.

    Two 30×40 hard macros (``ML``, ``MR``) with one input and one output pin each, 12 stdcells
    (1×2), 12 ports (3 per edge), canvas 200×100, grid 20×10, and 20 nets: each macro output pin
    drives 6 stdcells, 6 ports drive a stdcell each, those 6 stdcells drive a macro input pin, and
    the 6 other stdcells drive a port each. ``seed`` moves the stdcells and ports.
    """
    rng = np.random.default_rng(seed)
    W, H = 200.0, 100.0
    b = _Builder()
    ports = []
    for side in ("left", "right", "top", "bottom"):
        for t in np.sort(rng.uniform(0.1, 0.9, 3)):
            if side in ("left", "right"):
                px, py = (0.0 if side == "left" else W), round(float(t * H), 1)
            else:
                px, py = round(float(t * W), 1), (H if side == "top" else 0.0)
            ports.append(b.add(f"P{len(ports)}", PORT, px, py, side=side))
    macros, pins_in, pins_out = [], [], []
    for name, cx in (("ML", 50.0), ("MR", 150.0)):
        m = b.add(name, HARD_MACRO, cx, 50.0, 30.0, 40.0)
        macros.append(m)
        pins_in.append(
            b.add(f"{name}/in", HARD_PIN, cx, 50.0, parent=m, dx=-15.0 if name == "ML" else 15.0, dy=0.0)
        )
        pins_out.append(
            b.add(f"{name}/out", HARD_PIN, cx, 50.0, parent=m, dx=15.0 if name == "ML" else -15.0, dy=10.0)
        )
    cells = [
        b.add(
            f"S{i}",
            STDCELL,
            round(float(rng.uniform(5, W - 5)), 1),
            round(float(rng.uniform(5, H - 5)), 1),
            1.0,
            2.0,
        )
        for i in range(12)
    ]
    nets: list[tuple[int, list[int]]] = []
    nets.append((pins_out[0], cells[0:6]))
    nets.append((pins_out[1], cells[6:12]))
    order = rng.permutation(12)
    for k in range(6):
        c = cells[int(order[k])]
        nets.append((ports[k], [c]))
        nets.append((c, [pins_in[k % 2]]))
    for k in range(6, 12):
        nets.append((cells[int(order[k])], [ports[k]]))
    netlist = b.build(nets, canvas=(W, H), block="toy")
    return netlist, PlcHeader(columns=20, rows=10, width=W, height=H, block="toy")


class _Builder:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.rows: list[tuple[int, float, float, float, float, int, float, float]] = []
        self.side: list[str] = []
        self.weight: dict[int, float] = {}

    def add(
        self, name: str, kind: int, x: float, y: float, w: float = 0.0, h: float = 0.0,
        parent: int = -1, dx: float = 0.0, dy: float = 0.0, side: str = "",
    ) -> int:  # fmt: skip
        self.names.append(name)
        self.rows.append((kind, x, y, w, h, parent, dx, dy))
        self.side.append(side)
        return len(self.names) - 1

    def build(self, nets: list[tuple[int, list[int]]], canvas: tuple[float, float], block: str) -> Netlist:
        a = np.array(self.rows, dtype=np.float64).reshape(-1, 8)
        n = len(self.names)
        weight = np.ones(n)
        for i, w in self.weight.items():
            weight[i] = w
        ptr = [0]
        flat: list[int] = []
        for driver, sinks in nets:
            sinks = [s for s in dict.fromkeys(sinks) if s != driver]
            if not sinks:
                continue
            flat.append(driver)
            flat.extend(sinks)
            ptr.append(len(flat))
        netlist = Netlist(
            names=self.names,
            kind=a[:, 0].astype(np.int8),
            x=a[:, 1].copy(),
            y=a[:, 2].copy(),
            width=a[:, 3].copy(),
            height=a[:, 4].copy(),
            orientation=np.zeros(n, np.int8),
            parent=a[:, 5].astype(np.int64),
            x_offset=a[:, 6].copy(),
            y_offset=a[:, 7].copy(),
            weight=weight,
            side=self.side,
            fixed=a[:, 0] == PORT,
            net_ptr=np.asarray(ptr, np.int64),
            net_nodes=np.asarray(flat, np.int64),
            canvas=canvas,
            block_name=block,
        )
        return netlist


def _fanouts(rng: np.random.Generator, n: int, alpha: float, kmax: int) -> np.ndarray:
    k = np.arange(1, kmax + 1)
    p = k ** (-alpha)
    return rng.choice(k, size=n, p=p / p.sum())


def _generate(spec: DesignSpec, seed: int, name: str) -> tuple[Netlist, PlcHeader]:
    if min(spec.num_hard, spec.num_soft, spec.num_ports) < 0 or spec.num_hard + spec.num_soft == 0:
        raise ConfigError(f"design spec {spec}: counts must be >= 0 with at least one macro")
    if not (0 < spec.hard_fraction + spec.soft_fraction < 1.5):
        raise ConfigError(
            f"hard_fraction + soft_fraction = {spec.hard_fraction + spec.soft_fraction}; expected in (0, 1.5)"
        )
    rng = np.random.default_rng(seed)
    W, H = spec.canvas_width, spec.canvas_height
    area = W * H
    b = _Builder()
    # Ports along the edges.
    port_ids = []
    sides = rng.choice(np.array(["left", "right", "top", "bottom"]), size=spec.num_ports)
    ts = rng.uniform(0.02, 0.98, spec.num_ports)
    for i in range(spec.num_ports):
        side = str(sides[i])
        if side in ("left", "right"):
            px, py = (0.0 if side == "left" else W), ts[i] * H
        else:
            px, py = ts[i] * W, (H if side == "top" else 0.0)
        port_ids.append(b.add(f"port_{i}", PORT, round(px, 3), round(py, 3), side=side))
    port_is_input = rng.random(spec.num_ports) < 0.6
    # Hidden intended placement: cluster centres, hard macros near the periphery.
    n_clusters = max(1, round(math.sqrt(spec.num_soft + spec.num_hard) / 2))
    centres = rng.uniform(0.15, 0.85, (n_clusters, 2)) * (W, H)
    # Hard macros.
    hard_ids, hard_in, hard_out, hard_pos = [], [], [], []
    if spec.num_hard:
        types = max(1, min(spec.hard_types, spec.num_hard))
        aspect = rng.uniform(0.5, 2.0, types)
        share = rng.dirichlet(np.ones(types) * 3)
        kinds = rng.choice(types, size=spec.num_hard, p=share)
        rel_area = rng.lognormal(0.0, 0.4, types)
        scale = spec.hard_fraction * area / float(rel_area[kinds].sum())
        cell = min(W / spec.grid_cols, H / spec.grid_rows)
        for i in range(spec.num_hard):
            t = kinds[i]
            a = scale * rel_area[t]
            w = min(math.sqrt(a * aspect[t]), 0.3 * W)
            h = min(a / w, 0.3 * H)
            w, h = max(round(w, 1), 0.5 * cell), max(round(h, 1), 0.5 * cell)
            pos = _jitter(rng, centres[rng.integers(n_clusters)], 0.25 * min(W, H), W, H)
            m = b.add(f"mem_{i}", HARD_MACRO, round(pos[0], 3), round(pos[1], 3), w, h)
            hard_ids.append(m)
            hard_pos.append(pos)
            ins, outs = [], []
            edges = rng.integers(4, size=spec.hard_pins)
            us = rng.uniform(-0.5, 0.5, spec.hard_pins)
            px = np.select([edges < 2, edges == 2], [us * w, np.full(spec.hard_pins, -w / 2)], w / 2).round(3)
            py = np.select(
                [edges == 0, edges == 1],
                [np.full(spec.hard_pins, -h / 2), np.full(spec.hard_pins, h / 2)],
                us * h,
            ).round(3)
            for j in range(spec.hard_pins):
                is_in = j % 2 == 0
                p = b.add(
                    f"mem_{i}/{'in' if is_in else 'out'}_{j // 2}", HARD_PIN, pos[0], pos[1],
                    parent=m, dx=float(px[j]), dy=float(py[j]),
                )  # fmt: skip
                (ins if is_in else outs).append(p)
            hard_in.append(ins)
            hard_out.append(outs)
    # Soft macros (written like Circuit Training's grouper: width = W / columns).
    soft_ids, soft_in, soft_out, soft_pos = [], [], [], []
    if spec.num_soft:
        rel = rng.lognormal(0.0, 0.6, spec.num_soft)
        areas = rel * spec.soft_fraction * area / rel.sum()
        width = W / spec.grid_cols
        n_out = np.maximum(1, rng.poisson(max(spec.soft_outputs - 1, 0.0), spec.num_soft) + 1)
        for i in range(spec.num_soft):
            pos = _jitter(rng, centres[rng.integers(n_clusters)], 0.12 * min(W, H), W, H)
            m = b.add(
                f"Grp_{i}", SOFT_MACRO, round(pos[0], 3), round(pos[1], 3), width, float(areas[i] / width)
            )
            soft_ids.append(m)
            soft_pos.append(pos)
            soft_in.append(b.add(f"Grp_{i}/Pinput", SOFT_PIN, pos[0], pos[1], parent=m))
            outs = []
            weights = 1.0 + rng.poisson(1.5, int(n_out[i]))
            for j in range(int(n_out[i])):
                p = b.add(f"Grp_{i}/Poutput_single_{j}", SOFT_PIN, pos[0], pos[1], parent=m)
                b.weight[p] = float(weights[j])
                outs.append(p)
            soft_out.append(outs)
    # Sink objects: hard macros, soft macros, output ports; located at the hidden placement.
    objects_pos = np.array(
        hard_pos
        + soft_pos
        + [
            [b.rows[p][1], b.rows[p][2]]
            for p, is_in in zip(port_ids, port_is_input, strict=True)
            if not is_in
        ],
        dtype=np.float64,
    ).reshape(-1, 2)
    object_kind = [0] * len(hard_ids) + [1] * len(soft_ids)
    object_ref = list(range(len(hard_ids))) + list(range(len(soft_ids)))
    out_ports = [p for p, is_in in zip(port_ids, port_is_input, strict=True) if not is_in]
    object_kind += [2] * len(out_ports)
    object_ref += list(range(len(out_ports)))
    tree = cKDTree(objects_pos)
    drivers: list[tuple[int, np.ndarray, int]] = []  # (pin, position, own object or -1)
    for k, outs in enumerate(hard_out):
        drivers += [(p, hard_pos[k], k) for p in outs]
    for k, outs in enumerate(soft_out):
        drivers += [(p, soft_pos[k], len(hard_ids) + k) for p in outs]
    for p, is_in in zip(port_ids, port_is_input, strict=True):
        if is_in:
            drivers.append((p, np.array([b.rows[p][1], b.rows[p][2]]), -1))
    fan = _fanouts(rng, len(drivers), spec.rent_alpha, spec.max_fanout)
    n_obj = len(objects_pos)
    nets: list[tuple[int, list[int]]] = []
    if n_obj > 1 and drivers:
        # Each driver picks f distinct sinks uniformly among its 2f (at least 4) nearest objects
        # (its own macro excluded), all drivers at once.
        kq = int(min(n_obj, 4 * spec.max_fanout + 1))
        _, near = tree.query(np.array([d[1] for d in drivers]), k=kq)
        near = np.asarray(near).reshape(len(drivers), -1)
        own = np.array([d[2] for d in drivers])
        valid = near != own[:, None]
        rank = np.cumsum(valid, axis=1)
        pool = np.maximum(2 * fan, 4)
        valid &= rank <= pool[:, None]
        keys = np.where(valid, rng.random(near.shape), np.inf)
        order = np.argsort(keys, axis=1)[:, : spec.max_fanout]
        chosen = np.take_along_axis(near, order, axis=1)
        take = (np.arange(chosen.shape[1])[None, :] < fan[:, None]) & np.take_along_axis(valid, order, axis=1)
        kind_of = np.asarray(object_kind)[chosen]
        ref_of = np.asarray(object_ref)[chosen]
        sink = np.full(chosen.shape, -1, np.int64)
        width = max((len(v) for v in hard_in), default=0)
        if width:
            table = np.full((len(hard_in), width), -1, np.int64)
            counts = np.zeros(len(hard_in), np.int64)
            for k, ins in enumerate(hard_in):
                table[k, : len(ins)] = ins
                counts[k] = len(ins)
            hard_ref = np.where(kind_of == 0, ref_of, 0)
            pick = (rng.random(chosen.shape) * np.maximum(counts[hard_ref], 1)).astype(np.int64)
            sink = np.where(kind_of == 0, table[hard_ref, pick], sink)
        if soft_in:
            sink = np.where(kind_of == 1, np.asarray(soft_in)[np.where(kind_of == 1, ref_of, 0)], sink)
        if out_ports:
            sink = np.where(kind_of == 2, np.asarray(out_ports)[np.where(kind_of == 2, ref_of, 0)], sink)
        take &= sink >= 0
        for (pin, _, _), row, mask in zip(drivers, sink.tolist(), take.tolist(), strict=True):
            nets.append((pin, [v for v, m in zip(row, mask, strict=True) if m]))
    netlist = b.build(nets, canvas=(W, H), block=name)
    header = PlcHeader(columns=spec.grid_cols, rows=spec.grid_rows, width=W, height=H, block=name)
    if spec.num_hard:
        from a2perf.envs.chip.fd import legalize_hard_macros

        legalize_hard_macros(netlist, W, H, spec.grid_rows, spec.grid_cols)
    return netlist, header


def _jitter(rng: np.random.Generator, centre: np.ndarray, spread: float, W: float, H: float) -> np.ndarray:
    p = centre + rng.normal(0.0, spread, 2)
    return np.clip(p, (0.02 * W, 0.02 * H), (0.98 * W, 0.98 * H))

"""Force-directed placement of soft macros and stdcells, and a simple hard-macro legaliser.

The FD schedule follows the spec (§3.7, Circuit Training's ``fd_placement_schedule`` as described
by TILOS): every movable node starts at the canvas centre; each phase runs ``num_steps`` iterations
of spring attraction along driver→sink star edges and/or unit repulsion between overlapping boxes;
forces are max-normalised per axis and the strongest node moves ``max_move`` µm; a move that would
leave the canvas is cancelled. A phase computes attraction only when ``repel == 0`` or
``attract/repel > 1e-4``, and repulsion only when ``attract == 0`` or ``repel/attract > 1e-4``.
Overlapping pairs are found by sort-and-sweep on x, so a step costs O(edges + x-overlapping pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from a2perf.envs.chip.errors import PlacementError
from a2perf.envs.chip.legality import legal_mask
from a2perf.envs.chip.netlist import (
    HARD_MACRO,
    HARD_PIN,
    ORIENT_MATRIX,
    PORT,
    SOFT_MACRO,
    STDCELL,
    Netlist,
)

_TOL = 1e-4


@dataclass(frozen=True)
class FDSchedule:
    """Parameters of one force-directed run (three phases by default).

    Attributes:
      num_steps: iterations per phase.
      move_factors: step cap per phase, as a fraction f of max(W, H)/100.
      attract: spring constant per phase.
      repel: repulsion constant per phase.
      io_factor: extra factor on springs that touch a port.
      use_current_loc: start from the current positions instead of the canvas centre.
    """

    num_steps: tuple[int, ...] = (100, 100, 100)
    move_factors: tuple[float, ...] = (1.0, 1.0, 1.0)
    attract: tuple[float, ...] = (100.0, 1e-3, 1e-5)
    repel: tuple[float, ...] = (0.0, 1e6, 1e7)
    io_factor: float = 1.0
    use_current_loc: bool = False


#: End-of-episode soft-macro placement (hard macros fixed).
SOFT_SCHEDULE = FDSchedule()
#: Mixed-size run used once at env construction for the observation's initial locations.
MIXED_SCHEDULE = FDSchedule(move_factors=(1.0, 2.0, 2.0), attract=(1e2, 1e-3, 1e-5), repel=(0.0, 1e5, 1e6))


class FDPlacer:
    """Force-directed placer for one netlist; precomputes the star edges once.

    Args:
      netlist: the design; :meth:`run` moves its soft macros and stdcells (and hard macros when
        ``move_hard``) in place. Hard-macro orientations are read at construction.
      canvas_width, canvas_height: canvas in µm.
      move_hard: also move hard macros (the mixed-size run). Nodes with `fixed` set never move.
    """

    def __init__(
        self, netlist: Netlist, canvas_width: float, canvas_height: float, move_hard: bool = False
    ) -> None:
        self.netlist = netlist
        self.W, self.H = float(canvas_width), float(canvas_height)
        kinds = (SOFT_MACRO, STDCELL, HARD_MACRO) if move_hard else (SOFT_MACRO, STDCELL)
        self.movable = np.isin(netlist.kind, kinds) & ~netlist.fixed
        self.movable_idx = np.flatnonzero(self.movable)
        ptr, nodes = netlist.net_ptr, netlist.net_nodes
        sizes = np.diff(ptr)
        driver = np.repeat(nodes[ptr[:-1]], sizes - 1)
        sink_mask = np.ones(nodes.size, bool)
        sink_mask[ptr[:-1]] = False
        sink = nodes[sink_mask]
        weight = np.repeat(netlist.weight[nodes[ptr[:-1]]], sizes - 1)
        io = (netlist.kind[driver] == PORT) | (netlist.kind[sink] == PORT)
        self.edge_weight = weight
        self.edge_io = io
        self.d_base, self.d_dx, self.d_dy = self._endpoint(driver)
        self.t_base, self.t_dx, self.t_dy = self._endpoint(sink)
        self._spring_cache: dict[float, tuple] = {}
        self.repel_idx = np.flatnonzero(np.isin(netlist.kind, (SOFT_MACRO, STDCELL, HARD_MACRO)))
        self.repel_movable = self.movable[self.repel_idx]

    def _endpoint(self, pins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nl = self.netlist
        parent = nl.parent[pins]
        base = np.where(parent >= 0, parent, pins)
        hard_pin = nl.kind[pins] == HARD_PIN
        dx = np.where(hard_pin, nl.x_offset[pins], 0.0)
        dy = np.where(hard_pin, nl.y_offset[pins], 0.0)
        m = ORIENT_MATRIX[nl.orientation[base]]
        return base, m[:, 0, 0] * dx + m[:, 0, 1] * dy, m[:, 1, 0] * dx + m[:, 1, 1] * dy

    def _springs(self, io_factor: float):  # type: ignore[no-untyped-def]
        """Spring forces as an affine map of the positions: f_m = c_m − L_m @ X (per axis).

        With g_e = k_e·(P_t − P_d) added to the driver's node and subtracted from the sink's node,
        f = −BᵀKB·X + BᵀK·(off_t − off_d), where B is the edge incidence (+1 driver, −1 sink).
        Returns (L_m, c_x, c_y) restricted to the movable rows.
        """
        from scipy.sparse import coo_matrix

        key = float(io_factor)
        cached = self._spring_cache.get(key)
        if cached is not None:
            return cached
        n = self.netlist.num_nodes
        d, t = self.d_base, self.t_base
        k = self.edge_weight * np.where(self.edge_io, io_factor, 1.0)
        rows = np.concatenate([d, t, d, t])
        cols = np.concatenate([d, t, t, d])
        vals = np.concatenate([k, k, -k, -k])
        lap = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()[self.movable_idx]
        gx = k * (self.t_dx - self.d_dx)
        gy = k * (self.t_dy - self.d_dy)
        cx = (np.bincount(d, gx, n) - np.bincount(t, gx, n))[self.movable_idx]
        cy = (np.bincount(d, gy, n) - np.bincount(t, gy, n))[self.movable_idx]
        self._spring_cache[key] = (lap, cx, cy)
        return lap, cx, cy

    def attraction(self, io_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Spring forces (attract = 1) on the movable nodes at the current positions, (|M|,) each."""
        lap, cx, cy = self._springs(io_factor)
        return cx - lap @ self.netlist.x, cy - lap @ self.netlist.y

    def run(self, schedule: FDSchedule = SOFT_SCHEDULE) -> None:
        """Run the schedule, updating ``netlist.x`` and ``netlist.y`` of movable nodes in place."""
        nl = self.netlist
        x, y = nl.x, nl.y
        mov = self.movable_idx
        if mov.size == 0:
            return
        if not schedule.use_current_loc:
            x[mov] = self.W / 2
            y[mov] = self.H / 2
        hw = nl.width / 2
        hh = nl.height / 2
        lo_x, hi_x = hw[mov], self.W - hw[mov]
        lo_y, hi_y = hh[mov], self.H - hh[mov]
        n = nl.num_nodes
        lap, cx, cy = self._springs(schedule.io_factor)
        for steps, factor, attract, repel in zip(
            schedule.num_steps, schedule.move_factors, schedule.attract, schedule.repel, strict=True
        ):
            max_move = factor * max(self.W, self.H) / 100.0
            do_attract = attract != 0 and (repel == 0 or attract / repel > 1e-4)
            do_repel = repel != 0 and (attract == 0 or repel / attract > 1e-4)
            for _ in range(steps):
                if do_attract:
                    fxm = (cx - lap @ x) * attract
                    fym = (cy - lap @ y) * attract
                else:
                    fxm = np.zeros(mov.size)
                    fym = np.zeros(mov.size)
                if do_repel:
                    fx = np.zeros(n)
                    fy = np.zeros(n)
                    self._repulsion(x, y, hw, hh, repel * max_move, fx, fy)
                    fxm += fx[mov]
                    fym += fy[mov]
                mx, my = np.abs(fxm).max(), np.abs(fym).max()
                if mx == 0 and my == 0:
                    break
                xm, ym = x[mov], y[mov]
                nx = xm + fxm * (max_move / mx) if mx > 0 else xm
                ny = ym + fym * (max_move / my) if my > 0 else ym
                inside = (nx >= lo_x) & (nx <= hi_x) & (ny >= lo_y) & (ny <= hi_y)
                x[mov] = np.where(inside, nx, xm)
                y[mov] = np.where(inside, ny, ym)

    def _repulsion(
        self,
        x: np.ndarray,
        y: np.ndarray,
        hw: np.ndarray,
        hh: np.ndarray,
        strength: float,
        fx: np.ndarray,
        fy: np.ndarray,
    ) -> None:
        a, b = overlapping_pairs(x[self.repel_idx], y[self.repel_idx], hw[self.repel_idx], hh[self.repel_idx])
        if a.size == 0:
            return
        keep = self.repel_movable[a] | self.repel_movable[b]
        a, b = self.repel_idx[a[keep]], self.repel_idx[b[keep]]
        dx = x[a] - x[b]
        dy = y[a] - y[b]
        dist = np.hypot(dx, dy)
        same = dist == 0
        safe = np.where(same, 1.0, dist)
        ux = np.where(same, -1.0, dx / safe) * strength
        uy = np.where(same, -1.0, dy / safe) * strength
        n = x.size
        fx += np.bincount(a, ux, n) - np.bincount(b, ux, n)
        fy += np.bincount(a, uy, n) - np.bincount(b, uy, n)


def overlapping_pairs(
    x: np.ndarray, y: np.ndarray, hw: np.ndarray, hh: np.ndarray, tol: float = _TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a, b), a ≠ b, of boxes that overlap by more than ``tol`` on both axes.

    Args:
      x, y: (n,) centres; hw, hh: (n,) half sizes.
    Returns:
      Two int64 arrays (p,), each unordered pair once.
    """
    x0 = x - hw
    order = np.argsort(x0, kind="stable")
    x0s = x0[order]
    x1s = (x + hw)[order]
    end = np.searchsorted(x0s, x1s - tol, side="left")
    start = np.arange(x.size) + 1
    counts = np.maximum(end - start, 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    i = np.repeat(np.arange(x.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    j = i + 1 + offsets
    a, b = order[i], order[j]
    ok = np.abs(y[a] - y[b]) < hh[a] + hh[b] - tol
    ok &= np.abs(x[a] - x[b]) < hw[a] + hw[b] - tol
    return a[ok], b[ok]


def legalize_hard_macros(
    netlist: Netlist, canvas_width: float, canvas_height: float, rows: int, cols: int, spacing: float = 0.0
) -> None:
    """Snap hard macros to grid-cell centres without overlaps, largest first (in place).

    Each non-fixed hard macro goes to the legal cell nearest its current centre, given the fixed
    macros and those already legalised. Fixed macros stay where they are.

    Raises:
      PlacementError: some macro has no legal cell left (canvas too small or grid too coarse).
    """
    hard = netlist.hard_macros
    fixed = hard[netlist.fixed[hard]]
    todo = hard[~netlist.fixed[hard]]
    area = netlist.width[todo] * netlist.height[todo]
    todo = todo[np.argsort(-area, kind="stable")]
    placed = list(fixed)
    gw, gh = canvas_width / cols, canvas_height / rows
    cx = (np.arange(cols) + 0.5) * gw
    cy = (np.arange(rows) + 0.5) * gh
    for m in todo:
        p = np.asarray(placed, np.int64)
        mask = legal_mask(
            rows, cols, canvas_width, canvas_height, netlist.width[m], netlist.height[m],
            netlist.x[p], netlist.y[p], netlist.width[p], netlist.height[p], (spacing, spacing),
        )  # fmt: skip
        if not mask.any():
            raise PlacementError(
                f"no legal cell for hard macro {netlist.names[m]!r} ({netlist.width[m]:g}x{netlist.height[m]:g} µm) "
                f"on a {cols}x{rows} grid; use a finer grid or a larger canvas"
            )
        d2 = (cy[:, None] - netlist.y[m]) ** 2 + (cx[None, :] - netlist.x[m]) ** 2
        r, c = np.unravel_index(np.argmin(np.where(mask, d2, np.inf)), mask.shape)
        netlist.x[m], netlist.y[m] = cx[c], cy[r]
        placed.append(m)


def clamp_into_canvas(netlist: Netlist, canvas_width: float, canvas_height: float, nodes: np.ndarray) -> None:
    """Move the boxes of ``nodes`` just inside the canvas where they stick out (in place)."""
    hw, hh = netlist.width[nodes] / 2, netlist.height[nodes] / 2
    netlist.x[nodes] = np.clip(netlist.x[nodes], hw, np.maximum(hw, canvas_width - hw))
    netlist.y[nodes] = np.clip(netlist.y[nodes], hh, np.maximum(hh, canvas_height - hh))

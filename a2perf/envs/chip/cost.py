"""Circuit Training proxy cost, vectorised: wirelength, density and congestion.

Formulas follow ``shared/specs/chip.md`` §2 (Google's ``plc_wrapper_main`` as documented there):

- wirelength: Σ_n w_n·HPWL_n; cost = WL / ((W + H)·Σ_n w_n).
- density: per-cell covered area / cell area, summed over macros and stdcells; cost = 0.5 · mean of
  the top 10 % cells.
- congestion: L/T routing of 2- and 3-cell nets, star decomposition of larger nets, smoothing, macro
  routing blockage; cost = mean of the top 5 % of the concatenated vertical and horizontal maps.
- proxy = w_wl·wirelength_cost + w_d·density_cost + w_c·congestion_cost (defaults 1, 1, 0.5).

:class:`CostModel` precomputes the static structure once; :meth:`CostModel.evaluate` is a full
evaluation and :class:`IncrementalCost` updates the cost after single-macro moves.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from a2perf.envs.chip.netlist import (
    HARD_MACRO,
    HARD_PIN,
    ORIENT_MATRIX,
    SOFT_MACRO,
    STDCELL,
    Netlist,
)
from a2perf.errors import ConfigError


@dataclass(frozen=True)
class CostConfig:
    """Canvas, grids, routing resources and weights of the proxy cost.

    Attributes:
      canvas_width, canvas_height: canvas size in µm.
      grid_cols, grid_rows: placement grid (density, mask).
      hroutes_per_micron, vroutes_per_micron: routing tracks per µm.
      hrouting_alloc, vrouting_alloc: tracks per µm used by hard macros.
      smooth_range: congestion smoothing range (cells; floored).
      congestion_grid: ``"separate"`` (A2Perf / CT since 2023: square cells of
        2·routes_per_congestion_grid/(hrpm+vrpm) µm) or ``"placement"`` (legacy: the placement grid).
      routes_per_congestion_grid: routes per congestion cell (separate grid only).
      wirelength_weight, density_weight, congestion_weight: proxy weights.
      orient_pins: transform hard-macro pin offsets by the macro orientation (table in the spec).
        This reproduces the Ariane133-NG45 header wirelength (3219214.0 vs 3219216.09; without it 3183003).
      unit_congestion_weights: route every net with weight 1 instead of its weight. The default (weighted)
        follows the spec and TILOS (0.71567 on Ariane133-NG45 initial.plc); unit weights give 0.71315,
        closer to that file's header value 0.7128, which an older Google binary printed.
    """

    canvas_width: float
    canvas_height: float
    grid_cols: int = 10
    grid_rows: int = 10
    hroutes_per_micron: float = 70.33
    vroutes_per_micron: float = 74.51
    hrouting_alloc: float = 51.79
    vrouting_alloc: float = 51.79
    smooth_range: float = 5.0
    congestion_grid: Literal["separate", "placement"] = "separate"
    routes_per_congestion_grid: float = 1000.0
    wirelength_weight: float = 1.0
    density_weight: float = 1.0
    congestion_weight: float = 0.5
    orient_pins: bool = True
    unit_congestion_weights: bool = False

    def __post_init__(self) -> None:
        for name in ("canvas_width", "canvas_height", "hroutes_per_micron", "vroutes_per_micron"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"{name}={v}; expected a positive finite number")
        if self.grid_cols < 1 or self.grid_rows < 1 or self.grid_cols > 4096 or self.grid_rows > 4096:
            raise ConfigError(f"grid {self.grid_cols}x{self.grid_rows}; expected 1..4096 columns and rows")
        if self.congestion_grid not in ("separate", "placement"):
            raise ConfigError(f"congestion_grid={self.congestion_grid!r}; expected 'separate' or 'placement'")
        if self.smooth_range < 0:
            raise ConfigError(f"smooth_range={self.smooth_range}; expected >= 0")

    def congestion_shape(self) -> tuple[int, int]:
        """(rows, cols) of the congestion grid."""
        if self.congestion_grid == "placement":
            return self.grid_rows, self.grid_cols
        g = 2.0 * self.routes_per_congestion_grid / (self.hroutes_per_micron + self.vroutes_per_micron)
        return max(1, math.floor(self.canvas_height / g)), max(1, math.floor(self.canvas_width / g))

    def with_(self, **changes: object) -> CostConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CostResult:
    """Cost components (dimensionless except ``wirelength`` in µm)."""

    wirelength: float
    wirelength_cost: float
    density_cost: float
    congestion_cost: float
    proxy_cost: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _top_mean(values: np.ndarray, fraction: float) -> float:
    """Mean of the ⌊fraction·n⌋ largest values (the maximum when that is 0)."""
    k = math.floor(fraction * values.size)
    if k <= 0:
        return float(values.max())
    return float(np.partition(values, values.size - k)[values.size - k :].mean())


def _windows(
    lo: np.ndarray, hi: np.ndarray, step: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells spanned by intervals [lo, hi] on a uniform axis of ``n`` cells of size ``step``.

    Returns:
      (idx, overlap, last): idx (k, S) cell indices of each interval's window (first = clamped
      ⌊lo/step⌋), overlap (k, S) overlap lengths (0 outside the window), last (k,) the clamped
      ⌊hi/step⌋. S is the widest window. No BLAS (small products are slow when threads contend).
    """
    first = np.clip(np.floor(lo / step), 0, n - 1).astype(np.int64)
    last = np.clip(np.floor(hi / step), 0, n - 1).astype(np.int64)
    span = int(np.max(last - first)) + 1 if lo.size else 1
    idx = first[:, None] + np.arange(max(span, 1))[None, :]
    valid = idx <= last[:, None]
    idx = np.minimum(idx, n - 1)
    overlap = np.minimum(hi[:, None], (idx + 1) * step) - np.maximum(lo[:, None], idx * step)
    overlap = np.where(valid & (overlap > 0), overlap, 0.0)
    return idx, overlap, last


def _smooth(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Spread each value evenly over its ±k neighbours along ``axis`` (clipped at the edges)."""
    n = a.shape[axis]
    if k == 0 or n == 1:
        return a
    idx = np.arange(n)
    lo, hi = np.maximum(idx - k, 0), np.minimum(idx + k, n - 1)
    count = (hi - lo + 1).astype(np.float64)
    shape = [1, 1]
    shape[axis] = n
    spread = a / count.reshape(shape)
    csum = np.cumsum(spread, axis=axis)
    pad = [(0, 0), (0, 0)]
    pad[axis] = (1, 0)
    csum = np.pad(csum, pad)
    return np.take(csum, hi + 1, axis=axis) - np.take(csum, lo, axis=axis)


class CostModel:
    """Static structure of the proxy cost for one netlist and configuration.

    The model reads the *current* ``netlist.x``, ``netlist.y`` and ``netlist.orientation`` at each
    evaluation, and the sizes (``width``, ``height``) given at construction.

    Args:
      netlist: the design; callers square soft macros first if they want Circuit Training's behaviour.
      config: canvas, grids, routing and weights.
    """

    def __init__(self, netlist: Netlist, config: CostConfig) -> None:
        if netlist.num_nets == 0:
            raise ConfigError("the netlist has no nets; the proxy cost needs at least one net")
        self.netlist = netlist
        self.config = config
        c = config
        self.W, self.H = float(c.canvas_width), float(c.canvas_height)
        ptr = netlist.net_ptr
        nodes = netlist.net_nodes
        self.net_ptr = ptr
        self.net_nodes = nodes
        self.num_nets = len(ptr) - 1
        self.net_start = ptr[:-1]
        self.entry_net = np.repeat(np.arange(self.num_nets), np.diff(ptr))
        self.net_weight = netlist.weight[nodes[self.net_start]].astype(np.float64)
        self.total_weight = float(self.net_weight.sum())
        self.route_weight = np.ones(self.num_nets) if c.unit_congestion_weights else self.net_weight
        # Entry geometry: position = position of `base` (+ rotated offset for hard-macro pins).
        parent = netlist.parent[nodes]
        self.entry_base = np.where(parent >= 0, parent, nodes)
        hard_pin = netlist.kind[nodes] == HARD_PIN
        self.entry_dx = np.where(hard_pin, netlist.x_offset[nodes], 0.0)
        self.entry_dy = np.where(hard_pin, netlist.y_offset[nodes], 0.0)
        self.has_offsets = bool(np.any(self.entry_dx) or np.any(self.entry_dy))
        used = np.flatnonzero(np.bincount(nodes, minlength=netlist.num_nodes))
        self.pin_nodes = used[netlist.parent[used] >= 0]
        self.pin_parent = netlist.parent[self.pin_nodes]
        hard_pins = netlist.kind[self.pin_nodes] == HARD_PIN
        self.pin_dx = np.where(hard_pins, netlist.x_offset[self.pin_nodes], 0.0)
        self.pin_dy = np.where(hard_pins, netlist.y_offset[self.pin_nodes], 0.0)
        # Placement grid.
        self.R, self.C = c.grid_rows, c.grid_cols
        self.gw, self.gh = self.W / self.C, self.H / self.R
        self.density_nodes = np.flatnonzero(np.isin(netlist.kind, (HARD_MACRO, SOFT_MACRO, STDCELL)))
        self.density_w = netlist.width[self.density_nodes].copy()
        self.density_h = netlist.height[self.density_nodes].copy()
        self.k_density = max(1, math.floor(0.1 * self.R * self.C))
        # Congestion grid.
        self.Rc, self.Cc = c.congestion_shape()
        self.gwc, self.ghc = self.W / self.Cc, self.H / self.Rc
        self.smooth_k = math.floor(c.smooth_range)
        self.h_capacity = self.ghc * c.hroutes_per_micron
        self.v_capacity = self.gwc * c.vroutes_per_micron
        self.hard = np.flatnonzero(netlist.kind == HARD_MACRO)
        self.hard_w = netlist.width[self.hard].copy()
        self.hard_h = netlist.height[self.hard].copy()

    # ------------------------------------------------------------------ geometry
    def entry_positions(
        self, x: np.ndarray, y: np.ndarray, orientation: np.ndarray, sel: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pin positions of every net entry (or of entries ``sel``). Shapes (num_entries,), µm."""
        if sel is None:
            X, Y = self.node_positions(x, y, orientation)
            return X[self.net_nodes], Y[self.net_nodes]
        base = self.entry_base[sel]
        px = x[base]
        py = y[base]
        if self.has_offsets:
            dx = self.entry_dx[sel]
            dy = self.entry_dy[sel]
            if self.config.orient_pins:
                o = orientation[base]
                if np.any(o):
                    m = ORIENT_MATRIX[o]
                    dx, dy = m[:, 0, 0] * dx + m[:, 0, 1] * dy, m[:, 1, 0] * dx + m[:, 1, 1] * dy
            px = px + dx
            py = py + dy
        return px, py

    def node_positions(
        self, x: np.ndarray, y: np.ndarray, orientation: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of all nodes, with pins at parent centre + (rotated) offset. Shapes (num_nodes,), µm."""
        X = x.copy()
        Y = y.copy()
        parent = self.pin_parent
        dx, dy = self.pin_dx, self.pin_dy
        if self.config.orient_pins:
            o = orientation[parent]
            if np.any(o):
                m = ORIENT_MATRIX
                dx, dy = (
                    m[o, 0, 0] * self.pin_dx + m[o, 0, 1] * self.pin_dy,
                    m[o, 1, 0] * self.pin_dx + m[o, 1, 1] * self.pin_dy,
                )
        X[self.pin_nodes] = x[parent] + dx
        Y[self.pin_nodes] = y[parent] + dy
        return X, Y

    # ------------------------------------------------------------------ wirelength
    def net_hpwl(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """HPWL per net (num_nets,), µm."""
        s = self.net_start
        return (
            np.maximum.reduceat(px, s)
            - np.minimum.reduceat(px, s)
            + np.maximum.reduceat(py, s)
            - np.minimum.reduceat(py, s)
        )

    # ------------------------------------------------------------------ density
    def density_grid(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Covered fraction of each placement cell, shape (R, C); may exceed 1 where cells overlap."""
        return self._density_of(x[self.density_nodes], y[self.density_nodes], self.density_w, self.density_h)

    def _density_of(self, cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
        ci, ox, _ = _windows(cx - w / 2, cx + w / 2, self.gw, self.C)
        ri, oy, _ = _windows(cy - h / 2, cy + h / 2, self.gh, self.R)
        flat = (ri[:, :, None] * self.C + ci[:, None, :]).ravel()
        area = (oy[:, :, None] * ox[:, None, :]).ravel()
        return np.bincount(flat, area, self.R * self.C).reshape(self.R, self.C) / (self.gw * self.gh)

    def density_cost(self, grid: np.ndarray) -> float:
        """0.5 · mean of the top-10 % cells of a density grid."""
        flat = grid.ravel()
        k = self.k_density
        return 0.5 * float(np.partition(flat, flat.size - k)[flat.size - k :].mean())

    # ------------------------------------------------------------------ congestion
    def entry_cells(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Flat congestion-grid cell (r·Cc + c) of each entry, clamped to the grid."""
        r = np.clip(np.floor(py / self.ghc), 0, self.Rc - 1).astype(np.int64)
        c = np.clip(np.floor(px / self.gwc), 0, self.Cc - 1).astype(np.int64)
        return r * self.Cc + c

    def routing_demand(
        self, cells: np.ndarray, entry_net: np.ndarray, net_first: np.ndarray, weight: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw horizontal and vertical routing demand (tracks), shapes (Rc, Cc).

        Args:
          cells: flat cell per entry (num_entries,); entries of a net are contiguous.
          entry_net: local net id of each entry, ascending, in [0, num_nets).
          net_first: index of each net's driver entry (num_nets,).
          weight: net weights (num_nets,).
        """
        R, C = self.Rc, self.Cc
        ncell = R * C
        keys = np.sort(entry_net * ncell + cells, kind="stable")  # nearly sorted already: fast
        first = np.empty(keys.size, bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        unique = keys[first]
        unet = unique // ncell
        ucell = unique - unet * ncell
        count = np.bincount(unet, minlength=len(net_first))[unet]
        driver = cells[net_first]
        h_parts: list[tuple[np.ndarray, ...]] = []
        v_parts: list[tuple[np.ndarray, ...]] = []
        # Two cells, or more than three: L-shapes from the driver's cell (row first, then column).
        star = (count != 3) & (ucell != driver[unet])
        if np.any(star):
            s = driver[unet[star]]
            t = ucell[star]
            w = weight[unet[star]]
            sr, sc = np.divmod(s, C)
            tr, tc = np.divmod(t, C)
            h_parts.append((sr, sc, tc, w))
            v_parts.append((tc, sr, tr, w))
        three = count == 3
        if np.any(three):
            cell3 = ucell[three].reshape(-1, 3)  # ascending flat id = sorted by (row, col)
            w = weight[unet[three][::3]]
            rr, cc = np.divmod(cell3, C)
            by_col = np.sort(cc * R + rr, axis=1)  # sorted by (col, row)
            c_sorted, r_sorted = np.divmod(by_col, R)
            r1, r2, r3 = r_sorted[:, 0], r_sorted[:, 1], r_sorted[:, 2]
            c1, c2, c3 = c_sorted[:, 0], c_sorted[:, 1], c_sorted[:, 2]
            rule1 = (c1 < c2) & (c2 < c3) & (np.minimum(r1, r3) < r2) & (r2 < np.maximum(r1, r3))
            rule2 = ~rule1 & (c2 == c3) & (c1 < c2) & (r1 < np.minimum(r2, r3))
            rule3 = ~rule1 & ~rule2 & (r2 == r3)
            rule4 = ~(rule1 | rule2 | rule3)
            for m in (rule1, rule3):
                h_parts.append((r1[m], c1[m], c2[m], w[m]))
                h_parts.append((r2[m], c2[m], c3[m], w[m]))
                v_parts.append((c2[m], r1[m], r2[m], w[m]))
            v_parts.append((c3[rule1], r2[rule1], r3[rule1], w[rule1]))
            h_parts.append((r1[rule2], c1[rule2], c2[rule2], w[rule2]))
            v_parts.append((c2[rule2], r1[rule2], np.maximum(r2, r3)[rule2], w[rule2]))
            # T-shape on the (row, col)-sorted cells.
            R1, R2, R3 = rr[rule4, 0], rr[rule4, 1], rr[rule4, 2]
            C1, C3 = cc[rule4, 0], cc[rule4, 2]
            w4 = w[rule4]
            h_parts.append((R2, cc[rule4].min(axis=1), cc[rule4].max(axis=1), w4))
            v_parts.append((C1, R1, R2, w4))
            v_parts.append((C3, R2, R3, w4))
        H = self._accumulate(h_parts, R, C, horizontal=True)
        V = self._accumulate(v_parts, R, C, horizontal=False)
        return H, V

    @staticmethod
    def _accumulate(parts: list[tuple[np.ndarray, ...]], R: int, C: int, horizontal: bool) -> np.ndarray:
        if not parts:
            return np.zeros((R, C))
        line = np.concatenate([p[0] for p in parts])
        a = np.concatenate([p[1] for p in parts])
        b = np.concatenate([p[2] for p in parts])
        w = np.concatenate([p[3] for p in parts])
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        if horizontal:  # segments along a row: H[line, lo:hi] += w
            size = R * (C + 1)
            diff = np.bincount(line * (C + 1) + lo, w, size) - np.bincount(line * (C + 1) + hi, w, size)
            return np.cumsum(diff.reshape(R, C + 1), axis=1)[:, :C]
        size = (R + 1) * C  # segments along a column: V[lo:hi, line] += w
        diff = np.bincount(lo * C + line, w, size) - np.bincount(hi * C + line, w, size)
        return np.cumsum(diff.reshape(R + 1, C), axis=0)[:R]

    def macro_blockage(
        self, cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw routing blockage (tracks) of hard macros, (H, V) with shapes (Rc, Cc).

        Each macro adds ox·av to V and oy·ah to H in every cell it overlaps on both axes, with the
        partial-overlap correction of the spec (§2.3 c).
        """
        R, C = self.Rc, self.Cc
        if cx.size == 0:
            return np.zeros((R, C)), np.zeros((R, C))
        gw, gh = self.gwc, self.ghc
        x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
        keep = (np.floor(y1 / gh) >= 0) & (np.floor(x1 / gw) >= 0) & (x0 < self.W) & (y0 < self.H)
        ci, ox, ur_c = _windows(x0, x1, gw, C)  # (M, Sc)
        ri, oy, ur_r = _windows(y0, y1, gh, R)  # (M, Sr)
        ox = np.where(keep[:, None], ox, 0.0)
        oy = np.where(keep[:, None], oy, 0.0)
        in_c = np.arange(ci.shape[1])[None, :] <= (ur_c - ci[:, 0])[:, None]
        in_r = np.arange(ri.shape[1])[None, :] <= (ur_r - ri[:, 0])[:, None]
        pos_x, pos_y = ox > 0, oy > 0
        flat = (ri[:, :, None] * C + ci[:, None, :]).ravel()
        av, ah = self.config.vrouting_alloc, self.config.hrouting_alloc
        V = np.bincount(flat, (pos_y[:, :, None] * ox[:, None, :]).ravel() * av, R * C)
        Hb = np.bincount(flat, (oy[:, :, None] * pos_x[:, None, :]).ravel() * ah, R * C)
        m = np.arange(cx.size)
        last_r = ur_r - ri[:, 0]
        last_c = ur_c - ci[:, 0]
        oy_bl, oy_ur = oy[:, 0], oy[m, last_r]
        ox_bl, ox_ur = ox[:, 0], ox[m, last_c]
        any_c_gap = np.any(in_c & ~pos_x, axis=1)
        any_r_gap = np.any(in_r & ~pos_y, axis=1)
        partial_v = (
            keep & (last_r > 0) & (any_c_gap | (np.abs(oy_bl - gh) > 1e-5) | (np.abs(oy_ur - gh) > 1e-5))
        )
        partial_h = (
            keep & (last_c > 0) & (any_r_gap | (np.abs(ox_bl - gw) > 1e-5) | (np.abs(ox_ur - gw) > 1e-5))
        )
        if np.any(partial_v):
            k = np.flatnonzero(partial_v)
            sub = ox[k] * (oy_ur[k] > 0)[:, None] * av  # (k, Sc) in the top row
            V -= np.bincount((ur_r[k][:, None] * C + ci[k]).ravel(), sub.ravel(), R * C)
        if np.any(partial_h):
            k = np.flatnonzero(partial_h)
            sub = oy[k] * (ox_ur[k] > 0)[:, None] * ah  # (k, Sr) in the right column
            Hb -= np.bincount((ri[k] * C + ur_c[k][:, None]).ravel(), sub.ravel(), R * C)
        return Hb.reshape(R, C), V.reshape(R, C)

    def congestion_from(
        self, H: np.ndarray, V: np.ndarray, Hm: np.ndarray, Vm: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Congestion cost and final (H, V) maps from raw net demand and raw macro blockage."""
        Hs = _smooth(H / self.h_capacity, self.smooth_k, axis=0)  # H spreads over rows
        Vs = _smooth(V / self.v_capacity, self.smooth_k, axis=1)  # V spreads over columns
        Ht = Hs + Hm / self.h_capacity
        Vt = Vs + Vm / self.v_capacity
        return _top_mean(np.concatenate([Vt.ravel(), Ht.ravel()]), 0.05), Ht, Vt

    # ------------------------------------------------------------------ full evaluation
    def evaluate(self, netlist: Netlist | None = None) -> CostResult:
        """Full proxy cost of the current placement of ``netlist`` (default: the model's netlist)."""
        nl = self.netlist if netlist is None else netlist
        x, y = nl.x, nl.y
        px, py = self.entry_positions(x, y, nl.orientation)
        wl = float((self.net_weight * self.net_hpwl(px, py)).sum())
        return self._combine(wl, self.density_grid(x, y), *self._congestion_parts(x, y, px, py))

    def _congestion_parts(self, x, y, px, py):  # type: ignore[no-untyped-def]
        if self.config.congestion_weight == 0:
            z = np.zeros((self.Rc, self.Cc))
            return z, z, z, z
        cells = self.entry_cells(px, py)
        H, V = self.routing_demand(cells, self.entry_net, self.net_start, self.route_weight)
        Hm, Vm = self.macro_blockage(x[self.hard], y[self.hard], self.hard_w, self.hard_h)
        return H, V, Hm, Vm

    def _combine(self, wl: float, dens: np.ndarray, H, V, Hm, Vm) -> CostResult:  # type: ignore[no-untyped-def]
        c = self.config
        wl_cost = wl / ((self.W + self.H) * self.total_weight)
        d_cost = self.density_cost(dens) if c.density_weight != 0 else 0.0
        g_cost = self.congestion_from(H, V, Hm, Vm)[0] if c.congestion_weight != 0 else 0.0
        proxy = c.wirelength_weight * wl_cost + c.density_weight * d_cost + c.congestion_weight * g_cost
        return CostResult(wl, wl_cost, d_cost, g_cost, proxy)

    def congestion_maps(self, netlist: Netlist | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Final horizontal and vertical congestion maps, shapes (Rc, Cc)."""
        nl = self.netlist if netlist is None else netlist
        px, py = self.entry_positions(nl.x, nl.y, nl.orientation)
        _, Ht, Vt = self.congestion_from(*self._congestion_parts(nl.x, nl.y, px, py))
        return Ht, Vt


class IncrementalCost:
    """Proxy cost kept up to date under single-node moves.

    Only the nets touching the moved node are re-measured and re-routed, and only its own density and
    blockage footprint is replaced; smoothing and the top-k means run on the (small) grids.

    Args:
      model: the cost model; its netlist is mutated by :meth:`move`.
    """

    def __init__(self, model: CostModel) -> None:
        self.model = model
        self.netlist = model.netlist
        m = model
        order = np.argsort(m.entry_base, kind="stable")
        self._by_node_ptr = np.searchsorted(m.entry_base[order], np.arange(self.netlist.num_nodes + 1))
        self._by_node_net = m.entry_net[order]
        self._density_pos = np.full(self.netlist.num_nodes, -1, np.int64)
        self._density_pos[m.density_nodes] = np.arange(m.density_nodes.size)
        self._hard_pos = np.full(self.netlist.num_nodes, -1, np.int64)
        self._hard_pos[m.hard] = np.arange(m.hard.size)
        self._cache: dict[int, tuple[np.ndarray, ...]] = {}
        self.refresh()

    def refresh(self) -> CostResult:
        """Recompute everything from the netlist's current placement."""
        m, nl = self.model, self.netlist
        px, py = m.entry_positions(nl.x, nl.y, nl.orientation)
        self.hpwl = m.net_hpwl(px, py)
        self.density = m.density_grid(nl.x, nl.y)
        self.H, self.V, self.Hm, self.Vm = m._congestion_parts(nl.x, nl.y, px, py)
        return self.result()

    def result(self) -> CostResult:
        """Cost of the current state."""
        m = self.model
        wl = float((m.net_weight * self.hpwl).sum())
        return m._combine(wl, self.density, self.H, self.V, self.Hm, self.Vm)

    def _nets_of(self, node: int) -> tuple[np.ndarray, ...]:
        got = self._cache.get(node)
        if got is None:
            m = self.model
            nets = np.unique(self._by_node_net[self._by_node_ptr[node] : self._by_node_ptr[node + 1]])
            lengths = m.net_ptr[nets + 1] - m.net_ptr[nets]
            local = np.repeat(np.arange(nets.size), lengths)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
            entries = m.net_ptr[nets][local] + (np.arange(local.size) - starts[local])
            got = (nets, entries, local, starts, m.route_weight[nets])
            self._cache[node] = got
        return got

    def _route(self, entries: np.ndarray, local: np.ndarray, starts: np.ndarray, w: np.ndarray):  # type: ignore[no-untyped-def]
        m, nl = self.model, self.netlist
        px, py = m.entry_positions(nl.x, nl.y, nl.orientation, entries)
        hp = (
            np.maximum.reduceat(px, starts)
            - np.minimum.reduceat(px, starts)
            + np.maximum.reduceat(py, starts)
            - np.minimum.reduceat(py, starts)
        )
        if m.config.congestion_weight == 0 or entries.size == 0:
            return hp, 0.0, 0.0
        H, V = m.routing_demand(m.entry_cells(px, py), local, starts, w)
        return hp, H, V

    def _footprint(self, node: int):  # type: ignore[no-untyped-def]
        m, nl = self.model, self.netlist
        out = [None, None]
        d = self._density_pos[node]
        if d >= 0:
            out[0] = m._density_of(
                nl.x[node : node + 1], nl.y[node : node + 1], m.density_w[d : d + 1], m.density_h[d : d + 1]
            )
        k = self._hard_pos[node]
        if k >= 0 and m.config.congestion_weight != 0:
            out[1] = m.macro_blockage(
                nl.x[node : node + 1], nl.y[node : node + 1], m.hard_w[k : k + 1], m.hard_h[k : k + 1]
            )
        return out

    def move(self, node: int, x: float, y: float, orientation: int | None = None) -> CostResult:
        """Move ``node`` (a macro, stdcell or port) to centre (x, y) and return the updated cost."""
        nets, entries, local, starts, w = self._nets_of(node)
        nl = self.netlist
        if nets.size:
            _, h_old, v_old = self._route(entries, local, starts, w)
        dens_old, block_old = self._footprint(node)
        nl.x[node], nl.y[node] = x, y
        if orientation is not None:
            nl.orientation[node] = orientation
        if nets.size:
            hp, h_new, v_new = self._route(entries, local, starts, w)
            self.hpwl[nets] = hp
            self.H = self.H + (h_new - h_old)
            self.V = self.V + (v_new - v_old)
        dens_new, block_new = self._footprint(node)
        if dens_new is not None:
            self.density = self.density + (dens_new - dens_old)
        if block_new is not None:
            self.Hm = self.Hm + (block_new[0] - block_old[0])
            self.Vm = self.Vm + (block_new[1] - block_old[1])
        return self.result()

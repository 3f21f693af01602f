"""A plain-Python, loop-by-loop proxy cost: the cross-check and speed baseline of :mod:`cost`.

Written directly from the spec's prose (§2), one net / macro / cell at a time, the way a
straightforward reimplementation (such as TILOS's ``plc_client_os``) computes it. It is slow on
purpose; tests compare it with the vectorised model and the benchmark reports the speed-up.
"""

from __future__ import annotations

import math

from a2perf.envs.chip.cost import CostConfig, CostResult
from a2perf.envs.chip.netlist import HARD_MACRO, HARD_PIN, ORIENT_MATRIX, SOFT_MACRO, STDCELL, Netlist


def reference_cost(netlist: Netlist, config: CostConfig) -> CostResult:
    """Proxy cost with Python loops (same definition as :meth:`CostModel.evaluate`)."""
    nl, c = netlist, config
    W, H = c.canvas_width, c.canvas_height
    kind = nl.kind.tolist()
    x, y = nl.x.tolist(), nl.y.tolist()

    def pin_xy(i: int) -> tuple[float, float]:
        p = int(nl.parent[i])
        if p < 0:
            return x[i], y[i]
        if kind[i] != HARD_PIN:
            return x[p], y[p]
        dx, dy = float(nl.x_offset[i]), float(nl.y_offset[i])
        if c.orient_pins:
            m = ORIENT_MATRIX[int(nl.orientation[p])]
            dx, dy = m[0, 0] * dx + m[0, 1] * dy, m[1, 0] * dx + m[1, 1] * dy
        return x[p] + dx, y[p] + dy

    nets = []
    for k in range(nl.num_nets):
        members = nl.net_nodes[nl.net_ptr[k] : nl.net_ptr[k + 1]].tolist()
        nets.append(([pin_xy(i) for i in members], float(nl.weight[members[0]])))
    # Wirelength.
    wl = 0.0
    total_w = 0.0
    for pts, w in nets:
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        wl += w * (max(xs) - min(xs) + max(ys) - min(ys))
        total_w += w
    wl_cost = wl / ((W + H) * total_w)
    # Density.
    R, C = c.grid_rows, c.grid_cols
    gw, gh = W / C, H / R
    dens = [0.0] * (R * C)
    for i in range(nl.num_nodes):
        if kind[i] not in (HARD_MACRO, SOFT_MACRO, STDCELL):
            continue
        w, h = float(nl.width[i]), float(nl.height[i])
        x0, x1, y0, y1 = x[i] - w / 2, x[i] + w / 2, y[i] - h / 2, y[i] + h / 2
        for r in range(R):
            oy = min(y1, (r + 1) * gh) - max(y0, r * gh)
            if oy <= 0:
                continue
            for col in range(C):
                ox = min(x1, (col + 1) * gw) - max(x0, col * gw)
                if ox > 0:
                    dens[r * C + col] += ox * oy / (gw * gh)
    k = max(1, math.floor(0.1 * R * C))
    d_cost = 0.5 * sum(sorted(dens, reverse=True)[:k]) / k
    # Congestion.
    Rc, Cc = c.congestion_shape()
    gwc, ghc = W / Cc, H / Rc
    Hd = [[0.0] * Cc for _ in range(Rc)]
    Vd = [[0.0] * Cc for _ in range(Rc)]

    def cell(p: tuple[float, float]) -> tuple[int, int]:
        return min(max(math.floor(p[1] / ghc), 0), Rc - 1), min(max(math.floor(p[0] / gwc), 0), Cc - 1)

    def hseg(r: int, a: int, b: int, w: float) -> None:
        for col in range(min(a, b), max(a, b)):
            Hd[r][col] += w

    def vseg(col: int, a: int, b: int, w: float) -> None:
        for r in range(min(a, b), max(a, b)):
            Vd[r][col] += w

    for pts, w in nets:
        w = 1.0 if c.unit_congestion_weights else w
        src = cell(pts[0])
        cells = list(dict.fromkeys(cell(p) for p in pts))
        if len(cells) == 3:
            (r1, c1), (r2, c2), (r3, c3) = sorted(cells, key=lambda rc: (rc[1], rc[0]))
            if c1 < c2 < c3 and min(r1, r3) < r2 < max(r1, r3):
                hseg(r1, c1, c2, w), hseg(r2, c2, c3, w), vseg(c2, r1, r2, w), vseg(c3, r2, r3, w)
            elif c2 == c3 and c1 < c2 and r1 < min(r2, r3):
                hseg(r1, c1, c2, w), vseg(c2, r1, max(r2, r3), w)
            elif r2 == r3:
                hseg(r1, c1, c2, w), hseg(r2, c2, c3, w), vseg(c2, r1, r2, w)
            else:
                (r1, c1), (r2, c2), (r3, c3) = sorted(cells)
                hseg(r2, min(c1, c2, c3), max(c1, c2, c3), w), vseg(c1, r1, r2, w), vseg(c3, r2, r3, w)
        elif len(cells) >= 2:
            for t in cells:
                if t != src:
                    hseg(src[0], src[1], t[1], w)
                    vseg(t[1], src[0], t[0], w)
    Hm = [[0.0] * Cc for _ in range(Rc)]
    Vm = [[0.0] * Cc for _ in range(Rc)]
    for i in range(nl.num_nodes):
        if kind[i] != HARD_MACRO:
            continue
        w, h = float(nl.width[i]), float(nl.height[i])
        x0, x1, y0, y1 = x[i] - w / 2, x[i] + w / 2, y[i] - h / 2, y[i] + h / 2
        bl_r, ur_r = math.floor(y0 / ghc), math.floor(y1 / ghc)
        bl_c, ur_c = math.floor(x0 / gwc), math.floor(x1 / gwc)
        if ur_r < 0 or ur_c < 0:
            continue
        bl_r, bl_c, ur_r, ur_c = max(bl_r, 0), max(bl_c, 0), min(ur_r, Rc - 1), min(ur_c, Cc - 1)

        def dist(r: int, col: int) -> tuple[float, float]:
            ox = min(x1, (col + 1) * gwc) - max(x0, col * gwc)  # noqa: B023
            oy = min(y1, (r + 1) * ghc) - max(y0, r * ghc)  # noqa: B023
            return (ox, oy) if ox > 0 and oy > 0 else (0.0, 0.0)

        partial_v = partial_h = False
        for r in range(bl_r, ur_r + 1):
            for col in range(bl_c, ur_c + 1):
                ox, oy = dist(r, col)
                if ur_r != bl_r and r in (bl_r, ur_r) and abs(oy - ghc) > 1e-5:
                    partial_v = True
                if ur_c != bl_c and col in (bl_c, ur_c) and abs(ox - gwc) > 1e-5:
                    partial_h = True
                Vm[r][col] += ox * c.vrouting_alloc
                Hm[r][col] += oy * c.hrouting_alloc
        if partial_v:
            for col in range(bl_c, ur_c + 1):
                Vm[ur_r][col] -= dist(ur_r, col)[0] * c.vrouting_alloc
        if partial_h:
            for r in range(bl_r, ur_r + 1):
                Hm[r][ur_c] -= dist(r, ur_c)[1] * c.hrouting_alloc
    ks = math.floor(c.smooth_range)
    hcap, vcap = ghc * c.hroutes_per_micron, gwc * c.vroutes_per_micron
    Vs = [[0.0] * Cc for _ in range(Rc)]
    Hs = [[0.0] * Cc for _ in range(Rc)]
    for r in range(Rc):
        for col in range(Cc):
            lo, hi = max(col - ks, 0), min(col + ks, Cc - 1)
            for cc in range(lo, hi + 1):
                Vs[r][cc] += Vd[r][col] / vcap / (hi - lo + 1)
            lo, hi = max(r - ks, 0), min(r + ks, Rc - 1)
            for rr in range(lo, hi + 1):
                Hs[rr][col] += Hd[r][col] / hcap / (hi - lo + 1)
    values = [Vs[r][col] + Vm[r][col] / vcap for r in range(Rc) for col in range(Cc)]
    values += [Hs[r][col] + Hm[r][col] / hcap for r in range(Rc) for col in range(Cc)]
    kc = math.floor(0.05 * len(values))
    top = sorted(values, reverse=True)
    g_cost = top[0] if kc == 0 else sum(top[:kc]) / kc
    proxy = c.wirelength_weight * wl_cost + c.density_weight * d_cost + c.congestion_weight * g_cost
    return CostResult(float(wl), float(wl_cost), float(d_cost), float(g_cost), float(proxy))

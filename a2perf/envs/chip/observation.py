"""Graph features of a design, as Circuit Training's observation extractor defines them (spec §3.5).

Graph nodes are all macros (hard and soft) in ascending netlist index, then one node per occupied
placement-grid cell holding ports ("port clusters", ascending cell index), then zero padding up to
``max_num_nodes``. Positions are normalised by (W + H).
"""

from __future__ import annotations

import numpy as np

from a2perf.envs.chip.netlist import HARD_MACRO, SOFT_MACRO, Netlist
from a2perf.errors import ConfigError

NODE_HARD, NODE_SOFT, NODE_PORT_CLUSTER = 1, 2, 3


class GraphFeatures:
    """Static graph features and the mapping from netlist nodes to graph nodes.

    Args:
      netlist: the design (port positions are read here).
      rows, cols: placement grid.
      canvas_width, canvas_height: canvas in µm.
      max_num_nodes: graph size N after padding (``None``: exactly the design's graph nodes).
      max_num_edges: edge list size E after padding (``None``: exactly the design's edges).
    """

    def __init__(
        self,
        netlist: Netlist,
        rows: int,
        cols: int,
        canvas_width: float,
        canvas_height: float,
        max_num_nodes: int | None = None,
        max_num_edges: int | None = None,
    ) -> None:
        W, H = canvas_width, canvas_height
        self.norm = W + H
        self.macros = np.flatnonzero(np.isin(netlist.kind, (HARD_MACRO, SOFT_MACRO)))
        ports = netlist.ports
        gw, gh = W / cols, H / rows
        pr = np.clip(np.floor(netlist.y[ports] / gh), 0, rows - 1).astype(np.int64)
        pc = np.clip(np.floor(netlist.x[ports] / gw), 0, cols - 1).astype(np.int64)
        cells, cluster_of_port = np.unique(pr * cols + pc, return_inverse=True)
        self.num_macros = self.macros.size
        self.num_clusters = cells.size
        n_graph = self.num_macros + self.num_clusters
        self.N = n_graph if max_num_nodes is None else int(max_num_nodes)
        if n_graph > self.N:
            raise ConfigError(
                f"max_num_nodes={self.N} but the design has {n_graph} graph nodes; raise max_num_nodes"
            )
        gnode = np.full(netlist.num_nodes, -1, np.int64)
        gnode[self.macros] = np.arange(self.num_macros)
        gnode[ports] = self.num_macros + cluster_of_port
        pins = np.flatnonzero(netlist.parent >= 0)
        gnode[pins] = gnode[netlist.parent[pins]]
        self.gnode = gnode
        # Port cluster locations: corners, then edges, then the cell centre.
        r, c = np.divmod(cells, cols)
        edge_lr = (c == 0) | (c == cols - 1)
        edge_bt = (r == 0) | (r == rows - 1)
        x = np.where(edge_lr, np.where(c == 0, 0.0, W), (c + 0.5) * gw)
        y = np.where(edge_bt, np.where(r == 0, 0.0, H), (r + 0.5) * gh)
        self.cluster_x, self.cluster_y = x, y
        # Adjacency: driver → sink connections between graph nodes (star), both directions summed.
        ptr, nodes = netlist.net_ptr, netlist.net_nodes
        sizes = np.diff(ptr)
        drv = np.repeat(gnode[nodes[ptr[:-1]]], sizes)
        mask = np.ones(nodes.size, bool)
        mask[ptr[:-1]] = False
        a, b = drv[mask], gnode[nodes][mask]
        ok = (a >= 0) & (b >= 0) & (a != b)
        i, j = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        key, weight = np.unique(i * n_graph + j, return_counts=True)
        self.adj_i, self.adj_j = np.divmod(key, n_graph) if key.size else (key, key)
        self.adj_weight = weight.astype(np.float64)
        self.E = self.adj_i.size if max_num_edges is None else int(max_num_edges)
        if self.adj_i.size > self.E:
            raise ConfigError(
                f"max_num_edges={self.E} but the design has {self.adj_i.size} edges; raise max_num_edges"
            )
        self.num_hard = int(np.sum(netlist.kind[self.macros] == HARD_MACRO))
        self.num_soft = self.num_macros - self.num_hard
        self.node_types = np.zeros(self.N, np.int32)
        self.node_types[: self.num_macros] = np.where(
            netlist.kind[self.macros] == HARD_MACRO, NODE_HARD, NODE_SOFT
        )
        self.node_types[self.num_macros : n_graph] = NODE_PORT_CLUSTER
        hard = netlist.kind[self.macros] == HARD_MACRO
        self.macros_w = np.zeros(self.N, np.float32)
        self.macros_h = np.zeros(self.N, np.float32)
        self.macros_w[: self.num_macros] = np.where(hard, netlist.width[self.macros], 0.0) / self.norm
        self.macros_h[: self.num_macros] = np.where(hard, netlist.height[self.macros], 0.0) / self.norm
        self.W, self.H, self.rows, self.cols = W, H, rows, cols

    def static_features(self, routing: tuple[float, float, float, float]) -> dict[str, np.ndarray]:
        """Static observation keys (spec §3.5).

        Args:
          routing: (hroutes_per_micron, vroutes_per_micron, hrouting_alloc, vrouting_alloc).
        """
        hr, vr, ah, _av = routing
        f32 = np.float32
        E, N = self.E, self.N
        adj_i = np.zeros(E, np.int32)
        adj_j = np.zeros(E, np.int32)
        w = np.zeros(E, np.float32)
        k = self.adj_i.size
        adj_i[:k], adj_j[:k] = self.adj_i, self.adj_j
        if k:
            w[:k] = self.adj_weight / (self.adj_weight.mean() + 1e-6)
        counts = np.zeros(N, np.int32)
        np.add.at(counts, adj_i[:k], 1)
        np.add.at(counts, adj_j[:k], 1)
        one = lambda v: np.array([v], f32)  # noqa: E731
        return {
            "normalized_num_edges": one(self.adj_weight.sum() / max(E, 1)),
            "normalized_num_hard_macros": one(self.num_hard / N),
            "normalized_num_soft_macros": one(self.num_soft / N),
            "normalized_num_port_clusters": one(self.num_clusters / N),
            "total_horizontal_routes_k": one(hr * self.H / 1000),
            "total_vertical_routes_k": one(vr * self.W / 1000),
            "total_macro_horizontal_routes_k": one(ah * self.H / 1000),
            "total_macro_vertical_routes_k": one(
                ah * self.W / 1000
            ),  # upstream uses the horizontal allocation
            "grid_cols": one(self.cols / 128),
            "grid_rows": one(self.rows / 128),
            "canvas_width": one(self.W / self.norm),
            "canvas_height": one(self.H / self.norm),
            "sparse_adj_i": adj_i,
            "sparse_adj_j": adj_j,
            "sparse_adj_weight": w,
            "edge_counts": counts,
            "node_types": self.node_types.copy(),
            "macros_w": self.macros_w.copy(),
            "macros_h": self.macros_h.copy(),
        }

    def locations(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised (N,) float32 positions of the graph nodes for node positions ``x``, ``y``."""
        lx = np.zeros(self.N, np.float32)
        ly = np.zeros(self.N, np.float32)
        m, k = self.num_macros, self.num_clusters
        lx[:m] = x[self.macros] / self.norm
        ly[:m] = y[self.macros] / self.norm
        lx[m : m + k] = self.cluster_x / self.norm
        ly[m : m + k] = self.cluster_y / self.norm
        return lx, ly


def fake_net_heatmap(
    current: int,
    fake_nets: list[tuple[float, list[int]]],
    placed_cell: dict[int, int],
    rows: int,
    cols: int,
) -> np.ndarray:
    """Circuit Training's fake-net heatmap for the macro ``current`` (spec §3.5).

    For every cell l: −Σ w·‖cell(l) − cell(p)‖₂ (row/column index distance) over the placed partners
    p of ``current`` in each fake net (weight w), min-max normalised with ε = 1e-6.

    Args:
      current: netlist index of the macro being placed.
      fake_nets: (weight, [netlist indices]) per fake net.
      placed_cell: flat cell (row·cols + col) of every placed node.
      rows, cols: placement grid.
    Returns:
      float32 (rows·cols,), all zeros when the macro has no placed fake-net partner.
    """
    r, c = np.divmod(np.arange(rows * cols), cols)
    heat = np.zeros(rows * cols)
    found = False
    for weight, members in fake_nets:
        if current not in members:
            continue
        for p in members:
            if p == current or p not in placed_cell:
                continue
            pr, pc = divmod(placed_cell[p], cols)
            heat -= weight * np.hypot(r - pr, c - pc)
            found = True
    if not found:
        return np.zeros(rows * cols, np.float32)
    return ((heat - heat.min()) / (heat.max() - heat.min() + 1e-6)).astype(np.float32)

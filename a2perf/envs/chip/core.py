"""Macro-placement episodes, independent of gymnasium (spec §3).

:class:`Floorplan` holds a design ready for placement: soft macros squared, ports fixed, hard macros
ordered largest first (ties by descending index), the cost model, the soft-macro FD placer and the
graph features. An episode places one hard macro per step at a grid-cell centre; after the last one
the FD placer positions the soft macros and the proxy cost is computed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from a2perf.envs.chip.cost import CostConfig, CostModel, CostResult
from a2perf.envs.chip.fd import MIXED_SCHEDULE, SOFT_SCHEDULE, FDPlacer, FDSchedule
from a2perf.envs.chip.legality import legal_mask
from a2perf.envs.chip.netlist import Netlist
from a2perf.envs.chip.observation import GraphFeatures
from a2perf.envs.chip.plc import PlcHeader
from a2perf.errors import ConfigError

#: Routing settings of the A2Perf environments (spec §3.1 step 5).
A2PERF_ROUTING = {
    "hroutes_per_micron": 70.33,
    "vroutes_per_micron": 74.51,
    "hrouting_alloc": 51.79,
    "vrouting_alloc": 51.79,
    "smooth_range": 5.0,
    "congestion_grid": "separate",
}
MACRO_SPACING = 0.1  # µm between hard macros in the mask (Circuit Training's default)
NodeOrder = Literal["descending_size_macro_first", "random"]


@dataclass
class EpisodeState:
    """Mutable state of one episode."""

    step: int = 0
    placed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # over hard macros to place
    done: bool = False
    infeasible: bool = False
    started: float = 0.0


class Floorplan:
    """A design prepared for macro placement.

    Args:
      netlist: the design (copied; the copy's soft macros are made square).
      header: canvas and grid (columns, rows, width, height); missing fields use the netlist's
        ``FP bbox`` and Circuit Training's 10×10 default.
      cost_weights: (wirelength, density, congestion) weights of the proxy cost.
      initial_fd: run the mixed-size FD once to get the observation's initial macro locations (as
        Circuit Training does); otherwise unplaced macros show their netlist position.
      macro_spacing: clearance between hard macros in the legality mask, µm.
      max_num_nodes, max_num_edges: graph padding (see ``GraphFeatures``).
      fake_nets: (weight, [netlist indices]) nets that only feed the observation's heatmap.
    """

    def __init__(
        self,
        netlist: Netlist,
        header: PlcHeader | None = None,
        cost_weights: tuple[float, float, float] = (1.0, 1.0, 0.5),
        initial_fd: bool = True,
        macro_spacing: float = MACRO_SPACING,
        max_num_nodes: int | None = None,
        max_num_edges: int | None = None,
        fake_nets: list[tuple[float, list[int]]] | None = None,
    ) -> None:
        from a2perf.envs.chip.design import config_for

        nl = netlist.copy()
        nl.make_soft_macros_square()
        nl.fixed[nl.ports] = True
        self.netlist = nl
        overrides = dict(A2PERF_ROUTING)
        overrides.update(
            zip(("wirelength_weight", "density_weight", "congestion_weight"), cost_weights, strict=True)
        )
        h = header or PlcHeader()
        # Only canvas and grid come from the header (the binary ignores its routing lines, spec §1.2).
        self.config: CostConfig = config_for(
            nl, PlcHeader(columns=h.columns, rows=h.rows, width=h.width, height=h.height), **overrides
        )
        c = self.config
        self.W, self.H, self.rows, self.cols = c.canvas_width, c.canvas_height, c.grid_rows, c.grid_cols
        hard = nl.hard_macros
        self.fixed_hard = hard[nl.fixed[hard]]
        movable = hard[~nl.fixed[hard]]
        if movable.size == 0:
            raise ConfigError("the design has no movable hard macro to place")
        area = nl.width[movable] * nl.height[movable]
        self.size_order = movable[np.argsort(area, kind="stable")][
            ::-1
        ].copy()  # descending size, ties by desc. index
        self.order = self.size_order.copy()
        self.spacing = float(macro_spacing)
        self.model = CostModel(nl, c)
        self.fd = FDPlacer(nl, self.W, self.H)
        self.graph = GraphFeatures(nl, self.rows, self.cols, self.W, self.H, max_num_nodes, max_num_edges)
        self.graph_pos = np.full(nl.num_nodes, -1, np.int64)
        self.graph_pos[self.graph.macros] = np.arange(self.graph.macros.size)
        if initial_fd:
            mixed = nl.copy()
            FDPlacer(mixed, self.W, self.H, move_hard=True).run(MIXED_SCHEDULE)
            self.initial_x, self.initial_y = mixed.x.copy(), mixed.y.copy()
        else:
            self.initial_x, self.initial_y = nl.x.copy(), nl.y.copy()
        bl = nl.blockages
        self.blockage_rects = (
            (bl[:, 0] + bl[:, 2]) / 2, (bl[:, 1] + bl[:, 3]) / 2, bl[:, 2] - bl[:, 0], bl[:, 3] - bl[:, 1],
        )  # fmt: skip
        self.fake_nets = [(float(w), [int(i) for i in members]) for w, members in (fake_nets or [])]
        for _, members in self.fake_nets:
            for i in members:
                if not 0 <= i < nl.num_nodes:
                    raise ConfigError(f"fake net member {i} is not a node index (0..{nl.num_nodes - 1})")
        self.state = EpisodeState()

    @property
    def num_steps(self) -> int:
        """Hard macros to place (= steps per episode)."""
        return int(self.order.size)

    # ---------------------------------------------------------------- episode
    def reset(
        self, rng: np.random.Generator | None = None, node_order: NodeOrder = "descending_size_macro_first"
    ) -> None:
        """Unplace every movable macro and start a new episode."""
        nl = self.netlist
        movable = ~nl.fixed
        nl.x[movable] = self.initial_x[movable]
        nl.y[movable] = self.initial_y[movable]
        if node_order == "random":
            if rng is None:
                raise ConfigError("node_order='random' needs an rng")
            self.order = rng.permutation(self.size_order)
        elif node_order == "descending_size_macro_first":
            self.order = self.size_order.copy()
        else:
            raise ConfigError(
                f"node_order={node_order!r}; expected 'descending_size_macro_first' or 'random'"
            )
        self.state = EpisodeState(placed=np.zeros(self.order.size, bool), started=time.perf_counter())

    @property
    def current(self) -> int:
        """Netlist index of the macro to place now (the last one once done)."""
        return int(self.order[min(self.state.step, self.order.size - 1)])

    def mask(self) -> np.ndarray:
        """Legal cells (rows, cols) for the current macro; all False once done."""
        if self.state.done:
            return np.zeros((self.rows, self.cols), bool)
        nl = self.netlist
        m = self.current
        obstacles = np.concatenate([self.fixed_hard, self.order[: self.state.step]])
        bx, by, bw, bh = self.blockage_rects
        return legal_mask(
            self.rows, self.cols, self.W, self.H, nl.width[m], nl.height[m],
            np.concatenate([nl.x[obstacles], bx]), np.concatenate([nl.y[obstacles], by]),
            np.concatenate([nl.width[obstacles], bw]), np.concatenate([nl.height[obstacles], bh]),
            (self.spacing, self.spacing),
        )  # fmt: skip

    def place(self, cell: int) -> None:
        """Put the current macro's centre on the centre of ``cell`` (row·cols + col) and advance."""
        st = self.state
        if st.done:
            raise RuntimeError("the episode is over; call reset() before placing more macros")
        r, c = divmod(int(cell), self.cols)
        m = self.current
        self.netlist.x[m] = (c + 0.5) * self.W / self.cols
        self.netlist.y[m] = (r + 0.5) * self.H / self.rows
        st.placed[st.step] = True
        st.step += 1
        st.done = st.step == self.order.size

    def finish(self, schedule: FDSchedule | None = SOFT_SCHEDULE) -> tuple[CostResult, float]:
        """Place soft macros and stdcells with FD (unless ``schedule`` is None) and return (cost, FD seconds)."""
        t = time.perf_counter()
        if schedule is not None:
            self.fd.run(schedule)
        fd_seconds = time.perf_counter() - t
        return self.model.evaluate(), fd_seconds

    def heatmap(self) -> np.ndarray:
        """Fake-net heatmap (rows·cols,) float32 of the current macro; zeros without fake nets or once done."""
        if not self.fake_nets or self.state.done:
            return np.zeros(self.rows * self.cols, np.float32)
        from a2perf.envs.chip.observation import fake_net_heatmap

        nl = self.netlist
        placed = np.concatenate([np.flatnonzero(nl.fixed), self.order[: self.state.step]])
        r = np.clip(np.floor(nl.y[placed] / (self.H / self.rows)), 0, self.rows - 1).astype(np.int64)
        c = np.clip(np.floor(nl.x[placed] / (self.W / self.cols)), 0, self.cols - 1).astype(np.int64)
        cells = dict(zip(placed.tolist(), (r * self.cols + c).tolist(), strict=True))
        return fake_net_heatmap(self.current, self.fake_nets, cells, self.rows, self.cols)

    # ---------------------------------------------------------------- observation
    def observation(self) -> dict[str, np.ndarray]:
        """Dynamic graph features of the current state (without the mask)."""
        g = self.graph
        lx, ly = g.locations(self.netlist.x, self.netlist.y)
        placed = np.zeros(g.N, np.int32)
        placed[g.num_macros : g.num_macros + g.num_clusters] = 1
        done_macros = self.order[: self.state.step]
        placed[self.graph_pos[done_macros]] = 1
        placed[self.graph_pos[self.fixed_hard]] = 1
        current = 0 if self.state.done else int(self.graph_pos[self.current])
        return {
            "current_node": np.array([current], np.int32),
            "locations_x": lx,
            "locations_y": ly,
            "is_node_placed": placed,
            "netlist_index": np.zeros(1, np.int32),
        }


def default_data_file(name: str) -> Path | None:
    """``a2perf data download circuit`` cache path of a file such as ``ariane_ct/netlist.pb.txt``, if present."""
    from a2perf.downloads import domain_cache_dir

    base = domain_cache_dir("circuit")
    for candidate in (base / name, base / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def resolve_ariane(
    netlist_file: str | os.PathLike[str] | None, init_placement: str | os.PathLike[str] | None
) -> tuple[Path, Path | None]:
    """Netlist and placement of ``CircuitTraining-Ariane-v0``: explicit paths, else the download cache.

    Raises:
      DataNotFoundError: no netlist given and none downloaded.
    """
    from a2perf.errors import DataNotFoundError

    if netlist_file is not None:
        return Path(netlist_file), None if init_placement is None else Path(init_placement)
    netlist = default_data_file("ariane_ct/netlist.pb.txt")
    if netlist is None:
        raise DataNotFoundError(
            "the Ariane netlist is not downloaded; run `a2perf data download circuit` or pass netlist_file= (and init_placement=)"
        )
    plc = Path(init_placement) if init_placement is not None else default_data_file("ariane_ct/initial.plc")
    return netlist, plc

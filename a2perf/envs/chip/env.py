"""Gymnasium environments for macro placement (thin shell over :mod:`a2perf.envs.chip.core`)."""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from a2perf.envs.chip.core import Floorplan, NodeOrder, resolve_ariane
from a2perf.envs.chip.design import load_design
from a2perf.envs.chip.errors import InfeasibleActionError, PlacementError
from a2perf.envs.chip.fd import SOFT_SCHEDULE
from a2perf.envs.chip.generator import PRESETS, generate, toy_netlist
from a2perf.envs.chip.netlist import Netlist
from a2perf.envs.chip.plc import PlcHeader
from a2perf.errors import ConfigError


class CircuitEnv(gym.Env[dict[str, np.ndarray], int]):
    """Place hard macros one at a time on a grid; the final reward is minus the proxy cost.

    ## Description
    One step per hard macro, largest first (ties: higher netlist index first). After the last macro,
    a force-directed placer positions the soft macros and stdcells and the Circuit Training proxy
    cost 1.0·wirelength + 1.0·density + 0.5·congestion is computed (A2Perf routing settings).

    ## Action Space
    `Discrete(rows * cols)`: the grid cell whose centre receives the current macro's centre
    (cell = row·cols + col). With `max_grid_size=G` the A2Perf layout is used instead:
    `Discrete(G²)` with the real grid centred in a G×G canvas. `action_masks()` marks legal cells.

    ## Observation Space
    Dict: `current_node` (1,) int32 graph index of the macro to place, `locations_x`/`locations_y`
    (N,) float32 positions / (W+H), `is_node_placed` (N,) int32, `mask` (A,) int32,
    `fake_net_heatmap` (A,) float32 (zeros unless `fake_nets` are given), `netlist_index` (1,) int32. N = macros + port clusters
    (or `max_num_nodes`). With `output_all_features=True`, the static graph features of the spec
    (adjacency, node types, sizes, routing totals) are added.

    ## Rewards
    0 on every step but the last; −proxy cost on the last. An infeasible state (no legal cell for
    the next macro) or an illegal action ends the episode with `infeasible_reward` (−1.0).

    ## Episode End
    Termination: every hard macro is placed, or no legal cell is left / an illegal action was taken
    (info["infeasible"] = True). Unlike upstream, the returned observation is the real final state
    (not an internal reset) and `truncated` stays False.
    Truncation: never (the episode length is the number of hard macros).

    ## Arguments
    - `preset`: "toy", "small", "medium" or "ariane" (generated designs), or `None` with `netlist_file`.
    - `seed`: design seed of generated designs.
    - `num_hard`, `num_soft`, `num_ports`: override the preset's counts.
    - `netlist_file`, `init_placement`: a real design (`.pb.txt[.gz]`, `.plc`).
    - `max_grid_size`, `max_num_nodes`, `max_num_edges`: A2Perf padding (3500/42000/128) or `None`.
    - `cost_weights`: (wirelength, density, congestion).
    - `std_cell_placer_mode`: "fd" or "none" (keep soft macros where they are).
    - `fake_nets`: (weight, [netlist indices]) pairs feeding `fake_net_heatmap` (Circuit Training's
      ``add_fake_net``); they do not change the cost.
    - `node_order`: "descending_size_macro_first" or "random" (drawn from the reset seed).
    - `illegal_action`: "terminate" (an action outside the mask ends the episode with
      `infeasible_reward`, info["illegal_action"] = True) or "raise" (`InfeasibleActionError`).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        preset: str | None = "toy",
        seed: int = 0,
        num_hard: int | None = None,
        num_soft: int | None = None,
        num_ports: int | None = None,
        netlist_file: str | os.PathLike[str] | None = None,
        init_placement: str | os.PathLike[str] | None = None,
        max_grid_size: int | None = None,
        max_num_nodes: int | None = None,
        max_num_edges: int | None = None,
        output_all_features: bool = False,
        cost_weights: tuple[float, float, float] = (1.0, 1.0, 0.5),
        infeasible_reward: float = -1.0,
        std_cell_placer_mode: str = "fd",
        node_order: NodeOrder = "descending_size_macro_first",
        initial_fd: bool = True,
        illegal_action: str = "terminate",
        fake_nets: list[tuple[float, list[int]]] | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode={render_mode!r}; expected None or 'rgb_array'")
        if illegal_action not in ("terminate", "raise"):
            raise ConfigError(f"illegal_action={illegal_action!r}; expected 'terminate' or 'raise'")
        self.illegal_action = illegal_action
        if std_cell_placer_mode not in ("fd", "none"):
            raise ConfigError(f"std_cell_placer_mode={std_cell_placer_mode!r}; expected 'fd' or 'none'")
        netlist, header = _design(preset, seed, num_hard, num_soft, num_ports, netlist_file, init_placement)
        self.render_mode = render_mode
        self.node_order = node_order
        self.infeasible_reward = float(infeasible_reward)
        self.schedule = SOFT_SCHEDULE if std_cell_placer_mode == "fd" else None
        self.output_all_features = output_all_features
        self.fp = Floorplan(
            netlist, header, tuple(cost_weights), initial_fd=initial_fd,  # type: ignore[arg-type]
            max_num_nodes=max_num_nodes, max_num_edges=max_num_edges, fake_nets=fake_nets,
        )  # fmt: skip
        fp = self.fp
        R, C = fp.rows, fp.cols
        if max_grid_size is None:
            self.G = None
            n_actions = R * C
            self._action_cell = np.arange(n_actions)
        else:
            G = int(max_grid_size)
            if max(R, C) > G:
                raise ConfigError(
                    f"max_grid_size={G} is smaller than the {C}x{R} grid; use at least {max(R, C)}"
                )
            self.G = G
            up, right = (G - R) // 2, (G - C) // 2
            a = np.arange(G * G)
            i, j = a // G - up, a % G - right
            inside = (i >= 0) & (i < R) & (j >= 0) & (j < C)
            self._action_cell = np.where(inside, i * C + j, -1)
            n_actions = G * G
        self.n_actions = n_actions
        self.action_space = spaces.Discrete(n_actions)
        N = fp.graph.N
        obs_spaces: dict[str, spaces.Space] = {
            "current_node": spaces.Box(0, max(N - 1, 0), (1,), np.int32),
            "locations_x": spaces.Box(0.0, 1.0, (N,), np.float32),
            "locations_y": spaces.Box(0.0, 1.0, (N,), np.float32),
            "is_node_placed": spaces.Box(0, 1, (N,), np.int32),
            "mask": spaces.Box(0, 1, (n_actions,), np.int32),
            "fake_net_heatmap": spaces.Box(0.0, 1.0, (n_actions,), np.float32),
            "netlist_index": spaces.Box(0, 1, (1,), np.int32),  # always 0
        }
        self._static: dict[str, np.ndarray] = {}
        if output_all_features:
            c = fp.config
            self._static = fp.graph.static_features(
                (c.hroutes_per_micron, c.vroutes_per_micron, c.hrouting_alloc, c.vrouting_alloc)
            )
            for key, value in self._static.items():
                lo, hi = (0.0, 1e9) if value.dtype == np.float32 else (0, np.iinfo(np.int32).max)
                obs_spaces[key] = spaces.Box(lo, hi, value.shape, value.dtype)
        self.observation_space = spaces.Dict(obs_spaces)
        self._mask = np.zeros(n_actions, bool)
        self._heatmap = np.zeros(n_actions, np.float32)
        self._needs_reset = True
        self._episode_start = 0.0

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):  # type: ignore[override]
        super().reset(seed=seed)
        self.fp.reset(self.np_random, self.node_order)
        self._needs_reset = False
        self._episode_start = time.perf_counter()
        self._update_mask()
        if not self._mask.any():
            fp = self.fp
            raise PlacementError(
                f"hard macro {fp.netlist.names[fp.current]!r} ({fp.netlist.width[fp.current]:g}x"
                f"{fp.netlist.height[fp.current]:g} µm) fits in no cell of the {fp.cols}x{fp.rows} grid; "
                "check the canvas size and grid"
            )
        return self._obs(), {}

    def step(self, action: int):  # type: ignore[override]
        if self._needs_reset:
            raise RuntimeError("Call reset before using step method.")
        a = int(action)
        fp = self.fp
        if not (0 <= a < self.n_actions) or not self._mask[a]:
            if self.illegal_action == "raise":
                raise InfeasibleActionError(
                    f"action {a} is not a legal cell for macro {fp.netlist.names[fp.current]!r}; "
                    "choose among env.action_masks()"
                )
            fp.state.done = True
            fp.state.infeasible = True
            self._mask[:] = False
            self._needs_reset = True
            info = {"infeasible": True, "illegal_action": True, "macros_placed": fp.state.step}
            return self._obs(), self.infeasible_reward, True, False, info
        fp.place(int(self._action_cell[a]))
        info: dict[str, Any] = {"infeasible": False, "illegal_action": False, "macros_placed": fp.state.step}
        reward = 0.0
        terminated = False
        if fp.state.done:
            cost, fd_seconds = fp.finish(self.schedule)
            reward = -cost.proxy_cost
            terminated = True
            info.update(cost.as_dict())
            info["fd_seconds"] = fd_seconds
            info["episode_seconds"] = time.perf_counter() - self._episode_start
        self._update_mask()
        if not terminated and not self._mask.any():
            reward = self.infeasible_reward
            terminated = True
            fp.state.done = True
            fp.state.infeasible = True
            info["infeasible"] = True
            self._mask[:] = False
        if terminated:
            self._needs_reset = True
        return self._obs(), reward, terminated, False, info

    def action_masks(self) -> np.ndarray:
        """Legal actions, bool (n_actions,) (the sb3-contrib MaskablePPO hook)."""
        return self._mask.copy()

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        if self.render_mode != "rgb_array":
            return None
        from a2perf.envs.chip.render import render_rgb

        return render_rgb(self.fp.model, heatmap="density", size_px=320)

    # ------------------------------------------------------------------ helpers
    def _update_mask(self) -> None:
        cells = self.fp.mask().ravel()
        valid = self._action_cell >= 0
        self._mask[:] = False
        self._mask[valid] = cells[self._action_cell[valid]]
        if self.fp.fake_nets:
            heat = self.fp.heatmap()
            self._heatmap[:] = 0.0
            self._heatmap[valid] = heat[self._action_cell[valid]]

    def _obs(self) -> dict[str, np.ndarray]:
        obs = self.fp.observation()
        obs["locations_x"] = np.clip(obs["locations_x"], 0.0, 1.0)
        obs["locations_y"] = np.clip(obs["locations_y"], 0.0, 1.0)
        obs["mask"] = self._mask.astype(np.int32)
        obs["fake_net_heatmap"] = self._heatmap.copy()
        obs.update({k: v.copy() for k, v in self._static.items()})
        return obs


class ArianeEnv(CircuitEnv):
    """``CircuitTraining-Ariane-v0``: Circuit Training's Ariane netlist and initial placement.

    The files come from ``netlist_file=``/``init_placement=`` or from the cache filled by
    ``a2perf data download circuit``.
    """

    def __init__(
        self,
        netlist_file: str | os.PathLike[str] | None = None,
        init_placement: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        netlist, plc = resolve_ariane(netlist_file, init_placement)
        super().__init__(preset=None, netlist_file=netlist, init_placement=plc, **kwargs)


def _design(
    preset: str | None,
    seed: int,
    num_hard: int | None,
    num_soft: int | None,
    num_ports: int | None,
    netlist_file: str | os.PathLike[str] | None,
    init_placement: str | os.PathLike[str] | None,
) -> tuple[Netlist, PlcHeader]:
    if netlist_file is not None:
        netlist, _, header = load_design(netlist_file, init_placement)
        return netlist, header
    if preset is None:
        raise ConfigError("pass preset= (toy, small, medium, ariane) or netlist_file=")
    if preset not in PRESETS:
        raise ConfigError(f"unknown chip preset {preset!r}; choose one of {', '.join(PRESETS)}")
    counts = {
        k: v
        for k, v in (("num_hard", num_hard), ("num_soft", num_soft), ("num_ports", num_ports))
        if v is not None
    }
    if preset == "toy":
        if counts:
            raise ConfigError(
                "the toy preset has fixed counts; use preset='small' with num_hard=/num_soft=/num_ports="
            )
        return toy_netlist(seed)
    spec = PRESETS[preset]
    assert spec is not None
    if counts:
        return generate(dataclasses.replace(spec, **counts), seed)
    return generate(preset, seed)

"""Gymnasium environment for web navigation (form filling on generated websites in headless Chromium)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from a2perf.envs.web.backends import BrowserBackend, ModelBackend
from a2perf.envs.web.browser import DEFAULT_CHROMEDRIVER, DEFAULT_CHROMIUM
from a2perf.envs.web.design import Design, level_designs, load_designs, parse_designs
from a2perf.envs.web.observation import ObservationBuilder, observation_shapes
from a2perf.envs.web.oracle import oracle_action
from a2perf.envs.web.site import (
    INVALID_ACTION_REWARD,
    MAX_ELEMENTS,
    NUM_ACTIONS,
    STEP_LIMIT,
    RawObs,
    Site,
    build_site,
    decode_action,
    step_reward,
)
from a2perf.envs.web.tokens import Vocabulary
from a2perf.errors import ConfigError


class WebNavigationEnv(gym.Env[dict, int]):
    """Fill a generated multi-page website with a user profile, then submit it.

    ## Description
    Each episode draws one design from the env's website set and renders it (profile, cart prices)
    from the episode seed; see :mod:`a2perf.envs.web.site` for the page rules. The goal is to type
    every profile field into its element(s), advance through the pages and click the final submit.

    ## Action Space
    `Discrete(12500)`: ``action = field * 250 + element``. ``field`` indexes the profile (0 is
    ``_dummy``: a plain click, 1.. the sorted core fields: type/choose that value), ``element`` the
    current page's elements in document order. ``action_masks()`` marks the valid pairs (fields of
    the profile x elements on the page); indices >= 6250 (the original's unused "action type" half)
    are never valid. An invalid index costs exactly -0.55 and changes nothing.

    ## Observation Space
    Dict of Boxes with the original gMiniWoB keys and shapes, see :mod:`a2perf.envs.web.observation`.

    ## Rewards
    ``R_env + (phi_t - phi_{t-1}) - [not done] * (0.05 + 0.5 * [page unchanged])`` where R_env is +1
    on a successful submit and -1 on a wrong submit or a distractor link, phi the fraction of core
    fields filled correctly.

    ## Episode End
    Termination: submit clicked or a distractor link/button clicked. Truncation: 25 steps.

    ## Arguments
    difficulty: level 1, 2 or 3 (default 1 when ``designs`` is not given).
    num_websites: designs drawn (without replacement, with ``seed``) from the level/design list.
    designs: list of design dicts/:class:`Design`, or a path to a design file; excludes ``difficulty``.
    seed: picks the website subset; also seeds the first ``reset()`` when it gets no seed.
    ``reset(options={"design_index": i})`` forces design ``i`` of the env's set (e.g. to sweep all).
    render_mode: ``"rgb_array"`` (browser screenshot) or ``"ansi"`` (text).
    backend: ``"browser"`` (headless Chromium, default) or ``"model"`` (pure-Python simulator).
    chromium_path, chromedriver_path: system programs.
    transport: ``"devtools"`` (default: the page's DevTools WebSocket), ``"cdp"`` or ``"script"`` (WebDriver
      commands through chromedriver): how the one call per step reaches the page.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array", "ansi"], "render_fps": 4}

    def __init__(
        self,
        difficulty: int | None = None,
        num_websites: int = 1,
        designs: list | str | os.PathLike | None = None,
        seed: int = 0,
        render_mode: str | None = None,
        backend: str = "browser",
        chromium_path: str = DEFAULT_CHROMIUM,
        chromedriver_path: str = DEFAULT_CHROMEDRIVER,
        transport: str = "devtools",
    ) -> None:
        if backend == "model":  # no browser: no screenshots
            self.metadata = {**self.metadata, "render_modes": ["ansi"]}
        if backend not in ("browser", "model"):
            raise ConfigError(f"backend must be 'browser' or 'model', got {backend!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
        if (
            not isinstance(num_websites, int | np.integer)
            or isinstance(num_websites, bool)
            or num_websites < 1
        ):
            raise ConfigError(f"num_websites must be a positive integer, got {num_websites!r}")
        if designs is not None and difficulty is not None:
            raise ConfigError("pass either difficulty or designs, not both")
        if designs is None:
            level = 1 if difficulty is None else difficulty
            if level not in (1, 2, 3) or isinstance(level, bool):
                raise ConfigError(f"difficulty must be 1, 2 or 3, got {difficulty!r}")
            pool = level_designs(int(level))
        elif isinstance(designs, str | os.PathLike):
            pool = load_designs(designs)
        else:
            pool = parse_designs(list(designs), "designs")
        if num_websites > len(pool):
            raise ConfigError(f"num_websites={num_websites} but only {len(pool)} designs are available")

        self.difficulty = difficulty if designs is None else None
        self.render_mode = render_mode
        self._seed = int(seed)
        picks = np.random.default_rng(self._seed).choice(len(pool), size=int(num_websites), replace=False)
        self.designs: list[Design] = [pool[int(i)] for i in picks]
        self.vocab = Vocabulary()
        self._builder = ObservationBuilder(self.vocab)
        self._backend = (
            BrowserBackend(chromium_path, chromedriver_path, transport)
            if backend == "browser"
            else ModelBackend()
        )

        high = self.vocab.size - 1
        space = {}
        for key, (shape, dtype) in observation_shapes().items():
            if dtype == np.int32:
                space[key] = spaces.Box(0, high, shape=shape, dtype=np.int32)
            else:
                space[key] = spaces.Box(0.0, 1.0, shape=shape, dtype=np.float32)
        self.observation_space = spaces.Dict(space)
        self.action_space = spaces.Discrete(NUM_ACTIONS)

        self.site: Site | None = None
        self.design_index = -1
        self._raw: RawObs | None = None
        self._obs: dict[str, np.ndarray] | None = None
        self._steps = 0
        self._phi = 0.0
        self._over = True

    # ---------------------------------------------------------------- gymnasium API

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        if seed is None and self._np_random is None:
            seed = self._seed
        super().reset(seed=seed)
        self.design_index = int(self.np_random.integers(len(self.designs)))
        unknown = sorted(set(options or {}) - {"design_index"})
        if unknown:
            raise ConfigError(f"unknown reset option(s) {unknown}; the only option is 'design_index'")
        if options and "design_index" in options:
            idx = options["design_index"]
            if not isinstance(idx, int | np.integer) or not 0 <= idx < len(self.designs):
                raise ConfigError(
                    f"options['design_index'] must be an integer in [0, {len(self.designs)}), got {idx!r}"
                )
            self.design_index = int(idx)
        site_seed = int(self.np_random.integers(2**31 - 1))
        self.site = build_site(self.designs[self.design_index], np.random.default_rng(site_seed))
        self._builder.set_profile(self.site.profile_keys, self.site.profile_values)
        self._raw = self._backend.reset(self.site)
        self._steps = 0
        self._phi = 0.0
        self._over = False
        self._obs = self._builder.build(self._raw, frozenset(), 0.0)
        return self._obs, self._info(invalid=False)

    def step(self, action: Any) -> tuple[dict, float, bool, bool, dict]:
        a = _check_action(action)
        if self._over or self.site is None or self._raw is None:
            raise ConfigError("step() called before reset() or after the episode ended; call reset() first")
        field_index, element = decode_action(a)
        self._steps += 1
        invalid = field_index >= len(self.site.profile_keys) or element >= len(self._raw.ids)
        if invalid:
            reward = INVALID_ACTION_REWARD
            terminated = False
            obs = {k: v.copy() for k, v in self._obs.items()}
            obs["time_step"] = np.array([min(1.0, self._steps / STEP_LIMIT)], dtype=np.float32)
            self._obs = obs
        else:
            prev_ids = set(self._raw.ids)
            try:
                raw = self._backend.step(element, field_index)
            except Exception:
                self._over = True
                raise
            phi = raw.correct / len(self.site.instances) if self.site.instances else 0.0
            reward = step_reward(raw.raw_reward, self._phi, phi, raw.done, raw.changed)
            self._phi = phi
            self._raw = raw
            terminated = raw.done
            self._obs = self._builder.build(raw, prev_ids, self._steps / STEP_LIMIT)
        truncated = not terminated and self._steps >= STEP_LIMIT
        self._over = terminated or truncated
        return self._obs, float(reward), terminated, truncated, self._info(invalid)

    def action_masks(self) -> np.ndarray:
        """Valid actions, shape (12500,) bool: (profile field, element on the current page) pairs."""
        mask = np.zeros(NUM_ACTIONS, dtype=bool)
        if self.site is None or self._raw is None:
            return mask
        n = min(len(self._raw.ids), MAX_ELEMENTS)
        grid = mask[: len(self.site.profile_keys) * MAX_ELEMENTS].reshape(-1, MAX_ELEMENTS)
        grid[:, :n] = True
        return mask

    def oracle_action(self) -> int:
        """The oracle's next action (reads the site model; solves every shipped design)."""
        if self.site is None or self._raw is None:
            raise ConfigError("oracle_action() needs a reset() first")
        return oracle_action(self.site, self._raw)

    def render(self) -> np.ndarray | str | None:
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'ansi'")
            return None
        if self.render_mode == "ansi":
            return self.render_text()
        return self._backend.screenshot()

    def render_text(self) -> str:
        """Readable text rendering of the profile and the current page."""
        if self.site is None or self._raw is None:
            return "(not reset)"
        raw = self._raw
        lines = [
            f"design {self.design_index} | page {raw.page + 1}/{self.site.num_pages} | step {self._steps}/{STEP_LIMIT}",
            "profile: "
            + ", ".join(
                f"{k}={v}"
                for k, v in zip(self.site.profile_keys[1:], self.site.profile_values[1:], strict=True)
            ),
        ]
        for i, tag in enumerate(raw.tags):
            parts = [f"{i:3d} {tag}"]
            if raw.texts[i]:
                parts.append(repr(raw.texts[i]))
            if raw.placeholders[i]:
                parts.append(f"placeholder={raw.placeholders[i]!r}")
            if raw.values[i]:
                parts.append(f"value={raw.values[i]!r}")
            if raw.visited[i]:
                parts.append("[visited]")
            lines.append(" ".join(parts))
        return "\n".join(lines)

    def close(self) -> None:
        self._backend.close()
        super().close()

    # ---------------------------------------------------------------- helpers

    @property
    def backend(self) -> ModelBackend | BrowserBackend:
        return self._backend

    def _info(self, invalid: bool) -> dict[str, Any]:
        raw = self._raw
        assert raw is not None
        return {
            "success": bool(raw.done and raw.raw_reward > 0),
            "raw_reward": raw.raw_reward,
            "potential": self._phi,
            "invalid_action": invalid,
            "design_index": self.design_index,
            "difficulty_score": self.designs[self.design_index].difficulty,
            "page": raw.page,
        }


def _check_action(action: Any) -> int:
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, bool | np.bool_) or not isinstance(action, int | np.integer):
        raise ConfigError(
            f"action must be an integer in [0, {NUM_ACTIONS}), got {action!r} ({type(action).__name__})"
        )
    if not 0 <= int(action) < NUM_ACTIONS:
        raise ConfigError(
            f"action {int(action)} is outside Discrete({NUM_ACTIONS}); use 0 <= action < {NUM_ACTIONS}"
        )
    return int(action)

"""Shared fixtures of the baseline tests: a tiny masked env and tiny-budget configs."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import scipy.stats
import yaml

from a2perf.measure import roll_out
from a2perf.policies import RandomPolicy

MASKED_ID = "A2PerfTestMasked-v0"


class MaskedPickEnv(gym.Env):
    """Pick the one rewarded cell among 6; odd cells are illegal (masked). 3 picks per episode."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Dict(
            {"pos": gym.spaces.Box(0.0, 1.0, (3,), np.float32), "mask": gym.spaces.Box(0, 1, (6,), np.int8)}
        )
        self.action_space = gym.spaces.Discrete(6)
        self._t = 0

    def _obs(self):
        pos = np.zeros(3, np.float32)
        pos[self._t % 3] = 1.0
        return {"pos": pos, "mask": self.action_masks().astype(np.int8)}

    def action_masks(self) -> np.ndarray:
        return np.array([True, False, True, False, True, False])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return self._obs(), {}

    def step(self, action):
        assert self.action_masks()[action], f"illegal action {action}"
        reward = 1.0 if action == 2 * (self._t % 3) else 0.0
        self._t += 1
        return self._obs(), reward, self._t >= 3, False, {}


if MASKED_ID not in gym.registry:
    gym.register(MASKED_ID, entry_point=MaskedPickEnv)


TINY = {
    "ppo": {"n_envs": 1, "n_steps": 64, "batch_size": 32, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}},
    "maskable_ppo": {
        "n_envs": 1,
        "n_steps": 64,
        "batch_size": 32,
        "n_epochs": 1,
        "policy_kwargs": {"net_arch": [8]},
    },
    "dqn": {
        "learning_starts": 32,
        "buffer_size": 1000,
        "train_freq": 4,
        "gradient_steps": 1,
        "policy_kwargs": {"net_arch": [8]},
    },
    "sac": {"learning_starts": 32, "buffer_size": 1000, "batch_size": 32, "policy_kwargs": {"net_arch": [8]}},
}
"""Tiny nets and budgets for smoke runs."""


def tiny_overrides(algo: str, steps: int = 256) -> dict:
    """Overrides making a run take a second or two: tiny nets, frequent eval and checkpoints."""
    return {**TINY[algo], "eval_freq": steps // 2, "n_eval_episodes": 2, "checkpoint_freq": steps // 2}


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(data, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
        return path

    return write


def random_policy_means(env: gym.Env, episodes: int, seeds: range = range(3)) -> list[float]:
    """Per-seed mean return of the uniform random policy (among ``action_masks()`` where the env has them)."""
    return [
        float(
            np.mean(roll_out(env, RandomPolicy(env.action_space, seed=s), episodes=episodes, seed=s).returns)
        )
        for s in seeds
    ]


def assert_welch_greater(trained: list[float], baseline: list[float], alpha: float = 0.05) -> None:
    """One-sided Welch t-test: the trained per-seed means beat the baseline's (p < ``alpha``)."""
    test = scipy.stats.ttest_ind(trained, baseline, equal_var=False, alternative="greater")
    assert test.pvalue < alpha, (trained, baseline)

"""Stock SB3 DQN vs a2perf's MaskableDQN on web level 1, next to the random valid-action policy.

Figures (JSON), on ``WebNavigation-DifficultyLevel-01-v0`` (browser, one design), both with the packaged
web DQN config (``configs/dqn.yaml``: pointer Q-network, random warm-up of ``learning_starts`` steps,
epsilon 1 -> 0.05 over 30% of the budget) and the same budgets and seeds, built as `a2perf train` builds them:
- per class and budget (``dqn_<steps>``: stock SB3 DQN, whose warm-up and epsilon actions are uniform
  over all 12,500 actions; ``maskable_dqn_<steps>``: uniform over the page's valid actions, masked greedy
  action and TD target):
  ``invalid_action_fraction`` of the training steps (each invalid action costs -0.55 and changes
  nothing), then the deterministic policy's ``mean_return`` and ``success_rate`` (env info
  ``success``: submitted with every field right) over 10 episodes per seed, and training ``wall_s``;
- ``random_valid``: ``RandomPolicy`` with the env's ``action_masks()``, 10 episodes per seed;
- ``oracle``: the scripted expert, 10 episodes.

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks the budget (for a smoke run).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

QUICK = os.environ.get("A2PERF_BENCH_QUICK") == "1"
ENV_ID = "WebNavigation-DifficultyLevel-01-v0"
SEEDS = (0, 1) if QUICK else (0, 1, 2)
BUDGETS = (1000,) if QUICK else (2000, 5000)
EPISODES = 10
CLASSES = ("dqn", "maskable_dqn")


class _Outcomes(gym.Wrapper):
    """Counts episodes that end with ``info["success"]``."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.episodes = self.successes = 0

    def step(self, action: Any) -> tuple:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episodes += 1
            self.successes += int(bool(info.get("success")))
        return obs, reward, terminated, truncated, info


def _evaluate(env: _Outcomes, policy: Any, seed: int) -> dict:
    from a2perf.measure import roll_out

    env.episodes = env.successes = 0
    returns = roll_out(env, policy, episodes=EPISODES, seed=seed).returns
    return {"mean_return": float(np.mean(returns)), "success_rate": env.successes / env.episodes}


def _train(sb3_class: str, seed: int, budget: int, root: Path) -> tuple[Any, float, float]:
    """(model, invalid action fraction in training, wall seconds) after ``budget`` steps."""
    import torch
    from stable_baselines3.common.callbacks import BaseCallback

    from a2perf.baselines import config as cfg
    from a2perf.baselines.train import TrainConfig, _make_vec_env, _policy, plan
    from a2perf.policies import sb3_algorithm_class

    class InvalidCount(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.invalid = self.steps = 0

        def _on_step(self) -> bool:
            infos = self.locals["infos"]
            self.steps += len(infos)
            self.invalid += sum(bool(i.get("invalid_action")) for i in infos)
            return True

    torch.set_num_threads(1)
    p = plan(TrainConfig(env_id=ENV_ID, algo="dqn", out=root / "unused", seed=seed, monitor=False))
    assert p.sb3_class == "maskable_dqn", p.sb3_class
    kwargs = cfg.materialize(p.algo_kwargs, "bench")
    if sb3_class == "dqn":
        kwargs.pop("mask_key")
    vec_env = _make_vec_env(p.config, p.run_keys["n_envs"], seed)
    try:
        model = sb3_algorithm_class(sb3_class)(
            _policy(p.run_keys["policy"], "dqn", "bench"), vec_env, seed=seed, device="cpu", **kwargs
        )
        counter = InvalidCount()
        t0 = time.perf_counter()
        model.learn(budget, callback=counter)
        wall = time.perf_counter() - t0
    finally:
        vec_env.close()
    model.replay_buffer = None  # ~276 kB per transition; free it before the next run
    return model, counter.invalid / counter.steps, wall


def main() -> dict:
    from a2perf.envs.web.oracle import OraclePolicy
    from a2perf.measure import make_env
    from a2perf.policies import RandomPolicy, SB3Policy

    root = Path(tempfile.mkdtemp(prefix="a2perf-bench-maskable-dqn-"))
    env = _Outcomes(make_env(ENV_ID))
    figures: dict = {"env_id": ENV_ID, "seeds": list(SEEDS), "quick": QUICK}
    try:
        for budget, name in [(b, c) for b in BUDGETS for c in CLASSES]:
            per_seed = []
            for seed in SEEDS:
                model, invalid, wall = _train(name, seed, budget, root)
                per_seed.append(
                    {"seed": seed, "invalid_action_fraction": invalid, "wall_s": wall}
                    | _evaluate(env, SB3Policy(model), seed)
                )
                print(json.dumps({f"{name}_{budget}": per_seed[-1]}), file=sys.stderr, flush=True)
            figures[f"{name}_{budget}"] = {
                "per_seed": per_seed,
                **{
                    key: float(np.mean([s[key] for s in per_seed]))
                    for key in ("mean_return", "success_rate", "invalid_action_fraction", "wall_s")
                },
            }
        random = [_evaluate(env, RandomPolicy(env.action_space, seed=s), s) for s in SEEDS]
        figures["random_valid"] = {
            "per_seed": random,
            **{k: float(np.mean([r[k] for r in random])) for k in ("mean_return", "success_rate")},
        }
        oracle = OraclePolicy(env)

        class Oracle:
            name = "oracle"

            def act(self, obs: Any, mask: Any = None) -> Any:
                return oracle(obs)

        figures["oracle"] = _evaluate(env, Oracle(), 0)
    finally:
        env.close()
        shutil.rmtree(root, ignore_errors=True)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))

"""Learning benchmark: how many env steps PPO needs on a quadruped gait to beat its own untrained model.

The untrained PPO policy's mean action is ~0 (hold the default pose), which on the procedural gaits
already survives the whole 600-step test episode (~220 on Pace, uniform random actions ~0.5). So
"beats random" says nothing here; the question is when training beats the untrained model of the
same seed, on the same test-mode episodes (nominal dynamics, 600 steps, deterministic policy).

Figures (JSON), per variant (hyper-parameters + training env kwargs) of PPO on
``QuadrupedLocomotion-Pace-v0``, seeds 0-2, one run per seed with a checkpoint every ``EVAL_EVERY``
steps, each checkpoint evaluated in test mode:
- ``steps``: checkpoint steps; ``trained_mean_returns[seed]``: test return per checkpoint;
- ``untrained_mean_returns``, ``random_mean_returns``: per seed, same episodes;
- ``smallest_budget_beating_untrained``: first checkpoint at which every seed beats its untrained
  model (None if none does within the budget);
- ``wall_s``: the variant's total time (training + evaluations).

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks the budget (smoke run).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

QUICK = os.environ.get("A2PERF_BENCH_QUICK") == "1"
ENV_ID = "QuadrupedLocomotion-Pace-v0"
SEEDS = (0, 1) if QUICK else (0, 1, 2)
BUDGET = 2048 if QUICK else 32768
EVAL_EVERY = 1024 if QUICK else 8192
EVAL_EPISODES = 1 if QUICK else 2
TEST_KWARGS = {"mode": "test"}

LOW_NOISE_NOMINAL = {
    "n_envs": 4,
    "n_steps": 256,
    "batch_size": 128,
    "n_epochs": 5,
    "learning_rate": 0.0001,
    "ent_coef": 0.0,
    "policy_kwargs": {"net_arch": [256, 256], "log_std_init": -3.0},
}
"""Small exploration noise (std 0.05 rad: std 0.135 makes the robot fall within ~70 steps) and a
low learning rate (3e-4 at this std makes the deterministic policy fall after one update)."""

VARIANTS = {
    # name: (hyper-parameter overrides over configs/ppo.yaml, training env kwargs)
    "yaml_default_train_mode": ({}, {}),
    "low_noise_nominal_100_steps": (LOW_NOISE_NOMINAL, {"mode": "test", "episode_steps": 100}),
}


def _test_return(policy, seed: int) -> float:
    from a2perf.measure import make_env, roll_out

    env = make_env(ENV_ID, TEST_KWARGS)
    try:
        return float(np.mean(roll_out(env, policy, episodes=EVAL_EPISODES, seed=seed).returns))
    finally:
        env.close()


def _untrained_return(overrides: dict, seed: int, root: Path) -> float:
    from a2perf.baselines import config as cfg
    from a2perf.baselines.train import TrainConfig, plan
    from a2perf.measure import make_env
    from a2perf.policies import SB3Policy, sb3_algorithm_class

    p = plan(TrainConfig(env_id=ENV_ID, algo="ppo", out=root / "unused", seed=seed, overrides=overrides))
    env = make_env(ENV_ID, TEST_KWARGS)
    try:
        model = sb3_algorithm_class("ppo")(
            p.run_keys["policy"], env, seed=seed, device="cpu", **cfg.materialize(p.algo_kwargs, "bench")
        )
    finally:
        env.close()
    return _test_return(SB3Policy(model), seed)


def _random_return(seed: int) -> float:
    from a2perf.measure import make_env
    from a2perf.policies import RandomPolicy

    env = make_env(ENV_ID, TEST_KWARGS)
    policy = RandomPolicy(env.action_space, seed=seed)
    env.close()
    return _test_return(policy, seed)


def variant(name: str, overrides: dict, env_kwargs: dict, root: Path) -> dict:
    """Train every seed once with checkpoints and evaluate each checkpoint in test mode."""
    from a2perf.baselines.rundir import load_run
    from a2perf.baselines.train import TrainConfig, train
    from a2perf.policies import load_sb3_policy

    t0 = time.perf_counter()
    trained: dict[str, list[float]] = {}
    steps: list[int] = []
    for seed in SEEDS:
        run = train(
            TrainConfig(
                env_id=ENV_ID,
                algo="ppo",
                out=root / f"{name}-{seed}",
                seed=seed,
                timesteps=BUDGET,
                overrides={
                    **overrides,
                    "eval_freq": BUDGET,
                    "n_eval_episodes": 1,
                    "checkpoint_freq": EVAL_EVERY,
                },
                env_kwargs=env_kwargs,
                measure_energy=False,
            )
        )
        checkpoints = load_run(run).checkpoints
        steps = [c.steps for c in checkpoints]
        trained[str(seed)] = [
            _test_return(load_sb3_policy(run / c.path, algo="ppo"), seed) for c in checkpoints
        ]
    untrained = [_untrained_return(overrides, s, root) for s in SEEDS]
    beats = [
        all(trained[str(s)][i] > u for s, u in zip(SEEDS, untrained, strict=True)) for i in range(len(steps))
    ]
    return {
        "env_id": ENV_ID,
        "overrides": overrides,
        "train_env_kwargs": env_kwargs,
        "eval_env_kwargs": TEST_KWARGS,
        "eval_episodes": EVAL_EPISODES,
        "steps": steps,
        "trained_mean_returns": trained,
        "untrained_mean_returns": untrained,
        "random_mean_returns": [_random_return(s) for s in SEEDS],
        "smallest_budget_beating_untrained": next(
            (st for st, b in zip(steps, beats, strict=True) if b), None
        ),
        "wall_s": time.perf_counter() - t0,
    }


def main() -> dict:
    import torch

    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="a2perf-bench-learning-"))
    only = os.environ.get("A2PERF_BENCH_LEARNING_VARIANTS")
    names = only.split(",") if only else list(VARIANTS)
    try:
        return {name: variant(name, *VARIANTS[name], root) for name in names}
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main()))

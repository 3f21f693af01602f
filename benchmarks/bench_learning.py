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

Variants: ``yaml_default_nominal_100_steps`` is the packaged ``quadruped:`` PPO default (normalized
observations, exploration std 0.05, lr 1e-4) trained on nominal 100-step episodes;
``yaml_default_without_normalize`` is the same without observation normalization.
``A2PERF_BENCH_LEARNING_VARIANTS=name,...`` runs only some (each takes ~30 min on one core).

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
BUDGET = 2048 if QUICK else 98304
EVAL_EVERY = 1024 if QUICK else 16384
EVAL_EPISODES = 1 if QUICK else 2
TEST_KWARGS = {"mode": "test"}

NOMINAL_100_STEPS = {"mode": "test", "episode_steps": 100}
"""Training env: nominal dynamics, 100-step episodes (train mode's curriculum stays at ~20 steps for
any CPU budget, too short to see the falls the deterministic test policy then has)."""

VARIANTS = {
    # name: (hyper-parameter overrides over configs/ppo.yaml, training env kwargs)
    "yaml_default_nominal_100_steps": ({}, NOMINAL_100_STEPS),
    "yaml_default_without_normalize": ({"normalize": False}, NOMINAL_100_STEPS),
}


def _test_return(policy, seed: int) -> float:
    from a2perf.measure import make_env, roll_out

    env = make_env(ENV_ID, TEST_KWARGS)
    try:
        return float(np.mean(roll_out(env, policy, episodes=EVAL_EPISODES, seed=seed).returns))
    finally:
        env.close()


def _untrained_return(overrides: dict, seed: int, root: Path) -> float:
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    from a2perf.baselines import config as cfg
    from a2perf.baselines.train import TrainConfig, plan
    from a2perf.measure import make_env
    from a2perf.policies import SB3Policy, sb3_algorithm_class

    p = plan(TrainConfig(env_id=ENV_ID, algo="ppo", out=root / "unused", seed=seed, overrides=overrides))
    env = make_env(ENV_ID, TEST_KWARGS)
    venv = DummyVecEnv([lambda: env])
    norm = cfg.normalize_kwargs(p.params, "bench")
    # with normalize, the untrained model sees its observations through the initial statistics
    normalizer = VecNormalize(venv, **norm) if norm is not None else None
    try:
        model = sb3_algorithm_class("ppo")(
            p.run_keys["policy"],
            normalizer or venv,
            seed=seed,
            device="cpu",
            **cfg.materialize(p.algo_kwargs, "bench"),
        )
    finally:
        venv.close()
    return _test_return(SB3Policy(model, normalizer=normalizer), seed)


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

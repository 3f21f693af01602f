"""Web learning benchmark: training throughput of the pointer policy vs the old flat head, and returns.

Figures (JSON), all on ``WebNavigation-DifficultyLevel-01-v0`` (browser, one design) with MaskablePPO:
- ``throughput``: env steps/s of ``model.learn`` (one env, one torch thread) with the packaged web
  config (``WebPointerPolicy``) and with the previous one (``MultiInputPolicy`` +
  ``TokenEmbeddingExtractor``, a flat ``Linear(128, 12500)`` head, n_steps 256, batch 64, 4 epochs),
  measured in the same run; ``speedup`` = pointer / flat.
- ``returns``: mean deterministic return (10 episodes per seed) after the CI test budget (also for the
  previous flat-head config: ``flat_head_trained_<steps>``) and after a longer budget, per seed, next to the random valid-action policy (``RandomPolicy`` with the env's
  ``action_masks()``, 10 episodes per seed) and the oracle (``OraclePolicy``).
- ``many_designs``: the same after the longer budget on level 1 with ``num_websites=10`` (a design
  drawn per episode), 30 episodes per seed, with success rates.

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks every budget (for a smoke run).
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
ENV_ID = "WebNavigation-DifficultyLevel-01-v0"
ALGO = "maskable_ppo"
SEEDS = (0, 1) if QUICK else (0, 1, 2)
TEST_BUDGET = 2048
LONG_BUDGET = 4096 if QUICK else 20_000
FLAT = {
    "policy": "MultiInputPolicy",
    "policy_kwargs": {
        "features_extractor_class": "TokenEmbeddingExtractor",
        "net_arch": [128],
        "activation_fn": "relu",
    },
    "n_steps": 256,
    "batch_size": 64,
    "n_epochs": 4,
    "learning_rate": 0.0003,
}
"""The web MaskablePPO config before the pointer policy."""


def _steps_per_s(overrides: dict, steps: int, root: Path) -> float:
    """Env steps/s of ``model.learn(steps)`` after a one-update warm-up, as `a2perf train` builds the model."""
    import torch

    from a2perf.baselines import config as cfg
    from a2perf.baselines.train import TrainConfig, _make_vec_env, _policy, plan
    from a2perf.policies import sb3_algorithm_class

    torch.set_num_threads(1)
    p = plan(TrainConfig(env_id=ENV_ID, algo=ALGO, out=root / "unused", overrides=overrides, monitor=False))
    kwargs = cfg.materialize(p.algo_kwargs, "bench")
    vec_env = _make_vec_env(p.config, p.run_keys["n_envs"], 0)
    try:
        model = sb3_algorithm_class(ALGO)(
            _policy(p.run_keys["policy"], ALGO, "bench"), vec_env, seed=0, device="cpu", **kwargs
        )
        model.learn(kwargs["n_steps"])  # warm-up: browser start, first update
        t0 = time.perf_counter()
        model.learn(steps, reset_num_timesteps=False)
        return steps / (time.perf_counter() - t0)
    finally:
        vec_env.close()


def throughput(root: Path) -> dict:
    flat_steps, pointer_steps = (256, 512) if QUICK else (768, 2048)
    flat = _steps_per_s(FLAT, flat_steps, root)
    pointer = _steps_per_s({}, pointer_steps, root)
    return {
        "flat_head_steps_per_s": flat,
        "pointer_steps_per_s": pointer,
        "speedup": pointer / flat,
        "steps": {"flat": flat_steps, "pointer": pointer_steps},
    }


def returns(root: Path) -> dict:
    from a2perf.baselines.train import TrainConfig, train
    from a2perf.envs.web.oracle import OraclePolicy
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import RandomPolicy, load_sb3_policy

    class Oracle:
        name = "oracle"

        def __init__(self, env) -> None:
            self.oracle = OraclePolicy(env)

        def act(self, obs, mask=None):
            return self.oracle(obs)

    env = make_env(ENV_ID)
    figures: dict = {}
    try:
        runs = [("trained", TEST_BUDGET, {}), ("flat_head_trained", TEST_BUDGET, FLAT)]
        runs.append(("trained", LONG_BUDGET, {}))
        for label, budget, config in runs:
            t0 = time.perf_counter()
            means = []
            for seed in SEEDS:
                run = train(
                    TrainConfig(
                        env_id=ENV_ID,
                        algo=ALGO,
                        out=root / f"{label}-{budget}-s{seed}",
                        seed=seed,
                        timesteps=budget,
                        overrides={
                            **config,
                            "eval_freq": budget,
                            "n_eval_episodes": 1,
                            "checkpoint_freq": budget,
                        },
                        monitor=False,
                    )
                )
                policy = load_sb3_policy(run / "model.zip", algo=ALGO)
                means.append(float(np.mean(roll_out(env, policy, episodes=10, seed=seed).returns)))
            figures[f"{label}_{budget}"] = {
                "per_seed": means,
                "mean": float(np.mean(means)),
                "wall_s": time.perf_counter() - t0,
            }
        random = [
            float(np.mean(roll_out(env, RandomPolicy(env.action_space, seed=s), episodes=10, seed=s).returns))
            for s in SEEDS
        ]
        oracle = float(np.mean(roll_out(env, Oracle(env), episodes=10, seed=0).returns))
    finally:
        env.close()
    figures["random_valid"] = {"per_seed": random, "mean": float(np.mean(random))}
    figures["oracle"] = oracle
    return figures


def many_designs(root: Path) -> dict:
    """Level 1 with ``num_websites=10`` (a design drawn per episode): long budget, 30 episodes per seed."""
    from a2perf.baselines.train import TrainConfig, train
    from a2perf.envs.web.oracle import OraclePolicy
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import RandomPolicy, load_sb3_policy

    kwargs = {"num_websites": 10}
    env = make_env(ENV_ID, kwargs)
    oracle_policy = OraclePolicy(env)

    class Oracle:
        name = "oracle"

        def act(self, obs, mask=None):
            return oracle_policy(obs)

    def summary(returns_by_seed: list[list[float]]) -> dict:
        return {
            "per_seed": [float(np.mean(r)) for r in returns_by_seed],
            "mean": float(np.mean(returns_by_seed)),
            "success": float(np.mean(np.array(returns_by_seed) > 0.5)),
        }

    trained, random = [], []
    try:
        for seed in SEEDS:
            run = train(
                TrainConfig(
                    env_id=ENV_ID,
                    algo=ALGO,
                    out=root / f"many-s{seed}",
                    seed=seed,
                    timesteps=LONG_BUDGET,
                    env_kwargs=kwargs,
                    overrides={
                        "eval_freq": LONG_BUDGET,
                        "n_eval_episodes": 1,
                        "checkpoint_freq": LONG_BUDGET,
                    },
                    monitor=False,
                )
            )
            policy = load_sb3_policy(run / "model.zip", algo=ALGO)
            trained.append(roll_out(env, policy, episodes=30, seed=seed).returns)
            random.append(
                roll_out(env, RandomPolicy(env.action_space, seed=seed), episodes=30, seed=seed).returns
            )
        oracle = roll_out(env, Oracle(), episodes=30, seed=0).returns
    finally:
        env.close()
    return {
        "env_kwargs": kwargs,
        "steps": LONG_BUDGET,
        "trained": summary(trained),
        "random_valid": summary(random),
        "oracle": summary([oracle]),
    }


def main() -> dict:
    root = Path(tempfile.mkdtemp(prefix="a2perf-bench-web-learning-"))
    figures: dict = {"env_id": ENV_ID, "algo": ALGO, "quick": QUICK}
    try:
        for name, run in (("throughput", throughput), ("returns", returns), ("many_designs", many_designs)):
            t0 = time.perf_counter()
            figures[name] = run(root)
            figures[name]["section_wall_s"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))

"""Dataset benchmark: speed of recording rollouts with Minari's DataCollector (`a2perf dataset build`).

Figures (JSON), per case ``<env>/<policy>/<episodes>``, medians over ``REPS`` repetitions:

- ``collect_steps_per_s``: env steps per wall second of one dataset written by
  ``a2perf.baselines.datasets._collect`` (make the env, roll out through the ``DataCollector``,
  ``create_dataset`` in arrow format, publish; energy measurement off).
- ``bare_steps_per_s``: the same policy and episodes rolled out with ``a2perf.measure.roll_out``
  without recording, in the same run (the baseline).
- ``ratio``: collect / bare; ``overhead_ms_per_episode``: (collect - bare) wall time / episodes.

The overheads include the fixed cost of one dataset (env, monitor, ``create_dataset``); one
warm-up dataset is written first (imports, first use of the collector).

Policies: ``random`` (a2perf's RandomPolicy, honours masks) and ``balance`` (a two-line CartPole
controller whose episodes run the full 500 steps, to separate the per-step from the per-episode
cost). ``growth_4x`` is the collect time of 4x the random CartPole episodes over that of 1x:
at most 4 when recording is linear in the episodes (target); Minari 0.5's own storage re-scans
the whole dataset folder after every episode, which made it about 10 before the workaround in
``a2perf.baselines.datasets._data_collector``.

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks the budgets (for a smoke run).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

QUICK = os.environ.get("A2PERF_BENCH_QUICK") == "1"
REPS = 1 if QUICK else 3
EPISODES = 25 if QUICK else 100


class Balance:
    """Push the cart towards the side the pole leans to (CartPole stays up for 500 steps)."""

    name = "balance"

    def act(self, observation: Any, mask: Any = None) -> int:
        return int(observation[2] + 0.5 * observation[3] > 0)


def _policy(kind: str):
    from a2perf.policies import RandomPolicy

    if kind == "random":
        return lambda env: RandomPolicy(env.action_space, seed=0)
    return lambda env: Balance()


def _collect_s(env_id: str, kind: str, episodes: int, root: Path) -> tuple[float, int]:
    """(wall seconds, env steps) of one dataset written through the DataCollector."""
    from a2perf.baselines.datasets import DatasetConfig, _collect, _staging
    from a2perf.results.schema import DataCost

    with _staging(root):  # a scratch datasets root, restored and removed afterwards
        config = DatasetConfig(runs=[], levels=[], env_id=env_id, measure_energy=False)
        t0 = time.perf_counter()
        _, _, steps, _ = _collect(
            config,
            "Bench-x-v0",
            [_policy(kind)],
            [episodes],
            "benchmark",
            cost_of=lambda e, s, u: DataCost(energy_kwh=0.0, env_steps=s, episodes=e, energy_mode="off"),
        )
        return time.perf_counter() - t0, steps


def _bare_s(env_id: str, kind: str, episodes: int) -> tuple[float, int]:
    """(wall seconds, env steps) of the same rollouts without recording (env made outside the timing)."""
    from a2perf.measure import make_env, roll_out

    env = make_env(env_id)
    try:
        policy = _policy(kind)(env)
        t0 = time.perf_counter()
        rollouts = roll_out(env, policy, episodes=episodes, seed=0)
        return time.perf_counter() - t0, sum(rollouts.lengths)
    finally:
        env.close()


def case(env_id: str, kind: str, episodes: int, root: Path) -> dict[str, float]:
    """Median figures of ``REPS`` interleaved (collect, bare) pairs."""
    collect, bare = [], []
    for _ in range(REPS):
        collect.append(_collect_s(env_id, kind, episodes, root))
        bare.append(_bare_s(env_id, kind, episodes))
    c_s = statistics.median(s for s, _ in collect)
    b_s = statistics.median(s for s, _ in bare)
    steps = collect[0][1]
    return {
        "episodes": episodes,
        "env_steps": steps,
        "collect_steps_per_s": steps / c_s,
        "bare_steps_per_s": steps / b_s,
        "ratio": b_s / c_s,
        "overhead_ms_per_episode": 1000 * (c_s - b_s) / episodes,
        "collect_s": c_s,
    }


def main() -> dict:
    import jax  # noqa: F401  (imported once, outside every timing: DataCollector's first step imports it)

    import a2perf  # noqa: F401

    root = Path(tempfile.mkdtemp(prefix="a2perf-bench-datasets-"))
    figures: dict[str, Any] = {"reps": REPS}
    try:
        _collect_s("CartPole-v1", "random", 5, root)  # warm-up
        cases = [
            ("CartPole-v1", "random", EPISODES),
            ("CartPole-v1", "random", 4 * EPISODES),
            ("CartPole-v1", "balance", max(EPISODES // 10, 2)),
            ("CircuitTraining-ToyMacro-v0", "random", EPISODES),
        ]
        for env_id, kind, episodes in cases:
            figures[f"{env_id}/{kind}/{episodes}"] = case(env_id, kind, episodes, root)
        one = figures[f"CartPole-v1/random/{EPISODES}"]["collect_s"]
        four = figures[f"CartPole-v1/random/{4 * EPISODES}"]["collect_s"]
        figures["growth_4x"] = four / one
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


if __name__ == "__main__":
    print(json.dumps(main()))

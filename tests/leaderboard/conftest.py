"""Result fixtures for the leaderboard: constructed RunResults plus one measured on CartPole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from a2perf.results import build_manifest, save_result
from a2perf.results.schema import (
    Aggregates,
    DataCost,
    Generalization,
    LearningCurve,
    RunResult,
    SeedResult,
    SystemResult,
    TaskScore,
    TrainingReliability,
)
from a2perf.results.summarize import summarize

XSS = "<script>alert(1)</script>"


def _system(wall: float, energy: float | None) -> SystemResult:
    return SystemResult(
        wall_time_s=wall,
        rss_peak_mb=300.0 + wall,
        rss_mean_mb=200.0 + wall,
        cpu_percent_mean=90.0,
        energy_kwh=energy,
        cpu_energy_kwh=None if energy is None else energy / 2,
        ram_energy_kwh=None if energy is None else energy / 2,
        energy_mode="cpu=test; ram=test",
        num_samples=10,
    )


def make_result(
    name: str,
    *,
    domain: str = "other",
    task: str = "CartPole-v1",
    level: float = 100.0,
    seeds: int = 3,
    status: str = "ok",
    algorithm: str = "ppo",
) -> RunResult:
    """A result whose per-seed mean returns are level + 10 * seed (so orderings are known)."""
    now = datetime.now(UTC)
    manifest = build_manifest(
        env_id=task,
        env_kwargs={"note": XSS},
        seeds=list(range(seeds)),
        started_at=now,
        finished_at=now,
        energy_mode="cpu=test; ram=test",
        country_iso_code="USA",
    )
    if status == "failed":
        return RunResult(
            name=name,
            algorithm=algorithm,
            domain=domain,
            env_id=task,
            task=task,
            phases=["train"],
            status="failed",
            failure_reason=f"seed 0: train raised RuntimeError: {XSS}",
            manifest=manifest,
            per_seed=[],
            aggregates=Aggregates(),
        )
    per_seed = []
    for s in range(seeds):
        steps = list(range(100, 1100, 100))
        curve = [level * (i + 1) / 10 + 5 * np.sin(i + s) for i in range(10)]
        per_seed.append(
            SeedResult(
                seed=s,
                episode_returns=[level + 10 * s - 1, level + 10 * s + 1],
                episode_lengths=[10, 10],
                system={
                    "train": _system(10.0 + abs(level) / 100, 1e-4 * abs(level)),
                    "inference": _system(1.0, 1e-6),
                },
                learning_curve=LearningCurve(steps=steps, returns=[float(c) for c in curve]),
                env_steps_trained=1000,
            )
        )
    agg = summarize(per_seed, np.linspace(1e-4, 1e-3, 30) * (1 + abs(level) / 100))
    agg = agg.model_copy(
        update={
            "training_reliability": TrainingReliability(
                dispersion_across_runs=1.0,
                dispersion_within_runs=2.0,
                short_term_risk=3.0,
                long_term_risk=4.0,
                risk_across_runs=level,
            ),
            "generalization": Generalization(
                tasks=[TaskScore(task=task, env_id=task, per_seed_mean_returns=[level] * seeds)],
                aggregate=level,
            ),
            "data_cost": DataCost(energy_kwh=2e-3, env_steps=1000, episodes=5, energy_mode="test"),
        }
    )
    return RunResult(
        name=name,
        algorithm=algorithm,
        domain=domain,
        env_id=task,
        task=task,
        phases=["train", "inference"],
        manifest=manifest,
        per_seed=per_seed,
        aggregates=agg,
    )


def measured_cartpole(name: str = "random-measured") -> RunResult:
    """A result from the real pipeline: random policy on CartPole, 2 seeds x 2 episodes."""
    from a2perf.measure import MeasureConfig, measure

    config = MeasureConfig(
        env_id="CartPole-v1", seeds=[0, 1], episodes=2, latency_calls=20, measure_energy=False, name=name
    )
    return measure(config)


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory) -> Path:
    """Folder of result files: 4 results on CartPole (one failed, one XSS-named, one measured), 2 on chip."""
    root = tmp_path_factory.mktemp("results")
    results = [
        make_result("ppo-good", level=300.0),
        make_result(XSS, level=200.0, algorithm="bc"),
        make_result("broken", status="failed"),
        measured_cartpole(),
        make_result("chip-ppo", domain="chip", task="CircuitTraining-ToyMacro-v0", level=-5.0),
        make_result("chip-bc", domain="chip", task="CircuitTraining-ToyMacro-v0", level=-8.0, algorithm="bc"),
    ]
    for i, result in enumerate(results):
        save_result(result, root / f"sub{i}" / "result.json")
    (root / "other-tool.json").write_text('{"not": "a2perf"}')
    return root

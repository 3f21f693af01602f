"""`a2perf demo`: a short end-to-end benchmark of all three domains on built-in defaults.

No data to download and no flags to learn: for each domain's default env (chip toy design,
procedural pace gait, web difficulty level 1) it

1. measures a uniform random policy over legal actions (2 seeds),
2. runs a small sweep: PPO trained briefly (MaskablePPO where the env has action masks) for 2 seeds, evaluated with
   rollouts, latency and the domain's generalization task list; on chip it also builds an
   expert dataset from the PPO checkpoints and trains behaviour cloning on it (data cost),
3. prints the metric tables and writes the static leaderboard site.

All six metric families appear: returns, generalization, reliability (training curves and
rollouts), system (energy with its measurement mode, RAM, wall time), latency and data cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from a2perf.measure import MeasureConfig, measure
from a2perf.results import RunResult, save_result

DEMO_SEEDS = [0, 1]


@dataclass(frozen=True)
class DemoDomain:
    """One domain of the demo: its env, the trained algorithm and the budgets."""

    env_id: str
    algo: str
    timesteps: int
    episodes: int
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    tasks: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    bc_overrides: dict[str, Any] = field(default_factory=dict)


CHIP_PADDING = {"max_grid_size": 128, "max_num_nodes": 3500, "max_num_edges": 42000}
"""A2Perf's padded chip layout: one observation/action space for every design, so a policy
trained on the toy design can be evaluated on the generalization designs."""

DEMO_DOMAINS = (
    DemoDomain(
        "CircuitTraining-ToyMacro-v0",
        "maskable_ppo",
        timesteps=3072,
        episodes=5,
        env_kwargs=CHIP_PADDING,
        tasks=["toy", "small_0", "small_1", "medium_0"],
        overrides={"eval_freq": 512, "checkpoint_freq": 512, "n_eval_episodes": 3},
        dataset={
            "levels": ["expert"],
            "episodes": 40,
            "eval_episodes": 3,
            "binning": "tercile",
            "bc_level": "expert",
        },
    ),
    DemoDomain(
        "QuadrupedLocomotion-Pace-v0",
        "ppo",
        timesteps=4096,
        episodes=1,
        overrides={
            "n_envs": 2,
            "n_steps": 512,
            "eval_freq": 1024,
            "checkpoint_freq": 2048,
            "n_eval_episodes": 1,
        },
    ),
    DemoDomain(
        "WebNavigation-DifficultyLevel-01-v0",
        "maskable_ppo",
        timesteps=2048,  # the pointer policy solves the level-1 design by ~2k steps (tested)
        episodes=5,
        overrides={"eval_freq": 512, "checkpoint_freq": 1024, "n_eval_episodes": 3},
    ),
)


def _sweep_spec(domain: DemoDomain, out: Path) -> Any:
    from a2perf.baselines.sweep import EnvSpec, SweepSpec

    algos = [domain.algo, "bc"] if domain.dataset else [domain.algo]
    phases = ["train", "evaluate", "generalize", *(["dataset"] if domain.dataset else [])]
    return SweepSpec(
        out=out,
        envs=[EnvSpec(domain.env_id, dict(domain.env_kwargs))],
        algos=algos,
        seeds=list(DEMO_SEEDS),
        phases=phases,
        timesteps=domain.timesteps,
        episodes=domain.episodes,
        tasks=domain.tasks,
        overrides={domain.algo: dict(domain.overrides), "bc": dict(domain.bc_overrides)},
        dataset=dict(domain.dataset),
        name=f"demo: {domain.env_id}",
    )


def _measure_random(domain: DemoDomain, results_dir: Path, console: Console) -> RunResult:
    from rich.progress import Progress

    config = MeasureConfig(
        env_id=domain.env_id,
        env_kwargs=dict(domain.env_kwargs),
        seeds=DEMO_SEEDS,
        episodes=domain.episodes,
        latency_calls=200,
    )
    with Progress(console=console) as progress:
        task = progress.add_task(f"{domain.env_id}: random policy", total=config.episodes * len(config.seeds))
        result = measure(config, on_episode=lambda *_: progress.advance(task))
    save_result(result, results_dir / f"{domain.env_id}__random.json")
    return result


def run_demo(out: Path, console: Console, domains: tuple[DemoDomain, ...] = DEMO_DOMAINS) -> Path:
    """Run the demo into ``out``; returns the leaderboard's ``index.html``."""
    from a2perf.baselines.sweep import run_sweep
    from a2perf.leaderboard.export import rich_tables
    from a2perf.leaderboard.site import build_site
    from a2perf.results import load_result

    started = time.perf_counter()
    results_dir = out / "results"
    results: list[RunResult] = []
    for domain in domains:
        console.rule(f"[bold]{domain.env_id}")
        results.append(_measure_random(domain, results_dir, console))
        summary = run_sweep(_sweep_spec(domain, out / "sweeps" / domain.env_id), workers=2, console=console)
        if summary.failed:
            failed = [o.job_id for o in summary.outcomes if o.status == "failed"]
            console.print(f"[yellow]warning:[/] {len(failed)} job(s) failed: {', '.join(failed)}")
        for path in summary.aggregated:
            result = load_result(path)
            results.append(result)
            save_result(result, results_dir / path.name)
    for table in rich_tables(results):
        console.print(table)
    index = build_site(results_dir, out / "site")
    console.print(f"results: {results_dir.resolve()}")
    console.print(f"leaderboard: {index.resolve()}  (open it in a browser; works from file://)")
    console.print(f"demo finished in {time.perf_counter() - started:.0f} s")
    return index

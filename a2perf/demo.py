"""`a2perf demo`: a short end-to-end benchmark on built-in defaults, no data or flags needed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from a2perf.measure import MeasureConfig, measure
from a2perf.results import save_result

DEMO_SEEDS = [0, 1]


def run_demo(out: Path, console: Console) -> list[Path]:
    """Measure the demo policies, print the table, write results under ``out``; returns the files."""
    from rich.progress import Progress

    from a2perf.leaderboard.tables import results_table

    configs = [MeasureConfig(env_id="CartPole-v1", seeds=DEMO_SEEDS, episodes=5, latency_calls=200)]
    results, paths = [], []
    with Progress(console=console) as progress:
        for config in configs:
            task = progress.add_task(
                f"{config.env_id} ({config.policy})", total=config.episodes * len(config.seeds)
            )
            result = measure(config, on_episode=lambda *_, t=task: progress.advance(t))
            path = save_result(result, out / "results" / f"{config.env_id}__{result.name}.json")
            results.append(result)
            paths.append(path)
    console.print(results_table(results, title="a2perf demo"))
    console.print(f"results written to {out / 'results'}")
    return paths

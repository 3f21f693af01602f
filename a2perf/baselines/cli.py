"""`a2perf train`, `a2perf sweep` and `a2perf dataset ...` (registered on the root app by a2perf.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from a2perf.console import console, err_console, fail, progress_bar
from a2perf.errors import A2PerfError

dataset_app = typer.Typer(
    help="Offline datasets (Minari) built from training checkpoints.", no_args_is_help=True
)


def train(
    env: Annotated[str, typer.Option("--env", help="gymnasium env id, e.g. CartPole-v1")],
    algo: Annotated[str, typer.Option(help="ppo, sac, dqn, maskable_ppo or bc")],
    out: Annotated[Path, typer.Option("--out", help="run folder to create")],
    seed: Annotated[int, typer.Option(help="seed of torch, numpy, envs and model")] = 0,
    timesteps: Annotated[
        int | None, typer.Option(help="env steps (default: the config's n_timesteps)")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML file of hyper-parameters over the defaults")
    ] = None,
    env_kwargs: Annotated[str | None, typer.Option("--env-kwargs", help="JSON object of env kwargs")] = None,
    dataset: Annotated[str | None, typer.Option(help="Minari dataset id or folder (bc)")] = None,
    energy: Annotated[bool, typer.Option(help="measure energy with codecarbon's offline tracker")] = True,
) -> None:
    """Train one baseline (SB3 / sb3-contrib, or behaviour cloning) and write its run folder."""
    from a2perf.baselines.train import TrainConfig
    from a2perf.baselines.train import train as run_train
    from a2perf.measure import parse_env_kwargs

    try:
        train_config = TrainConfig(
            env_id=env,
            algo=algo,
            out=out,
            seed=seed,
            timesteps=timesteps,
            config_file=config,
            env_kwargs=parse_env_kwargs(env_kwargs),
            dataset=dataset,
            measure_energy=energy,
        )
        progress = progress_bar()
        task = progress.add_task(f"{algo} on {env} (seed {seed})", total=None)

        def on_progress(done: int, total: int) -> None:
            if not progress.live.is_started:  # shown once training runs: input errors stay one line
                progress.start()
            progress.update(task, completed=done, total=total)

        try:
            run_dir = run_train(train_config, on_progress=on_progress)
        finally:
            progress.stop()
    except A2PerfError as e:
        raise fail(str(e)) from None
    from a2perf.baselines.rundir import load_run

    info = load_run(run_dir)
    curve = info.learning_curve
    last = f"{curve.returns[-1]:.2f}" if curve.returns else "n/a"
    energy_text = f"{info.system.energy_kwh:.3g} kWh" if info.system.energy_kwh is not None else "off"
    console.print(
        f"trained {info.timesteps} steps in {info.system.wall_time_s:.1f} s, final eval return {last}, "
        f"energy {energy_text} ({info.system.energy_mode})"
    )
    console.print(f"run written to {run_dir}")


def sweep(
    config: Annotated[Path, typer.Argument(help="sweep YAML: envs, algos, seeds, phases, budgets")],
    workers: Annotated[int, typer.Option(min=1, help="parallel jobs")] = 1,
    backend: Annotated[str, typer.Option(help="local (process pool) or ray (Ray Tune)")] = "local",
    resume: Annotated[
        bool, typer.Option(help="skip finished jobs (always on: results are idempotent); kept for clarity")
    ] = True,
    out: Annotated[Path | None, typer.Option(help="sweep folder (default: the config's 'out')")] = None,
) -> None:
    """Run envs x algos x seeds x phases as idempotent jobs; finished jobs are skipped on re-runs."""
    from a2perf.baselines.sweep import load_sweep, run_sweep

    try:
        spec = load_sweep(config, out=out)
        summary = run_sweep(spec, workers=workers, backend=backend, console=err_console)
    except A2PerfError as e:
        raise fail(str(e)) from None
    console.print(
        f"{summary.done} job(s) done ({summary.skipped} skipped as finished), {summary.failed} failed; "
        f"aggregated results in {summary.aggregate_dir}"
    )
    if summary.failed:
        raise typer.Exit(code=1)


@dataset_app.command("build")
def dataset_build(
    env: Annotated[str, typer.Option("--env", help="env id the datasets are collected on")],
    runs: Annotated[
        list[Path] | None, typer.Option("--runs", help="training run folder (repeat the option for several)")
    ] = None,
    levels: Annotated[str, typer.Option(help="comma-separated skill levels")] = "novice,intermediate,expert",
    episodes: Annotated[int, typer.Option(min=1, help="episodes per dataset")] = 100,
    eval_episodes: Annotated[int, typer.Option(min=1, help="episodes to score each checkpoint")] = 10,
    checkpoints_per_level: Annotated[int, typer.Option(min=1, help="checkpoints sampled per level")] = 5,
    binning: Annotated[str, typer.Option(help="a2perf (mean/sigma rule) or tercile")] = "a2perf",
    seed: Annotated[int, typer.Option(help="sampling and rollout seed")] = 0,
    env_kwargs: Annotated[str | None, typer.Option("--env-kwargs", help="JSON object of env kwargs")] = None,
    oracle: Annotated[bool, typer.Option(help="also build an 'oracle' expert dataset (web domain)")] = False,
    root: Annotated[
        Path | None,
        typer.Option(help="Minari datasets folder (default: $MINARI_DATASETS_PATH or ~/.minari/datasets)"),
    ] = None,
) -> None:
    """Score every checkpoint, bin into skill levels (mean/sigma rule), collect Minari datasets."""
    from a2perf.baselines.datasets import DatasetConfig, build_datasets
    from a2perf.measure import parse_env_kwargs

    try:
        ds_config = DatasetConfig(
            runs=list(runs or []),
            env_id=env,
            env_kwargs=parse_env_kwargs(env_kwargs),
            levels=[lv.strip() for lv in levels.split(",") if lv.strip()],
            episodes=episodes,
            eval_episodes=eval_episodes,
            checkpoints_per_level=checkpoints_per_level,
            binning=binning,
            seed=seed,
            oracle=oracle,
            root=root,
        )
        with progress_bar() as progress:
            task = progress.add_task("datasets", total=None)
            built = build_datasets(
                ds_config, on_progress=lambda msg: progress.update(task, description=msg, advance=1)
            )
    except A2PerfError as e:
        raise fail(str(e)) from None
    for b in built:
        console.print(
            f"{b.dataset_id}: {b.episodes} episodes, {b.env_steps} steps, data cost {b.data_cost.energy_kwh:.3g} kWh "
            f"(A2Perf definition {b.data_cost.a2perf_energy_kwh or 0:.3g} kWh) -> {b.path}"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root ``a2perf`` app."""
    app.command("train")(train)
    app.command("sweep")(sweep)
    app.add_typer(dataset_app, name="dataset")

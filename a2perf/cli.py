"""The `a2perf` command line: a thin typer layer over the Python API.

Every command catches :class:`a2perf.errors.A2PerfError`, prints its one-line message
to stderr and exits with code 2. Heavy imports happen inside commands so that
``a2perf --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from a2perf import __version__
from a2perf.baselines import cli as baselines_cli
from a2perf.console import console, err_console, fail, progress_bar
from a2perf.envs.chip.cli import app as chip_app
from a2perf.errors import A2PerfError
from a2perf.leaderboard import cli as leaderboard_cli
from a2perf.submission.cli import app as submission_app

app = typer.Typer(
    help="a2perf: benchmark autonomous agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
data_app = typer.Typer(
    help="Download public data sets (netlists, motion clips) into the cache.", no_args_is_help=True
)
app.add_typer(chip_app, name="chip")
app.add_typer(data_app, name="data")
app.add_typer(submission_app, name="submission")


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"a2perf {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """a2perf: benchmark autonomous agents."""


@app.command()
def envs() -> None:
    """List every registered a2perf environment id."""
    from rich.table import Table

    from a2perf.envs import all_env_infos

    table = Table(title="a2perf environments")
    table.add_column("id", no_wrap=True)
    for column in ("domain", "description", "extras", "needs"):
        table.add_column(column)
    for info in all_env_infos():
        table.add_row(info.id, info.domain, info.description, ",".join(info.extras), info.needs or "-")
    console.print(table)


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise fail(f"--seeds must be comma-separated integers like 0,1,2, got {text!r}") from None
    if not seeds:
        raise fail("--seeds is empty; give e.g. --seeds 0,1,2")
    return seeds


@app.command()
def measure(
    env: Annotated[
        str, typer.Option("--env", help="gymnasium env id, e.g. CartPole-v1 or CircuitTraining-ToyMacro-v0")
    ],
    out: Annotated[Path, typer.Option("--out", help="result JSON file to write")],
    policy: Annotated[str, typer.Option(help="'random' or a stable-baselines3 model .zip")] = "random",
    algo: Annotated[str | None, typer.Option(help="SB3 algorithm of the model (default: detect)")] = None,
    env_kwargs: Annotated[str | None, typer.Option("--env-kwargs", help="JSON object of env kwargs")] = None,
    episodes: Annotated[int, typer.Option(min=1, help="episodes per seed")] = 10,
    seeds: Annotated[str, typer.Option(help="comma-separated seeds")] = "0,1,2",
    name: Annotated[str | None, typer.Option(help="label in tables (default: policy name)")] = None,
    latency_calls: Annotated[int, typer.Option(min=0, help="timed policy calls per seed")] = 1000,
    energy: Annotated[bool, typer.Option(help="measure energy with codecarbon's offline tracker")] = True,
    country: Annotated[str, typer.Option(help="ISO code of the country for carbon intensity")] = "USA",
) -> None:
    """Roll a policy out on any gymnasium env and write a result with every metric that applies."""
    from a2perf.leaderboard.export import rich_tables
    from a2perf.measure import MeasureConfig, parse_env_kwargs
    from a2perf.measure import measure as run_measure
    from a2perf.results import save_result

    try:
        config = MeasureConfig(
            env_id=env,
            env_kwargs=parse_env_kwargs(env_kwargs),
            seeds=_parse_seeds(seeds),
            episodes=episodes,
            policy=policy,
            algo=algo,
            name=name,
            latency_calls=latency_calls,
            measure_energy=energy,
            country_iso_code=country,
        )
        with progress_bar() as progress:
            task = progress.add_task(f"{env} episodes", total=episodes * len(config.seeds))
            result = run_measure(config, on_episode=lambda *_: progress.advance(task))
        save_result(result, out)
    except A2PerfError as e:
        raise fail(str(e)) from None
    for table in rich_tables([result]):
        console.print(table)
    console.print(f"result written to {out}")


@app.command()
def report(
    paths: Annotated[list[Path], typer.Argument(help="result files or folders (searched recursively)")],
    as_json: Annotated[bool, typer.Option("--json", help="print machine-readable JSON rows")] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="export format: csv, markdown or latex")] = None,
    out: Annotated[Path | None, typer.Option(help="with --format: file to write (default: stdout)")] = None,
) -> None:
    """Print the tables of one or many result files, or export them (--format)."""
    from a2perf.leaderboard.export import rich_tables, write_export
    from a2perf.leaderboard.rows import leaderboard_row
    from a2perf.results import load_results

    try:
        if fmt is not None:
            text = write_export(paths, fmt, out)
            if out is None:
                typer.echo(text, nl=False)
            else:
                console.print(f"{fmt} written to {out}")
            return
        results = load_results(paths)
    except A2PerfError as e:
        raise fail(str(e)) from None
    if not results:
        raise fail(f"no a2perf result files found in {', '.join(map(str, paths))}")
    if as_json:
        rows = [
            {
                **{k: c.value for k, c in leaderboard_row(r).items()},
                "aggregates": r.aggregates.model_dump(mode="json"),
            }
            for r in results
        ]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for table in rich_tables(results):
            console.print(table)


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="result JSON file")]) -> None:
    """Check a result file against the schema (exit 0 if valid, 2 with the reason if not)."""
    from a2perf.results import load_result

    try:
        result = load_result(path)
    except A2PerfError as e:
        raise fail(str(e)) from None
    console.print(
        f"{path}: valid a2perf result (schema v{result.schema_version}, {result.name} on {result.env_id})"
    )


@app.command()
def bench(
    name: Annotated[
        str | None, typer.Argument(help="benchmark name (file benchmarks/bench_NAME.py); all if omitted")
    ] = None,
) -> None:
    """Run the speed/memory benchmarks and print their JSON figures."""
    from a2perf.bench import available_benchmarks, run_benchmark

    try:
        names = [name] if name else available_benchmarks()
        for bench_name in names:
            figures = run_benchmark(bench_name)
            typer.echo(json.dumps({bench_name: figures}, indent=2))
    except A2PerfError as e:
        raise fail(str(e)) from None


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for results and the report")] = Path("a2perf-out/demo"),
) -> None:
    """A short end-to-end benchmark on the built-in defaults (what `make demo` runs)."""
    from a2perf.demo import run_demo

    try:
        run_demo(out, console=console)
    except A2PerfError as e:
        raise fail(str(e)) from None


@app.command()
def evaluate(
    run: Annotated[Path | None, typer.Option(help="training run folder written by `a2perf train`")] = None,
    submission: Annotated[
        Path | None, typer.Option(help="submission folder (see `a2perf submission init`)")
    ] = None,
    env: Annotated[str | None, typer.Option(help="env id (with --submission)")] = None,
    phases: Annotated[
        str, typer.Option(help="with --submission: train,inference,generalization")
    ] = "inference",
    episodes: Annotated[int, typer.Option(min=1, help="evaluation episodes per seed")] = 100,
    tasks: Annotated[
        str | None, typer.Option(help="generalization tasks (comma-separated; default: the domain's list)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="result file (default: inside the run/submission folder)")
    ] = None,
    seeds: Annotated[str, typer.Option(help="with --submission: comma-separated seeds")] = "0",
    timeout: Annotated[
        float, typer.Option(min=1, help="with --submission: wall-clock limit per phase and seed, s")
    ] = 3600,
    memory_limit: Annotated[
        int, typer.Option(min=64, help="with --submission: RSS limit of the child process tree, MiB")
    ] = 8192,
    latency_calls: Annotated[
        int, typer.Option(min=1, help="with --submission: timed infer_once calls per seed")
    ] = 1000,
    energy: Annotated[bool, typer.Option(help="measure energy with codecarbon's offline tracker")] = True,
    runs_dir: Annotated[
        Path | None,
        typer.Option(help="with --submission: where train writes (default: <submission>/a2perf-runs/<env>)"),
    ] = None,
) -> None:
    """Evaluate a trained run (--run) or a submission (--submission --env) and write a result file."""
    from a2perf.results import load_result

    try:
        if (run is None) == (submission is None):
            raise fail("give exactly one of --run DIR or --submission DIR")
        task_list = [t for t in tasks.split(",") if t] if tasks else None
        if run is not None:
            from a2perf.baselines.evaluation import evaluate_run

            path = evaluate_run(run, episodes=episodes, tasks=task_list, out=out)
        else:
            from a2perf.submission.evaluate import EvaluationConfig, evaluate_submission

            if env is None:
                raise fail("--submission needs --env ID")
            config = EvaluationConfig(
                seeds=_parse_seeds(seeds),
                timeout_s=timeout,
                memory_limit_mb=memory_limit,
                latency_calls=latency_calls,
                measure_energy=energy,
                runs_dir=runs_dir,
            )
            with err_console.status("evaluating submission") as status:
                path = evaluate_submission(
                    submission,
                    env,
                    phases=[p for p in phases.split(",") if p],
                    episodes=episodes,
                    tasks=task_list,
                    out=out,
                    config=config,
                    on_progress=lambda message: status.update(message),
                )
        result = load_result(path)
    except A2PerfError as e:
        raise fail(str(e)) from None
    console.print(f"result written to {path}")
    if result.status != "ok":
        raise fail(f"{result.name} on {result.env_id} failed: {result.failure_reason}")
    console.print(f"status: ok ({result.name} on {result.env_id}, phases {','.join(result.phases)})")


@data_app.command("download")
def data_download(
    name: Annotated[str, typer.Argument(help="data set: circuit or quadruped")],
    dest: Annotated[Path | None, typer.Option(help="target folder (default: the a2perf cache)")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="mirror serving BASE_URL/NAME/<file> instead of upstream")
    ] = None,
) -> None:
    """Download a public data set with sha256 checks (resumable, atomic) and print where it went."""
    from a2perf.downloads import download

    try:
        paths = download(
            name, dest, base_url=base_url, on_file=lambda s, p: err_console.print(f"verified {p}")
        )
    except A2PerfError as e:
        raise fail(str(e)) from None
    console.print(f"{len(paths)} file(s) of {name!r} in {paths[0].parent if paths else dest}")


baselines_cli.register(app)
leaderboard_cli.register(app)


def main() -> None:
    """Entry point of the `a2perf` script."""
    try:
        app()
    except A2PerfError as e:
        raise SystemExit(fail(str(e)).exit_code) from None


if __name__ == "__main__":
    main()

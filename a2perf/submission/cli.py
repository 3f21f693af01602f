"""`a2perf submission ...` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from a2perf.console import console, err_console, fail
from a2perf.errors import A2PerfError

app = typer.Typer(help="A2Perf-compatible submissions: scaffold and validate.", no_args_is_help=True)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="new folder to create (must not exist)")],
    domain: Annotated[str, typer.Option(help="chip, web, quadruped or other (CartPole)")] = "other",
    name: Annotated[str | None, typer.Option(help="submission name (default: the folder name)")] = None,
) -> None:
    """Scaffold a working stable-baselines3 PPO submission that passes validation as is."""
    from a2perf.submission.scaffold import DEFAULT_ENVS, init_submission

    try:
        files = init_submission(directory, domain, name)
    except A2PerfError as e:
        raise fail(str(e)) from None
    console.print(f"created {len(files)} files in {directory}", highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"next: a2perf submission validate {directory}\n"
        f"      a2perf evaluate --submission {directory} --env {DEFAULT_ENVS[domain]} --phases train,inference",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help="submission folder")],
) -> None:
    """Check files, submission.yaml and the callable signatures (exit 2 listing every problem)."""
    from a2perf.submission.validate import validate_submission

    report = validate_submission(directory)
    if not report.ok:
        for problem in report.problems:
            err_console.print(Text.assemble(("error: ", "red"), problem), highlight=False, soft_wrap=True)
        raise typer.Exit(code=2)
    assert report.meta is not None
    console.print(
        f"{directory}: valid submission {report.meta.name!r} ({report.meta.algorithm}; "
        f"domains {', '.join(report.meta.domains)})",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )

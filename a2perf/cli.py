"""The `a2perf` command line: a thin typer layer over the Python API.

Every command catches :class:`a2perf.errors.A2PerfError`, prints its one-line message
to stderr and exits with code 2. Heavy imports happen inside commands so that
``a2perf --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from a2perf import __version__
from a2perf.envs.chip.cli import app as chip_app
from a2perf.errors import A2PerfError

app = typer.Typer(help="a2perf: benchmark autonomous agents.", no_args_is_help=True, add_completion=False)
app.add_typer(chip_app, name="chip")

console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print one error line to stderr and return the exit to raise (code 2)."""
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


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
    for column in ("id", "domain", "description", "extras", "needs"):
        table.add_column(column)
    for info in all_env_infos():
        table.add_row(info.id, info.domain, info.description, ",".join(info.extras), info.needs or "-")
    console.print(table)


def main() -> None:
    """Entry point of the `a2perf` script."""
    try:
        app()
    except A2PerfError as e:
        raise SystemExit(fail(str(e)).exit_code) from None


if __name__ == "__main__":
    main()

"""`a2perf submission ...` commands."""

import typer

app = typer.Typer(help="A2Perf-compatible submissions: scaffold and validate.", no_args_is_help=True)

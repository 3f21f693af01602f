"""`a2perf chip ...` commands."""

import typer

app = typer.Typer(
    help="Chip floorplanning: proxy cost, placement, rendering, synthetic designs.", no_args_is_help=True
)

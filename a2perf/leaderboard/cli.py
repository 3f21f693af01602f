"""`a2perf leaderboard` (registered on the root app by a2perf.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from a2perf.console import console, exit_on_error


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root ``a2perf`` app."""

    @app.command()
    def leaderboard(
        results_dir: Annotated[Path, typer.Argument(help="folder of result files (searched recursively)")],
        out: Annotated[
            Path, typer.Option("--out", help="site folder to write (replaced if it is an a2perf site)")
        ],
    ) -> None:
        """Build a static HTML leaderboard (open index.html from disk, no server needed)."""
        from a2perf.leaderboard.site import build_site

        with exit_on_error():
            index = build_site(results_dir, out)
        console.print(f"leaderboard written to {index.resolve().as_uri()}", highlight=False, soft_wrap=True)

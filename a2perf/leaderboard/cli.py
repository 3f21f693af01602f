"""`a2perf leaderboard` (registered on the root app by a2perf.cli)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root ``a2perf`` app."""

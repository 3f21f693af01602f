"""`a2perf train`, `a2perf sweep` and `a2perf dataset ...` (registered on the root app by a2perf.cli)."""

import typer

dataset_app = typer.Typer(
    help="Offline datasets (Minari) built from training checkpoints.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root ``a2perf`` app."""
    app.add_typer(dataset_app, name="dataset")

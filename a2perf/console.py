"""Terminal output shared by every CLI module: consoles, the one-line error exit, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from a2perf.errors import A2PerfError

console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` (as plain text, never markup) to stderr; return the exit to raise (code 2)."""
    err_console.print(Text.assemble(("error: ", "red"), message), highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn an :class:`A2PerfError` raised inside the block into :func:`fail`."""
    try:
        yield
    except A2PerfError as e:
        raise fail(str(e)) from None


def progress_bar() -> Progress:
    """A progress bar on stderr: description, bar, done/total, elapsed time."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err_console, transient=False)

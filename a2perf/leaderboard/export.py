"""Exports of the leaderboard tables: CSV, Markdown, LaTeX, and rich tables for the terminal.

All of them come from :func:`a2perf.leaderboard.rows.leaderboard_row`, so they show the same
figures as the HTML site. CSV holds raw numbers (one row per result, with ``domain`` and
``task`` columns and the IQM CI bounds); Markdown and LaTeX hold one table per (domain, task)
with the display text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from rich.table import Table
from rich.text import Text

from a2perf.errors import ConfigError, DataNotFoundError
from a2perf.leaderboard.rows import COLUMNS, Column, group_results, leaderboard_row, sort_key_best_return
from a2perf.results.schema import RunResult

FORMATS = ("csv", "markdown", "latex")
ExportFormat = Literal["csv", "markdown", "latex"]


def _ordered(results: Sequence[RunResult]) -> list[tuple[tuple[str, str], list[RunResult]]]:
    return [(key, sorted(group, key=sort_key_best_return)) for key, group in group_results(results).items()]


def to_csv(results: Sequence[RunResult]) -> str:
    """One CSV row per result: domain, task, every column's raw value, IQM CI bounds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = [c.key for c in COLUMNS]
    writer.writerow(["domain", "task", *keys, "return_iqm_ci_low", "return_iqm_ci_high", "failure_reason"])
    for (domain, task), group in _ordered(results):
        for result in group:
            row = leaderboard_row(result)
            returns = result.aggregates.returns
            writer.writerow(
                [
                    domain,
                    task,
                    *("" if row[k].value is None else row[k].value for k in keys),
                    "" if returns is None or returns.iqm_ci_low is None else returns.iqm_ci_low,
                    "" if returns is None or returns.iqm_ci_high is None else returns.iqm_ci_high,
                    result.failure_reason or "",
                ]
            )
    return buffer.getvalue()


def _arrow(column: Column, up: str, down: str) -> str:
    return {"higher": up, "lower": down}.get(column.better or "", "")


def _md_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def to_markdown(results: Sequence[RunResult]) -> str:
    """One GitHub-flavoured Markdown table per (domain, task)."""
    parts = []
    for (domain, task), group in _ordered(results):
        headers = [_md_escape(c.header) + _arrow(c, " ↑", " ↓") for c in COLUMNS]
        lines = [f"### {_md_escape(domain)} / {_md_escape(task)}", ""]
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "|".join("---" if c.better is None else "---:" for c in COLUMNS) + "|")
        for result in group:
            row = leaderboard_row(result)
            lines.append("| " + " | ".join(_md_escape(row[c.key].text) for c in COLUMNS) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters so ``text`` prints literally."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text.replace("\n", " "))


def to_latex(results: Sequence[RunResult]) -> str:
    """One ``tabular`` (in a ``table`` float) per (domain, task); needs only standard LaTeX."""
    parts = []
    for (domain, task), group in _ordered(results):
        spec = "".join("l" if c.better is None else "r" for c in COLUMNS)
        headers = [latex_escape(c.header) + _arrow(c, r" $\uparrow$", r" $\downarrow$") for c in COLUMNS]
        lines = [
            r"\begin{table}[ht]",
            r"\centering",
            r"\caption{" + latex_escape(f"{domain} / {task}") + "}",
            r"\begin{tabular}{" + spec + "}",
            r"\hline",
            " & ".join(headers) + r" \\",
            r"\hline",
        ]
        for result in group:
            row = leaderboard_row(result)
            lines.append(" & ".join(latex_escape(row[c.key].text) for c in COLUMNS) + r" \\")
        lines += [r"\hline", r"\end{tabular}", r"\end{table}"]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def export_tables(results: Sequence[RunResult], fmt: str) -> str:
    """The leaderboard tables of ``results`` as ``csv``, ``markdown`` or ``latex`` text."""
    if fmt == "csv":
        return to_csv(results)
    if fmt in ("markdown", "md"):
        return to_markdown(results)
    if fmt in ("latex", "tex"):
        return to_latex(results)
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def rich_tables(results: Sequence[RunResult]) -> list[Table]:
    """One rich table per (domain, task): metrics as rows, one column per result (narrow terminals)."""
    tables = []
    for (domain, task), group in _ordered(results):
        table = Table(title=f"{domain} / {task}")
        table.add_column("metric", no_wrap=True)
        rows = [leaderboard_row(r) for r in group]
        for row in rows:
            table.add_column(Text(row["name"].text), overflow="fold")
        for column in COLUMNS[1:]:
            table.add_row(
                column.header + _arrow(column, " ↑", " ↓"), *(Text(row[column.key].text) for row in rows)
            )
        tables.append(table)
    return tables


def write_export(paths: Sequence[Path], fmt: str, out: Path | None = None) -> str:
    """Load every result under ``paths`` strictly and export the tables; write ``out`` atomically.

    Args:
      paths: result files or folders (recursive); see
        :func:`a2perf.leaderboard.site.load_leaderboard_results` (older schema versions raise).
      fmt: ``csv``, ``markdown`` or ``latex``.
      out: file to write; None only returns the text.

    Returns:
      The exported text.

    Raises:
      SchemaError, DataNotFoundError, ConfigError: bad input; nothing is written.
    """
    from a2perf.leaderboard.site import load_leaderboard_results
    from a2perf.results.io import atomic_write_text

    items, _ = load_leaderboard_results(paths)
    if not items:
        raise DataNotFoundError(f"no a2perf result files in {', '.join(map(str, paths))}")
    text = export_tables([item.result for item in items], fmt)
    if out is not None:
        atomic_write_text(Path(out), text)
    return text

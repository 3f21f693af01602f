"""CSV, Markdown and LaTeX exports of the leaderboard tables."""

import csv
import io

import pytest

from a2perf.errors import ConfigError
from a2perf.leaderboard.export import export_tables, latex_escape, rich_tables
from a2perf.leaderboard.rows import COLUMNS

from .conftest import XSS, make_result

RESULTS = [
    make_result("low", level=100.0),
    make_result("high", level=300.0),
    make_result("broken", status="failed"),
    make_result("chip-a", domain="chip", task="Toy", level=-5.0),
]


def test_csv_raw_numbers_and_order():
    rows = list(csv.DictReader(io.StringIO(export_tables(RESULTS, "csv"))))
    assert [(r["domain"], r["task"], r["name"]) for r in rows] == [
        ("chip", "Toy", "chip-a"),
        ("other", "CartPole-v1", "high"),
        ("other", "CartPole-v1", "low"),
        ("other", "CartPole-v1", "broken"),
    ]
    high = rows[1]
    # per-seed means 300, 310, 320: IQM of 3 runs trims nothing -> 310
    assert float(high["return_iqm"]) == pytest.approx(310.0)
    assert float(high["return_iqm_ci_low"]) == pytest.approx(300.0)
    assert float(high["return_iqm_ci_high"]) == pytest.approx(320.0)
    assert high["energy_mode"] == "cpu=test; ram=test"
    assert rows[3]["status"] == "failed" and XSS in rows[3]["failure_reason"] and rows[3]["return_iqm"] == ""


def test_markdown_one_table_per_group_escaped():
    text = export_tables(RESULTS, "markdown")
    assert text.count("### ") == 2
    header = next(line for line in text.splitlines() if line.startswith("| submission"))
    assert header.count("|") == len(COLUMNS) + 1
    assert "310.00 [300.00, 320.00]" in text
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_latex_escapes_and_balances():
    text = export_tables(RESULTS, "latex")
    assert text.count(r"\begin{tabular}") == 2 == text.count(r"\end{tabular}")
    assert r"95\% CI" in text and r"$\uparrow$" in text
    assert latex_escape("a_b & 50% {x} $") == r"a\_b \& 50\% \{x\} \$"
    assert r"\textless{}script\textgreater{}" in text


def test_unknown_format():
    with pytest.raises(ConfigError, match="unknown export format 'xls'"):
        export_tables(RESULTS, "xls")


def test_rich_tables_keep_markup_literal():
    tables = rich_tables([make_result("[red]x[/red]")])
    assert len(tables) == 1
    assert tables[0].columns[1].header.plain == "[red]x[/red]"


def test_write_export_is_strict_and_atomic(results_dir, tmp_path):
    from a2perf.errors import SchemaError
    from a2perf.leaderboard.export import write_export

    out = tmp_path / "board.md"
    text = write_export([results_dir], "markdown", out)
    assert out.read_text() == text and text.count("### ") == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "old.json").write_text('{"schema_version": 0, "name": "x"}')
    with pytest.raises(SchemaError, match="schema_version 0 is not supported"):
        write_export([bad], "csv", out)
    assert out.read_text() == text

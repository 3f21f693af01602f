"""Building the site: loading rules, bad input, atomic replacement, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from a2perf.cli import app
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError
from a2perf.leaderboard.plots import bootstrap_band, normalize_scores, performance_profile, poi_matrix
from a2perf.leaderboard.site import MARKER, build_site, load_leaderboard_results
from a2perf.results import save_result

from .conftest import make_result

runner = CliRunner()


def _old_schema_file(path):
    data = json.loads(make_result("old").model_dump_json())
    data["schema_version"] = 0
    path.write_text(json.dumps(data))


def test_loader_skips_foreign_json_only(results_dir):
    items, skipped = load_leaderboard_results([results_dir])
    assert len(items) == 6
    assert [p.name for p in skipped] == ["other-tool.json"]


def test_older_schema_is_an_error_and_nothing_is_overwritten(tmp_path):
    results = tmp_path / "results"
    save_result(make_result("new"), results / "new.json")
    _old_schema_file(results / "old.json")
    site = tmp_path / "site"
    site.mkdir()
    (site / MARKER).write_text("x")
    (site / "index.html").write_text("previous site")
    result = runner.invoke(app, ["leaderboard", str(results), "--out", str(site)])
    assert result.exit_code == 2
    assert "old.json: schema_version 0 is not supported" in result.output
    assert "re-run the measurement" in result.output
    assert (site / "index.html").read_text() == "previous site"
    with pytest.raises(SchemaError):
        build_site(results, site)


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path, results_dir):
    target = tmp_path / "docs"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match="is not an a2perf site"):
        build_site(results_dir, target)
    assert (target / "thesis.tex").read_text() == "precious"


def test_rebuild_replaces_previous_site(tmp_path):
    results = tmp_path / "results"
    save_result(make_result("first"), results / "a.json")
    site = tmp_path / "site"
    build_site(results, site)
    assert "first" in (site / "index.html").read_text()
    (results / "a.json").unlink()
    save_result(make_result("second"), results / "b.json")
    result = runner.invoke(app, ["leaderboard", str(results), "--out", str(site)])
    assert result.exit_code == 0, result.output
    text = (site / "index.html").read_text()
    assert "second" in text and "first" not in text
    assert (site / MARKER).is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folders left


def test_empty_results_folder(tmp_path):
    (tmp_path / "results").mkdir()
    with pytest.raises(DataNotFoundError, match="no a2perf result files"):
        build_site(tmp_path / "results", tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_html_is_escaped(results_dir, tmp_path):
    index = build_site(results_dir, tmp_path / "site")
    text = index.read_text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    for page in (tmp_path / "site" / "submissions").iterdir():
        assert "<script>alert" not in page.read_text()


def test_performance_profile_by_hand():
    scores = np.array([0.0, 0.5, 1.0, 1.0])
    # > 0: three of four; > 0.5: two; > 1: none
    assert performance_profile(scores, np.array([0.0, 0.5, 1.0])).tolist() == [0.75, 0.5, 0.0]


def test_normalize_scores_by_hand():
    out = normalize_scores({"a": np.array([10.0, 20.0]), "b": np.array([30.0])})
    assert out["a"].tolist() == [0.0, 0.5] and out["b"].tolist() == [1.0]
    assert normalize_scores({"a": np.array([3.0, 3.0])})["a"].tolist() == [1.0, 1.0]


def test_bootstrap_band_contains_mean_and_collapses_for_one_run():
    values = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    mean, low, high = bootstrap_band(values, rng=np.random.default_rng(0))
    assert mean.tolist() == [2.0, 3.0]
    assert np.all(low <= mean) and np.all(mean <= high) and np.all(low >= 0.0) and np.all(high <= 5.0)
    mean, low, high = bootstrap_band(values[:1], rng=np.random.default_rng(0))
    assert low.tolist() == high.tolist() == [0.0, 1.0]


def test_poi_matrix_by_hand():
    # per-seed means: good = 300, 310, 320; bad = 200, 210, 220 -> good always wins
    names, matrix = poi_matrix([make_result("good", level=300.0), make_result("bad", level=200.0)])
    assert names == ["good", "bad"]
    assert matrix.tolist() == [[0.5, 1.0], [0.0, 0.5]]

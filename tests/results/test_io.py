"""Result files: schema validation, atomic writes, one-line errors."""

import json
from datetime import UTC, datetime

import pytest

from a2perf.errors import DataNotFoundError, SchemaError
from a2perf.results import RunResult, build_manifest, load_result, load_results, parse_result, save_result
from a2perf.results.io import atomic_write_text
from a2perf.results.schema import Aggregates, SeedResult


def make_result(name: str = "random", returns=((1.0, 2.0), (3.0, 4.0))) -> RunResult:
    now = datetime.now(UTC)
    manifest = build_manifest(
        env_id="CartPole-v1",
        env_kwargs={},
        seeds=list(range(len(returns))),
        started_at=now,
        finished_at=now,
        energy_mode="disabled",
        country_iso_code="USA",
    )
    per_seed = [
        SeedResult(seed=i, episode_returns=list(r), episode_lengths=[1] * len(r))
        for i, r in enumerate(returns)
    ]
    return RunResult(
        name=name,
        algorithm="random",
        domain="other",
        env_id="CartPole-v1",
        task="CartPole-v1",
        phases=["inference"],
        manifest=manifest,
        per_seed=per_seed,
        aggregates=Aggregates(),
    )


def test_round_trip(tmp_path):
    result = make_result()
    path = save_result(result, tmp_path / "sub" / "r.json")
    assert load_result(path) == result
    assert [p.name for p in tmp_path.joinpath("sub").iterdir()] == ["r.json"]  # no temp file left


def test_manifest_has_provenance():
    manifest = make_result().manifest
    assert manifest.python_version.count(".") == 2
    assert "numpy" in manifest.packages and "gymnasium" in manifest.packages
    assert manifest.cpu_count_logical >= 1 and manifest.ram_total_gb > 0
    assert manifest.cpu_model


def test_unknown_field_is_rejected(tmp_path):
    data = json.loads(make_result().model_dump_json())
    data["aggregates"]["retrns"] = 1
    with pytest.raises(SchemaError, match=r"aggregates\.retrns: Extra inputs are not permitted"):
        parse_result(json.dumps(data), source="x.json")


def test_malformed_json_names_file_and_line():
    with pytest.raises(SchemaError, match=r"bad\.json: not valid JSON \(line 2"):
        parse_result('{"a":\n  oops}', source="bad.json")


def test_older_schema_version_is_explained():
    data = json.loads(make_result().model_dump_json())
    data["schema_version"] = 0
    with pytest.raises(SchemaError, match="schema_version 0 is not supported"):
        parse_result(json.dumps(data))


def test_failed_result_needs_reason():
    data = json.loads(make_result().model_dump_json())
    data["status"] = "failed"
    with pytest.raises(SchemaError, match="failure_reason"):
        parse_result(json.dumps(data))


def test_duplicate_seeds_rejected():
    data = json.loads(make_result().model_dump_json())
    data["per_seed"] = [data["per_seed"][0]] * 2
    with pytest.raises(SchemaError, match="seed twice"):
        parse_result(json.dumps(data))


def test_missing_file():
    with pytest.raises(DataNotFoundError, match="no such result file"):
        load_result("/nonexistent/r.json")


def test_load_results_from_folder_skips_foreign_json(tmp_path):
    save_result(make_result("a"), tmp_path / "a.json")
    save_result(make_result("b"), tmp_path / "deep" / "b.json")
    (tmp_path / "other.json").write_text('{"not": "ours"}')
    names = sorted(r.name for r in load_results([tmp_path]))
    assert names == ["a", "b"]
    with pytest.raises(SchemaError):
        load_results([tmp_path / "other.json"])


def test_old_schema_in_folder_is_an_error_not_skipped(tmp_path):
    data = json.loads(make_result().model_dump_json())
    data["schema_version"] = 0
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="schema_version 0 is not supported"):
        load_results([tmp_path])


def test_atomic_write_gives_an_ordinary_file_mode(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "f.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    atomic_write_text(path, "old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("a2perf.results.io.os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]

"""The `a2perf` command line: measure -> validate -> report, and one-line errors with exit 2."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from a2perf import __version__
from a2perf.cli import app
from a2perf.results import load_result

runner = CliRunner()


@pytest.fixture(scope="module")
def cartpole_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("measure") / "cartpole.json"
    args = ["measure", "--env", "CartPole-v1", "--episodes", "3", "--seeds", "0,1", "--out", str(out)]
    result = runner.invoke(app, [*args, "--latency-calls", "50"])
    assert result.exit_code == 0, result.output
    return out


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_measure_writes_a_valid_result(cartpole_result):
    result = runner.invoke(app, ["validate", str(cartpole_result)])
    assert result.exit_code == 0, result.output
    loaded = load_result(cartpole_result)
    assert [s.seed for s in loaded.per_seed] == [0, 1]
    assert all(len(s.episode_returns) == 3 for s in loaded.per_seed)
    # CartPole gives +1 per step: the return equals the episode length.
    assert all(s.episode_returns == [float(n) for n in s.episode_lengths] for s in loaded.per_seed)
    agg = loaded.aggregates
    pooled = [r for s in loaded.per_seed for r in s.episode_returns]
    assert agg.returns.mean == pytest.approx(sum(pooled) / len(pooled))
    assert agg.latency.num_calls == 100 and agg.latency.p50_ms <= agg.latency.p99_ms
    system = agg.system["inference"]
    assert system.rss_peak_mb.mean > 50
    assert system.energy_kwh is not None and system.energy_mode == loaded.manifest.energy_mode
    assert loaded.manifest.seeds == [0, 1] and loaded.manifest.env_id == "CartPole-v1"


def test_measure_is_reproducible_for_a_seed(cartpole_result, tmp_path):
    out = tmp_path / "again.json"
    args = ["measure", "--env", "CartPole-v1", "--episodes", "3", "--seeds", "0,1", "--out", str(out)]
    assert runner.invoke(app, [*args, "--latency-calls", "5", "--no-energy"]).exit_code == 0
    first, second = load_result(cartpole_result), load_result(out)
    assert [s.episode_returns for s in first.per_seed] == [s.episode_returns for s in second.per_seed]
    assert second.aggregates.system["inference"].energy_kwh is None
    assert second.manifest.energy_mode == "disabled"


def test_report_json(cartpole_result):
    result = runner.invoke(app, ["report", str(cartpole_result), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["name"] == "random" and rows[0]["aggregates"]["returns"]["num_episodes"] == 6


def test_report_table(cartpole_result):
    result = runner.invoke(app, ["report", str(cartpole_result.parent)])
    assert result.exit_code == 0 and "return IQM" in result.output and "energy mode" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "NoSuchEnv-v0"], "unknown env id 'NoSuchEnv-v0'"),
        (["--env", "CartPole-v1", "--env-kwargs", "{bad"], "--env-kwargs is not valid JSON"),
        (["--env", "CartPole-v1", "--env-kwargs", "[1]"], "--env-kwargs must be a JSON object"),
        (["--env", "CartPole-v1", "--env-kwargs", '{"nope": 1}'], "bad kwargs for CartPole-v1"),
        (["--env", "CartPole-v1", "--seeds", "a,b"], "--seeds must be comma-separated integers"),
        (["--env", "CartPole-v1", "--policy", "/no/model.zip"], "no such model file"),
    ],
)
def test_measure_bad_input(tmp_path, args, message):
    out = tmp_path / "r.json"
    defaults = [] if "--seeds" in args else ["--seeds", "0"]
    result = runner.invoke(
        app, ["measure", *args, *defaults, "--episodes", "1", "--out", str(out), "--no-energy"]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_validate_malformed_result(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "name": "x"')
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_validate_wrong_schema(tmp_path, cartpole_result):
    data = json.loads(cartpole_result.read_text())
    del data["manifest"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2 and "manifest: Field required" in result.output


def test_console_script_errors_without_traceback(tmp_path):
    """The installed entry point prints one line on stderr and exits 2."""
    proc = subprocess.run(
        [sys.executable, "-m", "a2perf.cli", "validate", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_envs_lists_ids():
    from a2perf.envs import all_env_infos

    result = runner.invoke(app, ["envs"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    for info in all_env_infos():
        assert info.id in result.output

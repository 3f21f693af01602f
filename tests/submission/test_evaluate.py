"""`evaluate_submission`: phases in child processes; misbehaving submissions give failed results."""

import json
import shutil
from pathlib import Path

import pytest

from a2perf.errors import ConfigError, SchemaError
from a2perf.results import load_result
from a2perf.submission.evaluate import EvaluationConfig, evaluate_submission, learning_curve

from .conftest import INFERENCE

FAST = EvaluationConfig(seeds=[0], latency_calls=50, latency_warmup=5, timeout_s=60, measure_energy=False)


def _evaluate(sub, tmp_path, phases=("inference",), config=FAST, **kwargs):
    out = tmp_path / "result.json"
    path = evaluate_submission(
        sub,
        "CartPole-v1",
        phases=list(phases),
        episodes=2,
        tasks=kwargs.pop("tasks", None),
        out=out,
        config=config,
    )
    assert path == out
    return load_result(out)


@pytest.mark.filterwarnings("ignore:.*CartPole-v0 is out of date")
def test_good_submission_all_phases(make_submission, tmp_path):
    sub = make_submission()
    config = EvaluationConfig(
        seeds=[0, 1], latency_calls=50, latency_warmup=5, timeout_s=60, measure_energy=True
    )
    result = _evaluate(
        sub,
        tmp_path,
        phases=("train", "inference", "generalization"),
        config=config,
        tasks=["CartPole-v1", "CartPole-v0"],
    )
    assert result.status == "ok", result.failure_reason
    assert result.name == "heuristic" and result.algorithm == "heuristic" and result.domain == "other"
    assert result.phases == ["train", "inference", "generalization"]
    # the heuristic balances the pole for the whole episode: 500 (v1) and 200 (v0) per episode
    assert result.aggregates.returns.mean == 500.0
    gen = result.aggregates.generalization
    assert [t.task for t in gen.tasks] == ["CartPole-v1", "CartPole-v0"]
    assert gen.aggregate == pytest.approx(700.0)
    seed0 = result.per_seed[0]
    assert set(seed0.system) == {"train", "inference", "generalization"}
    assert seed0.system["train"].energy_kwh is not None and seed0.system["train"].energy_kwh > 0
    assert seed0.latency.num_calls == 50 and seed0.latency.p50_ms > 0
    # train() ran 3 random episodes: the harness counted their steps and returns itself
    curve = seed0.learning_curve
    assert len(curve.returns) == 3 and curve.steps[-1] == seed0.env_steps_trained
    assert sum(curve.returns) == seed0.env_steps_trained  # CartPole pays 1 per step
    assert (Path(result.manifest.env_id), result.manifest.seeds) == (Path("CartPole-v1"), [0, 1])
    assert (sub / "a2perf-runs" / "CartPole-v1" / "seed_1" / "weights.txt").is_file()


def test_crash_gives_failed_result(make_submission, tmp_path):
    bad = INFERENCE.replace('return {"gain": 1.0}', 'raise RuntimeError("weights are corrupt")')
    result = _evaluate(make_submission(inference=bad), tmp_path)
    assert result.status == "failed"
    assert (
        "load_policy raised RuntimeError: weights are corrupt (inference.py line 2)" in result.failure_reason
    )


def test_hang_is_killed_at_timeout(make_submission, tmp_path):
    bad = INFERENCE.replace("return observation", "import time\n    time.sleep(600)")
    config = EvaluationConfig(seeds=[0], latency_calls=10, timeout_s=4, measure_energy=False)
    result = _evaluate(make_submission(inference=bad), tmp_path, config=config)
    assert result.status == "failed"
    assert "exceeded the 4 s wall-clock limit" in result.failure_reason
    assert result.per_seed == []


def test_address_space_limit(make_submission, tmp_path):
    bad = INFERENCE.replace('return {"gain": 1.0}', "import numpy as np\n    return np.ones(2_000_000_000)")
    config = EvaluationConfig(
        seeds=[0], latency_calls=10, timeout_s=60, address_space_limit_mb=1024, measure_energy=False
    )
    result = _evaluate(make_submission(inference=bad), tmp_path, config=config)
    assert result.status == "failed"
    assert "load_policy ran out of memory" in result.failure_reason


GROW = """import numpy as np, time
    hog = []
    while True:
        hog.append(np.ones(6_250_000))
        time.sleep(0.02)"""


def test_rss_watchdog_kills_growing_process(make_submission, tmp_path):
    # grows by 50 MB every 20 ms, touching every page; RLIMIT_AS off, so only the watchdog can stop it
    bad = INFERENCE.replace('return {"gain": 1.0}', GROW)
    config = EvaluationConfig(
        seeds=[0],
        latency_calls=10,
        timeout_s=60,
        memory_limit_mb=400,
        address_space_limit_mb=None,
        measure_energy=False,
    )
    result = _evaluate(make_submission(inference=bad), tmp_path, config=config)
    assert result.status == "failed"
    assert "exceeded the 400 MiB memory limit" in result.failure_reason


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("7", "infer_once returned 7 (int) on inference episode 0 step 0, which is not in Discrete(2)"),
        ("'left'", "infer_once returned 'left' (str)"),
        ("None", "infer_once returned None (NoneType)"),
    ],
)
def test_malformed_action(make_submission, tmp_path, action, expected):
    bad = INFERENCE.replace("return int(angle + 0.5 * velocity > 0)", f"return {action}")
    result = _evaluate(make_submission(inference=bad), tmp_path)
    assert result.status == "failed"
    assert expected in result.failure_reason


def test_tampered_latency_clock_detected(make_submission, tmp_path):
    # infer_once takes ~3 ms but rebinds the harness clock so every call looks free
    bad = INFERENCE + (
        "\nimport time, sys\n_real = infer_once\n\n"
        "def infer_once(policy, preprocessed_observation):\n"
        "    runner = sys.modules.get('__main__')\n"
        "    runner._perf_ns = lambda: 0\n"
        "    time.sleep(0.003)\n"
        "    return _real(policy, preprocessed_observation)\n"
    )
    config = EvaluationConfig(
        seeds=[0], latency_calls=200, latency_warmup=1, timeout_s=60, measure_energy=False
    )
    result = _evaluate(make_submission(inference=bad), tmp_path, config=config)
    assert result.status == "failed"
    assert "latency timings disagree with the harness clock" in result.failure_reason


def test_invalid_submission_raises_and_writes_nothing(make_submission, tmp_path):
    sub = make_submission(inference="def broken(:\n")
    out = tmp_path / "result.json"
    out.write_text("previous result")
    with pytest.raises(SchemaError, match=r"invalid submission: inference.py line 1: SyntaxError"):
        evaluate_submission(
            sub, "CartPole-v1", phases=["inference"], episodes=1, tasks=None, out=out, config=FAST
        )
    assert out.read_text() == "previous result"


def test_bad_arguments(make_submission, tmp_path):
    sub = make_submission()
    with pytest.raises(ConfigError, match="unknown phases"):
        evaluate_submission(sub, "CartPole-v1", phases=["fly"], episodes=1, tasks=None, out=None)
    with pytest.raises(ConfigError, match="unknown env id"):
        evaluate_submission(sub, "NoSuchEnv-v0", phases=["inference"], episodes=1, tasks=None, out=None)


def test_domain_must_be_declared(make_submission, tmp_path):
    meta = "name: x\nauthors: [a]\nalgorithm: y\ndomains: [chip]\nlicence: MIT\ncontact: a@b\n"
    with pytest.raises(ConfigError, match=r"domain .other. but submission\.yaml lists domains"):
        evaluate_submission(
            make_submission(meta=meta), "CartPole-v1", phases=["inference"], episodes=1, tasks=None, out=None
        )


def test_learning_curve_binning():
    curve = learning_curve([10, 20, 30, 40], [1.0, 3.0, 5.0, 7.0], points=2)
    # bins (0, 20] and (20, 40]: means of (1, 3) and (5, 7)
    assert curve.steps == [20, 40] and curve.returns == [2.0, 6.0]
    assert learning_curve([], []) is None


@pytest.mark.expensive
def test_scaffold_ppo_end_to_end(tmp_path):
    from typer.testing import CliRunner

    from a2perf.cli import app

    sub = tmp_path / "ppo"
    assert CliRunner().invoke(app, ["submission", "init", str(sub)]).exit_code == 0
    meta = (
        (sub / "submission.yaml")
        .read_text()
        .replace("total_timesteps: 4096", "total_timesteps: 256\n  n_steps: 128")
    )
    (sub / "submission.yaml").write_text(meta)
    result = _evaluate(sub, tmp_path, phases=("train", "inference"))
    assert result.status == "ok", result.failure_reason
    assert result.per_seed[0].env_steps_trained == 256
    assert (sub / "a2perf-runs" / "CartPole-v1" / "seed_0" / "model.zip").is_file()
    assert result.aggregates.returns.num_episodes == 2
    assert json.loads((tmp_path / "result.json").read_text())["schema_version"] == 1
    shutil.rmtree(sub)


def test_cli_invalid_submission_exit_2_nothing_written(make_submission, tmp_path):
    from typer.testing import CliRunner

    from a2perf.cli import app

    sub = make_submission(meta="name: [1]\n")
    out = tmp_path / "kept.json"
    out.write_text("previous")
    args = ["evaluate", "--submission", str(sub), "--env", "CartPole-v1", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "invalid submission:" in result.output and "submission.yaml" in result.output
    assert out.read_text() == "previous"
    assert not (sub / "a2perf-runs").exists()


def test_cli_runs_dir_keeps_the_submission_folder_clean(make_submission, tmp_path):
    from typer.testing import CliRunner

    from a2perf.cli import app

    sub = make_submission()
    runs = tmp_path / "runs"
    args = ["evaluate", "--submission", str(sub), "--env", "CartPole-v1", "--phases", "train,inference"]
    args += ["--episodes", "2", "--latency-calls", "20", "--no-energy", "--runs-dir", str(runs)]
    args += ["--out", str(tmp_path / "result.json")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (runs / "seed_0" / "weights.txt").is_file()
    assert not (sub / "a2perf-runs").exists()

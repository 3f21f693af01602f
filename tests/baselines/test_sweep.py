"""`a2perf sweep`: idempotent jobs, resume after SIGKILL, Ray backend equal to local, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from a2perf.baselines.sweep import jobs_of, load_sweep, run_sweep
from a2perf.cli import app
from a2perf.results import load_result

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]

TINY_PPO = {
    "n_envs": 1,
    "n_steps": 128,
    "batch_size": 64,
    "n_epochs": 1,
    "eval_freq": 256,
    "n_eval_episodes": 2,
    "checkpoint_freq": 512,
    "policy_kwargs": {"net_arch": [8]},
}


def _sweep_file(tmp_path: Path, seeds, timesteps: int = 512, **extra) -> Path:
    spec = {
        "out": "out",
        "envs": ["CartPole-v1"],
        "algos": ["ppo"],
        "seeds": seeds,
        "phases": ["train", "evaluate"],
        "timesteps": timesteps,
        "episodes": 3,
        "measure_energy": False,
        "overrides": {"ppo": TINY_PPO},
        **extra,
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _attempts(job) -> list[str]:
    return job.attempts_file.read_text().splitlines() if job.attempts_file.exists() else []


def test_rerun_skips_finished_jobs_and_aggregates(tmp_path: Path) -> None:
    spec = load_sweep(_sweep_file(tmp_path, [0, 1]))
    first = run_sweep(spec, workers=1)
    assert (first.done, first.skipped, first.failed) == (2, 0, 0)
    jobs = jobs_of(spec)
    assert [len(_attempts(j)) for j in jobs] == [2, 2]  # train + evaluate, once each
    mtimes = [j.result_file.stat().st_mtime_ns for j in jobs]
    second = run_sweep(spec, workers=1)
    assert (second.done, second.skipped) == (0, 2)
    assert [len(_attempts(j)) for j in jobs] == [2, 2]
    assert [j.result_file.stat().st_mtime_ns for j in jobs] == mtimes
    (agg,) = first.aggregated
    assert agg.name == "other__CartPole-v1__ppo.json"
    combined = load_result(agg)
    assert [s.seed for s in combined.per_seed] == [0, 1]
    assert combined.aggregates.returns.num_episodes == 6
    assert combined.aggregates.training_reliability.risk_across_runs == pytest.approx(
        min(s.learning_curve.returns[-1] for s in combined.per_seed)
    )
    # a deleted result is redone, and only that phase runs again
    jobs[1].result_file.unlink()
    third = run_sweep(spec, workers=1)
    assert (third.done, third.skipped) == (1, 1)
    assert [p.split()[0] for p in _attempts(jobs[1])] == ["train", "evaluate", "evaluate"]


@pytest.mark.expensive
def test_sigkill_mid_sweep_then_resume(tmp_path: Path) -> None:
    path = _sweep_file(tmp_path, [0, 1, 2, 3], timesteps=1536)
    spec = load_sweep(path)
    jobs = jobs_of(spec)
    proc = subprocess.Popen(
        [sys.executable, "-m", "a2perf.cli", "sweep", str(path), "--workers", "2"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not any(j.result_file.exists() for j in jobs):
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no job finished in time"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = {j.id: _attempts(j) for j in jobs if j.result_file.exists()}
    assert 0 < len(finished) < len(jobs)
    summary = run_sweep(spec, workers=2)
    assert summary.failed == 0
    assert summary.skipped == len(finished)
    for job in jobs:
        result = load_result(job.result_file)  # exactly one valid result per job
        assert result.per_seed[0].seed == job.seed
        assert not [p.name for p in job.run_dir.parent.iterdir() if p.name.startswith(".")]  # no staging left
        if job.id in finished:
            assert _attempts(job) == finished[job.id]  # not run again
        else:
            assert [a.split()[0] for a in _attempts(job)].count("evaluate") >= 1
    assert len(list((spec.out / "results").rglob("*.json"))) == len(jobs)


@pytest.mark.expensive
def test_ray_backend_gives_the_same_result_files_as_local(tmp_path: Path) -> None:
    local = load_sweep(_sweep_file(tmp_path, [0, 1]), out=tmp_path / "local")
    ray_spec = load_sweep(_sweep_file(tmp_path, [0, 1]), out=tmp_path / "ray")
    a = run_sweep(local, workers=2, backend="local")
    b = run_sweep(ray_spec, workers=2, backend="ray")
    assert (a.done, b.done, b.failed) == (2, 2, 0)

    def files(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root / "results")) for p in (root / "results").rglob("*.json"))

    assert (
        files(local.out)
        == files(ray_spec.out)
        == ["CartPole-v1/ppo/seed_0.json", "CartPole-v1/ppo/seed_1.json"]
    )
    for rel in files(local.out):
        x, y = load_result(local.out / "results" / rel), load_result(ray_spec.out / "results" / rel)
        assert x.per_seed[0].episode_returns == y.per_seed[0].episode_returns
        assert x.per_seed[0].learning_curve == y.per_seed[0].learning_curve
        assert x.per_seed[0].env_steps_trained == y.per_seed[0].env_steps_trained
    assert [p.name for p in a.aggregated] == [p.name for p in b.aggregated]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"algos": ["sac"], "overrides": {}}, "sac needs a continuous (Box) action space"),
        ({"algos": ["a3c"]}, "unknown algorithm 'a3c'"),
        ({"phases": ["train", "fly"]}, "unknown phase 'fly'"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"seeds": [1, 1]}, "seeds must be distinct"),
        ({"algos": ["ppo", "bc"]}, "bc needs the dataset phase"),
    ],
)
def test_bad_sweep_files_exit_2_and_write_nothing(tmp_path: Path, extra, message) -> None:
    extra = dict(extra)
    seeds = extra.pop("seeds", [0])
    path = _sweep_file(tmp_path, seeds, **extra)
    r = runner.invoke(app, ["sweep", str(path)])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not (tmp_path / "out").exists()


def test_broken_sweep_yaml_and_backend(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("envs: [CartPole-v1\n")
    r = runner.invoke(app, ["sweep", str(path)])
    assert r.exit_code == 2 and "not valid YAML" in r.output
    r = runner.invoke(app, ["sweep", str(_sweep_file(tmp_path, [0])), "--backend", "dask"])
    assert r.exit_code == 2 and "--backend must be 'local' or 'ray'" in r.output
    assert not (tmp_path / "out").exists()


def test_dataset_phase_feeds_bc_jobs(tmp_path: Path) -> None:
    path = _sweep_file(
        tmp_path,
        [0],
        timesteps=1024,
        algos=["ppo", "bc"],
        phases=["train", "evaluate", "dataset"],
        overrides={
            "ppo": {**TINY_PPO, "checkpoint_freq": 256},
            "bc": {"gradient_steps": 20, "n_eval_episodes": 1},
        },
        dataset={
            "levels": ["expert"],
            "episodes": 3,
            "eval_episodes": 1,
            "checkpoints_per_level": 1,
            "binning": "tercile",
        },
        measure_energy=True,
    )
    spec = load_sweep(path)
    summary = run_sweep(spec, workers=1)
    assert (summary.done, summary.failed) == (2, 0), summary.outcomes
    marker = spec.out / "datasets" / "CartPole-v1.json"
    assert yaml.safe_load(marker.read_text()) == {"expert": "Gymnasium-CartPole-expert-v0"}
    bc_job = next(j for j in jobs_of(spec) if j.algo == "bc")
    bc = load_result(bc_job.result_file)
    cost = bc.aggregates.data_cost
    assert cost is not None and cost.episodes == 3 and cost.energy_kwh > 0
    assert sorted(p.name for p in summary.aggregated) == [
        "other__CartPole-v1__bc.json",
        "other__CartPole-v1__ppo.json",
    ]
    again = run_sweep(spec, workers=1)  # the dataset is not rebuilt, no job reruns
    assert (again.done, again.skipped) == (0, 2)

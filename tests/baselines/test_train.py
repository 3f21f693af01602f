"""`a2perf train`: smoke runs per algorithm, run-folder layout, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from a2perf.baselines.rundir import load_run
from a2perf.baselines.train import TrainConfig, train
from a2perf.cli import app
from a2perf.errors import ConfigError, DataNotFoundError
from a2perf.policies import load_sb3_policy
from tests.baselines.conftest import MASKED_ID, tiny_overrides

runner = CliRunner()


@pytest.mark.parametrize(
    ("algo", "env_id"),
    [
        ("ppo", "CartPole-v1"),
        ("dqn", "CartPole-v1"),
        ("sac", "Pendulum-v1"),
        ("maskable_ppo", MASKED_ID),
        ("maskable_ppo", "CircuitTraining-ToyMacro-v0"),
        ("sac", "QuadrupedLocomotion-Pace-v0"),
    ],
)
def test_smoke_train_writes_a_loadable_run(tmp_path: Path, algo: str, env_id: str) -> None:
    out = tmp_path / "run"
    config = TrainConfig(
        env_id=env_id,
        algo=algo,
        out=out,
        seed=3,
        timesteps=256,
        overrides=tiny_overrides(algo),
        measure_energy=False,
        monitor_interval_s=0.05,
    )
    assert train(config) == out
    info = load_run(out)
    assert (info.algo, info.env_id, info.seed, info.timesteps) == (algo, env_id, 3, 256)
    # eval every 128 steps -> points at 128 and 256, checkpoints at the same steps
    assert info.learning_curve.steps == [128, 256]
    assert [c.steps for c in info.checkpoints] == [128, 256]
    assert all((out / c.path).is_file() for c in info.checkpoints)
    assert info.system.wall_time_s > 0 and info.system.rss_peak_mb > 50
    assert info.system.energy_mode == "disabled"
    assert info.config["n_timesteps"] == 256 and info.config["policy_kwargs"] == {"net_arch": [8]}
    policy = load_sb3_policy(out / "model.zip", algo=info.sb3_class)
    assert policy.model.num_timesteps == 256
    # nothing else is left next to the run (the staging folder was renamed into place)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_checkpoints_carry_increasing_energy_up_to_the_run_total(tmp_path: Path) -> None:
    overrides = {**tiny_overrides("ppo", 2048), "checkpoint_freq": 512}
    out = train(
        TrainConfig(env_id="CartPole-v1", algo="ppo", out=tmp_path / "r", timesteps=2048, overrides=overrides)
    )
    info = load_run(out)
    energies = [c.energy_kwh for c in info.checkpoints]
    assert [c.steps for c in info.checkpoints] == [512, 1024, 1536, 2048]
    assert all(e is not None and e >= 0 for e in energies)
    assert energies == sorted(energies)
    assert energies[-1] == info.system.energy_kwh > 0
    assert info.system.energy_mode.startswith("cpu=")


def test_same_seed_same_learning_curve(tmp_path: Path) -> None:
    runs = [
        train(
            TrainConfig(
                env_id="CartPole-v1",
                algo="ppo",
                out=tmp_path / f"r{i}",
                seed=7,
                timesteps=256,
                overrides=tiny_overrides("ppo"),
                measure_energy=False,
            )
        )
        for i in range(2)
    ]
    a, b = (load_run(r).learning_curve for r in runs)
    assert a == b


def _cli(*args: str):
    return runner.invoke(app, ["train", *args])


def test_cli_train_prints_summary(tmp_path: Path, write_yaml) -> None:
    cfg = write_yaml(tiny_overrides("ppo"))
    out = tmp_path / "cli"
    r = _cli(
        "--env",
        "CartPole-v1",
        "--algo",
        "ppo",
        "--timesteps",
        "256",
        "--config",
        str(cfg),
        "--out",
        str(out),
        "--no-energy",
    )
    assert r.exit_code == 0, r.output
    assert "run written to" in r.output
    assert json.loads((out / "run.json").read_text())["config"]["n_steps"] == 64


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "CartPole-v1", "--algo", "sac"], "sac needs a continuous (Box) action space"),
        (["--env", "Pendulum-v1", "--algo", "dqn"], "dqn needs a Discrete action space"),
        (["--env", "CartPole-v1", "--algo", "maskable_ppo"], "needs an env with action_masks()"),
        (["--env", "CartPole-v1", "--algo", "a3c"], "unknown algorithm 'a3c'"),
        (["--env", "NoSuchEnv-v0", "--algo", "ppo"], "unknown env id 'NoSuchEnv-v0'"),
    ],
)
def test_bad_algo_env_combinations_exit_2_and_write_nothing(tmp_path: Path, args, message) -> None:
    out = tmp_path / "run"
    r = _cli(*args, "--out", str(out), "--timesteps", "64")
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert r.output.count("error:") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("learning_rate: [0.1\n", "not valid YAML (line 2"),
        ("- 1\n- 2\n", "holds a YAML mapping"),
        ("learning_rat: 0.001\n", "PPO has no hyper-parameter 'learning_rat'"),
        ("n_envs: 0\n", "n_envs must be an integer >= 1"),
        ("learning_rate: lin_fast\n", "is not a schedule like 'lin_0.001'"),
        ("policy_kwargs: {activation_fn: swish}\n", "activation_fn 'swish' unknown"),
    ],
)
def test_broken_config_files_exit_2_and_write_nothing(tmp_path: Path, write_yaml, content, message) -> None:
    cfg = write_yaml(content)
    out = tmp_path / "out"
    r = _cli(
        "--env", "CartPole-v1", "--algo", "ppo", "--config", str(cfg), "--out", str(out), "--timesteps", "64"
    )
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not out.exists()


def test_missing_config_and_existing_run_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="no such config file"):
        train(
            TrainConfig(
                env_id="CartPole-v1", algo="ppo", out=tmp_path / "a", config_file=tmp_path / "none.yaml"
            )
        )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("x")
    with pytest.raises(ConfigError, match="already exists and is not empty"):
        train(TrainConfig(env_id="CartPole-v1", algo="ppo", out=tmp_path / "b"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]

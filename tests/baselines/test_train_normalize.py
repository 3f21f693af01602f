"""`normalize` (VecNormalize) in `a2perf train`: statistics saved next to every model, applied by every loader."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from a2perf.baselines.datasets import _sampling
from a2perf.baselines.evaluation import evaluate_run
from a2perf.baselines.rundir import load_run
from a2perf.baselines.train import EVAL_SEED_OFFSET, TrainConfig, train
from a2perf.cli import app
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError
from a2perf.measure import load_policy, make_env, roll_out
from a2perf.policies import SB3Policy, load_sb3_policy, normalize_stats_file, trained_on_normalized_obs
from a2perf.results import load_result
from tests.baselines.conftest import tiny_overrides

runner = CliRunner()

STEPS = 2048
NORMALIZED = {
    **tiny_overrides("ppo", STEPS),
    "n_steps": 256,
    "batch_size": 64,
    "n_epochs": 4,
    "policy_kwargs": {"net_arch": [16]},
    "n_eval_episodes": 3,
    "normalize": {"norm_obs": True, "norm_reward": False},
}


@pytest.fixture(scope="module")
def normalized_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("norm") / "run"
    return train(
        TrainConfig(env_id="CartPole-v1", algo="ppo", out=out, seed=1, timesteps=STEPS, overrides=NORMALIZED)
    )


def _by_hand(obs: np.ndarray, stats_path: Path) -> np.ndarray:
    """VecNormalize's formula, applied to the pickled running statistics."""
    with stats_path.open("rb") as f:
        rms = pickle.load(f).obs_rms
    return np.clip((obs - rms.mean) / np.sqrt(rms.var + 1e-8), -10.0, 10.0)


def test_stats_are_saved_next_to_every_model(normalized_run: Path) -> None:
    info = load_run(normalized_run)
    assert info.config["normalize"] == {"norm_obs": True, "norm_reward": False}
    models = [normalized_run / "model.zip", *(normalized_run / c.path for c in info.checkpoints)]
    assert [c.steps for c in info.checkpoints] == [STEPS // 2, STEPS]
    for model in models:
        assert normalize_stats_file(model).is_file(), model
    assert normalize_stats_file(normalized_run / "checkpoints/step_000001024.zip") == (
        normalized_run / "checkpoints/step_000001024.vecnormalize.pkl"
    )
    # no temp files left behind
    assert not [p for p in normalized_run.rglob(".*") if p.is_file()]


def test_loaded_policy_sees_normalized_obs_and_matches_the_in_memory_model(normalized_run: Path) -> None:
    info = load_run(normalized_run)
    policy = load_sb3_policy(normalized_run / "model.zip", algo="ppo")
    assert trained_on_normalized_obs(policy.model)
    stats = normalized_run / "model.vecnormalize.pkl"
    # CartPole's velocity features have std far from 1 after 2k steps: normalization changes them
    obs = np.array([0.1, -0.5, 0.05, 0.8], dtype=np.float32)
    expected = _by_hand(obs, stats)
    assert not np.allclose(expected, obs, atol=0.05)
    np.testing.assert_allclose(policy.model_input(obs), expected, rtol=1e-5, atol=1e-6)
    # the final eval point was computed in training by the in-memory model and VecNormalize
    env = make_env("CartPole-v1")
    replay = roll_out(env, policy, episodes=3, seed=info.seed + EVAL_SEED_OFFSET).returns
    assert float(np.mean(replay)) == pytest.approx(info.learning_curve.returns[-1])
    # the same weights on raw observations act otherwise (the check above is not vacuous)
    raw = SB3Policy(policy.model, normalizer=_Identity())
    samples = roll_out(env, policy, episodes=3, seed=5, keep_observations=300).samples
    observations = [o for o, _ in samples]
    acts = [policy.act(o) for o in observations]
    assert acts != [raw.act(o) for o in observations]
    env.close()


class _Identity:
    def normalize_obs(self, obs):
        return obs


def test_evaluate_and_load_policy_apply_the_stats(normalized_run: Path, tmp_path: Path) -> None:
    result = load_result(evaluate_run(normalized_run, episodes=3, tasks=None, out=tmp_path / "r.json"))
    policy = load_policy(str(normalized_run / "model.zip"), make_env("CartPole-v1"), 1, "ppo")
    assert policy.normalizer is not None
    env = make_env("CartPole-v1")
    expected = roll_out(env, policy, episodes=3, seed=1).returns
    assert result.per_seed[0].episode_returns == pytest.approx(list(expected))


def test_stochastic_dataset_policy_feeds_the_model_normalized_obs(normalized_run: Path) -> None:
    policy = load_sb3_policy(normalized_run / "checkpoints/step_000001024.zip", algo="ppo")
    seen = []
    predict = policy.model.predict
    policy.model.predict = lambda o, **kw: (seen.append(o), predict(o, **kw))[1]
    obs = np.array([0.1, -0.5, 0.05, 0.8], dtype=np.float32)
    _sampling(policy).act(obs)
    np.testing.assert_allclose(
        seen[0], _by_hand(obs, normalized_run / "checkpoints/step_000001024.vecnormalize.pkl"), rtol=1e-5
    )


def test_missing_or_wrong_stats_are_one_line_errors(normalized_run: Path, tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(normalized_run, run)
    (run / "model.vecnormalize.pkl").unlink()
    with pytest.raises(
        DataNotFoundError, match=r"model\.vecnormalize\.pkl: missing observation statistics"
    ) as e:
        load_sb3_policy(run / "model.zip", algo="ppo")
    assert "\n" not in str(e.value)
    with pytest.raises(DataNotFoundError, match="missing observation statistics"):
        evaluate_run(run, episodes=1, tasks=None, out=tmp_path / "r.json")
    r = runner.invoke(app, ["evaluate", "--run", str(run), "--episodes", "1"])
    assert r.exit_code == 2 and "missing observation statistics" in r.output
    (run / "model.vecnormalize.pkl").write_bytes(b"not a pickle")
    with pytest.raises(SchemaError, match="not readable VecNormalize statistics"):
        load_sb3_policy(run / "model.zip", algo="ppo")
    # the weights alone refuse to act on raw observations
    model = load_sb3_policy(normalized_run / "model.zip", algo="ppo").model
    with pytest.raises(ConfigError, match="trained on normalized observations"):
        SB3Policy(model)


def test_run_without_normalize_writes_no_stats(tmp_path: Path) -> None:
    out = train(
        TrainConfig(
            env_id="CartPole-v1",
            algo="ppo",
            out=tmp_path / "plain",
            timesteps=256,
            overrides=tiny_overrides("ppo"),
            measure_energy=False,
        )
    )
    assert not list(out.rglob("*.vecnormalize.pkl"))
    policy = load_sb3_policy(out / "model.zip", algo="ppo")
    assert not trained_on_normalized_obs(policy.model) and policy.normalizer is None
    obs = np.array([0.1, -0.5, 0.05, 0.8], dtype=np.float32)
    assert policy.model_input(obs) is obs


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yes", "normalize must be true, false or a mapping"),
        ({"norm_obs": True, "bogus": 1}, "normalize .* is not usable here"),
    ],
)
def test_bad_normalize_values_are_refused_before_writing(tmp_path: Path, value, message: str) -> None:
    config = TrainConfig(
        env_id="CartPole-v1",
        algo="ppo",
        out=tmp_path / "run",
        timesteps=256,
        overrides={**tiny_overrides("ppo"), "normalize": value},
        measure_energy=False,
    )
    with pytest.raises(ConfigError, match=message):
        train(config)
    assert not list(tmp_path.iterdir())


def test_normalize_true_means_obs_and_reward_with_the_algorithm_gamma() -> None:
    from a2perf.baselines.config import normalize_kwargs

    assert normalize_kwargs({"normalize": True, "gamma": 0.95}, "x") == {"gamma": 0.95}
    assert normalize_kwargs({"normalize": {"norm_reward": False}}, "x") == {"norm_reward": False}
    assert normalize_kwargs({"normalize": {"gamma": 0.9}, "gamma": 0.95}, "x") == {"gamma": 0.9}
    assert normalize_kwargs({"normalize": False}, "x") is None
    assert normalize_kwargs({}, "x") is None

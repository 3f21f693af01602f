"""Skill-level binning, data cost, dataset ids, and the dataset -> BC -> evaluate pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from a2perf.baselines.datasets import (
    DatasetConfig,
    ScoredCheckpoint,
    _collect,
    _publish,
    bin_levels,
    build_datasets,
    data_cost,
    dataset_id_for,
    read_data_cost,
)
from a2perf.baselines.evaluation import evaluate_run
from a2perf.baselines.rundir import load_run
from a2perf.baselines.train import TrainConfig, train
from a2perf.cli import app
from a2perf.errors import ConfigError
from a2perf.measure import make_env, roll_out
from a2perf.policies import load_sb3_policy
from a2perf.results import load_result
from a2perf.results.schema import DataCost

runner = CliRunner()


def test_a2perf_binning_by_hand() -> None:
    # 11 scores: ten at 0 and one at 100 -> mu = 100/11 = 9.09, sigma = sqrt(100^2*10/11/10... ) computed below
    scores = np.array([0.0] * 10 + [100.0])
    mu, sigma = scores.mean(), scores.std(ddof=1)  # 9.0909, 30.151
    assert mu + 2 * sigma == pytest.approx(69.39, abs=0.01)
    bins = bin_levels(scores)
    assert bins["expert"].tolist() == [10]  # 100 >= 69.39
    assert bins["intermediate"].tolist() == list(range(10))  # 0 in [mu - sigma, mu + sigma] = [-21.06, 39.24]
    assert bins["novice"].tolist() == []  # nothing <= mu - 2 sigma = -51.2
    gaps = bin_levels(np.array([0.0, 1.0, 2.0, 3.0, 4.0]))  # mu 2, sigma 1.58: 0 and 4 fall in the gaps
    assert gaps["intermediate"].tolist() == [1, 2, 3] and gaps["novice"].size == gaps["expert"].size == 0


def test_tercile_binning() -> None:
    bins = bin_levels(np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0]), rule="tercile")
    assert {k: v.tolist() for k, v in bins.items()} == {
        "novice": [1, 5],
        "intermediate": [0, 3],
        "expert": [2, 4],
    }


def _ckpt(run: str, steps: int, energy: float, run_energy: float, max_steps: int) -> ScoredCheckpoint:
    return ScoredCheckpoint(
        Path(run), steps, Path(f"{run}/{steps}.zip"), "ppo", 0.0, energy, run_energy, max_steps
    )


def test_data_cost_both_definitions_by_hand() -> None:
    a1 = _ckpt("a", 100, 1.0, 4.0, 400)
    a3 = _ckpt("a", 300, 2.5, 4.0, 400)
    b2 = _ckpt("b", 200, 3.0, 6.0, 200)
    members = [a1, a3, b2]
    cost = data_cost(
        [a1, a3, a3, b2], members, generation_energy_kwh=0.5, env_steps=70, episodes=3, energy_mode="m"
    )
    # ours: run a pays up to its latest sampled checkpoint (2.5), run b 3.0, plus generation 0.5
    assert cost.energy_kwh == pytest.approx(2.5 + 3.0 + 0.5)
    # A2Perf: mean over the level of E_run * k / k_max = mean(4*100/400, 4*300/400, 6*200/200) = (1 + 3 + 6) / 3
    assert cost.a2perf_energy_kwh == pytest.approx(10 / 3)
    assert (cost.env_steps, cost.episodes) == (70, 3)
    assert cost.sources == ["a@100", "a@300", "b@200"]
    with pytest.raises(ConfigError, match="no energy measurement"):
        data_cost([_ckpt("c", 1, None, None, 1)], [], 0.0, 1, 1, "m")  # type: ignore[arg-type]


def test_dataset_ids() -> None:
    assert dataset_id_for("CartPole-v1", {}, "expert") == "Gymnasium-CartPole-expert-v0"
    with pytest.raises(ConfigError, match="unknown skill level 'guru'"):
        DatasetConfig(runs=[Path("x")], env_id="CartPole-v1", levels=["guru"])


@pytest.mark.expensive
def test_bc_on_expert_dataset_reaches_80_percent_of_the_expert(tmp_path: Path, monkeypatch) -> None:
    """PPO expert on CartPole -> expert-level Minari dataset -> BC -> >= 80% of the expert's return."""
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    run = train(
        TrainConfig(
            env_id="CartPole-v1",
            algo="ppo",
            out=tmp_path / "expert",
            seed=0,
            timesteps=16000,
            overrides={"eval_freq": 8000, "n_eval_episodes": 2, "checkpoint_freq": 4000},
            monitor_interval_s=0.2,
        )
    )
    built = build_datasets(
        DatasetConfig(
            runs=[run],
            env_id="CartPole-v1",
            levels=["expert"],
            episodes=12,
            eval_episodes=3,
            checkpoints_per_level=2,
            binning="tercile",
        )
    )
    (ds,) = built
    assert ds.dataset_id == "Gymnasium-CartPole-expert-v0" and ds.episodes == 12
    assert ds.data_cost.energy_kwh > 0 and ds.data_cost.env_steps == ds.env_steps > 0
    info = load_run(run)
    assert (
        ds.data_cost.energy_kwh <= info.system.energy_kwh + ds.data_cost.energy_kwh
    )  # sanity: run energy bounds it
    bc_run = train(
        TrainConfig(
            env_id="CartPole-v1",
            algo="bc",
            out=tmp_path / "bc",
            dataset=ds.dataset_id,
            overrides={"gradient_steps": 300},
            measure_energy=False,
        )
    )
    bc_info = load_run(bc_run)
    assert bc_info.sb3_class == "ppo" and bc_info.dataset == ds.dataset_id
    result = load_result(evaluate_run(bc_run, episodes=10, tasks=None, out=None))
    assert result.aggregates.data_cost == ds.data_cost
    env = make_env("CartPole-v1")
    expert_paths = sorted({s.split("@")[1] for s in ds.checkpoints})
    expert_returns = [
        np.mean(
            roll_out(
                env,
                load_sb3_policy(run / f"checkpoints/step_{int(s):09d}.zip", algo="ppo"),
                episodes=10,
                seed=0,
            ).returns
        )
        for s in expert_paths
    ]
    expert = float(np.mean(expert_returns))
    assert expert > 100, expert  # a real expert, far above random (~22)
    assert result.aggregates.returns.mean >= 0.8 * expert, (result.aggregates.returns.mean, expert)


def test_missing_dataset_and_bad_runs_exit_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    r = runner.invoke(
        app,
        [
            "train",
            "--env",
            "CartPole-v1",
            "--algo",
            "bc",
            "--dataset",
            "nope-v0",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert r.exit_code == 2 and "Minari dataset 'nope-v0' not found" in r.output
    r = runner.invoke(app, ["train", "--env", "CartPole-v1", "--algo", "bc", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "bc needs a dataset" in r.output
    r = runner.invoke(app, ["dataset", "build", "--runs", str(tmp_path / "none"), "--env", "CartPole-v1"])
    assert r.exit_code == 2 and "not a training run" in r.output
    assert not (tmp_path / "o").exists()


def test_cli_dataset_build_writes_datasets_with_data_cost(tmp_path: Path) -> None:
    from tests.baselines.conftest import tiny_overrides

    run = train(
        TrainConfig(
            env_id="CartPole-v1",
            algo="ppo",
            out=tmp_path / "run",
            timesteps=512,
            overrides={**tiny_overrides("ppo", 512), "checkpoint_freq": 128},
            monitor_interval_s=0.1,
        )
    )
    root = tmp_path / "minari"
    args = ["dataset", "build", "--env", "CartPole-v1", "--runs", str(run), "--levels", "novice,expert"]
    args += ["--binning", "tercile", "--episodes", "2", "--eval-episodes", "1", "--root", str(root)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    for level in ("novice", "expert"):
        folder = root / f"Gymnasium-CartPole-{level}-v0"
        cost = read_data_cost(folder)
        assert cost.episodes == 2 and cost.env_steps > 0 and cost.energy_kwh > 0
        assert f"Gymnasium-CartPole-{level}-v0: 2 episodes" in r.output
    r = runner.invoke(app, args)  # a second build refuses to overwrite
    assert r.exit_code == 2 and "already exists" in r.output


# ---------------------------------------------------------------------------------------------
# Recording through Minari's DataCollector


def _random(env):
    from a2perf.policies import RandomPolicy

    return RandomPolicy(env.action_space, seed=0)


def _zero_cost(episodes: int, steps: int, usage) -> DataCost:
    return DataCost(energy_kwh=0.0, env_steps=steps, episodes=episodes, sources=["test"], energy_mode="x")


def _collect_into(root: Path, env_id: str, dataset_id: str, policies, counts, env_kwargs=None, seed=0):
    config = DatasetConfig(
        runs=[], levels=[], env_id=env_id, env_kwargs=env_kwargs or {}, measure_energy=False, seed=seed
    )
    return _collect(config, dataset_id, policies, counts, "test dataset", cost_of=_zero_cost)


def test_collected_episodes_replay_exactly_with_their_seeds(tmp_path: Path, monkeypatch) -> None:
    """Every stored episode is whole: re-playing its actions from its seed gives its observations."""
    import minari

    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    path, episodes, steps, cost = _collect_into(
        root, "CartPole-v1", "T-cp-v0", [_random, _random], [2, 3], seed=7
    )
    assert path == root / "T-cp-v0" and episodes == 5 and steps == cost.env_steps
    assert os.environ["MINARI_DATASETS_PATH"] == str(root)  # restored after the staging
    assert sorted(p.name for p in root.iterdir()) == ["T-cp-v0"]  # no staging or collector cache left
    assert read_data_cost(path) == cost and (cost.episodes, cost.sources) == (5, ["test"])
    ds = minari.load_dataset("T-cp-v0")
    assert (ds.total_episodes, ds.total_steps) == (5, steps)
    seeds = [m["seed"] for m in ds.storage.get_episode_metadata(range(5))]
    assert seeds == [7, 8, 9, 10, 11]
    env = make_env("CartPole-v1")
    lengths = []
    for seed, ep in zip(seeds, ds.iterate_episodes(), strict=True):
        obs, _ = env.reset(seed=seed)
        np.testing.assert_array_equal(ep.observations[0], obs)
        for t, action in enumerate(ep.actions):
            obs, reward, terminated, truncated, _ = env.step(int(action))
            np.testing.assert_array_equal(ep.observations[t + 1], obs)
            assert (ep.rewards[t], ep.terminations[t], ep.truncations[t]) == (reward, terminated, truncated)
        assert terminated and not ep.terminations[:-1].any() and not ep.truncations.any()
        lengths.append(len(ep.actions))
    assert sum(lengths) == steps
    # the env spec (and the same spec for evaluation) is recorded, so the env can be remade
    assert ds.env_spec.id == "CartPole-v1" and ds.env_spec.max_episode_steps == 500
    assert ds.storage.metadata["eval_env_spec"] == ds.env_spec.to_json()
    assert "requirements" not in ds.storage.metadata  # plain gymnasium env: nothing extra to install


def test_dataset_size_is_the_size_on_disk(tmp_path: Path, monkeypatch) -> None:
    """The collector's cache skips Minari's per-episode size scan; the dataset still records its size."""
    import minari

    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))

    class Balance:
        def __init__(self, env) -> None:
            pass

        def act(self, observation, mask=None):
            return int(observation[2] + 0.5 * observation[3] > 0)  # keeps the pole up for 500 steps

    path, _, steps, _ = _collect_into(root, "CartPole-v1", "T-size-v0", [Balance], [60])
    assert steps == 60 * 500
    # Minari's definition: st_size of every entry under data/ (folders included), in MB, one decimal
    size_mb = sum(f.stat().st_size for f in (path / "data").rglob("*")) / 1e6
    assert size_mb > 0.5
    recorded = minari.load_dataset("T-size-v0").storage.metadata["dataset_size"]
    assert recorded == pytest.approx(size_mb, abs=0.1)


def test_time_limit_episodes_are_stored_as_truncated(tmp_path: Path, monkeypatch) -> None:
    import minari

    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    # random CartPole never falls within 4 steps (the pole needs > 8 steps to pass 12 degrees)
    _, episodes, steps, _ = _collect_into(
        root, "CartPole-v1", "T-trunc-v0", [_random], [3], env_kwargs={"max_episode_steps": 4}
    )
    assert (episodes, steps) == (3, 12)
    ds = minari.load_dataset("T-trunc-v0")
    for ep in ds.iterate_episodes():
        assert ep.truncations.tolist() == [False, False, False, True]
        assert not ep.terminations.any()
    assert ds.env_spec.max_episode_steps == 4


def test_chip_dataset_keeps_dict_observations_masks_and_the_a2perf_spec(tmp_path: Path, monkeypatch) -> None:
    """Dict observations and masked actions go through the collector; BC trains on the result."""
    import minari

    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    env_id = "CircuitTraining-ToyMacro-v0"
    _, episodes, steps, _ = _collect_into(root, env_id, "CircuitTraining-t-novice-v0", [_random], [3])
    ds = minari.load_dataset("CircuitTraining-t-novice-v0")
    assert (ds.total_episodes, ds.total_steps) == (episodes, steps) == (3, 6)  # toy: 2 macros per episode
    assert ds.env_spec.id == env_id and ds.env_spec.kwargs == {"preset": "toy"}
    assert ds.env_spec.entry_point == "a2perf.envs.chip.env:CircuitEnv"
    assert ds.storage.metadata["requirements"] == ["a2perf"]
    for ep in ds.iterate_episodes():
        assert ep.observations["mask"].shape == (3, 200) and ep.observations["locations_x"].shape == (3, 14)
        assert all(ep.observations["mask"][t][a] == 1 for t, a in enumerate(ep.actions))  # legal moves only
    remade = ds.recover_environment(eval_env=True)
    assert remade.spec.id == env_id and remade.action_space.n == 200
    remade.close()
    bc_run = train(
        TrainConfig(
            env_id=env_id,
            algo="bc",
            out=tmp_path / "bc",
            dataset="CircuitTraining-t-novice-v0",
            overrides={"gradient_steps": 5},
            measure_energy=False,
        )
    )
    assert load_run(bc_run).dataset == "CircuitTraining-t-novice-v0"


def test_an_error_mid_episode_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    import minari

    root = tmp_path / "minari"
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))

    class Crashing:
        def __init__(self, env) -> None:
            self.calls = 0

        def act(self, observation, mask=None):
            self.calls += 1
            if self.calls == 30:  # inside the second or a later episode, never at its start
                raise RuntimeError("policy crashed")
            return 0 if observation[2] < 0 else 1  # balance: episodes last more than 30 steps

    with pytest.raises(RuntimeError, match="policy crashed"):
        _collect_into(root, "CartPole-v1", "T-crash-v0", [_random, Crashing], [1, 2])
    assert list(root.iterdir()) == [] and minari.list_local_datasets() == {}
    assert os.environ["MINARI_DATASETS_PATH"] == str(root)


def test_publish_refuses_to_replace_a_dataset(tmp_path: Path) -> None:
    staged, target = tmp_path / "stage" / "D-v0", tmp_path / "D-v0"
    (staged / "data").mkdir(parents=True)
    (target / "data").mkdir(parents=True)
    with pytest.raises(ConfigError, match="D-v0 already exists"):
        _publish(staged, target)
    assert (staged / "data").is_dir()

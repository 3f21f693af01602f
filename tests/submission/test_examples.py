"""The example submissions in examples/submissions: all valid; the CartPole ones run end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import gymnasium as gym
import pytest

from a2perf.errors import DataNotFoundError
from a2perf.results import load_result
from a2perf.results.schema import DataCost
from a2perf.submission.evaluate import EvaluationConfig, evaluate_submission
from a2perf.submission.validate import validate_submission

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "submissions"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
FAST = EvaluationConfig(seeds=[0], latency_calls=50, latency_warmup=5, timeout_s=120, measure_energy=False)


def test_every_domain_has_ppo_and_bc():
    assert [f"{d}-{a}" for d in ("cartpole", "chip", "quadruped", "web") for a in ("bc", "ppo")] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_example_is_valid(name):
    report = validate_submission(EXAMPLES / name)
    assert report.problems == []
    assert report.meta.name == name


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


def test_cartpole_bc_clones_the_expert(tmp_path):
    sub = _copy("cartpole-bc", tmp_path)
    out = evaluate_submission(
        sub,
        "CartPole-v1",
        phases=["train", "inference"],
        episodes=3,
        tasks=None,
        out=tmp_path / "r.json",
        config=FAST,
    )
    result = load_result(out)
    assert result.status == "ok", result.failure_reason
    # the expert balances for the whole 500-step episode and the clone matches it
    assert result.aggregates.returns.mean == 500.0
    # 10 demonstration episodes of 500 steps, counted by the harness
    assert result.per_seed[0].env_steps_trained == 5000
    assert result.aggregates.data_cost is None


def _tiny_minari_dataset(dataset_id: str, cost: DataCost) -> None:
    """Two random CartPole episodes in the arrow layout that `a2perf dataset build` writes."""
    import minari
    import numpy as np
    from minari.data_collector.episode_buffer import EpisodeBuffer

    env = gym.make("CartPole-v1")
    buffers = []
    for episode in range(2):
        obs, _ = env.reset(seed=episode)
        observations, actions, rewards, terms, truncs = [obs], [], [], [], []
        done = False
        while not done:
            action = int(env.action_space.sample())
            obs, reward, terminated, truncated, _ = env.step(action)
            observations.append(obs)
            actions.append(action)
            rewards.append(float(reward))
            terms.append(bool(terminated))
            truncs.append(bool(truncated))
            done = terminated or truncated
        buffers.append(
            EpisodeBuffer(
                id=episode,
                seed=episode,
                observations=np.stack(observations),
                actions=np.asarray(actions),
                rewards=rewards,
                terminations=terms,
                truncations=truncs,
                infos={},
            )
        )
    dataset = minari.create_dataset_from_buffers(
        dataset_id,
        buffers,
        env=env,
        algorithm_name="random",
        author="test",
        description="test",
        data_format="arrow",
    )
    env.close()
    (Path(dataset.spec.data_path).parent / "a2perf_data_cost.json").write_text(cost.model_dump_json())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_declared_dataset_data_cost_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    cost = DataCost(energy_kwh=0.25, env_steps=1234, episodes=7, sources=["run-a"], energy_mode="test")
    _tiny_minari_dataset("Gymnasium-CartPole-test-v0", cost)
    sub = _copy("cartpole-bc", tmp_path)
    meta = (sub / "submission.yaml").read_text() + "datasets: [Gymnasium-CartPole-test-v0]\n"
    (sub / "submission.yaml").write_text(meta.replace("demo_episodes: 10", "demo_episodes: 1"))
    out = evaluate_submission(
        sub, "CartPole-v1", phases=["inference"], episodes=1, tasks=None, out=tmp_path / "r.json", config=FAST
    )
    # inference without training fails (no weights), but the check ran first and the cost is read
    result = load_result(out)
    assert result.status == "failed" and "run the train phase first" in result.failure_reason
    out = evaluate_submission(
        sub, "CartPole-v1", phases=["train", "inference"], episodes=1, tasks=None, out=out, config=FAST
    )
    assert load_result(out).aggregates.data_cost == cost

    (sub / "submission.yaml").write_text(meta.replace("CartPole-test", "CartPole-missing"))
    with pytest.raises(DataNotFoundError, match="not in the local Minari store"):
        evaluate_submission(
            sub, "CartPole-v1", phases=["inference"], episodes=1, tasks=None, out=out, config=FAST
        )


@pytest.mark.parametrize(
    ("name", "domain"), [("cartpole-ppo", "other"), *((f"{d}-ppo", d) for d in ("chip", "quadruped", "web"))]
)
def test_ppo_examples_are_exactly_the_scaffold(name, domain, tmp_path, monkeypatch):
    """The PPO examples are `a2perf submission init` output: the templates are their one source."""
    from a2perf.submission.scaffold import init_submission

    monkeypatch.chdir(tmp_path)
    files = init_submission(Path("examples/submissions") / name, domain)
    assert sorted(f.name for f in files) == sorted(p.name for p in (EXAMPLES / name).iterdir())
    for f in files:
        assert f.read_bytes() == (EXAMPLES / name / f.name).read_bytes(), f.name

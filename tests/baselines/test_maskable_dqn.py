"""MaskableDQN: exploration, greedy action and TD target over valid actions; wiring into `a2perf train`."""

from __future__ import annotations

import functools
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import scipy.stats
import torch as th
from hypothesis import given, settings
from hypothesis import strategies as st
from stable_baselines3 import DQN
from stable_baselines3.common.type_aliases import DictReplayBufferSamples
from stable_baselines3.common.vec_env import DummyVecEnv

from a2perf.baselines.evaluation import evaluate_run
from a2perf.baselines.maskable_dqn import MaskableDQN, saved_by_maskable_dqn
from a2perf.baselines.rundir import load_run
from a2perf.baselines.train import TrainConfig, train
from a2perf.errors import ConfigError
from a2perf.measure import make_env, roll_out
from a2perf.policies import action_mask, load_sb3_policy
from a2perf.results import load_result
from tests.baselines.conftest import assert_welch_greater, random_policy_means, tiny_overrides

N = 10
N_ENVS = 3
CHIP = "CircuitTraining-ToyMacro-v0"


class SettableMaskEnv(gym.Env):
    """``Discrete(N)`` with a mask set from outside; the observation carries the mask (key ``mask``)."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Dict(
            {"x": gym.spaces.Box(0.0, 1.0, (2,), np.float32), "mask": gym.spaces.Box(0, 1, (N,), np.int8)}
        )
        self.action_space = gym.spaces.Discrete(N)
        self.mask = np.ones(N, dtype=bool)

    def _obs(self) -> dict:
        return {"x": np.zeros(2, np.float32), "mask": self.mask.astype(np.int8)}

    def action_masks(self) -> np.ndarray:
        return self.mask.copy()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._obs(), {}

    def step(self, action):
        return self._obs(), 0.0, False, False, {}


def _model(n_envs: int = N_ENVS, **kwargs) -> MaskableDQN:
    venv = DummyVecEnv([SettableMaskEnv for _ in range(n_envs)])
    return MaskableDQN(
        "MultiInputPolicy", venv, policy_kwargs={"net_arch": [8]}, seed=0, device="cpu", **kwargs
    )


@functools.cache
def _shared_model() -> MaskableDQN:
    """One model for the many examples of the property tests (each test sets masks and epsilon)."""
    return _model(learning_starts=0)


def _set_q(q_net: th.nn.Module, q: np.ndarray) -> None:
    """Make the Q-network output ``q`` for every observation (zero weights, bias ``q`` in the last layer)."""
    layers = [m for m in q_net.modules() if isinstance(m, th.nn.Linear)]
    with th.no_grad():
        for layer in layers:
            layer.weight.zero_()
            layer.bias.zero_()
        layers[-1].bias.copy_(th.as_tensor(q, dtype=th.float32))


def _set_masks(model: MaskableDQN, masks: np.ndarray) -> None:
    for env, mask in zip(model.env.envs, masks, strict=True):
        env.unwrapped.mask = mask.copy()
    model._last_obs = model.env.reset()


masks_strategy = st.lists(
    st.lists(st.booleans(), min_size=N, max_size=N).filter(any), min_size=N_ENVS, max_size=N_ENVS
).map(lambda rows: np.array(rows, dtype=bool))


@settings(max_examples=60, deadline=None)
@given(masks=masks_strategy, eps=st.sampled_from([0.0, 1.0]), warm_up=st.booleans())
def test_exploration_and_greedy_actions_are_valid_for_any_masks(
    masks: np.ndarray, eps: float, warm_up: bool
) -> None:
    model = _shared_model()
    _set_masks(model, masks)
    model.exploration_rate = eps
    model.num_timesteps = 0
    for _ in range(5):
        actions, buffer_actions = model._sample_action(learning_starts=10**9 if warm_up else 0, n_envs=N_ENVS)
        assert actions.shape == (N_ENVS,)
        assert masks[np.arange(N_ENVS), actions].all(), (masks, actions)
        np.testing.assert_array_equal(actions, buffer_actions)


def test_exploration_is_uniform_over_the_valid_actions() -> None:
    """Warm-up and epsilon draws: 3 valid actions of 10 each get ~1/3 of 3000 draws (chi-square)."""
    model = _shared_model()
    masks = np.zeros((N_ENVS, N), dtype=bool)
    masks[:, [1, 4, 9]] = True
    _set_masks(model, masks)
    model.exploration_rate = 1.0
    for learning_starts in (10**9, 0):
        draws = np.concatenate([model._sample_action(learning_starts, n_envs=N_ENVS)[0] for _ in range(1000)])
        counts = np.bincount(draws, minlength=N)
        assert counts.sum() == counts[[1, 4, 9]].sum() == 3000
        assert scipy.stats.chisquare(counts[[1, 4, 9]]).pvalue > 1e-3, counts


def test_stock_dqn_explores_invalid_actions() -> None:
    """The problem MaskableDQN solves: with 1 valid action of 10, stock DQN's warm-up picks it ~10% of the time."""
    venv = DummyVecEnv([SettableMaskEnv])
    venv.envs[0].unwrapped.mask = np.eye(N, dtype=bool)[3]
    model = DQN("MultiInputPolicy", venv, policy_kwargs={"net_arch": [8]}, seed=0, device="cpu")
    draws = np.concatenate([model._sample_action(10**9, n_envs=1)[0] for _ in range(500)])
    assert 20 < np.sum(draws == 3) < 90


def test_greedy_action_is_the_best_valid_action() -> None:
    model = _model(n_envs=1)
    q = np.array([9.0, 1.0, 5.0, 7.0, 0.0, 2.0, 3.0, 8.0, 4.0, 6.0])
    _set_q(model.q_net, q)
    obs = {"x": np.zeros(2, np.float32), "mask": np.ones(N, np.int8)}
    assert model.predict(obs, deterministic=True)[0] == 0  # unmasked best
    mask = np.ones(N, bool)
    mask[[0, 7]] = False
    assert model.predict(obs, deterministic=True, action_masks=mask)[0] == 3
    # without action_masks the observation's mask is used
    assert model.predict({**obs, "mask": mask.astype(np.int8)}, deterministic=True)[0] == 3
    # a batch of observations with one mask each
    batch = {"x": np.zeros((2, 2), np.float32), "mask": np.ones((2, N), np.int8)}
    masks = np.stack([mask, np.eye(N, dtype=bool)[4]])
    np.testing.assert_array_equal(model.predict(batch, deterministic=True, action_masks=masks)[0], [3, 4])
    with pytest.raises(ConfigError, match="no valid action"):
        model.predict(obs, deterministic=True, action_masks=np.zeros(N, bool))
    with pytest.raises(ConfigError, match="expected 10"):
        model.predict(obs, deterministic=True, action_masks=np.ones(N + 2, bool))


def test_td_target_maximises_over_valid_next_actions() -> None:
    model = _model(n_envs=1, gamma=0.5)
    q = np.array([100.0, 2.0, 3.0, 50.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    _set_q(model.q_net_target, q)
    next_masks = np.zeros((3, N), np.int8)
    next_masks[0, [1, 2]] = 1  # best valid: 3
    next_masks[1, [0, 1]] = 1  # best valid: 100 (terminal: ignored)
    # row 2: no valid action (chip's terminal state) -> 0, not NaN
    samples = DictReplayBufferSamples(
        observations={"x": th.zeros(3, 2), "mask": th.ones(3, N)},
        actions=th.zeros(3, 1, dtype=th.long),
        next_observations={"x": th.zeros(3, 2), "mask": th.as_tensor(next_masks)},
        dones=th.tensor([[0.0], [1.0], [1.0]]),
        rewards=th.tensor([[1.0], [2.0], [-1.0]]),
    )
    target = model.td_target(samples)
    np.testing.assert_allclose(target.numpy().ravel(), [1.0 + 0.5 * 3.0, 2.0, -1.0])


def test_web_style_grid_mask_maps_field_element_to_flat_actions() -> None:
    """``mask_key`` of shape (F, E) covers actions f * E + e; actions >= F * E are invalid."""
    space = gym.spaces.Dict({"grid": gym.spaces.Box(0.0, 1.0, (2, 3), np.float32)})

    class GridEnv(SettableMaskEnv):
        def __init__(self) -> None:
            super().__init__()
            self.observation_space = space
            self.action_space = gym.spaces.Discrete(12)

    model = MaskableDQN("MultiInputPolicy", DummyVecEnv([GridEnv]), mask_key="grid", device="cpu")
    grid = th.tensor([[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])
    np.testing.assert_array_equal(model.observation_masks({"grid": grid}).numpy()[0].nonzero()[0], [1, 5])


def test_missing_mask_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="observation key 'legal' but the observation keys are mask, x"):
        _model(n_envs=1, mask_key="legal")


def test_a2perf_train_and_evaluate_round_trip_on_chip_toy(tmp_path: Path) -> None:
    run = train(
        TrainConfig(
            env_id=CHIP,
            algo="dqn",
            out=tmp_path / "run",
            seed=1,
            timesteps=128,
            overrides=tiny_overrides("dqn", 128),
            monitor=False,
        )
    )
    info = load_run(run)
    assert (info.algo, info.sb3_class, info.config["mask_key"]) == ("dqn", "maskable_dqn", "mask")
    assert saved_by_maskable_dqn(run / "model.zip")
    policy = load_sb3_policy(run / "model.zip")  # class detected from the file
    assert type(policy.model) is MaskableDQN and policy.name == "maskable_dqn"
    assert policy.model.num_timesteps == 128
    env = make_env(CHIP)
    obs, _ = env.reset(seed=0)
    done = False
    while not done:
        mask = action_mask(env)
        action = policy.act(obs, mask)
        assert mask[action]
        obs, _, done, _, info_step = env.step(action)
        assert not info_step["illegal_action"]
    env.close()
    result = load_result(evaluate_run(run, episodes=2, tasks=[CHIP], out=None))
    assert (result.name, result.algorithm) == ("dqn", "maskable_dqn")
    assert all(np.isfinite(result.per_seed[0].episode_returns))
    assert max(result.per_seed[0].episode_returns) < -0.5  # placed both macros (illegal moves give -1)


def test_dqn_without_masks_stays_stock_dqn(tmp_path: Path) -> None:
    run = train(
        TrainConfig(
            env_id="CartPole-v1",
            algo="dqn",
            out=tmp_path / "run",
            timesteps=64,
            overrides=tiny_overrides("dqn", 64),
            monitor=False,
        )
    )
    assert load_run(run).sb3_class == "dqn"
    assert not saved_by_maskable_dqn(run / "model.zip")
    policy = load_sb3_policy(run / "model.zip")
    assert type(policy.model) is DQN and policy.name == "dqn"
    with pytest.raises(ConfigError, match="not a MaskableDQN model"):
        MaskableDQN.load(run / "model.zip")


CHIP_CI = {
    "learning_rate": 0.001,
    "learning_starts": 200,
    "batch_size": 64,
    "train_freq": 1,
    "target_update_interval": 100,
    "eval_freq": 2000,
    "n_eval_episodes": 1,
    "checkpoint_freq": 2000,
}
"""CI-sized chip DQN (2 macros per episode): one update per step, frequent target updates."""


def test_maskable_dqn_learns_chip_toy_better_than_random_over_seeds(tmp_path: Path) -> None:
    """Three seeds x 2k steps of MaskableDQN on the chip toy floorplan vs the random valid-action policy
    (Welch, p < 0.05); the random returns span -1.15 to -1.04 (median -1.08)."""
    env = make_env(CHIP)
    try:
        trained = []
        for seed in range(3):
            run = train(
                TrainConfig(
                    env_id=CHIP,
                    algo="dqn",
                    out=tmp_path / f"s{seed}",
                    seed=seed,
                    timesteps=2000,
                    overrides=CHIP_CI,
                    monitor=False,
                )
            )
            policy = load_sb3_policy(run / "model.zip", algo="maskable_dqn")
            trained.append(np.mean(roll_out(env, policy, episodes=5, seed=seed).returns))
        random_means = random_policy_means(env, episodes=10)
    finally:
        env.close()
    assert_welch_greater(trained, random_means)
    assert min(trained) > np.mean(random_means)


def test_normalizing_the_mask_observation_is_a_config_error(tmp_path: Path) -> None:
    config = TrainConfig(
        env_id=CHIP,
        algo="dqn",
        out=tmp_path / "run",
        timesteps=64,
        overrides={**tiny_overrides("dqn", 64), "normalize": True},
        monitor=False,
    )
    with pytest.raises(ConfigError, match="rescale the action-mask observation 'mask'"):
        train(config)
    assert not (tmp_path / "run").exists()

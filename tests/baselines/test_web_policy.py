"""Web pointer policies: pair scores, the cropped distribution, SB3 algorithms, saving and BC."""

from __future__ import annotations

import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from a2perf.baselines.web_policy import (
    NEG,
    MaskableWebPointerPolicy,
    PointerDistribution,
    WebItemExtractor,
    WebPointerDQNPolicy,
    WebPointerPolicy,
    policy_class,
)
from a2perf.errors import ConfigError
from a2perf.measure import make_env
from a2perf.policies import action_mask, load_sb3_policy

F_, E_, T_ = 3, 6, 2  # fields, elements, tokens of the small test space
SPACE = gym.spaces.Dict(
    {
        "profile_key": gym.spaces.Box(0, 20, (F_, T_), np.int32),
        "profile_value": gym.spaces.Box(0, 20, (F_, T_), np.int32),
        "dom_elements": gym.spaces.Box(0, 20, (E_, 5, T_), np.int32),
        "dom_features": gym.spaces.Box(0.0, 1.0, (E_, 8), np.float32),
        "dom_profile_joint_mask": gym.spaces.Box(0.0, 1.0, (F_, E_), np.float32),
        "time_step": gym.spaces.Box(0.0, 1.0, (1,), np.float32),
    }
)
WEB = "WebNavigation-DifficultyLevel-01-v0"
MODEL = {"backend": "model"}  # the browser-free site model: same rules, fast


def _obs(n_fields: int, n_elements: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """One observation (batch 1) with ``n_fields`` x ``n_elements`` valid pairs and random tokens."""
    rng = np.random.default_rng(seed)
    obs = {k: np.zeros(s.shape, np.float32) for k, s in SPACE.spaces.items()}
    obs["profile_key"][:n_fields] = rng.integers(1, 21, (n_fields, T_))
    obs["profile_value"][:n_fields] = rng.integers(1, 21, (n_fields, T_))
    obs["dom_elements"][:n_elements] = rng.integers(1, 21, (n_elements, 5, T_))
    obs["dom_features"][:n_elements] = rng.random((n_elements, 8))
    obs["dom_profile_joint_mask"][:n_fields, :n_elements] = 1.0
    obs["time_step"][0] = 0.2
    return {k: torch.as_tensor(v)[None] for k, v in obs.items()}


def _cat(*batches: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: torch.cat([b[k] for b in batches]) for k in batches[0]}


def _policy(cls=WebPointerPolicy, n_actions: int = 20):
    torch.manual_seed(0)
    return cls(SPACE, gym.spaces.Discrete(n_actions), lambda _: 1e-3, embedding_dim=4, hidden_dim=8)


def test_scores_cover_only_the_valid_pairs_and_ignore_other_batch_rows() -> None:
    policy = _policy()
    small, big = _obs(2, 3, seed=1), _obs(3, 5, seed=2)
    with torch.no_grad():
        alone = policy.mlp_extractor.forward_actor(policy.extract_features(small))
        both = policy.mlp_extractor.forward_actor(policy.extract_features(_cat(small, big)))
    assert alone.shape == (1, 2, 3) and both.shape == (2, 3, 5)  # cropped to the batch's last valid pair
    assert torch.allclose(both[0, :2, :3], alone[0], atol=1e-5)  # the bigger row changes nothing
    assert (both[0, 2:] == NEG).all() and (both[0, :, 3:] == NEG).all()
    assert (both[1] > NEG / 2).all()
    full = policy.mlp_extractor.full_scores(both)
    assert full.shape == (2, 20)  # index f * E + e, E = 6
    assert full[0, 1 * E_ + 2] == both[0, 1, 2] and full[0, 1 * E_ + 3] == NEG and (full[:, 18:] == NEG).all()


def test_distribution_by_hand() -> None:
    dist = PointerDistribution(n_fields=3, n_elements=6, n_actions=20)
    # one row, 2 x 2 pairs; pair (1, 1) invalid
    scores = torch.tensor([[[0.0, math.log(3.0)], [math.log(4.0), NEG]]])
    dist.proba_distribution(scores)
    assert torch.allclose(dist.distribution.probs, torch.tensor([[0.125, 0.375, 0.5, 0.0]]))
    actions = torch.tensor([0, 1, 6, 7, 2, 12])  # (0,0) (0,1) (1,0) (1,1) (0,2) (2,0)
    lp = dist.log_prob(actions)
    assert torch.allclose(lp[:3], torch.log(torch.tensor([0.125, 0.375, 0.5])))
    assert lp[3] < -1e6 and lp[4] == NEG and lp[5] == NEG  # masked pair, outside the grid
    assert int(dist.mode()) == 6  # (1, 0) -> 1 * 6 + 0
    p = torch.tensor([0.125, 0.375, 0.5])
    assert float(dist.entropy()) == pytest.approx(float(-(p * p.log()).sum()), abs=1e-6)
    mask = np.zeros((1, 20), bool)
    mask[0, [0, 1]] = True  # only field 0
    dist.apply_masking(mask)
    assert torch.allclose(dist.distribution.probs, torch.tensor([[0.25, 0.75, 0.0, 0.0]]))
    assert set(dist.sample().tolist()) <= {0, 1}
    dist.apply_masking(None)
    assert int(dist.mode()) == 6


def test_policy_names_and_bad_inputs() -> None:
    assert policy_class("WebPointerPolicy", "ppo") is WebPointerPolicy
    assert policy_class("WebPointerPolicy", "maskable_ppo") is MaskableWebPointerPolicy
    assert policy_class("WebPointerPolicy", "dqn") is WebPointerDQNPolicy
    assert policy_class("MultiInputPolicy", "ppo") == "MultiInputPolicy"
    with pytest.raises(ConfigError, match="no sac variant"):
        policy_class("WebPointerPolicy", "sac")
    with pytest.raises(ConfigError, match="needs a Dict observation with keys"):
        WebItemExtractor(gym.spaces.Dict({"x": gym.spaces.Box(0, 1, (3,))}))
    with pytest.raises(ConfigError, match="remove features_extractor_class"):
        WebPointerPolicy(
            SPACE, gym.spaces.Discrete(20), lambda _: 1e-3, features_extractor_class=torch.nn.Identity
        )
    with pytest.raises(ConfigError, match="needs >= 18 actions"):
        _policy(n_actions=10)


def test_distribution_is_over_the_page_not_the_whole_action_space() -> None:
    """On the real env the softmax has fields x elements entries (28 on level 1), not 12,500."""
    from sb3_contrib import MaskablePPO

    env = make_env(WEB, MODEL)
    model = MaskablePPO(MaskableWebPointerPolicy, env, n_steps=32, batch_size=16, seed=0, device="cpu")
    obs, _ = env.reset(seed=0)
    site = env.unwrapped.site
    n_pairs = len(site.profile_keys) * int(obs["dom_elements_mask"].sum())
    tensor, _ = model.policy.obs_to_tensor(obs)
    dist = model.policy.get_distribution(tensor, action_masks=action_mask(env)[None])
    assert dist.distribution.logits.shape == (1, n_pairs)
    assert n_pairs == int(action_mask(env).sum())
    env.close()


@pytest.mark.parametrize("algo", ["ppo", "maskable_ppo", "dqn"])
def test_a2perf_train_with_the_pointer_policy_saves_and_loads(algo: str, tmp_path: Path) -> None:
    from a2perf.baselines.train import TrainConfig, train

    small = {"ppo": {"n_steps": 32, "batch_size": 16, "n_epochs": 1}, "dqn": {"learning_starts": 16}}
    small["maskable_ppo"] = small["ppo"]
    run = train(
        TrainConfig(
            env_id=WEB,
            algo=algo,
            out=tmp_path / algo,
            timesteps=64,
            env_kwargs=MODEL,
            overrides={**small[algo], "eval_freq": 64, "n_eval_episodes": 1, "checkpoint_freq": 64},
            monitor=False,
        )
    )
    env = make_env(WEB, MODEL)
    policy = load_sb3_policy(run / "model.zip", algo=algo)
    assert type(policy.model.policy).__name__ == policy_class("WebPointerPolicy", algo).__name__
    obs, _ = env.reset(seed=3)
    mask = action_mask(env)
    for _ in range(3):  # greedy actions are valid pairs, with or without the env's mask
        action = policy.act(obs, mask)
        assert mask[action]
        obs, *_ = env.step(action)
        mask = action_mask(env)
    env.close()


def test_bc_clones_the_oracle_into_the_pointer_policy(tmp_path: Path) -> None:
    """BC (maskable PPO actor) on 20 oracle episodes reaches the oracle's return on level 1."""
    from a2perf.baselines import bc
    from a2perf.baselines.train import TrainConfig, plan
    from a2perf.envs.web.oracle import OraclePolicy
    from a2perf.measure import roll_out

    env = make_env(WEB, MODEL)
    observations, actions = [], []
    env.reset(seed=0)
    for _ in range(20):
        obs, _ = env.reset()
        done = False
        while not done:
            action = env.unwrapped.oracle_action()
            observations.append(obs)
            actions.append(action)
            obs, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
    data = bc.BCData(
        "web-oracle",
        tmp_path,
        {k: np.stack([o[k] for o in observations]) for k in observations[0]},
        np.array(actions),
        20,
    )
    p = plan(
        TrainConfig(
            env_id=WEB,
            algo="bc",
            out=tmp_path / "bc",
            env_kwargs=MODEL,
            overrides={"gradient_steps": 150, "batch_size": 32, "n_eval_episodes": 2},
        )
    )
    staging = tmp_path / "staging"
    outcome = bc.train_bc(p, data, staging)
    assert outcome["sb3_class"] == "maskable_ppo"
    policy = load_sb3_policy(staging / "model.zip", algo="maskable_ppo")

    class Oracle:
        name = "oracle"

        def act(self, obs, mask=None):
            return OraclePolicy(env)(obs)

    oracle = np.mean(roll_out(env, Oracle(), episodes=5, seed=7).returns)
    cloned = np.mean(roll_out(env, policy, episodes=5, seed=7).returns)
    env.close()
    assert oracle > 1.5 and cloned >= 0.8 * oracle, (cloned, oracle)

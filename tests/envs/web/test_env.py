"""Env tests on the pure-model backend (fast); the browser backend is covered in test_browser_env.py."""

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import a2perf  # noqa: F401  (registers the ids)
from a2perf.envs.web import generalization_tasks
from a2perf.envs.web.env import WebNavigationEnv
from a2perf.envs.web.oracle import OraclePolicy
from a2perf.envs.web.registration import ENVS
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError

IDS = ["WebNavigation-v0", *[f"WebNavigation-DifficultyLevel-0{i}-v0" for i in (1, 2, 3)]]


def _model_env(**kw):
    kw.setdefault("backend", "model")
    return WebNavigationEnv(**kw)


def _random_episode(env, seed, action_seed):
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed)
    trace = [obs]
    done = False
    while not done:
        a = int(rng.choice(np.flatnonzero(env.action_masks())))
        obs, r, te, tr, info = env.step(a)
        trace += [a, obs, r, te, tr, info["success"]]
        done = te or tr
    return trace


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, dict):
            assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)
        else:
            assert x == y


def test_ids_are_registered():
    assert [e.id for e in ENVS] == IDS
    for env_id in IDS:
        assert env_id in gym.registry


def test_generalization_tasks():
    tasks = generalization_tasks()
    assert len(tasks) == 9
    assert tasks[0] == {
        "name": "difficulty_level_1_num_websites_1",
        "env_id": "WebNavigation-DifficultyLevel-01-v0",
        "kwargs": {"num_websites": 1},
    }
    assert {t["kwargs"]["num_websites"] for t in tasks} == {1, 5, 10}


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_model_backend(env_id):
    env = gym.make(env_id, backend="model", num_websites=5)
    check_env(env.unwrapped)
    env.close()


def test_spaces_and_observation_bounds():
    env = _model_env(difficulty=3, num_websites=20)
    assert env.action_space.n == 12500
    shapes = {k: v.shape for k, v in env.observation_space.spaces.items()}
    assert shapes["dom_elements"] == (250, 5, 10) and shapes["dom_profile_joint_mask"] == (25, 250)
    assert (
        shapes["profile_key"] == (25, 10)
        and shapes["dom_features"] == (250, 8)
        and shapes["time_step"] == (1,)
    )
    for seed in range(5):
        for item in _random_episode(env, seed, seed):
            if isinstance(item, dict):
                assert env.observation_space.contains(item)


def test_action_mask_is_the_joint_mask():
    env = _model_env(difficulty=3, num_websites=10)
    obs, _ = env.reset(seed=1)
    mask = env.action_masks()
    n_fields, n_els = len(env.site.profile_keys), int(obs["dom_elements_mask"].sum())
    assert mask.sum() == n_fields * n_els
    assert not mask[6250:].any()
    np.testing.assert_array_equal(mask[:6250].reshape(25, 250), obs["dom_profile_joint_mask"].astype(bool))


def test_invalid_actions_cost_a_fixed_penalty_and_time_limit_truncates():
    env = _model_env(difficulty=1)
    obs0, _ = env.reset(seed=0)
    invalid = int(np.flatnonzero(~env.action_masks()[:6250])[0])
    rewards = []
    for t in range(25):
        obs, r, te, tr, info = env.step(invalid)
        rewards.append(r)
        assert info["invalid_action"] and not te
        assert tr == (t == 24)
        assert np.array_equal(obs["dom_elements"], obs0["dom_elements"])
        assert obs["time_step"][0] == pytest.approx((t + 1) / 25)
    assert rewards == [-0.55] * 25
    assert env.action_space.contains(12499) and not env.action_masks()[12499]
    with pytest.raises(ConfigError, match="after the episode ended"):
        env.step(0)


@pytest.mark.parametrize("bad", [1.5, "3", -1, 12500, True, None])
def test_bad_actions_are_clear_errors(bad):
    env = _model_env()
    env.reset(seed=0)
    with pytest.raises(ConfigError, match="action"):
        env.step(bad)


def test_step_before_reset():
    with pytest.raises(ConfigError, match="reset"):
        _model_env().step(0)


@pytest.mark.parametrize(
    ("kwargs", "err", "needle"),
    [
        ({"difficulty": 4}, ConfigError, "difficulty must be 1, 2 or 3"),
        (
            {"difficulty": 1, "designs": [{"number_of_pages": 1, "action": [], "action_page": []}]},
            ConfigError,
            "either",
        ),
        ({"num_websites": 0}, ConfigError, "num_websites"),
        ({"num_websites": 101}, ConfigError, "only 100 designs"),
        ({"seed": -3}, ConfigError, "seed"),
        ({"render_mode": "human"}, ConfigError, "render_mode"),
        ({"backend": "firefox"}, ConfigError, "backend"),
        (
            {"designs": [{"number_of_pages": 1, "action": ["bogus"], "action_page": [0]}]},
            SchemaError,
            "bogus",
        ),
        ({"designs": "/nonexistent/designs.json"}, DataNotFoundError, "not found"),
    ],
)
def test_bad_kwargs(kwargs, err, needle):
    kwargs.setdefault("backend", "model")
    with pytest.raises(err, match=needle):
        WebNavigationEnv(**kwargs)


def test_designs_from_a_file(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"number_of_pages": 1, "action": ["username"], "action_page": [0]}]))
    env = _model_env(designs=str(path))
    env.reset(seed=0)
    assert env.site.profile_keys == ["_dummy", "username"]


def test_same_seed_same_episode_and_seeds_matter():
    a, b = _model_env(difficulty=3, num_websites=50), _model_env(difficulty=3, num_websites=50)
    for seed in range(3):
        _same(_random_episode(a, seed, 9), _random_episode(b, seed, 9))
    # the constructor seed covers an unseeded first reset
    c, d = (
        _model_env(difficulty=2, num_websites=50, seed=4),
        _model_env(difficulty=2, num_websites=50, seed=4),
    )
    _same([c.reset()[0]], [d.reset()[0]])
    firsts = {a.reset(seed=s)[0]["dom_elements"].tobytes() for s in range(10)}
    assert len(firsts) > 1


@pytest.mark.parametrize("level", [1, 2, 3])
def test_oracle_policy_succeeds_through_the_env(level):
    env = gym.make(f"WebNavigation-DifficultyLevel-0{level}-v0", backend="model", num_websites=100)
    policy = OraclePolicy(env)
    for seed in range(40):
        obs, _ = env.reset(seed=seed)
        done, ret, steps = False, 0.0, 0
        while not done:
            obs, r, te, tr, info = env.step(policy(obs))
            ret, steps = ret + r, steps + 1
            done = te or tr
        assert te and info["success"]
        # +1 for the submit, +1 of potential if there are core fields, -0.05 per non-final step
        best = (2.0 if env.unwrapped.site.instances else 1.0) - 0.05 * (steps - 1)
        assert ret == pytest.approx(best)
    env.close()


def test_text_render():
    env = _model_env(difficulty=1, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert text.startswith("design ") and "button" in text
    with pytest.raises(ConfigError, match="render_mode"):
        _model_env(render_mode="rgb_array")


def test_maskable_ppo_sees_the_masks():
    from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported
    from stable_baselines3.common.vec_env import DummyVecEnv

    venv = DummyVecEnv([lambda: _model_env(difficulty=1)])
    venv.reset()
    assert is_masking_supported(venv)
    masks = get_action_masks(venv)
    assert masks.shape == (1, 12500) and masks.any()


def test_reset_option_design_index():
    env = _model_env(difficulty=2, num_websites=100)
    env.reset(seed=0, options={"design_index": 42})
    assert env.design_index == 42 and env.site.design == env.designs[42]
    with pytest.raises(ConfigError, match="design_index"):
        env.reset(options={"design_index": 100})
    with pytest.raises(ConfigError, match="unknown reset option"):
        env.reset(options={"level": 2})
    _, info = env.reset(seed=0, options={"design_index": 3})
    assert info["difficulty_score"] == env.designs[3].difficulty and 0.05 <= info["difficulty_score"] < 0.3

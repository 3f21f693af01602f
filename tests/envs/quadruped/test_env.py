import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import a2perf  # noqa: F401  (registers the ids)
from a2perf.envs.quadruped import generalization_tasks
from a2perf.envs.quadruped.registration import ENVS
from a2perf.errors import ConfigError, DataNotFoundError

from .conftest import clip_path

IDS = [
    "QuadrupedLocomotion-DogPace-v0",
    "QuadrupedLocomotion-DogTrot-v0",
    "QuadrupedLocomotion-DogSpin-v0",
    "QuadrupedLocomotion-Pace-v0",
    "QuadrupedLocomotion-Trot-v0",
    "QuadrupedLocomotion-Spin-v0",
    "QuadrupedLocomotion-Walk-v0",
]


def test_ids_registered_and_import_is_light():
    assert [e.id for e in ENVS] == IDS
    for env_id in IDS:
        assert env_id in gym.registry
    code = "import sys, a2perf, a2perf.envs.quadruped.registration; print('pybullet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("QuadrupedLocomotion-Trot-v0", {"mode": "test"}),
        ("QuadrupedLocomotion-Spin-v0", {"mode": "train", "render_mode": "rgb_array"}),
    ],
)
def test_check_env(env_id, kwargs):
    env = gym.make(env_id, **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env.unwrapped)
    finally:
        env.close()


def test_spaces_and_seeded_reset():
    env = gym.make("QuadrupedLocomotion-Pace-v0", mode="test")
    try:
        assert env.observation_space.shape == (160,)
        assert env.action_space.shape == (12,)
        np.testing.assert_allclose(env.action_space.high, 2 * np.pi, rtol=1e-6)
        np.testing.assert_allclose(env.action_space.low, -2 * np.pi, rtol=1e-6)
        a = np.full(12, 0.05, dtype=np.float32)
        o1, _ = env.reset(seed=3)
        s1 = env.step(a)[0]
        o2, _ = env.reset(seed=3)
        s2 = env.step(a)[0]
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(s1, s2)
        assert env.observation_space.contains(o1)
    finally:
        env.close()


def test_time_limit_is_truncation():
    env = gym.make("QuadrupedLocomotion-Walk-v0", mode="test", episode_steps=5)
    try:
        env.reset(seed=0)
        for i in range(5):
            _, reward, terminated, truncated, info = env.step(np.zeros(12, dtype=np.float32))
            assert not terminated
            assert truncated == (i == 4)
            assert set(info["reward_terms"]) == {
                "pose",
                "velocity",
                "end_effector",
                "root_pose",
                "root_velocity",
            }
            assert 0.0 <= reward <= 1.0
    finally:
        env.close()


def test_render_follows_robot():
    env = gym.make("QuadrupedLocomotion-Trot-v0", mode="test", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        frame = env.render()
        assert frame.shape == (360, 480, 3) and frame.dtype == np.uint8
        assert frame.std() > 5  # not a blank image
        # the robot is at the image centre: the centre differs from the (ground/sky) corners
        centre = frame[150:210, 210:270].astype(float).mean(axis=(0, 1))
        corner = frame[:20, :20].astype(float).mean(axis=(0, 1))
        assert np.abs(centre - corner).max() > 10
    finally:
        env.close()


def test_dog_ids_need_the_clip(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("A2PERF_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="a2perf data download quadruped"):
        gym.make("QuadrupedLocomotion-DogTrot-v0")
    # a clip in the cache is picked up (symlink: the data is never copied)
    (tmp_path / "quadruped").mkdir()
    (tmp_path / "quadruped" / "dog_trot.txt").symlink_to(clip_path("trot"))
    env = gym.make("QuadrupedLocomotion-DogTrot-v0", mode="test")
    assert env.unwrapped.clip.num_frames == 33
    env.close()
    env = gym.make("QuadrupedLocomotion-DogSpin-v0", motion_file=clip_path("spin"))
    assert env.unwrapped.clip.num_frames == 46
    env.close()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "eval"}, ConfigError, "mode='eval'"),
        ({"motion": "gallop"}, ConfigError, "unknown motion 'gallop'"),
        ({"render_mode": "ansi"}, ConfigError, "render_mode='ansi'"),
        ({"num_parallel_envs": -2}, ConfigError, "num_parallel_envs"),
        ({"frobnicate": 1}, TypeError, "frobnicate"),
        ({"motion_file": "/nonexistent/clip.txt"}, DataNotFoundError, "not found"),
    ],
)
def test_bad_kwargs(kwargs, error, match):
    with pytest.raises(error, match=match):
        gym.make("QuadrupedLocomotion-Pace-v0", **kwargs)


def test_bad_actions_raise():
    env = gym.make("QuadrupedLocomotion-Pace-v0", mode="test")
    try:
        env.reset(seed=0)
        with pytest.raises(ConfigError, match="shape"):
            env.step(np.zeros(4, dtype=np.float32))
        with pytest.raises(ConfigError, match="NaN"):
            env.step(np.full(12, np.nan, dtype=np.float32))
        # out-of-range actions are clipped to ±2π like A2Perf's ActionClipWrapper
        obs = env.step(np.full(12, 100.0, dtype=np.float32))[0]
        np.testing.assert_allclose(obs[12:24], np.array([0.0, 0.67, -1.25] * 4) + 2 * np.pi, rtol=1e-6)
    finally:
        env.close()


def test_async_vector_env_two_workers():
    fns = [lambda: gym.make("QuadrupedLocomotion-Trot-v0", mode="test") for _ in range(2)]
    envs = gym.vector.AsyncVectorEnv(fns)
    try:
        obs, _ = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 160)
        assert not np.array_equal(obs[0], obs[1])
        for _ in range(3):
            obs, reward, _, _, _ = envs.step(np.zeros((2, 12), dtype=np.float32))
        assert obs.shape == (2, 160) and reward.shape == (2,)
    finally:
        envs.close()


def test_generalization_tasks(tmp_path, monkeypatch):
    monkeypatch.setenv("A2PERF_DATA_DIR", str(tmp_path))
    tasks = generalization_tasks()
    assert [t["name"] for t in tasks] == ["pace", "trot", "spin"]
    assert [t["env_id"] for t in generalization_tasks("dog")] == IDS[:3]
    for t in tasks:
        assert t["env_id"] in gym.registry
    with pytest.raises(ConfigError, match="source"):
        generalization_tasks("mocap")


def test_observations_stay_in_space_under_random_actions():
    env = gym.make("QuadrupedLocomotion-Spin-v0", mode="train")
    try:
        obs, _ = env.reset(seed=0)
        rng = np.random.default_rng(0)
        episodes = 0
        for _ in range(200):
            assert env.observation_space.contains(obs)
            obs, _, terminated, truncated, _ = env.step(rng.uniform(-7, 7, 12).astype(np.float32))
            if terminated or truncated:
                episodes += 1
                obs, _ = env.reset()
        assert episodes >= 5  # random actions end train-mode episodes quickly (20-step curriculum)
    finally:
        env.close()


def test_every_gait_shares_one_observation_space():
    """Generalization needs one space for all tasks (the original's was clip-dependent)."""
    spaces = []
    for env_id in (
        "QuadrupedLocomotion-Pace-v0",
        "QuadrupedLocomotion-Trot-v0",
        "QuadrupedLocomotion-Spin-v0",
    ):
        env = gym.make(env_id)
        spaces.append((env.observation_space, env.action_space))
        obs, _ = env.reset(seed=0)
        env.action_space.seed(0)
        for _ in range(30):
            obs, _, terminated, truncated, _ = env.step(env.action_space.sample() * 0.1)
            assert env.observation_space.contains(obs.astype(np.float32))
            if terminated or truncated:
                break
        env.close()
    assert spaces[0] == spaces[1] == spaces[2]

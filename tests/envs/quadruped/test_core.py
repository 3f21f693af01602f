import numpy as np
import pytest

from a2perf.envs.quadruped.constants import DEFAULT_MOTOR_ANGLES
from a2perf.envs.quadruped.core import QuadrupedCore
from a2perf.envs.quadruped.motion import load_clip
from a2perf.errors import ConfigError

from .conftest import clip_path


@pytest.fixture(scope="module")
def core(data_dir):
    c = QuadrupedCore(load_clip(clip_path("pace")), mode="test")
    yield c
    c.close()


def test_initial_observation_is_stale_default_pose(core):
    obs, info = core.reset(np.random.default_rng(1))
    assert obs.shape == (160,)
    np.testing.assert_allclose(obs[0:12], 0.0, atol=1e-12)  # IMU
    np.testing.assert_allclose(obs[12:48], 0.0)  # LastAction
    np.testing.assert_allclose(obs[48:84], np.tile(DEFAULT_MOTOR_ANGLES, 3), atol=1e-12)
    assert info["episode_length"] == 600


def test_observation_layout_after_step(core):
    core.reset(np.random.default_rng(1))
    a = np.linspace(-0.1, 0.1, 12)
    r = core.step(a)
    np.testing.assert_allclose(r.obs[12:24], DEFAULT_MOTOR_ANGLES + a)  # newest LastAction
    np.testing.assert_allclose(r.obs[24:48], 0.0)
    # target frames: the 1-step-ahead quaternion block is a unit quaternion with w >= 0
    q = r.obs[84 + 3 : 84 + 7]
    assert np.isclose(np.linalg.norm(q), 1.0) and q[3] >= 0
    assert 0.0 <= r.reward <= 1.0


def test_same_seed_same_episode(core):
    def run(seed):
        obs, _ = core.reset(np.random.default_rng(seed))
        out = [obs]
        for _ in range(5):
            out.append(core.step(np.full(12, 0.05)).obs)
        return np.array(out)

    np.testing.assert_array_equal(run(7), run(7))
    assert not np.array_equal(run(7)[0], run(8)[0])


def test_bad_actions(core):
    core.reset(np.random.default_rng(0))
    with pytest.raises(ConfigError, match=r"shape \(3,\)"):
        core.step(np.zeros(3))
    bad = np.zeros(12)
    bad[4] = np.nan
    with pytest.raises(ConfigError, match="NaN or inf at index 4"):
        core.step(bad)


def test_step_before_reset_raises(data_dir):
    c = QuadrupedCore(load_clip(clip_path("trot")))
    try:
        with pytest.raises(RuntimeError, match="reset"):
            c.step(np.zeros(12))
    finally:
        c.close()


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "eval"}, {"enable_randomizer": "yes"}, {"num_parallel_envs": 0}, {"episode_steps": 0}],
)
def test_bad_kwargs(data_dir, kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        QuadrupedCore(load_clip(clip_path("trot")), **kwargs)


def test_train_mode_randomisation_is_seeded(data_dir):
    c = QuadrupedCore(load_clip(clip_path("trot")), mode="train")
    try:
        c.reset(np.random.default_rng(11))
        d1 = c.sim.dynamics
        assert c.episode_length == 20
        c.reset(np.random.default_rng(11))
        assert c.sim.dynamics == d1
        c.reset(np.random.default_rng(12))
        assert c.sim.dynamics != d1
        assert 0.8 <= d1.base_mass_ratio <= 1.2 and 0.0 <= d1.latency <= 0.04
    finally:
        c.close()


def test_randomizer_can_be_forced_in_test_mode(data_dir):
    c = QuadrupedCore(load_clip(clip_path("pace")), mode="test", enable_randomizer=True)
    try:
        c.reset(np.random.default_rng(2))
        assert c.episode_length == 600
        assert c.sim.dynamics.motor_strength != (1.0,) * 12
    finally:
        c.close()


def test_curriculum_counts_non_final_steps(data_dir):
    c = QuadrupedCore(load_clip(clip_path("pace")), mode="train", num_parallel_envs=1)
    try:
        c.reset(np.random.default_rng(0))
        steps = ends = 0
        while ends < 2:
            r = c.step(np.zeros(12))
            steps += 1
            if r.terminated or r.truncated:
                ends += 1
                assert r.truncated != r.terminated
                c.reset(np.random.default_rng(ends))
        assert c.total_steps == steps - 2
        c.total_steps = 30_000_000
        c.reset(np.random.default_rng(5))
        assert c.episode_length == 600
    finally:
        c.close()

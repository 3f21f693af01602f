import numpy as np
import pybullet_data
import pytest

from a2perf.envs.quadruped.constants import DEFAULT_MOTOR_ANGLES
from a2perf.envs.quadruped.core import QuadrupedCore
from a2perf.envs.quadruped.gaits import GAITS, TOE_RADIUS, gait_clip, stance_mask
from a2perf.envs.quadruped.motion import load_clip
from a2perf.envs.quadruped.sim import LaikagoSim, motor_from_urdf
from a2perf.errors import ConfigError


@pytest.fixture(scope="module")
def kin():
    sim = LaikagoSim()
    yield sim.kinematics
    sim.close()


@pytest.mark.parametrize("name", sorted(GAITS))
def test_stance_toes_touch_the_ground(kin, name):
    clip = gait_clip(name, kin)
    t = np.arange(clip.num_frames) * clip.frame_duration
    f = clip.frames
    toes = kin.toes(f[:, :3], f[:, 3:7], f[:, 7:])
    stance = stance_mask(name, t)
    assert stance.any(axis=1).all()  # never airborne
    np.testing.assert_allclose(toes[..., 2][stance], TOE_RADIUS, atol=1e-4)
    assert np.all(toes[..., 2][~stance] >= TOE_RADIUS - 1e-6)
    # stance toes do not slide in the world between consecutive frames
    both = stance[1:] & stance[:-1]
    slide = np.linalg.norm(toes[1:, :, :2] - toes[:-1, :, :2], axis=-1)[both]
    assert slide.max() < 2e-3


def test_gaits_move_as_specified(kin):
    trot = gait_clip("trot", kin)
    assert trot.cycle_delta_pos[0] == pytest.approx(GAITS["trot"].speed * GAITS["trot"].period)
    spin = gait_clip("spin", kin)
    assert spin.cycle_delta_heading == pytest.approx(GAITS["spin"].yaw_rate * GAITS["spin"].period)
    assert spin.cycle_offset_rotation and not trot.cycle_offset_rotation


def test_unknown_gait(kin):
    with pytest.raises(ConfigError, match="unknown gait"):
        gait_clip("gallop", kin)


@pytest.mark.expensive
@pytest.mark.parametrize("name", sorted(GAITS))
def test_pd_tracking_of_the_reference_does_not_fall(kin, name):
    # the "policy" commands the 1-step-ahead reference joints (from the observation) through the PD
    core = QuadrupedCore(gait_clip(name, kin), mode="test")
    try:
        for seed in range(2):
            obs, _ = core.reset(np.random.default_rng(seed))
            total = 0.0
            for _ in range(90):  # 3 s
                target = motor_from_urdf(obs[84 + 7 : 84 + 19])
                r = core.step(target - DEFAULT_MOTOR_ANGLES)
                obs = r.obs
                total += r.reward
                assert not r.terminated, r.info.get("termination_reason")
            assert total / 90 > 0.4
    finally:
        core.close()


def test_pybullet_laikago_walk_clip_is_usable(kin):
    clip = load_clip(f"{pybullet_data.getDataPath()}/data/motions/laikago_walk.txt")
    assert clip.num_frames == 21 and clip.frame_duration == pytest.approx(0.0625)
    f = clip.frames
    toes = kin.toes(f[:, :3], f[:, 3:7], f[:, 7:])
    # at least two toes near the ground in every frame, none below it
    lowest_two = np.sort(toes[..., 2], axis=1)[:, :2]
    assert np.all(np.abs(lowest_two - TOE_RADIUS) < 0.025)
    assert toes[..., 2].min() > -0.01

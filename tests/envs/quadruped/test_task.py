import math

import numpy as np
import pytest

from a2perf.envs.quadruped.constants import CONTROL_TIME_STEP, INIT_POSITION, INIT_QUAT
from a2perf.envs.quadruped.core import curriculum_length
from a2perf.envs.quadruped.motion import load_clip
from a2perf.envs.quadruped.sim import LaikagoSim
from a2perf.envs.quadruped.task import ImitationTask, RobotState

from .conftest import clip_path


@pytest.fixture(scope="module")
def sim():
    s = LaikagoSim()
    yield s
    s.close()


@pytest.mark.parametrize("name", ["pace", "trot", "spin"])
@pytest.mark.parametrize("t", [0.0, 0.31, 1.7])
def test_reference_state_gives_every_reward_term_one(sim, data_dir, name, t):
    task = ImitationTask(load_clip(clip_path(name)), sim.kinematics)
    task.start(t, 0.0, INIT_POSITION, INIT_QUAT)
    task.update(0, INIT_POSITION)
    r = task.ref
    sim.set_state(
        r.root_pos[0], r.root_quat[0], r.root_vel[0], r.root_ang_vel[0], r.joints[0], r.joint_vel[0]
    )
    sim.refresh_reading()
    pos, orn, lin, ang = sim.base_state()
    joints, joint_vel = sim.joint_state()
    robot = RobotState(pos, orn, lin, ang, joints, joint_vel, sim.end_effector_positions())
    terms = task.reward_terms(robot)
    assert set(terms) == {"pose", "velocity", "end_effector", "root_pose", "root_velocity"}
    for key, value in terms.items():
        assert value == pytest.approx(1.0, abs=1e-6), key
    assert task.reward(terms) == pytest.approx(1.0, abs=1e-6)
    assert task.deviation_exceeded(pos, orn) is None


def test_reward_drops_when_robot_is_offset(sim, data_dir):
    task = ImitationTask(load_clip(clip_path("pace")), sim.kinematics)
    task.reset(np.random.default_rng(0), INIT_POSITION, INIT_QUAT)
    r = task.ref
    shifted = r.root_pos[0] + np.array([0.1, 0.0, 0.0])
    sim.set_state(shifted, r.root_quat[0], r.root_vel[0], r.root_ang_vel[0], r.joints[0], r.joint_vel[0])
    sim.refresh_reading()
    pos, orn, lin, ang = sim.base_state()
    joints, joint_vel = sim.joint_state()
    terms = task.reward_terms(RobotState(pos, orn, lin, ang, joints, joint_vel, sim.end_effector_positions()))
    # 0.1 m root offset: exp(-20 * 0.01); the root-relative feet and joints are unchanged
    assert terms["root_pose"] == pytest.approx(math.exp(-0.2), abs=1e-9)
    assert terms["pose"] == pytest.approx(1.0)
    assert terms["end_effector"] == pytest.approx(1.0, abs=1e-9)
    assert task.deviation_exceeded(pos + np.array([1.2, 0, 0]), orn) == "root_distance"


def test_origin_offset_and_motion_time(sim, data_dir):
    task = ImitationTask(load_clip(clip_path("trot")), sim.kinematics)
    task.reset(np.random.default_rng(5), INIT_POSITION, INIT_QUAT)
    t0 = task.motion_time
    # p_o = robot position - raw reference position (z zeroed); q_o is the heading difference
    raw = task._raw(np.array([t0]))
    np.testing.assert_allclose(task.origin_pos, [-raw.root_pos[0, 0], -raw.root_pos[0, 1], 0.0], atol=1e-12)
    np.testing.assert_allclose(task.ref.root_pos[0, :2], INIT_POSITION[:2], atol=0.05)
    # the reference does not advance in the first step
    task.update(0, INIT_POSITION)
    assert task.motion_time == t0
    task.update(3, INIT_POSITION)
    assert task.motion_time == pytest.approx(t0 + 3 * CONTROL_TIME_STEP)


def test_cycle_sync_moves_reference_to_robot_at_phase_wrap(sim, data_dir):
    clip = load_clip(clip_path("trot"))
    task = ImitationTask(clip, sim.kinematics)
    task.start(clip.duration - 0.01, 0.0, INIT_POSITION, INIT_QUAT)
    task.update(0, INIT_POSITION)
    robot = np.array([5.0, -3.0, 0.4])
    task.update(1, robot)  # crosses the cycle boundary
    np.testing.assert_allclose(task.ref.root_pos[0, :2], robot[:2], atol=1e-9)


def test_curriculum_length():
    assert curriculum_length(0) == 20
    assert curriculum_length(30_000_000) == 600
    assert curriculum_length(10**9) == 600
    # spec: after 10M steps per copy s^3 = 0.037 and L = 41
    assert curriculum_length(10_000_000) == 41
    # 4 parallel copies reach 600 after 7.5M steps each
    assert curriculum_length(7_500_000, num_parallel_envs=4) == 600


def test_target_observation_matches_slow_reference(sim, data_dir):
    # the per-episode table must give the same targets as sampling the clip directly
    task = ImitationTask(load_clip(clip_path("spin")), sim.kinematics)
    task.start(0.2, 0.0, INIT_POSITION, INIT_QUAT)
    task.update(7, np.array([0.05, 0.02, 0.4]))
    h = 0.3
    obs = np.array(task.target_observation(h)).reshape(4, 19)
    times = task.motion_time + CONTROL_TIME_STEP * np.array([1, 2, 10, 30])
    ref = task.reference(times)
    rel = ref.root_pos - task.ref.root_pos[0]
    np.testing.assert_allclose(obs[:, 0], np.cos(h) * rel[:, 0] + np.sin(h) * rel[:, 1], atol=1e-9)
    np.testing.assert_allclose(obs[:, 2], rel[:, 2], atol=1e-9)
    from a2perf.envs.quadruped import quat

    q = quat.standardize(quat.multiply(quat.about_z(-h), ref.root_quat))
    np.testing.assert_allclose(obs[:, 3:7], q, atol=1e-9)
    np.testing.assert_allclose(obs[:, 7:], ref.joints, atol=1e-9)


def test_warmup_reference_is_standing_pose(sim, data_dir):
    task = ImitationTask(load_clip(clip_path("pace")), sim.kinematics)
    task.start(0.1, 0.25, INIT_POSITION, INIT_QUAT)
    r = task.ref
    np.testing.assert_allclose(r.root_pos[0], INIT_POSITION, atol=1e-12)
    np.testing.assert_allclose(r.joint_vel[0], 0.0)
    assert task.motion_time == pytest.approx(-0.15)

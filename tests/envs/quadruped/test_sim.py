import math

import numpy as np
import pybullet

from a2perf.envs.quadruped.constants import DEFAULT_JOINT_ANGLES, DEFAULT_MOTOR_ANGLES, INIT_QUAT
from a2perf.envs.quadruped.sim import (
    FILTER_A,
    FILTER_B,
    Dynamics,
    LaikagoSim,
    motor_from_urdf,
    urdf_from_motor,
    wrap_angle,
)


def test_butterworth_matches_original_coefficients_and_unity_gain():
    np.testing.assert_allclose(FILTER_B, [0.1066931, 0.2133862, 0.1066931], atol=1e-7)
    np.testing.assert_allclose(FILTER_A, [1.0, -0.8877195, 0.3144918], atol=1e-7)
    assert math.isclose(FILTER_B.sum() / FILTER_A.sum(), 1.0)


def test_motor_urdf_conversion():
    np.testing.assert_allclose(DEFAULT_JOINT_ANGLES[:3], [0.0, 0.07, -0.59])
    np.testing.assert_allclose(motor_from_urdf(DEFAULT_JOINT_ANGLES), DEFAULT_MOTOR_ANGLES)
    m = np.arange(12) * 0.1
    np.testing.assert_allclose(motor_from_urdf(urdf_from_motor(m)), m)
    # FR and RR abduction are flipped: URDF +0.1 is motor -0.1
    assert motor_from_urdf(np.r_[0.1, DEFAULT_JOINT_ANGLES[1:]])[0] == -0.1


def test_wrap_angle():
    np.testing.assert_allclose(
        wrap_angle(np.array([0.0, 4.0, -4.0])), [0.0, 4.0 - 2 * math.pi, 2 * math.pi - 4.0]
    )


def _stand(sim):
    sim.set_state([0, 0, 0.45], INIT_QUAT, [0, 0, 0], [0, 0, 0], DEFAULT_JOINT_ANGLES, np.zeros(12))


def test_pd_holds_default_pose_for_two_seconds():
    sim = LaikagoSim()
    try:
        _stand(sim)
        for _ in range(60):
            sim.step(DEFAULT_MOTOR_ANGLES)
        pos, _, _, _ = sim.base_state()
        assert 0.40 < pos[2] < 0.50
        assert not sim.has_fallen()
        joints, _ = sim.joint_state()
        np.testing.assert_allclose(joints, DEFAULT_JOINT_ANGLES, atol=0.05)
    finally:
        sim.close()


def test_clip_limits_target_change_per_substep():
    # a huge target jump moves each joint at most ~0.2 rad beyond the delayed reading per substep
    sim = LaikagoSim()
    try:
        _stand(sim)
        sim.step(DEFAULT_MOTOR_ANGLES)
        before, _ = sim.joint_state()
        sim.step(DEFAULT_MOTOR_ANGLES + np.array([0.0, 3.0, 0.0] * 4))
        after, _ = sim.joint_state()
        assert np.all(np.abs(after - before) < 1.0)
    finally:
        sim.close()


def test_dynamics_change_masses_and_latency():
    sim = LaikagoSim()
    try:
        base = pybullet.getDynamicsInfo(sim.robot, -1, physicsClientId=sim.client)[0]
        assert math.isclose(base, 13.715)
        sim.set_dynamics(Dynamics(base_mass_ratio=1.2, leg_mass_ratio=0.8, latency=0.0155))
        assert math.isclose(
            pybullet.getDynamicsInfo(sim.robot, -1, physicsClientId=sim.client)[0], 13.715 * 1.2
        )
        assert math.isclose(
            pybullet.getDynamicsInfo(sim.robot, 2, physicsClientId=sim.client)[0], 0.241 * 0.8
        )
        assert sim._lat_n == 15
        assert math.isclose(sim._lat_alpha, 0.5, abs_tol=1e-6)
        sim.set_dynamics(Dynamics())
        assert math.isclose(pybullet.getDynamicsInfo(sim.robot, -1, physicsClientId=sim.client)[0], 13.715)
    finally:
        sim.close()


def test_first_step_uses_stale_default_reading():
    # the history after reset holds only the default pose, so the filter starts from m0 (quirk kept)
    sim = LaikagoSim()
    try:
        sim.set_state([0, 0, 0.45], INIT_QUAT, [0, 0, 0], [0, 0, 0], DEFAULT_JOINT_ANGLES + 0.1, np.zeros(12))
        np.testing.assert_allclose(sim.delayed_motor_angles(), DEFAULT_MOTOR_ANGLES)
    finally:
        sim.close()

import numpy as np
import pybullet

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import MOTOR_JOINT_IDS
from a2perf.envs.quadruped.sim import LaikagoSim


def test_forward_kinematics_matches_pybullet_link_states():
    sim = LaikagoSim()
    try:
        rng = np.random.default_rng(3)
        for _ in range(3):
            u = rng.uniform(-1.0, 1.0, 12)
            pos = rng.uniform(-1.0, 1.0, 3)
            q = quat.normalize(rng.normal(size=4))
            pybullet.resetBasePositionAndOrientation(sim.robot, pos, q, physicsClientId=sim.client)
            for k, j in enumerate(MOTOR_JOINT_IDS):
                pybullet.resetJointState(sim.robot, j, u[k], physicsClientId=sim.client)
            mine = sim.kinematics.link_positions(pos, q, u).reshape(16, 3)
            ref = [
                pybullet.getLinkState(
                    sim.robot, link, computeForwardKinematics=1, physicsClientId=sim.client
                )[0]
                for link in range(16)
            ]
            np.testing.assert_allclose(mine, np.array(ref), atol=1e-12)
    finally:
        sim.close()


def test_batched_forward_kinematics_equals_single():
    sim = LaikagoSim()
    try:
        rng = np.random.default_rng(4)
        u = rng.uniform(-1.0, 1.0, (5, 12))
        pos = rng.uniform(-1.0, 1.0, (5, 3))
        q = quat.normalize(rng.normal(size=(5, 4)))
        batch = sim.kinematics.end_effectors(pos, q, u)
        assert batch.shape == (5, 8, 3)
        for i in range(5):
            np.testing.assert_allclose(batch[i], sim.kinematics.end_effectors(pos[i], q[i], u[i]), atol=1e-12)
    finally:
        sim.close()

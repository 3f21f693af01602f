"""The compiled 1 kHz motor loop (_pdloop.c, a pybullet plugin) against the pure-Python loop."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pybullet
import pytest

import a2perf  # noqa: F401
from a2perf.envs.quadruped.constants import DEFAULT_MOTOR_ANGLES
from a2perf.envs.quadruped.sim import PD_LOOP_ENV, LaikagoSim, pd_loop_status
from a2perf.errors import ConfigError

ENV_ID = "QuadrupedLocomotion-Trot-v0"
OFFSET = np.array([0.0, -0.6, 0.66] * 4)
DIRECTION = np.array([-1, 1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1], dtype=float)


def _tracking(obs: np.ndarray) -> np.ndarray:
    return (DIRECTION * (obs[91:103] - OFFSET) - DEFAULT_MOTOR_ANGLES).astype(np.float32)


def _rollout(monkeypatch, loop: str, mode: str, policy: str, steps: int, seed: int = 5):
    """Observations, rewards, flags and applied torques of one run with the given loop."""
    monkeypatch.setenv(PD_LOOP_ENV, loop)
    env = gym.make(ENV_ID, mode=mode)
    sim = env.unwrapped._core.sim
    assert sim.pd_loop == loop
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    trace, latencies = [obs], [sim._lat_alpha]
    for i in range(steps):
        a = _tracking(obs) if policy == "tracking" else rng.uniform(-6.0, 6.0, 12).astype(np.float32)
        obs, reward, terminated, truncated, _ = env.step(a)
        trace += [obs, np.array([reward, terminated, truncated]), sim.torques.copy()]
        if terminated or truncated:
            obs, _ = env.reset(seed=seed + i + 1)
            trace.append(obs)
            latencies.append(sim._lat_alpha)
    env.close()
    return trace, latencies


def test_compiled_loop_is_built_and_used():
    # make setup builds the extension (gcc + Python headers); a missing build must fail here, not hide
    assert pd_loop_status() == "compiled"
    sim = LaikagoSim()
    try:
        assert sim.pd_loop == "compiled"
    finally:
        sim.close()


@pytest.mark.parametrize(
    ("mode", "policy"),
    [("test", "tracking"), ("train", "random")],  # train: randomised dynamics, fractional latency
)
def test_compiled_and_python_loops_are_bit_identical(monkeypatch, mode, policy):
    compiled, lat_c = _rollout(monkeypatch, "compiled", mode, policy, steps=120)
    python, lat_p = _rollout(monkeypatch, "python", mode, policy, steps=120)
    assert lat_c == lat_p
    if mode == "train":
        assert any(a != 0.0 for a in lat_c)  # the blended-reading path ran
    assert len(compiled) == len(python)
    for x, y in zip(compiled, python, strict=True):
        np.testing.assert_array_equal(x, y)
    torques = np.array([t for t in compiled if t.shape == (33, 12)])
    if policy == "random":  # large random targets: the ±0.2 rad clip bounds the PD torque
        assert np.abs(torques).max() > 30.0


def test_env_var_selects_the_loop_and_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv(PD_LOOP_ENV, "python")
    assert pd_loop_status().startswith("python")
    sim = LaikagoSim()
    assert sim.pd_loop == "python"
    sim.close()
    monkeypatch.setenv(PD_LOOP_ENV, "fast")
    with pytest.raises(ConfigError, match=PD_LOOP_ENV):
        LaikagoSim()


@pytest.mark.parametrize("loop", ["compiled", "python"])
def test_step_torques_replays_the_motion_of_an_env_step(monkeypatch, loop):
    monkeypatch.setenv(PD_LOOP_ENV, loop)
    sim = LaikagoSim()
    try:
        target = DEFAULT_MOTOR_ANGLES + 0.3
        sim.step(target)
        before = pybullet.saveState(physicsClientId=sim.client)
        sim.step(target)
        after = pybullet.getJointStates(sim.robot, sim._joint_ids, physicsClientId=sim.client)
        torques = sim.torques.copy()
        pybullet.restoreState(before, physicsClientId=sim.client)
        sim.step_torques(torques)
        replayed = pybullet.getJointStates(sim.robot, sim._joint_ids, physicsClientId=sim.client)
        assert [s[:2] for s in replayed] == [s[:2] for s in after]
        np.testing.assert_array_equal(sim.torques, torques)  # left as it was
    finally:
        sim.close()


def test_compiled_loop_failure_is_a_clear_error():
    sim = LaikagoSim()
    try:
        sim.step(DEFAULT_MOTOR_ANGLES)
        pybullet.removeBody(sim.robot, physicsClientId=sim.client)
        with pytest.raises(RuntimeError, match="state request for the robot failed"):
            sim.step(DEFAULT_MOTOR_ANGLES)
    finally:
        sim.close()


def _pybullet_readings(sim):
    """Base state, end-effector CoM positions and the fall check straight from pybullet queries."""
    cid, rid = sim.client, sim.robot
    pos, orn = pybullet.getBasePositionAndOrientation(rid, physicsClientId=cid)
    lin, ang = pybullet.getBaseVelocity(rid, physicsClientId=cid)
    links = pybullet.getLinkStates(rid, [2, 3, 6, 7, 10, 11, 14, 15], physicsClientId=cid)
    contacts = pybullet.getContactPoints(bodyA=rid, bodyB=sim.ground, physicsClientId=cid)
    fallen = any(c[3] not in (2, 3, 6, 7, 10, 11, 14, 15) for c in contacts)
    return [np.array(x) for x in (pos, orn, lin, ang)], np.array([s[0] for s in links]), fallen


def test_compiled_loop_readings_equal_pybullet_queries():
    # after the last substep the plugin keeps the base state, end effectors and the fall check that
    # the env would otherwise query: they must be the very numbers pybullet returns
    sim = LaikagoSim()
    rng = np.random.default_rng(0)
    falls = []
    try:
        for episode in range(6):
            sim.restore_initial_state()
            sim.reset_history()
            for _ in range(40):
                sim.step(DEFAULT_MOTOR_ANGLES + rng.uniform(-2.5, 2.5, 12) * (episode % 2))
                base, ee, fallen = _pybullet_readings(sim)
                for got, want in zip(sim.base_state(), base, strict=True):
                    np.testing.assert_array_equal(got, want)
                np.testing.assert_array_equal(sim.end_effector_positions(), ee)
                assert sim.has_fallen() == fallen
                falls.append(fallen)
    finally:
        sim.close()
    assert any(falls) and not all(falls)  # both outcomes were checked


def test_roll_pitch_equals_pybullet_euler_bit_for_bit():
    from a2perf.envs.quadruped.core import roll_pitch

    rng = np.random.default_rng(1)
    quats = [q / np.linalg.norm(q) for q in rng.normal(size=(500, 4))]
    s = np.sqrt(0.5)
    quats += [np.array([0.0, s, 0.0, s]), np.array([0.0, -s, 0.0, s])]  # pitch ±pi/2 (gimbal lock)
    for q in quats:
        roll, pitch, _ = pybullet.getEulerFromQuaternion(q.tolist())
        assert roll_pitch(q.tolist()) == (roll, pitch)


@pytest.mark.parametrize("loop", ["compiled", "python"])
def test_diverged_simulation_is_a_clear_error(monkeypatch, loop):
    monkeypatch.setenv(PD_LOOP_ENV, loop)
    env = gym.make(ENV_ID, mode="test")
    sim = env.unwrapped._core.sim
    env.reset(seed=0)
    pybullet.resetBaseVelocity(sim.robot, [float("nan")] * 3, [0.0] * 3, physicsClientId=sim.client)
    with pytest.raises(RuntimeError, match="diverged"):
        for _ in range(3):
            env.step(np.zeros(12, dtype=np.float32))
    env.close()


def test_without_the_extension_the_python_loop_runs_with_a_warning(monkeypatch):
    import a2perf.envs.quadruped.sim as sim_module
    from a2perf.errors import DependencyMissingError

    why = "the extension a2perf.envs.quadruped._pdloop was not built (test)"
    monkeypatch.setattr(sim_module, "_compiled_cache", {"module": None, "why": why})
    monkeypatch.setenv(PD_LOOP_ENV, "auto")
    assert pd_loop_status() == f"python ({why})"
    with pytest.warns(RuntimeWarning, match="pure-Python 1 kHz motor loop"):
        sim = LaikagoSim()
    assert sim.pd_loop == "python"
    sim.close()
    monkeypatch.setenv(PD_LOOP_ENV, "compiled")
    with pytest.raises(DependencyMissingError, match="was not built"):
        LaikagoSim()

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

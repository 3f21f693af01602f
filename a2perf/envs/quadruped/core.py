"""Quadruped motion imitation without gymnasium: ``reset(rng) -> obs``, ``step(action) -> ...``.

Composes :class:`~a2perf.envs.quadruped.sim.LaikagoSim` (robot and physics) and
:class:`~a2perf.envs.quadruped.task.ImitationTask` (reference, reward, termination), adds the
sensor histories, the episode-length curriculum and the seeded dynamics randomisation.

Deliberate differences from the original (each documented in ``env.py``'s docstring):
time-limit ends are truncations; the dynamics randomisation draws from the env's seeded generator;
the curriculum counts ``num_parallel_envs`` copies; the reference angular velocity uses the
shortest arc between frames; the LastAction bounds are the real ones. Quirks kept for parity with the
pretrained policies: the stale first observation, the filter initialised from the default pose, the
reference not advancing in the first step, no fall check in the first step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import (
    ACTION_LIMIT,
    CURRICULUM_END_STEPS,
    CURRICULUM_POWER,
    CURRICULUM_START_STEPS,
    CURRICULUM_TOTAL_STEPS,
    DEFAULT_LATENCY,
    DEFAULT_MOTOR_ANGLES,
    HISTORY_STEPS,
    INIT_POSITION,
    INIT_QUAT,
    NUM_MOTORS,
    RANDOMIZER_RANGES,
    TEST_EPISODE_STEPS,
)
from a2perf.envs.quadruped.motion import MotionClip
from a2perf.envs.quadruped.sim import Dynamics, LaikagoSim
from a2perf.envs.quadruped.task import ImitationTask, RobotState
from a2perf.errors import ConfigError

MODES = ("train", "test")
_DEFAULT_MOTOR_ANGLES = DEFAULT_MOTOR_ANGLES.tolist()


class StepResult(NamedTuple):
    """One env step: obs (160,) float64, reward in [0, 1], terminated, truncated, info."""

    obs: np.ndarray
    reward: float
    terminated: bool
    truncated: bool
    info: dict


def roll_pitch(q) -> tuple[float, float]:
    """Roll and pitch (rad) of a quaternion (x, y, z, w), as pybullet's getEulerFromQuaternion computes them
    (same formulas and operation order, so the same bits; without the call's cost)."""
    x, y, z, w = q
    sine_pitch = -2 * (x * z - w * y)
    if sine_pitch <= -0.99999:
        return 0.0, -0.5 * math.pi
    if sine_pitch >= 0.99999:
        return 0.0, 0.5 * math.pi
    return math.atan2(2 * (y * z + w * x), w * w - x * x - y * y + z * z), math.asin(sine_pitch)


def curriculum_length(steps: int, num_parallel_envs: int = 1) -> int:
    """Episode length L = floor((1 - s) 20 + s 600), s = clip(steps / ceil(30e6 / num_parallel_envs), 0, 1)^3."""
    horizon = math.ceil(CURRICULUM_TOTAL_STEPS / num_parallel_envs)
    s = min(max(steps / horizon, 0.0), 1.0) ** CURRICULUM_POWER
    return int((1.0 - s) * CURRICULUM_START_STEPS + s * CURRICULUM_END_STEPS)


def sample_dynamics(rng: np.random.Generator) -> Dynamics:
    """Draw one episode's randomised dynamics (spec §6) from ``rng``."""
    r = RANDOMIZER_RANGES

    def u(key: str, size: int | None = None):
        lo, hi = r[key]
        return rng.uniform(lo, hi, size)

    return Dynamics(
        base_mass_ratio=float(u("base_mass_ratio")),
        leg_mass_ratio=float(u("leg_mass_ratio")),
        base_inertia_ratio=float(u("base_inertia_ratio")),
        leg_inertia_ratio=float(u("leg_inertia_ratio")),
        motor_strength=tuple(u("motor_strength", NUM_MOTORS).tolist()),
        latency=float(u("latency")),
        foot_friction=float(u("foot_friction")),
        knee_friction=tuple(u("knee_friction", 4).tolist()),
    )


class QuadrupedCore:
    """The whole environment logic on one pybullet client.

    Args:
      clip: reference motion to imitate.
      mode: "test" (600-step episodes, nominal dynamics) or "train" (curriculum, randomisation).
      enable_randomizer: None means on in train mode, off in test mode.
      num_parallel_envs: copies training together; the curriculum horizon is 30M / this.
      episode_steps: fixed episode length overriding the mode's (None: 600 in test, curriculum in train).
      render: load visual shapes so that :meth:`render` works.
    """

    def __init__(
        self,
        clip: MotionClip,
        mode: str = "test",
        enable_randomizer: bool | None = None,
        num_parallel_envs: int = 1,
        episode_steps: int | None = None,
        render: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"mode={mode!r} is not supported; use mode='train' or mode='test'")
        if enable_randomizer is not None and not isinstance(enable_randomizer, bool):
            raise ConfigError(f"enable_randomizer={enable_randomizer!r}; use True, False or None")
        if (
            isinstance(num_parallel_envs, bool)
            or not isinstance(num_parallel_envs, int)
            or num_parallel_envs < 1
        ):
            raise ConfigError(f"num_parallel_envs={num_parallel_envs!r}; use a positive integer")
        if episode_steps is not None and (
            isinstance(episode_steps, bool) or not isinstance(episode_steps, int) or episode_steps < 1
        ):
            raise ConfigError(f"episode_steps={episode_steps!r}; use a positive integer or None")
        self.clip = clip
        self.mode = mode
        self.randomize = (mode == "train") if enable_randomizer is None else enable_randomizer
        self.num_parallel_envs = num_parallel_envs
        self.episode_steps = episode_steps
        self.sim = LaikagoSim(render=render)
        self.task = ImitationTask(clip, self.sim.kinematics)
        self.total_steps = 0
        """Non-final steps taken by this instance (drives the curriculum)."""
        self.episode_length = TEST_EPISODE_STEPS
        self.steps = 0
        # sensor histories, newest first (lists of floats: see ImitationTask.reward_terms for why)
        self._imu = [[0.0] * 4] * HISTORY_STEPS
        self._last_action = [[0.0] * NUM_MOTORS] * HISTORY_STEPS
        self._motor = [[0.0] * NUM_MOTORS] * HISTORY_STEPS
        self._heading = 0.0
        self._needs_reset = True
        self._last_terms: dict[str, float] = {}

    def close(self) -> None:
        self.sim.close()

    def set_clip(self, clip: MotionClip) -> None:
        """Imitate another clip from the next reset on."""
        self.clip = clip
        self.task = ImitationTask(clip, self.sim.kinematics)
        self._needs_reset = True

    # -------------------------------------------------------------- sensors
    def _read_sensors(self) -> tuple[list[float], list[float]]:
        """Delayed IMU [roll, pitch, roll rate, pitch rate] and motor angles (12); sets the heading."""
        q_rel, rates = self.sim.delayed_base()
        roll, pitch = roll_pitch(q_rel)
        self._heading = quat.heading1(q_rel)
        return [roll, pitch, rates[0], rates[1]], self.sim.delayed_motor_angles()

    def _observation(self) -> np.ndarray:
        """(160,): IMU, last actions and motor angles (newest first, 3 steps each), target frames."""
        imu, act, motor = self._imu, self._last_action, self._motor
        return np.array(
            imu[0]
            + imu[1]
            + imu[2]
            + act[0]
            + act[1]
            + act[2]
            + motor[0]
            + motor[1]
            + motor[2]
            + self.task.target_observation(self._heading)
        )

    # ---------------------------------------------------------------- reset
    def reset(self, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
        """Start an episode; all randomness comes from ``rng``. Returns (obs (160,), info)."""
        sim = self.sim
        sim.restore_initial_state()
        sim.reset_history()
        imu, motor = self._read_sensors()
        self._imu = [imu] * HISTORY_STEPS
        self._motor = [motor] * HISTORY_STEPS
        self._last_action = [[0.0] * NUM_MOTORS] * HISTORY_STEPS
        if self.episode_steps is not None:
            self.episode_length = self.episode_steps
        elif self.mode == "test":
            self.episode_length = TEST_EPISODE_STEPS
        else:
            self.episode_length = curriculum_length(self.total_steps, self.num_parallel_envs)
        ref = self.task.reset(rng, INIT_POSITION, INIT_QUAT, horizon=self.episode_length)
        sim.set_state(
            ref.root_pos[0],
            ref.root_quat[0],
            ref.root_vel[0],
            ref.root_ang_vel[0],
            ref.joints[0],
            ref.joint_vel[0],
        )
        sim.set_dynamics(sample_dynamics(rng) if self.randomize else Dynamics(latency=DEFAULT_LATENCY))
        self.steps = 0
        self._needs_reset = False
        self._last_terms = {}
        return self._observation(), self._info()

    def _info(self) -> dict:
        return {
            "motion_time": self.task.motion_time,
            "episode_length": self.episode_length,
            "reward_terms": dict(self._last_terms),
        }

    # ----------------------------------------------------------------- step
    def step(self, action: np.ndarray) -> StepResult:
        """Apply a residual action (12,) around the default motor pose, clipped to ±2π.

        Raises:
          ConfigError: wrong shape or non-finite values.
          RuntimeError: called before :meth:`reset` or after the episode ended.
        """
        if self._needs_reset:
            raise RuntimeError("call reset() before step(): no episode is running")
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (NUM_MOTORS,):
            raise ConfigError(f"action has shape {a.shape}; expected ({NUM_MOTORS},) residual motor angles")
        values = a.tolist()
        if not all(map(math.isfinite, values)):
            bad = next(k for k, v in enumerate(values) if not math.isfinite(v))
            raise ConfigError(f"action contains NaN or inf at index {bad}; pass finite values")
        lim = ACTION_LIMIT
        target = [
            m + (lim if v > lim else (-lim if v < -lim else v))
            for m, v in zip(_DEFAULT_MOTOR_ANGLES, values)  # noqa: B905
        ]
        sim = self.sim
        sim.step(target)
        imu, motor = self._read_sensors()
        self._imu = [imu, *self._imu[:-1]]
        self._motor = [motor, *self._motor[:-1]]
        self._last_action = [target, *self._last_action[:-1]]
        pos, orn, lin, ang = sim.base_state()
        self.task.update(self.steps, pos)
        joints, joint_vel = sim.joint_state()
        robot = RobotState(pos, orn, lin, ang, joints, joint_vel, sim.end_effector_positions())
        terms = self.task.reward_terms(robot)
        self._last_terms = terms
        reward = ImitationTask.reward(terms)
        reason = "fall" if self.steps > 0 and sim.has_fallen() else self.task.deviation_exceeded(pos, orn)
        self.steps += 1
        terminated = reason is not None
        truncated = (not terminated) and self.steps >= self.episode_length
        if terminated or truncated:
            self._needs_reset = True
        else:
            self.total_steps += 1
        info = self._info()
        if reason is not None:
            info["termination_reason"] = reason
        # every observed quantity that the physics can corrupt passes through the IMU or the motor angles
        if not math.isfinite(imu[0] + imu[1] + imu[2] + imu[3] + sum(motor)):
            self._needs_reset = True
            raise RuntimeError(
                "the pybullet simulation diverged (non-finite state); call reset() (this is a bug, please report it)"
            )
        return StepResult(self._observation(), reward, terminated, truncated, info)

    def render(self, width: int = 480, height: int = 360) -> np.ndarray:
        """RGB frame (height, width, 3) following the robot."""
        return self.sim.render(width, height)

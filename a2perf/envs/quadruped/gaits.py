"""Procedural reference gaits (pace, trot, spin, walk), generated as code so the env works offline.

Each gait is one cycle of foot trajectories in the robot's heading frame: stance feet stay fixed in
the world while the body moves at constant speed (and yaw rate); swing feet return along a cosine
profile lifted by a half sine. Joint angles come from damped least-squares inverse kinematics on
the Laikago's own leg kinematics (read from pybullet_data's URDF), so stance toes touch the ground
(toe-sphere centre at its 0.03 m radius above z = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import DEFAULT_JOINT_ANGLES, INIT_QUAT
from a2perf.envs.quadruped.kinematics import LegKinematics
from a2perf.envs.quadruped.motion import MotionClip
from a2perf.errors import ConfigError

TOE_RADIUS = 0.03
"""Radius of the toe collision sphere (m); its centre is the toe link CoM."""
JOINT_LOWER = np.array([-0.873, -1.3, -2.164] * 4)
JOINT_UPPER = np.array([1.0472, 3.4, 0.0] * 4)


@dataclass(frozen=True)
class GaitSpec:
    """Parameters of one procedural gait.

    Attributes:
      period: cycle length (s).
      duty: fraction of the cycle each foot is in stance.
      offsets: phase offset per leg, FR, FL, RR, RL (in cycles).
      speed: forward speed of the base (m/s).
      yaw_rate: turning rate of the base (rad/s, counter-clockwise).
      height: base CoM height (m).
      swing_height: peak toe lift (m).
    """

    period: float
    duty: float
    offsets: tuple[float, float, float, float]
    speed: float = 0.0
    yaw_rate: float = 0.0
    height: float = 0.43
    swing_height: float = 0.06
    stance_width: float = 0.0
    """extra lateral toe offset outward from the default pose (m), for roll stability"""


GAITS: dict[str, GaitSpec] = {
    "pace": GaitSpec(period=0.3, duty=0.75, offsets=(0.0, 0.5, 0.0, 0.5), speed=0.4, swing_height=0.04),
    "trot": GaitSpec(
        period=0.4, duty=0.6, offsets=(0.0, 0.5, 0.5, 0.0), speed=0.4, swing_height=0.04, stance_width=0.04
    ),
    "spin": GaitSpec(period=0.4, duty=0.6, offsets=(0.0, 0.5, 0.5, 0.0), yaw_rate=1.0, swing_height=0.04),
    "walk": GaitSpec(period=0.4, duty=0.75, offsets=(0.75, 0.25, 0.5, 0.0), speed=0.25, swing_height=0.04),
}
"""The shipped gaits: trot pairs diagonal legs, pace lateral legs, walk is a 4-beat lateral sequence."""


def _foot_offsets(spec: GaitSpec, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-leg (forward shift (m), yaw angle (rad), lift (m)) at leg phases ``phase`` (..., 4)."""
    stride = spec.speed * spec.period * spec.duty
    turn = spec.yaw_rate * spec.period * spec.duty
    stance = phase < spec.duty
    s_st = phase / spec.duty
    s_sw = (phase - spec.duty) / (1.0 - spec.duty)
    # stance: +1/2 -> -1/2 linearly; swing: -1/2 -> +1/2 along a cosine
    u = np.where(stance, 0.5 - s_st, -0.5 * np.cos(np.pi * np.clip(s_sw, 0.0, 1.0)))
    lift = np.where(stance, 0.0, spec.swing_height * np.sin(np.pi * np.clip(s_sw, 0.0, 1.0)))
    return stride * u, turn * u, lift


def solve_leg_ik(
    kin: LegKinematics, targets: np.ndarray, init: np.ndarray | None = None, iters: int = 50
) -> tuple[np.ndarray, float]:
    """Joint angles placing the toe CoMs at ``targets`` in the upright base frame.

    Args:
      kin: leg kinematics.
      targets: (K, 4, 3) toe positions relative to the base CoM (x forward, y left, z up).
      init: (12,) start pose (default: the default pose).
      iters: damped Gauss-Newton iterations.
    Returns:
      (joints (K, 12) URDF angles within the joint limits, max residual (m)).
    """
    k = targets.shape[0]
    q = np.tile(DEFAULT_JOINT_ANGLES if init is None else init, (k, 1))
    zeros = np.zeros((k, 3))
    rots = np.tile(INIT_QUAT, (k, 1))
    eps = 1e-6
    err = np.inf
    for _ in range(iters):
        toes = kin.toes(zeros, rots, q)
        e = targets - toes
        err = float(np.abs(e).max())
        if err < 1e-9:
            break
        jac = np.empty((k, 4, 3, 3))
        for j in range(3):
            dq = np.zeros(12)
            dq[j::3] = eps
            jac[..., j] = (kin.toes(zeros, rots, q + dq) - toes) / eps
        jt = np.swapaxes(jac, -1, -2)
        step = np.linalg.solve(jt @ jac + 1e-8 * np.eye(3), (jt @ e[..., None]))[..., 0]
        q = np.clip(q + step.reshape(k, 12), JOINT_LOWER, JOINT_UPPER)
    toes = kin.toes(zeros, rots, q)
    return q, float(np.abs(targets - toes).max())


def gait_clip(name: str, kin: LegKinematics, frame_duration: float = 1.0 / 60.0) -> MotionClip:
    """One looping cycle of a shipped gait as a :class:`MotionClip`.

    Raises:
      ConfigError: unknown gait name.
    """
    if name not in GAITS:
        raise ConfigError(f"unknown gait {name!r}; choose one of {sorted(GAITS)}")
    spec = GAITS[name]
    n = round(spec.period / frame_duration) + 1
    t = np.arange(n) * (spec.period / (n - 1))
    nominal = kin.toes(np.zeros(3), INIT_QUAT, DEFAULT_JOINT_ANGLES)
    nominal[:, 2] = TOE_RADIUS - spec.height
    nominal[:, 1] += np.sign(nominal[:, 1]) * spec.stance_width
    phase = np.mod(t[:, None] / spec.period + np.array(spec.offsets), 1.0)
    shift, yaw, lift = _foot_offsets(spec, phase)
    c, s = np.cos(yaw), np.sin(yaw)
    targets = np.empty((n, 4, 3))
    targets[..., 0] = c * nominal[:, 0] - s * nominal[:, 1] + shift
    targets[..., 1] = s * nominal[:, 0] + c * nominal[:, 1]
    targets[..., 2] = nominal[:, 2] + lift
    joints, residual = solve_leg_ik(kin, targets)
    if residual > 1e-4:
        raise ConfigError(
            f"gait {name!r} is out of the leg's reach (IK residual {residual:.3g} m); reduce its stride"
        )
    heading = spec.yaw_rate * t
    root_quat = quat.multiply(quat.about_z(heading), np.tile(INIT_QUAT, (n, 1)))
    root_pos = np.stack([spec.speed * t, np.zeros(n), np.full(n, spec.height)], axis=1)
    if spec.yaw_rate != 0.0 and spec.speed != 0.0:
        raise ConfigError("gaits that both turn and translate are not supported")
    frames = np.concatenate([root_pos, root_quat, joints], axis=1)
    return MotionClip(
        name=name,
        frames=frames,
        frame_duration=float(t[1] - t[0]),
        loop=True,
        cycle_offset_position=True,
        cycle_offset_rotation=spec.yaw_rate != 0.0,
    )


def stance_mask(name: str, times: np.ndarray) -> np.ndarray:
    """(K, 4) True where a leg of gait ``name`` is in stance at clip times ``times`` (s)."""
    spec = GAITS[name]
    phase = np.mod(np.asarray(times)[:, None] / spec.period + np.array(spec.offsets), 1.0)
    return phase < spec.duty

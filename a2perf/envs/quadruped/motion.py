"""Reference motion clips: loading, validation and sampling with cycle offsets.

Two JSON layouts are read:

* the motion-imitation layout of the A2Perf dog clips: ``LoopMode`` ("Wrap" | "Clamp"),
  ``FrameDuration`` (s), optional ``EnableCycleOffsetPosition`` / ``EnableCycleOffsetRotation``, and
  ``Frames``: N rows of 19 numbers [root x, y, z | root quaternion x, y, z, w (URDF base rotation) |
  12 URDF joint angles FR, FL, RR, RL x (abduction, hip, knee)];
* the DeepMimic layout of pybullet_data's ``laikago_walk.txt``: ``Loop`` and ``Frames`` rows of 20 numbers
  [frame duration | root position | root quaternion | 12 motor angles]; see :func:`clip_from_deepmimic`.

Sampling follows the original (spec §3): linear interpolation of positions, joints and velocities,
slerp for the root rotation, and per-cycle offsets of the root for looping clips.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import (
    DEFAULT_JOINT_ANGLES,
    INIT_POSITION,
    INIT_QUAT,
    MOTOR_DIRECTION,
    MOTOR_OFFSET,
)
from a2perf.errors import DataNotFoundError, SchemaError

POSE_DIM = 19
VEL_DIM = 18


@dataclass(frozen=True, eq=False)
class MotionSample:
    """Reference state at one or more times (leading shape K).

    Attributes:
      root_pos: (K, 3) world position of the base CoM (m).
      root_quat: (K, 4) base orientation, xyzw, URDF convention (upright facing +x = (.5, .5, .5, .5)).
      joints: (K, 12) URDF joint angles (rad).
      root_vel: (K, 3) world linear velocity (m/s).
      root_ang_vel: (K, 3) world angular velocity (rad/s).
      joint_vel: (K, 12) joint velocities (rad/s).
    """

    root_pos: np.ndarray
    root_quat: np.ndarray
    joints: np.ndarray
    root_vel: np.ndarray
    root_ang_vel: np.ndarray
    joint_vel: np.ndarray


@dataclass(frozen=True, eq=False)
class MotionClip:
    """A reference motion after the original's post-processing.

    Attributes:
      name: label for messages.
      frames: (N, 19) poses; frame 0 is at x = y = 0, quaternions unit with w >= 0.
      frame_duration: seconds between frames.
      loop: True for "Wrap", False for "Clamp".
      cycle_offset_position: shift the root by the per-cycle displacement when looping.
      cycle_offset_rotation: also rotate each cycle by the per-cycle heading change.
    """

    name: str
    frames: np.ndarray
    frame_duration: float
    loop: bool = True
    cycle_offset_position: bool = False
    cycle_offset_rotation: bool = False
    velocities: np.ndarray = field(init=False, repr=False)
    cycle_delta_pos: np.ndarray = field(init=False, repr=False)
    cycle_delta_heading: float = field(init=False, repr=False)
    _offsets: list = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        frames = np.array(self.frames, dtype=np.float64)
        frames[:, 0:2] -= frames[0, 0:2]
        frames[:, 3:7] = quat.standardize(quat.normalize(frames[:, 3:7]))
        frames.setflags(write=False)
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "velocities", _frame_velocities(frames, self.frame_duration))
        delta = frames[-1, 0:3] - frames[0, 0:3]
        delta[2] = 0.0
        object.__setattr__(self, "cycle_delta_pos", delta)
        dq = quat.multiply(frames[-1, 3:7], quat.conjugate(frames[0, 3:7]))
        object.__setattr__(self, "cycle_delta_heading", float(quat.heading(dq)))
        object.__setattr__(self, "_offsets", [np.zeros(3)])

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def duration(self) -> float:
        """Cycle length T = (N - 1) * frame_duration (s)."""
        return (self.num_frames - 1) * self.frame_duration

    def phase(self, t: float) -> float:
        """Phase in [0, 1) of motion time t (clamped to [0, 1] for Clamp clips)."""
        p = t / self.duration
        if self.loop:
            return p - math.floor(p)
        return min(max(p, 0.0), 1.0)

    def is_over(self, t: float) -> bool:
        """True once a Clamp clip has played to its end (never for Wrap clips)."""
        return (not self.loop) and t >= self.duration

    def _cycle_offset_pos(self, cycles: np.ndarray) -> np.ndarray:
        """Root offset (K, 3) after ``cycles`` (K,) whole cycles."""
        if not self.cycle_offset_position and not self.cycle_offset_rotation:
            return np.zeros((cycles.shape[0], 3))
        if not self.cycle_offset_rotation:
            return cycles[:, None] * self.cycle_delta_pos
        top = int(max(cycles.max(), 0))
        while len(self._offsets) <= top:
            i = len(self._offsets) - 1
            rot = quat.about_z(i * self.cycle_delta_heading)
            self._offsets.append(self._offsets[-1] + quat.rotate(rot, self.cycle_delta_pos))
        idx = np.clip(cycles, 0, None).astype(int)
        return np.stack([self._offsets[i] for i in idx])

    def sample(self, times: np.ndarray) -> MotionSample:
        """Reference state at motion times (s), shape (K,)."""
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        n = self.num_frames
        dur = self.duration
        if self.loop:
            cycles = np.floor(t / dur)
            phase = t / dur - cycles
        else:
            cycles = np.zeros_like(t)
            phase = np.clip(t / dur, 0.0, 1.0)
        f0 = np.minimum((phase * (n - 1)).astype(int), n - 1)
        f1 = np.minimum(f0 + 1, n - 1)
        span = np.where(f1 > f0, self.frame_duration, 1.0)
        blend = np.where(f1 > f0, (phase * dur - f0 * self.frame_duration) / span, 0.0)
        a = self.frames[f0]
        b = self.frames[f1]
        bl = blend[:, None]
        pos = a[:, 0:3] + bl * (b[:, 0:3] - a[:, 0:3])
        rot = quat.standardize(quat.slerp(a[:, 3:7], b[:, 3:7], blend))
        joints = a[:, 7:] + bl * (b[:, 7:] - a[:, 7:])
        va = self.velocities[f0]
        vel = va + bl * (self.velocities[f1] - va)
        root_vel = vel[:, 0:3]
        root_ang_vel = vel[:, 3:6]
        if self.cycle_offset_rotation:
            qc = quat.about_z(cycles * self.cycle_delta_heading)
            pos = quat.rotate(qc, pos)
            rot = quat.standardize(quat.multiply(qc, rot))
            root_vel = quat.rotate(qc, root_vel)
            root_ang_vel = quat.rotate(qc, root_ang_vel)
        pos = pos + self._cycle_offset_pos(cycles)
        return MotionSample(pos, rot, joints, root_vel, root_ang_vel, vel[:, 6:])


def _frame_velocities(frames: np.ndarray, dt: float) -> np.ndarray:
    """Forward-difference velocities (N, 18): [v (3), ω (3, world), joint rates (12)]; last copies previous."""
    n = frames.shape[0]
    vel = np.zeros((n, VEL_DIM))
    if n < 2:
        return vel
    vel[:-1, 0:3] = (frames[1:, 0:3] - frames[:-1, 0:3]) / dt
    dq = quat.multiply(frames[1:, 3:7], quat.conjugate(frames[:-1, 3:7]))
    vel[:-1, 3:6] = quat.axis_angle_vector(dq) / dt
    vel[:-1, 6:] = (frames[1:, 7:] - frames[:-1, 7:]) / dt
    vel[-1] = vel[-2]
    vel.setflags(write=False)
    return vel


def _fail(source: str, problem: str, fix: str = "fix the file or pass another motion_file=") -> SchemaError:
    return SchemaError(f"motion file {source}: {problem}; {fix}")


def _frames_array(raw: Any, width: int, source: str) -> np.ndarray:
    if not isinstance(raw, list) or len(raw) < 2:
        raise _fail(source, "'Frames' must be a list of at least 2 rows")
    for i, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != width:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise _fail(source, f"frame {i} has {got} values, expected {width}")
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in row):
            raise _fail(source, f"frame {i} holds a non-number")
    arr = np.asarray(raw, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        raise _fail(source, f"frame {bad[0][0]} value {bad[0][1]} is not finite")
    return arr


def _check_quats(q: np.ndarray, source: str) -> None:
    norms = np.linalg.norm(q, axis=1)
    bad = np.flatnonzero(norms < 1e-6)
    if bad.size:
        raise _fail(source, f"frame {bad[0]} has a zero root quaternion")


def clip_from_dict(data: Any, source: str = "<dict>") -> MotionClip:
    """Build a clip from a parsed JSON object in either supported layout.

    Raises:
      SchemaError: missing keys, wrong frame width, non-finite values, non-positive durations.
    """
    if not isinstance(data, dict):
        raise _fail(source, f"expected a JSON object, got {type(data).__name__}")
    if "Frames" not in data:
        raise _fail(source, "missing key 'Frames'")
    if "FrameDuration" not in data and "Loop" in data:
        return clip_from_deepmimic(data, source)
    for key in ("LoopMode", "FrameDuration"):
        if key not in data:
            raise _fail(source, f"missing key '{key}'")
    loop_mode = data["LoopMode"]
    if loop_mode not in ("Wrap", "Clamp"):
        raise _fail(source, f"LoopMode is {loop_mode!r}, expected 'Wrap' or 'Clamp'")
    dt = data["FrameDuration"]
    if isinstance(dt, bool) or not isinstance(dt, int | float) or not math.isfinite(dt) or dt <= 0:
        raise _fail(source, f"FrameDuration is {dt!r}, expected a positive number of seconds")
    flags = {}
    for key in ("EnableCycleOffsetPosition", "EnableCycleOffsetRotation"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise _fail(source, f"{key} is {value!r}, expected true or false")
        flags[key] = value
    frames = _frames_array(data["Frames"], POSE_DIM, source)
    _check_quats(frames[:, 3:7], source)
    return MotionClip(
        name=Path(source).stem,
        frames=frames,
        frame_duration=float(dt),
        loop=loop_mode == "Wrap",
        cycle_offset_position=flags["EnableCycleOffsetPosition"],
        cycle_offset_rotation=flags["EnableCycleOffsetRotation"],
    )


def clip_from_deepmimic(data: dict, source: str = "<dict>") -> MotionClip:
    """Convert pybullet_data's DeepMimic-style Laikago clip (``laikago_walk.txt``).

    Rows are [duration, x, y, z, 4 quaternion numbers, 12 motor angles]. pybullet's own kinematic
    playback (``pybullet_envs/deep_mimic/env/testLaikago.py``) places the base at (-x, -y, z) with the
    xyzw quaternion (row[6], row[7], row[4], row[5]); the same transform puts this robot's toes on the
    ground, so it is used here. Motor angles map to URDF angles with this robot's directions and offsets.

    Raises:
      SchemaError: malformed rows, unequal or non-positive frame durations.
    """
    loop = data.get("Loop")
    if loop not in ("wrap", "none"):
        raise _fail(source, f"Loop is {loop!r}, expected 'wrap' or 'none'")
    rows = _frames_array(data["Frames"], POSE_DIM + 1, source)
    durations = rows[:-1, 0]
    if np.any(durations <= 0):
        raise _fail(source, "a frame duration is not positive")
    if np.ptp(durations) > 1e-9:
        raise _fail(source, "frame durations differ; only uniform frame durations are supported")
    _check_quats(rows[:, 4:8], source)
    root_quat = rows[:, [6, 7, 4, 5]]
    pos = rows[:, 1:4] * np.array([-1.0, -1.0, 1.0])
    joints = MOTOR_DIRECTION * rows[:, 8:20] + MOTOR_OFFSET
    frames = np.concatenate([pos, root_quat, joints], axis=1)
    return MotionClip(
        name=Path(source).stem,
        frames=frames,
        frame_duration=float(durations[0]),
        loop=loop == "wrap",
        cycle_offset_position=loop == "wrap",
        cycle_offset_rotation=False,
    )


def load_clip(path: str | Path) -> MotionClip:
    """Read and validate a motion file.

    Raises:
      DataNotFoundError: the file does not exist.
      SchemaError: the file is not valid JSON or not a valid clip.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"motion file {path} not found; pass an existing motion_file= path")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _fail(str(path), f"not valid JSON ({e})") from None
    return clip_from_dict(data, str(path))


def warmup_pose(clip: MotionClip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Default standing pose yawed to the heading of the clip at t = 0: (root_pos, root_quat, joints)."""
    q0 = clip.frames[0, 3:7]
    dh = float(quat.heading(q0) - quat.heading(INIT_QUAT))
    rot = quat.about_z(dh)
    return (
        quat.rotate(rot, INIT_POSITION),
        quat.standardize(quat.multiply(rot, INIT_QUAT)),
        DEFAULT_JOINT_ANGLES,
    )

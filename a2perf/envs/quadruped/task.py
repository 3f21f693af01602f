"""Motion-imitation task: reference timing and offsets, target-frame observation, reward, termination.

Pure numpy; the robot quantities come in as arrays (see :class:`RobotState`). Formulas follow the
original (spec §2-§5); the reference end-effector positions come from numpy forward kinematics
instead of a ghost body in the physics world (same numbers, no extra collision work).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import (
    CONTROL_TIME_STEP,
    END_EFFECTOR_HEIGHT_WEIGHT,
    END_EFFECTOR_SCALE,
    INIT_QUAT,
    MAX_ROOT_ANGLE,
    MAX_ROOT_DISTANCE,
    POSE_SCALE,
    REF_STATE_INIT_PROB,
    REWARD_WEIGHTS,
    ROOT_ANGULAR_VELOCITY_WEIGHT,
    ROOT_POSE_SCALE,
    ROOT_ROTATION_WEIGHT,
    ROOT_VELOCITY_SCALE,
    TARGET_FRAME_STEPS,
    VELOCITY_SCALE,
    WARMUP_TIME,
)
from a2perf.envs.quadruped.kinematics import LegKinematics
from a2perf.envs.quadruped.motion import MotionClip, MotionSample, warmup_pose

_INIT_QUAT_INV1 = quat.conj1(INIT_QUAT.tolist())
_MAX_AHEAD = max(TARGET_FRAME_STEPS)


@dataclass(frozen=True)
class RobotState:
    """True simulator state used by the reward and termination.

    Attributes:
      root_pos (3,), root_quat (4, xyzw), root_vel (3,), root_ang_vel (3,): base CoM, world frame.
      joints (12,), joint_vel (12,): URDF joint angles and rates.
      end_effectors (8, 3): CoM of links 2, 3, 6, 7, 10, 11, 14, 15.
    """

    root_pos: np.ndarray
    root_quat: np.ndarray
    root_vel: np.ndarray
    root_ang_vel: np.ndarray
    joints: np.ndarray
    joint_vel: np.ndarray
    end_effectors: np.ndarray


def _squared_distance(a: list[float], b: list[float]) -> float:
    """Sum of squared differences of two equally long float lists."""
    total = 0.0
    for x, y in zip(a, b):  # noqa: B905 (hot path)
        d = x - y
        total += d * d
    return total


class ImitationTask:
    """Tracks one clip: motion time, origin offsets, cycle sync, reward and termination.

    Args:
      clip: the reference motion.
      kinematics: leg kinematics for the reference end-effector positions.
    """

    def __init__(self, clip: MotionClip, kinematics: LegKinematics) -> None:
        self.clip = clip
        self._kin = kinematics
        self._warmup = warmup_pose(clip)
        self.time_offset = 0.0
        self.warmup = 0.0
        self.origin_pos = np.zeros(3)
        self.origin_yaw = 0.0
        self.motion_time = 0.0
        self._prev_phase = 0.0
        self._row = 0
        self._tab: MotionSample | None = None
        self._tab_phase = np.zeros(0)
        self._tab_ee = np.zeros((0, 8, 3))
        self._rows_pos: list[list[float]] = []
        self._rows_quat: list[list[float]] = []
        self._rows_joints: list[list[float]] = []

    @property
    def origin_quat(self) -> np.ndarray:
        """q_o, the yaw rotation of the origin offset (4,)."""
        return quat.about_z(self.origin_yaw)

    @property
    def ref(self) -> MotionSample:
        """Reference state at the current motion time (K = 1), origin offset applied."""
        f, i = self._tab, self._row
        return MotionSample(
            f.root_pos[i : i + 1] + self.origin_pos,
            *(x[i : i + 1] for x in (f.root_quat, f.joints, f.root_vel, f.root_ang_vel, f.joint_vel)),
        )

    # ------------------------------------------------------------ reference
    def _raw(self, times: np.ndarray) -> MotionSample:
        """Reference before the origin offset; times < 0 give the standing warm-up pose."""
        times = np.atleast_1d(np.asarray(times, dtype=np.float64))
        s = self.clip.sample(np.maximum(times, 0.0))
        neg = times < 0.0
        if not neg.any():
            return s
        pos, rot, joints = (np.array(x) for x in (s.root_pos, s.root_quat, s.joints))
        vels = [np.array(x) for x in (s.root_vel, s.root_ang_vel, s.joint_vel)]
        pos[neg], rot[neg], joints[neg] = self._warmup
        for v in vels:
            v[neg] = 0.0
        return MotionSample(pos, rot, joints, *vels)

    def _offset(self, s: MotionSample, translate: bool = True) -> MotionSample:
        """Apply the origin offset (yaw q_o about the world origin, then p_o) to a raw sample."""
        c, sn = math.cos(self.origin_yaw), math.sin(self.origin_yaw)

        def yaw(v: np.ndarray) -> np.ndarray:
            out = np.empty_like(v)
            out[:, 0] = c * v[:, 0] - sn * v[:, 1]
            out[:, 1] = sn * v[:, 0] + c * v[:, 1]
            out[:, 2] = v[:, 2]
            return out

        return MotionSample(
            yaw(s.root_pos) + (self.origin_pos if translate else 0.0),
            quat.multiply(quat.about_z(self.origin_yaw), s.root_quat),
            s.joints,
            yaw(s.root_vel),
            yaw(s.root_ang_vel),
            s.joint_vel,
        )

    def reference(self, times: np.ndarray) -> MotionSample:
        """Reference state at motion times (K,), with the task's origin offset applied."""
        return self._offset(self._raw(times))

    def reset(
        self, rng: np.random.Generator, robot_pos: np.ndarray, robot_quat: np.ndarray, horizon: int = 600
    ) -> MotionSample:
        """Draw the episode start (RSI or warm-up), set the origin offsets; returns the reference at t_m.

        Args:
          rng: the env's generator (the only source of randomness here).
          robot_pos, robot_quat: the robot's base pose before the reference-state init (default pose).
          horizon: episode length in steps; the reference is tabulated for it once per episode.
        """
        if rng.random() < REF_STATE_INIT_PROB:
            return self.start(
                float(rng.uniform(0.0, self.clip.duration)), 0.0, robot_pos, robot_quat, horizon
            )
        return self.start(float(rng.uniform(0.0, WARMUP_TIME)), WARMUP_TIME, robot_pos, robot_quat, horizon)

    def start(
        self,
        time_offset: float,
        warmup: float,
        robot_pos: np.ndarray,
        robot_quat: np.ndarray,
        horizon: int = 600,
    ) -> MotionSample:
        """Start an episode at motion time ``time_offset - warmup`` (see :meth:`reset`)."""
        self.time_offset = time_offset
        self.warmup = warmup
        t0 = self.time_offset - self.warmup
        raw = self._raw(np.array([t0]))
        dpos = np.asarray(robot_pos, dtype=float) - raw.root_pos[0]
        dpos[2] = 0.0
        self.origin_pos = dpos
        self.origin_yaw = quat.heading1(robot_quat) - quat.heading1(raw.root_quat[0])
        self._tabulate(horizon + _MAX_AHEAD + 1)
        self._row = 0
        self._prev_phase = self._tab_phase[0]
        self.motion_time = t0
        return self.ref

    def _tabulate(self, rows: int) -> None:
        """Sample the reference (yawed by q_o, before p_o) at t_off - w + Δ j for j < rows, with FK."""
        times = self.time_offset + CONTROL_TIME_STEP * np.arange(rows) - self.warmup
        tab = self._offset(self._raw(times), translate=False)
        self._tab = tab
        if self.clip.loop:
            p = times / self.clip.duration
            self._tab_phase = p - np.floor(p)
        else:
            self._tab_phase = np.clip(times / self.clip.duration, 0.0, 1.0)
        self._tab_ee = self._kin.end_effectors(np.zeros((rows, 3)), tab.root_quat, tab.joints)
        self._tab_times = times
        # the rows the target observation, reward and termination read every step, as Python floats
        self._rows_pos = tab.root_pos.tolist()
        self._rows_quat = tab.root_quat.tolist()
        self._rows_joints = tab.joints.tolist()

    def update(self, steps_done: int, robot_pos: np.ndarray) -> None:
        """Advance the reference to the step's motion time; cycle sync at phase wrap.

        Args:
          steps_done: env steps completed before this one (the original's counter before increment),
            so t_m = t_off + Δ * steps_done - w: the reference does not advance in the first step.
          robot_pos: (3,) current base position, for cycle sync.
        """
        row = steps_done
        if row + _MAX_AHEAD >= self._tab_phase.shape[0]:
            self._tabulate(2 * (row + _MAX_AHEAD + 1))
        phase = self._tab_phase[row]
        if self.clip.loop and phase < self._prev_phase:
            ref = self._tab.root_pos[row]
            self.origin_pos = np.array([robot_pos[0] - ref[0], robot_pos[1] - ref[1], 0.0])
        self._prev_phase = phase
        self._row = row
        self.motion_time = float(self._tab_times[row])

    # ---------------------------------------------------------- observation
    def target_observation(self, robot_heading: float) -> list[float]:
        """Target frames (76 floats): for k in (1, 2, 10, 30) steps ahead, [pos (3), quat (4), joints (12)].

        Positions relative to the current reference, both rotated by the robot's heading.

        Args:
          robot_heading: heading of the robot's (delayed) canonical base orientation (rad).
        """
        pos, rot, joints, i = self._rows_pos, self._rows_quat, self._rows_joints, self._row
        c, sn = math.cos(robot_heading), math.sin(robot_heading)
        # q_z(-h) ⊗ q with q_z(-h) = (0, 0, -sin(h/2), cos(h/2))
        hs, hc = -math.sin(0.5 * robot_heading), math.cos(0.5 * robot_heading)
        x0, y0, z0 = pos[i]
        out: list[float] = []
        for k in TARGET_FRAME_STEPS:
            px, py, pz = pos[i + k]
            rx, ry = px - x0, py - y0
            x, y, z, w = rot[i + k]
            q = (hc * x - hs * y, hc * y + hs * x, hc * z + hs * w, hc * w - hs * z)
            if q[3] < 0.0:
                q = (-q[0], -q[1], -q[2], -q[3])
            out += [c * rx + sn * ry, -sn * rx + c * ry, pz - z0, *q, *joints[i + k]]
        return out

    # ------------------------------------------------------------- reward
    def reward_terms(self, robot: RobotState) -> dict[str, float]:
        """The five reward terms, each in [0, 1] (spec §4).

        Scalar Python arithmetic on the few dozen numbers involved: per env step this runs right after
        33 physics substeps have evicted the interpreter's caches, where every small numpy call costs
        several microseconds.
        """
        f, i = self._tab, self._row
        pose_err = _squared_distance(f.joints[i].tolist(), robot.joints.tolist())
        vel_err = _squared_distance(f.joint_vel[i].tolist(), robot.joint_vel.tolist())
        ox, oy, oz = self.origin_pos.tolist()
        px, py, pz = self._rows_pos[i]
        ref_x, ref_y, ref_z = px + ox, py + oy, pz + oz
        ref_quat = self._rows_quat[i]
        sim_quat = robot.root_quat.tolist()
        h_ref = quat.heading1(quat.mul1(ref_quat, _INIT_QUAT_INV1))
        h_sim = quat.heading1(quat.mul1(sim_quat, _INIT_QUAT_INV1))
        # end effectors in each body's heading frame: R_z(-h) applied to xy; z stays world height
        cr, sr = math.cos(h_ref), math.sin(h_ref)
        cs, ss = math.cos(h_sim), math.sin(h_sim)
        bx, by, bz = robot.root_pos.tolist()
        ee_xy = ee_z = 0.0
        for (ex, ey, ez), (sx, sy, sz) in zip(self._tab_ee[i].tolist(), robot.end_effectors.tolist()):  # noqa: B905
            sx, sy = sx - bx, sy - by
            dx = (cr * ex + sr * ey) - (cs * sx + ss * sy)
            dy = (cr * ey - sr * ex) - (cs * sy - ss * sx)
            dz = (ez + ref_z) - sz
            ee_xy += dx * dx + dy * dy
            ee_z += dz * dz
        ee_err = ee_xy + END_EFFECTOR_HEIGHT_WEIGHT * ee_z
        dpx, dpy, dpz = ref_x - bx, ref_y - by, ref_z - bz
        theta = quat.angle1(quat.mul1(ref_quat, quat.conj1(sim_quat)))
        root_pose_err = (dpx * dpx + dpy * dpy + dpz * dpz) + ROOT_ROTATION_WEIGHT * theta * theta
        lin_err = _squared_distance(f.root_vel[i].tolist(), robot.root_vel.tolist())
        ang_err = _squared_distance(f.root_ang_vel[i].tolist(), robot.root_ang_vel.tolist())
        root_vel_err = lin_err + ROOT_ANGULAR_VELOCITY_WEIGHT * ang_err
        return {
            "pose": math.exp(-POSE_SCALE * pose_err),
            "velocity": math.exp(-VELOCITY_SCALE * vel_err),
            "end_effector": math.exp(-END_EFFECTOR_SCALE * ee_err),
            "root_pose": math.exp(-ROOT_POSE_SCALE * root_pose_err),
            "root_velocity": math.exp(-ROOT_VELOCITY_SCALE * root_vel_err),
        }

    @staticmethod
    def reward(terms: dict[str, float]) -> float:
        """Weighted sum 0.5 pose + 0.05 velocity + 0.2 end-effector + 0.15 root pose + 0.1 root velocity."""
        return sum(REWARD_WEIGHTS[k] * v for k, v in terms.items())

    def deviation_exceeded(self, root_pos: np.ndarray, root_quat: np.ndarray) -> str | None:
        """Name of the violated limit (root > 1 m from the reference, or rotated > pi/2), else None."""
        i = self._row
        (px, py, pz), (ox, oy, oz) = self._rows_pos[i], self.origin_pos.tolist()
        bx, by, bz = np.asarray(root_pos).tolist()
        dx, dy, dz = px + ox - bx, py + oy - by, pz + oz - bz
        if dx * dx + dy * dy + dz * dz > MAX_ROOT_DISTANCE**2:
            return "root_distance"
        theta = quat.angle1(quat.mul1(self._rows_quat[i], quat.conj1(np.asarray(root_quat).tolist())))
        if abs(theta) > MAX_ROOT_ANGLE:
            return "root_rotation"
        if self.clip.is_over(self.motion_time):
            return "motion_over"
        return None

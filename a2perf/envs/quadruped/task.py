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

_INIT_QUAT_INV = quat.conjugate(INIT_QUAT)
_TARGET_OFFSETS = np.array((0, *TARGET_FRAME_STEPS), dtype=np.float64) * CONTROL_TIME_STEP


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


def _heading_rot_z(h: float) -> np.ndarray:
    """2x2 rotation R_z(-h) acting on xy."""
    c, s = math.cos(h), math.sin(h)
    return np.array([[c, s], [-s, c]])


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
        self.origin_quat = np.array([0.0, 0.0, 0.0, 1.0])
        self.motion_time = 0.0
        self._prev_phase = 0.0
        self.ref: MotionSample | None = None
        self._ref_ee: np.ndarray | None = None

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

    def reference(self, times: np.ndarray) -> MotionSample:
        """Reference state at motion times (K,), with the task's origin offset applied."""
        s = self._raw(times)
        qo = self.origin_quat
        return MotionSample(
            quat.rotate(qo, s.root_pos) + self.origin_pos,
            quat.multiply(qo, s.root_quat),
            s.joints,
            quat.rotate(qo, s.root_vel),
            quat.rotate(qo, s.root_ang_vel),
            s.joint_vel,
        )

    def reset(self, rng: np.random.Generator, robot_pos: np.ndarray, robot_quat: np.ndarray) -> MotionSample:
        """Draw the episode start (RSI or warm-up), set the origin offsets; returns the reference at t_m.

        Args:
          rng: the env's generator (the only source of randomness here).
          robot_pos, robot_quat: the robot's base pose before the reference-state init (default pose).
        """
        if rng.random() < REF_STATE_INIT_PROB:
            self.time_offset = float(rng.uniform(0.0, self.clip.duration))
            self.warmup = 0.0
        else:
            self.time_offset = float(rng.uniform(0.0, WARMUP_TIME))
            self.warmup = WARMUP_TIME
        t0 = self.time_offset - self.warmup
        raw = self._raw(np.array([t0]))
        dpos = np.asarray(robot_pos, dtype=float) - raw.root_pos[0]
        dpos[2] = 0.0
        self.origin_pos = dpos
        self.origin_quat = quat.about_z(float(quat.heading(robot_quat) - quat.heading(raw.root_quat[0])))
        self.motion_time = t0
        self._prev_phase = self.clip.phase(t0)
        self._set_ref(t0)
        return self.ref

    def _set_ref(self, t: float) -> None:
        self.ref = self.reference(np.array([t]))
        r = self.ref
        self._ref_ee = self._kin.end_effectors(r.root_pos[0], r.root_quat[0], r.joints[0])

    def update(self, steps_done: int, robot_pos: np.ndarray) -> None:
        """Advance the reference to the step's motion time; cycle sync at phase wrap.

        Args:
          steps_done: env steps completed before this one (the original's counter before increment),
            so t_m = t_off + Δ * steps_done - w: the reference does not advance in the first step.
          robot_pos: (3,) current base position, for cycle sync.
        """
        t = self.time_offset + CONTROL_TIME_STEP * steps_done - self.warmup
        phase = self.clip.phase(t)
        if self.clip.loop and phase < self._prev_phase:
            raw = self._raw(np.array([t]))
            ref_xy = quat.rotate(self.origin_quat, raw.root_pos[0])[:2]
            self.origin_pos = np.array([robot_pos[0] - ref_xy[0], robot_pos[1] - ref_xy[1], 0.0])
        self._prev_phase = phase
        self.motion_time = t
        self._set_ref(t)

    # ---------------------------------------------------------- observation
    def target_observation(self, robot_heading: float) -> np.ndarray:
        """Target frames (76,): for k in (1, 2, 10, 30) steps ahead, [pos (3), quat (4), joints (12)].

        Args:
          robot_heading: heading of the robot's (delayed) canonical base orientation (rad).
        """
        times = self.motion_time + _TARGET_OFFSETS[1:]
        s = self.reference(times)
        p_ref = self.ref.root_pos[0]
        rel = s.root_pos - p_ref
        c, sn = math.cos(robot_heading), math.sin(robot_heading)
        x = c * rel[:, 0] + sn * rel[:, 1]
        y = -sn * rel[:, 0] + c * rel[:, 1]
        q = quat.standardize(quat.multiply(quat.about_z(-robot_heading), s.root_quat))
        out = np.concatenate([x[:, None], y[:, None], rel[:, 2:3], q, s.joints], axis=1)
        return out.reshape(-1)

    # ------------------------------------------------------------- reward
    def reward_terms(self, robot: RobotState) -> dict[str, float]:
        """The five reward terms, each in [0, 1] (spec §4)."""
        r = self.ref
        pose_err = float(np.sum((r.joints[0] - robot.joints) ** 2))
        vel_err = float(np.sum((r.joint_vel[0] - robot.joint_vel) ** 2))
        ref_pos, ref_quat = r.root_pos[0], r.root_quat[0]
        h_ref = float(quat.heading(quat.multiply(ref_quat, _INIT_QUAT_INV)))
        h_sim = float(quat.heading(quat.multiply(robot.root_quat, _INIT_QUAT_INV)))
        ref_local = (self._ref_ee[:, :2] - ref_pos[:2]) @ _heading_rot_z(h_ref).T
        sim_local = (robot.end_effectors[:, :2] - robot.root_pos[:2]) @ _heading_rot_z(h_sim).T
        dz = self._ref_ee[:, 2] - robot.end_effectors[:, 2]
        ee_err = float(np.sum((ref_local - sim_local) ** 2) + END_EFFECTOR_HEIGHT_WEIGHT * np.sum(dz * dz))
        dpos = ref_pos - robot.root_pos
        theta = float(quat.angle(quat.multiply(ref_quat, quat.conjugate(robot.root_quat))))
        root_pose_err = float(dpos @ dpos) + ROOT_ROTATION_WEIGHT * theta * theta
        dv = r.root_vel[0] - robot.root_vel
        dw = r.root_ang_vel[0] - robot.root_ang_vel
        root_vel_err = float(dv @ dv) + ROOT_ANGULAR_VELOCITY_WEIGHT * float(dw @ dw)
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
        r = self.ref
        d = r.root_pos[0] - root_pos
        if float(d @ d) > MAX_ROOT_DISTANCE**2:
            return "root_distance"
        theta = float(quat.angle(quat.multiply(r.root_quat[0], quat.conjugate(root_quat))))
        if abs(theta) > MAX_ROOT_ANGLE:
            return "root_rotation"
        if self.clip.is_over(self.motion_time):
            return "motion_over"
        return None

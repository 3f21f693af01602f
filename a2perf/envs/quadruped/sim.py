"""The simulated Laikago: pybullet world, motor pipeline and latency history (no gymnasium).

One :class:`LaikagoSim` owns one pybullet DIRECT client. Per env step it runs, like the original
(spec §1-2): Butterworth action filter -> per-substep interpolation -> clip to ±0.2 rad around the
latency-delayed measured angle -> PD (K_p 220, K_d 0.3/2/2, no torque limit) -> 1 ms physics step,
33 times. The per-substep work is kept to two pybullet calls and one list comprehension.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import (
    ACTION_REPEAT,
    CONTROL_TIME_STEP,
    DEFAULT_JOINT_ANGLES,
    END_EFFECTOR_LINK_IDS,
    FILTER_CUTOFF_HZ,
    GRAVITY,
    GROUND_URDF_PATH,
    INIT_POSITION,
    INIT_QUAT,
    KD,
    KNEE_JOINT_IDS,
    KP,
    MAX_MOTOR_ANGLE_CHANGE,
    MOTOR_DIRECTION,
    MOTOR_JOINT_IDS,
    MOTOR_OFFSET,
    NUM_MOTORS,
    NUM_SOLVER_ITERATIONS,
    SIM_TIME_STEP,
    URDF_PATH,
)
from a2perf.envs.quadruped.kinematics import LegKinematics
from a2perf.errors import DependencyMissingError

_HISTORY_KEEP = 64
"""Readings kept in the latency history (>= 42 needed for the 40 ms maximum latency)."""
_INIT_QUAT_INV = quat.conj1(INIT_QUAT.tolist())
_HIP_WRAP = MOTOR_OFFSET[1] + math.pi
"""A hip URDF angle above this has a motor angle > pi (wrapped before clipping)."""
_KNEE_WRAP = MOTOR_OFFSET[2] - math.pi
_FOOT_LINK_IDS = END_EFFECTOR_LINK_IDS
_CONTACT_OK = frozenset(END_EFFECTOR_LINK_IDS)


def _blend(newer: tuple, older: tuple, alpha: float) -> tuple:
    """Linear blend of two joint-state history entries (positions only), ``alpha`` toward ``older``."""
    a = 1.0 - alpha
    return tuple((a * x[0] + alpha * y[0],) for x, y in zip(newer, older, strict=True))


def _wrapped(entry: tuple) -> tuple:
    """History entry with positions whose motor angle is wrapped to [-pi, pi) (for the clip)."""
    u = np.array([x[0] for x in entry])
    return tuple((x,) for x in urdf_from_motor(wrap_angle(motor_from_urdf(u))).tolist())


def butterworth_coefficients(cutoff_hz: float, sample_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """2nd-order Butterworth low-pass (bilinear transform with pre-warping), returns (b (3,), a (3,))."""
    k = math.tan(math.pi * cutoff_hz / sample_hz)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    b = np.array([b0, 2.0 * b0, b0])
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


FILTER_B, FILTER_A = butterworth_coefficients(FILTER_CUTOFF_HZ, 1.0 / CONTROL_TIME_STEP)


def wrap_angle(x: np.ndarray) -> np.ndarray:
    """Map angles to [-pi, pi)."""
    return np.mod(np.asarray(x) + math.pi, 2.0 * math.pi) - math.pi


def motor_from_urdf(u: np.ndarray) -> np.ndarray:
    """Motor (SDK) angles from URDF joint angles, shape (..., 12)."""
    return MOTOR_DIRECTION * (np.asarray(u) - MOTOR_OFFSET)


def urdf_from_motor(m: np.ndarray) -> np.ndarray:
    """URDF joint angles from motor angles, shape (..., 12)."""
    return MOTOR_DIRECTION * np.asarray(m) + MOTOR_OFFSET


@dataclass(frozen=True)
class Dynamics:
    """Dynamics parameters of one episode (all 1 / 0 / 2 ms in test mode).

    Attributes:
      base_mass_ratio, leg_mass_ratio: scale the URDF masses of the trunk and of every leg link.
      base_inertia_ratio, leg_inertia_ratio: scale the local inertia diagonals likewise.
      motor_strength: (12,) scale of the PD torque per motor.
      latency: observation and clip delay (s).
      foot_friction: lateral friction of the 8 toe and lower-leg links (ground is 0.9).
      knee_friction: (4,) Coulomb-like knee friction (N m), a zero-velocity motor with that max force.
    """

    base_mass_ratio: float = 1.0
    leg_mass_ratio: float = 1.0
    base_inertia_ratio: float = 1.0
    leg_inertia_ratio: float = 1.0
    motor_strength: tuple[float, ...] = (1.0,) * NUM_MOTORS
    latency: float = 0.002
    foot_friction: float = 1.0
    knee_friction: tuple[float, ...] = (0.0,) * 4


class LaikagoSim:
    """pybullet world with one Laikago and a ground plane.

    Args:
      render: load visual shapes (needed for :meth:`render`; costs ~180 MB of RAM).
    """

    def __init__(self, render: bool = False) -> None:
        try:
            import pybullet
            import pybullet_data
        except ImportError:
            raise DependencyMissingError(
                "the quadruped domain needs pybullet; run: pip install 'a2perf[quadruped]'"
            ) from None
        self._pb = pybullet
        self.client = pybullet.connect(pybullet.DIRECT)
        cid = self.client
        data = pybullet_data.getDataPath()
        pybullet.resetSimulation(physicsClientId=cid)
        pybullet.setTimeStep(SIM_TIME_STEP, physicsClientId=cid)
        pybullet.setGravity(*GRAVITY, physicsClientId=cid)
        pybullet.setPhysicsEngineParameter(
            numSolverIterations=NUM_SOLVER_ITERATIONS, enableConeFriction=0, physicsClientId=cid
        )
        self.ground = pybullet.loadURDF(f"{data}/{GROUND_URDF_PATH}", physicsClientId=cid)
        flags = 0 if render else pybullet.URDF_IGNORE_VISUAL_SHAPES
        self.robot = pybullet.loadURDF(
            f"{data}/{URDF_PATH}",
            INIT_POSITION.tolist(),
            INIT_QUAT.tolist(),
            flags=flags,
            physicsClientId=cid,
        )
        rid = self.robot
        pybullet.changeDynamics(rid, -1, linearDamping=0, angularDamping=0, physicsClientId=cid)
        self.num_joints = pybullet.getNumJoints(rid, physicsClientId=cid)
        pybullet.setJointMotorControlArray(
            rid,
            list(range(self.num_joints)),
            pybullet.VELOCITY_CONTROL,
            forces=[0.0] * self.num_joints,
            physicsClientId=cid,
        )
        self.kinematics = LegKinematics.from_pybullet(rid, cid)
        self._nominal = {
            link: pybullet.getDynamicsInfo(rid, link, physicsClientId=cid)[:3]
            for link in range(-1, self.num_joints)
        }
        self._joint_ids = list(MOTOR_JOINT_IDS)
        self._dynamics = Dynamics()
        self._dynamics_applied = Dynamics()
        self._lat_n = 2
        self._lat_alpha = 0.0
        self._kp = KP.tolist()
        self._kd = KD.tolist()
        self.physics_time = 0.0
        """Seconds spent inside stepSimulation while :attr:`clock` was set (instrumentation)."""
        self.clock: Callable[[], float] | None = None
        """Clock that times each stepSimulation into :attr:`physics_time`, e.g. ``time.perf_counter``;
        ``None`` (default) skips the timing (two clock reads per substep)."""
        self._initial_state = pybullet.saveState(physicsClientId=cid)
        self.reset_history()

    # ------------------------------------------------------------------ state
    def close(self) -> None:
        """Disconnect the pybullet client (idempotent)."""
        if self.client is not None:
            with contextlib.suppress(Exception):  # pybullet raises a bare error if already gone
                self._pb.disconnect(physicsClientId=self.client)
            self.client = None

    def set_state(
        self,
        root_pos: np.ndarray,
        root_quat: np.ndarray,
        root_vel: np.ndarray,
        root_ang_vel: np.ndarray,
        joints: np.ndarray,
        joint_vel: np.ndarray,
    ) -> None:
        """Teleport the robot: base pose (3,)+(4,) and velocity (3,)+(3,), URDF joints and rates (12,)."""
        pb, cid, rid = self._pb, self.client, self.robot
        pb.resetBasePositionAndOrientation(rid, list(root_pos), list(root_quat), physicsClientId=cid)
        pb.resetBaseVelocity(rid, list(root_vel), list(root_ang_vel), physicsClientId=cid)
        pb.resetJointStatesMultiDof(
            rid,
            self._joint_ids,
            [[float(x)] for x in joints],
            targetVelocities=[[float(x)] for x in joint_vel],
            physicsClientId=cid,
        )

    def restore_initial_state(self) -> None:
        """Put every body back as built and drop cached contacts, so that episodes are deterministic.

        Lifting the robot far above the ground and running collision detection deletes the
        robot-ground contact manifold, whose warm-start impulses would otherwise carry over.
        """
        pb, cid = self._pb, self.client
        pb.resetBasePositionAndOrientation(
            self.robot, [0.0, 0.0, 100.0], INIT_QUAT.tolist(), physicsClientId=cid
        )
        pb.performCollisionDetection(physicsClientId=cid)
        pb.restoreState(self._initial_state, physicsClientId=cid)

    def reset_history(self) -> None:
        """Forget the latency history and the filter; the only reading is the default standing pose.

        This is the original's reset (spec §2 "stale" reading): the history is filled while the robot is
        still in the default pose, before the reference-state init moves it.
        """
        self._hist_q: list[tuple] = [tuple((u, 0.0) for u in DEFAULT_JOINT_ANGLES.tolist())]
        self._hist_base: list[tuple | None] = [(tuple(INIT_QUAT.tolist()), (0.0, 0.0, 0.0))]
        self._filter_x: np.ndarray | None = None
        self._filter_y: np.ndarray | None = None
        self._last_filtered: np.ndarray | None = None

    def set_dynamics(self, dyn: Dynamics) -> None:
        """Apply an episode's dynamics parameters (masses, inertias, friction, strength, latency)."""
        pb, cid, rid = self._pb, self.client, self.robot
        old = self._dynamics_applied
        if (dyn.base_mass_ratio, dyn.base_inertia_ratio) != (old.base_mass_ratio, old.base_inertia_ratio):
            mass, _, inertia = self._nominal[-1]
            pb.changeDynamics(
                rid,
                -1,
                mass=mass * dyn.base_mass_ratio,
                localInertiaDiagonal=[x * dyn.base_inertia_ratio for x in inertia],
                physicsClientId=cid,
            )
        if (dyn.leg_mass_ratio, dyn.leg_inertia_ratio) != (old.leg_mass_ratio, old.leg_inertia_ratio):
            for link in range(self.num_joints):
                mass, _, inertia = self._nominal[link]
                pb.changeDynamics(
                    rid,
                    link,
                    mass=mass * dyn.leg_mass_ratio,
                    localInertiaDiagonal=[x * dyn.leg_inertia_ratio for x in inertia],
                    physicsClientId=cid,
                )
        if dyn.foot_friction != old.foot_friction:
            for link in _FOOT_LINK_IDS:
                pb.changeDynamics(rid, link, lateralFriction=dyn.foot_friction, physicsClientId=cid)
        if dyn.knee_friction != old.knee_friction:
            pb.setJointMotorControlArray(
                rid,
                list(KNEE_JOINT_IDS),
                pb.VELOCITY_CONTROL,
                targetVelocities=[0.0] * 4,
                forces=list(dyn.knee_friction),
                physicsClientId=cid,
            )
        self._dynamics_applied = dyn
        self._dynamics = dyn
        strength = np.asarray(dyn.motor_strength, dtype=float)
        self._kp = (KP * strength).tolist()
        self._kd = (KD * strength).tolist()
        n = int(dyn.latency / SIM_TIME_STEP)
        self._lat_n = n
        self._lat_alpha = (dyn.latency - n * SIM_TIME_STEP) / SIM_TIME_STEP

    @property
    def dynamics(self) -> Dynamics:
        return self._dynamics

    # -------------------------------------------------------------- stepping
    def _delayed_index(self, hist_len: int) -> tuple[int, int, float]:
        """(newer, older, alpha) list indices of the delayed reading; alpha blends toward ``older``."""
        n = self._lat_n
        if n + 1 >= hist_len:
            return 0, 0, 0.0
        return hist_len - 1 - n, hist_len - 2 - n, self._lat_alpha

    def _delayed_joints(self) -> tuple[float, ...]:
        hq = self._hist_q
        i, j, alpha = self._delayed_index(len(hq))
        entry = hq[i] if alpha == 0.0 else _blend(hq[i], hq[j], alpha)
        return tuple(x[0] for x in entry)

    def delayed_motor_angles(self) -> np.ndarray:
        """Latency-delayed measured motor angles, wrapped to [-pi, pi), shape (12,)."""
        return wrap_angle(motor_from_urdf(np.array(self._delayed_joints())))

    def delayed_base(self) -> tuple[np.ndarray, np.ndarray]:
        """Latency-delayed canonical base orientation q_rel (4,) and body rates (3,) (linear blend)."""
        hb = self._hist_base
        i, j, alpha = self._delayed_index(len(hb))
        q, w = self._base_reading(hb[i])
        if alpha == 0.0:
            return q, w
        q2, w2 = self._base_reading(hb[j])
        return (1.0 - alpha) * q + alpha * q2, (1.0 - alpha) * w + alpha * w2

    @staticmethod
    def _base_reading(entry: tuple | None) -> tuple[np.ndarray, np.ndarray]:
        if entry is None:
            raise RuntimeError("base reading needed by the latency model was not recorded (bug)")
        q_world, w_world = entry
        q_rel = quat.mul1(q_world, _INIT_QUAT_INV)
        rates = quat.rotate1(quat.conj1(q_rel), w_world)
        return np.array(q_rel), np.array(rates)

    def step(self, motor_targets: np.ndarray) -> None:
        """Advance one env step (33 x 1 ms) toward absolute motor targets m0 + a, shape (12,)."""
        x = np.asarray(motor_targets, dtype=np.float64)
        if self._filter_x is None:
            init = self.delayed_motor_angles()
            self._filter_x = np.stack([init, init])
            self._filter_y = np.stack([init, init])
        fx, fy = self._filter_x, self._filter_y
        y = (
            FILTER_B[0] * x
            + FILTER_B[1] * fx[0]
            + FILTER_B[2] * fx[1]
            - FILTER_A[1] * fy[0]
            - FILTER_A[2] * fy[1]
        )
        fx[1] = fx[0]
        fx[0] = x
        fy[1] = fy[0]
        fy[0] = y
        prev = self._last_filtered
        if prev is None:
            targets = np.broadcast_to(urdf_from_motor(y), (ACTION_REPEAT, NUM_MOTORS)).tolist()
        else:
            frac = np.arange(1, ACTION_REPEAT + 1)[:, None] / ACTION_REPEAT
            targets = urdf_from_motor(prev + frac * (y - prev)).tolist()
        self._last_filtered = y
        self._run_substeps(targets)

    def _run_substeps(self, targets: list[list[float]]) -> None:
        """33 x (clip, PD, stepSimulation, read joints). History entries are pybullet joint-state tuples."""
        pb = self._pb
        cid, rid, jids = self.client, self.robot, self._joint_ids
        get_states = pb.getJointStates
        set_control = pb.setJointMotorControlArray
        step_sim = pb.stepSimulation
        get_pose = pb.getBasePositionAndOrientation
        get_vel = pb.getBaseVelocity
        torque_mode = pb.TORQUE_CONTROL
        clock = self.clock
        hq, hb = self._hist_q, self._hist_base
        n, alpha = self._lat_n, self._lat_alpha
        kp, kd = self._kp, self._kd
        lim = MAX_MOTOR_ANGLE_CHANGE
        # base readings are only needed where the delayed IMU reading will look (substeps 31-n, 32-n)
        if n + 2 < ACTION_REPEAT:
            record_from = ACTION_REPEAT - 1 - n - (1 if alpha > 0.0 else 0)
            record_to = ACTION_REPEAT - 1 - n
        else:
            record_from, record_to = 0, ACTION_REPEAT - 1
        phys = 0.0
        # the delayed reading is history entry -1-n once the history is long enough and the latency
        # is a whole number of substeps (always in test mode); otherwise it is looked up or blended
        exact = alpha == 0.0
        for i in range(ACTION_REPEAT):
            length = len(hq)
            if exact and length > n + 1:
                ud = hq[length - 1 - n]
            elif n + 1 >= length:
                ud = hq[0]
            else:
                ud = _blend(hq[length - 1 - n], hq[length - 2 - n], alpha)
            if (
                ud[1][0] > _HIP_WRAP
                or ud[4][0] > _HIP_WRAP
                or ud[7][0] > _HIP_WRAP
                or ud[10][0] > _HIP_WRAP
                or ud[2][0] < _KNEE_WRAP
                or ud[5][0] < _KNEE_WRAP
                or ud[8][0] < _KNEE_WRAP
                or ud[11][0] < _KNEE_WRAP
            ):
                ud = _wrapped(ud)
            tau = [
                p * ((t if -lim <= t - (c := sd[0]) <= lim else (c + lim if t > c else c - lim)) - s[0])
                - d * s[1]
                for t, sd, s, p, d in zip(targets[i], ud, hq[-1], kp, kd)  # noqa: B905 (hot loop)
            ]
            set_control(rid, jids, torque_mode, forces=tau, physicsClientId=cid)
            if clock is None:
                step_sim(physicsClientId=cid)
            else:
                t0 = clock()
                step_sim(physicsClientId=cid)
                phys += clock() - t0
            hq.append(get_states(rid, jids, physicsClientId=cid))
            if record_from <= i <= record_to:
                hb.append((get_pose(rid, physicsClientId=cid)[1], get_vel(rid, physicsClientId=cid)[1]))
            else:
                hb.append(None)
        self.physics_time += phys
        if len(hq) > _HISTORY_KEEP:
            del hq[:-_HISTORY_KEEP]
            del hb[:-_HISTORY_KEEP]

    # ---------------------------------------------------------------- reading
    def joint_state(self) -> tuple[np.ndarray, np.ndarray]:
        """True URDF joint angles and rates (12,) after the last physics step."""
        states = self._hist_q[-1]
        return np.array([x[0] for x in states]), np.array([x[1] for x in states])

    def base_state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """True base CoM position (3,), orientation xyzw (4,), world linear (3,) and angular (3,) velocity."""
        pb, cid, rid = self._pb, self.client, self.robot
        pos, orn = pb.getBasePositionAndOrientation(rid, physicsClientId=cid)
        lin, ang = pb.getBaseVelocity(rid, physicsClientId=cid)
        return np.array(pos), np.array(orn), np.array(lin), np.array(ang)

    def end_effector_positions(self) -> np.ndarray:
        """World CoM positions (8, 3) of the lower legs and toes (links 2, 3, 6, 7, 10, 11, 14, 15)."""
        states = self._pb.getLinkStates(self.robot, list(END_EFFECTOR_LINK_IDS), physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def has_fallen(self) -> bool:
        """True if any robot link other than the lower legs and toes touches the ground."""
        contacts = self._pb.getContactPoints(bodyA=self.robot, bodyB=self.ground, physicsClientId=self.client)
        return any(c[3] not in _CONTACT_OK for c in contacts)

    def refresh_reading(self) -> None:
        """Append a reading of the current true state to the history (used when fixing the stale obs)."""
        pb, cid, rid = self._pb, self.client, self.robot
        self._hist_q.append(pb.getJointStates(rid, self._joint_ids, physicsClientId=cid))
        self._hist_base.append(
            (
                pb.getBasePositionAndOrientation(rid, physicsClientId=cid)[1],
                pb.getBaseVelocity(rid, physicsClientId=cid)[1],
            )
        )

    def render(self, width: int = 480, height: int = 360, distance: float = 1.5) -> np.ndarray:
        """RGB image (height, width, 3) uint8 from a camera that follows the robot base."""
        pb, cid = self._pb, self.client
        pos, _ = pb.getBasePositionAndOrientation(self.robot, physicsClientId=cid)
        view = pb.computeViewMatrixFromYawPitchRoll(
            cameraTargetPosition=pos,
            distance=distance,
            yaw=30.0,
            pitch=-25.0,
            roll=0.0,
            upAxisIndex=2,
            physicsClientId=cid,
        )
        proj = pb.computeProjectionMatrixFOV(
            fov=60.0, aspect=width / height, nearVal=0.1, farVal=100.0, physicsClientId=cid
        )
        _, _, rgba, _, _ = pb.getCameraImage(
            width,
            height,
            viewMatrix=view,
            projectionMatrix=proj,
            renderer=pb.ER_TINY_RENDERER,
            physicsClientId=cid,
        )
        return np.asarray(rgba, dtype=np.uint8).reshape(height, width, 4)[:, :, :3].copy()

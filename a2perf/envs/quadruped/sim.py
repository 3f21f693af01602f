"""The simulated Laikago: pybullet world, motor pipeline and latency history (no gymnasium).

One :class:`LaikagoSim` owns one pybullet DIRECT client. Per env step it runs, like the original
(spec §1-2): Butterworth action filter -> per-substep interpolation -> clip to ±0.2 rad around the
latency-delayed measured angle -> PD (K_p 220, K_d 0.3/2/2, no torque limit) -> 1 ms physics step,
33 times. That 1 kHz loop runs compiled inside pybullet's physics server (``_pdloop.c``, a pybullet
plugin) when the extension was built, else in Python (:meth:`LaikagoSim._run_substeps_python`);
both give bit-identical trajectories. ``A2PERF_QUADRUPED_PD_LOOP=python|compiled|auto`` chooses
(default auto: compiled if available, with a warning when it is not).
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

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
from a2perf.errors import ConfigError, DependencyMissingError

_CAPACITY = 64
"""Readings kept in the ring history (>= 42 needed for the 40 ms maximum latency)."""
PD_LOOP_ENV = "A2PERF_QUADRUPED_PD_LOOP"
PD_LOOP_CHOICES = ("auto", "compiled", "python")

# Control fields of the loop buffer (mirrors the enum in _pdloop.c).
_C_ARMED = 0  # substeps left to run in this env step (0: the plugin does nothing)
_C_SUBSTEP = 1  # next substep within the env step
_C_COUNT = 2  # history entries appended since the last reset
_C_ERROR = 3  # nonzero: the compiled loop failed (1 state request, 2 empty history, 3 bad substep)
_C_LAT_N = 4  # whole substeps of latency
_C_LAT_ALPHA = 5  # fractional part of the latency
_C_LIM = 6  # max target change around the delayed reading (rad)
_C_HIP_WRAP = 7
_C_KNEE_WRAP = 8
_C_TIMING = 9  # nonzero: time the compiled callbacks
_C_SECONDS = 10  # their accumulated wall time (s)
_C_REPLAY = 11  # nonzero: apply the torques region as is (no PD, no reading); see step_torques
_C_FALLEN = 12  # after the last substep: 1.0 if a link other than the end effectors touches the ground
_CTRL_FIELDS = 13
_LOOP_ABI = 5  # _pdloop.c's LOOP_ABI: the buffer layout and stage() arguments this module uses
_BASE_WIDTH = 14
"""A base reading: world orientation xyzw (4), angular velocity (3), CoM position (3), velocity (3),
then 1.0 if it was recorded (the Python loop records only the substeps the latency model reads)."""
_LOOP_ERRORS = {
    0: "the plugin did not run (is it attached to this client?)",
    1: "pybullet's state request for the robot failed (was the robot removed?)",
    2: "the reading history is empty",
    3: "the substep index is out of range",
}


def _buffer_layout() -> dict[str, int]:
    """Offsets (float64 items) of the regions of the buffer shared with the compiled loop."""
    sizes = {
        "ctrl": 16,
        "kp": NUM_MOTORS,
        "kd": NUM_MOTORS,
        "targets": ACTION_REPEAT * NUM_MOTORS,
        "hist_q": _CAPACITY * NUM_MOTORS,
        "hist_qd": _CAPACITY * NUM_MOTORS,
        "hist_base": _CAPACITY * _BASE_WIDTH,
        "torques": ACTION_REPEAT * NUM_MOTORS,
        "direction": NUM_MOTORS,
        "offset": NUM_MOTORS,
        "interp": 2 * NUM_MOTORS,
        "ee": 3 * len(END_EFFECTOR_LINK_IDS),
    }
    offsets, at = {}, 0
    for name, size in sizes.items():
        offsets[name] = at
        at += size
    offsets["size"] = at
    return offsets


_LAYOUT = _buffer_layout()
_LAYOUT_ARGS = (
    _CAPACITY,
    *(_LAYOUT[k] for k in ("ctrl", "kp", "kd", "targets", "hist_q", "hist_qd", "hist_base", "torques")),
    _LAYOUT["direction"],
    _LAYOUT["offset"],
    _LAYOUT["interp"],
    _LAYOUT["ee"],
)
_compiled_cache: dict[str, object] = {}
_INIT_QUAT_INV = quat.conj1(INIT_QUAT.tolist())
_HIP_WRAP = MOTOR_OFFSET[1] + math.pi
"""A hip URDF angle above this has a motor angle > pi (wrapped before clipping)."""
_KNEE_WRAP = MOTOR_OFFSET[2] - math.pi
_FOOT_LINK_IDS = END_EFFECTOR_LINK_IDS
_CONTACT_OK = frozenset(END_EFFECTOR_LINK_IDS)


def _wrapped(joints: list[float]) -> list[float]:
    """URDF joint angles whose motor angle is wrapped to [-pi, pi) (for the clip)."""
    return urdf_from_motor(wrap_angle(motor_from_urdf(np.array(joints)))).tolist()


def _pd_loop_choice() -> str:
    choice = os.environ.get(PD_LOOP_ENV, "auto").strip().lower() or "auto"
    if choice not in PD_LOOP_CHOICES:
        raise ConfigError(
            f"{PD_LOOP_ENV}={choice!r} is not supported; use one of {', '.join(PD_LOOP_CHOICES)}"
        )
    return choice


def compiled_pd_loop() -> tuple[ModuleType | None, str]:
    """(the compiled loop module bound to pybullet, or None; why it is not available)."""
    if "module" not in _compiled_cache:
        module, why = None, ""
        try:
            import pybullet

            from a2perf.envs.quadruped import _pdloop

            built = tuple(getattr(_pdloop, k, None) for k in ("ABI", "CTRL_FIELDS", "BASE_WIDTH"))
            if built != (_LOOP_ABI, _CTRL_FIELDS, _BASE_WIDTH):
                raise ImportError("it is stale (built from another version of _pdloop.c)")
            _pdloop.bind(pybullet.__file__, pybullet.getAPIVersion())
            module = _pdloop
        except ImportError as e:
            why = f"the extension a2perf.envs.quadruped._pdloop was not built ({e}); reinstall a2perf with a C compiler (gcc) and the Python headers"
        except RuntimeError as e:
            why = f"the compiled loop cannot bind to this pybullet ({e})"
        _compiled_cache["module"], _compiled_cache["why"] = module, why
    return _compiled_cache["module"], _compiled_cache["why"]  # type: ignore[return-value]


def pd_loop_status() -> str:
    """Which 1 kHz loop new simulations use: "compiled", or "python (<reason>)"."""
    choice = _pd_loop_choice()
    if choice == "python":
        return f"python ({PD_LOOP_ENV}=python)"
    module, why = compiled_pd_loop()
    return "compiled" if module is not None else f"python ({why})"


def butterworth_coefficients(cutoff_hz: float, sample_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """2nd-order Butterworth low-pass (bilinear transform with pre-warping), returns (b (3,), a (3,))."""
    k = math.tan(math.pi * cutoff_hz / sample_hz)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    b = np.array([b0, 2.0 * b0, b0])
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


FILTER_B, FILTER_A = butterworth_coefficients(FILTER_CUTOFF_HZ, 1.0 / CONTROL_TIME_STEP)
_FILTER_B = FILTER_B.tolist()
_FILTER_A = FILTER_A[1:].tolist()
_FRACTIONS = np.arange(1, ACTION_REPEAT + 1)[:, None] / ACTION_REPEAT
"""(33, 1) interpolation weights of the substep targets."""
_DIRECTION = MOTOR_DIRECTION.tolist()
_OFFSET = MOTOR_OFFSET.tolist()


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
        # the buffer shared with the compiled loop (also the pure-Python loop's state)
        self._buf = np.zeros(_LAYOUT["size"])
        self._ctrl = self._region("ctrl", (16,))
        self._kp_buf = self._region("kp", (NUM_MOTORS,))
        self._kd_buf = self._region("kd", (NUM_MOTORS,))
        self._targets = self._region("targets", (ACTION_REPEAT, NUM_MOTORS))
        self._hq = self._region("hist_q", (_CAPACITY, NUM_MOTORS))
        self._hqd = self._region("hist_qd", (_CAPACITY, NUM_MOTORS))
        self._hb = self._region("hist_base", (_CAPACITY, _BASE_WIDTH))
        self._interp = self._region("interp", (2, NUM_MOTORS))
        self._ee = self._region("ee", (len(END_EFFECTOR_LINK_IDS), 3))
        self.torques = self._region("torques", (ACTION_REPEAT, NUM_MOTORS))
        """(33, 12) PD torques (N m) applied in the substeps of the last env step."""
        self._region("direction", (NUM_MOTORS,))[:] = MOTOR_DIRECTION
        self._region("offset", (NUM_MOTORS,))[:] = MOTOR_OFFSET
        self._kp_buf[:] = KP
        self._kd_buf[:] = KD
        c = self._ctrl
        c[_C_LAT_N], c[_C_LAT_ALPHA] = self._lat_n, self._lat_alpha
        c[_C_LIM], c[_C_HIP_WRAP], c[_C_KNEE_WRAP] = MAX_MOTOR_ANGLE_CHANGE, _HIP_WRAP, _KNEE_WRAP
        self.physics_time = 0.0
        """Seconds spent inside stepSimulation while :attr:`clock` was set (instrumentation; with the
        compiled loop this includes the loop's own work, see :attr:`loop_time`)."""
        self.clock: Callable[[], float] | None = None
        """Clock that times each stepSimulation into :attr:`physics_time`, e.g. ``time.perf_counter``;
        ``None`` (default) skips the timing (two clock reads per substep)."""
        self.pd_loop = "python"
        """Which 1 kHz loop runs: "compiled" (inside pybullet, ``_pdloop.c``) or "python"."""
        try:
            self.pd_loop = self._attach_pd_loop()
        except Exception:
            self.close()  # no half-built client left connected
            raise
        self._initial_state = pybullet.saveState(physicsClientId=cid)
        self.reset_history()

    def _region(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        start = _LAYOUT[name]
        return self._buf[start : start + math.prod(shape)].reshape(shape)

    def _attach_pd_loop(self) -> str:
        """Load the compiled loop into this client's physics server if chosen and available."""
        choice = _pd_loop_choice()
        if choice == "python":
            return "python"
        module, why = compiled_pd_loop()
        if module is None:
            if choice == "compiled":
                raise DependencyMissingError(f"{PD_LOOP_ENV}=compiled but {why}")
            if not _compiled_cache.get("warned"):
                _compiled_cache["warned"] = True
                warnings.warn(
                    f"a2perf quadruped: using the pure-Python 1 kHz motor loop (same results, slower): {why}",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return "python"
        pb, cid, rid = self._pb, self.client, self.robot
        plugin = pb.loadPlugin(module.__file__, module.PLUGIN_POSTFIX, physicsClientId=cid)
        if plugin < 0:
            raise RuntimeError(
                f"pybullet refused to load the compiled motor loop {module.__file__}; "
                f"set {PD_LOOP_ENV}=python to use the pure-Python loop"
            )
        info = [pb.getJointInfo(rid, j, physicsClientId=cid) for j in self._joint_ids]
        module.stage(
            self._buf,
            rid,
            self.ground,
            pb.TORQUE_CONTROL,
            [x[3] for x in info],
            [x[4] for x in info],
            list(END_EFFECTOR_LINK_IDS),
            _LAYOUT_ARGS,
        )
        if pb.executePluginCommand(plugin, physicsClientId=cid) != 1:
            raise RuntimeError(
                f"the compiled motor loop did not attach; set {PD_LOOP_ENV}=python to use the pure-Python loop"
            )
        return "compiled"

    def _compiled_reading_is_current(self) -> bool:
        """True right after a compiled env step: its last reading is the current state (nothing has moved
        the robot since), so base state, end effectors and the fall check need no pybullet query."""
        return self.pd_loop == "compiled" and self._ctrl[_C_SUBSTEP] == ACTION_REPEAT

    @property
    def loop_time(self) -> float:
        """Seconds the compiled loop's callbacks spent while :attr:`time_loop` was on (0 for Python)."""
        return float(self._ctrl[_C_SECONDS])

    def time_loop(self, on: bool) -> None:
        """Switch the compiled loop's callback timing (two clock reads per callback) on or off."""
        self._ctrl[_C_TIMING] = 1.0 if on else 0.0

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
        self._ctrl[_C_SUBSTEP] = 0.0  # the last reading is no longer the current state
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
        self._ctrl[_C_SUBSTEP] = 0.0  # the last reading is no longer the current state
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
        c = self._ctrl
        c[_C_ARMED] = c[_C_SUBSTEP] = c[_C_ERROR] = 0.0
        c[_C_COUNT] = 1.0
        self._hq[0] = DEFAULT_JOINT_ANGLES
        self._hqd[0] = 0.0
        self._hb[0] = 0.0
        self._hb[0, :4] = INIT_QUAT
        self._hb[0, 13] = 1.0
        self._filter_x: list[list[float]] | None = None
        self._filter_y: list[list[float]] | None = None
        self._last_filtered: list[float] | None = None

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
        self._kp_buf[:] = KP * strength
        self._kd_buf[:] = KD * strength
        self._kp = self._kp_buf.tolist()
        self._kd = self._kd_buf.tolist()
        n = int(dyn.latency / SIM_TIME_STEP)
        self._lat_n = n
        self._lat_alpha = (dyn.latency - n * SIM_TIME_STEP) / SIM_TIME_STEP
        self._ctrl[_C_LAT_N], self._ctrl[_C_LAT_ALPHA] = n, self._lat_alpha

    @property
    def dynamics(self) -> Dynamics:
        return self._dynamics

    # -------------------------------------------------------------- stepping
    def _delayed_index(self, count: int) -> tuple[int, int, float]:
        """(newer, older, alpha) history indices (since reset) of the delayed reading; alpha blends
        toward ``older``."""
        n = self._lat_n
        if n + 1 >= count:
            return 0, 0, 0.0
        return count - 1 - n, count - 2 - n, self._lat_alpha

    def delayed_motor_angles(self) -> list[float]:
        """Latency-delayed measured motor angles, wrapped to [-pi, pi), 12 floats.

        Scalar arithmetic, like the rest of the per-step path: it runs right after 33 physics substeps,
        with the interpreter's caches cold, where each small numpy call costs microseconds.
        """
        i, j, alpha = self._delayed_index(int(self._ctrl[_C_COUNT]))
        u = self._hq[i % _CAPACITY].tolist()
        if alpha != 0.0:
            a = 1.0 - alpha
            u = [a * x + alpha * y for x, y in zip(u, self._hq[j % _CAPACITY].tolist())]  # noqa: B905
        pi, two_pi = math.pi, 2.0 * math.pi
        return [(d * (x - o) + pi) % two_pi - pi for d, x, o in zip(_DIRECTION, u, _OFFSET)]  # noqa: B905

    def delayed_base(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Latency-delayed canonical base orientation q_rel (4,) and body rates (3,) (linear blend)."""
        i, j, alpha = self._delayed_index(int(self._ctrl[_C_COUNT]))
        q, w = self._base_reading(self._hb[i % _CAPACITY])
        if alpha == 0.0:
            return q, w
        q2, w2 = self._base_reading(self._hb[j % _CAPACITY])
        a = 1.0 - alpha
        return (
            tuple(a * x + alpha * y for x, y in zip(q, q2)),  # noqa: B905
            tuple(a * x + alpha * y for x, y in zip(w, w2)),  # noqa: B905
        )

    @staticmethod
    def _base_reading(row: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Canonical orientation (4,) and body rates (3,) of a base reading [world quat (4), world rates (3)]."""
        reading = row.tolist()
        if reading[13] != 1.0:
            raise RuntimeError("base reading needed by the latency model was not recorded (bug)")
        q_rel = quat.mul1(reading[:4], _INIT_QUAT_INV)
        return q_rel, quat.rotate1(quat.conj1(q_rel), reading[4:7])

    def step(self, motor_targets: list[float] | np.ndarray) -> None:
        """Advance one env step (33 x 1 ms) toward absolute motor targets m0 + a, 12 floats."""
        x = [float(v) for v in motor_targets]
        if self._filter_x is None:
            init = self.delayed_motor_angles()
            self._filter_x = [init, init]
            self._filter_y = [init, init]
        (fx0, fx1), (fy0, fy1) = self._filter_x, self._filter_y
        b0, b1, b2 = _FILTER_B
        a1, a2 = _FILTER_A
        y = [
            b0 * xi + b1 * f0 + b2 * f1 - a1 * g0 - a2 * g1
            for xi, f0, f1, g0, g1 in zip(x, fx0, fx1, fy0, fy1)  # noqa: B905 (hot path)
        ]
        self._filter_x = [x, fx0]
        self._filter_y = [y, fy0]
        prev = self._last_filtered
        self._last_filtered = y
        if self.pd_loop == "compiled":  # the plugin interpolates the substep targets
            self._interp[0] = y if prev is None else prev
            self._interp[1] = y
            self._run_substeps_compiled()
            return
        yv = np.array(y)
        if prev is None:
            self._targets[:] = urdf_from_motor(yv)
        else:
            pv = np.array(prev)
            self._targets[:] = urdf_from_motor(pv + _FRACTIONS * (yv - pv))
        self._run_substeps_python()

    def _step_physics(self) -> None:
        """One stepSimulation, timed into :attr:`physics_time` when :attr:`clock` is set."""
        clock = self.clock
        if clock is None:
            self._pb.stepSimulation(physicsClientId=self.client)
        else:
            t0 = clock()
            self._pb.stepSimulation(physicsClientId=self.client)
            self.physics_time += clock() - t0

    def _run_substeps_compiled(self) -> None:
        """33 stepSimulation calls; the plugin runs clip, PD and the reading around each (``_pdloop.c``)."""
        c = self._ctrl
        c[_C_SUBSTEP] = c[_C_ERROR] = 0.0
        c[_C_ARMED] = ACTION_REPEAT
        if self.clock is None:
            step_sim, cid = self._pb.stepSimulation, self.client
            for _ in range(ACTION_REPEAT):
                step_sim(physicsClientId=cid)
        else:
            for _ in range(ACTION_REPEAT):
                self._step_physics()
        if c[_C_ERROR] != 0.0 or c[_C_ARMED] != 0.0:
            code, done = int(c[_C_ERROR]), int(c[_C_SUBSTEP])
            c[_C_ARMED] = 0.0
            why = _LOOP_ERRORS.get(code, f"error {code}")
            raise RuntimeError(
                f"the compiled motor loop stopped after {done} of {ACTION_REPEAT} substeps: {why}; "
                f"set {PD_LOOP_ENV}=python to use the pure-Python loop"
            )

    def _run_substeps_python(self) -> None:
        """33 x (clip, PD, stepSimulation, read joints), the compiled loop's arithmetic in Python."""
        pb = self._pb
        cid, rid, jids = self.client, self.robot, self._joint_ids
        get_states = pb.getJointStates
        set_control = pb.setJointMotorControlArray
        step_sim = pb.stepSimulation
        get_pose = pb.getBasePositionAndOrientation
        get_vel = pb.getBaseVelocity
        torque_mode = pb.TORQUE_CONTROL
        clock = self.clock
        hq, hqd, hb, torques = self._hq, self._hqd, self._hb, self.torques
        targets = self._targets.tolist()
        count = int(self._ctrl[_C_COUNT])
        n, alpha = self._lat_n, self._lat_alpha
        kp, kd = self._kp, self._kd
        lim = MAX_MOTOR_ANGLE_CHANGE
        q = hq[(count - 1) % _CAPACITY].tolist()
        qd = hqd[(count - 1) % _CAPACITY].tolist()
        # base readings are only needed where the delayed IMU reading will look (substeps 31-n, 32-n)
        if n + 2 < ACTION_REPEAT:
            record_from = ACTION_REPEAT - 1 - n - (1 if alpha > 0.0 else 0)
            record_to = ACTION_REPEAT - 1 - n
        else:
            record_from, record_to = 0, ACTION_REPEAT - 1
        phys = 0.0
        exact = alpha == 0.0
        for i in range(ACTION_REPEAT):
            if exact and count > n + 1:
                ud = hq[(count - 1 - n) % _CAPACITY].tolist()
            elif n + 1 >= count:
                ud = hq[0].tolist()
            else:
                a = 1.0 - alpha
                older = hq[(count - 2 - n) % _CAPACITY].tolist()
                ud = [a * x + alpha * y for x, y in zip(hq[(count - 1 - n) % _CAPACITY].tolist(), older)]  # noqa: B905
            if (
                ud[1] > _HIP_WRAP
                or ud[4] > _HIP_WRAP
                or ud[7] > _HIP_WRAP
                or ud[10] > _HIP_WRAP
                or ud[2] < _KNEE_WRAP
                or ud[5] < _KNEE_WRAP
                or ud[8] < _KNEE_WRAP
                or ud[11] < _KNEE_WRAP
            ):
                ud = _wrapped(ud)
            tau = [
                p * ((t if -lim <= t - c <= lim else (c + lim if t > c else c - lim)) - s) - d * v
                for t, c, s, v, p, d in zip(targets[i], ud, q, qd, kp, kd)  # noqa: B905 (hot loop)
            ]
            torques[i] = tau
            set_control(rid, jids, torque_mode, forces=tau, physicsClientId=cid)
            if clock is None:
                step_sim(physicsClientId=cid)
            else:
                t0 = clock()
                step_sim(physicsClientId=cid)
                phys += clock() - t0
            states = get_states(rid, jids, physicsClientId=cid)
            q = [x[0] for x in states]
            qd = [x[1] for x in states]
            row = count % _CAPACITY
            hq[row] = q
            hqd[row] = qd
            if record_from <= i <= record_to:
                hb[row, :4] = get_pose(rid, physicsClientId=cid)[1]
                hb[row, 4:7] = get_vel(rid, physicsClientId=cid)[1]
                hb[row, 13] = 1.0
            else:
                hb[row, 13] = 0.0
            count += 1
        self._ctrl[_C_COUNT] = count
        self.physics_time += phys

    def step_torques(self, torques: np.ndarray) -> None:
        """33 physics substeps under given joint torques (33, 12) N m: no PD, no clip, no reading.

        For benchmarks: the bare physics cost of a recorded motion (replay :attr:`torques` from a
        saved state). The history, filter and targets are left as they are.
        """
        tau = np.asarray(torques, dtype=np.float64).reshape(ACTION_REPEAT, NUM_MOTORS)
        pb, cid, rid, jids = self._pb, self.client, self.robot, self._joint_ids
        if self.pd_loop == "python":
            for row in tau.tolist():
                pb.setJointMotorControlArray(rid, jids, pb.TORQUE_CONTROL, forces=row, physicsClientId=cid)
                pb.stepSimulation(physicsClientId=cid)
            return
        saved = self.torques.copy()
        c = self._ctrl
        self.torques[:] = tau
        c[_C_SUBSTEP] = c[_C_ERROR] = 0.0
        c[_C_REPLAY] = 1.0
        c[_C_ARMED] = ACTION_REPEAT
        try:
            for _ in range(ACTION_REPEAT):
                pb.stepSimulation(physicsClientId=cid)
        finally:
            c[_C_REPLAY] = c[_C_ARMED] = c[_C_SUBSTEP] = 0.0  # no reading was taken
            self.torques[:] = saved

    # ---------------------------------------------------------------- reading
    def joint_state(self) -> tuple[np.ndarray, np.ndarray]:
        """True URDF joint angles and rates (12,) after the last physics step."""
        row = (int(self._ctrl[_C_COUNT]) - 1) % _CAPACITY
        return self._hq[row].copy(), self._hqd[row].copy()

    def base_state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """True base CoM position (3,), orientation xyzw (4,), world linear (3,) and angular (3,) velocity."""
        if self._compiled_reading_is_current():
            # the compiled loop's reading after the last substep (the same state request pybullet makes)
            row = self._hb[(int(self._ctrl[_C_COUNT]) - 1) % _CAPACITY]
            return row[7:10].copy(), row[:4].copy(), row[10:13].copy(), row[4:7].copy()
        pb, cid, rid = self._pb, self.client, self.robot
        pos, orn = pb.getBasePositionAndOrientation(rid, physicsClientId=cid)
        lin, ang = pb.getBaseVelocity(rid, physicsClientId=cid)
        return np.array(pos), np.array(orn), np.array(lin), np.array(ang)

    def end_effector_positions(self) -> np.ndarray:
        """World CoM positions (8, 3) of the lower legs and toes (links 2, 3, 6, 7, 10, 11, 14, 15)."""
        if self._compiled_reading_is_current():
            return self._ee.copy()  # read by the compiled loop after the last substep
        states = self._pb.getLinkStates(self.robot, list(END_EFFECTOR_LINK_IDS), physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def has_fallen(self) -> bool:
        """True if any robot link other than the lower legs and toes touches the ground."""
        if self._compiled_reading_is_current():
            return self._ctrl[_C_FALLEN] != 0.0  # checked by the compiled loop after the last substep
        contacts = self._pb.getContactPoints(bodyA=self.robot, bodyB=self.ground, physicsClientId=self.client)
        return any(c[3] not in _CONTACT_OK for c in contacts)

    def refresh_reading(self) -> None:
        """Append a reading of the current true state to the history (used when fixing the stale obs)."""
        pb, cid, rid = self._pb, self.client, self.robot
        count = int(self._ctrl[_C_COUNT])
        row = count % _CAPACITY
        states = pb.getJointStates(rid, self._joint_ids, physicsClientId=cid)
        self._hq[row] = [x[0] for x in states]
        self._hqd[row] = [x[1] for x in states]
        pos, orn = pb.getBasePositionAndOrientation(rid, physicsClientId=cid)
        lin, ang = pb.getBaseVelocity(rid, physicsClientId=cid)
        self._hb[row] = (*orn, *ang, *pos, *lin, 1.0)
        self._ctrl[_C_COUNT] = count + 1
        self._ctrl[_C_SUBSTEP] = 0.0

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

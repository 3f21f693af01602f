"""Constants of the Laikago motion-imitation task (A2Perf / Peng et al. 2020).

Angles are radians, lengths metres, times seconds. "Motor" angles follow the Laikago SDK
convention used by actions and observations; "URDF" angles are pybullet joint coordinates used
by the motion clips and the pose reward: ``m = MOTOR_DIRECTION * (u - MOTOR_OFFSET)``.
"""

from __future__ import annotations

import math

import numpy as np

URDF_PATH = "laikago/laikago_toes_limits.urdf"
"""Robot model, relative to ``pybullet_data.getDataPath()``."""
GROUND_URDF_PATH = "plane_implicit.urdf"

SIM_TIME_STEP = 0.001
"""Physics time step (s)."""
ACTION_REPEAT = 33
"""Physics substeps per env step."""
CONTROL_TIME_STEP = SIM_TIME_STEP * ACTION_REPEAT
"""Env step duration Δ (s), 0.033."""
NUM_SOLVER_ITERATIONS = int(300 / ACTION_REPEAT)
GRAVITY = (0.0, 0.0, -10.0)

NUM_MOTORS = 12
MOTOR_JOINT_IDS = (0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14)
"""URDF joint indices of the 12 motors: FR, FL, RR, RL x (abduction, hip, knee)."""
TOE_LINK_IDS = (3, 7, 11, 15)
LOWER_LEG_LINK_IDS = (2, 6, 10, 14)
END_EFFECTOR_LINK_IDS = (2, 3, 6, 7, 10, 11, 14, 15)
"""Links allowed to touch the ground, also the end-effector reward set (toes and lower legs)."""
KNEE_JOINT_IDS = LOWER_LEG_LINK_IDS

MOTOR_DIRECTION = np.array([-1, 1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1], dtype=np.float64)
MOTOR_OFFSET = np.array([0.0, -0.6, 0.66] * 4)
DEFAULT_MOTOR_ANGLES = np.array([0.0, 0.67, -1.25] * 4)
"""Default motor pose m0; the action is a residual around it."""
DEFAULT_JOINT_ANGLES = DEFAULT_MOTOR_ANGLES + MOTOR_OFFSET
"""Default pose in URDF angles u0 = m0 + o (the original adds the offset without the direction flip)."""

INIT_POSITION = np.array([0.0, 0.0, 0.48])
INIT_QUAT = np.array([0.5, 0.5, 0.5, 0.5])
"""Base orientation (xyzw) of the upright robot facing +x: quatFromEuler(pi/2, 0, pi/2)."""

KP = np.full(NUM_MOTORS, 220.0)
KD = np.array([0.3, 2.0, 2.0] * 4)
MAX_MOTOR_ANGLE_CHANGE = 0.2
"""Per-substep clip of the motor target around the delayed measured angle (rad)."""

ACTION_LIMIT = 2.0 * math.pi
FILTER_CUTOFF_HZ = 4.0
"""Action filter: 2nd-order Butterworth low-pass at the control rate (coefficients in ``sim.py``)."""

DEFAULT_LATENCY = 0.002
"""Observation / clip latency in test mode (s)."""
HISTORY_STEPS = 3
TARGET_FRAME_STEPS = (1, 2, 10, 30)
OBS_DIM = 4 * HISTORY_STEPS + 2 * NUM_MOTORS * HISTORY_STEPS + 19 * len(TARGET_FRAME_STEPS)

REWARD_WEIGHTS = {"pose": 0.5, "velocity": 0.05, "end_effector": 0.2, "root_pose": 0.15, "root_velocity": 0.1}
POSE_SCALE = 5.0
VELOCITY_SCALE = 0.1
END_EFFECTOR_SCALE = 40.0
END_EFFECTOR_HEIGHT_WEIGHT = 3.0
ROOT_POSE_SCALE = 20.0
ROOT_ROTATION_WEIGHT = 0.5
ROOT_VELOCITY_SCALE = 2.0
ROOT_ANGULAR_VELOCITY_WEIGHT = 0.1

MAX_ROOT_DISTANCE = 1.0
MAX_ROOT_ANGLE = math.pi / 2

REF_STATE_INIT_PROB = 0.9
WARMUP_TIME = 0.25
TEST_EPISODE_STEPS = 600
CURRICULUM_START_STEPS = 20
CURRICULUM_END_STEPS = 600
CURRICULUM_TOTAL_STEPS = 30_000_000
CURRICULUM_POWER = 3.0

RANDOMIZER_RANGES = {
    "base_mass_ratio": (0.8, 1.2),
    "leg_mass_ratio": (0.8, 1.2),
    "base_inertia_ratio": (0.5, 1.5),
    "leg_inertia_ratio": (0.5, 1.5),
    "motor_strength": (0.8, 1.2),
    "latency": (0.0, 0.04),
    "foot_friction": (0.5, 1.25),
    "knee_friction": (0.0, 0.05),
}
MAX_LATENCY = RANDOMIZER_RANGES["latency"][1]

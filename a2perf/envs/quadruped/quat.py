"""Quaternion helpers, xyzw order (pybullet's), on numpy arrays of shape (..., 4).

Vectors have shape (..., 3). All functions broadcast over leading dimensions.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = np.finfo(float).eps * 4.0


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a ⊗ b (apply b first, then a)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=-1,
    )


def conjugate(q: np.ndarray) -> np.ndarray:
    """Inverse of a unit quaternion."""
    q = np.array(q, dtype=float)
    q[..., :3] *= -1.0
    return q


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4)."""
    q = np.asarray(q, dtype=float)
    v = np.asarray(v, dtype=float)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    vx, vy, vz = v[..., 0], v[..., 1], v[..., 2]
    tx = 2.0 * (y * vz - z * vy)
    ty = 2.0 * (z * vx - x * vz)
    tz = 2.0 * (x * vy - y * vx)
    return np.stack(
        [vx + w * tx + (y * tz - z * ty), vy + w * ty + (z * tx - x * tz), vz + w * tz + (x * ty - y * tx)],
        axis=-1,
    )


def about_z(angle: np.ndarray | float) -> np.ndarray:
    """Rotation by ``angle`` (rad) about +z."""
    half = 0.5 * np.asarray(angle, dtype=float)
    zeros = np.zeros_like(half)
    return np.stack([zeros, zeros, np.sin(half), np.cos(half)], axis=-1)


def heading(q: np.ndarray) -> np.ndarray | float:
    """Yaw of the rotated x-axis: atan2(y, x) of ``rotate(q, (1, 0, 0))``."""
    x = rotate(q, np.array([1.0, 0.0, 0.0]))
    return np.arctan2(x[..., 1], x[..., 0])


def standardize(q: np.ndarray) -> np.ndarray:
    """Flip the sign so that w >= 0."""
    q = np.asarray(q, dtype=float)
    return np.where(q[..., 3:4] < 0.0, -q, q)


def normalize(q: np.ndarray) -> np.ndarray:
    """Unit quaternion in the same direction."""
    q = np.asarray(q, dtype=float)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def angle(q: np.ndarray) -> np.ndarray | float:
    """Rotation angle in [-pi, pi] of a unit quaternion (sign-invariant)."""
    q = np.asarray(q, dtype=float)
    theta = 2.0 * np.arctan2(np.linalg.norm(q[..., :3], axis=-1), q[..., 3])
    return np.where(theta > np.pi, theta - 2.0 * np.pi, theta)


def axis_angle_vector(q: np.ndarray) -> np.ndarray:
    """Rotation vector axis * angle with angle = 2 atan2(|xyz|, w), shortest arc (angle <= pi)."""
    q = standardize(q)
    norm = np.linalg.norm(q[..., :3], axis=-1, keepdims=True)
    theta = 2.0 * np.arctan2(norm, q[..., 3:4])
    safe = np.where(norm > _EPS, norm, 1.0)
    return np.where(norm > _EPS, q[..., :3] / safe * theta, 0.0)


def slerp(q0: np.ndarray, q1: np.ndarray, fraction: np.ndarray | float) -> np.ndarray:
    """Shortest-path spherical interpolation, batched; fraction has the leading shape of q0."""
    q0 = normalize(q0)
    q1 = normalize(q1)
    f = np.asarray(fraction, dtype=float)[..., None]
    d = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(d < 0.0, -q1, q1)
    d = np.abs(d)
    theta = np.arccos(np.clip(d, -1.0, 1.0))
    sin_theta = np.sin(theta)
    small = sin_theta < 1e-9
    safe = np.where(small, 1.0, sin_theta)
    w0 = np.where(small, 1.0 - f, np.sin((1.0 - f) * theta) / safe)
    w1 = np.where(small, f, np.sin(f * theta) / safe)
    return normalize(w0 * q0 + w1 * q1)


def to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions (..., 4)."""
    x, y, z, w = np.moveaxis(np.asarray(q, dtype=float), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )


def matrix_of(q: np.ndarray) -> np.ndarray:
    """Rotation matrix (3, 3) of one unit quaternion (4,), scalar fast path of :func:`to_matrix`."""
    x, y, z, w = (float(v) for v in q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def axis_rotation_matrices(axis: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) about unit ``axis`` (..., 3) by ``angles`` (...) (Rodrigues)."""
    axis = np.asarray(axis, dtype=float)
    c = np.cos(angles)[..., None, None]
    s = np.sin(angles)[..., None, None]
    x, y, z = np.moveaxis(axis, -1, 0)
    zeros = np.zeros_like(x)
    k = np.stack(
        [np.stack([zeros, -z, y], -1), np.stack([z, zeros, -x], -1), np.stack([-y, x, zeros], -1)], -2
    )
    outer = axis[..., :, None] * axis[..., None, :]
    return c * np.eye(3) + s * k + (1.0 - c) * outer


# --------------------------------------------------------------------------------------------
# Scalar versions for one quaternion (tuples of floats): much cheaper than numpy for single values.


def mul1(a, b) -> tuple[float, float, float, float]:
    """a ⊗ b for single quaternions (any 4-sequences), returns a tuple."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def conj1(q) -> tuple[float, float, float, float]:
    """Inverse of one unit quaternion."""
    x, y, z, w = q
    return (-x, -y, -z, w)


def rotate1(q, v) -> tuple[float, float, float]:
    """Rotate one vector by one unit quaternion."""
    x, y, z, w = q
    vx, vy, vz = v
    tx = 2.0 * (y * vz - z * vy)
    ty = 2.0 * (z * vx - x * vz)
    tz = 2.0 * (x * vy - y * vx)
    return (vx + w * tx + (y * tz - z * ty), vy + w * ty + (z * tx - x * tz), vz + w * tz + (x * ty - y * tx))


def heading1(q) -> float:
    """Heading (rad) of one quaternion: yaw of its rotated x-axis."""
    x, y, z, w = q
    return math.atan2(2.0 * (x * y + z * w), 1.0 - 2.0 * (y * y + z * z))


def angle1(q) -> float:
    """Rotation angle in [-pi, pi] of one unit quaternion."""
    x, y, z, w = q
    theta = 2.0 * math.atan2(math.sqrt(x * x + y * y + z * z), w)
    return theta - 2.0 * math.pi if theta > math.pi else theta

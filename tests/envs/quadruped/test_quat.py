import math

import numpy as np

from a2perf.envs.quadruped import quat
from a2perf.envs.quadruped.constants import INIT_QUAT


def test_about_z_rotates_x_to_y():
    np.testing.assert_allclose(quat.rotate(quat.about_z(math.pi / 2), [1.0, 0.0, 0.0]), [0, 1, 0], atol=1e-12)


def test_multiply_composes_rotations():
    q = quat.multiply(quat.about_z(0.3), quat.about_z(0.4))
    np.testing.assert_allclose(q, quat.about_z(0.7), atol=1e-12)


def test_init_quat_maps_x_to_y_so_heading_is_half_pi():
    # 120 degrees about (1, 1, 1) cycles the axes x -> y -> z -> x
    np.testing.assert_allclose(quat.rotate(INIT_QUAT, [1.0, 0.0, 0.0]), [0, 1, 0], atol=1e-12)
    assert math.isclose(quat.heading(INIT_QUAT), math.pi / 2)


def test_slerp_halfway_and_shortest_path():
    q = quat.slerp(np.array([0, 0, 0, 1.0]), quat.about_z(math.pi / 2), 0.5)
    np.testing.assert_allclose(q, quat.about_z(math.pi / 4), atol=1e-12)
    q = quat.slerp(np.array([0, 0, 0, 1.0]), -quat.about_z(math.pi / 2), 0.5)
    np.testing.assert_allclose(quat.standardize(q), quat.about_z(math.pi / 4), atol=1e-12)


def test_angle_is_sign_invariant_and_wrapped():
    q = quat.about_z(0.5)
    assert math.isclose(quat.angle(q), 0.5)
    assert math.isclose(abs(quat.angle(-q)), 0.5)


def test_axis_angle_vector_takes_shortest_arc():
    q = -quat.about_z(0.2)  # w < 0: naive 2*atan2(|v|, w) would give 2*pi - 0.2
    np.testing.assert_allclose(quat.axis_angle_vector(q), [0, 0, 0.2], atol=1e-12)


def test_matrix_of_matches_rotate():
    q = quat.normalize(np.array([0.1, -0.4, 0.3, 0.8]))
    v = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(quat.matrix_of(q) @ v, quat.rotate(q, v), atol=1e-12)
    np.testing.assert_allclose(quat.to_matrix(q) @ v, quat.rotate(q, v), atol=1e-12)

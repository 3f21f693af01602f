"""Forward kinematics of the Laikago legs in numpy (link CoM positions, as pybullet reports them).

The link frames are read once from a loaded pybullet body, so the numbers always match the URDF
in the installed pybullet_data. pybullet places each link frame at its centre of mass: a joint frame
sits at ``parentFramePos/Orn`` in the parent's CoM frame, the child's URDF frame is the joint frame
rotated about the joint axis, and the child's CoM is ``localInertialPos/Orn`` in that frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from a2perf.envs.quadruped import quat


@dataclass(frozen=True)
class LegKinematics:
    """Per-leg chain abduction -> hip -> knee -> toe (fixed), arrays stacked over the 4 legs.

    Attributes:
      joint_pos: (4, 4, 3) joint origin in the parent CoM frame, per leg and chain level.
      joint_rot: (4, 4, 3, 3) joint frame rotation in the parent CoM frame.
      axis: (4, 4, 3) joint axis in the joint frame (zeros for the fixed toe joint).
      com_pos: (4, 4, 3) link CoM in the link's URDF frame.
      com_rot: (4, 4, 3, 3) link CoM frame rotation in the link's URDF frame.
    """

    joint_pos: np.ndarray
    joint_rot: np.ndarray
    axis: np.ndarray
    com_pos: np.ndarray
    com_rot: np.ndarray

    @classmethod
    def from_pybullet(cls, body: int, client: int) -> LegKinematics:
        """Read the 16-joint Laikago chain from a loaded body."""
        import pybullet

        jp = np.zeros((4, 4, 3))
        jr = np.zeros((4, 4, 3, 3))
        ax = np.zeros((4, 4, 3))
        cp = np.zeros((4, 4, 3))
        cr = np.zeros((4, 4, 3, 3))
        for leg in range(4):
            for level in range(4):
                j = 4 * leg + level
                info = pybullet.getJointInfo(body, j, physicsClientId=client)
                dyn = pybullet.getDynamicsInfo(body, j, physicsClientId=client)
                jp[leg, level] = info[14]
                jr[leg, level] = quat.to_matrix(np.array(info[15]))
                ax[leg, level] = info[13]
                cp[leg, level] = dyn[3]
                cr[leg, level] = quat.to_matrix(np.array(dyn[4]))
        return cls(jp, jr, ax, cp, cr)

    def __post_init__(self) -> None:
        k = np.zeros((4, 4, 3, 3))
        x, y, z = np.moveaxis(self.axis, -1, 0)
        k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -z, y, -x
        k[..., 1, 0], k[..., 2, 0], k[..., 2, 1] = z, -y, x
        object.__setattr__(self, "_k", k)
        object.__setattr__(self, "_k2", k @ k)
        object.__setattr__(self, "_jp", self.joint_pos[..., None])
        object.__setattr__(self, "_cp", self.com_pos[..., None])
        object.__setattr__(self, "_joint_rot_is_identity", bool(np.allclose(self.joint_rot, np.eye(3))))
        object.__setattr__(self, "_com_rot_is_identity", bool(np.allclose(self.com_rot, np.eye(3))))

    def link_positions(self, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> np.ndarray:
        """World CoM positions of every leg link, optionally batched over K poses.

        Args:
          root_pos: (3,) or (K, 3) base CoM position.
          root_quat: (4,) or (K, 4) base orientation, xyzw.
          joints: (12,) or (K, 12) URDF joint angles, FR, FL, RR, RL x (abduction, hip, knee).
        Returns:
          (4, 4, 3) or (K, 4, 4, 3): per leg, the CoM of [hip motor, upper leg, lower leg, toe].
        """
        joints = np.asarray(joints, dtype=float)
        single = joints.ndim == 1
        joints = joints.reshape(-1, 4, 3)
        k = joints.shape[0]
        angles = np.zeros((k, 4, 4))
        angles[:, :, :3] = joints
        s = np.sin(angles)[..., None, None]
        c = np.cos(angles)[..., None, None]
        rots = np.eye(3) + s * self._k + (1.0 - c) * self._k2
        if not self._joint_rot_is_identity:
            rots = self.joint_rot @ rots
        if single:
            r = quat.matrix_of(root_quat)[None, None]
        else:
            r = quat.to_matrix(np.asarray(root_quat, dtype=float))[:, None]
        p = np.asarray(root_pos, dtype=float).reshape(-1, 1, 3, 1)
        out = np.empty((k, 4, 4, 3))
        for level in range(4):
            p = p + r @ self._jp[:, level]
            r = r @ rots[:, :, level]
            p = p + r @ self._cp[:, level]
            out[:, :, level] = p[..., 0]
            if not self._com_rot_is_identity:
                r = r @ self.com_rot[:, level]
        return out[0] if single else out

    def end_effectors(self, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> np.ndarray:
        """World CoM positions (8, 3) (or (K, 8, 3)) of links 2, 3, 6, 7, 10, 11, 14, 15."""
        out = self.link_positions(root_pos, root_quat, joints)
        return out[..., 2:4, :].reshape(*out.shape[:-3], 8, 3)

    def toes(self, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> np.ndarray:
        """World CoM positions (4, 3) (or (K, 4, 3)) of the toe spheres, FR, FL, RR, RL."""
        return self.link_positions(root_pos, root_quat, joints)[..., 3, :]

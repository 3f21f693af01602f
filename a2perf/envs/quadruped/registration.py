"""Gymnasium ids of the quadruped domain."""

from a2perf.envs.quadruped.tasks import generalization_tasks
from a2perf.envs.registry import EnvInfo

_ENTRY = "a2perf.envs.quadruped.env:QuadrupedLocomotionEnv"
_DOG_NEEDS = "dog clip (CC BY-NC 4.0): `a2perf data download quadruped` or motion_file="

ENVS: list[EnvInfo] = [
    *[
        EnvInfo(
            id=f"QuadrupedLocomotion-Dog{name.capitalize()}-v0",
            domain="quadruped",
            description=f"Laikago imitating A2Perf's dog_{name} mocap clip in pybullet (kwargs: mode, motion_file)",
            entry_point=_ENTRY,
            kwargs={"motion": f"dog_{name}", "mode": "train"},
            extras=("quadruped",),
            needs=_DOG_NEEDS,
        )
        for name in ("pace", "trot", "spin")
    ],
    *[
        EnvInfo(
            id=f"QuadrupedLocomotion-{name.capitalize()}-v0",
            domain="quadruped",
            description=f"Laikago imitating a procedural {name} gait shipped with a2perf (offline; kwargs: mode)",
            entry_point=_ENTRY,
            kwargs={"motion": name, "mode": "train"},
            extras=("quadruped",),
        )
        for name in ("pace", "trot", "spin", "walk")
    ],
]

__all__ = ["ENVS", "generalization_tasks"]

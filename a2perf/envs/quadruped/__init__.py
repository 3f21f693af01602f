"""The quadruped domain: Laikago motion imitation in pybullet (A2Perf / Peng et al. 2020).

Modules: ``constants``; ``quat`` (quaternions); ``motion`` (clip loading and sampling); ``gaits``
(procedural gaits); ``kinematics`` (leg forward kinematics); ``sim`` (pybullet robot, motor pipeline);
``task`` (reference, reward, termination); ``core`` (the env without gymnasium); ``env`` (gymnasium
shell); ``registration`` (ids); ``tasks`` (``generalization_tasks()``). Importing this package does not
import pybullet.
"""

from a2perf.envs.quadruped.tasks import generalization_tasks

__all__ = ["generalization_tasks"]

"""a2perf: an open benchmark suite for autonomous agents.

Importing the package registers every a2perf environment id with gymnasium, so
``gymnasium.make("CircuitTraining-ToyMacro-v0")`` works after ``import a2perf``.
Registration is lazy: no domain dependency (pybullet, selenium, torch) is imported here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("a2perf")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

from a2perf.envs import register_envs

register_envs()

__all__ = ["__version__"]

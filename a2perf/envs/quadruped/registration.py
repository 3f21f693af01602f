"""Gymnasium ids of the quadruped domain (filled in as the domain lands)."""

from a2perf.envs.registry import EnvInfo

ENVS: list[EnvInfo] = []

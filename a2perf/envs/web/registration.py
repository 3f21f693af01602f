"""Gymnasium ids of the web domain (filled in as the domain lands)."""

from a2perf.envs.registry import EnvInfo

ENVS: list[EnvInfo] = []

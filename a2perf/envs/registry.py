"""Catalogue of a2perf environment ids and their gymnasium registration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym


@dataclass(frozen=True)
class EnvInfo:
    """One registered environment id.

    Attributes:
      id: gymnasium id, e.g. ``"CircuitTraining-ToyMacro-v0"``.
      domain: ``"chip"``, ``"web"`` or ``"quadruped"``.
      description: one line for ``a2perf envs``.
      entry_point: ``"module:Class"``, imported only by ``gymnasium.make``.
      kwargs: default constructor kwargs.
      max_episode_steps: gymnasium TimeLimit (``None``: the env ends episodes itself).
      extras: pip extras the env needs (``pip install 'a2perf[...]'``).
      needs: data or system programs it needs beyond the extras, or ``""``.
    """

    id: str
    domain: str
    description: str
    entry_point: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    extras: tuple[str, ...] = ()
    needs: str = ""


def all_env_infos() -> list[EnvInfo]:
    """Every a2perf env id, in domain order (chip, web, quadruped)."""
    from a2perf.envs.chip.registration import ENVS as chip_envs
    from a2perf.envs.quadruped.registration import ENVS as quadruped_envs
    from a2perf.envs.web.registration import ENVS as web_envs

    return [*chip_envs, *web_envs, *quadruped_envs]


def env_domain(env_id: str) -> str:
    """The a2perf domain of ``env_id`` or ``"other"`` for plain gymnasium envs."""
    for info in all_env_infos():
        if info.id == env_id:
            return info.domain
    return "other"


def register_envs() -> None:
    """Register every a2perf id with gymnasium (idempotent)."""
    for info in all_env_infos():
        if info.id in gym.registry:
            continue
        gym.register(
            id=info.id,
            entry_point=info.entry_point,
            kwargs=dict(info.kwargs),
            max_episode_steps=info.max_episode_steps,
        )

"""How each domain evaluates a policy: the env kwargs of its evaluation protocol.

A domain's ``a2perf.envs.<domain>.tasks`` module may declare:

- ``EVALUATION_KWARGS``: kwargs every evaluation uses unless the caller sets them. The quadruped's
  is ``{"mode": "test"}``: fixed 600-step episodes with nominal dynamics, A2Perf's evaluation
  setting, where the env's own default is the training curriculum.
- ``TRAINING_ONLY_KWARGS``: kwargs that describe a training regime, not the task (quadruped:
  ``mode``, ``enable_randomizer``, ``num_parallel_envs``, ``episode_steps``). They are dropped when a
  training run's kwargs become evaluation kwargs, and ignored when naming a task.

Plain gymnasium envs declare nothing: their kwargs pass through unchanged.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def _tasks_module(env_id: str) -> ModuleType | None:
    from a2perf.envs.registry import env_domain

    domain = env_domain(env_id)
    if domain == "other":
        return None
    try:
        return importlib.import_module(f"a2perf.envs.{domain}.tasks")
    except ImportError:
        return None


def training_only_kwargs(env_id: str) -> frozenset[str]:
    """Kwarg names of ``env_id`` that set the training regime, not the task (empty for most envs)."""
    module = _tasks_module(env_id)
    return frozenset(getattr(module, "TRAINING_ONLY_KWARGS", ()))


def evaluation_kwargs(
    env_id: str, env_kwargs: dict[str, Any] | None, *, from_training: bool = False
) -> dict[str, Any]:
    """The kwargs that evaluate a policy on ``env_id`` under its domain's protocol.

    Args:
      env_kwargs: the caller's kwargs; those it sets win over the domain's evaluation kwargs.
      from_training: ``env_kwargs`` are a training run's: its training-only kwargs are dropped first
        (a quadruped run trained with ``{"mode": "train", "episode_steps": 100}`` is evaluated with
        ``{"mode": "test"}``).
    Returns:
      A new dict; ``env_kwargs`` itself is not changed.
    """
    module = _tasks_module(env_id)
    kwargs = dict(env_kwargs or {})
    if module is None:
        return kwargs
    if from_training:
        drop = frozenset(getattr(module, "TRAINING_ONLY_KWARGS", ()))
        kwargs = {k: v for k, v in kwargs.items() if k not in drop}
    return {**dict(getattr(module, "EVALUATION_KWARGS", {})), **kwargs}

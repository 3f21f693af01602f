"""Domain and task lookup for env ids: the generalization task list of each domain.

Each a2perf domain module may expose ``generalization_tasks() -> list[dict]`` in
``a2perf/envs/<domain>/`` (keys ``task``/``name``, ``env_id``, optional ``env_kwargs``). Plain
gymnasium envs have a one-task list: the env itself.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from a2perf.errors import ConfigError

DOMAIN_PREFIX = {"chip": "CircuitTraining", "web": "WebNavigation", "quadruped": "QuadrupedLocomotion"}
"""Minari dataset prefix per domain (A2Perf's ``<EnvPrefix>-<task>-<level>-v0``)."""


@dataclass(frozen=True)
class Task:
    """One evaluation task: a label and how to make its env."""

    name: str
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)


def env_domain(env_id: str) -> str:
    """The a2perf domain of ``env_id`` or ``"other"``."""
    from a2perf.measure import env_domain as _domain

    return _domain(env_id)


def _default_name(env_id: str, kwargs: dict[str, Any]) -> str:
    """A task label from an env id and kwargs: ``CircuitTraining-Synthetic-v0`` + preset/seed -> ``Synthetic_small_0``."""
    base = re.sub(r"-v\d+$", "", env_id.split("/")[-1])
    base = base.split("-", 1)[1] if "-" in base else base
    return "_".join([base, *(str(v) for _, v in sorted(kwargs.items()))])


def _as_task(entry: Any, domain: str, shared: dict[str, Any] | None = None) -> Task:
    if isinstance(entry, Task):
        return entry
    if isinstance(entry, dict):
        env_id = entry.get("env_id") or entry.get("id")
        kwargs = dict(entry.get("env_kwargs") or entry.get("kwargs") or {})
        distinct = {k: v for k, v in kwargs.items() if (shared or {}).get(k, object()) != v}
        name = entry.get("task") or entry.get("name") or (env_id and _default_name(str(env_id), distinct))
        if name and env_id:
            return Task(str(name), str(env_id), kwargs)
    raise ConfigError(
        f"a2perf.envs.{domain}.generalization_tasks() returned {entry!r}; expected dicts with 'task' and 'env_id'"
    )


def domain_tasks(env_id: str, env_kwargs: dict[str, Any] | None = None) -> list[Task]:
    """The generalization task list of ``env_id``'s domain (the env itself for plain envs)."""
    domain = env_domain(env_id)
    if domain == "other":
        return [Task(env_id, env_id, dict(env_kwargs or {}))]
    module = None
    for name in (
        f"a2perf.envs.{domain}",
        f"a2perf.envs.{domain}.tasks",
        f"a2perf.envs.{domain}.registration",
    ):
        try:
            candidate = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(candidate, "generalization_tasks"):
            module = candidate
            break
    if module is None:
        return [Task(env_id, env_id, dict(env_kwargs or {}))]
    entries = list(module.generalization_tasks())
    # Unnamed entries are named after the kwargs that tell them apart (not the shared padding).
    kwarg_sets = [dict(e.get("env_kwargs") or e.get("kwargs") or {}) for e in entries if isinstance(e, dict)]
    shared = (
        {k: v for k, v in kwarg_sets[0].items() if all(s.get(k) == v for s in kwarg_sets)}
        if kwarg_sets
        else {}
    )
    return [_as_task(entry, domain, shared) for entry in entries]


def _constructor_defaults(env_id: str) -> dict[str, Any]:
    """Keyword defaults of the env's constructor, overlaid with its registered kwargs ({} if unknown)."""
    import inspect

    import gymnasium as gym

    try:
        spec = gym.spec(env_id)
        entry = spec.entry_point
        cls = gym.envs.registration.load_env_creator(entry) if isinstance(entry, str) else entry
        params = inspect.signature(cls).parameters.values()
    except (gym.error.Error, ImportError, AttributeError, TypeError, ValueError):
        return {}
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    return {**defaults, **spec.kwargs}


RUN_ONLY_KWARGS = frozenset({"render_mode", "backend", "transport", "chromium_path", "chromedriver_path"})
"""Env kwargs that change how an env runs, not which task it is (ignored when naming the task)."""


def task_of(env_id: str, env_kwargs: dict[str, Any] | None = None) -> str:
    """Task label of an env: the matching entry of the domain's list, else the env id.

    Kwargs are compared with the env's defaults filled in, so ``num_websites=1`` written out or
    left to its default name the same task. :data:`RUN_ONLY_KWARGS` (e.g. the web env's
    ``backend``) and the domain's training-only kwargs (the quadruped's ``mode``,
    ``episode_steps``, ...; see :mod:`a2perf.envs.protocol`) are ignored on both sides.
    """
    from a2perf.envs.protocol import training_only_kwargs

    ignored = RUN_ONLY_KWARGS | training_only_kwargs(env_id)

    def task_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in kw.items() if k not in ignored}

    kwargs = task_kwargs(env_kwargs or {})
    tasks = [
        Task(t.name, t.env_id, task_kwargs(t.env_kwargs))
        for t in domain_tasks(env_id, kwargs)
        if t.env_id == env_id
    ]
    for task in tasks:
        if task.env_kwargs == kwargs:
            return task.name
    defaults = task_kwargs(_constructor_defaults(env_id))
    for task in tasks:
        keys = task.env_kwargs.keys() | kwargs.keys()
        if all({**defaults, **task.env_kwargs}.get(k) == {**defaults, **kwargs}.get(k) for k in keys):
            return task.name
    for task in tasks:
        if task.env_kwargs.items() <= kwargs.items():
            return task.name
    return env_id


def select_tasks(env_id: str, env_kwargs: dict[str, Any] | None, names: list[str] | None) -> list[Task]:
    """The tasks named in ``names`` (task labels or env ids), or the whole domain list.

    ``env_id`` itself always means the training env with ``env_kwargs`` (not a list entry that
    shares the id with other kwargs, e.g. chip padding).
    """
    tasks = domain_tasks(env_id, env_kwargs)
    if not names:
        return tasks
    by_name = {t.name: t for t in tasks} | {t.env_id: t for t in tasks}
    chosen = []
    for name in names:
        if name == env_id:  # the training env itself, with the run's own kwargs
            chosen.append(Task(task_of(env_id, env_kwargs), env_id, dict(env_kwargs or {})))
        elif name in by_name:
            chosen.append(by_name[name])
        elif "-v" in name:  # any other env id is allowed as an extra task
            from a2perf.envs.protocol import evaluation_kwargs

            chosen.append(Task(name, name, evaluation_kwargs(name, {})))
        else:
            raise ConfigError(
                f"unknown task {name!r} for {env_id}; choose from {', '.join(t.name for t in tasks)} or give an env id"
            )
    return chosen


def dataset_prefix(env_id: str) -> str:
    """``CircuitTraining``/``WebNavigation``/``QuadrupedLocomotion``, or the env name for plain envs."""
    domain = env_domain(env_id)
    return DOMAIN_PREFIX.get(domain, env_id.split("-v")[0].split("/")[-1])

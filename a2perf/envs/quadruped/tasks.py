"""Generalization tasks of the quadruped domain: train on one gait, evaluate on pace, trot and spin."""

from __future__ import annotations

from typing import Any

from a2perf.downloads import domain_cache_dir

_DOG = ("pace", "trot", "spin")

EVALUATION_KWARGS = {"mode": "test"}
"""A2Perf evaluates the quadruped in test mode: fixed 600-step episodes, nominal dynamics."""

TRAINING_ONLY_KWARGS = frozenset({"mode", "enable_randomizer", "num_parallel_envs", "episode_steps"})
"""Kwargs of the training regime (curriculum, randomisation, episode length), not of the task."""


def generalization_tasks(source: str = "auto") -> list[dict[str, Any]]:
    """A2Perf's task list (pace, trot, spin) as env ids, each in test mode (:data:`EVALUATION_KWARGS`).

    Args:
      source: ``"dog"`` (A2Perf's mocap clips, need ``a2perf data download quadruped``), ``"procedural"``
        (the shipped gaits), or ``"auto"``: the dog clips when all three are in the data cache, else the
        procedural gaits. The task names say which (``dog_pace`` vs ``pace``).
    Returns:
      ``[{"name", "task", "env_id", "kwargs"}, ...]``, three entries.
    """
    if source not in ("auto", "dog", "procedural"):
        from a2perf.errors import ConfigError

        raise ConfigError(f"source={source!r}; use 'auto', 'dog' or 'procedural'")
    if source == "auto":
        cached = all((domain_cache_dir("quadruped") / f"dog_{n}.txt").is_file() for n in _DOG)
        source = "dog" if cached else "procedural"
    if source == "dog":
        return [
            {
                "name": f"dog_{n}",
                "task": f"dog_{n}",
                "env_id": f"QuadrupedLocomotion-Dog{n.capitalize()}-v0",
                "kwargs": dict(EVALUATION_KWARGS),
            }
            for n in _DOG
        ]
    return [
        {
            "name": n,
            "task": n,
            "env_id": f"QuadrupedLocomotion-{n.capitalize()}-v0",
            "kwargs": dict(EVALUATION_KWARGS),
        }
        for n in _DOG
    ]

"""Generalization: a policy trained on one task, evaluated on every task of a list.

Input: ``{task: returns_per_seed}`` where ``returns_per_seed`` holds, per seed, the episode
returns of that seed's policy on that task (A2Perf: 100 episodes per task and seed).

A2Perf's figure is ``G = sum_k mean_s mean_e R[s, k, e]``: the SUM over tasks of the mean over
seeds of per-seed mean returns, in raw units (so tasks with large rewards dominate). Report the
per-task vector and the normalized aggregate as well. Higher is better for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from a2perf.errors import ConfigError
from a2perf.metrics.returns import per_seed_means

__all__ = [
    "a2perf_generalization",
    "normalized_generalization",
    "normalized_task_scores",
    "per_task_mean_returns",
]

TaskReturns = Mapping[str, Sequence[Any]]
"""``{task: [returns of seed 0, returns of seed 1, ...]}``; each entry a 1-D array of returns."""


def per_task_mean_returns(returns: TaskReturns) -> dict[str, float]:
    """Mean over seeds of each seed's mean return, per task.

    Args:
      returns: ``{task: returns_per_seed}``; seeds may have different episode counts.

    Returns:
      ``{task: mean over seeds of per-seed mean return}`` in return units, in input order.
      Higher is better.
    """
    if not returns:
        raise ConfigError("generalization needs at least one task")
    return {task: float(per_seed_means(per_seed).mean()) for task, per_seed in returns.items()}


def a2perf_generalization(returns: TaskReturns) -> float:
    """A2Perf's generalization score: sum over tasks of `per_task_mean_returns`.

    Args:
      returns: ``{task: returns_per_seed}``.

    Returns:
      Sum of per-task mean returns, raw units (unnormalized). Higher is better.
    """
    return float(sum(per_task_mean_returns(returns).values()))


def normalized_task_scores(
    returns: TaskReturns, reference: Mapping[str, tuple[float, float]]
) -> dict[str, float]:
    """Per-task mean return normalized by reference scores: ``(x - low) / (high - low)``.

    Args:
      returns: ``{task: returns_per_seed}``.
      reference: ``{task: (low, high)}``, e.g. random-policy and expert mean returns; every
        task of `returns` needs one, with high != low.

    Returns:
      ``{task: normalized score}`` (0 = low reference, 1 = high reference). Higher is better.
    """
    means = per_task_mean_returns(returns)
    missing = [t for t in means if t not in reference]
    if missing:
        raise ConfigError(f"no reference scores for tasks {missing}; pass reference={{task: (low, high)}}")
    out: dict[str, float] = {}
    for task, m in means.items():
        low, high = (float(x) for x in reference[task])
        if high == low:
            raise ConfigError(f"reference scores for task {task!r} are equal ({low}); they must differ")
        out[task] = (m - low) / (high - low)
    return out


def normalized_generalization(returns: TaskReturns, reference: Mapping[str, tuple[float, float]]) -> float:
    """Mean over tasks of `normalized_task_scores` (1.0 = the high reference on every task).

    Args:
      returns: ``{task: returns_per_seed}``.
      reference: ``{task: (low, high)}``.

    Returns:
      The normalized aggregate. Higher is better.
    """
    return float(np.mean(list(normalized_task_scores(returns, reference).values())))

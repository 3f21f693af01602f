"""Episode returns (undiscounted sums of rewards) summarised over seeds.

A2Perf pools the returns of all seeds (e.g. 10 seeds x 100 episodes = 1000 values) and reports
the pooled mean +- population std (ddof=0), not a mean of per-seed means. Both, and the IQM,
are here. Higher is better for every statistic except the std.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.stats

from a2perf.errors import ConfigError

__all__ = ["episode_return", "per_seed_means", "pooled_iqm", "pooled_mean_std"]


def _per_seed(returns_per_seed: Sequence[Any] | np.ndarray) -> list[np.ndarray]:
    if isinstance(returns_per_seed, np.ndarray) and returns_per_seed.ndim == 2:
        arrays = [np.asarray(r, dtype=np.float64) for r in returns_per_seed]
    else:
        try:
            arrays = [np.asarray(r, dtype=np.float64).ravel() for r in returns_per_seed]
        except (TypeError, ValueError):
            raise ConfigError("returns must be a sequence of 1-D arrays, one per seed") from None
    if not arrays or any(a.size == 0 for a in arrays):
        raise ConfigError("returns must hold at least one seed, each with at least one episode return")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ConfigError("returns contain NaN or inf")
    return arrays


def episode_return(rewards: Any) -> float:
    """Undiscounted return of one episode.

    Args:
      rewards: shape (episode_length,), per-step rewards.

    Returns:
      ``sum(rewards)``.
    """
    return float(np.sum(np.asarray(rewards, dtype=np.float64)))


def pooled_mean_std(returns_per_seed: Sequence[np.ndarray]) -> tuple[float, float]:
    """A2Perf's returns figure: mean and population std (ddof=0) of all seeds' returns pooled.

    Args:
      returns_per_seed: per seed an array of episode returns, shape (num_episodes_s,);
        lengths may differ (or one 2-D array seeds x episodes).

    Returns:
      ``(mean, std)`` in return units. Higher mean is better.
    """
    pooled = np.concatenate(_per_seed(returns_per_seed))
    return float(pooled.mean()), float(pooled.std())


def per_seed_means(returns_per_seed: Sequence[np.ndarray]) -> np.ndarray:
    """Mean return of each seed.

    Args:
      returns_per_seed: per seed an array of episode returns.

    Returns:
      shape (num_seeds,). Higher is better. Use as a (num_seeds, 1) score matrix for
      `a2perf.metrics.aggregates`.
    """
    return np.array([a.mean() for a in _per_seed(returns_per_seed)])


def pooled_iqm(returns_per_seed: Sequence[np.ndarray]) -> float:
    """Interquartile mean (25% trimmed mean) of all episode returns pooled over seeds.

    Args:
      returns_per_seed: per seed an array of episode returns.

    Returns:
      IQM in return units. Higher is better.
    """
    pooled = np.concatenate(_per_seed(returns_per_seed))
    return float(scipy.stats.trim_mean(pooled, proportiontocut=0.25))

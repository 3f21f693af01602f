"""Aggregate scores over runs and tasks, with stratified-bootstrap confidence intervals.

Score matrices are ``(num_runs, num_tasks)``: ``scores[n, m]`` is the (normalized) score of run
(seed) n on task m. Point estimates are those of rliable (Agarwal et al. 2021, `rliable.metrics`):

- `mean` = mean over tasks of the per-task mean over runs. Higher is better.
- `median` = median over tasks of the per-task mean over runs. Higher is better.
- `iqm` = 25% trimmed mean of all ``num_runs * num_tasks`` scores pooled (cuts
  ``floor(0.25 * N * M)`` values from each end). Higher is better.
- `optimality_gap` = ``gamma - mean(min(scores, gamma))`` over all scores. Lower is better.
- `probability_of_improvement` = ``(1/M) sum_m P(X_m > Y_m)`` with ties counting 1/2.
  Higher is better for X.

Confidence intervals resample runs with replacement within each task (tasks are strata), all
replicates at once (vectorised), with an explicit `numpy.random.Generator` (or an int seed):
no global RNG is touched, so the same seed gives the same interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.stats

from a2perf.errors import ConfigError

__all__ = [
    "AGGREGATES",
    "ConfidenceInterval",
    "aggregate_cis",
    "iqm",
    "mean",
    "median",
    "optimality_gap",
    "probability_of_improvement",
    "probability_of_improvement_ci",
    "stratified_bootstrap_ci",
]

# Max number of resampled scores held in memory at once by the bootstrap (chunking over reps).
_CHUNK_ELEMS = 4_000_000


@dataclass(frozen=True)
class ConfidenceInterval:
    """A point estimate with a percentile-bootstrap interval.

    Attributes:
      point: the statistic on the original scores.
      low: lower bound, the ``(1 - confidence) / 2`` quantile of the bootstrap replicates.
      high: upper bound, the ``(1 + confidence) / 2`` quantile.
      confidence: interval coverage, e.g. 0.95.
      reps: number of bootstrap replicates.
    """

    point: float
    low: float
    high: float
    confidence: float
    reps: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields (JSON-serialisable)."""
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Input checks


def _scores(scores: Any, name: str = "scores") -> np.ndarray:
    arr = np.asarray(scores, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigError(f"{name} must be a 2-D array (num_runs x num_tasks), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ConfigError(f"{name} needs at least one run and one task, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name} contains NaN or inf; drop or fill those runs first")
    return arr


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ConfigError(f"rng must be a numpy Generator or an int seed, got {rng!r}; pass e.g. rng=0")


# ---------------------------------------------------------------------------------------------
# Batched kernels: x has shape (..., num_runs, num_tasks); result has shape (...)


def _mean_b(x: np.ndarray) -> np.ndarray:
    return np.mean(np.mean(x, axis=-2), axis=-1)


def _median_b(x: np.ndarray) -> np.ndarray:
    return np.median(np.mean(x, axis=-2), axis=-1)


def _iqm_b(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
    return scipy.stats.trim_mean(flat, proportiontocut=0.25, axis=-1)


def _og_b(x: np.ndarray, gamma: float) -> np.ndarray:
    flat = np.minimum(x, gamma).reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
    return gamma - np.mean(flat, axis=-1)


def _poi_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # x (..., Nx, M), y (..., Ny, M) -> (...)
    xe = x[..., :, None, :]
    ye = y[..., None, :, :]
    per_task = np.mean(xe > ye, axis=(-3, -2)) + 0.5 * np.mean(xe == ye, axis=(-3, -2))
    return np.mean(per_task, axis=-1)


# ---------------------------------------------------------------------------------------------
# Point estimates


def mean(scores: np.ndarray) -> float:
    """Mean over tasks of the per-task mean score (rliable `aggregate_mean`).

    Args:
      scores: shape (num_runs, num_tasks).

    Returns:
      The mean score. Higher is better.
    """
    return float(_mean_b(_scores(scores)))


def median(scores: np.ndarray) -> float:
    """Median over tasks of the per-task mean score (rliable `aggregate_median`).

    Args:
      scores: shape (num_runs, num_tasks).

    Returns:
      The median of per-task means. Higher is better.
    """
    return float(_median_b(_scores(scores)))


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean: 25% trimmed mean of all scores pooled (rliable `aggregate_iqm`).

    Sorts the ``N * M`` scores, drops ``floor(0.25 * N * M)`` from each end and averages the
    rest.

    Args:
      scores: shape (num_runs, num_tasks).

    Returns:
      The IQM. Higher is better.
    """
    return float(_iqm_b(_scores(scores)))


def optimality_gap(scores: np.ndarray, gamma: float = 1.0) -> float:
    """Optimality gap ``gamma - mean(min(scores, gamma))`` (rliable `aggregate_optimality_gap`).

    How far the scores fall short of the target `gamma` on average; overshoot does not count.

    Args:
      scores: shape (num_runs, num_tasks), normalized so that `gamma` is the target.
      gamma: target score.

    Returns:
      The gap, in score units (>= 0). Lower is better.
    """
    return float(_og_b(_scores(scores), float(gamma)))


def probability_of_improvement(scores_x: np.ndarray, scores_y: np.ndarray) -> float:
    """Probability that a run of X beats a run of Y on a random task (rliable's definition).

    ``P(X > Y) = (1/M) sum_m (1/(Nx Ny)) sum_i sum_j [1(x_im > y_jm) + 0.5 * 1(x_im = y_jm)]``,
    i.e. the per-task Mann-Whitney U statistic over ``Nx * Ny``, averaged over tasks.

    Args:
      scores_x: shape (num_runs_x, num_tasks).
      scores_y: shape (num_runs_y, num_tasks); run counts may differ, task counts must match.

    Returns:
      Probability in [0, 1]; 0.5 means no difference. Higher is better for X.
    """
    x = _scores(scores_x, "scores_x")
    y = _scores(scores_y, "scores_y")
    if x.shape[1] != y.shape[1]:
        raise ConfigError(
            f"scores_x has {x.shape[1]} tasks but scores_y has {y.shape[1]}; use the same tasks"
        )
    return float(_poi_b(x, y))


AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {
    "iqm": iqm,
    "median": median,
    "mean": mean,
    "optimality_gap": optimality_gap,
}
"""Name -> point-estimate function for the aggregates `aggregate_cis` understands."""


def _batched(name: str, gamma: float) -> Callable[[np.ndarray], np.ndarray]:
    if name == "iqm":
        return _iqm_b
    if name == "median":
        return _median_b
    if name == "mean":
        return _mean_b
    if name == "optimality_gap":
        return lambda x: _og_b(x, gamma)
    raise ConfigError(f"unknown aggregate {name!r}; choose from {sorted(AGGREGATES)}")


# ---------------------------------------------------------------------------------------------
# Bootstrap


def _check_ci_args(reps: int, confidence: float) -> None:
    if not (isinstance(reps, int | np.integer) and reps >= 1):
        raise ConfigError(f"reps must be a positive int, got {reps!r}")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must lie in (0, 1), got {confidence!r}")


def _resample(scores: np.ndarray, reps: int, rng: np.random.Generator, task_bootstrap: bool) -> np.ndarray:
    """Stratified resample: shape (reps, N, M); runs drawn with replacement within each task."""
    n, m = scores.shape
    idx = rng.integers(0, n, size=(reps, n, m))
    cols = np.arange(m)
    if task_bootstrap:
        cols = rng.integers(0, m, size=(reps, 1, m))
    return scores[idx, cols]


def _interval(point: float, reps_values: np.ndarray, confidence: float, reps: int) -> ConfidenceInterval:
    lo_q = 50.0 * (1.0 - confidence)
    low, high = np.percentile(reps_values, [lo_q, 100.0 - lo_q])
    return ConfidenceInterval(float(point), float(low), float(high), float(confidence), int(reps))


def _chunks(reps: int, elems_per_rep: int) -> list[int]:
    size = max(1, _CHUNK_ELEMS // max(1, elems_per_rep))
    return [min(size, reps - s) for s in range(0, reps, size)]


def aggregate_cis(
    scores: np.ndarray,
    aggregates: Sequence[str] = ("iqm", "median", "mean", "optimality_gap"),
    *,
    rng: np.random.Generator | int,
    reps: int = 2000,
    confidence: float = 0.95,
    gamma: float = 1.0,
    task_bootstrap: bool = False,
) -> dict[str, ConfidenceInterval]:
    """Point estimates and stratified-bootstrap CIs of several aggregates on the same replicates.

    Each replicate draws ``num_runs`` runs with replacement independently for every task (and,
    with `task_bootstrap`, also draws ``num_tasks`` tasks with replacement); every aggregate is
    computed on the same replicates. Percentile intervals.

    Args:
      scores: shape (num_runs, num_tasks).
      aggregates: names among ``"iqm"``, ``"median"``, ``"mean"``, ``"optimality_gap"``.
      rng: numpy Generator or int seed (required: no global RNG is used).
      reps: number of bootstrap replicates.
      confidence: interval coverage in (0, 1).
      gamma: threshold of ``optimality_gap``.
      task_bootstrap: also resample tasks.

    Returns:
      ``{name: ConfidenceInterval}`` in the order of `aggregates`.
    """
    x = _scores(scores)
    _check_ci_args(reps, confidence)
    gen = _generator(rng)
    kernels = {name: _batched(name, float(gamma)) for name in aggregates}
    parts: dict[str, list[np.ndarray]] = {name: [] for name in kernels}
    for size in _chunks(reps, x.size):
        boot = _resample(x, size, gen, task_bootstrap)
        for name, fn in kernels.items():
            parts[name].append(fn(boot))
    out: dict[str, ConfidenceInterval] = {}
    for name, fn in kernels.items():
        out[name] = _interval(float(fn(x)), np.concatenate(parts[name]), confidence, reps)
    return out


def stratified_bootstrap_ci(
    scores: np.ndarray,
    statistic: str | Callable[[np.ndarray], float],
    *,
    rng: np.random.Generator | int,
    reps: int = 2000,
    confidence: float = 0.95,
    task_bootstrap: bool = False,
    vectorized: bool = False,
) -> ConfidenceInterval:
    """Stratified-bootstrap percentile CI of one statistic of a score matrix.

    Args:
      scores: shape (num_runs, num_tasks).
      statistic: an aggregate name (see `AGGREGATES`; fast, vectorised) or a callable mapping a
        (num_runs, num_tasks) matrix to a float. With ``vectorized=True`` the callable must accept
        a (reps, num_runs, num_tasks) array and return shape (reps,).
      rng: numpy Generator or int seed (required).
      reps: number of bootstrap replicates.
      confidence: interval coverage in (0, 1).
      task_bootstrap: also resample tasks.
      vectorized: see `statistic`.

    Returns:
      ConfidenceInterval (point = statistic of `scores`).
    """
    if isinstance(statistic, str):
        return aggregate_cis(
            scores, (statistic,), rng=rng, reps=reps, confidence=confidence, task_bootstrap=task_bootstrap
        )[statistic]
    x = _scores(scores)
    _check_ci_args(reps, confidence)
    gen = _generator(rng)
    values: list[np.ndarray] = []
    for size in _chunks(reps, x.size):
        boot = _resample(x, size, gen, task_bootstrap)
        if vectorized:
            values.append(np.asarray(statistic(boot), dtype=np.float64).reshape(size))
        else:
            values.append(np.array([float(statistic(b)) for b in boot]))
    return _interval(float(statistic(x)), np.concatenate(values), confidence, reps)


def probability_of_improvement_ci(
    scores_x: np.ndarray,
    scores_y: np.ndarray,
    *,
    rng: np.random.Generator | int,
    reps: int = 2000,
    confidence: float = 0.95,
) -> ConfidenceInterval:
    """Probability of improvement of X over Y with a stratified independent bootstrap CI.

    The runs of X and of Y are resampled independently within each task (rliable's
    `StratifiedIndependentBootstrap`).

    Args:
      scores_x: shape (num_runs_x, num_tasks).
      scores_y: shape (num_runs_y, num_tasks).
      rng: numpy Generator or int seed (required).
      reps: number of bootstrap replicates.
      confidence: interval coverage in (0, 1).

    Returns:
      ConfidenceInterval of P(X > Y). Higher is better for X.
    """
    x = _scores(scores_x, "scores_x")
    y = _scores(scores_y, "scores_y")
    if x.shape[1] != y.shape[1]:
        raise ConfigError(
            f"scores_x has {x.shape[1]} tasks but scores_y has {y.shape[1]}; use the same tasks"
        )
    _check_ci_args(reps, confidence)
    gen = _generator(rng)
    values: list[np.ndarray] = []
    for size in _chunks(reps, x.shape[0] * y.shape[0] * x.shape[1]):
        bx = _resample(x, size, gen, False)
        by = _resample(y, size, gen, False)
        values.append(_poi_b(bx, by))
    return _interval(float(_poi_b(x, y)), np.concatenate(values), confidence, reps)

"""A2Perf's seven reliability metrics (Chan et al. 2020, as A2Perf computed them) and a per-run variant.

Training curves are given per run (seed) as ``(steps, values)`` pairs: `steps` shape (T_s,) train
steps, `values` shape (T_s,) returns in raw reward units. Curves may have different lengths and
unaligned steps. Each curve is sorted by step first and duplicate steps are averaged (A2Perf
averaged the collect actors that logged the same step). Rollout returns are given per run as 1-D
arrays of episode returns (or one 2-D array runs x episodes).

A2Perf semantics (alpha = 0.05, 5-point windows, order-8 Butterworth at cutoff 0.01):

=============================  ========================================================  ======
metric                         formula                                                   better
=============================  ========================================================  ======
dispersion_across_runs         low-pass each curve; at every step with >= 3 runs,        lower
                               IQR across runs; mean and std (ddof=1) over steps
dispersion_within_runs         IQR of first differences in windows of 5 median step      lower
                               gaps; mean and std (ddof=0) over all windows of all runs
short_term_risk                -CVaR_0.05 (lower tail) of all first differences pooled   lower
long_term_risk                 CVaR (upper tail, >= 95th pct) of all drawdowns pooled    lower
risk_across_runs               CVaR_0.05 (lower tail) of the runs' last values           higher
dispersion_across_rollouts     IQR of all rollout returns pooled                         lower
risk_across_rollouts           CVaR_0.05 (lower tail) of all rollout returns pooled      higher
=============================  ========================================================  ======

Percentiles use numpy's linear interpolation and CVaR cut-offs are inclusive. The low-pass filter
is the exact Butterworth in second-order sections (`sosfiltfilt`), not A2Perf's ill-conditioned
(b, a) form, so dispersion across runs can differ from A2Perf's printed values by about 1%.

Nothing above is normalized, and results are pooled over runs. `reliability_per_run` is the variant
the spec recommends: curves normalized (by curve range or by reference scores), within-run metrics
per run (ready for `a2perf.metrics.aggregates` bootstrap CIs), across-run metrics on curves
interpolated to a common step grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
import scipy.signal

from a2perf.errors import ConfigError

__all__ = [
    "ALPHA",
    "LOWPASS_CUTOFF",
    "LOWPASS_ORDER",
    "WINDOW_POINTS",
    "MeanStd",
    "ReliabilityPerRun",
    "align_curves",
    "curve_range",
    "cvar",
    "dispersion_across_rollouts",
    "dispersion_across_runs",
    "dispersion_within_runs",
    "drawdown",
    "long_term_risk",
    "lowpass",
    "reliability_per_run",
    "risk_across_rollouts",
    "risk_across_runs",
    "short_term_risk",
]

ALPHA = 0.05
"""Tail probability of every CVaR (A2Perf's LEFT_TAIL; the drawdown uses the upper 1 - ALPHA)."""
WINDOW_POINTS = 5
"""Window length of dispersion within runs, in median step gaps."""
LOWPASS_CUTOFF = 0.01
"""Normalized cutoff (fraction of Nyquist) of the low-pass filter of dispersion across runs."""
LOWPASS_ORDER = 8
"""Order of the Butterworth low-pass filter."""
MIN_RUNS = 3
"""A step counts for dispersion across runs when at least this many runs have a point there."""

Curve = tuple[Any, Any]
"""A training curve: ``(steps, values)``, both array-like of shape (T,)."""


class MeanStd(NamedTuple):
    """Mean and standard deviation of per-step or per-window values (A2Perf's "mean +- std")."""

    mean: float
    std: float


# ---------------------------------------------------------------------------------------------
# Small helpers


def _lerp_sorted(sorted_rows: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile of each row's first `counts` entries (rows sorted ascending).

    Bit-for-bit numpy's default ``method="linear"`` (including its lerp for t >= 0.5).
    """
    pos = q * (counts - 1).astype(np.float64)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, counts - 1)
    t = pos - lo
    r = np.arange(sorted_rows.shape[0])
    a = sorted_rows[r, lo]
    b = sorted_rows[r, hi]
    diff = b - a
    out = a + diff * t
    upper = t >= 0.5
    out[upper] = (b - diff * (1 - t))[upper]
    return out


def _row_iqr(rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """IQR of each row's valid entries. rows (R, L) with NaN padding; counts (R,) >= 1."""
    s = np.sort(rows, axis=1)  # NaN sorts last
    return _lerp_sorted(s, counts, 0.75) - _lerp_sorted(s, counts, 0.25)


def cvar(x: Any, alpha: float = ALPHA, tail: Literal["lower", "upper"] = "lower") -> float:
    """Conditional value at risk: mean of the values in one tail (inclusive cut-off).

    Lower tail: ``VaR = percentile(x, 100 alpha)``, ``CVaR = mean(x[x <= VaR])``.
    Upper tail: ``VaR = percentile(x, 100 (1 - alpha))``, ``CVaR = mean(x[x >= VaR])``.

    Args:
      x: shape (n,), n >= 1.
      alpha: tail probability in (0, 1).
      tail: ``"lower"`` or ``"upper"``.

    Returns:
      The CVaR, in the units of `x`.
    """
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ConfigError("cvar needs at least one value")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must lie in (0, 1), got {alpha!r}")
    if tail == "lower":
        var = np.percentile(arr, 100 * alpha)
        return float(arr[arr <= var].mean())
    if tail == "upper":
        var = np.percentile(arr, 100 * (1 - alpha))
        return float(arr[arr >= var].mean())
    raise ConfigError(f"tail must be 'lower' or 'upper', got {tail!r}")


def drawdown(values: Any) -> np.ndarray:
    """Drawdown ``D_i = max_{k <= i} y_k - y_i`` (>= 0) of a curve in step order.

    Args:
      values: shape (T,).

    Returns:
      shape (T,), same units as `values`.
    """
    v = np.asarray(values, dtype=np.float64)
    return np.maximum.accumulate(v) - v


def lowpass(values: Any, cutoff: float = LOWPASS_CUTOFF, order: int = LOWPASS_ORDER) -> np.ndarray:
    """Zero-phase Butterworth low-pass (second-order sections, forward-backward).

    Pad length ``min(T - 1, 3 (order + 1))`` as A2Perf's ``filtfilt`` (27 for order 8).

    Args:
      values: shape (T,), curve values in step order.
      cutoff: normalized cutoff in (0, 1), fraction of the Nyquist frequency.
      order: filter order.

    Returns:
      shape (T,), the smoothed curve (a copy of `values` when T < 2).
    """
    v = np.asarray(values, dtype=np.float64)
    if not 0 < cutoff < 1:
        raise ConfigError(f"lowpass cutoff must lie in (0, 1), got {cutoff!r}")
    if v.size < 2:
        return v.copy()
    sos = scipy.signal.butter(order, cutoff, output="sos")
    return scipy.signal.sosfiltfilt(sos, v, padlen=min(v.size - 1, 3 * (order + 1)))


def curve_range(values: Any) -> float:
    """Curve range of rl-reliability-metrics: 95th percentile minus the first value.

    Args:
      values: shape (T,), curve values in step order.

    Returns:
      The range, in value units (can be <= 0 for a curve that never improves).
    """
    v = np.asarray(values, dtype=np.float64)
    return float(np.percentile(v, 95) - v[0])


def _prep_curve(curve: Curve, i: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        steps, values = curve
    except (TypeError, ValueError):
        raise ConfigError(f"curve {i} must be a (steps, values) pair of 1-D arrays") from None
    s = np.asarray(steps, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if s.ndim != 1 or v.ndim != 1 or s.shape != v.shape or s.size == 0:
        raise ConfigError(
            f"curve {i}: steps and values must be non-empty 1-D arrays of equal length, got {s.shape} and {v.shape}"
        )
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(v))):
        raise ConfigError(f"curve {i} contains NaN or inf; drop those points first")
    if s.size > 1 and not np.all(s[1:] > s[:-1]):
        order = np.argsort(s, kind="stable")
        s, v = s[order], v[order]
        if not np.all(s[1:] > s[:-1]):  # duplicate steps: average their values
            u, inv = np.unique(s, return_inverse=True)
            v = np.bincount(inv, weights=v) / np.bincount(inv)
            s = u
    return s, v


def _prep_curves(curves: Sequence[Curve]) -> list[tuple[np.ndarray, np.ndarray]]:
    if isinstance(curves, np.ndarray) or len(curves) == 0:
        raise ConfigError("curves must be a non-empty sequence of (steps, values) pairs, one per run")
    return [_prep_curve(c, i) for i, c in enumerate(curves)]


def _pool_rollouts(rollout_returns: Any) -> np.ndarray:
    if isinstance(rollout_returns, np.ndarray):
        pooled = rollout_returns.astype(np.float64).ravel()
    else:
        parts = [np.asarray(r, dtype=np.float64).ravel() for r in rollout_returns]
        pooled = np.concatenate(parts) if parts else np.zeros(0)
    if pooled.size == 0:
        raise ConfigError("rollout returns are empty; pass at least one episode return")
    if not np.all(np.isfinite(pooled)):
        raise ConfigError("rollout returns contain NaN or inf")
    return pooled


def _stack_on_union(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Matrix (U, n) of values on the union of steps, NaN where a run has no point."""
    union = np.unique(np.concatenate([s for s, _ in curves]))
    mat = np.full((union.size, len(curves)), np.nan)
    for j, (s, v) in enumerate(curves):
        mat[np.searchsorted(union, s), j] = v
    return union, mat


# ---------------------------------------------------------------------------------------------
# The seven metrics (A2Perf semantics)


def dispersion_across_runs(
    curves: Sequence[Curve],
    *,
    lowpass_cutoff: float | None = LOWPASS_CUTOFF,
    filter_order: int = LOWPASS_ORDER,
    min_runs: int = MIN_RUNS,
) -> MeanStd:
    """Dispersion across runs: IQR across runs of the smoothed curves, averaged over steps.

    Each curve is low-passed (`lowpass`, zero-phase order-8 Butterworth at 0.01); at every step
    where at least `min_runs` runs have a point, the IQR of their smoothed values is taken;
    ``mean`` and ``std`` (ddof=1; NaN with a single step) are over those steps. Paper:
    ``(1/T) sum_t IQR({P_{t,j}}_j)``. Unaligned runs leave few common steps: use `align_curves`
    first, or `reliability_per_run`.

    Args:
      curves: one ``(steps, values)`` pair per run.
      lowpass_cutoff: normalized cutoff of the filter; None skips smoothing.
      filter_order: Butterworth order.
      min_runs: runs needed at a step (A2Perf: more than 2).

    Returns:
      MeanStd in value units. Lower is better.
    """
    prepped = _prep_curves(curves)
    if lowpass_cutoff is not None:
        prepped = [(s, lowpass(v, lowpass_cutoff, filter_order)) for s, v in prepped]
    _, mat = _stack_on_union(prepped)
    counts = np.sum(~np.isnan(mat), axis=1)
    keep = counts >= min_runs
    if not np.any(keep):
        raise ConfigError(
            f"dispersion_across_runs needs a step where >= {min_runs} runs have a point; "
            "align the curves with align_curves() or pass more runs"
        )
    iqrs = _row_iqr(mat[keep], counts[keep])
    std = float(np.std(iqrs, ddof=1)) if iqrs.size > 1 else float("nan")
    return MeanStd(float(np.mean(iqrs)), std)


def _window_iqrs(steps: np.ndarray, values: np.ndarray, window_points: int) -> np.ndarray:
    """IQRs of first differences in A2Perf's windows for one sorted curve."""
    if steps.size < 3:
        return np.zeros(0)
    ds = steps[1:]
    dv = values[1:] - values[:-1]
    d = float(np.median(np.diff(steps)))
    half = window_points * d / 2.0
    e0 = np.ceil(half)
    n_eval = int(np.ceil((steps[-1] - e0) / d))  # eval points e0 + k d < max step
    if n_eval <= 0:
        return np.zeros(0)
    # Only eval points whose window can hold a difference (exactly the non-empty windows, and
    # bounded by len(ds) * (window_points + 4) even for very irregular steps).
    k_first = np.floor((ds - half - e0) / d).astype(np.int64)
    ks = np.unique((k_first[:, None] + np.arange(-1, window_points + 3)).ravel())
    ks = ks[(ks >= 0) & (ks < n_eval)]
    # A2Perf's evaluation points must stay strictly below the last step.
    e = e0 + ks * d
    e = e[e < steps[-1]]
    lo = np.ceil(e - half)
    hi = np.floor(e + half)
    a = np.searchsorted(ds, lo, side="left")
    b = np.searchsorted(ds, hi, side="right")
    cnt = b - a
    ok = cnt >= 2
    if not np.any(ok):
        return np.zeros(0)
    a, cnt = a[ok], cnt[ok]
    width = int(cnt.max())
    idx = a[:, None] + np.arange(width)
    rows = np.where(np.arange(width) < cnt[:, None], dv[np.minimum(idx, dv.size - 1)], np.nan)
    return _row_iqr(rows, cnt)


def dispersion_within_runs(curves: Sequence[Curve], *, window_points: int = WINDOW_POINTS) -> MeanStd:
    """Dispersion within runs: IQR of first differences in sliding windows.

    Per run: ``dP_i = P(t_i) - P(t_{i-1})`` (raw, unsmoothed; located at ``t_i``); ``d`` = median
    step gap of the run; window ``w = window_points * d``; evaluation points ``e = ceil(w/2) + k d``
    below the last step; window ``[ceil(e - w/2), floor(e + w/2)]`` (both ends included, so 6
    differences on a regular grid); IQR when it holds >= 2 differences. ``mean`` and ``std``
    (ddof=0) are over the windows of all runs pooled. Paper: ``(1/(T-4)) sum_t IQR(dP_{t-2..t+2})``.

    Args:
      curves: one ``(steps, values)`` pair per run.
      window_points: window length in median step gaps.

    Returns:
      MeanStd in value units per step gap. Lower is better.
    """
    if window_points < 1:
        raise ConfigError(f"window_points must be >= 1, got {window_points}")
    iqrs = [_window_iqrs(s, v, window_points) for s, v in _prep_curves(curves)]
    pooled = np.concatenate(iqrs)
    if pooled.size == 0:
        raise ConfigError("dispersion_within_runs needs curves with at least 3 points per run")
    return MeanStd(float(np.mean(pooled)), float(np.std(pooled)))


def _pooled_diffs(curves: Sequence[Curve]) -> np.ndarray:
    diffs = np.concatenate([np.diff(v) for _, v in _prep_curves(curves)])
    if diffs.size == 0:
        raise ConfigError("short_term_risk needs curves with at least 2 points")
    return diffs


def short_term_risk(curves: Sequence[Curve], *, alpha: float = ALPHA) -> float:
    """Short-term risk: minus the lower-tail CVaR of first differences, all runs pooled.

    ``-mean(dP[dP <= percentile(dP, 100 alpha)])`` over the raw first differences of every run
    (each run in step order). Positive = size of the typical worst drop.

    Args:
      curves: one ``(steps, values)`` pair per run.
      alpha: tail probability.

    Returns:
      Risk in value units. Lower is better.
    """
    return -cvar(_pooled_diffs(curves), alpha, "lower")


def long_term_risk(curves: Sequence[Curve], *, alpha: float = ALPHA) -> float:
    """Long-term risk: upper-tail CVaR of drawdowns, all runs pooled.

    ``D(t) = max_{t' <= t} P(t') - P(t)`` per run; mean of the pooled D that are >= their
    ``100 (1 - alpha)`` percentile. 0 for curves that never decrease.

    Args:
      curves: one ``(steps, values)`` pair per run.
      alpha: tail probability (0.05 -> drawdowns >= the 95th percentile).

    Returns:
      Risk in value units (>= 0). Lower is better.
    """
    pooled = np.concatenate([drawdown(v) for _, v in _prep_curves(curves)])
    return cvar(pooled, alpha, "upper")


def risk_across_runs(curves: Sequence[Curve], *, alpha: float = ALPHA) -> float:
    """Risk across runs: lower-tail CVaR of each run's last curve value.

    With 10 runs and alpha 0.05 this is the worst run's final training return.

    Args:
      curves: one ``(steps, values)`` pair per run.
      alpha: tail probability.

    Returns:
      CVaR in value units. Higher is better.
    """
    finals = np.array([v[-1] for _, v in _prep_curves(curves)])
    return cvar(finals, alpha, "lower")


def dispersion_across_rollouts(rollout_returns: Sequence[Any] | np.ndarray) -> float:
    """Dispersion across rollouts: IQR of all rollout returns of the fixed policy, runs pooled.

    Args:
      rollout_returns: per run a 1-D array of episode returns (lengths may differ), or an array
        of any shape (flattened).

    Returns:
      ``percentile(R, 75) - percentile(R, 25)`` in return units. Lower is better.
    """
    pooled = _pool_rollouts(rollout_returns)
    q75, q25 = np.percentile(pooled, [75, 25])
    return float(q75 - q25)


def risk_across_rollouts(rollout_returns: Sequence[Any] | np.ndarray, *, alpha: float = ALPHA) -> float:
    """Risk across rollouts: lower-tail CVaR of all rollout returns, runs pooled (not negated).

    Args:
      rollout_returns: per run a 1-D array of episode returns, or an array (flattened).
      alpha: tail probability.

    Returns:
      ``mean(R[R <= percentile(R, 100 alpha)])`` in return units. Higher is better.
    """
    return cvar(_pool_rollouts(rollout_returns), alpha, "lower")


# ---------------------------------------------------------------------------------------------
# Improved variant: normalized, per run, aligned


def align_curves(
    curves: Sequence[Curve], *, num_points: int | None = None, grid: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate all runs onto one step grid inside their common step range.

    Args:
      curves: one ``(steps, values)`` pair per run.
      num_points: grid of this many evenly spaced steps over the common range; default: the
        union of all runs' steps inside the common range.
      grid: explicit grid, shape (G,), inside the common range (overrides `num_points`).

    Returns:
      ``(grid, values)``: shapes (G,) and (num_runs, G), linear interpolation.
    """
    prepped = _prep_curves(curves)
    start = max(s[0] for s, _ in prepped)
    stop = min(s[-1] for s, _ in prepped)
    if start > stop:
        raise ConfigError(
            f"the runs share no step range (latest first step {start:g} > earliest last step {stop:g})"
        )
    if grid is not None:
        g = np.asarray(grid, dtype=np.float64)
        if g.ndim != 1 or g.size == 0 or g.min() < start or g.max() > stop:
            raise ConfigError(
                f"grid must be a non-empty 1-D array inside the common range [{start:g}, {stop:g}]"
            )
    elif num_points is not None:
        if num_points < 1:
            raise ConfigError(f"num_points must be >= 1, got {num_points}")
        g = np.linspace(start, stop, num_points)
    else:
        allsteps = np.unique(np.concatenate([s for s, _ in prepped]))
        g = allsteps[(allsteps >= start) & (allsteps <= stop)]
    return g, np.stack([np.interp(g, s, v) for s, v in prepped])


@dataclass(frozen=True)
class ReliabilityPerRun:
    """Normalized reliability, per run where the metric is per run.

    Per-run arrays have shape (num_runs,) and can be bootstrapped with
    `a2perf.metrics.aggregates` (e.g. ``stratified_bootstrap_ci(x[:, None], "mean", rng=0)``).
    Units are normalized returns (see `normalization`).

    Attributes:
      dispersion_within_runs: (num_runs,) mean window IQR of differences. Lower is better.
      short_term_risk: (num_runs,) -CVaR_alpha of differences. Lower is better.
      long_term_risk: (num_runs,) upper CVaR of drawdowns. Lower is better.
      dispersion_across_runs: mean over the aligned grid of the IQR across runs of the smoothed
        curves. Lower is better.
      risk_across_runs: lower CVaR_alpha of the runs' final normalized values. Higher is better.
      dispersion_across_rollouts: (num_runs,) IQR of each run's rollouts, or None. Lower is better.
      risk_across_rollouts: (num_runs,) lower CVaR_alpha of each run's rollouts, or None. Higher
        is better.
      normalization: ``"curve_range"``, ``"reference"`` or ``"none"``.
      alpha: tail probability used.
      window_points: window length of dispersion within runs.
      lowpass_cutoff: cutoff used for dispersion across runs (None = no smoothing).
      grid_points: number of steps of the common grid.
    """

    dispersion_within_runs: np.ndarray
    short_term_risk: np.ndarray
    long_term_risk: np.ndarray
    dispersion_across_runs: float
    risk_across_runs: float
    dispersion_across_rollouts: np.ndarray | None
    risk_across_rollouts: np.ndarray | None
    normalization: str
    alpha: float
    window_points: int
    lowpass_cutoff: float | None
    grid_points: int


def reliability_per_run(
    curves: Sequence[Curve],
    rollout_returns: Sequence[Any] | None = None,
    *,
    normalization: Literal["curve_range", "reference", "none"] = "curve_range",
    reference: tuple[float, float] | None = None,
    alpha: float = ALPHA,
    window_points: int = WINDOW_POINTS,
    lowpass_cutoff: float | None = LOWPASS_CUTOFF,
    num_points: int | None = None,
) -> ReliabilityPerRun:
    """Reliability as the spec recommends: normalized, per run, curves on a common grid.

    Normalization:
      - ``"curve_range"`` (rl-reliability-metrics): each run's curve and rollouts are divided by
        that run's `curve_range` (95th percentile minus first value) for the within-run and
        rollout metrics; across-run metrics divide by the median range over runs.
      - ``"reference"``: every value x becomes ``(x - low) / (high - low)`` with
        ``reference = (low, high)`` (e.g. random and expert returns), for all metrics.
      - ``"none"``: raw units.

    Within-run metrics are A2Perf's formulas applied to one run at a time. Across-run metrics
    use the curves interpolated onto `align_curves`' grid (so unaligned runs all count).

    Args:
      curves: one ``(steps, values)`` pair per run.
      rollout_returns: optional, per run a 1-D array of rollout returns (same run order).
      normalization: see above.
      reference: ``(low, high)`` for ``"reference"``, high != low.
      alpha: CVaR tail probability.
      window_points: window of dispersion within runs, in median step gaps.
      lowpass_cutoff: filter cutoff of dispersion across runs (None: no smoothing).
      num_points: size of the common grid (default: union of steps in the common range).

    Returns:
      ReliabilityPerRun.
    """
    prepped = _prep_curves(curves)
    n = len(prepped)
    if normalization == "reference":
        if reference is None or len(reference) != 2 or reference[1] == reference[0]:
            raise ConfigError("normalization='reference' needs reference=(low, high) with high != low")
        low, high = float(reference[0]), float(reference[1])
        scales = np.full(n, high - low)
        offset = low
        across_scale = high - low
    elif normalization == "curve_range":
        scales = np.array([curve_range(v) for _, v in prepped])
        if np.any(scales <= 0):
            bad = int(np.argmax(scales <= 0))
            raise ConfigError(
                f"run {bad} has a curve range <= 0 (never improves on its first value); "
                "use normalization='reference' or 'none'"
            )
        offset = 0.0
        across_scale = float(np.median(scales))
    elif normalization == "none":
        scales = np.ones(n)
        offset = 0.0
        across_scale = 1.0
    else:
        raise ConfigError(
            f"normalization must be 'curve_range', 'reference' or 'none', got {normalization!r}"
        )

    normed = [(s, (v - offset) / scales[j]) for j, (s, v) in enumerate(prepped)]
    within = np.array(
        [float(np.mean(w)) if (w := _window_iqrs(s, v, window_points)).size else np.nan for s, v in normed]
    )
    short = np.array([-cvar(np.diff(v), alpha, "lower") if v.size > 1 else np.nan for _, v in normed])
    long_ = np.array([cvar(drawdown(v), alpha, "upper") for _, v in normed])

    grid, aligned = align_curves(prepped, num_points=num_points)
    aligned = (aligned - offset) / across_scale
    if lowpass_cutoff is not None:
        aligned = np.stack([lowpass(row, lowpass_cutoff) for row in aligned])
    q75, q25 = np.percentile(aligned, [75, 25], axis=0)
    across = float(np.mean(q75 - q25))
    finals = np.array([v[-1] for _, v in prepped])
    risk_runs = cvar((finals - offset) / across_scale, alpha, "lower")

    disp_roll = risk_roll = None
    if rollout_returns is not None:
        if len(rollout_returns) != n:
            raise ConfigError(f"got {len(rollout_returns)} rollout sets for {n} runs; pass one per run")
        rolls = [
            (np.asarray(r, dtype=np.float64).ravel() - offset) / scales[j]
            for j, r in enumerate(rollout_returns)
        ]
        if any(r.size == 0 for r in rolls):
            raise ConfigError("every run needs at least one rollout return")
        disp_roll = np.array([float(np.subtract(*np.percentile(r, [75, 25]))) for r in rolls])
        risk_roll = np.array([cvar(r, alpha, "lower") for r in rolls])

    return ReliabilityPerRun(
        dispersion_within_runs=within,
        short_term_risk=short,
        long_term_risk=long_,
        dispersion_across_runs=across,
        risk_across_runs=risk_runs,
        dispersion_across_rollouts=disp_roll,
        risk_across_rollouts=risk_roll,
        normalization=normalization,
        alpha=alpha,
        window_points=window_points,
        lowpass_cutoff=lowpass_cutoff,
        grid_points=int(grid.size),
    )

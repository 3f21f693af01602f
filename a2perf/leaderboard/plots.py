"""Leaderboard plots (matplotlib, Agg backend): learning curves, profiles, P(improvement), energy.

Pure helpers (`performance_profile`, `bootstrap_band`, `normalize_scores`) work on numpy arrays;
the ``*_figure`` functions return a matplotlib Figure or None when the results hold nothing to
plot. User-provided strings (submission names) are drawn with mathtext off, so ``$`` is literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.results.schema import RunResult

DPI = 80
FIGSIZE = (6.4, 4.0)
BAND_REPS = 500
"""Bootstrap replicates of the learning-curve CI bands."""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _rc() -> dict[str, Any]:
    return {"text.parse_math": False, "font.size": 9}


def per_seed_means(result: RunResult) -> np.ndarray:
    """Per-seed mean episode return, shape (num_seeds_with_episodes,)."""
    return np.array([np.mean(s.episode_returns) for s in result.per_seed if s.episode_returns], dtype=float)


def bootstrap_band(
    values: np.ndarray, *, rng: np.random.Generator, reps: int = BAND_REPS, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over runs and a percentile-bootstrap CI band, resampling runs.

    Args:
      values: shape (num_runs, G), curves on a common grid.
      rng: numpy Generator.
      reps: bootstrap replicates.
      confidence: band coverage.

    Returns:
      ``(mean, low, high)``, each shape (G,). With one run the band is the curve itself.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] < 1:
        raise ValueError(f"values must have shape (num_runs, G), got {values.shape}")
    mean = values.mean(axis=0)
    if values.shape[0] == 1:
        return mean, mean.copy(), mean.copy()
    idx = rng.integers(0, values.shape[0], size=(reps, values.shape[0]))
    boot = values[idx].mean(axis=1)  # (reps, G)
    q = 50.0 * (1.0 - confidence)
    low, high = np.percentile(boot, [q, 100.0 - q], axis=0)
    return mean, low, high


def normalize_scores(scores: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Min-max normalize per-seed scores of one task over all entries (0 = worst run, 1 = best).

    Args:
      scores: name -> shape (num_runs,) raw scores on the same task.

    Returns:
      name -> normalized scores in [0, 1]; all ones when every score is equal.
    """
    pooled = np.concatenate([s for s in scores.values() if s.size]) if scores else np.zeros(0)
    if pooled.size == 0:
        return {k: v.astype(float) for k, v in scores.items()}
    low, high = float(pooled.min()), float(pooled.max())
    if high == low:
        return {k: np.ones_like(v, dtype=float) for k, v in scores.items()}
    return {k: (v - low) / (high - low) for k, v in scores.items()}


def performance_profile(scores: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Fraction of runs scoring strictly above each threshold (rliable's run-score profile).

    Args:
      scores: shape (num_scores,), normalized scores pooled over runs and tasks.
      taus: shape (T,), thresholds.

    Returns:
      shape (T,), ``mean(scores > tau)`` for each tau.
    """
    scores = np.asarray(scores, dtype=float).reshape(-1)
    taus = np.asarray(taus, dtype=float).reshape(-1)
    if scores.size == 0:
        raise ValueError("performance_profile needs at least one score")
    return (scores[None, :] > taus[:, None]).mean(axis=1)


def learning_curves_figure(results: Sequence[RunResult], seed: int = 0) -> Any | None:
    """Mean training curve per result with a 95% bootstrap CI band over seeds."""
    from a2perf.metrics.reliability import align_curves

    plt = _pyplot()
    rng = np.random.default_rng(seed)
    drawn = 0
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for result in results:
            curves = [
                (np.asarray(s.learning_curve.steps, float), np.asarray(s.learning_curve.returns, float))
                for s in result.per_seed
                if s.learning_curve is not None and len(s.learning_curve.steps) >= 2
            ]
            if not curves:
                continue
            try:
                grid, values = align_curves(curves, num_points=100)
            except Exception:
                continue
            mean, low, high = bootstrap_band(values, rng=rng)
            (line,) = ax.plot(grid, mean, label=f"{result.name} (n={len(curves)})")
            ax.fill_between(grid, low, high, color=line.get_color(), alpha=0.25, linewidth=0)
            drawn += 1
        if not drawn:
            plt.close(fig)
            return None
        ax.set_xlabel("env steps")
        ax.set_ylabel("training episode return")
        ax.set_title("learning curves (mean, 95% CI over seeds)")
        ax.legend(fontsize=7)
        fig.tight_layout()
    return fig


def performance_profile_figure(results: Sequence[RunResult]) -> Any | None:
    """Run-score performance profiles per submission name, scores min-max normalized per task."""
    by_task: dict[str, dict[str, np.ndarray]] = {}
    for r in results:
        scores = per_seed_means(r)
        if r.status == "ok" and scores.size:
            by_task.setdefault(r.task, {})[r.name] = scores
    pooled: dict[str, list[np.ndarray]] = {}
    for task_scores in by_task.values():
        for name, normalized in normalize_scores(task_scores).items():
            pooled.setdefault(name, []).append(normalized)
    if not pooled:
        return None
    plt = _pyplot()
    taus = np.linspace(0.0, 1.0, 101)
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for name, parts in pooled.items():
            ax.step(taus, performance_profile(np.concatenate(parts), taus), where="post", label=name)
        ax.set_xlabel("normalized score τ (0 = worst run, 1 = best run, per task)")
        ax.set_ylabel("fraction of runs with score > τ")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("performance profiles")
        ax.legend(fontsize=7)
        fig.tight_layout()
    return fig


def poi_matrix(results: Sequence[RunResult]) -> tuple[list[str], np.ndarray]:
    """P(row beats column) between the ok results of one task, from per-seed mean returns.

    Returns:
      ``(names, matrix)`` with matrix shape (K, K); the diagonal is 0.5.
    """
    from a2perf.metrics.aggregates import probability_of_improvement

    entries = [(r.name, per_seed_means(r)) for r in results if r.status == "ok" and per_seed_means(r).size]
    k = len(entries)
    matrix = np.full((k, k), 0.5)
    for i, (_, x) in enumerate(entries):
        for j, (_, y) in enumerate(entries):
            if i != j:
                matrix[i, j] = probability_of_improvement(x[:, None], y[:, None])
    return [name for name, _ in entries], matrix


def poi_figure(results: Sequence[RunResult]) -> Any | None:
    """Heat map of the probability-of-improvement matrix (needs two or more results)."""
    names, matrix = poi_matrix(results)
    if len(names) < 2:
        return None
    plt = _pyplot()
    with plt.rc_context(_rc()):
        size = max(3.5, 0.6 * len(names) + 2.5)
        fig, ax = plt.subplots(figsize=(size + 1, size), dpi=DPI)
        image = ax.imshow(matrix, vmin=0.0, vmax=1.0, cmap="RdBu")
        labels = [n if len(n) <= 24 else n[:21] + "..." for n in names]
        ax.set_xticks(range(len(names)), labels, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), labels)
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title("P(row > column)")
        fig.colorbar(image, ax=ax, fraction=0.046)
        fig.tight_layout()
    return fig


def energy_return_figure(results: Sequence[RunResult]) -> Any | None:
    """Return IQM (with 95% CI) against energy per seed of the training (else inference) phase."""
    from a2perf.leaderboard.rows import primary_phase

    points = []
    for r in results:
        primary, returns = primary_phase(r), r.aggregates.returns
        if r.status != "ok" or primary is None or returns is None or primary[1].energy_kwh is None:
            continue
        low = returns.iqm - (returns.iqm_ci_low if returns.iqm_ci_low is not None else returns.iqm)
        high = (returns.iqm_ci_high if returns.iqm_ci_high is not None else returns.iqm) - returns.iqm
        points.append(
            (r.name, primary[0], primary[1].energy_kwh.mean, returns.iqm, max(low, 0), max(high, 0))
        )
    if not points:
        return None
    plt = _pyplot()
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
        for name, phase, energy, iqm, low, high in points:
            ax.errorbar([energy], [iqm], yerr=[[low], [high]], fmt="o", capsize=3, label=f"{name} ({phase})")
        ax.set_xlabel("energy per seed, kWh")
        ax.set_ylabel("return IQM (95% CI)")
        ax.set_title("energy vs return")
        ax.legend(fontsize=7)
        fig.tight_layout()
    return fig


def save_png(fig: Any, path: Path) -> Path:
    """Write ``fig`` as PNG and close it."""
    plt = _pyplot()
    try:
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path

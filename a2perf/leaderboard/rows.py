"""Leaderboard rows: one row per result with every column of the leaderboard and the exports.

Each cell carries the raw number (for sorting and CSV) and its display text (HTML, Markdown,
LaTeX), so every view shows the same figures. Results are grouped by (domain, task).

System columns (energy, RAM, wall time) show the training phase when the result has one, else
the inference phase; the phase is named in the cell text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from a2perf.results.schema import RunResult, SystemSummary


def fmt(x: float | None) -> str:
    """Two decimals, or 2-digit scientific notation for |x| < 0.01 (A2Perf's convention); '-' for None."""
    if x is None:
        return "-"
    if x != 0 and abs(x) < 0.01:
        return f"{x:.2e}"
    return f"{x:.2f}"


@dataclass(frozen=True)
class Cell:
    """One table cell: ``value`` for sorting/CSV (None = not measured), ``text`` for display."""

    value: float | str | None
    text: str


@dataclass(frozen=True)
class Column:
    """A leaderboard column.

    Attributes:
      key: machine name (CSV header).
      header: display header.
      better: ``"higher"``, ``"lower"`` or None (not a score).
      help: one-line definition shown as the header's tooltip.
    """

    key: str
    header: str
    better: Literal["higher", "lower"] | None
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "submission", None, "submission or policy name"),
    Column("algorithm", "algorithm", None, "algorithm label"),
    Column("seeds", "seeds", None, "number of independent runs"),
    Column(
        "return_iqm", "return IQM [95% CI]", "higher", "IQM of per-seed mean returns, stratified bootstrap CI"
    ),
    Column("generalization", "generalization", "higher", "sum over tasks of mean per-seed returns (A2Perf)"),
    Column("dispersion_across_rollouts", "dispersion rollouts", "lower", "IQR of rollout returns"),
    Column("risk_across_rollouts", "risk rollouts", "higher", "CVaR 5% of rollout returns"),
    Column("dispersion_across_runs", "dispersion across runs", "lower", "IQR across runs of smoothed curves"),
    Column(
        "dispersion_within_runs", "dispersion within runs", "lower", "IQR of curve differences in windows"
    ),
    Column("short_term_risk", "short-term risk", "lower", "-CVaR 5% of curve differences"),
    Column("long_term_risk", "long-term risk", "lower", "CVaR 95% of drawdowns"),
    Column("risk_across_runs", "risk across runs", "higher", "CVaR 5% of final curve values"),
    Column("energy_kwh", "energy kWh", "lower", "energy of the training (else inference) phase per seed"),
    Column("energy_mode", "energy mode", None, "how energy was measured"),
    Column("rss_peak_mb", "peak RAM MB", "lower", "peak process-tree RSS per seed"),
    Column("rss_mean_mb", "mean RAM MB", "lower", "mean process-tree RSS per seed"),
    Column("latency_p50_ms", "latency p50 ms", "lower", "median inference latency"),
    Column("latency_p99_ms", "latency p99 ms", "lower", "99th percentile inference latency"),
    Column("data_cost_kwh", "data cost kWh", "lower", "energy spent producing the training data"),
    Column(
        "wall_time_s", "wall time s", "lower", "wall time of the training (else inference) phase per seed"
    ),
    Column("status", "status", None, "ok, or failed with the reason"),
)
"""Every leaderboard column in display order."""


def primary_phase(result: RunResult) -> tuple[str, SystemSummary] | None:
    """The phase whose system figures the leaderboard shows: train, else inference, else the first."""
    system = result.aggregates.system
    for phase in ("train", "inference", *system):
        if phase in system:
            return phase, system[phase]
    return None


def _num(x: float | None) -> Cell:
    return Cell(x, fmt(x))


def _with_phase(x: float | None, phase: str) -> Cell:
    return Cell(x, "-" if x is None else f"{fmt(x)} ({phase})")


def leaderboard_row(result: RunResult) -> dict[str, Cell]:
    """All cells of one result, keyed like :data:`COLUMNS`."""
    agg = result.aggregates
    returns, rel, train_rel, lat = agg.returns, agg.rollout_reliability, agg.training_reliability, agg.latency
    cells: dict[str, Cell] = {
        "name": Cell(result.name, result.name),
        "algorithm": Cell(result.algorithm, result.algorithm),
        "seeds": Cell(float(len(result.per_seed)), str(len(result.per_seed))),
        "return_iqm": Cell(None, "-")
        if returns is None
        else Cell(returns.iqm, f"{fmt(returns.iqm)} [{fmt(returns.iqm_ci_low)}, {fmt(returns.iqm_ci_high)}]"),
        "generalization": _num(agg.generalization.aggregate if agg.generalization else None),
        "dispersion_across_rollouts": _num(rel.dispersion_across_rollouts if rel else None),
        "risk_across_rollouts": _num(rel.risk_across_rollouts if rel else None),
        "status": Cell(result.status, "ok" if result.status == "ok" else f"failed: {result.failure_reason}"),
    }
    for key in (
        "dispersion_across_runs",
        "dispersion_within_runs",
        "short_term_risk",
        "long_term_risk",
        "risk_across_runs",
    ):
        cells[key] = _num(getattr(train_rel, key) if train_rel else None)
    cells["latency_p50_ms"] = _num(lat.p50_ms if lat else None)
    cells["latency_p99_ms"] = _num(lat.p99_ms if lat else None)
    cells["data_cost_kwh"] = _num(agg.data_cost.energy_kwh if agg.data_cost else None)
    primary = primary_phase(result)
    if primary is None:
        for key in ("energy_kwh", "rss_peak_mb", "rss_mean_mb", "wall_time_s"):
            cells[key] = Cell(None, "-")
        cells["energy_mode"] = Cell(None, "-")
    else:
        phase, system = primary
        cells["energy_kwh"] = _with_phase(system.energy_kwh.mean if system.energy_kwh else None, phase)
        cells["energy_mode"] = Cell(system.energy_mode, system.energy_mode)
        cells["rss_peak_mb"] = _num(system.rss_peak_mb.mean)
        cells["rss_mean_mb"] = _num(system.rss_mean_mb.mean)
        cells["wall_time_s"] = _with_phase(system.wall_time_s.mean, phase)
    return {c.key: cells[c.key] for c in COLUMNS}


GroupKey = tuple[str, str]
"""(domain, task)."""


def group_results(results: Sequence[RunResult]) -> dict[GroupKey, list[RunResult]]:
    """Results grouped by (domain, task), groups sorted, rows in input order."""
    groups: dict[GroupKey, list[RunResult]] = {}
    for result in results:
        groups.setdefault((result.domain, result.task), []).append(result)
    return dict(sorted(groups.items()))


def sort_key_best_return(result: RunResult) -> tuple[int, float]:
    """Default row order: ok results by return IQM (best first), failed results last."""
    returns = result.aggregates.returns
    if result.status != "ok" or returns is None:
        return (1, 0.0)
    return (0, -returns.iqm)


RowSorter = Callable[[RunResult], tuple[int, float]]

"""Flat table rows of results: one row per result, the columns every report shows.

The terminal report (rich), the JSON report and the exports all start from :func:`result_row`,
so every view shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from a2perf.results.schema import RunResult, Summary

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("env_id", "env"),
    ("seeds", "seeds"),
    ("return", "return mean ± std"),
    ("return_iqm", "return IQM [95% CI]"),
    ("dispersion_across_rollouts", "rollout IQR"),
    ("risk_across_rollouts", "rollout CVaR"),
    ("latency_p50_ms", "latency p50 ms"),
    ("latency_p99_ms", "latency p99 ms"),
    ("rss_peak_mb", "peak RAM MB"),
    ("energy_kwh", "energy kWh"),
    ("energy_mode", "energy mode"),
    ("wall_time_s", "wall s"),
    ("status", "status"),
)
"""(key, header) of each column in display order."""


def fmt(x: float | None) -> str:
    """Two decimals, or 2-digit scientific notation for |x| < 0.01 (A2Perf's convention); '-' for None."""
    if x is None:
        return "-"
    if x != 0 and abs(x) < 0.01:
        return f"{x:.2e}"
    return f"{x:.2f}"


def _pm(summary: Summary | None) -> str:
    return "-" if summary is None else f"{fmt(summary.mean)} ± {fmt(summary.std)}"


def result_row(result: RunResult, phase: str = "inference") -> dict[str, Any]:
    """Display strings of one result, keyed like :data:`COLUMNS`; raw numbers under ``values``."""
    agg = result.aggregates
    returns, lat, rel = agg.returns, agg.latency, agg.rollout_reliability
    system = agg.system.get(phase) or next(iter(agg.system.values()), None)
    row = {
        "name": result.name,
        "env_id": result.env_id,
        "seeds": str(len(result.per_seed)),
        "return": "-" if returns is None else f"{fmt(returns.mean)} ± {fmt(returns.std)}",
        "return_iqm": "-"
        if returns is None
        else f"{fmt(returns.iqm)} [{fmt(returns.iqm_ci_low)}, {fmt(returns.iqm_ci_high)}]",
        "dispersion_across_rollouts": fmt(rel.dispersion_across_rollouts) if rel else "-",
        "risk_across_rollouts": fmt(rel.risk_across_rollouts) if rel else "-",
        "latency_p50_ms": fmt(lat.p50_ms) if lat else "-",
        "latency_p99_ms": fmt(lat.p99_ms) if lat else "-",
        "rss_peak_mb": _pm(system.rss_peak_mb) if system else "-",
        "energy_kwh": _pm(system.energy_kwh) if system else "-",
        "energy_mode": system.energy_mode if system else "-",
        "wall_time_s": _pm(system.wall_time_s) if system else "-",
        "status": result.status if result.status == "ok" else f"failed: {result.failure_reason}",
    }
    return row


def results_table(results: Sequence[RunResult], title: str = "a2perf results") -> Table:
    """A rich table with metrics as rows and one column per result (fits narrow terminals).

    Each energy cell ends with a marker ``[k]`` naming its measurement mode in the caption, so a
    figure is never shown without the way it was measured.
    """
    rows = [result_row(r) for r in results]
    modes = list(dict.fromkeys(row["energy_mode"] for row in rows))
    table = Table(title=title, caption="  ".join(f"[{i + 1}] energy: {m}" for i, m in enumerate(modes)))
    table.add_column("metric", no_wrap=True)
    for row in rows:
        table.add_column(row["name"], overflow="fold")
    for key, header in COLUMNS:
        if key in ("name", "env_id", "energy_mode"):
            continue
        cells = [row[key] for row in rows]
        if key == "energy_kwh":
            cells = [f"{row[key]} [{modes.index(row['energy_mode']) + 1}]" for row in rows]
        table.add_row(header, *cells)
    return table


def results_tables(results: Sequence[RunResult]) -> list[Table]:
    """One :func:`results_table` per env id, in first-seen order."""
    by_env: dict[str, list[RunResult]] = {}
    for result in results:
        by_env.setdefault(result.env_id, []).append(result)
    return [results_table(group, title=env_id) for env_id, group in by_env.items()]

"""a2perf.metrics: pure metric functions over numpy arrays, plus the system monitor.

Submodules: `aggregates` (rliable-style aggregates and bootstrap CIs), `latency`, `monitor`,
`returns`, `generalization`, `reliability` (A2Perf's seven reliability metrics), `data_cost`.
"""

from a2perf.metrics.aggregates import (
    ConfidenceInterval,
    aggregate_cis,
    iqm,
    mean,
    median,
    optimality_gap,
    probability_of_improvement,
    probability_of_improvement_ci,
    stratified_bootstrap_ci,
)
from a2perf.metrics.data_cost import DataCost, RunEnergy, data_cost
from a2perf.metrics.generalization import (
    a2perf_generalization,
    normalized_generalization,
    per_task_mean_returns,
)
from a2perf.metrics.latency import (
    LatencyStats,
    latency_percentiles,
    latency_stats,
    measure_latency,
    time_calls,
)
from a2perf.metrics.monitor import SystemMonitor, SystemUsage
from a2perf.metrics.reliability import (
    MeanStd,
    ReliabilityPerRun,
    dispersion_across_rollouts,
    dispersion_across_runs,
    dispersion_within_runs,
    long_term_risk,
    reliability_per_run,
    risk_across_rollouts,
    risk_across_runs,
    short_term_risk,
)
from a2perf.metrics.returns import per_seed_means, pooled_iqm, pooled_mean_std

__all__ = [
    "ConfidenceInterval",
    "DataCost",
    "LatencyStats",
    "MeanStd",
    "ReliabilityPerRun",
    "RunEnergy",
    "SystemMonitor",
    "SystemUsage",
    "a2perf_generalization",
    "aggregate_cis",
    "data_cost",
    "dispersion_across_rollouts",
    "dispersion_across_runs",
    "dispersion_within_runs",
    "iqm",
    "latency_percentiles",
    "latency_stats",
    "long_term_risk",
    "mean",
    "measure_latency",
    "median",
    "normalized_generalization",
    "optimality_gap",
    "per_seed_means",
    "per_task_mean_returns",
    "pooled_iqm",
    "pooled_mean_std",
    "probability_of_improvement",
    "probability_of_improvement_ci",
    "reliability_per_run",
    "risk_across_rollouts",
    "risk_across_runs",
    "short_term_risk",
    "stratified_bootstrap_ci",
    "time_calls",
]

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
from a2perf.metrics.latency import LatencyStats, latency_percentiles, measure_latency
from a2perf.metrics.monitor import SystemMonitor, SystemUsage

__all__ = [
    "ConfidenceInterval",
    "LatencyStats",
    "SystemMonitor",
    "SystemUsage",
    "aggregate_cis",
    "iqm",
    "latency_percentiles",
    "mean",
    "measure_latency",
    "median",
    "optimality_gap",
    "probability_of_improvement",
    "probability_of_improvement_ci",
    "stratified_bootstrap_ci",
]

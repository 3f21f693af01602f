"""Turn per-seed raw values into the aggregates of a :class:`RunResult`.

Conventions (documented in the README and the schema):
- returns: ``mean``/``std`` pool every episode of every seed (A2Perf: population std);
  ``iqm`` is rliable's IQM over the runs x 1 matrix of per-seed mean returns, with a 95%
  stratified-bootstrap CI (seeded, 2000 reps).
- rollout reliability: dispersion (IQR) and risk (CVaR) across the rollouts of the
  final policy, pooled over seeds as A2Perf does.
- latency: percentiles of every timed call of every seed.
- system: mean and sample std over seeds, per phase.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from a2perf.metrics import aggregates, reliability
from a2perf.metrics.latency import latency_stats
from a2perf.results.schema import (
    Aggregates,
    LatencyResult,
    ReturnsSummary,
    RolloutReliability,
    SeedResult,
    Summary,
    SystemResult,
    SystemSummary,
)

BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 0


def summary_of(values: Sequence[float]) -> Summary:
    """Mean and sample std (ddof=1; 0 for a single value) of per-seed scalars."""
    array = np.asarray(values, dtype=float)
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return Summary(mean=float(array.mean()), std=std, n=int(array.size))


def summarize_returns(per_seed_returns: Sequence[Sequence[float]]) -> ReturnsSummary:
    """Pooled mean/std of episode returns and the IQM of per-seed means with its bootstrap CI."""
    pooled = np.concatenate([np.asarray(r, dtype=float) for r in per_seed_returns])
    scores = np.array([[np.mean(r)] for r in per_seed_returns])  # runs x 1 task
    ci = aggregates.stratified_bootstrap_ci(
        scores, "iqm", rng=np.random.default_rng(BOOTSTRAP_SEED), reps=BOOTSTRAP_REPS
    )
    return ReturnsSummary(
        mean=float(pooled.mean()),
        std=float(pooled.std()),
        iqm=ci.point,
        iqm_ci_low=ci.low,
        iqm_ci_high=ci.high,
        num_episodes=int(pooled.size),
    )


def summarize_rollout_reliability(per_seed_returns: Sequence[Sequence[float]]) -> RolloutReliability:
    """Dispersion and risk across rollouts of the fixed policy (rollouts x seeds)."""
    return RolloutReliability(
        dispersion_across_rollouts=float(reliability.dispersion_across_rollouts(per_seed_returns)),
        risk_across_rollouts=float(reliability.risk_across_rollouts(per_seed_returns)),
    )


def summarize_system(results: Sequence[SystemResult]) -> SystemSummary:
    """Per-phase system usage over seeds; energy stays ``None`` if any seed had no energy reading."""
    modes = sorted({r.energy_mode for r in results})

    def energy(attr: str) -> Summary | None:
        values = [getattr(r, attr) for r in results]
        return None if any(v is None for v in values) else summary_of(values)

    return SystemSummary(
        wall_time_s=summary_of([r.wall_time_s for r in results]),
        rss_peak_mb=summary_of([r.rss_peak_mb for r in results]),
        rss_mean_mb=summary_of([r.rss_mean_mb for r in results]),
        cpu_percent_mean=summary_of([r.cpu_percent_mean for r in results]),
        energy_kwh=energy("energy_kwh"),
        cpu_energy_kwh=energy("cpu_energy_kwh"),
        ram_energy_kwh=energy("ram_energy_kwh"),
        energy_mode=" | ".join(modes),
    )


def summarize_latency(latencies_s: np.ndarray, num_warmup: int) -> LatencyResult:
    """Percentiles (ms) of all timed calls pooled over seeds."""
    return LatencyResult(**latency_stats(latencies_s, num_warmup=num_warmup).to_dict(), pooled_from="calls")


def seed_latency(latencies_s: np.ndarray, num_warmup: int) -> LatencyResult:
    """Percentiles (ms) of one seed's timed calls, keeping the calls (``samples_ms``) for exact pooling."""
    samples = np.round(np.asarray(latencies_s, dtype=float) * 1e3, 4).tolist()
    return LatencyResult(**latency_stats(latencies_s, num_warmup=num_warmup).to_dict(), samples_ms=samples)


def pooled_latency(per_seed: Sequence[SeedResult]) -> LatencyResult | None:
    """Latency over the seeds' own records: percentiles of every pooled call when each seed kept its
    calls (``samples_ms``); otherwise (results written before samples were kept) the call-weighted mean
    of the per-seed percentiles, labelled ``pooled_from="per-seed percentiles"``; max is the max."""
    lats = [s.latency for s in per_seed if s.latency is not None]
    if not lats or sum(lat.num_calls for lat in lats) == 0:
        return None
    warmup = sum(lat.num_warmup for lat in lats)
    if all(lat.samples_ms is not None for lat in lats):
        calls_s = np.concatenate([np.asarray(lat.samples_ms, dtype=float) for lat in lats]) / 1e3
        return summarize_latency(calls_s, warmup)
    weights = np.array([lat.num_calls for lat in lats], dtype=float)

    def wmean(attr: str) -> float:
        return float(np.average([getattr(lat, attr) for lat in lats], weights=weights))

    return LatencyResult(
        p50_ms=wmean("p50_ms"),
        p90_ms=wmean("p90_ms"),
        p99_ms=wmean("p99_ms"),
        mean_ms=wmean("mean_ms"),
        std_ms=wmean("std_ms"),
        max_ms=max(lat.max_ms for lat in lats),
        num_calls=int(weights.sum()),
        num_warmup=warmup,
        pooled_from="per-seed percentiles",
    )


def summarize(per_seed: Sequence[SeedResult], latencies_s: np.ndarray | None = None) -> Aggregates:
    """All aggregates that the per-seed values support.

    Latency: percentiles of ``latencies_s`` (every timed call, seconds, unrounded) when given, else
    :func:`pooled_latency` over the seeds' own latency records.
    """
    returns = [s.episode_returns for s in per_seed if s.episode_returns]
    phases = sorted({phase for s in per_seed for phase in s.system})
    if latencies_s is not None and latencies_s.size:
        warmup = sum(s.latency.num_warmup for s in per_seed if s.latency is not None)
        latency = summarize_latency(latencies_s, warmup)
    else:
        latency = pooled_latency(per_seed)
    return Aggregates(
        returns=summarize_returns(returns) if returns else None,
        rollout_reliability=summarize_rollout_reliability(returns) if returns else None,
        latency=latency,
        system={p: summarize_system([s.system[p] for s in per_seed if p in s.system]) for p in phases},
    )

"""Speed of the metrics layer: monitor overhead, bootstrap CIs, reliability metrics.

Figures (JSON):
- monitor: wall time of one CPU-bound pure-Python loop with and without a running
  `SystemMonitor(interval_s=0.1)` (energy on), interleaved pairs in the same run; target: median
  ratio <= 1.02. On a busy shared machine the wall ratio is noisy, so the process CPU-time ratio
  (monitor threads included; insensitive to other processes) and the cost of one sample are
  reported too. Also CodeCarbon's start time (first in the process, then cached).
- bootstrap: `aggregate_cis` (4 aggregates, 2000 reps) on 10 runs x 5 tasks; target <= 1 s;
  baseline = the same replicates computed one at a time in a Python loop.
- reliability: all seven metrics on 10 seeds x 1000-point curves + 10 x 100 rollouts; target
  <= 0.5 s.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

from a2perf.metrics import aggregates, reliability
from a2perf.metrics.monitor import SystemMonitor, _TreeSampler


def _loop(n: int) -> int:
    x = 0
    for i in range(n):
        x += i * i % 7
    return x


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _timed_both(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process: all threads) of one call."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def bench_monitor(pairs: int = 10, loop_n: int = 8_000_000) -> dict:
    t = time.perf_counter()
    with SystemMonitor(interval_s=0.1, log_path=None) as first:
        pass
    first_total = time.perf_counter() - t
    _loop(loop_n // 4)  # warm up
    without, with_, ratios, cpu_ratios, starts = [], [], [], [], []
    for i in range(pairs):
        # alternate the order (ABBA) so slow drifts of the shared machine cancel out
        order = (False, True) if i % 2 == 0 else (True, False)
        got = {}
        for monitored in order:
            if monitored:
                with SystemMonitor(interval_s=0.1, log_path=None) as mon:
                    got[True] = _timed_both(lambda: _loop(loop_n))
                starts.append(mon.energy_start_s)
            else:
                got[False] = _timed_both(lambda: _loop(loop_n))
        without.append(got[False][0])
        with_.append(got[True][0])
        ratios.append(got[True][0] / got[False][0])
        cpu_ratios.append(got[True][1] / got[False][1])
    # the monitor's own threads: CPU they use while the block sleeps (fraction of one core)
    with SystemMonitor(interval_s=0.1, log_path=None):
        c = time.process_time()
        time.sleep(3.0)
        idle_cpu = (time.process_time() - c) / 3.0
    # intrinsic cost: one process-tree sample, times the sampling rate
    sampler = _TreeSampler(os.getpid())
    cost = min(_timed(lambda: [sampler.sample() for _ in range(100)]) / 100 for _ in range(5))
    return {
        "loop_s_without_median": statistics.median(without),
        "loop_s_with_median": statistics.median(with_),
        "overhead_ratio_median": statistics.median(ratios),
        "overhead_ratio_of_minima": min(with_) / min(without),
        "overhead_ratios": ratios,
        "cpu_time_ratio_median": statistics.median(cpu_ratios),
        "target_ratio": 1.02,
        "monitor_threads_cpu_fraction_idle": idle_cpu,
        "sample_cost_ms": cost * 1e3,
        "sampler_overhead_fraction_at_10hz": cost * 10,
        "samples_per_s": mon.usage.num_samples / mon.usage.wall_time_s,
        "energy_mode": mon.usage.energy_mode,
        "codecarbon_first_start_s": first.energy_start_s,
        "codecarbon_first_enter_exit_s": first_total,
        "codecarbon_start_s_median_cached": statistics.median(starts),
    }


def _naive_bootstrap(scores: np.ndarray, reps: int, rng: np.random.Generator) -> None:
    n, m = scores.shape
    fns = [aggregates.iqm, aggregates.median, aggregates.mean, aggregates.optimality_gap]
    out = np.empty((reps, len(fns)))
    for r in range(reps):
        boot = scores[rng.integers(0, n, size=(n, m)), np.arange(m)]
        out[r] = [f(boot) for f in fns]
    np.percentile(out, [2.5, 97.5], axis=0)


def bench_bootstrap(repeats: int = 5) -> dict:
    scores = np.random.default_rng(0).normal(size=(10, 5))
    fast = [_timed(lambda: aggregates.aggregate_cis(scores, rng=1, reps=2000)) for _ in range(repeats)]
    slow = [_timed(lambda: _naive_bootstrap(scores, 2000, np.random.default_rng(1))) for _ in range(2)]
    return {
        "aggregate_cis_s_median": statistics.median(fast),
        "baseline_python_loop_s_median": statistics.median(slow),
        "speedup": statistics.median(slow) / statistics.median(fast),
        "target_s": 1.0,
    }


def bench_reliability(repeats: int = 5) -> dict:
    rng = np.random.default_rng(0)
    curves = [(np.arange(1000) * 1000, np.cumsum(rng.normal(0.5, 2.0, 1000))) for _ in range(10)]
    rollouts = rng.normal(100, 10, size=(10, 100))

    def all_seven() -> None:
        reliability.dispersion_across_runs(curves)
        reliability.dispersion_within_runs(curves)
        reliability.short_term_risk(curves)
        reliability.long_term_risk(curves)
        reliability.risk_across_runs(curves)
        reliability.dispersion_across_rollouts(rollouts)
        reliability.risk_across_rollouts(rollouts)

    times = [_timed(all_seven) for _ in range(repeats)]
    per_run = [
        _timed(lambda: reliability.reliability_per_run(curves, list(rollouts))) for _ in range(repeats)
    ]
    return {
        "all_seven_s_median": statistics.median(times),
        "reliability_per_run_s_median": statistics.median(per_run),
        "target_s": 0.5,
    }


def main() -> dict:
    """Run all metric benchmarks; returns their JSON figures."""
    return {
        "bootstrap": bench_bootstrap(),
        "reliability": bench_reliability(),
        "monitor": bench_monitor(),
    }


if __name__ == "__main__":
    print(json.dumps(main()))

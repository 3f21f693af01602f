"""Inference latency: time one `infer_once` call per observation, after a warm-up.

A2Perf timed single calls on random observation-space samples, with no warm-up, and labelled
seconds as milliseconds. Here each call is timed with `time.perf_counter_ns` on the observations
you pass (use real ones from rollouts), the first `warmup` calls are run but not timed, and every
figure is in milliseconds. Lower is better for all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from a2perf.errors import ConfigError

__all__ = ["LatencyStats", "latency_percentiles", "latency_stats", "measure_latency", "time_calls"]


@dataclass(frozen=True)
class LatencyStats:
    """Summary of per-call latencies (all in milliseconds; lower is better).

    Attributes:
      p50_ms: median latency, ms.
      p90_ms: 90th percentile, ms.
      p99_ms: 99th percentile, ms.
      mean_ms: mean, ms.
      std_ms: population standard deviation (ddof=0), ms.
      max_ms: slowest timed call, ms.
      num_calls: number of timed calls.
      num_warmup: number of untimed warm-up calls made before timing.
    """

    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    std_ms: float
    max_ms: float
    num_calls: int
    num_warmup: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields (JSON-serialisable)."""
        return asdict(self)


def _as_seconds(latency_s: np.ndarray | Sequence[float]) -> np.ndarray:
    arr = np.asarray(latency_s, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ConfigError(f"latencies must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ConfigError("latencies must be finite and >= 0 seconds")
    return arr


def latency_percentiles(
    latency_s: np.ndarray | Sequence[float], q: Sequence[float] = (50, 90, 99)
) -> dict[str, float]:
    """Percentiles of per-call inference latency (numpy's linear interpolation).

    Args:
      latency_s: shape (num_calls,), seconds per call.
      q: percentiles in [0, 100].

    Returns:
      ``{"p50_ms": ..., "p90_ms": ..., "p99_ms": ...}`` in milliseconds (keys follow `q`;
      a non-integer q such as 99.9 gives ``"p99.9_ms"``). Lower is better.
    """
    arr = _as_seconds(latency_s)
    qs = [float(x) for x in q]
    if any(not 0 <= x <= 100 for x in qs):
        raise ConfigError(f"percentiles must lie in [0, 100], got {list(q)}")
    vals = np.percentile(arr, qs) * 1e3
    return {f"p{x:g}_ms": float(v) for x, v in zip(qs, vals, strict=True)}


def latency_stats(latency_s: np.ndarray | Sequence[float], num_warmup: int = 0) -> LatencyStats:
    """Summarise per-call latencies measured elsewhere.

    Args:
      latency_s: shape (num_calls,), seconds per timed call.
      num_warmup: how many untimed warm-up calls preceded them (recorded as is).

    Returns:
      LatencyStats in milliseconds.
    """
    arr = _as_seconds(latency_s)
    pct = latency_percentiles(arr)
    ms = arr * 1e3
    return LatencyStats(
        p50_ms=pct["p50_ms"],
        p90_ms=pct["p90_ms"],
        p99_ms=pct["p99_ms"],
        mean_ms=float(ms.mean()),
        std_ms=float(ms.std()),
        max_ms=float(ms.max()),
        num_calls=int(arr.size),
        num_warmup=int(num_warmup),
    )


def time_calls(infer_once: Callable[[Any], Any], observations: Sequence[Any], warmup: int = 10) -> np.ndarray:
    """Per-call wall time of `infer_once(obs)` for each observation, after untimed warm-up calls.

    The warm-up calls use the first `warmup` observations (cycling if there are fewer); then
    every observation is passed once, in order, each call timed alone with
    `time.perf_counter_ns` (return value discarded; ~100 ns of timer overhead included).

    Args:
      infer_once: maps one observation to an action, e.g. ``lambda o: policy.predict(o)[0]``.
      observations: the observations to time on, length num_calls >= 1 (real observations from
        rollouts, preprocessed as `infer_once` expects).
      warmup: number of untimed warm-up calls (>= 0).

    Returns:
      shape (num_calls,), seconds per call (float64).
    """
    if warmup < 0:
        raise ConfigError(f"warmup must be >= 0, got {warmup}")
    n = len(observations)
    if n == 0:
        raise ConfigError(
            "latency timing needs at least one observation; pass real observations from rollouts"
        )
    for i in range(warmup):
        infer_once(observations[i % n])
    ns = np.empty(n, dtype=np.int64)
    clock = time.perf_counter_ns
    for i in range(n):
        obs = observations[i]
        t0 = clock()
        infer_once(obs)
        ns[i] = clock() - t0
    return ns * 1e-9


def measure_latency(
    infer_once: Callable[[Any], Any], observations: Sequence[Any], warmup: int = 10
) -> LatencyStats:
    """Time `infer_once(obs)` once per observation, after `warmup` untimed calls.

    Same protocol as `time_calls`, summarised.

    Args:
      infer_once: maps one observation to an action.
      observations: the observations to time on, length num_calls >= 1.
      warmup: number of untimed warm-up calls (>= 0).

    Returns:
      LatencyStats (ms) with num_calls = len(observations) and num_warmup = warmup.
    """
    return latency_stats(time_calls(infer_once, observations, warmup), num_warmup=warmup)

"""Tests for a2perf.metrics.latency."""

import time

import numpy as np
import pytest

from a2perf.errors import ConfigError
from a2perf.metrics import LatencyStats, latency_percentiles, measure_latency
from a2perf.metrics.latency import latency_stats, time_calls


def test_percentiles_hand_checked():
    lat = np.arange(1, 101) * 1e-3  # 1..100 ms
    p = latency_percentiles(lat)
    # numpy linear: p50 of 1..100 = 50.5, p90 = 90.1, p99 = 99.01
    assert p == pytest.approx({"p50_ms": 50.5, "p90_ms": 90.1, "p99_ms": 99.01})
    assert latency_percentiles([0.002], q=(50, 99.9)) == pytest.approx({"p50_ms": 2.0, "p99.9_ms": 2.0})


def test_stats_hand_checked():
    s = latency_stats([0.001, 0.003], num_warmup=4)
    assert s == LatencyStats(
        p50_ms=pytest.approx(2.0),
        p90_ms=pytest.approx(2.8),
        p99_ms=pytest.approx(2.98),
        mean_ms=pytest.approx(2.0),
        std_ms=pytest.approx(1.0),
        max_ms=pytest.approx(3.0),
        num_calls=2,
        num_warmup=4,
    )


def test_sleep_policy():
    # every 5th call sleeps 20 ms, the others 2 ms -> p50 ~2 ms, p90 ~20 ms (20% slow)
    calls = []

    def infer_once(obs):
        calls.append(obs)
        time.sleep(0.02 if obs % 5 == 0 else 0.002)
        return 0

    stats = measure_latency(infer_once, list(range(30)), warmup=3)
    assert stats.num_calls == 30 and stats.num_warmup == 3
    assert calls[:3] == [0, 1, 2] and calls[3:] == list(range(30))
    assert 2.0 <= stats.p50_ms < 15.0  # loose upper bounds: the CI machine is shared
    assert 20.0 <= stats.p90_ms < 60.0
    assert stats.max_ms >= 20.0
    assert stats.p50_ms <= stats.p90_ms <= stats.p99_ms <= stats.max_ms
    assert (6 * 20 + 24 * 2) / 30 <= stats.mean_ms < 12.0


def test_warmup_excluded():
    # the first call is very slow (lazy init); warm-up must keep it out of the timings
    state = {"n": 0}

    def infer_once(_obs):
        state["n"] += 1
        if state["n"] == 1:
            time.sleep(0.05)

    stats = measure_latency(infer_once, [None] * 5, warmup=1)
    assert stats.max_ms < 40.0
    cold = measure_latency(lambda o: time.sleep(0.05) if o == 0 else None, [0, 1, 1], warmup=0)
    assert cold.max_ms >= 50.0 and cold.num_warmup == 0
    # warm-up cycles through the observations when there are fewer than `warmup`
    seen = []
    measure_latency(seen.append, ["a", "b"], warmup=5)
    assert seen == ["a", "b", "a", "b", "a", "a", "b"]


def test_bad_input():
    with pytest.raises(ConfigError):
        measure_latency(lambda o: o, [], warmup=0)
    with pytest.raises(ConfigError):
        measure_latency(lambda o: o, [1], warmup=-1)
    with pytest.raises(ConfigError):
        latency_percentiles([])
    with pytest.raises(ConfigError):
        latency_percentiles([0.1], q=(101,))


def test_time_calls_returns_seconds():
    raw = time_calls(lambda o: time.sleep(o) if o else None, [0.0, 0.05, 0.0], warmup=0)
    assert raw.shape == (3,) and raw.dtype == np.float64
    assert raw[1] >= 0.05 and np.all(raw >= 0)

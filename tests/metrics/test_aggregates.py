"""Tests for a2perf.metrics.aggregates: hand-checked values, rliable equality, bootstrap CIs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rliable import metrics as rl  # test-only dependency (rliable.library needs arch, broken with pandas 3)

from a2perf.errors import ConfigError
from a2perf.metrics import (
    aggregate_cis,
    iqm,
    mean,
    median,
    optimality_gap,
    probability_of_improvement,
    probability_of_improvement_ci,
    stratified_bootstrap_ci,
)

# 4 runs x 2 tasks, answers by eye
S = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 10.0]])


def test_hand_checked_values():
    # per-task means: 1.5 and 4.0
    assert mean(S) == pytest.approx(2.75)
    assert median(S) == pytest.approx(2.75)
    # pooled sorted: 0 1 1 2 2 3 3 10 -> cut 2 each end -> mean(1,2,2,3) = 2
    assert iqm(S) == pytest.approx(2.0)
    # min(S,1) = 0 1 1 1 1 1 1 1 -> mean 7/8 -> gap 1/8
    assert optimality_gap(S) == pytest.approx(0.125)
    assert optimality_gap(S, gamma=3.0) == pytest.approx(3.0 - (0 + 1 + 1 + 2 + 2 + 3 + 3 + 3) / 8)


def test_probability_of_improvement_hand_checked():
    x = np.array([[1.0], [2.0], [3.0]])
    y = np.array([[2.0], [2.0]])
    # pairs: 1<2,1<2 ->0; 2=2 twice -> 0.5*2; 3>2 twice -> 2 ; total 3 / 6
    assert probability_of_improvement(x, y) == pytest.approx(0.5)
    y2 = np.array([[0.0], [1.5]])
    # 1>0, 1<1.5, 2>0, 2>1.5, 3>0, 3>1.5 -> 5/6
    assert probability_of_improvement(x, y2) == pytest.approx(5 / 6)
    assert probability_of_improvement(S, S) == 0.5


@pytest.mark.parametrize("seed", range(20))
def test_equal_to_rliable(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 15), rng.integers(1, 8)
    s = rng.normal(size=(n, m)) * rng.uniform(0.1, 10)
    if seed % 3 == 0:
        s = np.round(s)  # ties
    y = rng.normal(size=(rng.integers(1, 15), m))
    assert iqm(s) == pytest.approx(rl.aggregate_iqm(s), rel=1e-12, abs=1e-12)
    assert mean(s) == pytest.approx(rl.aggregate_mean(s), rel=1e-12, abs=1e-12)
    assert median(s) == pytest.approx(rl.aggregate_median(s), rel=1e-12, abs=1e-12)
    assert optimality_gap(s, 0.7) == pytest.approx(rl.aggregate_optimality_gap(s, 0.7), rel=1e-12, abs=1e-12)
    assert probability_of_improvement(s, y) == pytest.approx(
        rl.probability_of_improvement(s, y), rel=1e-12, abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 9), st.integers(1, 5)), elements=st.floats(-1e3, 1e3)))
def test_aggregates_bounded_and_match_rliable(s):
    lo, hi = s.min(), s.max()
    for f in (iqm, mean, median):
        assert lo - 1e-9 <= f(s) <= hi + 1e-9
    assert iqm(s) == pytest.approx(rl.aggregate_iqm(s), rel=1e-9, abs=1e-9)
    assert optimality_gap(s) >= -1e-12
    assert probability_of_improvement(s, s) == 0.5


def test_bootstrap_reproducible_and_contains_point():
    rng = np.random.default_rng(3)
    s = rng.normal(size=(10, 5))
    a = aggregate_cis(s, rng=7, reps=500)
    b = aggregate_cis(s, rng=np.random.default_rng(7), reps=500)
    c = aggregate_cis(s, rng=8, reps=500)
    assert a == b
    assert a != c
    assert list(a) == ["iqm", "median", "mean", "optimality_gap"]
    for name, ci in a.items():
        assert ci.low <= ci.point <= ci.high, name
        assert ci.reps == 500 and ci.confidence == 0.95
    assert a["iqm"].point == iqm(s)
    # no global RNG use: numpy's legacy global state is untouched
    state = np.random.get_state()[1].copy()
    aggregate_cis(s, rng=1, reps=50)
    assert np.array_equal(state, np.random.get_state()[1])


def test_bootstrap_interval_width_matches_standard_error():
    # mean of 1 task, 200 runs of N(0,1): 95% CI ~ +-1.96/sqrt(200) = +-0.139
    s = np.random.default_rng(0).normal(size=(200, 1))
    ci = stratified_bootstrap_ci(s, "mean", rng=0, reps=4000)
    assert (ci.high - ci.low) == pytest.approx(2 * 1.96 / np.sqrt(200), rel=0.15)


def test_constant_scores_give_degenerate_interval():
    s = np.full((5, 3), 0.4)
    for ci in aggregate_cis(s, rng=0, reps=100).values():
        assert ci.low == ci.point == ci.high


def test_stratified_resampling_keeps_tasks_apart():
    # task 0 is all 0, task 1 all 100: any within-task resample keeps per-task means, so the
    # median/mean never move; a task bootstrap does move them.
    s = np.column_stack([np.zeros(6), np.full(6, 100.0)])
    ci = stratified_bootstrap_ci(s, "mean", rng=1, reps=300)
    assert ci.low == ci.high == 50.0
    ci_t = stratified_bootstrap_ci(s, "mean", rng=1, reps=300, task_bootstrap=True)
    assert ci_t.low == 0.0 and ci_t.high == 100.0


def test_callable_statistic_loop_and_vectorized_agree():
    s = np.random.default_rng(2).normal(size=(8, 3))
    looped = stratified_bootstrap_ci(s, lambda x: float(np.max(x)), rng=5, reps=200)
    vec = stratified_bootstrap_ci(s, lambda x: np.max(x, axis=(-2, -1)), rng=5, reps=200, vectorized=True)
    assert looped == vec
    named = stratified_bootstrap_ci(s, "iqm", rng=5, reps=200)
    assert named == stratified_bootstrap_ci(s, iqm, rng=5, reps=200)


def test_poi_ci():
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 1.0, size=(10, 4))
    y = rng.normal(0.0, 1.0, size=(12, 4))
    ci = probability_of_improvement_ci(x, y, rng=0, reps=1000)
    assert ci.point == pytest.approx(rl.probability_of_improvement(x, y), rel=1e-12)
    assert 0.5 < ci.low <= ci.point <= ci.high <= 1.0
    assert ci == probability_of_improvement_ci(x, y, rng=0, reps=1000)


@pytest.mark.parametrize(
    "bad",
    [np.zeros(3), np.zeros((2, 2, 2)), np.zeros((0, 3)), np.array([[1.0, np.nan]])],
)
def test_bad_shapes_raise(bad):
    with pytest.raises(ConfigError):
        iqm(bad)


def test_bad_arguments_raise():
    s = np.ones((3, 2))
    with pytest.raises(ConfigError):
        aggregate_cis(s, rng=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        aggregate_cis(s, ("nope",), rng=0)
    with pytest.raises(ConfigError):
        aggregate_cis(s, rng=0, confidence=1.5)
    with pytest.raises(ConfigError):
        probability_of_improvement(s, np.ones((3, 3)))

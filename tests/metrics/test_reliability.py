"""Tests for a2perf.metrics.reliability: hand-checked values and a naive re-implementation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2perf.errors import ConfigError
from a2perf.metrics import reliability as rel

STEPS8 = np.arange(8.0)


def test_cvar_hand_checked():
    x = np.arange(100.0)
    # 5th percentile (linear) = 4.95 -> values 0..4 -> mean 2; 95th = 94.05 -> 95..99 -> 97
    assert rel.cvar(x) == pytest.approx(2.0)
    assert rel.cvar(x, tail="upper") == pytest.approx(97.0)
    assert rel.cvar([3.0]) == 3.0
    with pytest.raises(ConfigError):
        rel.cvar([])


def test_drawdown_hand_checked():
    assert rel.drawdown([1, 3, 2, 5, 1]).tolist() == [0, 0, 1, 0, 4]


def test_constant_and_identical_curves_have_zero_dispersion():
    const = [(STEPS8, np.full(8, 2.0)) for _ in range(4)]
    assert rel.dispersion_across_runs(const) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert rel.dispersion_within_runs(const) == (0.0, 0.0)
    same = [(np.arange(300.0), np.sin(np.arange(300) / 10)) for _ in range(5)]
    assert rel.dispersion_across_runs(same) == pytest.approx((0.0, 0.0), abs=1e-12)
    # a linear curve has constant differences -> zero within-run dispersion and zero risk
    lin = [(STEPS8 * 10, 3 * STEPS8)]
    assert rel.dispersion_within_runs(lin) == (0.0, 0.0)
    assert rel.short_term_risk(lin) == -3.0  # constant difference 3 -> minus its CVaR


def test_monotone_curve_has_zero_drawdown():
    up = [(np.arange(50.0), np.cumsum(np.random.default_rng(0).uniform(0, 1, 50)))]
    assert rel.long_term_risk(up) == 0.0


def test_dispersion_within_runs_hand_checked():
    # diffs 1..7 at steps 1..7; w=5, eval e=3,4,5,6; windows [1,5],[2,6],[3,7],[4,8]
    # IQRs 2, 2, 2, 1.5 (last window holds 4 diffs: 4,5,6,7 -> 6.25 - 4.75)
    values = np.array([0, 1, 3, 6, 10, 15, 21, 28], dtype=float)
    m, s = rel.dispersion_within_runs([(STEPS8, values)])
    assert m == pytest.approx(7.5 / 4)
    assert s == pytest.approx(math.sqrt(0.1875 / 4))
    # unsorted input gives the same (curves are sorted by step first)
    perm = np.random.default_rng(1).permutation(8)
    assert rel.dispersion_within_runs([(STEPS8[perm], values[perm])]) == (m, s)


def test_dispersion_across_runs_hand_checked_unaligned():
    a = (np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    b = (np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    c = (np.array([0.0, 1.0]), np.array([2.0, 4.0]))
    # step 0: IQR{0,1,2} = 1; step 1: IQR{0,2,4} = 2
    m, s = rel.dispersion_across_runs([a, b, c], lowpass_cutoff=None)
    assert m == pytest.approx(1.5) and s == pytest.approx(math.sqrt(0.5))
    d = (np.array([1.0, 2.0]), np.array([10.0, 10.0]))
    # step 1 now has 4 runs {0,2,4,10}: 5.5 - 1.5 = 4; step 2 has one run -> skipped
    m, _ = rel.dispersion_across_runs([a, b, c, d], lowpass_cutoff=None)
    assert m == pytest.approx((1 + 4) / 2)
    with pytest.raises(ConfigError):
        rel.dispersion_across_runs([a, b], lowpass_cutoff=None)


def test_duplicate_steps_are_averaged():
    curve = (np.array([0.0, 1.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0, 2.0]))
    # -> steps 0,1,2 values 0,2,2 -> diffs 2, 0 -> lower CVaR over 2 values at 5% = 0 -> risk 0
    assert rel.short_term_risk([curve]) == 0.0
    assert rel.risk_across_runs([curve]) == 2.0


def test_short_term_and_long_term_risk_hand_checked():
    saw = (np.arange(9.0), np.array([0, 1, 0, 1, 0, 1, 0, 1, 0], dtype=float))
    assert rel.short_term_risk([saw]) == 1.0
    # drawdowns 0,0,1,0,1,0,1,0,1 -> 95th pct = 1 -> mean of {1,1,1,1} = 1
    assert rel.long_term_risk([saw]) == 1.0
    drop = (np.arange(5.0), np.array([0, 10, 4, 6, 8], dtype=float))
    # drawdowns 0,0,6,4,2; 95th pct = 5.6 -> {6}
    assert rel.long_term_risk([drop]) == 6.0


def test_risk_across_runs_is_worst_of_ten():
    curves = [(np.arange(5.0), np.r_[np.zeros(4), float(k)]) for k in range(1, 11)]
    assert rel.risk_across_runs(curves) == 1.0


def test_rollout_metrics_hand_checked():
    assert rel.dispersion_across_rollouts([[1, 2, 3, 4, 5]]) == 2.0
    # pooled over runs of different lengths
    assert rel.dispersion_across_rollouts([[1, 2], [3, 4, 5]]) == 2.0
    assert rel.risk_across_rollouts(np.arange(100.0).reshape(10, 10)) == pytest.approx(2.0)
    with pytest.raises(ConfigError):
        rel.risk_across_rollouts([[]])


def test_lowpass_keeps_constants_and_smooths():
    assert np.allclose(rel.lowpass(np.full(200, 3.0)), 3.0, atol=1e-9)
    noisy = np.sin(np.arange(1000) / 200) + np.random.default_rng(0).normal(0, 0.3, 1000)
    sm = rel.lowpass(noisy)
    assert np.std(np.diff(sm)) < 0.05 * np.std(np.diff(noisy))
    assert rel.lowpass([1.0]).tolist() == [1.0]


# --- naive re-implementation of the spec's wording, loop by loop -----------------------------


def _naive_within(curves, wp=5):
    iqrs = []
    for steps, values in curves:
        o = np.argsort(steps)
        s, v = np.asarray(steps, float)[o], np.asarray(values, float)[o]
        dsteps, dv = s[1:], np.diff(v)
        d = np.median(np.diff(s))
        w = wp * d
        e = math.ceil(w / 2)
        while e < s[-1]:
            lo, hi = math.ceil(e - w / 2), math.floor(e + w / 2)
            sel = dv[(dsteps >= lo) & (dsteps <= hi)]
            if sel.size >= 2:
                iqrs.append(np.percentile(sel, 75) - np.percentile(sel, 25))
            e += d
    return np.mean(iqrs), np.std(iqrs)


def _naive_across(curves, min_runs=3):
    table = {}
    for steps, values in curves:
        for t, y in zip(steps, rel.lowpass(np.asarray(values, float)), strict=True):
            table.setdefault(float(t), []).append(y)
    iqrs = [
        np.percentile(v, 75) - np.percentile(v, 25) for t, v in sorted(table.items()) if len(v) >= min_runs
    ]
    return np.mean(iqrs), np.std(iqrs, ddof=1)


def _random_curves(rng, n=6, aligned=False):
    curves = []
    for _ in range(n):
        if aligned:
            steps = np.arange(0, 40_000, 1000)
        else:
            gap = int(rng.choice([500, 1000, 1500]))
            steps = np.arange(int(rng.integers(0, 3)) * gap, int(rng.integers(20, 60)) * gap, gap)
            steps = np.sort(rng.choice(steps, size=max(3, int(0.8 * steps.size)), replace=False))
        values = np.cumsum(rng.normal(0.5, 2.0, steps.size))
        curves.append((steps, values))
    return curves


@pytest.mark.parametrize("seed", range(8))
def test_matches_naive_implementation(seed):
    rng = np.random.default_rng(seed)
    curves = _random_curves(rng)
    assert rel.dispersion_within_runs(curves) == pytest.approx(_naive_within(curves), rel=1e-12)
    aligned = _random_curves(rng, aligned=True)
    assert rel.dispersion_across_runs(aligned) == pytest.approx(_naive_across(aligned), rel=1e-12)
    # unaligned with enough overlap: some steps shared by >= 3 runs
    both = aligned[:3] + curves
    assert rel.dispersion_across_runs(both) == pytest.approx(_naive_across(both), rel=1e-12)
    pooled = np.concatenate([np.diff(v) for _, v in curves])
    var = np.percentile(pooled, 5)
    assert rel.short_term_risk(curves) == pytest.approx(-pooled[pooled <= var].mean())


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-100, 100), min_size=4, max_size=40),
    st.floats(0.1, 10),
    st.floats(-50, 50),
)
def test_shift_invariance_and_scale_equivariance(values, scale, shift):
    v = np.array(values)
    c = [(np.arange(v.size) * 7.0, v)]
    c2 = [(np.arange(v.size) * 7.0, v * scale + shift)]
    m, s = rel.dispersion_within_runs(c)
    m2, s2 = rel.dispersion_within_runs(c2)
    assert (m2, s2) == pytest.approx((m * scale, s * scale), rel=1e-6, abs=1e-6)
    assert rel.short_term_risk(c2) == pytest.approx(rel.short_term_risk(c) * scale, rel=1e-6, abs=1e-6)
    assert rel.long_term_risk(c2) == pytest.approx(rel.long_term_risk(c) * scale, rel=1e-6, abs=1e-6)
    assert rel.long_term_risk(c) >= 0


def test_align_curves():
    a = (np.array([0.0, 10.0, 20.0]), np.array([0.0, 10.0, 20.0]))
    b = (np.array([5.0, 15.0, 25.0]), np.array([0.0, 0.0, 0.0]))
    grid, vals = rel.align_curves([a, b])
    assert grid.tolist() == [5.0, 10.0, 15.0, 20.0]
    assert vals[0].tolist() == [5.0, 10.0, 15.0, 20.0] and vals[1].tolist() == [0.0] * 4
    grid, vals = rel.align_curves([a, b], num_points=3)
    assert grid.tolist() == [5.0, 12.5, 20.0]
    with pytest.raises(ConfigError):
        rel.align_curves([a, (np.array([30.0, 40.0]), np.array([1.0, 1.0]))])


def test_reliability_per_run():
    rng = np.random.default_rng(0)
    curves = _random_curves(rng, n=5)
    rolls = [rng.normal(10, 2, 20) for _ in range(5)]
    r = rel.reliability_per_run(curves, rolls, normalization="none", lowpass_cutoff=None)
    assert r.dispersion_within_runs.shape == (5,)
    for j, c in enumerate(curves):
        assert r.short_term_risk[j] == pytest.approx(rel.short_term_risk([c]))
        assert r.long_term_risk[j] == pytest.approx(rel.long_term_risk([c]))
        assert r.dispersion_across_rollouts[j] == pytest.approx(rel.dispersion_across_rollouts([rolls[j]]))
        assert r.risk_across_rollouts[j] == pytest.approx(rel.risk_across_rollouts([rolls[j]]))
    assert r.risk_across_runs == pytest.approx(rel.risk_across_runs(curves))
    # reference normalization divides every dispersion by (high - low)
    rr = rel.reliability_per_run(
        curves, rolls, normalization="reference", reference=(10.0, 30.0), lowpass_cutoff=None
    )
    assert np.allclose(rr.long_term_risk, r.long_term_risk / 20)
    assert rr.dispersion_across_runs == pytest.approx(r.dispersion_across_runs / 20)
    assert rr.risk_across_runs == pytest.approx((r.risk_across_runs - 10) / 20)
    # curve-range normalization makes a scaled copy of a run score the same
    base = (np.arange(50.0), np.cumsum(rng.normal(1, 1, 50)))
    scaled = (base[0], base[1] * 7)
    rc = rel.reliability_per_run([base, scaled, base])
    assert rc.short_term_risk[0] == pytest.approx(rc.short_term_risk[1])
    assert rc.dispersion_within_runs[0] == pytest.approx(rc.dispersion_within_runs[1])
    with pytest.raises(ConfigError):
        rel.reliability_per_run([(np.arange(3.0), np.array([5.0, 1.0, 0.0]))])  # range <= 0
    with pytest.raises(ConfigError):
        rel.reliability_per_run(curves, normalization="reference")


def test_bad_curves():
    with pytest.raises(ConfigError):
        rel.short_term_risk([])
    with pytest.raises(ConfigError):
        rel.short_term_risk([(np.arange(3.0), np.arange(4.0))])
    with pytest.raises(ConfigError):
        rel.short_term_risk([(np.arange(3.0), np.array([1.0, np.nan, 2.0]))])
    with pytest.raises(ConfigError):
        rel.short_term_risk([np.arange(3.0)])


def test_sos_filter_close_to_a2perf_ba_filtfilt():
    # A2Perf used butter(8, 0.01) in (b, a) form with filtfilt(padlen=27); the exact (sos) filter
    # differs by about 1% on long curves (spec §3.1), never by much more.
    import scipy.signal

    rng = np.random.default_rng(0)
    curves = [(np.arange(1000.0), np.cumsum(rng.normal(0.5, 2.0, 1000))) for _ in range(10)]
    b, a = scipy.signal.butter(8, 0.01)
    ba = [(s, scipy.signal.filtfilt(b, a, v, padlen=27)) for s, v in curves]
    ours = rel.dispersion_across_runs(curves).mean
    theirs = rel.dispersion_across_runs(ba, lowpass_cutoff=None).mean
    assert ours != theirs
    assert ours == pytest.approx(theirs, rel=0.05)

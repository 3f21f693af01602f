"""Tests for a2perf.metrics.returns."""

import numpy as np
import pytest

from a2perf.errors import ConfigError
from a2perf.metrics.returns import episode_return, per_seed_means, pooled_iqm, pooled_mean_std


def test_pooled_not_mean_of_means():
    per_seed = [np.array([0.0, 0.0, 0.0]), np.array([4.0])]
    # pooled: 0,0,0,4 -> mean 1, std sqrt((1+1+1+9)/4) = sqrt(3); mean of means would be 2
    mean, std = pooled_mean_std(per_seed)
    assert mean == 1.0 and std == pytest.approx(np.sqrt(3.0))
    assert per_seed_means(per_seed).tolist() == [0.0, 4.0]


def test_iqm_hand_checked():
    # pooled 1..8 -> drop 2 each end -> mean(3,4,5,6) = 4.5
    assert pooled_iqm([np.array([1.0, 8.0, 2.0]), np.array([7.0, 3.0, 6.0, 4.0, 5.0])]) == 4.5
    assert pooled_iqm(np.array([[1.0, 100.0], [2.0, 3.0]])) == 2.5


def test_episode_return():
    assert episode_return([1.0, -0.5, 2.0]) == 2.5


def test_bad_input():
    with pytest.raises(ConfigError):
        pooled_mean_std([])
    with pytest.raises(ConfigError):
        pooled_mean_std([np.array([1.0]), np.array([])])
    with pytest.raises(ConfigError):
        pooled_iqm([np.array([np.nan])])

"""Tests for a2perf.metrics.generalization."""

import numpy as np
import pytest

from a2perf.errors import ConfigError
from a2perf.metrics.generalization import (
    a2perf_generalization,
    normalized_generalization,
    normalized_task_scores,
    per_task_mean_returns,
)

RETURNS = {
    # seed means 1 and 3 -> task mean 2
    "pace": [np.array([0.0, 2.0]), np.array([3.0])],
    # seed means 10 and 20 -> 15
    "trot": [np.array([10.0]), np.array([20.0, 20.0, 20.0])],
}


def test_per_task_and_a2perf_sum():
    assert per_task_mean_returns(RETURNS) == {"pace": 2.0, "trot": 15.0}
    assert a2perf_generalization(RETURNS) == 17.0


def test_normalized():
    ref = {"pace": (0.0, 4.0), "trot": (10.0, 30.0)}
    assert normalized_task_scores(RETURNS, ref) == {"pace": 0.5, "trot": 0.25}
    assert normalized_generalization(RETURNS, ref) == pytest.approx(0.375)
    with pytest.raises(ConfigError):
        normalized_generalization(RETURNS, {"pace": (0.0, 1.0)})
    with pytest.raises(ConfigError):
        normalized_generalization(RETURNS, {"pace": (1.0, 1.0), "trot": (0.0, 1.0)})
    with pytest.raises(ConfigError):
        a2perf_generalization({})

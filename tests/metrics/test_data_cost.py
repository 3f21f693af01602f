"""Tests for a2perf.metrics.data_cost."""

import numpy as np
import pytest

from a2perf.errors import ConfigError
from a2perf.metrics.data_cost import (
    RunEnergy,
    a2perf_checkpoint_energy,
    a2perf_skill_levels,
    a2perf_training_sample_cost,
    data_cost,
)


def test_distinct_runs_counted_once_plus_generation():
    sources = [
        RunEnergy("ppo-0", 2.0, env_steps=1000),
        RunEnergy("ppo-0", 2.0, env_steps=1000),  # same run listed twice: counted once
        {"run_id": "ppo-1", "energy_kwh": 3.0, "env_steps": 1500},
    ]
    gen = [RunEnergy("gen-0", 0.25, env_steps=200), RunEnergy("gen-1", 0.5, env_steps=300)]
    c = data_cost(sources, gen)
    assert c.training_kwh == 5.0 and c.generation_kwh == 0.75 and c.total_kwh == 5.75
    assert c.num_source_runs == 2 and c.num_checkpoints == 2
    assert c.training_env_steps == 2500 and c.generation_env_steps == 500
    assert c.to_dict()["total_kwh"] == 5.75


def test_checkpoints_of_one_run_charged_up_to_latest():
    sources = [
        RunEnergy("sac-0", 1.0, env_steps=100, checkpoint=100),
        RunEnergy("sac-0", 4.0, env_steps=400, checkpoint=400),
        RunEnergy("sac-0", 2.0, env_steps=200, checkpoint=200),
    ]
    c = data_cost(sources, generation=0.5)
    assert c.training_kwh == 4.0 and c.total_kwh == 4.5
    assert c.num_source_runs == 1 and c.num_checkpoints == 3
    assert c.training_env_steps == 400 and c.generation_env_steps is None


def test_conflicts_and_bad_records():
    with pytest.raises(ConfigError):
        data_cost([RunEnergy("a", 1.0), RunEnergy("a", 2.0)])
    with pytest.raises(ConfigError):
        data_cost([{"run": "a", "energy_kwh": 1.0}])
    with pytest.raises(ConfigError):
        RunEnergy("a", -1.0)
    with pytest.raises(ConfigError):
        data_cost([RunEnergy("a", 1.0)], generation=float("nan"))
    with pytest.raises(ConfigError):  # energy and steps not both cumulative
        data_cost([RunEnergy("a", 1.0, 500, "c1"), RunEnergy("a", 2.0, 100, "c2")])


def test_a2perf_original_definition():
    e = a2perf_checkpoint_energy(10.0, [250, 500, 1000])
    assert e.tolist() == [2.5, 5.0, 10.0]
    assert a2perf_training_sample_cost(e) == pytest.approx(17.5 / 3)
    # vs a2perf's definition: one run charged once, plus generation
    assert data_cost([RunEnergy("r", float(x), checkpoint=i) for i, x in enumerate(e)]).training_kwh == 10.0


def test_skill_levels():
    x = np.r_[np.zeros(20), -10.0, 10.0, 0.7]
    levels = a2perf_skill_levels(x)
    mu, sd = x.mean(), x.std(ddof=1)
    assert mu - 2 * sd > -10 and levels[20] == "novice"
    assert levels[21] == "expert"
    assert levels[0] == "intermediate"
    assert a2perf_skill_levels([1.0, 1.0]) == ["intermediate", "intermediate"]

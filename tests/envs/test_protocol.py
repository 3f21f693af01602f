"""The domains' evaluation protocol: which env kwargs a policy is evaluated with, and task naming."""

from __future__ import annotations

import pytest

from a2perf.baselines.tasks import select_tasks, task_of
from a2perf.envs.protocol import evaluation_kwargs, training_only_kwargs

PACE = "QuadrupedLocomotion-Pace-v0"


@pytest.mark.parametrize(
    "trained_with",
    [
        {},
        {"mode": "train"},
        {"mode": "test", "episode_steps": 100},
        {"num_parallel_envs": 8, "enable_randomizer": True},
    ],
)
def test_a_quadruped_run_is_evaluated_in_test_mode_whatever_it_trained_with(trained_with: dict) -> None:
    assert evaluation_kwargs(PACE, trained_with, from_training=True) == {"mode": "test"}


def test_task_kwargs_survive_the_switch_to_evaluation() -> None:
    kwargs = evaluation_kwargs(PACE, {"mode": "train", "motion_file": "clip.txt"}, from_training=True)
    assert kwargs == {"mode": "test", "motion_file": "clip.txt"}


def test_evaluation_fills_only_what_the_caller_left_out() -> None:
    assert evaluation_kwargs(PACE, {}) == {"mode": "test"}
    assert evaluation_kwargs(PACE, {"mode": "train"}) == {"mode": "train"}  # asked for explicitly


def test_the_callers_dict_is_not_changed() -> None:
    given = {"mode": "train", "episode_steps": 50}
    evaluation_kwargs(PACE, given, from_training=True)
    assert given == {"mode": "train", "episode_steps": 50}


@pytest.mark.parametrize(
    "env_id", ["CartPole-v1", "CircuitTraining-ToyMacro-v0", "WebNavigation-DifficultyLevel-01-v0"]
)
def test_other_envs_pass_through(env_id: str) -> None:
    kwargs = {"some": 1}
    assert evaluation_kwargs(env_id, kwargs, from_training=True) == kwargs
    assert training_only_kwargs(env_id) == frozenset()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "train"},
        {"mode": "test"},
        {"mode": "test", "episode_steps": 100},
        {"num_parallel_envs": 4},
    ],
)
def test_the_training_regime_does_not_change_the_task_name(kwargs: dict) -> None:
    assert task_of(PACE, kwargs) == "pace"


def test_generalization_tasks_run_in_test_mode() -> None:
    tasks = select_tasks(PACE, {"mode": "test"}, None)
    assert [t.name for t in tasks] == ["pace", "trot", "spin"]
    assert all(t.env_kwargs == {"mode": "test"} for t in tasks)
    extra = select_tasks(PACE, {"mode": "test"}, ["QuadrupedLocomotion-Walk-v0"])
    assert extra[0].env_kwargs == {"mode": "test"}

"""Task lists and labels per domain."""

from __future__ import annotations

import pytest

from a2perf.baselines.datasets import dataset_id_for
from a2perf.baselines.tasks import _as_task, domain_tasks, select_tasks, task_of
from a2perf.errors import ConfigError


def test_plain_env_is_its_own_task() -> None:
    (task,) = domain_tasks("CartPole-v1")
    assert (task.name, task.env_id, task.env_kwargs) == ("CartPole-v1", "CartPole-v1", {})
    assert task_of("CartPole-v1") == "CartPole-v1"


def test_chip_task_list_round_trips_through_task_of() -> None:
    tasks = domain_tasks("CircuitTraining-ToyMacro-v0")
    names = [t.name for t in tasks]
    assert len(set(names)) == len(names) >= 7 and all(names)
    for task in tasks:
        assert task_of(task.env_id, task.env_kwargs) == task.name
    assert (
        dataset_id_for(tasks[0].env_id, tasks[0].env_kwargs, "expert")
        == f"CircuitTraining-{tasks[0].name}-expert-v0"
    )


def test_unnamed_entries_are_named_by_the_kwargs_that_differ() -> None:
    shared = {"pad": 128}
    task = _as_task(
        {"env_id": "CircuitTraining-Synthetic-v0", "kwargs": {"pad": 128, "preset": "small", "seed": 0}},
        "chip",
        shared,
    )
    assert task.name == "Synthetic_small_0" and task.env_kwargs["pad"] == 128
    assert _as_task({"env_id": "X-Toy-v0", "kwargs": {"pad": 128}}, "chip", shared).name == "Toy"
    with pytest.raises(ConfigError, match="expected dicts with 'task' and 'env_id'"):
        _as_task({"kwargs": {}}, "chip")


def test_web_task_names_follow_a2perf() -> None:
    assert (
        task_of("WebNavigation-DifficultyLevel-01-v0", {"num_websites": 5})
        == "difficulty_level_1_num_websites_5"
    )
    assert (
        dataset_id_for("WebNavigation-DifficultyLevel-01-v0", {"num_websites": 1}, "novice")
        == "WebNavigation-difficulty_level_1_num_websites_1-novice-v0"
    )


def test_select_tasks_by_name_or_env_id() -> None:
    second = domain_tasks("CircuitTraining-ToyMacro-v0")[1]
    chosen = select_tasks("CircuitTraining-ToyMacro-v0", {}, [second.name, "CartPole-v1"])
    assert [(t.name, t.env_id) for t in chosen] == [
        (second.name, second.env_id),
        ("CartPole-v1", "CartPole-v1"),
    ]
    with pytest.raises(ConfigError, match="unknown task 'nope'"):
        select_tasks("CircuitTraining-ToyMacro-v0", {}, ["nope"])


def test_the_training_env_id_means_the_training_kwargs() -> None:
    (task,) = select_tasks("CircuitTraining-ToyMacro-v0", {}, ["CircuitTraining-ToyMacro-v0"])
    assert (task.env_id, task.env_kwargs) == ("CircuitTraining-ToyMacro-v0", {})


def test_default_kwargs_name_the_same_task() -> None:
    """A kwarg left at the env's default and the same kwarg written out give one label."""
    level1 = "WebNavigation-DifficultyLevel-01-v0"
    assert task_of(level1, {}) == task_of(level1, {"num_websites": 1}) == "difficulty_level_1_num_websites_1"
    assert task_of(level1, {"num_websites": 5}) == "difficulty_level_1_num_websites_5"


def test_run_only_kwargs_do_not_change_the_task() -> None:
    """How the env runs (pure-model backend, render mode) is not part of the task's name."""
    level1 = "WebNavigation-DifficultyLevel-01-v0"
    assert task_of(level1, {"backend": "model"}) == "difficulty_level_1_num_websites_1"
    assert task_of(level1, {"backend": "model", "num_websites": 5}) == "difficulty_level_1_num_websites_5"
    assert (
        dataset_id_for(level1, {"backend": "model", "render_mode": "ansi"}, "expert")
        == "WebNavigation-difficulty_level_1_num_websites_1-expert-v0"
    )

"""Task lists and labels per domain."""

from __future__ import annotations

import pytest

from a2perf.baselines.datasets import dataset_id_for
from a2perf.baselines.tasks import domain_tasks, select_tasks, task_of
from a2perf.errors import ConfigError


def test_plain_env_is_its_own_task() -> None:
    (task,) = domain_tasks("CartPole-v1")
    assert (task.name, task.env_id, task.env_kwargs) == ("CartPole-v1", "CartPole-v1", {})
    assert task_of("CartPole-v1") == "CartPole-v1"


def test_chip_tasks_get_names_from_id_and_kwargs() -> None:
    tasks = domain_tasks("CircuitTraining-ToyMacro-v0")
    assert tasks[0].name == "ToyMacro"  # kwargs shared by every task (padding) are not part of names
    assert {"Synthetic_small_0", "Synthetic_medium_1"} <= {t.name for t in tasks}
    padded = tasks[1].env_kwargs
    assert (
        padded["preset"] == "small" and task_of("CircuitTraining-Synthetic-v0", padded) == "Synthetic_small_0"
    )
    assert dataset_id_for("CircuitTraining-ToyMacro-v0", {}, "expert") == "CircuitTraining-ToyMacro-expert-v0"


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
    chosen = select_tasks("CircuitTraining-ToyMacro-v0", {}, ["ToyMacro", "CartPole-v1"])
    assert [(t.name, t.env_id) for t in chosen] == [
        ("ToyMacro", "CircuitTraining-ToyMacro-v0"),
        ("CartPole-v1", "CartPole-v1"),
    ]
    with pytest.raises(ConfigError, match="unknown task 'nope'"):
        select_tasks("CircuitTraining-ToyMacro-v0", {}, ["nope"])


def test_the_training_env_id_means_the_training_kwargs() -> None:
    (task,) = select_tasks("CircuitTraining-ToyMacro-v0", {}, ["CircuitTraining-ToyMacro-v0"])
    assert (task.env_id, task.env_kwargs) == ("CircuitTraining-ToyMacro-v0", {})

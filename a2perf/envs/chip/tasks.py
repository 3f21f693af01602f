"""Generalization tasks of the chip domain: designs an agent trained on one should also handle."""

from __future__ import annotations

from typing import Any


def generalization_tasks() -> list[dict[str, Any]]:
    """Env id + kwargs of each generalization task.

    Toy, the synthetic presets at two seeds each, and Circuit Training's Ariane when its netlist has
    been downloaded (``a2perf data download circuit``).

    Returns:
      [{"env_id": str, "kwargs": dict}, ...]
    """
    tasks: list[dict[str, Any]] = [{"env_id": "CircuitTraining-ToyMacro-v0", "kwargs": {}}]
    for preset in ("small", "medium", "ariane"):
        for seed in (0, 1):
            tasks.append(
                {"env_id": "CircuitTraining-Synthetic-v0", "kwargs": {"preset": preset, "seed": seed}}
            )
    from a2perf.envs.chip.core import default_data_file

    if default_data_file("ariane/netlist.pb.txt") is not None:
        tasks.append({"env_id": "CircuitTraining-Ariane-v0", "kwargs": {}})
    return tasks

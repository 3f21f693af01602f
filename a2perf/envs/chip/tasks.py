"""Generalization tasks of the chip domain: designs an agent trained on one should also handle."""

from __future__ import annotations

from typing import Any

#: A2Perf's padding (max grid 128, 3500 graph nodes, 42000 edges): every task gets the same
#: observation and action spaces, so one policy can be evaluated on all of them.
A2PERF_PADDING: dict[str, int] = {"max_grid_size": 128, "max_num_nodes": 3500, "max_num_edges": 42000}


def generalization_tasks() -> list[dict[str, Any]]:
    """Env id + kwargs of each generalization task.

    Toy, the synthetic presets at two seeds each, and, when downloaded with
    ``a2perf data download circuit``, Circuit Training's Ariane (``<cache>/circuit/ariane_ct/``) and
    TILOS's Ariane133-NG45 (``<cache>/circuit/ariane133_ng45/``, run through the Ariane env class).
    Every task carries :data:`A2PERF_PADDING`, so all share one observation and action space.

    Returns:
      [{"task": str, "env_id": str, "kwargs": dict}, ...]; task labels are ``toy``,
      ``<preset>_<seed>``, ``ariane_ct`` and ``ariane133_ng45``.
    """
    from a2perf.envs.chip.core import default_data_file

    tasks: list[dict[str, Any]] = [{"task": "toy", "env_id": "CircuitTraining-ToyMacro-v0", "kwargs": {}}]
    for preset in ("small", "medium", "ariane"):
        for seed in (0, 1):
            tasks.append(
                {
                    "task": f"{preset}_{seed}",
                    "env_id": "CircuitTraining-Synthetic-v0",
                    "kwargs": {"preset": preset, "seed": seed},
                }
            )
    if default_data_file("ariane_ct/netlist.pb.txt") is not None:
        tasks.append({"task": "ariane_ct", "env_id": "CircuitTraining-Ariane-v0", "kwargs": {}})
    ng45 = default_data_file("ariane133_ng45/netlist.pb.txt")
    plc = default_data_file("ariane133_ng45/initial.plc")
    if ng45 is not None and plc is not None:
        kwargs = {"netlist_file": str(ng45), "init_placement": str(plc)}
        tasks.append({"task": "ariane133_ng45", "env_id": "CircuitTraining-Ariane-v0", "kwargs": kwargs})
    for task in tasks:
        task["kwargs"] = {**A2PERF_PADDING, **task["kwargs"]}
    return tasks

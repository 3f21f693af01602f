"""Gymnasium ids of the chip domain (registered lazily by ``import a2perf``)."""

from a2perf.envs.chip.tasks import generalization_tasks
from a2perf.envs.registry import EnvInfo

ENVS: list[EnvInfo] = [
    EnvInfo(
        id="CircuitTraining-ToyMacro-v0",
        domain="chip",
        description="Place 2 hard macros on a generated 200x100 µm toy design (20x10 grid); reward -proxy cost.",
        entry_point="a2perf.envs.chip.env:CircuitEnv",
        kwargs={"preset": "toy"},
    ),
    EnvInfo(
        id="CircuitTraining-Synthetic-v0",
        domain="chip",
        description="Generated design (preset small/medium/ariane or counts, seed); one step per hard macro.",
        entry_point="a2perf.envs.chip.env:CircuitEnv",
        kwargs={"preset": "small"},
    ),
    EnvInfo(
        id="CircuitTraining-Ariane-v0",
        domain="chip",
        description="Circuit Training's Ariane RISC-V (133 hard macros, 35x33 grid), A2Perf settings.",
        entry_point="a2perf.envs.chip.env:ArianeEnv",
        needs="a2perf data download circuit (or netlist_file=, init_placement=)",
    ),
]

__all__ = ["ENVS", "generalization_tasks"]

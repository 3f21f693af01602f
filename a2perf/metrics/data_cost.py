"""Data cost: the energy (kWh) it took to produce an offline dataset.

Imitation / offline learners consume demonstrations someone paid to produce; charging them that
energy makes them comparable with online RL. Two definitions:

- `data_cost` (a2perf): measured training energy of the source policies, each distinct source
  run counted once, plus the energy of generating the episodes. Energies are cumulative per run:
  if several checkpoints of one run were sampled, the run is charged up to its latest sampled
  checkpoint (the earlier ones were produced on the way), never once per checkpoint. Env steps
  are reported alongside, as separate numbers.
- A2Perf's original "training sample cost" (`a2perf_checkpoint_energy`,
  `a2perf_training_sample_cost`): the run's total energy attributed linearly in train step to
  each checkpoint, ``E_c = E_run * k_c / max_c k_c``, and the MEAN of ``E_c`` over the
  checkpoints of a skill level (not a sum; generation energy excluded).

Lower is better for every figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from a2perf.errors import ConfigError

__all__ = [
    "DataCost",
    "RunEnergy",
    "a2perf_checkpoint_energy",
    "a2perf_skill_levels",
    "a2perf_training_sample_cost",
    "data_cost",
]


@dataclass(frozen=True)
class RunEnergy:
    """Energy of one training run (or of a run up to one checkpoint), or of one generation job.

    Attributes:
      run_id: identifies the run; records with the same run_id belong to the same run.
      energy_kwh: cumulative energy of the run up to `checkpoint` (the whole run if None), kWh.
      env_steps: cumulative environment steps up to the same point, or None if unknown.
      checkpoint: checkpoint id within the run (e.g. its train step), or None.
    """

    run_id: str
    energy_kwh: float
    env_steps: int | None = None
    checkpoint: str | int | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.energy_kwh) and self.energy_kwh >= 0):
            raise ConfigError(
                f"run {self.run_id!r}: energy_kwh must be finite and >= 0, got {self.energy_kwh!r}"
            )
        if self.env_steps is not None and self.env_steps < 0:
            raise ConfigError(f"run {self.run_id!r}: env_steps must be >= 0, got {self.env_steps!r}")


@dataclass(frozen=True)
class DataCost:
    """Energy spent producing a dataset.

    Attributes:
      total_kwh: training_kwh + generation_kwh. Lower is better.
      training_kwh: energy of the distinct source runs, each up to its latest sampled checkpoint.
      generation_kwh: energy of the episode-generation jobs (distinct run_ids).
      num_source_runs: distinct source runs.
      num_checkpoints: distinct (run_id, checkpoint) pairs among the sources.
      training_env_steps: env steps of the source runs up to the same points; None if any unknown.
      generation_env_steps: env steps of the generation jobs; None if any unknown.
    """

    total_kwh: float
    training_kwh: float
    generation_kwh: float
    num_source_runs: int
    num_checkpoints: int
    training_env_steps: int | None
    generation_env_steps: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields (JSON-serialisable)."""
        return asdict(self)


def _record(r: RunEnergy | Mapping[str, Any]) -> RunEnergy:
    if isinstance(r, RunEnergy):
        return r
    if isinstance(r, Mapping):
        unknown = set(r) - {"run_id", "energy_kwh", "env_steps", "checkpoint"}
        if unknown or "run_id" not in r or "energy_kwh" not in r:
            raise ConfigError(
                f"energy record {dict(r)!r} needs keys run_id and energy_kwh (optional env_steps, checkpoint)"
            )
        return RunEnergy(
            run_id=str(r["run_id"]),
            energy_kwh=float(r["energy_kwh"]),
            env_steps=None if r.get("env_steps") is None else int(r["env_steps"]),
            checkpoint=r.get("checkpoint"),
        )
    raise ConfigError(f"energy records must be RunEnergy or mappings, got {type(r).__name__}")


def _distinct(records: Iterable[RunEnergy | Mapping[str, Any]]) -> dict[str, dict[Any, RunEnergy]]:
    """run_id -> checkpoint -> record, rejecting conflicting duplicates."""
    runs: dict[str, dict[Any, RunEnergy]] = {}
    for raw in records:
        r = _record(raw)
        per_run = runs.setdefault(r.run_id, {})
        seen = per_run.get(r.checkpoint)
        if seen is not None and seen != r:
            raise ConfigError(
                f"run {r.run_id!r} checkpoint {r.checkpoint!r} appears twice with different values "
                f"({seen.energy_kwh} vs {r.energy_kwh} kWh); pass each checkpoint once"
            )
        per_run[r.checkpoint] = r
    return runs


def _charge(runs: dict[str, dict[Any, RunEnergy]]) -> tuple[float, int | None]:
    kwh = 0.0
    steps: int | None = 0
    for run_id, cps in runs.items():
        latest = max(cps.values(), key=lambda r: (r.energy_kwh, -1 if r.env_steps is None else r.env_steps))
        kwh += latest.energy_kwh
        if steps is not None:
            known = [r.env_steps for r in cps.values()]
            if any(s is None for s in known):
                steps = None
            else:
                top = max(known)  # type: ignore[type-var]
                if latest.env_steps != top:
                    raise ConfigError(
                        f"run {run_id!r}: its highest-energy checkpoint does not have the most env steps; "
                        "energies and env_steps must both be cumulative"
                    )
                steps += int(top)  # type: ignore[arg-type]
    return kwh, steps


def data_cost(
    sources: Iterable[RunEnergy | Mapping[str, Any]],
    generation: Iterable[RunEnergy | Mapping[str, Any]] | float = 0.0,
) -> DataCost:
    """Energy to produce a dataset: source training (distinct runs, counted once) + generation.

    Args:
      sources: the training runs / checkpoints whose policies produced the episodes, as
        `RunEnergy` records or mappings with the same keys. Several checkpoints of one run are
        charged once, up to the latest of them (energies are cumulative within a run); the same
        checkpoint listed twice counts once.
      generation: energy of generating the episodes: records of the generation jobs (distinct
        run_ids summed) or a number in kWh.

    Returns:
      DataCost. Lower is better.
    """
    src = _distinct(sources)
    training_kwh, training_steps = _charge(src)
    if isinstance(generation, int | float):
        if not (np.isfinite(generation) and generation >= 0):
            raise ConfigError(f"generation energy must be finite and >= 0 kWh, got {generation!r}")
        generation_kwh, generation_steps = float(generation), None
    else:
        generation_kwh, generation_steps = _charge(_distinct(generation))
    return DataCost(
        total_kwh=training_kwh + generation_kwh,
        training_kwh=training_kwh,
        generation_kwh=generation_kwh,
        num_source_runs=len(src),
        num_checkpoints=sum(len(c) for c in src.values()),
        training_env_steps=training_steps,
        generation_env_steps=generation_steps,
    )


def a2perf_checkpoint_energy(run_energy_kwh: float, checkpoint_steps: Any) -> np.ndarray:
    """A2Perf's linear attribution of a run's energy to its checkpoints.

    ``E_c = E_run * k_c / max_c k_c``: the final checkpoint carries the whole run's energy.

    Args:
      run_energy_kwh: total training energy of the run, kWh.
      checkpoint_steps: shape (C,), train step of each checkpoint (> 0 for the last).

    Returns:
      shape (C,), kWh per checkpoint.
    """
    k = np.asarray(checkpoint_steps, dtype=np.float64)
    if k.ndim != 1 or k.size == 0 or np.any(k < 0) or k.max() <= 0:
        raise ConfigError(
            "checkpoint_steps must be a non-empty 1-D array of steps >= 0 with a positive maximum"
        )
    return float(run_energy_kwh) * k / k.max()


def a2perf_training_sample_cost(checkpoint_energy_kwh: Any) -> float:
    """A2Perf's data cost of a skill level: the MEAN energy of its checkpoints.

    Args:
      checkpoint_energy_kwh: shape (C,), `a2perf_checkpoint_energy` of the checkpoints of one
        skill level (pooled over runs).

    Returns:
      Mean kWh per checkpoint. Lower is better. (Not a sum over the policies used, and no
      generation energy: kept for comparison with A2Perf's published numbers.)
    """
    e = np.asarray(checkpoint_energy_kwh, dtype=np.float64).ravel()
    if e.size == 0:
        raise ConfigError("a2perf_training_sample_cost needs at least one checkpoint energy")
    return float(e.mean())


def a2perf_skill_levels(average_returns: Any) -> list[str | None]:
    """A2Perf's skill level of each checkpoint from its average evaluation return.

    With ``mu, sigma`` = mean and sample std (ddof=1) of the per-checkpoint averages:
    novice ``<= mu - 2 sigma``; intermediate in ``[mu - sigma, mu + sigma]``; expert
    ``>= mu + 2 sigma``; checkpoints in the gaps get None (discarded).

    Args:
      average_returns: shape (C,), average return of each checkpoint, C >= 2.

    Returns:
      One of ``"novice"``, ``"intermediate"``, ``"expert"`` or None per checkpoint.
    """
    x = np.asarray(average_returns, dtype=np.float64).ravel()
    if x.size < 2:
        raise ConfigError("skill levels need the average returns of at least 2 checkpoints")
    mu, sigma = float(x.mean()), float(x.std(ddof=1))
    out: list[str | None] = []
    for v in x:
        if mu - sigma <= v <= mu + sigma:  # first, so that sigma = 0 means all intermediate
            out.append("intermediate")
        elif v <= mu - 2 * sigma:
            out.append("novice")
        elif v >= mu + 2 * sigma:
            out.append("expert")
        else:
            out.append(None)
    return out

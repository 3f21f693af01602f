"""Layout of a training run folder and its small ``run.json``.

::

    RUN/
      run.json                 RunInfo: algo, env, seed, config, checkpoints, learning curve, system usage
      model.zip                final policy (stable-baselines3 format; BC runs too)
      checkpoints/step_<N>.zip policy after N env steps
      result.json              written by `a2perf evaluate --run RUN`

A run trained with ``normalize`` also holds ``model.vecnormalize.pkl`` and
``checkpoints/step_<N>.vecnormalize.pkl``: the VecNormalize statistics each policy acts with
(:func:`a2perf.policies.normalize_stats_file`; loading a policy without them is an error).

A run is built in a hidden sibling folder and renamed into place when training ends, so ``RUN``
either holds a complete run or does not exist (a crash leaves only the hidden folder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from a2perf.errors import ConfigError, DataNotFoundError, SchemaError
from a2perf.results.io import atomic_write_text
from a2perf.results.schema import LearningCurve, SystemResult

RUN_FILE = "run.json"
MODEL_FILE = "model.zip"
CHECKPOINT_DIR = "checkpoints"
RESULT_FILE = "result.json"


class Checkpoint(BaseModel):
    """One saved policy during training.

    Attributes:
      steps: env steps trained when it was saved.
      path: file relative to the run folder.
      energy_kwh: energy measured from the start of training up to this checkpoint (None: energy off).
      wall_time_s: seconds since training started.
    """

    model_config = ConfigDict(extra="forbid")
    steps: int = Field(ge=0)
    path: str
    energy_kwh: float | None = None
    wall_time_s: float = Field(ge=0)


class RunInfo(BaseModel):
    """Content of ``run.json``."""

    model_config = ConfigDict(extra="forbid")
    algo: str
    sb3_class: str = Field(description="a2perf.policies algorithm name to load model.zip with")
    env_id: str
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    domain: str
    task: str
    seed: int
    config: dict[str, Any] = Field(description="resolved hyper-parameters (YAML values)")
    timesteps: int = Field(ge=0, description="env steps actually trained (BC: 0)")
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    learning_curve: LearningCurve
    system: SystemResult
    dataset: str | None = Field(None, description="Minari dataset id (BC)")
    dataset_path: str | None = None


def run_file(run_dir: Path) -> Path:
    """``RUN/run.json``."""
    return Path(run_dir) / RUN_FILE


def load_run(run_dir: Path) -> RunInfo:
    """Read ``RUN/run.json`` with one-line errors."""
    path = run_file(run_dir)
    if not path.is_file():
        raise DataNotFoundError(
            f"{run_dir}: not a training run (no {RUN_FILE}); train one with `a2perf train`"
        )
    try:
        return RunInfo.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise SchemaError(f"{path}: not a valid run file ({str(e).splitlines()[0]})") from None


def check_new_run_dir(out: Path) -> None:
    """Refuse to overwrite an existing run or a non-empty folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} already exists and is not empty; choose a new --out or delete it")


def staging_dir(out: Path) -> Path:
    """A fresh hidden folder next to ``out`` where the run is built."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o777 & ~umask)  # mkdtemp makes 0700; a run folder is an ordinary folder
    return path


def publish(staging: Path, out: Path, info: RunInfo) -> Path:
    """Write ``run.json`` into ``staging`` and rename it to ``out`` (an empty ``out`` is replaced)."""
    atomic_write_text(staging / RUN_FILE, info.model_dump_json(indent=2) + "\n")
    out = Path(out)
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()
    try:
        os.replace(staging, out)
    except OSError:
        raise ConfigError(
            f"{out} was created by someone else while this run trained; the run is discarded"
        ) from None
    return out


def discard(staging: Path) -> None:
    """Remove a staging folder after a failure."""
    shutil.rmtree(staging, ignore_errors=True)

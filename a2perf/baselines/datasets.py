"""`a2perf dataset build`: skill-level Minari datasets from training checkpoints, with their data cost.

Steps (A2Perf's pipeline, spec a2perf.md §5, with its flaws fixed):

1. Score every checkpoint of every run given: ``eval_episodes`` deterministic episodes -> mean return.
2. Bin the checkpoints into skill levels. ``binning="a2perf"`` is A2Perf's rule over the pooled
   per-checkpoint mean returns with ``mu`` = mean and ``sigma`` = sample std (ddof=1):
   novice ``<= mu - 2 sigma``; intermediate ``mu - sigma <= x <= mu + sigma``; expert
   ``>= mu + 2 sigma``; checkpoints in the gaps are dropped. With few checkpoints the outer
   levels are often empty; ``binning="tercile"`` splits the checkpoints sorted by score into
   three equal groups instead (lowest third novice, top third expert).
3. Per level, sample ``checkpoints_per_level`` checkpoints with replacement (seeded), split the
   ``episodes`` evenly over the samples, and roll them out (stochastic policy actions, as in the
   training distribution) through Minari's ``DataCollector`` wrapper, which records every step
   (observations, dict observations included, actions, rewards, the env's termination and
   truncation flags, reset seeds; not infos) and the env spec; ``collector.create_dataset``
   writes an arrow-format dataset. Episode ``i`` of a dataset is reset with seed ``seed + i``.
   Dataset ids are ``<EnvPrefix>-<task>-<level>-v0`` (e.g. ``CircuitTraining-toy_macro-expert-v0``);
   Minari writes under ``MINARI_DATASETS_PATH`` (default ``~/.minari/datasets``), never to the
   network. Each dataset is assembled in a hidden staging folder there and renamed into place
   with its data-cost file, so a failed build leaves nothing half-written.
4. Data cost, written next to the dataset (``a2perf_data_cost.json``) and copied into the
   results of any policy trained on it (:class:`a2perf.results.schema.DataCost`):

   - ``energy_kwh`` (ours): for each source run, the energy measured from the start of training
     up to the latest checkpoint sampled from it (a run's later checkpoint already paid for its
     earlier ones, so each kWh is counted once), summed over runs, plus the measured energy of
     generating the episodes.
   - ``a2perf_energy_kwh`` (A2Perf's definition, for comparison): each checkpoint's cost is the
     run's energy times ``step / max step`` (linear attribution), and the dataset cost is the MEAN
     of that over all checkpoints of the level; generation energy is not counted.
   - ``env_steps`` and ``episodes`` of the dataset as separate columns.

   The generation energy covers the rollouts and the collector's writing of each finished
   episode to its cache, not scoring the checkpoints.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.baselines import rundir
from a2perf.baselines.tasks import env_domain, task_of
from a2perf.envs.protocol import evaluation_kwargs
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError
from a2perf.results.io import atomic_write_text
from a2perf.results.schema import DataCost

LEVELS = ("novice", "intermediate", "expert")
DATA_COST_FILE = "a2perf_data_cost.json"
DATASET_PREFIX = {"chip": "CircuitTraining", "web": "WebNavigation", "quadruped": "QuadrupedLocomotion"}


@dataclass
class DatasetConfig:
    """What `a2perf dataset build` does.

    Attributes:
      runs: training run folders whose checkpoints are the source policies.
      env_id: env to collect on; env_kwargs: its kwargs as the runs trained with it. Checkpoints are
        scored and rolled out under the domain's evaluation protocol (the quadruped in test mode;
        :func:`a2perf.envs.protocol.evaluation_kwargs`).
      levels: subset of :data:`LEVELS` (plus ``"oracle"`` via ``oracle``).
      episodes: episodes per dataset.
      eval_episodes: episodes to score each checkpoint.
      checkpoints_per_level: checkpoints sampled (with replacement) per level.
      binning: ``"a2perf"`` (mean/sigma rule) or ``"tercile"``.
      seed: seeds checkpoint sampling and the first reset of the rollouts.
      oracle: also build ``<prefix>-<task>-oracle-v0`` from the env's ``oracle_action()`` (web).
      root: Minari datasets folder (default: ``MINARI_DATASETS_PATH`` or Minari's default).
      measure_energy: measure the generation energy (needed for the data cost).
    """

    runs: list[Path]
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    levels: list[str] = field(default_factory=lambda: list(LEVELS))
    episodes: int = 100
    eval_episodes: int = 10
    checkpoints_per_level: int = 5
    binning: str = "a2perf"
    seed: int = 0
    oracle: bool = False
    root: Path | None = None
    measure_energy: bool = True

    def __post_init__(self) -> None:
        bad = [lv for lv in self.levels if lv not in LEVELS]
        if bad:
            raise ConfigError(f"unknown skill level {bad[0]!r}; choose from {', '.join(LEVELS)}")
        if self.binning not in ("a2perf", "tercile"):
            raise ConfigError(f"binning must be 'a2perf' or 'tercile', got {self.binning!r}")
        if not self.runs and self.levels:
            raise ConfigError("give at least one training run with --runs DIR")
        for key in ("episodes", "eval_episodes", "checkpoints_per_level"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be >= 1, got {getattr(self, key)}")


@dataclass(frozen=True)
class ScoredCheckpoint:
    """A checkpoint with its score and the energy its run had used when it was saved."""

    run: Path
    steps: int
    path: Path
    sb3_class: str
    mean_return: float
    energy_kwh: float | None
    run_energy_kwh: float | None
    run_max_steps: int

    @property
    def source_id(self) -> str:
        return f"{self.run}@{self.steps}"


@dataclass
class BuiltDataset:
    """One dataset written by :func:`build_datasets`."""

    dataset_id: str
    level: str
    path: Path
    episodes: int
    env_steps: int
    data_cost: DataCost
    checkpoints: list[str]


def bin_levels(scores: np.ndarray, rule: str = "a2perf") -> dict[str, np.ndarray]:
    """Indices of the scores falling in each skill level.

    Args:
      scores: shape (num_checkpoints,), mean return of each checkpoint.
      rule: ``"a2perf"`` (mean/sigma rule, see the module docstring) or ``"tercile"``.
    Returns:
      ``{level: sorted indices}`` for every level of :data:`LEVELS` (possibly empty).
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2:
        raise ConfigError(f"binning needs at least 2 scored checkpoints, got {scores.size}")
    if rule == "tercile":
        order = np.argsort(scores, kind="stable")
        parts = np.array_split(order, 3)
        return {level: np.sort(part) for level, part in zip(LEVELS, parts, strict=True)}
    mu, sigma = float(scores.mean()), float(scores.std(ddof=1))
    return {
        "novice": np.flatnonzero(scores <= mu - 2 * sigma),
        "intermediate": np.flatnonzero((scores >= mu - sigma) & (scores <= mu + sigma)),
        "expert": np.flatnonzero(scores >= mu + 2 * sigma),
    }


def _check_energy(checkpoints: list[ScoredCheckpoint]) -> None:
    missing = [c.source_id for c in checkpoints if c.energy_kwh is None or c.run_energy_kwh is None]
    if missing:
        raise ConfigError(
            f"checkpoint {missing[0]} has no energy measurement; retrain its run with energy on to get a data cost"
        )


def data_cost(
    sampled: list[ScoredCheckpoint],
    level_members: list[ScoredCheckpoint],
    generation_energy_kwh: float,
    env_steps: int,
    episodes: int,
    energy_mode: str,
) -> DataCost:
    """Data cost of a dataset (both definitions; see the module docstring).

    Args:
      sampled: the checkpoints actually rolled out (repeats allowed).
      level_members: every checkpoint of the skill level (A2Perf's mean runs over these).
      generation_energy_kwh: measured energy of the rollouts that produced the episodes.
    """
    _check_energy([*sampled, *level_members])
    per_run: dict[Path, float] = {}
    for c in sampled:
        per_run[c.run] = max(per_run.get(c.run, 0.0), float(c.energy_kwh))
    linear = [float(c.run_energy_kwh) * c.steps / max(c.run_max_steps, 1) for c in level_members]
    return DataCost(
        energy_kwh=sum(per_run.values()) + generation_energy_kwh,
        a2perf_energy_kwh=float(np.mean(linear)) if linear else None,
        env_steps=env_steps,
        episodes=episodes,
        sources=sorted({c.source_id for c in sampled}),
        energy_mode=energy_mode,
    )


def _score_checkpoints(
    config: DatasetConfig, on_progress: Callable[[str], None] | None
) -> list[ScoredCheckpoint]:
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import load_sb3_policy

    scored = []
    env = make_env(config.env_id, evaluation_kwargs(config.env_id, config.env_kwargs, from_training=True))
    try:
        for run in config.runs:
            info = rundir.load_run(run)
            if info.env_id != config.env_id:
                raise ConfigError(
                    f"{run} was trained on {info.env_id}, not {config.env_id}; pass runs of one env"
                )
            if not info.checkpoints:
                raise DataNotFoundError(f"{run}: run has no checkpoints; retrain with checkpoint_freq set")
            max_steps = max(c.steps for c in info.checkpoints)
            for c in info.checkpoints:
                path = Path(run) / c.path
                if not path.is_file():
                    raise DataNotFoundError(f"{path}: checkpoint listed in run.json is missing")
                policy = load_sb3_policy(path, algo=info.sb3_class)
                returns = roll_out(env, policy, episodes=config.eval_episodes, seed=config.seed).returns
                scored.append(
                    ScoredCheckpoint(
                        run=Path(run),
                        steps=c.steps,
                        path=path,
                        sb3_class=info.sb3_class,
                        mean_return=float(np.mean(returns)),
                        energy_kwh=c.energy_kwh,
                        run_energy_kwh=info.system.energy_kwh,
                        run_max_steps=max_steps,
                    )
                )
                if on_progress:
                    on_progress(f"scored {path.name} of {Path(run).name}: {np.mean(returns):.2f}")
    finally:
        env.close()
    return scored


def dataset_id_for(env_id: str, env_kwargs: dict[str, Any], level: str) -> str:
    """``<EnvPrefix>-<task>-<level>-v0``; plain gymnasium envs use prefix ``Gymnasium``."""
    prefix = DATASET_PREFIX.get(env_domain(env_id), "Gymnasium")
    task = task_of(env_id, env_kwargs)
    task = re.sub(r"-v\d+$", "", task.split("/")[-1])
    for p in DATASET_PREFIX.values():
        task = task.removeprefix(f"{p}-")
    task = re.sub(r"[^A-Za-z0-9_]+", "_", task)
    return f"{prefix}-{task}-{level}-v0"


def _datasets_root(config: DatasetConfig) -> None:
    if config.root is not None:
        os.environ["MINARI_DATASETS_PATH"] = str(Path(config.root).resolve())


def _sampling(policy: Any) -> Any:
    """The loaded SB3 policy sampling its actions (the behaviour that generated its training data),
    with the same masks and training normalization as its deterministic self."""
    from a2perf.policies import SB3Policy

    return SB3Policy(policy.model, name=policy.name, normalizer=policy.normalizer, deterministic=False)


class OraclePolicy:
    """Acts with the env's ``oracle_action()`` (the web domain's scripted expert)."""

    name = "oracle"

    def __init__(self, env: Any) -> None:
        try:
            self._oracle = env.get_wrapper_attr("oracle_action")
        except AttributeError:
            raise ConfigError(
                f"{env.spec.id if env.spec else env} has no oracle_action(); --oracle is for web envs"
            ) from None

    def act(self, observation: Any, mask: np.ndarray | None = None) -> Any:
        return int(self._oracle())


@contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A hidden scratch folder inside ``root`` that Minari writes into while it exists.

    ``MINARI_DATASETS_PATH`` points at it inside the block (the ``DataCollector`` keeps its episode
    cache there and ``create_dataset`` writes the dataset there); on exit the variable is restored
    and the folder removed with whatever is left in it. Minari skips hidden folders when it lists
    ``root``, so a build in progress (or killed) never shows up as a dataset.
    """
    root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".a2perf-staging-", dir=root))
    previous = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(stage)
    try:
        yield stage
    finally:
        if previous is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = previous
        shutil.rmtree(stage, ignore_errors=True)


def _record_episode(collector: Any, policy: Any, seed: int) -> int:
    """Play one episode through the ``DataCollector`` until the env ends it; returns its steps.

    The env itself terminates or truncates (time limit) every episode, so the collector only ever
    stores whole episodes with the env's own flags: it never has to cut a running one (which it
    would mark truncated). If the policy or env raises mid-episode, the caller writes nothing.
    """
    from a2perf.policies import action_mask

    obs, _ = collector.reset(seed=seed)
    steps = 0
    while True:
        obs, _, terminated, truncated, _ = collector.step(policy.act(obs, action_mask(collector)))
        steps += 1
        if terminated or truncated:
            return steps


def _data_collector(env: Any) -> Any:
    """Minari's ``DataCollector`` (arrow, no infos), minus its per-episode re-scan of its cache folder.

    Minari 0.5's storage recomputes ``dataset_size`` (a glob and a stat of every file written so
    far) after each episode the collector flushes, which makes recording quadratic in the episode
    count (1000 random CartPole episodes: 92 s instead of 7 s). Here the collector's cache reports
    size 0; :func:`_collect` writes the real size once, on the finished dataset. Everything else
    (step recording, flushing, ``create_dataset``) is Minari's own code.
    """
    import minari

    class _Collector(minari.DataCollector):
        def _reset_storage(self) -> None:
            super()._reset_storage()
            self._storage.get_size = lambda: 0.0

    return _Collector(env, record_infos=False, data_format="arrow")


def _publish(staged: Path, target: Path) -> None:
    """Move a finished dataset folder into the datasets root in one rename."""
    try:
        os.rename(staged, target)
    except OSError as e:
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise ConfigError(
                f"Minari dataset {target.name} already exists; delete it with `minari delete {target.name}`"
            ) from None
        raise


CostOf = Callable[[int, int, Any], DataCost]
"""Data cost from (episodes, env steps, :class:`a2perf.metrics.monitor.SystemUsage` of the generation)."""


def _collect(
    config: DatasetConfig,
    dataset_id: str,
    policies: list[Callable[[Any], Any]],
    episodes_per_policy: list[int],
    description: str,
    cost_of: CostOf,
) -> tuple[Path, int, int, DataCost]:
    """Roll the policies out through Minari's ``DataCollector`` inside the system monitor.

    Episode ``i`` (over all policies) is reset with seed ``config.seed + i``. The dataset is created
    (``collector.create_dataset``, arrow format) in a hidden staging folder of the datasets root,
    its data cost written next to it, and the folder renamed into place: an error or interrupt at
    any point leaves no dataset (and no half episode) behind.

    Args:
      policies: factories ``env -> policy`` (called with the collector-wrapped env).
      episodes_per_policy: episodes rolled out with each policy, same length as ``policies``.
      cost_of: the data cost of the finished rollouts.
    Returns:
      (dataset folder, episodes, env steps, data cost); episodes and steps are the dataset's own totals.
    """
    from minari.storage import get_dataset_path

    from a2perf.measure import make_env
    from a2perf.metrics.monitor import SystemMonitor

    root = Path(get_dataset_path())
    if (root / dataset_id).exists():
        raise ConfigError(
            f"Minari dataset {dataset_id} already exists; delete it with `minari delete {dataset_id}`"
        )
    with _staging(root) as stage:
        env = make_env(config.env_id, evaluation_kwargs(config.env_id, config.env_kwargs, from_training=True))
        try:
            collector = _data_collector(env)
        except BaseException:
            env.close()
            raise
        try:
            played, recorded = 0, 0
            with SystemMonitor(interval_s=0.5, enable_energy=config.measure_energy) as monitor:
                for policy_fn, count in zip(policies, episodes_per_policy, strict=True):
                    policy = policy_fn(collector)
                    for _ in range(count):
                        recorded += _record_episode(collector, policy, config.seed + played)
                        played += 1
            spec = collector.env.spec
            with warnings.catch_warnings():  # Minari nags about optional metadata (permalink, e-mail)
                warnings.filterwarnings("ignore", category=UserWarning, module="minari")
                dataset = collector.create_dataset(
                    dataset_id,
                    eval_env=spec,
                    algorithm_name="a2perf dataset build",
                    author="a2perf",
                    description=description,
                    requirements=["a2perf"] if env_domain(config.env_id) != "other" else None,
                )
        finally:
            collector.close()
        dataset.storage.update_metadata({"dataset_size": dataset.storage.get_size()})  # see _data_collector
        episodes, steps = int(dataset.total_episodes), int(dataset.total_steps)
        if (episodes, steps) != (played, recorded):
            raise SchemaError(
                f"{dataset_id}: Minari stored {episodes} episodes / {steps} steps but {played} / {recorded} "
                "were played; report this bug (a2perf + minari versions)"
            )
        cost = cost_of(episodes, steps, monitor.usage)
        staged = stage / dataset_id
        atomic_write_text(staged / DATA_COST_FILE, cost.model_dump_json(indent=2) + "\n")
        _publish(staged, root / dataset_id)
    return root / dataset_id, episodes, steps, cost


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def build_datasets(
    config: DatasetConfig, on_progress: Callable[[str], None] | None = None
) -> list[BuiltDataset]:
    """Build every requested level (and the oracle dataset); returns what was written."""
    from a2perf.policies import load_sb3_policy

    _datasets_root(config)
    ids = {lv: dataset_id_for(config.env_id, config.env_kwargs, lv) for lv in [*config.levels, "oracle"]}
    import minari

    existing = set(minari.list_local_datasets())
    for lv, ds in ids.items():
        if (lv != "oracle" or config.oracle) and ds in existing:
            raise ConfigError(f"Minari dataset {ds} already exists; delete it with `minari delete {ds}`")
    built: list[BuiltDataset] = []
    if config.levels:
        scored = _score_checkpoints(config, on_progress)
        bins = bin_levels(np.array([c.mean_return for c in scored]), config.binning)
        empty = [lv for lv in config.levels if bins[lv].size == 0]
        if empty:
            scores = np.array([c.mean_return for c in scored])
            raise ConfigError(
                f"skill level {empty[0]!r} has no checkpoint under the {config.binning} rule "
                f"(mu={scores.mean():.2f}, sigma={scores.std(ddof=1):.2f} over {scores.size} checkpoints); "
                "add runs/checkpoints or use --binning tercile"
            )
        rng = np.random.default_rng(config.seed)
        for level in config.levels:
            members = [scored[i] for i in bins[level]]
            picks = [members[i] for i in rng.integers(0, len(members), size=config.checkpoints_per_level)]
            counts = _split(config.episodes, len(picks))
            policies = [
                (lambda _env, c=c: _sampling(load_sb3_policy(c.path, algo=c.sb3_class))) for c in picks
            ]
            keep = [(p, n) for p, n in zip(policies, counts, strict=True) if n > 0]
            _check_energy([*picks, *members])  # before the rollouts, not after them
            path, episodes, steps, cost = _collect(
                config,
                ids[level],
                [p for p, _ in keep],
                [n for _, n in keep],
                f"{level} checkpoints of {len(config.runs)} run(s) of {config.env_id}, binned by the {config.binning} rule",
                cost_of=lambda episodes, steps, usage, picks=picks, members=members: data_cost(
                    picks, members, usage.energy_kwh or 0.0, steps, episodes, usage.energy_mode
                ),
            )
            built.append(_built(ids[level], level, path, episodes, steps, cost, picks))
            if on_progress:
                on_progress(f"wrote {ids[level]}")
    if config.oracle:
        path, episodes, steps, cost = _collect(
            config,
            ids["oracle"],
            [OraclePolicy],
            [config.episodes],
            f"oracle policy on {config.env_id}",
            cost_of=lambda episodes, steps, usage: DataCost(
                energy_kwh=usage.energy_kwh or 0.0,
                a2perf_energy_kwh=0.0,
                env_steps=steps,
                episodes=episodes,
                sources=["oracle"],
                energy_mode=usage.energy_mode,
            ),
        )
        built.append(_built(ids["oracle"], "oracle", path, episodes, steps, cost, ["oracle"]))
    return built


def _built(
    dataset_id: str,
    level: str,
    path: Path,
    episodes: int,
    steps: int,
    cost: DataCost,
    picks: list[ScoredCheckpoint] | list[str],
) -> BuiltDataset:
    sources = [p if isinstance(p, str) else p.source_id for p in picks]
    return BuiltDataset(dataset_id, level, path, episodes, steps, cost, sources)


def read_data_cost(dataset_path: Path) -> DataCost:
    """The data cost stored next to a dataset built by :func:`build_datasets`."""
    path = Path(dataset_path) / DATA_COST_FILE
    if not path.is_file():
        raise DataNotFoundError(
            f"{path}: no data cost recorded; build the dataset with `a2perf dataset build`"
        )
    try:
        return DataCost.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, json.JSONDecodeError) as e:
        raise SchemaError(f"{path}: not a valid data-cost file ({str(e).splitlines()[0]})") from None

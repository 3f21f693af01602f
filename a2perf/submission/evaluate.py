"""`a2perf evaluate --submission`: run a submission's phases in child processes and measure them.

How the numbers are produced (and why the submission cannot write its own):

- Each (seed, phase) runs in a fresh interpreter (``python -m a2perf.submission.runner``) started
  in its own session, with a wall-clock timeout and a resident-memory limit on its process tree
  (a watchdog here samples the tree's RSS; the whole process group is SIGKILLed when either limit
  is hit), plus an address-space limit (``RLIMIT_AS``, set in the child before any submission
  code is imported; not for web envs, see :class:`EvaluationConfig`).
- System metrics (wall time, RAM, CPU, energy) come from a :class:`SystemMonitor` running in THIS
  process around the child's whole life; it samples this process tree, i.e. the harness (idle,
  blocked on the child) plus the child and everything it starts. The harness's own share is the
  same for every submission.
- Returns, episode lengths and action checks come from the harness's own rollout loop in the
  child (the submission is only called through ``preprocess_observation``/``infer_once``).
- Latency: the child times each ``infer_once`` call with a clock bound before the submission was
  imported. The timed block is framed by two messages that this process time-stamps with its own
  clock; if the reported per-call times add up to less than 75% of that span minus 200 ms of
  slack, the result fails as "latency timings disagree with the harness clock". This guards
  against accidental and casual manipulation; code running inside the child could still forge
  anything the child reports, which the cross-check bounds but cannot rule out.
- Training: env steps and the returns of finished training episodes are counted by a wrapper the
  child puts around every env made with ``gymnasium.make`` in the training process; the learning
  curve is binned from those episodes.

A submission that crashes, hangs, exceeds memory, or returns a malformed action yields a result
with ``status="failed"`` and the reason; the harness never raises for submission misbehaviour.
Invalid submissions (missing files, bad metadata, wrong signatures) raise :class:`SchemaError`
before anything is run or written.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.baselines.tasks import Task
from a2perf.envs.protocol import evaluation_kwargs
from a2perf.errors import A2PerfError, ConfigError, DataNotFoundError
from a2perf.metrics.monitor import SystemMonitor
from a2perf.results.io import save_result
from a2perf.results.manifest import build_manifest
from a2perf.results.schema import (
    Aggregates,
    DataCost,
    Generalization,
    LearningCurve,
    RunResult,
    SeedResult,
    SystemResult,
    TaskScore,
    TrainingReliability,
)
from a2perf.submission.spec import SubmissionMeta
from a2perf.submission.validate import require_valid

PHASES = ("train", "inference", "generalization")
LATENCY_SLACK_FRACTION = 0.25
"""Reported latencies may add up to this fraction less than the parent-observed span..."""
LATENCY_SLACK_S = 0.2
"""... plus this many seconds (pipe transit, thread wake-up, a busy machine)."""
CURVE_POINTS = 50
"""Maximum number of points of a learning curve binned from training episodes."""


@dataclass
class EvaluationConfig:
    """Limits and sizes of a submission evaluation.

    Attributes:
      seeds: one independent run per seed.
      latency_calls: timed ``infer_once`` calls per seed.
      latency_warmup: untimed calls before timing.
      timeout_s: wall-clock limit of each child process (one phase of one seed), seconds.
      memory_limit_mb: resident memory (RSS) limit of each child's process tree, MiB; a watchdog
        in the harness samples the tree every `watchdog_interval_s` and kills it above the limit.
      address_space_limit_mb: ``RLIMIT_AS`` of each child, MiB (virtual memory: torch reserves a
        few GB, so keep it well above the RSS limit). Not applied to web-domain envs, whose
        chromium reserves terabytes of address space by design; the RSS watchdog still applies.
      watchdog_interval_s: period of the RSS watchdog and of the timeout check, seconds.
      measure_energy: run CodeCarbon's offline tracker around each child.
      monitor_interval_s: psutil sampling period, seconds.
      country_iso_code: country for CodeCarbon's carbon intensity.
      runs_dir: where ``train`` writes its artifacts (``<runs_dir>/seed_<n>``); default
        ``<submission>/a2perf-runs/<env_id>``.
    """

    seeds: list[int] = field(default_factory=lambda: [0])
    latency_calls: int = 1000
    latency_warmup: int = 10
    timeout_s: float = 3600.0
    memory_limit_mb: int | None = 8192
    address_space_limit_mb: int | None = 16384
    watchdog_interval_s: float = 0.2
    measure_energy: bool = True
    monitor_interval_s: float = 0.1
    country_iso_code: str = "USA"
    runs_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"seeds must be distinct and non-empty, got {self.seeds}")
        if self.latency_calls < 0 or self.latency_warmup < 0:
            raise ConfigError("latency_calls and latency_warmup must be >= 0")
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s must be > 0, got {self.timeout_s}")
        for name in ("memory_limit_mb", "address_space_limit_mb"):
            value = getattr(self, name)
            if value is not None and value < 256:
                raise ConfigError(f"{name} must be >= 256 (a Python process needs that), got {value}")
        if not self.watchdog_interval_s > 0:
            raise ConfigError(f"watchdog_interval_s must be > 0, got {self.watchdog_interval_s}")


@dataclass
class ChildOutcome:
    """What one child process produced.

    Attributes:
      data: the child's ``done`` payload, or None if it failed.
      failure: one-line reason when the child failed, else None.
      usage: system usage measured around the child.
      latencies_s: timed ``infer_once`` calls, seconds (inference phase only).
    """

    data: dict[str, Any] | None
    failure: str | None
    usage: SystemResult
    latencies_s: np.ndarray = field(default_factory=lambda: np.zeros(0))


class _Reader(threading.Thread):
    """Reads the child's JSON lines, stamping each with this process's clock on arrival."""

    def __init__(self, fd: int) -> None:
        super().__init__(name="a2perf-submission-reader", daemon=True)
        self._file = os.fdopen(fd, "r", encoding="utf-8", errors="replace")
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.garbage = 0

    def run(self) -> None:
        with self._file:
            for line in self._file:
                stamp = time.perf_counter()
                try:
                    msg = json.loads(line)
                except json.JSONDecodeError:
                    self.garbage += 1
                    continue
                if isinstance(msg, dict):
                    self.messages.append((stamp, msg))

    def last(self, event: str) -> tuple[float, dict[str, Any]] | None:
        for stamp, msg in reversed(self.messages):
            if msg.get("event") == event:
                return stamp, msg
        return None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _exit_reason(code: int, address_space_mb: int | None, log: Path) -> str:
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = f" (possibly the {address_space_mb} MiB address-space limit)" if address_space_mb else ""
        return f"the submission process was killed by {name}{hint}; see {log}"
    tail = _log_tail(log)
    return f"the submission process exited with code {code} before finishing ({tail}); see {log}"


def _log_tail(log: Path) -> str:
    try:
        lines = [
            ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()
        ]
    except OSError:
        return "no log"
    return lines[-1][:200] if lines else "no output"


def address_space_limit(env_id: str, config: EvaluationConfig) -> int | None:
    """The ``RLIMIT_AS`` for a child working on ``env_id`` (None for web envs: see EvaluationConfig)."""
    from a2perf.measure import env_domain

    return None if env_domain(env_id) == "web" else config.address_space_limit_mb


def _tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / (1024 * 1024)


def _watch(proc: subprocess.Popen, config: EvaluationConfig) -> tuple[bool, float]:
    """Wait for ``proc``; kill its group at the timeout or above the RSS limit.

    Returns:
      ``(timed_out, peak_rss_mb)``; the peak exceeds ``memory_limit_mb`` iff the watchdog fired.
    """
    deadline = time.monotonic() + config.timeout_s
    peak = 0.0
    while True:
        try:
            proc.wait(timeout=min(config.watchdog_interval_s, max(0.0, deadline - time.monotonic())))
            return False, peak
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            _kill_group(proc.pid)
            proc.wait()
            return True, peak
        if config.memory_limit_mb is not None:
            rss = _tree_rss_mb(proc.pid)
            peak = max(peak, rss)
            if rss > config.memory_limit_mb:
                _kill_group(proc.pid)
                proc.wait()
                return False, peak


def run_child(
    request: dict[str, Any], config: EvaluationConfig, work_dir: Path, log_path: Path
) -> ChildOutcome:
    """Run one phase of one seed in a child process under the monitor, timeout and memory limit."""
    work_dir.mkdir(parents=True, exist_ok=True)
    request_path = work_dir / f".{request['phase']}-request.json"
    address_space_mb = address_space_limit(request["env_id"], config)
    request_path.write_text(
        json.dumps({**request, "address_space_limit_mb": address_space_mb}), encoding="utf-8"
    )
    read_fd, write_fd = os.pipe()
    timed_out = False
    peak_mb = 0.0
    monitor = SystemMonitor(
        interval_s=config.monitor_interval_s,
        enable_energy=config.measure_energy,
        country_iso_code=config.country_iso_code,
    )
    with open(log_path, "w", encoding="utf-8") as log, monitor:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "a2perf.submission.runner", str(request_path), str(write_fd)],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=request["submission_dir"],
            )
        finally:
            os.close(write_fd)
        reader = _Reader(read_fd)
        reader.start()
        timed_out, peak_mb = _watch(proc, config)
        _kill_group(proc.pid)  # anything the submission left running
        reader.join(timeout=10)
    usage = monitor.usage
    fields = usage.to_dict()
    fields.pop("country_iso_code", None)
    system = SystemResult(**fields)
    request_path.unlink(missing_ok=True)

    phase = request["phase"]
    if timed_out:
        return ChildOutcome(
            None, f"{phase} exceeded the {config.timeout_s:g} s wall-clock limit and was killed", system
        )
    if config.memory_limit_mb is not None and peak_mb > config.memory_limit_mb:
        return ChildOutcome(
            None,
            f"{phase} exceeded the {config.memory_limit_mb} MiB memory limit (process-tree RSS reached "
            f"{peak_mb:.0f} MiB) and was killed",
            system,
        )
    failed = reader.last("failed")
    if failed is not None:
        return ChildOutcome(None, f"{phase}: {failed[1].get('reason', 'failed')}", system)
    done = reader.last("done")
    if done is None or proc.returncode != 0:
        return ChildOutcome(
            None, f"{phase}: {_exit_reason(proc.returncode, address_space_mb, log_path)}", system
        )
    latencies = np.zeros(0)
    end = reader.last("latency_end")
    if end is not None:
        start = reader.last("latency_start")
        ns = np.asarray(end[1].get("latencies_ns", []), dtype=np.float64)
        if start is None or ns.ndim != 1 or np.any(ns < 0):
            return ChildOutcome(None, f"{phase}: malformed latency report from the child", system)
        latencies = ns * 1e-9
        span = end[0] - start[0]
        reported = float(latencies.sum())
        if reported < (1.0 - LATENCY_SLACK_FRACTION) * span - LATENCY_SLACK_S:
            return ChildOutcome(
                None,
                f"{phase}: latency timings disagree with the harness clock (child reported {reported * 1e3:.1f} ms "
                f"in total, the harness saw {span * 1e3:.1f} ms); timings were tampered with",
                system,
            )
    return ChildOutcome(done[1].get("data") or {}, None, system, latencies)


def learning_curve(
    end_steps: Sequence[int], returns: Sequence[float], points: int = CURVE_POINTS
) -> LearningCurve | None:
    """Bin training episodes into a curve: mean return of the episodes ending in each step bin.

    Args:
      end_steps: shape (E,), cumulative env step at which each training episode ended.
      returns: shape (E,), the return of each of those episodes.
      points: maximum number of points: with more episodes, equal-width step bins (empty bins
        are dropped); with fewer, one point per episode.

    Returns:
      LearningCurve with ``steps`` = the bin's last step, or None when there is no episode.
    """
    steps = np.asarray(end_steps, dtype=np.int64)
    values = np.asarray(returns, dtype=np.float64)
    if steps.size == 0:
        return None
    if steps.size != values.size:
        raise ConfigError(f"{steps.size} episode end steps but {values.size} returns")
    if steps.size <= points:
        return LearningCurve(steps=[int(x) for x in steps], returns=[float(v) for v in values])
    edges = np.linspace(0, int(steps.max()), points + 1)
    index = np.clip(np.searchsorted(edges, steps, side="left") - 1, 0, len(edges) - 2)
    out_steps, out_returns = [], []
    for b in range(len(edges) - 1):
        sel = index == b
        if sel.any():
            out_steps.append(int(steps[sel].max()))
            out_returns.append(float(values[sel].mean()))
    return LearningCurve(steps=out_steps, returns=out_returns)


def training_reliability(curves: Sequence[LearningCurve]) -> TrainingReliability | None:
    """A2Perf's five training-reliability metrics on the harness-binned curves (None if not computable)."""
    from a2perf.metrics import reliability

    usable = [(np.asarray(c.steps, float), np.asarray(c.returns, float)) for c in curves if len(c.steps) >= 2]
    if not usable:
        return None

    def attempt(fn: Callable[[], Any]) -> float | None:
        try:
            value = fn()
        except (A2PerfError, ValueError):
            return None
        value = float(value[0] if isinstance(value, tuple) else value)
        return value if np.isfinite(value) else None

    def across() -> Any:
        grid, values = reliability.align_curves(usable, num_points=CURVE_POINTS)
        return reliability.dispersion_across_runs([(grid, v) for v in values])

    return TrainingReliability(
        dispersion_across_runs=attempt(across),
        dispersion_within_runs=attempt(lambda: reliability.dispersion_within_runs(usable)),
        short_term_risk=attempt(lambda: reliability.short_term_risk(usable)),
        long_term_risk=attempt(lambda: reliability.long_term_risk(usable)),
        risk_across_runs=attempt(lambda: reliability.risk_across_runs(usable)),
    )


def dataset_data_cost(dataset_ids: Sequence[str]) -> DataCost:
    """Data cost of the Minari datasets a submission declares, read from what a2perf recorded.

    Args:
      dataset_ids: local Minari dataset ids built by ``a2perf dataset build``.

    Returns:
      DataCost; several datasets add up (energies, steps, episodes; sources concatenated).

    Raises:
      DataNotFoundError: a dataset is not in the local Minari store or has no data-cost file.
    """
    import minari

    from a2perf.baselines.datasets import read_data_cost

    local = set(minari.list_local_datasets())
    costs = []
    for dataset_id in dataset_ids:
        if dataset_id not in local:
            raise DataNotFoundError(
                f"dataset {dataset_id!r} listed in submission.yaml is not in the local Minari store "
                "(MINARI_DATASETS_PATH); build it with `a2perf dataset build`"
            )
        path = Path(minari.load_dataset(dataset_id, download=False).spec.data_path).parent
        costs.append(read_data_cost(path))
    if len(costs) == 1:
        return costs[0]
    a2perf_parts = [c.a2perf_energy_kwh for c in costs]
    return DataCost(
        energy_kwh=sum(c.energy_kwh for c in costs),
        a2perf_energy_kwh=None if any(x is None for x in a2perf_parts) else sum(a2perf_parts),
        env_steps=sum(c.env_steps for c in costs),
        episodes=sum(c.episodes for c in costs),
        sources=[src for c in costs for src in c.sources],
        energy_mode=" | ".join(sorted({c.energy_mode for c in costs})),
    )


def _generalization(task_returns: dict[str, list[list[float]]], tasks: list[Task]) -> Generalization:
    from a2perf.metrics.generalization import a2perf_generalization

    scores = [
        TaskScore(
            task=t.name,
            env_id=t.env_id,
            env_kwargs=t.env_kwargs,
            per_seed_mean_returns=[float(np.mean(r)) for r in task_returns[t.name]],
        )
        for t in tasks
    ]
    return Generalization(
        tasks=scores, aggregate=a2perf_generalization({t.name: task_returns[t.name] for t in tasks})
    )


ProgressCallback = Callable[[str], None]


def run_evaluation(
    submission_dir: Path,
    env_id: str,
    meta: SubmissionMeta,
    *,
    phases: list[str],
    episodes: int,
    tasks: list[Task],
    config: EvaluationConfig,
    env_kwargs: dict[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    data_cost: DataCost | None = None,
) -> RunResult:
    """Run every requested phase for every seed; never raises for submission misbehaviour."""
    from a2perf.baselines.tasks import task_of
    from a2perf.measure import env_domain
    from a2perf.results.summarize import summarize

    submission_dir = Path(submission_dir).resolve()
    task_label = task_of(env_id, env_kwargs or {})  # fails before anything runs
    # Inference follows the domain's evaluation protocol (the quadruped in test mode), whatever the
    # training env was; the train phase gets the task's own kwargs.
    eval_kwargs = evaluation_kwargs(env_id, env_kwargs, from_training=True)
    runs_dir = Path(config.runs_dir or submission_dir / "a2perf-runs" / env_id).resolve()
    started = datetime.now(UTC)
    per_seed: list[SeedResult] = []
    latencies: list[np.ndarray] = []
    task_returns: dict[str, list[list[float]]] = {t.name: [] for t in tasks}
    failure: str | None = None
    for seed in config.seeds:
        root_dir = runs_dir / f"seed_{seed}"
        base = {
            "submission_dir": str(submission_dir),
            "env_id": env_id,
            "env_kwargs": env_kwargs or {},
            "eval_env_kwargs": eval_kwargs,
            "seed": seed,
            "root_dir": str(root_dir),
            "episodes": episodes,
            "latency_calls": config.latency_calls,
            "latency_warmup": config.latency_warmup,
            "tasks": [{"name": t.name, "env_id": t.env_id, "env_kwargs": t.env_kwargs} for t in tasks],
            "train_kwargs": meta.train_kwargs,
            "inference_kwargs": meta.inference_kwargs,
        }
        system: dict[str, SystemResult] = {}
        seed_data: dict[str, Any] = {}
        seed_latency: np.ndarray | None = None
        for phase in (p for p in PHASES if p in phases):
            if on_progress is not None:
                on_progress(f"seed {seed}: {phase}")
            outcome = run_child({**base, "phase": phase}, config, root_dir, root_dir / f"{phase}.log")
            system[phase] = outcome.usage
            if outcome.failure is not None:
                failure = f"seed {seed}: {outcome.failure}"
                break
            seed_data[phase] = outcome.data
            if phase == "inference":
                seed_latency = outcome.latencies_s
        if failure is not None:
            break
        train = seed_data.get("train") or {}
        inference = seed_data.get("inference") or {}
        latency = None
        if seed_latency is not None and seed_latency.size:
            from a2perf.results.summarize import seed_latency as summarize_seed_latency

            latency = summarize_seed_latency(seed_latency, num_warmup=config.latency_warmup)
            latencies.append(seed_latency)
        for task, returns in (seed_data.get("generalization") or {}).get("task_returns", {}).items():
            task_returns.setdefault(task, []).append([float(r) for r in returns])
        per_seed.append(
            SeedResult(
                seed=seed,
                episode_returns=[float(r) for r in inference.get("episode_returns", [])],
                episode_lengths=[int(n) for n in inference.get("episode_lengths", [])],
                latency=latency,
                system=system,
                learning_curve=learning_curve(
                    train.get("episode_end_steps", []), train.get("episode_returns", [])
                )
                if train
                else None,
                env_steps_trained=int(train["env_steps"]) if train else None,
            )
        )
    finished = datetime.now(UTC)
    modes = sorted({s.energy_mode for seed in per_seed for s in seed.system.values()})
    manifest = build_manifest(
        env_id=env_id,
        env_kwargs=eval_kwargs,
        seeds=list(config.seeds),
        started_at=started,
        finished_at=finished,
        energy_mode=" | ".join(modes) if modes else ("disabled" if not config.measure_energy else "none"),
        country_iso_code=config.country_iso_code,
    )
    aggregates = Aggregates()
    if failure is None and per_seed:
        aggregates = summarize(per_seed, np.concatenate(latencies) if latencies else None)
        curves = [s.learning_curve for s in per_seed if s.learning_curve is not None]
        update: dict[str, Any] = {"training_reliability": training_reliability(curves) if curves else None}
        if "generalization" in phases and tasks:
            update["generalization"] = _generalization(task_returns, tasks)
        if data_cost is not None:
            update["data_cost"] = data_cost
        aggregates = aggregates.model_copy(update=update)
    return RunResult(
        name=meta.name,
        algorithm=meta.algorithm,
        domain=env_domain(env_id),
        env_id=env_id,
        task=task_label,
        phases=[p for p in PHASES if p in phases],
        status="ok" if failure is None else "failed",
        failure_reason=failure,
        manifest=manifest,
        per_seed=per_seed,
        aggregates=aggregates,
    )


def evaluate_submission(
    submission_dir: Path,
    env_id: str,
    *,
    phases: list[str],
    episodes: int,
    tasks: list[str] | None,
    out: Path | None,
    config: EvaluationConfig | None = None,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Validate a submission, run its phases in child processes, write the result file.

    Args:
      submission_dir: the submission folder (see :mod:`a2perf.submission.spec`).
      env_id: gymnasium id to train and evaluate on.
      phases: subset of ``train``, ``inference``, ``generalization`` (run in that order).
      episodes: evaluation episodes per seed (and per task for generalization).
      tasks: generalization task names or env ids (see :func:`a2perf.baselines.tasks.select_tasks`);
        None = the domain's task list.
      out: result file; default ``<submission>/a2perf-results/<env_id>.json``.
      config: limits and sizes (default :class:`EvaluationConfig`).
      on_progress: called with a short label before each child starts.

    Returns:
      The path of the written result (``status="failed"`` with the reason if the submission
      misbehaved).

    Raises:
      SchemaError: the submission is invalid (nothing is run or written).
      ConfigError: bad phases, episodes or env id.
    """
    from a2perf.baselines.tasks import select_tasks
    from a2perf.measure import env_domain, make_env

    config = config or EvaluationConfig()
    unknown = [p for p in phases if p not in PHASES]
    if unknown or not phases:
        raise ConfigError(
            f"unknown phases {unknown or phases}; choose from {', '.join(PHASES)}, e.g. train,inference"
        )
    if episodes < 1:
        raise ConfigError(f"episodes must be >= 1, got {episodes}")
    meta = require_valid(submission_dir)
    domain = env_domain(env_id)
    if domain not in meta.domains:
        raise ConfigError(
            f"{env_id} is in domain {domain!r} but submission.yaml lists domains {meta.domains}; add {domain!r}"
        )
    task_list = (
        select_tasks(env_id, evaluation_kwargs(env_id, {}), list(tasks) if tasks else None)
        if "generalization" in phases
        else []
    )
    data_cost = dataset_data_cost(meta.datasets) if meta.datasets else None
    make_env(env_id).close()  # an unknown id fails here, before anything runs
    for task in task_list:
        make_env(task.env_id, task.env_kwargs).close()
    result = run_evaluation(
        Path(submission_dir),
        env_id,
        meta,
        phases=list(phases),
        episodes=episodes,
        tasks=task_list,
        config=config,
        on_progress=on_progress,
        data_cost=data_cost,
    )
    path = Path(out) if out is not None else Path(submission_dir) / "a2perf-results" / f"{env_id}.json"
    return save_result(result, path)

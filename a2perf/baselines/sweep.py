"""`a2perf sweep`: envs x algos x seeds x phases as idempotent jobs that survive crashes.

A sweep file (YAML)::

    out: sweeps/cartpole          # sweep folder (relative to this file); --out overrides
    envs: [CartPole-v1]           # ids, or {id: ..., env_kwargs: {...}}
    algos: [ppo, dqn]
    seeds: 3                      # an int n means seeds 0..n-1, or a list (default 10)
    phases: [train, evaluate]     # train, evaluate, generalize, dataset
    timesteps: 20000              # optional: env steps per run (default: each algo's config)
    episodes: 10                  # evaluation episodes per seed (and per generalization task)
    overrides: {ppo: {n_envs: 4}} # hyper-parameters per algorithm
    measure_energy: true
    dataset: {levels: [expert], episodes: 50, binning: tercile, bc_level: expert}

Unit of work: one (env, algo, seed) *job*, which runs its phases in order. Each phase writes its
own file atomically and is skipped when that file exists, so a re-run after a crash (even
SIGKILL) redoes only missing or failed work:

- ``train``    -> ``runs/<env>/<algo>/seed_<s>/run.json`` (a run folder appears complete or not at all)
- ``evaluate`` -> ``results/<env>/<algo>/seed_<s>.json`` (inference; with ``generalize`` the
  domain's task list, otherwise only the training task)
- ``dataset``  -> per env, after every RL job of that env: Minari datasets under ``minari/``
  and ``datasets/<env>.json``; ``bc`` jobs of that env run after it, on ``bc_level``.

Every phase start is appended to ``jobs/<job>.attempts`` (so tests can check nothing finished
ran twice); failures go to ``jobs/<job>.failed.json`` and are retried on the next run. Finally
the per-seed results are combined into one result per (domain, task, algo) in ``aggregated/``
with bootstrap CIs and the reliability metrics over seeds
(:func:`a2perf.baselines.evaluation.combine_results`).

Backends: ``local`` (default) runs jobs in a process pool; ``ray`` runs the same job function
as Ray Tune trials on a local cluster (``num_cpus = workers``, no dashboard) or on the cluster
named by ``RAY_ADDRESS`` (then the sweep folder must be on storage every node sees, since jobs
write their files there directly). Only one sweep process may use a folder at a time (a lock
file). Energy: concurrent jobs on one machine share it, so per-job energy is CodeCarbon's
process-mode estimate (``energy_mode`` says so); use ``--workers 1`` for exclusive measurements.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from a2perf.baselines.config import ALGOS
from a2perf.errors import A2PerfError, ConfigError, DataNotFoundError
from a2perf.results.io import atomic_write_text

PHASES = ("train", "evaluate", "generalize", "dataset")
DEFAULT_SEEDS = 10
"""Seeds per (env, algo) when the sweep file does not say (A2Perf used 10)."""
SWEEP_KEYS = {
    "name",
    "out",
    "envs",
    "algos",
    "seeds",
    "phases",
    "timesteps",
    "episodes",
    "tasks",
    "overrides",
    "measure_energy",
    "dataset",
}
DATASET_KEYS = {"levels", "episodes", "eval_episodes", "checkpoints_per_level", "binning", "bc_level"}


@dataclass
class EnvSpec:
    """One env of a sweep."""

    id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        text = self.id if not self.env_kwargs else f"{self.id}_{json.dumps(self.env_kwargs, sort_keys=True)}"
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@dataclass
class SweepSpec:
    """A parsed sweep file."""

    out: Path
    envs: list[EnvSpec]
    algos: list[str]
    seeds: list[int]
    phases: list[str]
    timesteps: int | None = None
    episodes: int = 10
    tasks: list[str] | None = None
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    measure_energy: bool = True
    dataset: dict[str, Any] = field(default_factory=dict)
    name: str = "sweep"


@dataclass
class Job:
    """One (env, algo, seed) job; its phases run in order, each idempotent."""

    out: str
    env_id: str
    env_kwargs: dict[str, Any]
    env_slug: str
    algo: str
    seed: int
    phases: list[str]
    timesteps: int | None
    episodes: int
    tasks: list[str] | None
    overrides: dict[str, Any]
    measure_energy: bool

    @property
    def id(self) -> str:
        return f"{self.env_slug}__{self.algo}__seed_{self.seed}"

    @property
    def run_dir(self) -> Path:
        return Path(self.out) / "runs" / self.env_slug / self.algo / f"seed_{self.seed}"

    @property
    def result_file(self) -> Path:
        return Path(self.out) / "results" / self.env_slug / self.algo / f"seed_{self.seed}.json"

    @property
    def attempts_file(self) -> Path:
        return Path(self.out) / "jobs" / f"{self.id}.attempts"

    @property
    def failed_file(self) -> Path:
        return Path(self.out) / "jobs" / f"{self.id}.failed.json"

    def phase_done(self, phase: str) -> bool:
        if phase == "train":
            return (self.run_dir / "run.json").is_file()
        if phase == "evaluate":
            return self.result_file.is_file()
        return True

    def done(self) -> bool:
        return all(self.phase_done(p) for p in self.phases)


@dataclass
class JobOutcome:
    """What one job did: ``ran`` phases, ``status`` ok/failed/skipped, and the error line."""

    job_id: str
    status: str
    ran: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class SweepSummary:
    """Counts of a sweep run and where the aggregated results are."""

    done: int
    skipped: int
    failed: int
    aggregate_dir: Path
    outcomes: list[JobOutcome]
    aggregated: list[Path]


# ---------------------------------------------------------------------------------------------
# Parsing


def _read(path: Path) -> dict[str, Any]:
    from a2perf.baselines.config import _read_yaml

    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such sweep file")
    data = _read_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a sweep file holds a YAML mapping with envs, algos, seeds, phases")
    return data


def load_sweep(path: Path, out: Path | None = None) -> SweepSpec:
    """Parse and validate a sweep file (one-line errors; nothing is written)."""
    path = Path(path)
    data = _read(path)
    unknown = sorted(set(data) - SWEEP_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; valid keys: {', '.join(sorted(SWEEP_KEYS))}")
    for key in ("envs", "algos"):
        if key not in data:
            raise ConfigError(f"{path}: missing key {key!r}")
    envs = []
    for entry in data["envs"] or []:
        if isinstance(entry, str):
            envs.append(EnvSpec(entry))
        elif isinstance(entry, dict) and "id" in entry and set(entry) <= {"id", "env_kwargs"}:
            envs.append(EnvSpec(str(entry["id"]), dict(entry.get("env_kwargs") or {})))
        else:
            raise ConfigError(
                f"{path}: envs entries are ids or {{id: ..., env_kwargs: {{...}}}}, got {entry!r}"
            )
    algos = [str(a) for a in data["algos"] or []]
    bad = [a for a in algos if a not in ALGOS]
    if bad:
        raise ConfigError(f"{path}: unknown algorithm {bad[0]!r}; choose from {', '.join(ALGOS)}")
    seeds_raw = data.get("seeds", DEFAULT_SEEDS)
    seeds = list(range(seeds_raw)) if isinstance(seeds_raw, int) else [int(s) for s in seeds_raw or []]
    phases = [str(p) for p in data.get("phases") or ["train", "evaluate"]]
    bad = [p for p in phases if p not in PHASES]
    if bad:
        raise ConfigError(f"{path}: unknown phase {bad[0]!r}; choose from {', '.join(PHASES)}")
    if not envs or not algos or not seeds:
        raise ConfigError(f"{path}: envs, algos and seeds must each list at least one entry")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"{path}: seeds must be distinct, got {seeds}")
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict) or any(k not in algos for k in overrides):
        raise ConfigError(
            f"{path}: overrides maps algorithms of this sweep ({', '.join(algos)}) to hyper-parameters"
        )
    dataset = dict(data.get("dataset") or {})
    if set(dataset) - DATASET_KEYS:
        raise ConfigError(
            f"{path}: unknown dataset key {sorted(set(dataset) - DATASET_KEYS)[0]!r}; valid: {', '.join(sorted(DATASET_KEYS))}"
        )
    if "bc" in algos and "dataset" not in phases and not overrides.get("bc", {}).get("dataset"):
        raise ConfigError(f"{path}: bc needs the dataset phase or overrides: {{bc: {{dataset: ID}}}}")
    out_dir = Path(out) if out is not None else path.parent / str(data.get("out") or path.stem)
    episodes = int(data.get("episodes", 10))
    timesteps = data.get("timesteps")
    if episodes < 1 or (timesteps is not None and int(timesteps) < 1):
        raise ConfigError(f"{path}: episodes and timesteps must be >= 1")
    tasks = data.get("tasks")
    return SweepSpec(
        out=out_dir.resolve(),
        envs=envs,
        algos=algos,
        seeds=seeds,
        phases=phases,
        timesteps=int(timesteps) if timesteps is not None else None,
        episodes=episodes,
        tasks=[str(t) for t in tasks] if tasks else None,
        overrides={k: dict(v or {}) for k, v in overrides.items()},
        measure_energy=bool(data.get("measure_energy", True)),
        dataset=dataset,
        name=str(data.get("name") or path.stem),
    )


def jobs_of(spec: SweepSpec) -> list[Job]:
    """Every (env, algo, seed) job of the sweep, env-major."""
    job_phases = [p for p in spec.phases if p in ("train", "evaluate")]
    if "generalize" in spec.phases and "evaluate" not in job_phases:
        job_phases.append("evaluate")
    return [
        Job(
            out=str(spec.out),
            env_id=env.id,
            env_kwargs=env.env_kwargs,
            env_slug=env.slug,
            algo=algo,
            seed=seed,
            phases=job_phases,
            timesteps=spec.timesteps,
            episodes=spec.episodes,
            tasks=spec.tasks if "generalize" in spec.phases else [env.id],
            overrides=spec.overrides.get(algo, {}),
            measure_energy=spec.measure_energy,
        )
        for env in spec.envs
        for algo in spec.algos
        for seed in spec.seeds
    ]


def validate(spec: SweepSpec) -> None:
    """Check every (env, algo) pair and its hyper-parameters before any job runs."""
    from a2perf.baselines.train import TrainConfig, plan

    for env in spec.envs:
        for algo in spec.algos:
            plan(
                TrainConfig(
                    env_id=env.id,
                    algo=algo,
                    out=spec.out / ".validate",
                    env_kwargs=env.env_kwargs,
                    timesteps=spec.timesteps,
                    overrides=spec.overrides.get(algo, {}),
                )
            )


# ---------------------------------------------------------------------------------------------
# Running one job (in a worker process or a Ray trial)


def _log_attempt(job: Job, phase: str) -> None:
    job.attempts_file.parent.mkdir(parents=True, exist_ok=True)
    with open(job.attempts_file, "a", encoding="utf-8") as f:
        f.write(f"{phase} {os.getpid()} {time.time():.3f}\n")
        f.flush()
        os.fsync(f.fileno())


def run_job(job: Job | dict[str, Any]) -> JobOutcome:
    """Run the job's unfinished phases; never raises (failures are recorded and returned)."""
    from a2perf.baselines.evaluation import evaluate_run
    from a2perf.baselines.train import TrainConfig, train

    job = Job(**job) if isinstance(job, dict) else job
    t0 = time.perf_counter()
    ran: list[str] = []
    if job.done():
        return JobOutcome(job.id, "skipped")
    phase = "?"
    try:
        for phase in job.phases:
            if job.phase_done(phase):
                continue
            _log_attempt(job, phase)
            if phase == "train":
                for stale in job.run_dir.parent.glob(f".{job.run_dir.name}.tmp-*"):
                    shutil.rmtree(stale, ignore_errors=True)  # a killed earlier attempt
                train(
                    TrainConfig(
                        env_id=job.env_id,
                        algo=job.algo,
                        out=job.run_dir,
                        seed=job.seed,
                        timesteps=job.timesteps,
                        overrides=job.overrides,
                        env_kwargs=job.env_kwargs,
                        dataset=job.overrides.get("dataset"),
                        measure_energy=job.measure_energy,
                    )
                )
            elif phase == "evaluate":
                evaluate_run(job.run_dir, episodes=job.episodes, tasks=job.tasks, out=job.result_file)
            ran.append(phase)
    except Exception as e:  # recorded, retried on the next sweep run
        message = str(e) if isinstance(e, A2PerfError) else f"{type(e).__name__}: {e}"
        atomic_write_text(
            job.failed_file,
            json.dumps({"phase": phase, "error": message, "traceback": traceback.format_exc()}, indent=2)
            + "\n",
        )
        return JobOutcome(
            job.id, "failed", ran, message.splitlines()[0] if message else "", time.perf_counter() - t0
        )
    job.failed_file.unlink(missing_ok=True)
    return JobOutcome(job.id, "ok", ran, None, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# Backends


@contextmanager
def _sweep_lock(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"{out} is used by another running sweep; wait for it or pick another --out"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _status_table(jobs: list[Job], state: dict[str, str], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in ("job", "phases", "status"):
        table.add_column(column)
    colours = {"done": "green", "skipped": "green", "running": "yellow", "failed": "red", "pending": "dim"}
    for job in jobs:
        status = state.get(job.id, "pending")
        table.add_row(job.id, ",".join(job.phases), f"[{colours.get(status, 'white')}]{status}[/]")
    return table


def _worker_init() -> None:
    """One BLAS/OpenMP thread per worker (before numpy/torch load): N workers use N cores, not N x N."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _run_local(
    jobs: list[Job], workers: int, live: Any, state: dict[str, str], title: str, shown: list[Job]
) -> list[JobOutcome]:
    import multiprocessing

    outcomes: list[JobOutcome] = []
    if not jobs:
        return outcomes
    if workers == 1:  # in this process: no pool start-up cost
        for job in jobs:
            state[job.id] = "running"
            if live is not None:
                live.update(_status_table(shown, state, title))
            outcome = run_job(job)
            outcomes.append(outcome)
            state[job.id] = "done" if outcome.status == "ok" else outcome.status
        return outcomes
    context = multiprocessing.get_context("spawn")  # no forked torch/codecarbon threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init) as pool:
        pending = list(jobs)
        running: dict[Future, Job] = {}
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                try:
                    running[pool.submit(run_job, asdict(job))] = job
                except BrokenProcessPool:  # a worker died (OOM kill, ...): the rest fail, re-run to retry
                    outcomes += [
                        JobOutcome(j.id, "failed", error="worker pool broke; re-run the sweep to retry")
                        for j in [job, *pending]
                    ]
                    for j in [job, *pending]:
                        state[j.id] = "failed"
                    pending = []
                    break
                state[job.id] = "running"
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    outcome = future.result()
                except Exception as e:  # the worker process died
                    outcome = JobOutcome(job.id, "failed", error=f"worker died: {type(e).__name__}: {e}")
                outcomes.append(outcome)
                state[job.id] = "done" if outcome.status == "ok" else outcome.status
            if live is not None:
                live.update(_status_table(shown, state, title))
    return outcomes


def _ray_trainable(config: dict[str, Any]) -> None:
    from ray import tune

    outcome = run_job(config["job"])
    tune.report({"status": outcome.status, "error": outcome.error or "", "seconds": outcome.seconds})


def _run_ray(jobs: list[Job], workers: int, out: Path) -> list[JobOutcome]:
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # with verbose=0: no Tune tables over ours
    try:
        import ray
        from ray import tune
    except ImportError:
        from a2perf.errors import DependencyMissingError

        raise DependencyMissingError(
            "the ray backend needs Ray Tune; run: pip install 'a2perf[ray]'"
        ) from None
    if not jobs:
        return []
    started_here = False
    if not ray.is_initialized():
        if os.environ.get("RAY_ADDRESS"):
            ray.init(log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started_here = True
    try:
        trainable = tune.with_resources(_ray_trainable, {"cpu": 1})
        tuner = tune.Tuner(
            trainable,
            param_space={"job": tune.grid_search([asdict(j) for j in jobs])},
            tune_config=tune.TuneConfig(
                max_concurrent_trials=workers,
                trial_dirname_creator=lambda trial: (
                    re.sub(r"[^A-Za-z0-9_]+", "_", trial.config["job"]["env_slug"]) + f"_{trial.trial_id}"
                ),
            ),
            run_config=tune.RunConfig(storage_path=str(out / "ray"), name="tune", verbose=0),
        )
        grid = tuner.fit()
        by_id = {j.id: j for j in jobs}
        outcomes = []
        for result in grid:
            job = Job(**result.config["job"])
            if result.error is not None or not result.metrics:
                outcomes.append(JobOutcome(job.id, "failed", error=str(result.error).splitlines()[0]))
            else:
                m = result.metrics
                outcomes.append(
                    JobOutcome(job.id, m["status"], error=m.get("error") or None, seconds=m["seconds"])
                )
            by_id.pop(job.id, None)
        return outcomes
    finally:
        if started_here:
            ray.shutdown()


def _file_status(job: Job) -> str:
    if job.done():
        return "done"
    if job.failed_file.is_file():
        return "failed"
    return "running" if job.attempts_file.is_file() else "pending"


def _run_ray_watched(
    jobs: list[Job], workers: int, out: Path, live: Any, state: dict[str, str], shown: list[Job], title: str
) -> list[JobOutcome]:
    """`_run_ray` in a thread while the live table follows the jobs' files (Ray trials are elsewhere)."""
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcomes"] = _run_ray(jobs, workers, out)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    thread = threading.Thread(target=target, name="a2perf-ray-sweep", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(timeout=1.0)
        for job in jobs:
            state[job.id] = _file_status(job)
        if live is not None:
            live.update(_status_table(shown, state, title))
    if "error" in box:
        raise box["error"]
    for outcome in box["outcomes"]:
        state[outcome.job_id] = "done" if outcome.status == "ok" else outcome.status
    return box["outcomes"]


# ---------------------------------------------------------------------------------------------
# Dataset stage and aggregation


def _dataset_marker(spec: SweepSpec, env: EnvSpec) -> Path:
    return spec.out / "datasets" / f"{env.slug}.json"


def _run_dataset_stage(spec: SweepSpec, env: EnvSpec, jobs: list[Job]) -> dict[str, Any]:
    from a2perf.baselines.datasets import DatasetConfig, build_datasets

    marker = _dataset_marker(spec, env)
    if marker.is_file():
        return json.loads(marker.read_text(encoding="utf-8"))
    root = spec.out / "minari"
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    runs = [j.run_dir for j in jobs if j.env_slug == env.slug and j.algo != "bc" and j.phase_done("train")]
    levels = list(spec.dataset.get("levels") or ["novice", "intermediate", "expert"])
    import minari

    for lv in levels:  # an earlier run killed between datasets: rebuild the partial set
        from a2perf.baselines.datasets import dataset_id_for

        ds = dataset_id_for(env.id, env.env_kwargs, lv)
        if ds in minari.list_local_datasets():
            minari.delete_dataset(ds)
    built = build_datasets(
        DatasetConfig(
            runs=runs,
            env_id=env.id,
            env_kwargs=env.env_kwargs,
            levels=levels,
            episodes=int(spec.dataset.get("episodes", 100)),
            eval_episodes=int(spec.dataset.get("eval_episodes", 10)),
            checkpoints_per_level=int(spec.dataset.get("checkpoints_per_level", 5)),
            binning=str(spec.dataset.get("binning", "a2perf")),
            root=root,
            measure_energy=spec.measure_energy,
        )
    )
    record = {b.level: b.dataset_id for b in built}
    atomic_write_text(marker, json.dumps(record, indent=2) + "\n")
    return record


def aggregate(spec: SweepSpec, jobs: list[Job]) -> list[Path]:
    """Combine the seeds' results into ``aggregated/<domain>__<task>__<algo>.json``."""
    from a2perf.baselines.evaluation import combine_results
    from a2perf.results.io import load_result, save_result

    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:
        if job.result_file.is_file():
            groups.setdefault((job.env_slug, job.algo), []).append(job)
    written = []
    for (_, algo), members in sorted(groups.items()):
        combined = combine_results([load_result(j.result_file) for j in members], name=algo)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{combined.domain}__{combined.task}__{algo}")
        written.append(save_result(combined, spec.out / "aggregated" / f"{name}.json"))
    return written


def run_sweep(
    spec: SweepSpec, *, workers: int = 1, backend: str = "local", console: Any = None
) -> SweepSummary:
    """Run every unfinished job of the sweep, then aggregate; see the module docstring."""
    from rich.live import Live

    if backend not in ("local", "ray"):
        raise ConfigError(f"--backend must be 'local' or 'ray', got {backend!r}")
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    spec.out = Path(spec.out).resolve()  # jobs may run elsewhere (Ray trials change their cwd)
    validate(spec)
    jobs = jobs_of(spec)
    outcomes: list[JobOutcome] = []
    with _sweep_lock(spec.out):
        atomic_write_text(spec.out / "sweep.json", json.dumps(asdict(spec), indent=2, default=str) + "\n")
        state = {j.id: ("done" if j.done() else "pending") for j in jobs}
        stages = [[j for j in jobs if j.algo != "bc"], [j for j in jobs if j.algo == "bc"]]
        live = (
            Live(
                _status_table(jobs, state, spec.name), console=console, refresh_per_second=2, transient=False
            )
            if console
            else None
        )
        with live if live is not None else _null():
            for index, stage in enumerate(stages):
                if index == 1 and "dataset" in spec.phases:
                    for env in spec.envs:
                        record = _run_dataset_stage(spec, env, jobs)
                        level = spec.dataset.get("bc_level", "expert")
                        for job in stage:
                            if job.env_slug == env.slug and "dataset" not in job.overrides:
                                if level not in record:
                                    raise ConfigError(
                                        f"dataset level {level!r} was not built; add it to dataset.levels"
                                    )
                                dataset_dir = spec.out / "minari" / record[level]
                                job.overrides = {**job.overrides, "dataset": str(dataset_dir)}
                todo = [j for j in stage if not j.done()]
                outcomes += [JobOutcome(j.id, "skipped") for j in stage if j.done()]
                if backend == "local":
                    outcomes += _run_local(todo, workers, live, state, spec.name, jobs)
                else:
                    outcomes += _run_ray_watched(todo, workers, spec.out, live, state, jobs, spec.name)
                if live is not None:
                    live.update(_status_table(jobs, state, spec.name))
        if console is not None:
            console.print()
        aggregated = aggregate(spec, jobs)
    return SweepSummary(
        done=sum(o.status == "ok" for o in outcomes),
        skipped=sum(o.status == "skipped" for o in outcomes),
        failed=sum(o.status == "failed" for o in outcomes),
        aggregate_dir=spec.out / "aggregated",
        outcomes=outcomes,
        aggregated=aggregated,
    )


@contextmanager
def _null() -> Iterator[None]:
    yield

"""`a2perf evaluate --run DIR`: measure a trained run and write its result file.

For the run's final policy (``model.zip``), in the env of the domain's evaluation protocol
(:func:`run_evaluation_kwargs`; the quadruped in test mode whatever regime it trained in):
``episodes`` fixed-policy rollouts inside the system
monitor (returns, rollout reliability, RAM, phase ``"inference"``), latency percentiles on the
rollout observations (:func:`a2perf.measure.measure_seed`), and ``episodes`` rollouts on every
generalization task of the domain. The training run's system usage (phase ``"train"``), learning
curve and env steps go into the same :class:`~a2perf.results.schema.SeedResult`; BC runs also
carry their dataset's data cost. :func:`combine_results` merges several seeds' results into one
with bootstrap CIs and the training reliability metrics over seeds.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from a2perf.baselines import rundir
from a2perf.baselines.tasks import Task, select_tasks
from a2perf.errors import ConfigError, DataNotFoundError
from a2perf.results.schema import (
    DataCost,
    Generalization,
    RunResult,
    SeedResult,
    TaskScore,
    TrainingReliability,
)

LATENCY_CALLS = 1000


def _generalization_returns(
    info: rundir.RunInfo, policy_path: Path, tasks: list[Task], episodes: int, inference: SeedResult
) -> list[TaskScore]:
    from a2perf.measure import load_policy, make_env, roll_out

    scores = []
    run_task = (info.env_id, run_evaluation_kwargs(info))
    for task in tasks:
        if (task.env_id, task.env_kwargs) == run_task:
            returns = inference.episode_returns  # the inference rollouts are this task's rollouts
        else:
            env = make_env(task.env_id, task.env_kwargs)
            try:
                policy = load_policy(str(policy_path), env, info.seed, info.sb3_class)
                if not _same_spaces(env, policy.model):
                    raise ConfigError(
                        f"task {task.name} ({task.env_id}) has other observation/action spaces than "
                        f"{info.env_id}; the policy cannot act there, drop it from --tasks"
                    )
                returns = roll_out(env, policy, episodes=episodes, seed=info.seed).returns
            finally:
                env.close()
        scores.append(
            TaskScore(
                task=task.name,
                env_id=task.env_id,
                env_kwargs=task.env_kwargs,
                per_seed_mean_returns=[float(np.mean(returns))],
            )
        )
    return scores


def _same_spaces(env, model) -> bool:
    return env.observation_space == model.observation_space and env.action_space == model.action_space


def run_evaluation_kwargs(info: rundir.RunInfo) -> dict:
    """The env kwargs a run's policy is evaluated with: its training kwargs minus the training regime,
    plus the domain's evaluation protocol (quadruped: test mode; see :mod:`a2perf.envs.protocol`)."""
    from a2perf.envs.protocol import evaluation_kwargs

    return evaluation_kwargs(info.env_id, info.env_kwargs, from_training=True)


def compatible_tasks(info: rundir.RunInfo, tasks: list[Task]) -> tuple[list[Task], list[Task]]:
    """Split tasks into those whose spaces match the run's env and those a policy cannot act in."""
    from a2perf.measure import make_env

    reference = make_env(info.env_id, run_evaluation_kwargs(info))
    try:
        spaces = (reference.observation_space, reference.action_space)
    finally:
        reference.close()
    keep, drop = [], []
    for task in tasks:
        env = make_env(task.env_id, task.env_kwargs)
        try:
            (keep if (env.observation_space, env.action_space) == spaces else drop).append(task)
        finally:
            env.close()
    return keep, drop


def generalization_of(tasks: Sequence[TaskScore]) -> Generalization:
    """A2Perf's aggregate (sum over tasks of the mean over seeds of per-seed means) plus the task vector."""
    from a2perf.metrics.generalization import a2perf_generalization

    per_task = {t.task: [[m] for m in t.per_seed_mean_returns] for t in tasks}
    return Generalization(tasks=list(tasks), aggregate=a2perf_generalization(per_task))


def data_cost_of(info: rundir.RunInfo) -> DataCost | None:
    """The data cost recorded in a BC run's dataset metadata, if any."""
    if info.algo != "bc" or not info.dataset_path:
        return None
    from a2perf.baselines.datasets import DATA_COST_FILE, read_data_cost

    if not (Path(info.dataset_path) / DATA_COST_FILE).is_file():
        return None  # a dataset not built by a2perf: its data cost is unknown
    return read_data_cost(Path(info.dataset_path))


def evaluate_run(run_dir: Path, *, episodes: int, tasks: list[str] | None, out: Path | None) -> Path:
    """Evaluate a training run and write its :class:`RunResult`; returns the file written.

    Args:
      run_dir: folder written by `a2perf train`.
      episodes: rollouts of the final policy, and per generalization task.
      tasks: generalization task names or env ids (default: the domain's list).
      out: result file (default: ``run_dir/result.json``).
    """
    from a2perf.measure import MeasureConfig, measure_seed
    from a2perf.results.io import save_result
    from a2perf.results.manifest import build_manifest
    from a2perf.results.summarize import summarize

    if episodes < 1:
        raise ConfigError(f"--episodes must be >= 1, got {episodes}")
    run_dir = Path(run_dir)
    info = rundir.load_run(run_dir)
    model = run_dir / rundir.MODEL_FILE
    if not model.is_file():
        raise DataNotFoundError(f"{run_dir}: run has no {rundir.MODEL_FILE}; re-run `a2perf train`")
    eval_kwargs = run_evaluation_kwargs(info)
    task_list = select_tasks(info.env_id, eval_kwargs, tasks)
    if tasks is None:  # the domain's default list: keep the tasks this policy can act in, say which were left
        task_list, dropped = compatible_tasks(info, task_list)
        if not any(t.env_id == info.env_id and t.env_kwargs == eval_kwargs for t in task_list):
            task_list.insert(0, Task(info.task, info.env_id, dict(eval_kwargs)))  # the training task
        if dropped:
            warnings.warn(
                f"generalization skips {len(dropped)} task(s) with other observation/action spaces than "
                f"{info.env_id}: {', '.join(t.name for t in dropped)}",
                stacklevel=2,
            )
    started = datetime.now(UTC)
    config = MeasureConfig(
        env_id=info.env_id,
        env_kwargs=eval_kwargs,
        seeds=[info.seed],
        episodes=episodes,
        policy=str(model),
        algo=info.sb3_class,
        name=info.algo,
        latency_calls=LATENCY_CALLS,
    )
    inference, latencies = measure_seed(config, info.seed)
    scores = _generalization_returns(info, model, task_list, episodes, inference)
    seed_result = inference.model_copy(
        update={
            "system": {"train": info.system, **inference.system},
            "learning_curve": info.learning_curve,
            "env_steps_trained": info.timesteps,
        }
    )
    aggregates = summarize([seed_result], latencies).model_copy(
        update={"generalization": generalization_of(scores), "data_cost": data_cost_of(info)}
    )
    manifest = build_manifest(
        env_id=info.env_id,
        env_kwargs=eval_kwargs,
        seeds=[info.seed],
        started_at=started,
        finished_at=datetime.now(UTC),
        energy_mode=seed_result.system["inference"].energy_mode,
        country_iso_code=config.country_iso_code,
    )
    result = RunResult(
        name=info.algo,
        algorithm=algorithm_of(info),
        domain=info.domain,
        env_id=info.env_id,
        task=info.task,
        phases=["train", "inference", "generalization"],
        manifest=manifest,
        per_seed=[seed_result],
        aggregates=aggregates,
    )
    return save_result(result, Path(out) if out is not None else run_dir / rundir.RESULT_FILE)


def algorithm_of(info: rundir.RunInfo) -> str:
    """The ``algorithm`` of a run's result: the class it trained with (``dqn`` on a masked env trains
    ``maskable_dqn``); BC runs stay ``bc`` (their model is a PPO actor)."""
    return info.algo if info.algo == "bc" else info.sb3_class


def training_reliability(per_seed: Sequence[SeedResult]) -> TrainingReliability | None:
    """The five training-curve reliability metrics over the seeds' learning curves (A2Perf semantics).

    Across-run metrics need >= 2 curves (dispersion across runs: >= 3 runs at a step); within-run
    metrics need curves with enough points; metrics that cannot be computed stay ``None``.
    """
    from a2perf.metrics import reliability

    curves = [
        (np.asarray(s.learning_curve.steps), np.asarray(s.learning_curve.returns))
        for s in per_seed
        if s.learning_curve is not None and s.learning_curve.steps
    ]
    if not curves:
        return None

    def attempt(fn, *args):
        try:
            value = fn(*args)
        except (ConfigError, ValueError):
            return None
        value = value.mean if isinstance(value, tuple) else value
        return None if value is None or not np.isfinite(value) else float(value)

    enough = len(curves) >= reliability.MIN_RUNS
    return TrainingReliability(
        dispersion_across_runs=attempt(reliability.dispersion_across_runs, curves) if enough else None,
        dispersion_within_runs=attempt(reliability.dispersion_within_runs, curves),
        short_term_risk=attempt(reliability.short_term_risk, curves),
        long_term_risk=attempt(reliability.long_term_risk, curves),
        risk_across_runs=attempt(reliability.risk_across_runs, curves) if len(curves) >= 2 else None,
    )


def combine_results(results: Sequence[RunResult], name: str | None = None) -> RunResult:
    """Merge per-seed results of one (domain, task, algorithm) into one result with aggregates over seeds.

    Returns, rollout reliability and latency are recomputed over the pooled seeds (bootstrap CIs
    from :mod:`a2perf.results.summarize`), generalization per task over seeds, training
    reliability over the learning curves, data cost summed over distinct sources.
    """
    from a2perf.results.summarize import summarize

    if not results:
        raise ConfigError("nothing to combine: no results given")
    keys = {(r.domain, r.task, r.algorithm, r.env_id) for r in results}
    if len(keys) > 1:
        raise ConfigError(
            f"results to combine must share domain, task, algorithm and env; got {sorted(keys)}"
        )
    per_seed = sorted((s for r in results for s in r.per_seed), key=lambda s: s.seed)
    seeds = [s.seed for s in per_seed]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seed results overlap: {seeds}; combine results of distinct seeds")
    aggregates = summarize(per_seed).model_copy(
        update={
            "training_reliability": training_reliability(per_seed),
            "generalization": _combine_generalization(results),
            "data_cost": _combine_data_cost(results),
        }
    )
    first = results[0]
    manifest = first.manifest.model_copy(
        update={
            "seeds": seeds,
            "started_at": min(r.manifest.started_at for r in results),
            "finished_at": max(r.manifest.finished_at for r in results),
        }
    )
    phases = sorted(
        {p for r in results for p in r.phases}, key=["train", "inference", "generalization"].index
    )
    return RunResult(
        name=name or first.name,
        algorithm=first.algorithm,
        domain=first.domain,
        env_id=first.env_id,
        task=first.task,
        phases=phases,
        manifest=manifest,
        per_seed=per_seed,
        aggregates=aggregates,
    )


def _combine_generalization(results: Sequence[RunResult]) -> Generalization | None:
    gens = [r.aggregates.generalization for r in results if r.aggregates.generalization is not None]
    if not gens:
        return None
    merged: dict[str, TaskScore] = {}
    for gen in gens:
        for t in gen.tasks:
            if t.task in merged:
                prev = merged[t.task]
                merged[t.task] = prev.model_copy(
                    update={"per_seed_mean_returns": prev.per_seed_mean_returns + t.per_seed_mean_returns}
                )
            else:
                merged[t.task] = t
    return generalization_of(list(merged.values()))


def _combine_data_cost(results: Sequence[RunResult]) -> DataCost | None:
    costs = [r.aggregates.data_cost for r in results if r.aggregates.data_cost is not None]
    if not costs:
        return None
    # Seeds trained on the same dataset share its cost once; distinct datasets add up.
    distinct = {tuple(c.sources): c for c in costs}
    values = list(distinct.values())
    a2 = [c.a2perf_energy_kwh for c in values]
    return DataCost(
        energy_kwh=sum(c.energy_kwh for c in values),
        a2perf_energy_kwh=None if any(v is None for v in a2) else float(np.mean(a2)),
        env_steps=sum(c.env_steps for c in values),
        episodes=sum(c.episodes for c in values),
        sources=sorted({s for c in values for s in c.sources}),
        energy_mode=" | ".join(sorted({c.energy_mode for c in values})),
    )

"""Baselines benchmark: metrics-layer overhead on training throughput, and sweep scaling with workers.

Figures (JSON):
- ``train_overhead.<env>``: env steps/s of `a2perf train` with the metrics layer (SystemMonitor with
  CodeCarbon energy, energy read at every checkpoint) and without it, in interleaved A-B-B-A pairs;
  ``overhead_wall`` = 1 - median over pairs of (with / without) steps per wall second, and
  ``overhead_cpu`` the same on steps per CPU second of the process (robust to other load on a
  shared machine), ``overhead_main_thread_cpu`` on steps per CPU second of the training thread
  alone (does the monitor slow the training loop itself?), and ``monitor_threads_cpu_s`` the CPU
  seconds the other threads (the monitor's sampler and CodeCarbon's) used per run, with
  ``monitor_threads_cpu_share`` their share of the run's CPU (the low-noise direct cost: identical
  runs vary by +-5% in CPU time on a shared VM, so even 5 pairs can show a few % either way). Target <= 0.02.
- ``monitor_cost``: CPU fraction of one core the monitor itself uses around an idle block
  (the overhead ceiling for a single-threaded training loop). Target <= 0.02.
- ``sweep_scaling``: env steps/s of a 4-job local sweep with 2 workers vs 1 worker. Target >= 1.7x.
  Each job's CPU share and the load average are reported: on a 2-core machine that other
  processes also use, two workers cannot get two cores and the ratio says more about the load.
- ``web_bc``: behaviour cloning on a web-oracle dataset (level 1) vs the oracle's return.
- ``learning``: final eval return of short PPO/MaskablePPO runs vs the untrained model (same
  config, deterministic) and the random policy on the domain envs that are installed (several seeds; the full-budget numbers belong in the closing note).

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks every budget (for a smoke run).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

QUICK = os.environ.get("A2PERF_BENCH_QUICK") == "1"

OVERHEAD_ENVS = {
    # env id: (algo, steps, overrides)
    "CartPole-v1": ("ppo", 4000 if QUICK else 20000, {}),
    "CircuitTraining-ToyMacro-v0": ("maskable_ppo", 1000 if QUICK else 4000, {}),
    "QuadrupedLocomotion-Pace-v0": ("ppo", 1000 if QUICK else 4096, {"n_envs": 1, "n_steps": 1024}),
}


def _available(env_id: str) -> bool:
    import gymnasium as gym

    import a2perf  # noqa: F401

    return env_id in gym.registry


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _train_steps_per_s(
    env_id: str, algo: str, steps: int, overrides: dict, monitor: bool, root: Path
) -> tuple[float, float, float, float]:
    """Env steps per wall second, per CPU second of this process and per CPU second of the calling
    thread, and the CPU seconds of the other threads, of one training run."""
    from a2perf.baselines.train import TrainConfig, train

    out = root / f"run-{time.perf_counter_ns()}"
    config = TrainConfig(
        env_id=env_id,
        algo=algo,
        out=out,
        timesteps=steps,
        overrides={
            "eval_freq": steps,
            "n_eval_episodes": 1,
            "checkpoint_freq": max(steps // 4, 1),
            **overrides,
        },
        monitor=monitor,
        measure_energy=monitor,
    )
    t0, c0, m0 = time.perf_counter(), _cpu_s(), time.thread_time()
    train(config)
    wall, cpu, main = time.perf_counter() - t0, _cpu_s() - c0, time.thread_time() - m0
    shutil.rmtree(out, ignore_errors=True)
    return steps / wall, steps / cpu, steps / main, cpu - main


def train_overhead(root: Path, pairs: int) -> dict:
    """Interleaved with/without pairs per env; overhead from the median per-pair ratio."""
    figures = {}
    for env_id, (algo, steps, overrides) in OVERHEAD_ENVS.items():
        if not _available(env_id):
            figures[env_id] = {"skipped": "env not registered"}
            continue
        _train_steps_per_s(
            env_id, algo, min(steps, 512), overrides, True, root
        )  # warm-up: imports, codecarbon
        ratios, cpu_ratios, main_ratios, with_m, without_m = [], [], [], [], []
        other_cpu: dict[bool, list[float]] = {True: [], False: []}
        thread_share: list[float] = []
        for i in range(pairs):
            order = (True, False) if i % 2 == 0 else (False, True)
            speed = {m: _train_steps_per_s(env_id, algo, steps, overrides, m, root) for m in order}
            with_m.append(speed[True][0])
            without_m.append(speed[False][0])
            ratios.append(speed[True][0] / speed[False][0])
            cpu_ratios.append(speed[True][1] / speed[False][1])
            main_ratios.append(speed[True][2] / speed[False][2])
            for m in (True, False):
                other_cpu[m].append(speed[m][3])
            thread_share.append(speed[True][3] * speed[True][1] / steps)  # other threads / process CPU
        figures[env_id] = {
            "algo": algo,
            "steps": steps,
            "steps_per_s_with_metrics": statistics.median(with_m),
            "steps_per_s_without_metrics": statistics.median(without_m),
            "overhead_wall": 1.0 - statistics.median(ratios),
            "overhead_cpu": 1.0 - statistics.median(cpu_ratios),
            "overhead_main_thread_cpu": 1.0 - statistics.median(main_ratios),
            "monitor_threads_cpu_s": statistics.median(other_cpu[True]),
            "monitor_threads_cpu_share": statistics.median(thread_share),
            "other_threads_cpu_s_without_metrics": statistics.median(other_cpu[False]),
            "pair_ratios_wall": ratios,
            "pair_ratios_cpu": cpu_ratios,
            "pair_ratios_main_thread_cpu": main_ratios,
            "target": 0.02,
        }
    return figures


def monitor_cost(seconds: float = 8.0) -> dict:
    """CPU the metrics layer itself uses per second of a run (SystemMonitor with energy, idle block).

    Low-noise complement to the paired throughput runs: training loses at most this fraction of
    one core to the monitor's sampling thread and CodeCarbon's measurement thread.
    """
    from a2perf.metrics.monitor import SystemMonitor

    SystemMonitor(interval_s=0.5).start().stop()  # warm-up: hardware detection
    fractions = []
    for _ in range(2):
        c0, t0 = _cpu_s(), time.perf_counter()
        with SystemMonitor(interval_s=0.5):
            time.sleep(seconds)
        fractions.append((_cpu_s() - c0) / (time.perf_counter() - t0))
    return {"cpu_fraction_of_one_core": statistics.median(fractions), "runs": fractions, "target": 0.02}


def sweep_scaling(root: Path) -> dict:
    """The same 4-job sweep with 1 and with 2 workers; throughput = env steps / wall time."""
    from a2perf.baselines.rundir import load_run
    from a2perf.baselines.sweep import jobs_of, load_sweep, run_sweep

    steps = 3000 if QUICK else 60000  # ~15 s per job: worker start-up (imports) is paid once per worker
    spec_data = {
        "envs": ["CartPole-v1"],
        "algos": ["ppo"],
        "seeds": 4,
        "phases": ["train"],
        "timesteps": steps,
        "measure_energy": False,
        "overrides": {"ppo": {"eval_freq": steps, "n_eval_episodes": 1, "checkpoint_freq": steps}},
    }
    path = root / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec_data))
    figures = {}
    for workers in (1, 2):
        spec = load_sweep(path, out=root / f"sweep-{workers}")
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        summary = run_sweep(spec, workers=workers)
        wall = time.perf_counter() - t0
        assert summary.done == 4, summary
        infos = [load_run(job.run_dir) for job in jobs_of(spec)]
        figures[f"workers_{workers}"] = {
            "wall_s": wall,
            "steps_per_s": 4 * steps / wall,
            # CPU each training job got (100 = one full core): below 100 means other load on the machine
            "job_cpu_percent": [round(i.system.cpu_percent_mean, 1) for i in infos],
            "job_wall_s": [round(i.system.wall_time_s, 2) for i in infos],
            "loadavg_1min_before": load_before,
            "loadavg_1min_after": os.getloadavg()[0],
        }
    figures["speedup"] = figures["workers_2"]["steps_per_s"] / figures["workers_1"]["steps_per_s"]
    figures["target"] = 1.7
    return figures


def _initial_policy_returns(env_id: str, algo: str, seed: int, root: Path) -> float:
    """Mean deterministic return of the untrained model (same config): the "learned anything?" baseline.

    On the quadruped the untrained Gaussian policy's mean action is ~0 (track the reference pose),
    which already scores far above uniform random actions, so random alone is a weak baseline.
    """
    from a2perf.baselines import config as cfg
    from a2perf.baselines.train import TrainConfig, plan
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import SB3Policy, sb3_algorithm_class

    p = plan(TrainConfig(env_id=env_id, algo=algo, out=root / "unused", seed=seed))
    env = make_env(env_id)
    try:
        model = sb3_algorithm_class(algo)(
            p.run_keys["policy"], env, seed=seed, device="cpu", **cfg.materialize(p.algo_kwargs, "bench")
        )
        return float(np.mean(roll_out(env, SB3Policy(model), episodes=10, seed=seed).returns))
    finally:
        env.close()


def learning(root: Path) -> dict:
    """Short runs on the domain envs vs the random policy (mean eval return over seeds)."""
    from a2perf.baselines.evaluation import evaluate_run
    from a2perf.baselines.train import TrainConfig, train
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import RandomPolicy
    from a2perf.results import load_result

    budgets = {
        "CartPole-v1": ("ppo", 20000),
        "CircuitTraining-ToyMacro-v0": ("maskable_ppo", 8000),
        "QuadrupedLocomotion-Pace-v0": ("ppo", 16384),
    }
    seeds = [0, 1] if QUICK else [0, 1, 2]
    figures = {}
    for env_id, (algo, steps) in budgets.items():
        if not _available(env_id):
            continue
        steps = steps // 10 if QUICK else steps
        trained = []
        t0 = time.perf_counter()
        for seed in seeds:
            run = train(
                TrainConfig(
                    env_id=env_id, algo=algo, out=root / f"learn-{env_id}-{seed}", seed=seed, timesteps=steps
                )
            )
            trained.append(
                load_result(evaluate_run(run, episodes=10, tasks=[env_id], out=None)).aggregates.returns.mean
            )
        env = make_env(env_id)
        random = [
            float(np.mean(roll_out(env, RandomPolicy(env.action_space, seed=s), episodes=10, seed=s).returns))
            for s in seeds
        ]
        env.close()
        figures[env_id] = {
            "algo": algo,
            "steps": steps,
            "trained_mean_returns": trained,
            "untrained_mean_returns": [_initial_policy_returns(env_id, algo, s, root) for s in seeds],
            "random_mean_returns": random,
            "wall_s": time.perf_counter() - t0,
        }
    return figures


def web_bc(root: Path) -> dict:
    """Web level 1: oracle dataset -> behaviour cloning -> return relative to the oracle."""
    from a2perf.baselines.datasets import DatasetConfig, build_datasets
    from a2perf.baselines.evaluation import evaluate_run
    from a2perf.baselines.train import TrainConfig, train
    from a2perf.results import load_result

    env_id = "WebNavigation-DifficultyLevel-01-v0"
    if not _available(env_id):
        return {"skipped": "env not registered"}
    os.environ["MINARI_DATASETS_PATH"] = str(root / "minari")
    t0 = time.perf_counter()
    (oracle,) = build_datasets(DatasetConfig(runs=[], env_id=env_id, levels=[], episodes=20, oracle=True))
    oracle_return = None
    run = train(
        TrainConfig(
            env_id=env_id,
            algo="bc",
            out=root / "web-bc",
            dataset=oracle.dataset_id,
            overrides={"gradient_steps": 100 if QUICK else 300},
        )
    )
    bc = load_result(evaluate_run(run, episodes=10, tasks=[env_id], out=None))
    from a2perf.baselines.datasets import OraclePolicy
    from a2perf.measure import make_env, roll_out

    env = make_env(env_id)
    oracle_return = float(np.mean(roll_out(env, OraclePolicy(env), episodes=10, seed=0).returns))
    env.close()
    return {
        "dataset": oracle.dataset_id,
        "dataset_episodes": oracle.episodes,
        "data_cost_kwh": oracle.data_cost.energy_kwh,
        "bc_mean_return": bc.aggregates.returns.mean,
        "oracle_mean_return": oracle_return,
        "bc_over_oracle": bc.aggregates.returns.mean / oracle_return,
        "wall_s": time.perf_counter() - t0,
    }


def main() -> dict:
    root = Path(tempfile.mkdtemp(prefix="a2perf-bench-baselines-"))
    sections = {
        "monitor_cost": lambda: monitor_cost(2.0 if QUICK else 8.0),
        "train_overhead": lambda: train_overhead(root, pairs=2 if QUICK else 5),
        "sweep_scaling": lambda: sweep_scaling(root),
        "learning": lambda: learning(root),
        "web_bc": lambda: web_bc(root),
    }
    figures: dict = {}
    try:
        for name, run in sections.items():
            t0 = time.perf_counter()
            try:
                figures[name] = run()
            except Exception as e:  # one broken section must not hide the others' figures
                figures[name] = {"error": f"{type(e).__name__}: {e}"}
            print(
                f"bench_baselines: {name} done in {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main()))

"""Quadruped benchmark: env step cost against bare physics, vector-env scaling, memory per process.

Figures (JSON):
- ``single``: one ``QuadrupedLocomotion-Trot-v0`` env (test mode) through ``gymnasium.make``, replaying
  a reference-tracking policy's actions, with the default 1 kHz loop (``pd_loop``: "compiled" when the
  extension is built). ``env_steps_per_s`` (wall) and ``env_cpu_ms_per_step``.
  The baseline, measured in the same pass: ``physics_cpu_ms_per_step``, the bare physics of the same
  motion: after every timed env step, from the state before it, 33 ``stepSimulation`` calls under the
  torques the env applied in that step (replayed by the compiled plugin, whose own callback time is
  subtracted). Step-by-step interleaving in alternating order keeps the machine's speed drift and
  cache-order effects out of the ratio.
  ``overhead`` = env CPU / physics CPU - 1: everything outside physics (target <= 0.10; the original
  spends ~0.7, 40% of its step, outside physics at ~140 steps/s).
  ``compiled_loop_ms_per_step`` is the share of the compiled PD loop (its callbacks, timed inside C).
  Cross-checks: ``python_loop`` is the same replay with the pure-Python loop (the fallback; identical
  trajectories); ``overhead_vs_unactuated_bare`` compares with 33 bare calls on the same states with
  no torques (the robot goes limp: other contacts, so a rougher baseline).
- ``vector``: ``AsyncVectorEnv`` with 1 and 2 worker processes, total env steps per wall second;
  target ``speedup`` >= 1.8 on 2 free cores; ``speedup_vs_plain_env`` divides by the plain
  in-process env of ``single`` instead (no IPC in the baseline). ``speedup_if_cores_free`` = 2 x (steps per worker-CPU
  second with 2 workers / with 1): what the speedup is when the machine is not shared (1.0 per worker
  means the workers do not slow each other down).
- ``memory``: resident set size of each worker process after its episodes; target <= 150 MB.

Timing on a shared machine is noisy: every figure is the median of several repeats, and the CPU-time
figures (``*_cpu``) are robust to other load.

Environment variables: ``A2PERF_BENCH_QUICK=1`` shrinks every budget (for a smoke run).
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

QUICK = os.environ.get("A2PERF_BENCH_QUICK") == "1"
ENV_ID = "QuadrupedLocomotion-Trot-v0"
STEPS = 100 if QUICK else 600
REPEATS = 2 if QUICK else 5
VEC_STEPS = 60 if QUICK else 400
M0 = np.array([0.0, 0.67, -1.25] * 4)
DIRECTION = np.array([-1, 1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1], dtype=float)
OFFSET = np.array([0.0, -0.6, 0.66] * 4)


def tracking_action(obs: np.ndarray) -> np.ndarray:
    """Residual that commands the 1-step-ahead reference joints (obs[91:103], URDF angles); works batched."""
    return (DIRECTION * (obs[..., 91:103] - OFFSET) - M0).astype(np.float32)


def _run(env, actions: list[np.ndarray], seed: int) -> tuple[float, float]:
    """(wall s, CPU s) per env.step over a fixed action sequence (resets excluded)."""
    env.reset(seed=seed)
    wall = cpu = 0.0
    for i, a in enumerate(actions):
        t0, c0 = time.perf_counter(), time.thread_time()
        _, _, terminated, truncated, _ = env.step(a)
        cpu += time.thread_time() - c0
        wall += time.perf_counter() - t0
        if terminated or truncated:
            env.reset(seed=seed + i + 1)
    return wall / len(actions), cpu / len(actions)


def _make(pd_loop: str | None = None):
    import gymnasium as gym

    import a2perf  # noqa: F401
    from a2perf.envs.quadruped.sim import PD_LOOP_ENV

    old = os.environ.get(PD_LOOP_ENV)
    if pd_loop is not None:
        os.environ[PD_LOOP_ENV] = pd_loop
    try:
        return gym.make(ENV_ID, mode="test")
    finally:
        if pd_loop is not None:
            if old is None:
                os.environ.pop(PD_LOOP_ENV)
            else:
                os.environ[PD_LOOP_ENV] = old


def _record(env, sim, seed: int) -> tuple[list[np.ndarray], list[tuple[int, np.ndarray]]]:
    """Tracking-policy actions of one run, and every step's saved start state with the torques it got."""
    import pybullet

    obs, _ = env.reset(seed=seed)
    actions, records = [], []
    for i in range(STEPS):
        actions.append(tracking_action(obs))
        state = pybullet.saveState(physicsClientId=sim.client)
        obs, _, terminated, truncated, _ = env.step(actions[-1])
        records.append((state, sim.torques.copy()))
        if terminated or truncated:
            obs, _ = env.reset(seed=seed + i + 1)
    return actions, records


def _interleaved(env, sim, actions: list[np.ndarray], records, seed: int) -> dict[str, float]:
    """CPU s per env step of the env and of bare physics, measured step by step in one pass.

    For every step, the env step (timed) and a replay of its torques from the state before it
    (timed, the replay callbacks subtracted) both run; the env then continues from its own post-step
    state. Interleaving step by step keeps the machine's speed drift out of the ratio, and the order
    alternates (env first on even steps, bare physics first on odd ones) because whichever runs second
    finds the same physics data already in the CPU caches.
    """
    import pybullet

    cid = sim.client
    env.reset(seed=seed)
    out = {"env": 0.0, "physics": 0.0, "replay_callbacks": 0.0, "unactuated": 0.0}

    def bare(torques: np.ndarray) -> None:
        sim.time_loop(True)
        l0, c0 = sim.loop_time, time.thread_time()
        sim.step_torques(torques)
        spent = time.thread_time() - c0
        callbacks = sim.loop_time - l0
        sim.time_loop(False)
        out["physics"] += spent - callbacks
        out["replay_callbacks"] += callbacks

    for i, (a, (before, torques)) in enumerate(zip(actions, records, strict=True)):
        if i % 2:
            bare(torques)
            pybullet.restoreState(before, physicsClientId=cid)
        c0 = time.thread_time()
        _, _, terminated, truncated, _ = env.step(a)
        out["env"] += time.thread_time() - c0
        after = pybullet.saveState(physicsClientId=cid)
        if not i % 2:
            pybullet.restoreState(before, physicsClientId=cid)
            bare(torques)
        pybullet.restoreState(before, physicsClientId=cid)
        c0 = time.thread_time()
        for _ in range(33):
            pybullet.stepSimulation(physicsClientId=cid)
        out["unactuated"] += time.thread_time() - c0
        pybullet.restoreState(after, physicsClientId=cid)
        pybullet.removeState(after, physicsClientId=cid)
        if terminated or truncated:
            env.reset(seed=seed + i + 1)
    for state, _ in records:
        pybullet.removeState(state, physicsClientId=cid)
    return {k: v / len(actions) for k, v in out.items()}


def _single() -> dict:
    env = _make()
    sim = env.unwrapped._core.sim
    py_env = _make("python")
    walls, cpus, py_cpus, loops, physics, replay_cb, unactuated, overhead = [], [], [], [], [], [], [], []
    for rep in range(REPEATS):
        actions, records = _record(env, sim, rep)
        wall, _ = _run(env, actions, rep)
        _, py_cpu = _run(py_env, actions, rep)
        # the compiled loop's share: the same replay with its callbacks timed (a separate run)
        sim.time_loop(True)
        l0 = sim.loop_time
        _run(env, actions, rep)
        loops.append((sim.loop_time - l0) / len(actions))
        sim.time_loop(False)
        m = _interleaved(env, sim, actions, records, rep)
        walls.append(wall)
        cpus.append(m["env"])
        py_cpus.append(py_cpu)
        physics.append(m["physics"])
        replay_cb.append(m["replay_callbacks"])
        unactuated.append(m["unactuated"])
        overhead.append(m["env"] / m["physics"] - 1.0)
    pd_loop = sim.pd_loop
    env.close()
    py_env.close()
    med = statistics.median
    py_overhead = [c / p - 1.0 for c, p in zip(py_cpus, physics, strict=True)]
    return {
        "env_id": ENV_ID,
        "pd_loop": pd_loop,
        "steps_per_repeat": STEPS,
        "repeats": REPEATS,
        "env_steps_per_s": round(1.0 / med(walls), 1),
        "env_cpu_ms_per_step": round(med(cpus) * 1e3, 3),
        "physics_cpu_ms_per_step": round(med(physics) * 1e3, 3),
        "overhead": round(med(overhead), 4),
        "overhead_per_repeat": [round(x, 4) for x in overhead],
        "compiled_loop_ms_per_step": round(med(loops) * 1e3, 4) if pd_loop == "compiled" else None,
        "replay_torque_command_ms_per_step": round(med(replay_cb) * 1e3, 4),
        "python_loop": {
            "env_cpu_ms_per_step": round(med(py_cpus) * 1e3, 3),
            "overhead": round(med(py_overhead), 4),
            "compiled_speedup_cpu": round(med(py_cpus) / med(cpus), 3),
        },
        "unactuated_bare_cpu_ms_per_step": round(med(unactuated) * 1e3, 3),
        "overhead_vs_unactuated_bare": round(med(cpus) / med(unactuated) - 1.0, 4),
        "target_overhead": 0.10,
    }


def _make_env():
    return _make()


def _vector_figures() -> dict:
    """AsyncVectorEnv with 1 and with 2 workers, both alive, stepped in alternating bursts.

    Alternating bursts of ~0.2 s keep the shared machine's speed drift out of the speedup (a 1-worker
    run followed by a 2-worker run can differ by 30% from drift alone). The idle env's workers wait
    on their pipes and use no CPU.
    """
    import gymnasium as gym
    import psutil

    burst = 10 if QUICK else 20
    rounds = max(2, VEC_STEPS // burst)
    vecs, workers, obs = {}, {}, {}
    try:
        for n in (1, 2):
            before = {p.pid for p in psutil.Process().children()}
            # spawn: a forked worker would count the parent's resident pages in its RSS
            vecs[n] = gym.vector.AsyncVectorEnv([_make_env] * n, context="spawn")
            workers[n] = [p for p in psutil.Process().children() if p.pid not in before]
            obs[n], _ = vecs[n].reset(seed=list(range(n)))
            for _ in range(5):  # warm up the workers
                obs[n], *_ = vecs[n].step(tracking_action(obs[n]))
        wall = {1: 0.0, 2: 0.0}
        cpu = {1: 0.0, 2: 0.0}
        for _ in range(rounds):
            for n in (1, 2):
                c0 = sum(sum(w.cpu_times()[:2]) for w in workers[n])
                t0 = time.perf_counter()
                for _ in range(burst):
                    obs[n], *_ = vecs[n].step(tracking_action(obs[n]))
                wall[n] += time.perf_counter() - t0
                cpu[n] += sum(sum(w.cpu_times()[:2]) for w in workers[n]) - c0
        rss = [w.memory_info().rss / 1e6 for n in (1, 2) for w in workers[n]]
    finally:
        for v in vecs.values():
            v.close()
    steps = {n: n * rounds * burst for n in (1, 2)}
    rate = {n: steps[n] / wall[n] for n in (1, 2)}
    cpu_rate = {n: steps[n] / cpu[n] for n in (1, 2)}
    return {
        "vector": {
            "workers_1_steps_per_s": round(rate[1], 1),
            "workers_2_steps_per_s": round(rate[2], 1),
            "speedup": round(rate[2] / rate[1], 3),
            "steps_per_worker_cpu_s_1": round(cpu_rate[1], 1),
            "steps_per_worker_cpu_s_2": round(cpu_rate[2], 1),
            "speedup_if_cores_free": round(2 * cpu_rate[2] / cpu_rate[1], 3),
            "vector_steps_per_config": rounds * burst,
            "target_speedup": 1.8,
        },
        "memory": {"worker_rss_mb_max": round(max(rss), 1), "target_rss_mb": 150},
    }


def main() -> dict:
    """Run every measurement and return the figures."""
    out = {"single": _single()}
    out.update(_vector_figures())
    # the stricter baseline: one env stepped in-process, no vector-env IPC
    out["vector"]["speedup_vs_plain_env"] = round(
        out["vector"]["workers_2_steps_per_s"] / out["single"]["env_steps_per_s"], 3
    )
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))

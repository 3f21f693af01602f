"""Quadruped benchmark: env step cost against bare physics, vector-env scaling, memory per process.

Figures (JSON):
- ``single``: one ``QuadrupedLocomotion-Trot-v0`` env (test mode) through ``gymnasium.make``, replaying
  a reference-tracking policy's actions. ``env_steps_per_s`` (wall and CPU); the same replay with
  ``stepSimulation`` stubbed out gives the CPU of everything but physics, so ``overhead`` =
  non-physics CPU / physics CPU (target <= 0.10; the original spends ~0.7, i.e. 40% of its step outside
  physics, at ~140 steps/s). Cross-checks: ``overhead_wall_instrumented`` times the 33 real
  ``stepSimulation`` calls inside each step; ``overhead_vs_bare`` compares with 33 bare
  ``stepSimulation`` calls on the same robot restored to states recorded during the run.
  ``api_floor_cpu_ms_per_step`` times only the two pybullet calls the 1 kHz PD cannot do without
  (one ``getJointStates`` and one ``setJointMotorControlArray`` per substep, 33 per step) on the same
  robot; ``api_floor_overhead`` = that / physics CPU: the overhead left if all Python work were free.
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


class _NoPhysics:
    """pybullet module stand-in whose stepSimulation does nothing: measures everything but physics."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    @staticmethod
    def stepSimulation(physicsClientId: int = 0) -> None:
        return None


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


def _api_floor(sim, steps: int = 200) -> float:
    """CPU s per env step of 33 x (getJointStates + setJointMotorControlArray), no physics, no Python math."""
    import pybullet

    cid, rid, jids = sim.client, sim.robot, sim._joint_ids
    forces = [0.0] * len(jids)
    c0 = time.thread_time()
    for _ in range(steps * 33):
        pybullet.setJointMotorControlArray(
            rid, jids, pybullet.TORQUE_CONTROL, forces=forces, physicsClientId=cid
        )
        pybullet.getJointStates(rid, jids, physicsClientId=cid)
    return (time.thread_time() - c0) / steps


def _single() -> dict:
    import gymnasium as gym
    import pybullet

    import a2perf  # noqa: F401

    env = gym.make(ENV_ID, mode="test")
    sim = env.unwrapped._core.sim
    real_pb = sim._pb
    walls, cpus, stub_cpus, phys_walls, timed_walls, bare, floors = [], [], [], [], [], [], []
    for rep in range(REPEATS):
        # record the tracking policy's actions once, then replay them: with physics, and without
        obs, _ = env.reset(seed=rep)
        actions, states = [], []
        for i in range(STEPS):
            actions.append(tracking_action(obs))
            obs, _, terminated, truncated, _ = env.step(actions[-1])
            if i % 20 == 0:
                states.append(pybullet.saveState(physicsClientId=sim.client))
            if terminated or truncated:
                obs, _ = env.reset(seed=rep + i + 1)
        wall, cpu = _run(env, actions, rep)
        # the same replay with each stepSimulation timed (instrumented, so a separate run)
        sim.clock = time.perf_counter
        phys0 = sim.physics_time
        wall_timed, _ = _run(env, actions, rep)
        phys_walls.append((sim.physics_time - phys0) / STEPS)
        timed_walls.append(wall_timed)
        sim.clock = None
        sim._pb = _NoPhysics(real_pb)
        try:
            _, stub_cpu = _run(env, actions, rep)
        finally:
            sim._pb = real_pb
        walls.append(wall)
        cpus.append(cpu)
        stub_cpus.append(stub_cpu)
        # bare physics on the same robot: restore recorded states, 33 stepSimulation calls each
        c_bare = 0.0
        for s in states:
            pybullet.restoreState(s, physicsClientId=sim.client)
            c0 = time.thread_time()
            for _ in range(33):
                pybullet.stepSimulation(physicsClientId=sim.client)
            c_bare += time.thread_time() - c0
            pybullet.removeState(s, physicsClientId=sim.client)
        bare.append(c_bare / len(states))
        floors.append(_api_floor(sim))
    env.close()
    step_wall = statistics.median(walls)
    step_cpu = statistics.median(cpus)
    stub = statistics.median(stub_cpus)
    bare_cpu = statistics.median(bare)
    overhead = [s / (c - s) for c, s in zip(cpus, stub_cpus, strict=True)]
    overhead_wall = [(w - p) / p for w, p in zip(timed_walls, phys_walls, strict=True)]
    return {
        "env_id": ENV_ID,
        "steps_per_repeat": STEPS,
        "repeats": REPEATS,
        "env_steps_per_s": round(1.0 / step_wall, 1),
        "env_steps_per_s_cpu": round(1.0 / step_cpu, 1),
        "env_cpu_ms_per_step": round(step_cpu * 1e3, 3),
        "non_physics_cpu_ms_per_step": round(stub * 1e3, 3),
        "physics_cpu_ms_per_step": round((step_cpu - stub) * 1e3, 3),
        "overhead": round(statistics.median(overhead), 4),
        "overhead_wall_instrumented": round(statistics.median(overhead_wall), 4),
        "bare_physics_cpu_ms_per_step": round(bare_cpu * 1e3, 3),
        "bare_physics_steps_per_s_cpu": round(1.0 / bare_cpu, 1),
        "overhead_vs_bare": round((step_cpu - bare_cpu) / bare_cpu, 4),
        "api_floor_cpu_ms_per_step": round(statistics.median(floors) * 1e3, 3),
        "api_floor_overhead": round(statistics.median(floors) / (step_cpu - stub), 4),
        "target_overhead": 0.10,
    }


def _make_env():
    import gymnasium as gym

    import a2perf  # noqa: F401

    return gym.make(ENV_ID, mode="test")


def _vector(num_workers: int) -> tuple[float, float, list[float]]:
    """(env steps per wall s, env steps per worker-CPU s, worker RSS MB) of an AsyncVectorEnv run."""
    import gymnasium as gym
    import psutil

    envs = gym.vector.AsyncVectorEnv([_make_env] * num_workers)
    try:
        workers = [p for p in psutil.Process().children() if p.is_running()]
        obs, _ = envs.reset(seed=list(range(num_workers)))
        for _ in range(5):  # warm up the workers
            obs, *_ = envs.step(tracking_action(obs))
        cpu0 = sum(sum(w.cpu_times()[:2]) for w in workers)
        t0 = time.perf_counter()
        for _ in range(VEC_STEPS):
            obs, *_ = envs.step(tracking_action(obs))
        wall = time.perf_counter() - t0
        cpu = sum(sum(w.cpu_times()[:2]) for w in workers) - cpu0
        rss = [w.memory_info().rss / 1e6 for w in workers]
    finally:
        envs.close()
    steps = num_workers * VEC_STEPS
    return steps / wall, steps / cpu, rss


def _vector_figures() -> dict:
    ones, twos, ones_cpu, twos_cpu, rss = [], [], [], [], []
    for _ in range(max(1, REPEATS - 2)):
        r1, c1, _ = _vector(1)
        r2, c2, m = _vector(2)
        ones.append(r1)
        twos.append(r2)
        ones_cpu.append(c1)
        twos_cpu.append(c2)
        rss.extend(m)
    cpu_ratio = statistics.median(twos_cpu) / statistics.median(ones_cpu)
    return {
        "vector": {
            "workers_1_steps_per_s": round(statistics.median(ones), 1),
            "workers_2_steps_per_s": round(statistics.median(twos), 1),
            "speedup": round(statistics.median(twos) / statistics.median(ones), 3),
            "steps_per_worker_cpu_s_1": round(statistics.median(ones_cpu), 1),
            "steps_per_worker_cpu_s_2": round(statistics.median(twos_cpu), 1),
            "speedup_if_cores_free": round(2 * cpu_ratio, 3),
            "target_speedup": 1.8,
        },
        "memory": {"worker_rss_mb_max": round(max(rss), 1) if rss else None, "target_rss_mb": 150},
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

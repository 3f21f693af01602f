"""Child process of `a2perf evaluate --submission`: runs ONE phase of ONE seed of a submission.

Usage (internal): ``python -m a2perf.submission.runner REQUEST_JSON MESSAGE_FD``.

The parent (:mod:`a2perf.submission.evaluate`) starts this module in a fresh interpreter in its
own session, under a wall-clock timeout, and measures the process tree from outside
(`SystemMonitor`). This module:

1. caps its address space (``RLIMIT_AS``) before any submission code is imported;
2. binds the clock it uses for latency (``time.perf_counter_ns``) before the submission is
   imported, so re-binding ``time.perf_counter_ns`` from submission code does not change it;
3. runs the phase, calling the submission only through the A2Perf contract, checking every action
   against ``env.action_space`` (and the action mask when the env has one);
4. reports to the parent as JSON lines on MESSAGE_FD (never pickle: the parent does not execute
   anything the child sends). The latency block is framed by ``latency_start``/``latency_end``
   messages that the parent time-stamps with its own clock to cross-check the reported timings.

Phases: ``train`` calls ``train(env_id=, seed=, root_dir=, **train_kwargs)``; every env the
training code makes with ``gymnasium.make`` is wrapped by a step counter that records the
return of each finished training episode (the learning curve the harness reports).
``inference`` rolls out ``episodes`` episodes, then times ``latency_calls`` back-to-back
``infer_once`` calls on preprocessed observations seen during the rollouts.
``generalization`` rolls out ``episodes`` episodes on every task (env id + kwargs).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

_perf_ns = time.perf_counter_ns  # bound before any submission code runs

_MB = 1024 * 1024


class PhaseFailure(Exception):
    """The submission misbehaved; ``kind`` is crash, memory or malformed_action."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class Channel:
    """JSON-lines writer on the message pipe."""

    def __init__(self, fd: int) -> None:
        self._file = os.fdopen(fd, "w", buffering=1, encoding="utf-8", closefd=True)

    def send(self, event: str, **data: Any) -> None:
        self._file.write(json.dumps({"event": event, **data}) + "\n")
        self._file.flush()


def limit_address_space(limit_mb: int | None) -> None:
    """Cap the virtual address space of this process (and its children) at ``limit_mb`` MiB."""
    if limit_mb is None:
        return
    limit = int(limit_mb) * _MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _call(what: str, func: Any, submission_dir: Path, *args: Any, **kwargs: Any) -> Any:
    """Call submission code; turn any exception into a PhaseFailure naming ``what``."""
    from a2perf.submission.loader import describe_exception

    try:
        return func(*args, **kwargs)
    except MemoryError:
        raise PhaseFailure(
            "memory", f"{what} ran out of memory (MemoryError under the address-space limit)"
        ) from None
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        raise PhaseFailure("crash", f"{what} raised {describe_exception(e, submission_dir)}") from None


def _import(submission_dir: Path, name: str) -> Any:
    from a2perf.submission.loader import SubmissionImportError, import_module

    try:
        return import_module(submission_dir, name)
    except SubmissionImportError as e:
        if "MemoryError" in str(e):
            raise PhaseFailure("memory", str(e)) from None
        raise PhaseFailure("crash", str(e)) from None


def _check_action(env: Any, action: Any, mask: Any, where: str) -> None:
    space = env.action_space
    try:
        ok = space.contains(action)
    except Exception:
        ok = False
    if not ok:
        shown = repr(action)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise PhaseFailure(
            "malformed_action",
            f"infer_once returned {shown} ({type(action).__name__}) {where}, which is not in {space}; "
            "return an element of env.action_space",
        )
    if mask is not None and not bool(mask[int(action)]):
        raise PhaseFailure(
            "malformed_action",
            f"infer_once returned action {int(action)} {where}, which the env's action mask forbids; "
            "read env.unwrapped.action_masks() in your policy",
        )


def _rollouts(
    env: Any,
    modules: Any,
    policy: Any,
    submission_dir: Path,
    *,
    episodes: int,
    seed: int,
    keep: int,
    label: str,
) -> tuple[list[float], list[int], list[Any]]:
    from a2perf.policies import action_mask

    preprocess = modules.preprocess_observation
    infer_once = modules.infer_once
    returns: list[float] = []
    lengths: list[int] = []
    kept: list[Any] = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed if episode == 0 else None)
        total, length, done = 0.0, 0, False
        while not done:
            pre = _call("preprocess_observation", preprocess, submission_dir, obs)
            if len(kept) < keep:
                kept.append(pre)
            mask = action_mask(env)
            action = _call(
                "infer_once", infer_once, submission_dir, policy=policy, preprocessed_observation=pre
            )
            _check_action(env, action, mask, f"on {label} episode {episode} step {length}")
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            length += 1
            done = bool(terminated or truncated)
        returns.append(total)
        lengths.append(length)
    return returns, lengths, kept


def run_train(request: dict[str, Any], channel: Channel) -> dict[str, Any]:
    """The train phase: count env steps and training-episode returns around ``train``."""
    import gymnasium as gym

    import a2perf  # noqa: F401  (registers the a2perf env ids)

    submission_dir = Path(request["submission_dir"])
    counter = _StepLog()
    _wrap_make(gym, counter)
    module = _import(submission_dir, "train")
    root_dir = Path(request["root_dir"])
    root_dir.mkdir(parents=True, exist_ok=True)
    _call(
        "train",
        module.train,
        submission_dir,
        env_id=request["env_id"],
        seed=request["seed"],
        root_dir=str(root_dir),
        **request["train_kwargs"],
    )
    return {
        "env_steps": counter.steps,
        "episode_end_steps": counter.end_steps,
        "episode_returns": counter.returns,
    }


class _StepLog:
    def __init__(self) -> None:
        self.steps = 0
        self.end_steps: list[int] = []
        self.returns: list[float] = []


def _wrap_make(gym: Any, log: _StepLog) -> None:
    """Make every env created through ``gymnasium.make`` count its steps into ``log``."""
    original = gym.make

    class HarnessStepCounter(gym.Wrapper):
        def __init__(self, env: Any) -> None:
            super().__init__(env)
            self._episode_return = 0.0

        def reset(self, **kwargs: Any) -> Any:
            self._episode_return = 0.0
            return self.env.reset(**kwargs)

        def step(self, action: Any) -> Any:
            obs, reward, terminated, truncated, info = self.env.step(action)
            log.steps += 1
            self._episode_return += float(reward)
            if terminated or truncated:
                log.end_steps.append(log.steps)
                log.returns.append(self._episode_return)
                self._episode_return = 0.0
            return obs, reward, terminated, truncated, info

    def make(*args: Any, **kwargs: Any) -> Any:
        return HarnessStepCounter(original(*args, **kwargs))

    gym.make = make
    gym.envs.registration.make = make


def _load_inference(request: dict[str, Any]) -> Any:
    return _import(Path(request["submission_dir"]), "inference")


def _load_policy(module: Any, env: Any, request: dict[str, Any]) -> Any:
    return _call(
        "load_policy",
        module.load_policy,
        Path(request["submission_dir"]),
        env,
        root_dir=request["root_dir"],
        **request["inference_kwargs"],
    )


def _episodes_on(
    module: Any, request: dict[str, Any], env_id: str, env_kwargs: dict[str, Any], *, keep: int, label: str
) -> tuple[Any, list[float], list[int], list[Any]]:
    """Make the env, load a fresh policy, roll out ``request["episodes"]`` episodes, close the env.

    Returns:
      (policy, returns, lengths, kept preprocessed observations (at most ``keep``)).
    """
    from a2perf.measure import make_env

    env = make_env(env_id, env_kwargs)
    try:
        policy = _load_policy(module, env, request)
        returns, lengths, kept = _rollouts(
            env,
            module,
            policy,
            Path(request["submission_dir"]),
            episodes=request["episodes"],
            seed=request["seed"],
            keep=keep,
            label=label,
        )
    finally:
        env.close()
    return policy, returns, lengths, kept


def run_inference(request: dict[str, Any], channel: Channel) -> dict[str, Any]:
    """The inference phase: rollouts, then a framed block of timed ``infer_once`` calls."""
    submission_dir = Path(request["submission_dir"])
    module = _load_inference(request)
    policy, returns, lengths, kept = _episodes_on(
        module,
        request,
        request["env_id"],
        request["eval_env_kwargs"],
        keep=request["latency_calls"],
        label="inference",
    )
    latencies_ns: list[int] = []
    warmup = request["latency_warmup"]
    if kept and request["latency_calls"] > 0:
        samples = [kept[i % len(kept)] for i in range(request["latency_calls"])]
        infer_once = module.infer_once
        for i in range(warmup):
            _call(
                "infer_once",
                infer_once,
                submission_dir,
                policy=policy,
                preprocessed_observation=samples[i % len(samples)],
            )
        times = [0] * len(samples)
        clock = _perf_ns
        channel.send("latency_start")
        try:
            for i, pre in enumerate(samples):
                t0 = clock()
                infer_once(policy=policy, preprocessed_observation=pre)
                times[i] = clock() - t0
        except BaseException as e:
            if isinstance(e, MemoryError):
                raise PhaseFailure("memory", "infer_once ran out of memory during latency timing") from None
            from a2perf.submission.loader import describe_exception

            raise PhaseFailure(
                "crash", f"infer_once raised {describe_exception(e, submission_dir)}"
            ) from None
        channel.send("latency_end", latencies_ns=times)
        latencies_ns = times
    return {
        "episode_returns": returns,
        "episode_lengths": lengths,
        "num_warmup": warmup if latencies_ns else 0,
    }


def run_generalization(request: dict[str, Any], channel: Channel) -> dict[str, Any]:
    """The generalization phase: ``episodes`` episodes on each task env id, a fresh policy per task."""
    module = _load_inference(request)
    per_task: dict[str, list[float]] = {}
    for task in request["tasks"]:
        _, returns, _, _ = _episodes_on(
            module, request, task["env_id"], task["env_kwargs"], keep=0, label=f"task {task['name']}"
        )
        per_task[task["name"]] = returns
    return {"task_returns": per_task}


PHASES = {"train": run_train, "inference": run_inference, "generalization": run_generalization}


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    channel = Channel(int(argv[1]))
    limit_address_space(request.get("address_space_limit_mb"))
    channel.send("started", pid=os.getpid())
    try:
        data = PHASES[request["phase"]](request, channel)
    except PhaseFailure as e:
        channel.send("failed", kind=e.kind, reason=e.reason)
        return 3
    except MemoryError:
        channel.send(
            "failed", kind="memory", reason="the phase ran out of memory under the address-space limit"
        )
        return 3
    channel.send("done", data=data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

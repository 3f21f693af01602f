"""Roll a policy out on any gymnasium env and measure every metric family that applies.

``measure`` is what ``a2perf measure`` runs: for each seed it rolls ``episodes`` episodes
inside a :class:`~a2perf.metrics.SystemMonitor` (energy, RAM, CPU, wall time), then times
the policy on observations seen during those rollouts (latency percentiles), and finally
aggregates returns, rollout reliability, latency and system usage into a :class:`RunResult`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from a2perf.baselines.tasks import task_of
from a2perf.errors import ConfigError
from a2perf.metrics.latency import time_calls
from a2perf.metrics.monitor import SystemMonitor, SystemUsage
from a2perf.policies import Policy, RandomPolicy, action_mask, load_sb3_policy
from a2perf.results.manifest import build_manifest
from a2perf.results.schema import RunResult, SeedResult, SystemResult
from a2perf.results.summarize import seed_latency, summarize


@dataclass
class MeasureConfig:
    """What to measure.

    Attributes:
      env_id: any registered gymnasium id (a2perf ids are registered by ``import a2perf``).
      env_kwargs: kwargs for ``gymnasium.make``; the domain's evaluation kwargs fill what is not
        given (:func:`a2perf.envs.protocol.evaluation_kwargs`: the quadruped runs in test mode).
      seeds: one independent measurement per seed (env reset seed, policy seed).
      episodes: episodes per seed.
      policy: ``"random"`` or the path of a saved stable-baselines3 ``.zip``.
      algo: SB3 algorithm of the model (``None``: detect).
      name: label in tables (default: the policy's name).
      latency_calls: timed policy calls per seed, on observations from the rollouts.
      latency_warmup: untimed calls before timing.
      monitor_interval_s: sampling period of the system monitor, seconds.
      measure_energy: run codecarbon's offline tracker (off: energy fields are ``None``).
      country_iso_code: country for codecarbon's carbon intensity.
    """

    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [0])
    episodes: int = 10
    policy: str = "random"
    algo: str | None = None
    name: str | None = None
    latency_calls: int = 1000
    latency_warmup: int = 10
    monitor_interval_s: float = 0.1
    measure_energy: bool = True
    country_iso_code: str = "USA"

    def __post_init__(self) -> None:
        from a2perf.envs.protocol import evaluation_kwargs

        # The domain's evaluation protocol fills kwargs the caller left out (quadruped: test mode).
        self.env_kwargs = evaluation_kwargs(self.env_id, self.env_kwargs)
        if self.episodes < 1:
            raise ConfigError(f"episodes must be >= 1, got {self.episodes}")
        if not self.seeds:
            raise ConfigError("give at least one seed, e.g. --seeds 0,1,2")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"seeds must be distinct, got {self.seeds}")
        if self.latency_calls < 0 or self.latency_warmup < 0:
            raise ConfigError("latency_calls and latency_warmup must be >= 0")


def parse_env_kwargs(text: str | None) -> dict[str, Any]:
    """Parse ``--env-kwargs`` JSON into a dict, with a one-line error for bad JSON."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--env-kwargs is not valid JSON ({e.msg} at column {e.colno}): {text!r}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"--env-kwargs must be a JSON object like '{{\"seed\": 1}}', got {text!r}")
    return value


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None, **extra: Any) -> gym.Env:
    """``gymnasium.make`` with one-line errors for unknown ids and bad kwargs."""
    import a2perf  # noqa: F401  (registers the a2perf ids)

    kwargs = {**(env_kwargs or {}), **extra}
    try:
        return gym.make(env_id, **kwargs)
    except (
        gym.error.NameNotFound,
        gym.error.NamespaceNotFound,
        gym.error.VersionNotFound,
        gym.error.Error,
    ) as e:
        if env_id not in gym.registry:
            raise ConfigError(f"unknown env id {env_id!r}; `a2perf envs` lists the a2perf ids") from None
        raise ConfigError(f"cannot make {env_id}: {e}") from None
    except TypeError as e:
        raise ConfigError(f"bad kwargs for {env_id}: {e}") from None


def env_domain(env_id: str) -> str:
    """The a2perf domain of ``env_id`` or ``"other"`` for plain gymnasium envs."""
    from a2perf.envs.registry import env_domain as domain_of

    return domain_of(env_id)


def load_policy(spec: str, env: gym.Env, seed: int, algo: str | None = None) -> Policy:
    """``"random"`` -> :class:`RandomPolicy` seeded with ``seed``; anything else is a model path."""
    if spec == "random":
        return RandomPolicy(env.action_space, seed=seed)
    return load_sb3_policy(Path(spec), env=None, algo=algo)


EpisodeCallback = Callable[[int, int, float], None]
"""Called after each episode with (seed, episode index, return)."""


@dataclass
class Rollouts:
    """Raw output of :func:`roll_out`: returns and lengths per episode plus observations for latency."""

    returns: list[float]
    lengths: list[int]
    samples: list[tuple[Any, np.ndarray | None]]


def roll_out(
    env: gym.Env,
    policy: Policy,
    *,
    episodes: int,
    seed: int,
    keep_observations: int = 0,
    on_episode: EpisodeCallback | None = None,
) -> Rollouts:
    """Run ``episodes`` full episodes; the first reset is seeded with ``seed``, later ones continue its RNG.

    Args:
      keep_observations: how many (observation, mask) pairs to keep for latency timing.
    """
    rollouts = Rollouts([], [], [])
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed if episode == 0 else None)
        total, length, done = 0.0, 0, False
        while not done:
            mask = action_mask(env)
            if len(rollouts.samples) < keep_observations:
                rollouts.samples.append((obs, mask))
            obs, reward, terminated, truncated, _ = env.step(policy.act(obs, mask))
            total += float(reward)
            length += 1
            done = terminated or truncated
        rollouts.returns.append(total)
        rollouts.lengths.append(length)
        if on_episode is not None:
            on_episode(seed, episode, total)
    return rollouts


def measure_seed(
    config: MeasureConfig,
    seed: int,
    on_episode: EpisodeCallback | None = None,
    on_monitor: Callable[[SystemMonitor], None] | None = None,
) -> tuple[SeedResult, np.ndarray]:
    """Measure one seed: rollouts inside the monitor, then latency.

    Args:
      on_monitor: called with the stopped monitor (e.g. to read ``energy_details``).

    Returns:
      The seed's result and its raw per-call latencies, seconds, shape (latency_calls,).
    """
    env = make_env(config.env_id, config.env_kwargs)
    try:
        policy = load_policy(config.policy, env, seed, config.algo)
        with SystemMonitor(
            interval_s=config.monitor_interval_s,
            enable_energy=config.measure_energy,
            country_iso_code=config.country_iso_code,
        ) as monitor:
            rollouts = roll_out(
                env,
                policy,
                episodes=config.episodes,
                seed=seed,
                keep_observations=config.latency_calls,
                on_episode=on_episode,
            )
        usage = monitor.usage
        if on_monitor is not None:
            on_monitor(monitor)
    finally:
        env.close()
    latency, raw = None, np.zeros(0)
    samples = rollouts.samples
    if config.latency_calls > 0 and samples:
        # Reuse the rollout observations cyclically when the episodes were shorter than the call budget.
        samples = [samples[i % len(samples)] for i in range(config.latency_calls)]
        raw = time_calls(lambda s: policy.act(*s), samples, warmup=config.latency_warmup)
        latency = seed_latency(raw, num_warmup=config.latency_warmup)
    seed_result = SeedResult(
        seed=seed,
        episode_returns=rollouts.returns,
        episode_lengths=rollouts.lengths,
        latency=latency,
        system={"inference": system_result(usage)},
    )
    return seed_result, raw


def system_result(usage: SystemUsage) -> SystemResult:
    """The schema's view of a monitor reading (the country goes to the manifest)."""
    fields = usage.to_dict()
    fields.pop("country_iso_code", None)
    return SystemResult(**fields)


def measure(config: MeasureConfig, on_episode: EpisodeCallback | None = None) -> RunResult:
    """Measure ``config.policy`` on ``config.env_id`` over every seed; see the module docstring."""
    started = datetime.now(UTC)
    per_seed, latencies, energy_details = [], [], {}

    def keep_details(monitor: SystemMonitor) -> None:
        energy_details.setdefault("details", monitor.energy_details)

    for seed in config.seeds:
        seed_result, raw = measure_seed(config, seed, on_episode, keep_details)
        per_seed.append(seed_result)
        latencies.append(raw)
    finished = datetime.now(UTC)
    energy_mode = per_seed[0].system["inference"].energy_mode
    manifest = build_manifest(
        env_id=config.env_id,
        env_kwargs=config.env_kwargs,
        seeds=list(config.seeds),
        started_at=started,
        finished_at=finished,
        energy_mode=energy_mode,
        energy_details=energy_details.get("details"),
        country_iso_code=config.country_iso_code,
    )
    name = config.name or ("random" if config.policy == "random" else Path(config.policy).stem)
    algorithm = "random" if config.policy == "random" else (config.algo or "sb3")
    return RunResult(
        name=name,
        algorithm=algorithm,
        domain=env_domain(config.env_id),
        env_id=config.env_id,
        task=task_of(config.env_id, config.env_kwargs),
        phases=["inference"],
        manifest=manifest,
        per_seed=per_seed,
        aggregates=summarize(per_seed, np.concatenate(latencies) if latencies else None),
    )

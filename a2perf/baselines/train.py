"""`a2perf train`: one (env, algorithm, seed) training run with stable-baselines3 / sb3-contrib.

The whole run is inside a :class:`~a2perf.metrics.SystemMonitor` (energy, RAM, CPU, wall time).
Every ``eval_freq`` env steps the current policy is rolled out deterministically for
``n_eval_episodes`` episodes (same eval seed each time, in the env of the domain's evaluation
protocol: the quadruped in test mode, see :mod:`a2perf.envs.protocol`) and the mean return is appended to the
learning curve, the input of the training-reliability metrics. Every ``checkpoint_freq`` steps
(and at the end) the policy is saved with the energy measured so far, the input of data cost.
Every input is checked before anything is written (see :mod:`a2perf.baselines.rundir`).

Example::

    from a2perf.baselines.train import TrainConfig, train
    run_dir = train(TrainConfig(env_id="CartPole-v1", algo="ppo", seed=0, out=Path("runs/ppo0"),
                                timesteps=20_000))
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from a2perf.baselines import config as cfg
from a2perf.baselines import rundir
from a2perf.baselines.tasks import env_domain, task_of
from a2perf.envs.protocol import evaluation_kwargs
from a2perf.errors import ConfigError
from a2perf.policies import (
    NORMALIZED_ATTR,
    SB3Policy,
    action_mask,
    normalize_stats_file,
    sb3_algorithm_class,
)

EVAL_SEED_OFFSET = 10_000
"""Eval episodes start from ``seed + EVAL_SEED_OFFSET`` so they never share the training env's seed."""

ProgressCallback = Callable[[int, int], None]
"""Called with (steps done, total steps) as training advances."""


@dataclass
class TrainConfig:
    """One training run.

    Attributes:
      env_id: gymnasium id (a2perf ids are registered by ``import a2perf``).
      algo: one of :data:`a2perf.baselines.config.ALGOS`.
      out: run folder to create (must not exist or be empty).
      seed: seeds torch, numpy, the envs and the model.
      timesteps: env steps to train (default: ``n_timesteps`` of the config); BC: ignored.
      config_file: YAML file of hyper-parameters applied over the packaged defaults.
      overrides: hyper-parameters applied last (used by sweeps).
      env_kwargs: kwargs for ``gymnasium.make``.
      dataset: Minari dataset id or folder (BC only).
      monitor: run the metrics layer (SystemMonitor, energy at checkpoints). Off only for benchmarks.
      measure_energy: run CodeCarbon inside the monitor.
      monitor_interval_s: psutil sampling period, seconds.
      threads: torch intra-op threads (1 suits small nets and parallel sweeps).
    """

    env_id: str
    algo: str
    out: Path
    seed: int = 0
    timesteps: int | None = None
    config_file: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    dataset: str | None = None
    monitor: bool = True
    measure_energy: bool = True
    monitor_interval_s: float = 0.5
    threads: int | None = 1

    def __post_init__(self) -> None:
        if self.algo not in cfg.ALGOS:
            raise ConfigError(f"unknown algorithm {self.algo!r}; choose one of {', '.join(cfg.ALGOS)}")
        if self.timesteps is not None and self.timesteps < 1:
            raise ConfigError(f"--timesteps must be >= 1, got {self.timesteps}")
        self.out = Path(self.out)


def check_compatible(algo: str, env_id: str, env: gym.Env) -> None:
    """Raise a one-line :class:`ConfigError` if ``algo`` cannot act in ``env``'s action space."""
    space = env.action_space
    if algo == "sac" and not isinstance(space, gym.spaces.Box):
        raise ConfigError(
            f"sac needs a continuous (Box) action space but {env_id} has {space}; use ppo or dqn"
        )
    if algo == "dqn" and not isinstance(space, gym.spaces.Discrete):
        raise ConfigError(f"dqn needs a Discrete action space but {env_id} has {space}; use ppo or sac")
    if algo == "maskable_ppo":
        if not isinstance(space, gym.spaces.Discrete):
            raise ConfigError(f"maskable_ppo needs a Discrete action space but {env_id} has {space}; use ppo")
        if action_mask(env) is None:
            raise ConfigError(
                f"maskable_ppo needs an env with action_masks(); {env_id} has none; use ppo or dqn"
            )


def sb3_name(algo: str, env: gym.Env) -> str:
    """The :data:`a2perf.policies.SB3_ALGORITHMS` class ``algo`` trains with on ``env``.

    ``dqn`` on an env with ``action_masks()`` (chip, web) is
    :class:`~a2perf.baselines.maskable_dqn.MaskableDQN` (``maskable_dqn``): it explores, acts and
    bootstraps among valid actions only. Every other algorithm is its own class.
    """
    return "maskable_dqn" if algo == "dqn" and action_mask(env) is not None else algo


def _default_policy(env: gym.Env) -> str:
    return "MultiInputPolicy" if isinstance(env.observation_space, gym.spaces.Dict) else "MlpPolicy"


def _policy(name: str, algo: str, source: str) -> Any:
    """The SB3 ``policy`` argument: a2perf's registered policy names become their class for ``algo``."""
    from a2perf.baselines.web_policy import policy_class

    return policy_class(name, algo, source)


def _seed_everything(seed: int, threads: int | None) -> None:
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    from stable_baselines3.common.utils import set_random_seed

    set_random_seed(seed)


def _check_normalize(params: dict[str, Any], env: gym.Env, source: str) -> None:
    """Build the run's VecNormalize once around ``env`` so bad ``normalize`` kwargs fail before training."""
    kwargs = cfg.normalize_kwargs(params, source)
    if kwargs is None:
        return
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    try:
        VecNormalize(DummyVecEnv([lambda: env]), **kwargs)
    except (TypeError, ValueError, AssertionError) as e:
        raise ConfigError(
            f"{source}: normalize {kwargs} is not usable here ({str(e).splitlines()[0]})"
        ) from None


@dataclass
class _Plan:
    """Everything resolved and validated before a file is written."""

    config: TrainConfig
    domain: str
    task: str
    params: dict[str, Any]
    sb3_class: str
    run_keys: dict[str, Any]
    algo_kwargs: dict[str, Any]
    total_steps: int


def _source(config: TrainConfig) -> str:
    return str(config.config_file) if config.config_file else f"configs/{config.algo}.yaml"


def plan(config: TrainConfig) -> _Plan:
    """Resolve and validate the run: config file, env, algorithm/env compatibility, model kwargs."""
    from a2perf.measure import make_env

    user = cfg.load_user_config(config.config_file) if config.config_file else {}
    domain = env_domain(config.env_id)
    params = cfg.resolve(config.algo, config.env_id, domain, {**user, **config.overrides})
    config = dataclasses.replace(
        config, env_kwargs={**cfg.env_kwargs_of(params, _source(config)), **config.env_kwargs}
    )
    env = make_env(config.env_id, config.env_kwargs)
    try:
        sb3_class = sb3_name(config.algo, env)
        if config.algo == "bc":
            cfg.check_bc_keys(params, _source(config))
            run_keys, algo_kwargs, total = {}, {}, 0
        else:
            check_compatible(config.algo, config.env_id, env)
            params.setdefault("policy", _default_policy(env))
            run_keys, algo_kwargs = cfg.split_run_keys(
                params, sb3_algorithm_class(sb3_class), _source(config)
            )
            if run_keys["policy"] == "MlpPolicy" and isinstance(env.observation_space, gym.spaces.Dict):
                raise ConfigError(
                    f"{config.env_id} has dict observations; set policy: MultiInputPolicy in {_source(config)}"
                )
            total = int(config.timesteps or run_keys.get("n_timesteps", 0))
            for key in ("n_envs", "eval_freq", "n_eval_episodes", "checkpoint_freq"):
                value = run_keys.get(key)
                if not isinstance(value, int) or value < 1:
                    raise ConfigError(f"{_source(config)}: {key} must be an integer >= 1, got {value!r}")
            if total < 1:
                raise ConfigError(f"{_source(config)}: n_timesteps must be >= 1; pass --timesteps")
            cfg.materialize(algo_kwargs, _source(config))  # validate names now
            _policy(run_keys["policy"], config.algo, _source(config))
            _check_normalize(params, env, _source(config))
        task = task_of(config.env_id, config.env_kwargs)
    finally:
        env.close()
    return _Plan(config, domain, task, params, sb3_class, run_keys, algo_kwargs, total)


def energy_so_far_kwh(monitor: Any) -> float | None:
    """Energy measured so far inside a running monitor, kWh (None without a monitor or energy)."""
    return None if monitor is None else monitor.energy_so_far_kwh()


class RunCallback(BaseCallback):
    """Periodic evaluation, checkpoints with the energy measured so far, and progress reports."""

    def __init__(
        self,
        *,
        eval_env: gym.Env,
        eval_freq: int,
        n_eval_episodes: int,
        eval_seed: int,
        checkpoint_freq: int,
        staging: Path,
        monitor: Any,
        on_progress: ProgressCallback | None,
        total: int,
        normalizer: Any = None,
    ) -> None:
        super().__init__()
        self.normalizer = normalizer  # the training VecNormalize (None: raw observations)
        self.eval_env, self.eval_freq, self.n_eval = eval_env, eval_freq, n_eval_episodes
        self.eval_seed, self.checkpoint_freq, self.staging = eval_seed, checkpoint_freq, staging
        self.monitor, self.on_progress, self.total = monitor, on_progress, total
        self.next_eval, self.next_ckpt = eval_freq, checkpoint_freq
        self.curve_steps: list[int] = []
        self.curve_returns: list[float] = []
        self.checkpoints: list[rundir.Checkpoint] = []
        self.t0 = time.perf_counter()

    def evaluate(self) -> None:
        from a2perf.measure import roll_out

        policy = SB3Policy(self.model, normalizer=self.normalizer)
        rollouts = roll_out(self.eval_env, policy, episodes=self.n_eval, seed=self.eval_seed)
        self.curve_steps.append(int(self.num_timesteps))
        self.curve_returns.append(float(np.mean(rollouts.returns)))

    def checkpoint(self) -> None:
        rel = f"{rundir.CHECKPOINT_DIR}/step_{self.num_timesteps:09d}.zip"
        _save_model(self.model, self.staging / rel, self.normalizer)
        self.checkpoints.append(
            rundir.Checkpoint(
                steps=int(self.num_timesteps),
                path=rel,
                energy_kwh=energy_so_far_kwh(self.monitor),
                wall_time_s=time.perf_counter() - self.t0,
            )
        )

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.next_eval:
            self.evaluate()
            while self.next_eval <= self.num_timesteps:
                self.next_eval += self.eval_freq
        if self.num_timesteps >= self.next_ckpt:
            self.checkpoint()
            while self.next_ckpt <= self.num_timesteps:
                self.next_ckpt += self.checkpoint_freq
        if self.on_progress is not None:
            self.on_progress(int(self.num_timesteps), self.total)
        return True

    def finish(self) -> None:
        """Final evaluation and checkpoint (unless one was just taken at this step)."""
        if not self.curve_steps or self.curve_steps[-1] != self.num_timesteps:
            self.evaluate()
        if not self.checkpoints or self.checkpoints[-1].steps != self.num_timesteps:
            self.checkpoint()


def _save_model(model: Any, path: Path, normalizer: Any = None) -> None:
    """``model.save`` to a temp name, then rename (SB3 appends .zip to names without it).

    With a ``normalizer`` (the training VecNormalize) its statistics go next to the model first, in
    :func:`a2perf.policies.normalize_stats_file`, also through a temp name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if normalizer is not None:
        stats = normalize_stats_file(path)
        tmp_stats = stats.with_name(f".{stats.name}.tmp")
        normalizer.save(tmp_stats)
        tmp_stats.replace(stats)
    tmp = path.with_name(f".{path.stem}.tmp.zip")
    model.save(tmp)
    tmp.replace(path)


def _make_vec_env(config: TrainConfig, n_envs: int, seed: int) -> Any:
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv

    from a2perf.measure import make_env

    return make_vec_env(
        lambda: make_env(config.env_id, config.env_kwargs), n_envs=n_envs, seed=seed, vec_env_cls=DummyVecEnv
    )


def _train_rl(p: _Plan, staging: Path, monitor: Any, on_progress: ProgressCallback | None) -> dict[str, Any]:
    from a2perf.measure import make_env

    config = p.config
    keys = p.run_keys
    algo_class = sb3_algorithm_class(p.sb3_class)
    kwargs = cfg.materialize(p.algo_kwargs, _source(config))
    vec_env = _make_vec_env(config, keys["n_envs"], config.seed)
    normalizer = None
    norm_kwargs = cfg.normalize_kwargs(p.params, _source(config))
    if norm_kwargs is not None:
        from stable_baselines3.common.vec_env import VecNormalize

        vec_env = normalizer = VecNormalize(vec_env, **norm_kwargs)
    eval_env = make_env(
        config.env_id, evaluation_kwargs(config.env_id, config.env_kwargs, from_training=True)
    )
    try:
        policy = _policy(keys["policy"], config.algo, _source(config))
        model = algo_class(policy, vec_env, seed=config.seed, device="cpu", verbose=0, **kwargs)
        if normalizer is not None:
            setattr(model, NORMALIZED_ATTR, True)  # saved in model.zip: loaders then require the stats
        callback = RunCallback(
            eval_env=eval_env,
            eval_freq=keys["eval_freq"],
            n_eval_episodes=keys["n_eval_episodes"],
            eval_seed=config.seed + EVAL_SEED_OFFSET,
            checkpoint_freq=keys["checkpoint_freq"],
            staging=staging,
            monitor=monitor,
            on_progress=on_progress,
            total=p.total_steps,
            normalizer=normalizer,
        )
        model.learn(total_timesteps=p.total_steps, callback=callback, progress_bar=False)
        callback.finish()
        _save_model(model, staging / rundir.MODEL_FILE, normalizer)
    finally:
        vec_env.close()
        eval_env.close()
    return {
        "timesteps": int(model.num_timesteps),
        "checkpoints": callback.checkpoints,
        "curve": (callback.curve_steps, callback.curve_returns),
        "sb3_class": p.sb3_class,
    }


def _unmonitored_usage(wall: float) -> Any:
    from a2perf.results.schema import SystemResult

    return SystemResult(
        wall_time_s=wall,
        rss_peak_mb=0.0,
        rss_mean_mb=0.0,
        cpu_percent_mean=0.0,
        energy_kwh=None,
        cpu_energy_kwh=None,
        ram_energy_kwh=None,
        energy_mode="not-monitored",
        num_samples=0,
    )


def train(config: TrainConfig, on_progress: ProgressCallback | None = None) -> Path:
    """Train one run and publish its folder; returns ``config.out``.

    Raises:
      ConfigError, DataNotFoundError, DependencyMissingError: bad input, before anything is written.
    """
    from a2perf.measure import system_result
    from a2perf.metrics.monitor import SystemMonitor
    from a2perf.results.schema import LearningCurve

    rundir.check_new_run_dir(config.out)
    p = plan(config)
    config = p.config  # with the config's env_kwargs filled in
    bc_data = None
    if config.algo == "bc":
        from a2perf.baselines import bc

        bc_data = bc.load_dataset_for(config.dataset or p.params.get("dataset"), config.env_id)
    staging = rundir.staging_dir(config.out)
    try:
        _seed_everything(config.seed, config.threads)
        monitor = (
            SystemMonitor(interval_s=config.monitor_interval_s, enable_energy=config.measure_energy)
            if config.monitor
            else None
        )
        t0 = time.perf_counter()
        with monitor if monitor is not None else contextlib.nullcontext():
            if bc_data is not None:
                from a2perf.baselines import bc

                outcome = bc.train_bc(p, bc_data, staging, on_progress)
            else:
                outcome = _train_rl(p, staging, monitor, on_progress)
        wall = time.perf_counter() - t0
        system = system_result(monitor.usage) if monitor is not None else _unmonitored_usage(wall)
        checkpoints = outcome["checkpoints"]
        if checkpoints and system.energy_kwh is not None:
            # The last checkpoint is the final policy: it carries the run's whole measured energy.
            checkpoints[-1] = checkpoints[-1].model_copy(update={"energy_kwh": system.energy_kwh})
        steps, returns = outcome["curve"]
        info = rundir.RunInfo(
            algo=config.algo,
            sb3_class=outcome["sb3_class"],
            env_id=config.env_id,
            env_kwargs=config.env_kwargs,
            domain=p.domain,
            task=p.task,
            seed=config.seed,
            config={**p.params, **({"n_timesteps": p.total_steps} if p.total_steps else {})},
            timesteps=outcome["timesteps"],
            checkpoints=checkpoints,
            learning_curve=LearningCurve(steps=steps, returns=returns),
            system=system,
            dataset=outcome.get("dataset"),
            dataset_path=outcome.get("dataset_path"),
        )
        return rundir.publish(staging, config.out, info)
    except BaseException:
        rundir.discard(staging)
        raise

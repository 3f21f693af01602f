"""Behaviour cloning into a stable-baselines3 policy, from a Minari dataset.

The cloned policy is the actor of an SB3 ``PPO`` (or sb3-contrib ``MaskablePPO`` when the env
has ``action_masks()``) trained by maximum likelihood of the dataset's actions: minimise
``-log pi(a | s)`` with Adam for ``gradient_steps`` steps on mini-batches of ``batch_size``
transitions drawn uniformly (A2Perf's "iterations").
It is saved as an ordinary SB3 ``model.zip``, so ``predict`` and `a2perf evaluate` work
unchanged. Dict observations (web) go through the same features extractor as RL (see
:mod:`a2perf.baselines.features`). For masked envs, an observation key ``action_mask`` or
``mask`` with one entry per action (chip) is used as the action mask during training (illegal
actions get no probability mass); at inference MaskablePPO's ``predict(action_masks=...)``
applies the env's own mask.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from a2perf.baselines import rundir
from a2perf.envs.protocol import evaluation_kwargs
from a2perf.errors import ConfigError, DataNotFoundError

EVAL_POINTS = 5
"""Learning-curve points (evaluations) over the epochs."""


@dataclass
class BCData:
    """Transitions of a Minari dataset, flattened over episodes.

    Attributes:
      dataset_id: Minari id.
      path: dataset folder (holds the data-cost file).
      observations: array (N, ...) or dict of arrays (N, ...).
      actions: array (N, ...) of the behaviour policy's actions.
      episodes: number of episodes read.
    """

    dataset_id: str
    path: Path
    observations: Any
    actions: np.ndarray
    episodes: int


def load_dataset_for(dataset: str | None, env_id: str) -> BCData:
    """Load a local Minari dataset (by id, or the folder of one) into flat transition arrays."""
    if not dataset:
        raise ConfigError("bc needs a dataset: pass --dataset ID (see `a2perf dataset build`)")
    import minari

    dataset_id = Path(dataset).name if Path(dataset).is_dir() else dataset
    if Path(dataset).is_dir():
        import os

        os.environ["MINARI_DATASETS_PATH"] = str(Path(dataset).resolve().parent)
    if dataset_id not in minari.list_local_datasets():
        raise DataNotFoundError(
            f"Minari dataset {dataset_id!r} not found locally (MINARI_DATASETS_PATH); build it with `a2perf dataset build`"
        )
    data = minari.load_dataset(dataset_id, download=False)
    obs_parts: list[Any] = []
    act_parts: list[np.ndarray] = []
    count = 0
    for episode in data.iterate_episodes():
        obs = episode.observations
        obs_parts.append(
            {k: np.asarray(v)[:-1] for k, v in obs.items()} if isinstance(obs, dict) else np.asarray(obs)[:-1]
        )
        act_parts.append(np.asarray(episode.actions))
        count += 1
    if count == 0:
        raise DataNotFoundError(f"Minari dataset {dataset_id!r} has no episodes")
    if isinstance(obs_parts[0], dict):
        observations: Any = {k: np.concatenate([o[k] for o in obs_parts]) for k in obs_parts[0]}
    else:
        observations = np.concatenate(obs_parts)
    return BCData(
        dataset_id, Path(data.spec.data_path).parent, observations, np.concatenate(act_parts), count
    )


MASK_KEYS = ("action_mask", "mask")
"""Observation keys read as the action mask during training (chip: ``mask``)."""


def _mask_key(space: gym.Space, n_actions: int) -> str | None:
    if not isinstance(space, gym.spaces.Dict):
        return None
    for key in MASK_KEYS:
        if key in space.spaces and gym.spaces.utils.flatdim(space[key]) == n_actions:
            return key
    return None


def _index(obs: Any, idx: np.ndarray) -> Any:
    return {k: v[idx] for k, v in obs.items()} if isinstance(obs, dict) else obs[idx]


def train_bc(plan: Any, data: BCData, staging: Path, on_progress: Any = None) -> dict[str, Any]:
    """Fit the policy, evaluate it along the way, save ``model.zip``; returns the run outcome."""
    import torch
    from stable_baselines3.common.utils import obs_as_tensor

    from a2perf.baselines import config as cfg
    from a2perf.measure import make_env, roll_out
    from a2perf.policies import SB3Policy, action_mask, sb3_algorithm_class

    config = plan.config
    params = plan.params
    env = make_env(config.env_id, evaluation_kwargs(config.env_id, config.env_kwargs, from_training=True))
    masked = isinstance(env.action_space, gym.spaces.Discrete) and action_mask(env) is not None
    sb3_class = "maskable_ppo" if masked else "ppo"
    policy_name = params.get("policy") or (
        "MultiInputPolicy" if isinstance(env.observation_space, gym.spaces.Dict) else "MlpPolicy"
    )
    policy_kwargs = cfg.materialize({"policy_kwargs": params.get("policy_kwargs") or {}}, "bc config")[
        "policy_kwargs"
    ]
    n = len(data.actions)
    if isinstance(env.action_space, gym.spaces.Discrete) and (
        data.actions.min() < 0 or data.actions.max() >= env.action_space.n
    ):
        env.close()
        raise ConfigError(f"dataset {data.dataset_id} has actions outside {env.action_space}; wrong env?")
    from a2perf.baselines.web_policy import policy_class

    model = sb3_algorithm_class(sb3_class)(
        policy_class(policy_name, sb3_class, "bc config"),
        env,
        seed=config.seed,
        device="cpu",
        learning_rate=float(params["learning_rate"]),
        policy_kwargs=policy_kwargs,
        verbose=0,
    )
    policy = model.policy
    optimizer = torch.optim.Adam(policy.parameters(), lr=float(params["learning_rate"]))
    mask_key = _mask_key(env.observation_space, env.action_space.n) if masked else None
    rng = np.random.default_rng(config.seed)
    total, batch = int(params["gradient_steps"]), int(params["batch_size"])
    eval_every = max(1, total // EVAL_POINTS)
    steps, returns = [], []
    t0 = time.perf_counter()
    try:
        for step in range(1, total + 1):
            policy.set_training_mode(True)
            idx = rng.integers(0, n, size=min(batch, n))
            obs = obs_as_tensor(_index(data.observations, idx), policy.device)
            actions = torch.as_tensor(data.actions[idx], device=policy.device)
            if isinstance(env.action_space, gym.spaces.Discrete):
                actions = actions.long().flatten()
            kwargs = {}
            if masked and mask_key is not None:
                kwargs["action_masks"] = np.asarray(data.observations[mask_key][idx]).reshape(len(idx), -1)
            _, log_prob, _ = policy.evaluate_actions(obs, actions, **kwargs)
            loss = -log_prob.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % eval_every == 0 or step == total:
                policy.set_training_mode(False)
                ep_returns = roll_out(
                    env,
                    SB3Policy(model),
                    episodes=int(params.get("n_eval_episodes", 5)),
                    seed=config.seed + 10_000,
                ).returns
                steps.append(step * len(idx))
                returns.append(float(np.mean(ep_returns)))
            if on_progress is not None and (step % 50 == 0 or step == total):
                on_progress(step, total)
    finally:
        env.close()
    from a2perf.baselines.train import _save_model

    _save_model(model, staging / rundir.MODEL_FILE)
    final = rundir.Checkpoint(
        steps=0, path=rundir.MODEL_FILE, energy_kwh=None, wall_time_s=time.perf_counter() - t0
    )
    return {
        "timesteps": 0,
        "checkpoints": [final],
        "curve": (steps, returns),
        "sb3_class": sb3_class,
        "dataset": data.dataset_id,
        "dataset_path": str(data.path),
    }

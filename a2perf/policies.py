"""Policies that a2perf can roll out: a seeded random policy and saved stable-baselines3 models.

A policy maps one observation to one action. Both kinds honour ``action_masks()`` when the
env offers it (chip and web envs), so a random policy only picks legal actions.
"""

from __future__ import annotations

import inspect
import zipfile
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from a2perf.errors import ConfigError, DataNotFoundError, DependencyMissingError, SchemaError


def action_mask(env: gym.Env) -> np.ndarray | None:
    """The env's current boolean action mask, shape ``(n,)``, or ``None`` if it has no ``action_masks()``."""
    try:
        masks = env.get_wrapper_attr("action_masks")
    except AttributeError:
        return None
    return np.asarray(masks(), dtype=bool)


class Policy(Protocol):
    """Anything that picks an action for one observation."""

    name: str

    def act(self, observation: Any, mask: np.ndarray | None = None) -> Any:
        """Return the action for ``observation``; ``mask`` marks legal actions when the env has masks."""
        ...


class RandomPolicy:
    """Uniform random actions from ``action_space``, seeded, restricted to legal actions when masked.

    Args:
      action_space: the env's action space.
      seed: seeds the space's sampler (no global RNG).
    """

    name = "random"

    def __init__(self, action_space: gym.Space, seed: int | None = None) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def act(self, observation: Any, mask: np.ndarray | None = None) -> Any:
        if mask is not None and isinstance(self.action_space, gym.spaces.Discrete):
            if not mask.any():
                raise ConfigError(
                    "the env's action mask has no legal action; the env should have ended the episode"
                )
            return self.action_space.sample(mask=mask.astype(np.int8))
        return self.action_space.sample()


SB3_ALGORITHMS = ("ppo", "sac", "maskable_dqn", "dqn", "a2c", "td3", "maskable_ppo")
"""Loadable algorithm names, in the order :func:`load_sb3_policy` tries them (``maskable_dqn`` refuses
stock DQN files, so it goes before ``dqn``, which would load a MaskableDQN file as a plain DQN)."""


def sb3_algorithm_class(algo: str) -> type:
    """The stable-baselines3 / sb3-contrib class for ``algo`` (one of :data:`SB3_ALGORITHMS`)."""
    try:
        import stable_baselines3 as sb3
    except ImportError:
        raise DependencyMissingError(
            "stable-baselines3 is not installed; run: pip install 'a2perf[baselines]'"
        ) from None
    classes: dict[str, Any] = {"ppo": sb3.PPO, "sac": sb3.SAC, "dqn": sb3.DQN, "a2c": sb3.A2C, "td3": sb3.TD3}
    if algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    if algo == "maskable_dqn":
        from a2perf.baselines.maskable_dqn import MaskableDQN

        return MaskableDQN
    if algo not in classes:
        raise ConfigError(f"unknown algorithm {algo!r}; choose one of {', '.join(SB3_ALGORITHMS)}")
    return classes[algo]


NORMALIZED_ATTR = "a2perf_normalized_obs"
"""Attribute set (True) on a model trained on VecNormalize observations; SB3 saves it in the model file."""

NORMALIZE_STATS_SUFFIX = ".vecnormalize.pkl"
"""Observation statistics of ``X.zip`` are in ``X.vecnormalize.pkl`` (``VecNormalize.save`` format)."""


def normalize_stats_file(model_path: Path) -> Path:
    """Where the VecNormalize statistics of a model file live: ``step_N.zip`` -> ``step_N.vecnormalize.pkl``."""
    path = Path(model_path)
    return path.with_name(path.name.removesuffix(".zip") + NORMALIZE_STATS_SUFFIX)


def trained_on_normalized_obs(model: Any) -> bool:
    """True if ``model`` was trained on VecNormalize observations (it needs its statistics to act)."""
    return bool(getattr(model, NORMALIZED_ATTR, False))


def load_normalizer(model_path: Path, model: Any) -> Any:
    """The frozen ``VecNormalize`` saved next to ``model_path`` (see :func:`normalize_stats_file`).

    Raises:
      DataNotFoundError: the statistics file is missing.
      SchemaError: it is not VecNormalize statistics for ``model``'s observation space.
    """
    import pickle

    from stable_baselines3.common.vec_env import VecNormalize

    path = normalize_stats_file(model_path)
    if not path.is_file():
        raise DataNotFoundError(
            f"{path}: missing observation statistics of {Path(model_path).name}, which was trained with "
            "normalize; copy the file saved next to the model during training, or retrain"
        )
    try:
        with path.open("rb") as f:
            normalizer = pickle.load(f)
    except Exception as e:  # pickle raises many types for a damaged file
        raise SchemaError(
            f"{path}: not readable VecNormalize statistics ({type(e).__name__}); retrain"
        ) from None
    if not isinstance(normalizer, VecNormalize):
        raise SchemaError(
            f"{path}: holds a {type(normalizer).__name__}, not VecNormalize statistics; retrain"
        )
    if normalizer.observation_space != model.observation_space:
        raise SchemaError(
            f"{path}: statistics are for {normalizer.observation_space}, the model observes "
            f"{model.observation_space}; use the file saved with this model"
        )
    normalizer.training = False
    normalizer.norm_reward = False
    return normalizer


def accepts_action_masks(model: Any) -> bool:
    """Whether ``model.predict`` takes ``action_masks=`` (MaskablePPO, MaskableDQN)."""
    return "action_masks" in inspect.signature(model.predict).parameters


class SB3Policy:
    """A saved stable-baselines3 model, acting deterministically (or sampling: ``deterministic=False``).

    Args:
      model: a loaded SB3 ``BaseAlgorithm``.
      name: label for tables (defaults to the algorithm's class name, lower case).
      normalizer: the ``VecNormalize`` the model was trained behind (required for such models: see
        :func:`trained_on_normalized_obs`); observations pass through its ``normalize_obs`` first.
      deterministic: act with the mode of the policy (evaluation); ``False`` samples actions (the
        behaviour that generates training data).
    """

    def __init__(
        self, model: Any, name: str | None = None, normalizer: Any = None, deterministic: bool = True
    ) -> None:
        if normalizer is None and trained_on_normalized_obs(model):
            raise ConfigError(
                f"this {type(model).__name__} model was trained on normalized observations; load it with "
                "a2perf.policies.load_sb3_policy (reads its .vecnormalize.pkl) or pass normalizer="
            )
        self.model = model
        self.name = name or type(model).__name__.lower()
        self.normalizer = normalizer
        self.deterministic = deterministic
        self._masked = accepts_action_masks(model)

    def model_input(self, observation: Any) -> Any:
        """The observation as the model sees it (normalized by the training statistics, if any)."""
        return observation if self.normalizer is None else self.normalizer.normalize_obs(observation)

    def act(self, observation: Any, mask: np.ndarray | None = None) -> Any:
        observation = self.model_input(observation)
        if self._masked:
            action, _ = self.model.predict(observation, deterministic=self.deterministic, action_masks=mask)
        else:
            action, _ = self.model.predict(observation, deterministic=self.deterministic)
        return action.item() if isinstance(action, np.ndarray) and action.shape == () else action


def load_sb3_policy(path: Path, env: gym.Env | None = None, algo: str | None = None) -> SB3Policy:
    """Load a stable-baselines3 ``.zip`` model.

    Args:
      path: the model file written by ``model.save``.
      env: optional env, checked against the model's spaces by SB3.
      algo: algorithm name; ``None`` tries each of :data:`SB3_ALGORITHMS` in turn.

    A model trained with ``normalize`` gets its VecNormalize statistics from the file next to it
    (:func:`normalize_stats_file`); a missing file is an error, never a silent fallback.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such model file; pass --policy random or a model saved by SB3")
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"{path}: not a stable-baselines3 model (.zip expected)")
    candidates = [algo] if algo else list(SB3_ALGORITHMS)
    errors = []
    for name in candidates:
        cls = sb3_algorithm_class(name)
        try:
            model = cls.load(path, env=env, device="cpu")
        except Exception as e:  # SB3 raises many types for a class mismatch
            errors.append(f"{name}: {type(e).__name__}")
            continue
        normalizer = load_normalizer(path, model) if trained_on_normalized_obs(model) else None
        return SB3Policy(model, name=name, normalizer=normalizer)
    raise ConfigError(
        f"{path}: could not load as any of {', '.join(candidates)} ({'; '.join(errors)}); pass --algo"
    )

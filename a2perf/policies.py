"""Policies that a2perf can roll out: a seeded random policy and saved stable-baselines3 models.

A policy maps one observation to one action. Both kinds honour ``action_masks()`` when the
env offers it (chip and web envs), so a random policy only picks legal actions.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from a2perf.errors import ConfigError, DataNotFoundError, DependencyMissingError


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


SB3_ALGORITHMS = ("ppo", "sac", "dqn", "a2c", "td3", "maskable_ppo")


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
    if algo not in classes:
        raise ConfigError(f"unknown algorithm {algo!r}; choose one of {', '.join(SB3_ALGORITHMS)}")
    return classes[algo]


class SB3Policy:
    """A saved stable-baselines3 model, acting deterministically.

    Args:
      model: a loaded SB3 ``BaseAlgorithm``.
      name: label for tables (defaults to the algorithm's class name, lower case).
    """

    def __init__(self, model: Any, name: str | None = None) -> None:
        self.model = model
        self.name = name or type(model).__name__.lower()
        self._masked = type(model).__name__ == "MaskablePPO"

    def act(self, observation: Any, mask: np.ndarray | None = None) -> Any:
        if self._masked:
            action, _ = self.model.predict(observation, deterministic=True, action_masks=mask)
        else:
            action, _ = self.model.predict(observation, deterministic=True)
        return action.item() if isinstance(action, np.ndarray) and action.shape == () else action


def load_sb3_policy(path: Path, env: gym.Env | None = None, algo: str | None = None) -> SB3Policy:
    """Load a stable-baselines3 ``.zip`` model.

    Args:
      path: the model file written by ``model.save``.
      env: optional env, checked against the model's spaces by SB3.
      algo: algorithm name; ``None`` tries each of :data:`SB3_ALGORITHMS` in turn.
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
        return SB3Policy(model, name=name)
    raise ConfigError(
        f"{path}: could not load as any of {', '.join(candidates)} ({'; '.join(errors)}); pass --algo"
    )

"""DQN that only explores, acts and bootstraps among valid actions (chip and web envs).

Stock SB3 ``DQN`` samples its epsilon-greedy and warm-up actions from the whole ``Discrete(n)``
space: on a level-1 web page ~28 of the 12,500 actions are valid, so almost every exploratory
action is wasted, and on chip the greedy action and the TD target ignore the legal cells.
:class:`MaskableDQN` treats masks the way sb3-contrib's ``MaskablePPO`` does:

- exploration (the ``learning_starts`` warm-up and the epsilon branch) draws uniformly among the
  valid actions of each env, with masks from the VecEnv's ``action_masks()``;
- the greedy action is the argmax of Q over the valid actions;
- ``predict(..., action_masks=...)`` takes masks like ``MaskablePPO.predict``; without them the
  mask is read from the observation (so a plain ``predict`` call is masked too);
- the TD target ``r + gamma * max_a' Q_target(s', a')`` maximises over the valid ``a'`` only.

The next-state masks come from the observation, not from a bigger replay buffer: the chip and web
envs put their mask in the observation (``mask``, shape ``(n,)``; ``dom_profile_joint_mask``, shape
``(F, E)`` with action ``f * E + e``, actions ``>= F * E`` never valid), so the buffer already
holds them. ``mask_key`` names that entry; it is flattened, compared with 0.5 and padded with
False up to ``n``. States without any valid action (terminal chip states) bootstrap from 0.

Example::

    model = MaskableDQN("MultiInputPolicy", vec_env, mask_key="mask", learning_starts=500)
    model.learn(10_000)
    action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
"""

from __future__ import annotations

import inspect
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch as th
import torch.nn.functional as F
from gymnasium import spaces
from sb3_contrib.common.maskable.utils import get_action_masks
from stable_baselines3 import DQN
from stable_baselines3.common.noise import ActionNoise

from a2perf.errors import ConfigError

DEFAULT_MASK_KEY = "mask"
"""Observation key of the valid-action mask in the chip envs (and the default of ``mask_key``)."""


class MaskableDQN(DQN):
    """SB3 ``DQN`` restricted to valid actions in exploration, greedy action and TD target.

    Args:
      policy, env: as for SB3 ``DQN``; ``env`` must expose ``action_masks()`` (each env of the VecEnv)
        and have a ``Dict`` observation holding the mask under ``mask_key``.
      mask_key: observation key of the valid-action mask: shape ``(n,)`` or any shape whose
        flattened size is at most ``n`` (web: ``dom_profile_joint_mask``, ``(F, E)``); entries > 0.5
        are valid, actions past its size are invalid.
      *args, **kwargs: every other SB3 ``DQN`` argument (``learning_starts``, ``exploration_fraction``,
        ...); ``inspect.signature(MaskableDQN.__init__)`` lists them.
    """

    def __init__(
        self, policy: Any, env: Any, *args: Any, mask_key: str = DEFAULT_MASK_KEY, **kwargs: Any
    ) -> None:
        self.mask_key = mask_key
        super().__init__(policy, env, *args, **kwargs)

    def _setup_model(self) -> None:
        space = self.observation_space
        if not isinstance(self.action_space, spaces.Discrete):
            raise ConfigError(f"MaskableDQN needs a Discrete action space, got {self.action_space}")
        if not isinstance(space, spaces.Dict) or self.mask_key not in space.spaces:
            keys = ", ".join(space.spaces) if isinstance(space, spaces.Dict) else "none (not a Dict)"
            raise ConfigError(
                f"MaskableDQN reads next-state masks from observation key {self.mask_key!r} but the "
                f"observation keys are {keys}; set mask_key to the key of the action mask or use maskable_ppo"
            )
        size = int(np.prod(space.spaces[self.mask_key].shape))
        if size > self.action_space.n:
            raise ConfigError(
                f"observation {self.mask_key!r} has {size} entries but there are only "
                f"{self.action_space.n} actions; mask_key must name the action mask"
            )
        normalizer = self._vec_normalize_env
        if (
            normalizer is not None
            and normalizer.norm_obs
            and self.mask_key in (normalizer.norm_obs_keys or [])
        ):
            kept = [k for k in space.spaces if k != self.mask_key]
            raise ConfigError(
                f"normalize would rescale the action-mask observation {self.mask_key!r} that MaskableDQN "
                f"reads; set normalize: {{norm_obs_keys: [{', '.join(kept)}]}} or normalize: false"
            )
        super()._setup_model()

    # ------------------------------------------------------------------ masks
    def observation_masks(self, observations: dict[str, th.Tensor]) -> th.Tensor:
        """Valid actions read from a batch of observations.

        Args:
          observations: tensors with a batch axis, as sampled from the replay buffer.
        Returns:
          bool tensor ``(B, n)``.
        """
        raw = observations[self.mask_key]
        valid = raw.reshape(raw.shape[0], -1) > 0.5
        return F.pad(valid, (0, int(self.action_space.n) - valid.shape[1]), value=False)

    def _masks_for(self, observation: Any, action_masks: np.ndarray | None, n_batch: int) -> np.ndarray:
        """``action_masks`` (or the observation's mask) as bool ``(n_batch, n)``."""
        if action_masks is None:
            raw = np.asarray(observation[self.mask_key]).reshape(n_batch, -1) > 0.5
            masks = np.zeros((n_batch, int(self.action_space.n)), dtype=bool)
            masks[:, : raw.shape[1]] = raw
        else:
            masks = np.asarray(action_masks, dtype=bool).reshape(n_batch, -1)
        if masks.shape[1] != self.action_space.n:
            raise ConfigError(
                f"action_masks has {masks.shape[1]} entries per observation, expected {self.action_space.n}"
            )
        if not masks.any(axis=1).all():
            raise ConfigError("an action mask has no valid action; the env should have ended the episode")
        return masks

    def _random_valid(self, masks: np.ndarray) -> np.ndarray:
        """One uniform draw among the valid actions of each row of ``masks`` ``(n_batch, n)``."""
        if not masks.any(axis=1).all():
            raise ConfigError("an action mask has no valid action; the env should have ended the episode")
        return np.array([self.action_space.sample(mask=m.astype(np.int8)) for m in masks])

    # ------------------------------------------------------------------ acting
    def _sample_action(
        self, learning_starts: int, action_noise: ActionNoise | None = None, n_envs: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Warm-up: uniform among each env's valid actions; then masked epsilon-greedy."""
        masks = get_action_masks(self.env)
        if self.num_timesteps < learning_starts:
            action = self._random_valid(masks)
        else:
            assert self._last_obs is not None, "self._last_obs was not set"
            action, _ = self.predict(self._last_obs, deterministic=False, action_masks=masks)
        return action, action

    def predict(
        self,
        observation: np.ndarray | dict[str, np.ndarray],
        state: tuple[np.ndarray, ...] | None = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
        action_masks: np.ndarray | None = None,
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
        """Masked epsilon-greedy action(s).

        Args:
          observation: one observation or a batch (dict of arrays).
          deterministic: greedy only (no epsilon branch).
          action_masks: bool ``(n,)`` or ``(n_batch, n)``; ``None``: read from ``observation[mask_key]``.
        Returns:
          (actions, state): actions shape ``()`` for one observation, ``(n_batch,)`` for a batch.
        """
        vectorized = self.policy.is_vectorized_observation(observation)
        n_batch = next(iter(observation.values())).shape[0] if vectorized else 1
        masks = self._masks_for(observation, action_masks, n_batch)
        if not deterministic and np.random.rand() < self.exploration_rate:
            actions = self._random_valid(masks)
        else:
            self.policy.set_training_mode(False)
            obs_tensor, _ = self.policy.obs_to_tensor(observation)
            with th.no_grad():
                q_values = self.policy.q_net(obs_tensor)
            valid = th.as_tensor(masks, device=q_values.device)
            actions = q_values.masked_fill(~valid, -th.inf).argmax(dim=1).cpu().numpy()
        return (actions if vectorized else actions[0]), state

    # ------------------------------------------------------------------ learning
    def td_target(self, replay_data: Any) -> th.Tensor:
        """``r + discount * (1 - done) * max over valid a' of Q_target(s', a')``, shape ``(B, 1)``.

        A next state without any valid action contributes 0 (not ``-inf``, which times ``1 - done = 0``
        would be NaN).
        """
        discounts = replay_data.discounts if replay_data.discounts is not None else self.gamma
        with th.no_grad():
            next_q = self.q_net_target(replay_data.next_observations)
            valid = self.observation_masks(replay_data.next_observations)
            next_q = next_q.masked_fill(~valid, -th.inf).max(dim=1).values
            next_q = th.where(valid.any(dim=1), next_q, th.zeros_like(next_q)).reshape(-1, 1)
            return replay_data.rewards + (1 - replay_data.dones) * discounts * next_q

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        """SB3 ``DQN.train`` with the next-state max taken over valid actions only."""
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        losses = []
        for _ in range(gradient_steps):
            replay_data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)  # type: ignore[union-attr]
            target_q = self.td_target(replay_data)
            current_q = th.gather(
                self.q_net(replay_data.observations), dim=1, index=replay_data.actions.long()
            )
            loss = F.smooth_l1_loss(current_q, target_q)
            losses.append(loss.item())
            self.policy.optimizer.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", np.mean(losses))

    # ------------------------------------------------------------------ saving
    @classmethod
    def load(cls, path: Any, env: Any = None, device: Any = "auto", **kwargs: Any) -> MaskableDQN:  # type: ignore[override]
        """``DQN.load`` that refuses a model not saved by MaskableDQN (SB3 would load it silently).

        Raises:
          ConfigError: the file holds another algorithm's model (e.g. a stock DQN).
        """
        if isinstance(path, str | Path) and not saved_by_maskable_dqn(path):
            raise ConfigError(f"{path}: not a MaskableDQN model (no mask_key saved); load it with --algo dqn")
        return super().load(path, env=env, device=device, **kwargs)


def _signature_with_mask_key() -> inspect.Signature:
    """``DQN.__init__``'s signature plus ``mask_key`` (keyword-only), so that callers checking
    hyper-parameter names with ``inspect.signature`` (a2perf's config check) see every DQN argument."""
    base = inspect.signature(DQN.__init__)
    params = [p for p in base.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    mask_key = inspect.Parameter(
        "mask_key", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_MASK_KEY, annotation="str"
    )
    return base.replace(parameters=[*params, mask_key])


MaskableDQN.__init__.__signature__ = _signature_with_mask_key()  # type: ignore[attr-defined]


def saved_by_maskable_dqn(path: str | Path) -> bool:
    """Whether the SB3 ``.zip`` at ``path`` was saved by :class:`MaskableDQN` (its data has ``mask_key``)."""
    path = Path(path)
    if not path.is_file() and path.with_suffix(".zip").is_file():
        path = path.with_suffix(".zip")
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False
    return isinstance(data, dict) and "mask_key" in data

"""Feature extractors for dict observations made of token ids (the web domain).

A flat MLP on raw token ids treats id 517 as "bigger" than id 12: meaningless. The
:class:`TokenEmbeddingExtractor` embeds every integer key of a ``Dict`` observation with one
shared embedding table, mean-pools the tokens of each item (DOM element, profile field),
keeps the items in place and projects them; float keys (masks, numeric features) are flattened
and projected by a small linear layer.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

PAD_ID = 0


def _is_token_space(space: gym.Space) -> bool:
    return (
        isinstance(space, gym.spaces.Box)
        and np.issubdtype(space.dtype, np.integer)
        and len(space.shape) >= 1
        and float(np.max(space.high)) > 1
    )


def _projection(n_in: int, n_out: int) -> nn.Module:
    """Linear -> LayerNorm -> ReLU. The norm keeps wide inputs (12,500 mask entries) from killing
    every ReLU after a few updates, which would make the features constant."""
    return nn.Sequential(nn.Linear(n_in, n_out), nn.LayerNorm(n_out), nn.ReLU())


class TokenEmbeddingExtractor(BaseFeaturesExtractor):
    """Shared token embeddings, pooled per item, for ``Dict`` observations of token ids.

    Args:
      observation_space: a ``Dict`` space. Integer ``Box`` keys with ``high > 1`` are token ids of
        shape ``(items, ..., tokens)`` or ``(tokens,)``; every other key is numeric.
      embedding_dim: ``E``, size of one token embedding.
      item_dim: output size of the projection of each token key.
      numeric_dim: output size of the projection of each numeric key.

    Each token key: embed ``(B, items, ..., T) -> (B, items, ..., T, E)``, mean over the tokens
    (padding id 0 ignored) and over any axes between items and tokens -> ``(B, items, E)``, then
    flatten and project to ``item_dim`` (Linear, LayerNorm, ReLU). Items keep their position, so the policy head
    can tell which DOM element or profile field a feature came from (the action picks one).
    Numeric keys are flattened and projected to ``numeric_dim``. Output ``(B, features_dim)`` with
    ``features_dim = item_dim * token keys + numeric_dim * numeric keys``.
    """

    def __init__(
        self,
        observation_space: gym.spaces.Dict,
        embedding_dim: int = 16,
        item_dim: int = 64,
        numeric_dim: int = 32,
    ) -> None:
        if not isinstance(observation_space, gym.spaces.Dict):
            raise TypeError(
                f"TokenEmbeddingExtractor needs a Dict observation space, got {observation_space}"
            )
        token_keys = [k for k, s in observation_space.spaces.items() if _is_token_space(s)]
        numeric_keys = [k for k in observation_space.spaces if k not in token_keys]
        vocab = 1 + max((int(np.max(observation_space[k].high)) for k in token_keys), default=1)
        features = item_dim * len(token_keys) + numeric_dim * len(numeric_keys)
        super().__init__(observation_space, features_dim=max(features, 1))
        self.token_keys = token_keys
        self.numeric_keys = numeric_keys
        self.embedding = nn.Embedding(vocab, embedding_dim, padding_idx=PAD_ID)

        def items(key: str) -> int:
            shape = observation_space[key].shape
            return shape[0] if len(shape) > 1 else 1

        self.token_proj = nn.ModuleDict(
            {k: _projection(items(k) * embedding_dim, item_dim) for k in token_keys}
        )
        self.numeric = nn.ModuleDict(
            {
                k: _projection(gym.spaces.utils.flatdim(observation_space[k]), numeric_dim)
                for k in numeric_keys
            }
        )

    def _pool_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, [items, ...,] T) token ids -> (B, items * E) per-item mean embeddings."""
        ids = ids.long().clamp(min=0, max=self.embedding.num_embeddings - 1)
        batch = ids.shape[0]
        if ids.dim() == 2:
            ids = ids.unsqueeze(1)  # one item
        ids = ids.reshape(batch, ids.shape[1], -1)  # (B, items, tokens of all middle axes)
        mask = (ids != PAD_ID).unsqueeze(-1).float()
        emb = self.embedding(ids) * mask  # (B, items, T, E)
        pooled = emb.sum(dim=2) / mask.sum(dim=2).clamp(min=1.0)  # (B, items, E)
        return pooled.reshape(batch, -1)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        parts = [self.token_proj[k](self._pool_tokens(observations[k])) for k in self.token_keys]
        for k in self.numeric_keys:
            x = observations[k].float().reshape(observations[k].shape[0], -1)
            parts.append(self.numeric[k](x))
        return torch.cat(parts, dim=-1)


EXTRACTORS: dict[str, type[BaseFeaturesExtractor]] = {"TokenEmbeddingExtractor": TokenEmbeddingExtractor}
"""Extractor names usable as ``policy_kwargs.features_extractor_class`` in YAML configs."""

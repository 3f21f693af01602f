"""Feature extractors for dict observations made of token ids (the web domain).

A flat MLP on raw token ids treats id 517 as "bigger" than id 12: meaningless. The
:class:`TokenEmbeddingExtractor` embeds every integer key of a ``Dict`` observation with one
shared embedding table, mean-pools over the last axis (the tokens of one attribute, padding id 0
ignored), then pools any remaining axes (e.g. the DOM elements) with a masked mean and a max.
Float keys (masks, numeric features) are flattened and projected by a small linear layer.
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


class TokenEmbeddingExtractor(BaseFeaturesExtractor):
    """Shared token embeddings with masked pooling for ``Dict`` observations of token ids.

    Args:
      observation_space: a ``Dict`` space. Integer ``Box`` keys with ``high > 1`` are token ids,
        shape ``(..., tokens)``; every other key is a numeric feature flattened to a vector.
      embedding_dim: size of one token embedding.
      numeric_dim: output size of the projection of each numeric key.

    Output: ``(batch, features_dim)`` with ``features_dim = sum over token keys of (E or 2E) +
    numeric_dim * number of numeric keys`` (``E`` = ``embedding_dim``; ``2E`` when a key has axes
    besides the tokens, pooled by mean and max).
    """

    def __init__(
        self, observation_space: gym.spaces.Dict, embedding_dim: int = 32, numeric_dim: int = 32
    ) -> None:
        if not isinstance(observation_space, gym.spaces.Dict):
            raise TypeError(
                f"TokenEmbeddingExtractor needs a Dict observation space, got {observation_space}"
            )
        token_keys = [k for k, s in observation_space.spaces.items() if _is_token_space(s)]
        numeric_keys = [k for k in observation_space.spaces if k not in token_keys]
        vocab = 1 + max((int(np.max(observation_space[k].high)) for k in token_keys), default=1)
        features = sum(
            embedding_dim * (2 if len(observation_space[k].shape) > 1 else 1) for k in token_keys
        ) + numeric_dim * len(numeric_keys)
        super().__init__(observation_space, features_dim=max(features, 1))
        self.token_keys = token_keys
        self.numeric_keys = numeric_keys
        self.embedding = nn.Embedding(vocab, embedding_dim, padding_idx=PAD_ID)
        self.numeric = nn.ModuleDict(
            {
                k: nn.Sequential(
                    nn.Linear(gym.spaces.utils.flatdim(observation_space[k]), numeric_dim), nn.ReLU()
                )
                for k in numeric_keys
            }
        )

    def _pool_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids.long().clamp(min=0, max=self.embedding.num_embeddings - 1)
        mask = (ids != PAD_ID).unsqueeze(-1).float()  # (B, ..., T, 1)
        emb = self.embedding(ids) * mask  # (B, ..., T, E)
        count = mask.sum(dim=-2)  # (B, ..., 1)
        pooled = emb.sum(dim=-2) / count.clamp(min=1.0)  # (B, ..., E)
        if pooled.dim() == 2:
            return pooled
        batch = pooled.shape[0]
        flat = pooled.reshape(batch, -1, pooled.shape[-1])  # (B, N, E)
        present = (count.reshape(batch, -1, 1) > 0).float()
        mean = (flat * present).sum(dim=1) / present.sum(dim=1).clamp(min=1.0)
        neg = torch.finfo(flat.dtype).min
        mx = torch.where(present > 0, flat, torch.full_like(flat, neg)).amax(dim=1)
        mx = torch.where(present.sum(dim=1) > 0, mx, torch.zeros_like(mx))
        return torch.cat([mean, mx], dim=-1)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        parts = [self._pool_tokens(observations[k]) for k in self.token_keys]
        for k in self.numeric_keys:
            x = observations[k].float().reshape(observations[k].shape[0], -1)
            parts.append(self.numeric[k](x))
        return torch.cat(parts, dim=-1)


EXTRACTORS: dict[str, type[BaseFeaturesExtractor]] = {"TokenEmbeddingExtractor": TokenEmbeddingExtractor}
"""Extractor names usable as ``policy_kwargs.features_extractor_class`` in YAML configs."""

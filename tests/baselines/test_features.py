"""TokenEmbeddingExtractor: shapes, padding, item positions, and use inside an SB3 policy."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

from a2perf.baselines.features import TokenEmbeddingExtractor

SPACE = gym.spaces.Dict(
    {
        "dom": gym.spaces.Box(0, 50, (4, 2, 3), np.int32),  # 4 elements x 2 attributes x 3 tokens
        "profile": gym.spaces.Box(0, 50, (2, 3), np.int32),  # 2 fields x 3 tokens
        "dom_mask": gym.spaces.Box(0.0, 1.0, (4,), np.float32),
    }
)


def _obs(batch: int = 1) -> dict[str, torch.Tensor]:
    return {
        "dom": torch.zeros(batch, 4, 2, 3),
        "profile": torch.zeros(batch, 2, 3),
        "dom_mask": torch.ones(batch, 4),
    }


def test_shapes_and_token_keys() -> None:
    ext = TokenEmbeddingExtractor(SPACE, embedding_dim=5, item_dim=7, numeric_dim=3)
    assert ext.token_keys == ["dom", "profile"] and ext.numeric_keys == ["dom_mask"]
    assert ext.features_dim == 7 + 7 + 3
    assert ext.embedding.num_embeddings == 51
    assert ext(_obs(batch=6)).shape == (6, 17)


def test_padding_is_ignored_and_positions_matter() -> None:
    torch.manual_seed(0)
    ext = TokenEmbeddingExtractor(SPACE, embedding_dim=4)
    a, b, c = _obs(), _obs(), _obs()
    a["dom"][0, 1, 0, 0] = 7  # element 1: one token "7"
    b["dom"][0, 1, 0, :] = torch.tensor([7, 0, 0])
    b["dom"][0, 1, 1, :] = torch.tensor([7, 7, 0])  # same token repeated: same mean, more padding elsewhere
    c["dom"][0, 2, 0, 0] = 7  # the same token on element 2
    pooled = [ext._pool_tokens(o["dom"]) for o in (a, b, c)]
    assert torch.allclose(pooled[0], pooled[1])  # padding (id 0) does not dilute the mean
    assert not torch.allclose(pooled[0], pooled[2])  # which element holds the token is kept
    emb7 = ext.embedding.weight[7]
    assert torch.allclose(pooled[0].reshape(4, 4)[1], emb7) and torch.allclose(
        pooled[0].reshape(4, 4)[0], torch.zeros(4)
    )


def test_extractor_inside_an_sb3_policy() -> None:
    from stable_baselines3 import PPO

    class TokenEnv(gym.Env):
        observation_space = SPACE
        action_space = gym.spaces.Discrete(3)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return SPACE.sample(), {}

        def step(self, action):
            return SPACE.sample(), 0.0, True, False, {}

    model = PPO(
        "MultiInputPolicy",
        TokenEnv(),
        n_steps=16,
        batch_size=8,
        n_epochs=1,
        policy_kwargs={"features_extractor_class": TokenEmbeddingExtractor, "net_arch": [8]},
        device="cpu",
    )
    model.learn(16)
    action, _ = model.predict(SPACE.sample(), deterministic=True)
    assert 0 <= int(action) < 3

"""Helpers writing small numpy-only submissions for CartPole into a temp folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

META = """\
name: {name}
authors: [Test Author]
algorithm: heuristic
domains: [other]
licence: Apache-2.0
contact: test@example.com
"""

TRAIN = """\
from pathlib import Path


def train(env_id, seed, root_dir, **kwargs):
    import gymnasium as gym

    env = gym.make(env_id)
    for episode in range(3):
        env.reset(seed=seed + episode)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
    Path(root_dir, "weights.txt").write_text("1.0")
"""

# Balances CartPole: push towards the side the pole is falling to (returns ~500).
INFERENCE = """\
def load_policy(env, root_dir=None, **kwargs):
    return {"gain": 1.0}


def preprocess_observation(observation):
    return observation


def infer_once(policy, preprocessed_observation):
    angle, velocity = preprocessed_observation[2], preprocessed_observation[3]
    return int(angle + 0.5 * velocity > 0)
"""


def write_submission(
    root: Path,
    *,
    name: str = "heuristic",
    meta: str | None = None,
    train: str | None = TRAIN,
    inference: str | None = INFERENCE,
    requirements: str | None = "",
) -> Path:
    """Write a submission folder; pass None to leave a file out."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "submission.yaml": meta if meta is not None else META.format(name=name),
        "train.py": train,
        "inference.py": inference,
        "requirements.txt": requirements,
    }
    for file, text in files.items():
        if text is not None:
            (root / file).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def make_submission(tmp_path):
    def make(name: str = "sub", **kwargs) -> Path:
        return write_submission(tmp_path / name, **kwargs)

    return make

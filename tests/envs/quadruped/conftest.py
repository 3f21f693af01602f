"""Shared fixtures: paths to the parity data in ../shared/data/quadruped (read-only, never copied)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA_DIR = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "quadruped").resolve()


def clip_path(name: str) -> Path:
    """Path of a dog clip (``pace``, ``trot``, ``spin``) in the shared data folder."""
    return DATA_DIR / f"dog_{name}.txt"


def load_policy(name: str):
    """Numpy forward pass of the pretrained policy mean for a dog clip (data README formula)."""
    w = dict(np.load(DATA_DIR / f"dog_{name}_policy_pi.npz"))
    w0, b0, w1, b1, w2, b2 = (w[k] for k in ("pi_fc0_w", "pi_fc0_b", "pi_fc1_w", "pi_fc1_b", "pi_w", "pi_b"))

    def policy(obs: np.ndarray) -> np.ndarray:
        h = np.maximum(obs @ w0 + b0, 0.0)
        h = np.maximum(h @ w1 + b1, 0.0)
        return np.clip(h @ w2 + b2, -2 * np.pi, 2 * np.pi)

    return policy


@pytest.fixture(scope="session")
def data_dir() -> Path:
    assert DATA_DIR.is_dir(), f"shared test data missing at {DATA_DIR}"
    return DATA_DIR

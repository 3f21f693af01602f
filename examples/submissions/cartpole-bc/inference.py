"""Act with the cloned logistic-regression policy written by ``train``."""

from pathlib import Path

import numpy as np


def load_policy(env, root_dir=None, **kwargs):
    """Read ``<root_dir>/weights.npz``: {"w": shape (4,), "b": scalar}."""
    path = Path(root_dir or ".") / "weights.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; run the train phase first (--phases train,inference)"
        )
    data = np.load(path)
    return {"w": data["w"], "b": float(data["b"])}


def preprocess_observation(observation):
    """The raw CartPole observation as float64, shape (4,)."""
    return np.asarray(observation, dtype=np.float64)


def infer_once(policy, preprocessed_observation):
    """Action 1 when the cloned probability of pushing right exceeds 1/2."""
    return int(preprocessed_observation @ policy["w"] + policy["b"] > 0)

"""Load the trained PPO model and act (scaffolded by `a2perf submission init`).

The harness calls ``load_policy(env, root_dir=..., **inference_kwargs)`` once per env, then for
every step ``preprocess_observation(observation)`` and
``infer_once(policy=..., preprocessed_observation=...)``, which must return an element of
``env.action_space``. ``env`` is the env the harness rolls out, so the policy may read its
action mask.
"""

from pathlib import Path

import numpy as np
from train import algorithm_class


class Policy:
    """A saved SB3 model acting deterministically; honours the env's action mask if it has one."""

    def __init__(self, model, env):
        self.model = model
        self.env = env
        self.masked = hasattr(env.unwrapped, "action_masks")

    def act(self, observation):
        if self.masked:
            mask = np.asarray(self.env.unwrapped.action_masks(), dtype=bool)
            action, _ = self.model.predict(observation, deterministic=True, action_masks=mask)
        else:
            action, _ = self.model.predict(observation, deterministic=True)
        return action.item() if isinstance(action, np.ndarray) and action.shape == () else action


def load_policy(env, root_dir=None, **kwargs):
    """Load ``<root_dir>/model.zip`` written by ``train``."""
    path = Path(root_dir or ".") / "model.zip"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; run the train phase first (--phases train,inference)"
        )
    return Policy(algorithm_class(env).load(path, device="cpu"), env)


def preprocess_observation(observation):
    """SB3 models take raw observations."""
    return observation


def infer_once(policy, preprocessed_observation):
    """One action for one observation."""
    return policy.act(preprocessed_observation)

"""Behaviour cloning on CartPole with numpy only.

1. Collect ``demo_episodes`` episodes with a hand-written expert (push towards the side the pole
   is falling to); the harness counts these env steps as the training data.
2. Fit a logistic regression ``P(action = 1 | obs) = sigmoid(w . obs + b)`` to the expert's
   actions by full-batch gradient descent on the cross-entropy.
3. Save ``weights.npz`` (w, b) under ``root_dir``.
"""

from pathlib import Path

import gymnasium as gym
import numpy as np


def expert_action(observation):
    """The demonstrator: 1 (push right) when the pole falls to the right, else 0."""
    return int(observation[2] + 0.5 * observation[3] > 0)


def collect(env_id, seed, episodes):
    """Expert (observation, action) pairs, shapes (N, 4) and (N,)."""
    env = gym.make(env_id)
    observations, actions = [], []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed * 1000 + episode)
        done = False
        while not done:
            action = expert_action(obs)
            observations.append(obs)
            actions.append(action)
            obs, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
    env.close()
    return np.asarray(observations, dtype=np.float64), np.asarray(actions, dtype=np.float64)


def fit_logistic(x, y, epochs, lr=0.5):
    """Gradient descent on the mean cross-entropy; returns (w shape (4,), b)."""
    scale = x.std(axis=0) + 1e-8
    xs = x / scale
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(xs @ w + b)))
        w -= lr * xs.T @ (p - y) / len(y)
        b -= lr * float(np.mean(p - y))
    return w / scale, b


def train(env_id, seed, root_dir, demo_episodes=10, epochs=300):
    """Collect demonstrations, clone them, save ``<root_dir>/weights.npz``."""
    x, y = collect(env_id, seed, demo_episodes)
    w, b = fit_logistic(x, y, epochs)
    Path(root_dir).mkdir(parents=True, exist_ok=True)
    np.savez(Path(root_dir) / "weights.npz", w=w, b=np.array(b))

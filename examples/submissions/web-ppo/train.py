"""Train a PPO agent with stable-baselines3 (scaffolded by `a2perf submission init`).

The a2perf harness calls ``train(env_id=..., seed=..., root_dir=..., **train_kwargs)`` in a
separate process; ``train_kwargs`` come from submission.yaml. Save what ``load_policy`` needs
under ``root_dir``.
"""

from pathlib import Path

import gymnasium as gym

import a2perf  # noqa: F401  (registers the a2perf env ids with gymnasium)


def algorithm_class(env: gym.Env) -> type:
    """MaskablePPO for envs with legal-action masks (chip, web), PPO otherwise."""
    if hasattr(env.unwrapped, "action_masks"):
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    from stable_baselines3 import PPO

    return PPO


def train(
    env_id,
    seed,
    root_dir,
    total_timesteps=2048,
    n_steps=128,
    batch_size=32,
    n_epochs=6,
    learning_rate=0.0005,
    ent_coef=0.01,
    **ppo_kwargs,
):
    """Train for ``total_timesteps`` env steps and save ``<root_dir>/model.zip``.

    Web observations are token ids, so the policy is a2perf's pointer policy: it embeds each profile
    field and page element and scores (field, element) pairs (a flat MLP on raw ids barely learns).
    The defaults are a2perf's tuned web settings (a2perf/baselines/configs/maskable_ppo.yaml).
    """
    from a2perf.baselines.web_policy import MaskableWebPointerPolicy

    env = gym.make(env_id)
    model = algorithm_class(env)(
        MaskableWebPointerPolicy,
        env,
        n_steps=n_steps,
        batch_size=batch_size,
        n_epochs=n_epochs,
        learning_rate=learning_rate,
        ent_coef=ent_coef,
        policy_kwargs={"embedding_dim": 32, "hidden_dim": 64},
        seed=seed,
        device="cpu",
        verbose=0,
        **ppo_kwargs,
    )
    model.learn(total_timesteps=total_timesteps)
    Path(root_dir).mkdir(parents=True, exist_ok=True)
    model.save(Path(root_dir) / "model.zip")
    env.close()

"""Behaviour cloning with a2perf's baseline trainer, from a Minari dataset built by a2perf.

The dataset is built beforehand from PPO checkpoints (see README.md); its id is listed in
submission.yaml twice: under ``datasets`` (so the harness reports its data cost) and as the
``dataset`` train kwarg (what this code trains from).
"""

import shutil
from pathlib import Path

RUN = "bc-run"


def train(env_id, seed, root_dir, dataset, **hyperparameters):
    """Clone ``dataset`` into an SB3 policy saved as ``<root_dir>/bc-run/model.zip``."""
    from a2perf.baselines.train import TrainConfig
    from a2perf.baselines.train import train as train_baseline

    out = Path(root_dir) / RUN
    shutil.rmtree(out, ignore_errors=True)  # a fresh run each time
    config = TrainConfig(
        env_id=env_id,
        algo="bc",
        out=out,
        seed=seed,
        dataset=dataset,
        overrides=hyperparameters,
        monitor=False,
    )
    train_baseline(config)

"""`a2perf submission init`: write a working stable-baselines3 PPO submission for a domain."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import jinja2

from a2perf.errors import ConfigError
from a2perf.submission.spec import DOMAINS

DEFAULT_ENVS = {
    "chip": "CircuitTraining-ToyMacro-v0",
    "web": "WebNavigation-DifficultyLevel-01-v0",
    "quadruped": "QuadrupedLocomotion-Pace-v0",
    "other": "CartPole-v1",
}
"""The env id each scaffold's README and description point at."""

TEMPLATES = ("train.py", "inference.py", "submission.yaml", "requirements.txt", "README.md")
TOTAL_TIMESTEPS = {"chip": 2048, "web": 2048, "quadruped": 4096, "other": 4096}


def init_submission(directory: Path, domain: str, name: str | None = None) -> list[Path]:
    """Create ``directory`` holding a PPO submission for ``domain``; returns the files written.

    Args:
      directory: must not exist yet (an existing folder is never overwritten).
      domain: one of ``chip``, ``web``, ``quadruped``, ``other`` (plain gymnasium, CartPole).
      name: submission name (default: the folder name).

    Raises:
      ConfigError: unknown domain, or ``directory`` already exists.
    """
    directory = Path(directory)
    if domain not in DOMAINS:
        raise ConfigError(f"unknown domain {domain!r}; choose one of {', '.join(DOMAINS)}")
    if directory.exists():
        raise ConfigError(f"{directory} already exists; choose a new folder (init never overwrites)")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("a2perf.submission", "templates"),
        autoescape=False,  # Python and YAML sources, not HTML
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    values = {
        "name": name or directory.resolve().name,
        "domain": domain,
        "env_id": DEFAULT_ENVS[domain],
        "total_timesteps": TOTAL_TIMESTEPS[domain],
        "dir_name": str(directory),
    }
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for template in TEMPLATES:
            (tmp / template).write_text(env.get_template(f"{template}.j2").render(**values), encoding="utf-8")
        os.rename(tmp, directory)  # atomic; fails if directory appeared meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [directory / t for t in TEMPLATES]

"""Hyper-parameters of the baselines: YAML defaults per algorithm (RL Zoo style), overridable.

Each ``configs/<algo>.yaml`` maps a key to hyper-parameters. Keys are layered, later ones win:
``default``, then the env's domain (``chip``, ``web``, ``quadruped``), then the exact env id.
A user file (``--config FILE``) is a flat mapping applied on top, e.g.::

    n_timesteps: 20000
    learning_rate: 0.0003
    policy_kwargs: {net_arch: [64, 64]}

a2perf's own keys (:data:`RUN_KEYS`) steer the run; every other key is passed to the SB3 class
constructor and checked against its signature, so a typo is an error, not a silent no-op.
Schedules are written ``lin_<x>``: linear decay from ``x`` to 0 over training. ``policy`` is an SB3
name (``MlpPolicy``, ``MultiInputPolicy``) or an a2perf policy of
:data:`a2perf.baselines.web_policy.POLICIES` (``WebPointerPolicy``, the web default).
``normalize`` wraps the training envs in SB3's ``VecNormalize`` (see :func:`normalize_kwargs`).
``env_kwargs`` gives the training env's kwargs; ``--env-kwargs`` wins key by key.
"""

from __future__ import annotations

import copy
import inspect
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from a2perf.errors import ConfigError, DataNotFoundError

ALGOS = ("ppo", "sac", "dqn", "maskable_ppo", "bc")
"""Algorithms `a2perf train` knows."""

RUN_KEYS = (
    "n_timesteps",
    "n_envs",
    "policy",
    "eval_freq",
    "n_eval_episodes",
    "checkpoint_freq",
    "normalize",
    "env_kwargs",
)
"""Keys read by a2perf itself; the rest go to the SB3 constructor."""

BC_KEYS = (
    "gradient_steps",
    "batch_size",
    "learning_rate",
    "policy_kwargs",
    "n_eval_episodes",
    "dataset",
    "policy",
    "env_kwargs",
)
"""Every key behaviour cloning understands."""


def _read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise ConfigError(f"{source}: not valid YAML{where}: {problem}; fix the file") from None


def default_table(algo: str) -> dict[str, dict[str, Any]]:
    """The packaged ``configs/<algo>.yaml`` as {key: hyper-parameters}."""
    if algo not in ALGOS:
        raise ConfigError(f"unknown algorithm {algo!r}; choose one of {', '.join(ALGOS)}")
    text = resources.files("a2perf.baselines").joinpath("configs", f"{algo}.yaml").read_text(encoding="utf-8")
    table = _read_yaml(text, f"configs/{algo}.yaml") or {}
    return {str(k): dict(v or {}) for k, v in table.items()}


def load_user_config(path: Path) -> dict[str, Any]:
    """Read a ``--config`` file: a flat YAML mapping of hyper-parameters."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such config file; pass a YAML file of hyper-parameters")
    data = _read_yaml(path.read_text(encoding="utf-8"), str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: a config file holds a YAML mapping like 'learning_rate: 0.001', got {type(data).__name__}"
        )
    return {str(k): v for k, v in data.items()}


def resolve(algo: str, env_id: str, domain: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Layered hyper-parameters: default < domain < env id < ``overrides``."""
    table = default_table(algo)
    merged: dict[str, Any] = {}
    for key in ("default", domain, env_id):
        merged.update(copy.deepcopy(table.get(key, {})))
    merged.update(copy.deepcopy(overrides or {}))
    return merged


def split_run_keys(params: dict[str, Any], algo_class: type, source: str) -> tuple[dict, dict]:
    """Split into (a2perf run keys, SB3 constructor kwargs), rejecting keys the class does not take."""
    run = {k: v for k, v in params.items() if k in RUN_KEYS}
    kwargs = {k: v for k, v in params.items() if k not in RUN_KEYS}
    accepted = set(inspect.signature(algo_class.__init__).parameters) - {"self", "policy", "env"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ConfigError(
            f"{source}: {algo_class.__name__} has no hyper-parameter {unknown[0]!r}; "
            f"valid keys: {', '.join(sorted(accepted | set(RUN_KEYS)))}"
        )
    return run, kwargs


def normalize_kwargs(params: dict[str, Any], source: str) -> dict[str, Any] | None:
    """VecNormalize kwargs of the ``normalize`` key (RL Zoo semantics), or None when it is off.

    ``normalize: true`` normalizes observations and rewards (VecNormalize defaults); a mapping such
    as ``{norm_obs: true, norm_reward: false}`` is passed to VecNormalize. Its ``gamma`` (reward
    normalization discount) defaults to the algorithm's ``gamma`` when the config sets one.
    """
    value = params.get("normalize", False)
    if value is False or value is None:
        return None
    if value is True:
        kwargs: dict[str, Any] = {}
    elif isinstance(value, dict):
        kwargs = {str(k): v for k, v in value.items()}
    else:
        raise ConfigError(
            f"{source}: normalize must be true, false or a mapping of VecNormalize kwargs "
            f"like {{norm_obs: true, norm_reward: false}}, got {value!r}"
        )
    if "gamma" in params and "gamma" not in kwargs:
        kwargs["gamma"] = params["gamma"]
    return kwargs


def env_kwargs_of(params: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``env_kwargs`` key (RL Zoo semantics): kwargs of the training env, under ``--env-kwargs``."""
    value = params.get("env_kwargs") or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: env_kwargs must be a mapping like {{mode: test}}, got {value!r}")
    return {str(k): v for k, v in value.items()}


def check_bc_keys(params: dict[str, Any], source: str) -> None:
    """Reject keys behaviour cloning does not use."""
    unknown = sorted(set(params) - set(BC_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: bc has no hyper-parameter {unknown[0]!r}; valid keys: {', '.join(BC_KEYS)}"
        )


def linear_schedule(start: float):
    """SB3 schedule decaying linearly from ``start`` (progress_remaining 1) to 0."""

    def schedule(progress_remaining: float) -> float:
        return progress_remaining * start

    return schedule


_ACTIVATIONS = ("relu", "tanh", "elu", "leaky_relu", "gelu")


def materialize(kwargs: dict[str, Any], source: str) -> dict[str, Any]:
    """Turn YAML values into Python objects: ``lin_x`` schedules, activation and extractor names."""
    import torch.nn as nn

    from a2perf.baselines.features import EXTRACTORS

    out = copy.deepcopy(kwargs)
    for key, value in list(out.items()):
        if isinstance(value, str) and value.startswith("lin_"):
            try:
                out[key] = linear_schedule(float(value[4:]))
            except ValueError:
                raise ConfigError(f"{source}: {key}={value!r} is not a schedule like 'lin_0.001'") from None
    policy_kwargs = out.get("policy_kwargs")
    if policy_kwargs is not None:
        if not isinstance(policy_kwargs, dict):
            raise ConfigError(f"{source}: policy_kwargs must be a mapping, got {policy_kwargs!r}")
        act = policy_kwargs.get("activation_fn")
        if isinstance(act, str):
            if act not in _ACTIVATIONS:
                raise ConfigError(
                    f"{source}: activation_fn {act!r} unknown; choose one of {', '.join(_ACTIVATIONS)}"
                )
            names = {"relu": "ReLU", "tanh": "Tanh", "elu": "ELU", "leaky_relu": "LeakyReLU", "gelu": "GELU"}
            policy_kwargs["activation_fn"] = getattr(nn, names[act])
        extractor = policy_kwargs.get("features_extractor_class")
        if isinstance(extractor, str):
            if extractor not in EXTRACTORS:
                raise ConfigError(
                    f"{source}: features_extractor_class {extractor!r} unknown; choose one of {', '.join(EXTRACTORS)}"
                )
            policy_kwargs["features_extractor_class"] = EXTRACTORS[extractor]
    return out

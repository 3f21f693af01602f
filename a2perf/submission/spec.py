"""The submission format: files, ``submission.yaml`` metadata and the callable contract.

A submission is a directory, compatible with A2Perf's participant module::

    my_submission/
      submission.yaml     metadata (this module's `SubmissionMeta`)
      train.py            def train(env_id, seed, root_dir, **train_kwargs) -> None
      inference.py        def load_policy(env, **kwargs) -> policy
                          def preprocess_observation(observation) -> model input
                          def infer_once(policy, preprocessed_observation) -> action
      requirements.txt    pip requirements (may be empty; a2perf does not install them)

The harness calls ``train(env_id=..., seed=..., root_dir=..., **train_kwargs)`` with the
submission directory as working directory; `train` writes whatever it needs under `root_dir`.
It then calls ``load_policy(env, root_dir=..., **inference_kwargs)``,
``preprocess_observation(observation)`` and ``infer_once(policy=..., preprocessed_observation=...)``
(keyword arguments, as A2Perf's runner did). `train_kwargs` and `inference_kwargs` come from
``submission.yaml`` and keep their YAML types (A2Perf passed strings only).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from a2perf.errors import SchemaError

META_FILE = "submission.yaml"
REQUIRED_FILES = ("train.py", "inference.py", "requirements.txt", META_FILE)
DOMAINS = ("chip", "web", "quadruped", "other")
"""Domains a submission may declare; ``other`` covers plain gymnasium envs such as CartPole."""

TRAIN_ARGS = ("env_id", "seed", "root_dir")
"""Keyword arguments the harness passes to ``train``."""
INFERENCE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "load_policy": ("env", "root_dir"),
    "preprocess_observation": ("observation",),
    "infer_once": ("policy", "preprocessed_observation"),
}
"""Function of ``inference.py`` -> the arguments the harness passes (first of load_policy and
preprocess_observation positionally, the rest by keyword)."""

NonEmpty = Annotated[str, Field(min_length=1)]


class SubmissionMeta(BaseModel):
    """Content of ``submission.yaml``.

    Attributes:
      name: label in tables and on the leaderboard.
      authors: at least one author.
      algorithm: short algorithm label, e.g. ``ppo`` or ``bc``.
      domains: domains the submission supports (subset of `DOMAINS`).
      licence: licence of the submission code, e.g. ``Apache-2.0``.
      contact: e-mail address or URL of the maintainers.
      description: optional free text.
      datasets: Minari dataset ids (built by ``a2perf dataset build``) the submission trains
        from; the harness reports their recorded data cost.
      train_kwargs: extra keyword arguments for ``train`` (typed YAML values).
      inference_kwargs: extra keyword arguments for ``load_policy``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: NonEmpty
    authors: Annotated[list[NonEmpty], Field(min_length=1)]
    algorithm: NonEmpty
    domains: Annotated[list[Literal["chip", "web", "quadruped", "other"]], Field(min_length=1)]
    licence: NonEmpty
    contact: NonEmpty
    description: str = ""
    datasets: list[NonEmpty] = Field(default_factory=list)
    train_kwargs: dict[str, Any] = Field(default_factory=dict)
    inference_kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("train_kwargs")
    @classmethod
    def _no_reserved_train(cls, value: dict[str, Any]) -> dict[str, Any]:
        clash = sorted(set(value) & set(TRAIN_ARGS))
        if clash:
            raise ValueError(f"{', '.join(clash)} are set by the harness; remove them from train_kwargs")
        return value

    @field_validator("inference_kwargs")
    @classmethod
    def _no_reserved_inference(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "env" in value or "root_dir" in value:
            raise ValueError("env and root_dir are set by the harness; remove them from inference_kwargs")
        return value


_FIELD_HINTS = {
    "name": "a non-empty string, e.g. name: my-ppo",
    "authors": "a list of names, e.g. authors: [Ada Lovelace]",
    "algorithm": "a short label, e.g. algorithm: ppo",
    "domains": f"a list drawn from {', '.join(DOMAINS)}, e.g. domains: [chip]",
    "licence": "a licence id, e.g. licence: Apache-2.0",
    "contact": "an e-mail address or URL",
    "description": "a string",
    "datasets": "a list of Minari dataset ids, e.g. datasets: [CircuitTraining-ToyMacro-expert-v0]",
    "train_kwargs": "a mapping of keyword arguments for train()",
    "inference_kwargs": "a mapping of keyword arguments for load_policy()",
}


def _describe(error: dict[str, Any], source: str) -> str:
    loc = [str(p) for p in error["loc"]]
    key = loc[0] if loc else "<root>"
    where = ".".join(loc) or "<root>"
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, list(SubmissionMeta.model_fields), n=1)
        fix = (
            f"did you mean {close[0]!r}?"
            if close
            else f"allowed keys: {', '.join(SubmissionMeta.model_fields)}"
        )
        return f"{source}: unknown key {key!r}; {fix}"
    if error["type"] == "missing":
        return f"{source}: missing key {key!r}; add it as {_FIELD_HINTS.get(key, 'a value')}"
    hint = _FIELD_HINTS.get(key)
    fix = f"; expected {hint}" if hint else ""
    got = error.get("input")
    got_text = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
    return f"{source}: {where}: {error['msg']}{got_text}{fix}"


def meta_problems(path: Path) -> tuple[SubmissionMeta | None, list[str]]:
    """Parse ``submission.yaml``; returns the metadata (or None) and one line per problem."""
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        return None, [f"{source}: cannot read ({e.strerror})"]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "syntax error"
        return None, [f"{source}:{where}: invalid YAML ({problem}); fix the syntax"]
    if not isinstance(data, dict):
        return None, [
            f"{source}: must be a YAML mapping of keys (name, authors, ...), got {type(data).__name__}"
        ]
    try:
        return SubmissionMeta.model_validate(data), []
    except ValidationError as e:
        return None, [_describe(err, source) for err in e.errors()]


def load_meta(submission_dir: Path) -> SubmissionMeta:
    """Read and validate ``submission.yaml``; raises :class:`SchemaError` on the first problem."""
    path = Path(submission_dir) / META_FILE
    if not path.is_file():
        raise SchemaError(f"{path}: missing; run `a2perf submission init` for a template")
    meta, problems = meta_problems(path)
    if meta is None:
        raise SchemaError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return meta

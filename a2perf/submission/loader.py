"""Import a submission's modules and check its callables (runs inside the child process).

Standard library only, so the probe process starts fast and a broken a2perf import cannot be
mistaken for a broken submission.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

_TRAIN_CALL = "train(env_id=..., seed=..., root_dir=...{extra})"
_USE = {
    "train": "def train(env_id, seed, root_dir, **kwargs)",
    "load_policy": "def load_policy(env, **kwargs)",
    "preprocess_observation": "def preprocess_observation(observation)",
    "infer_once": "def infer_once(policy, preprocessed_observation)",
}


class SubmissionImportError(Exception):
    """A submission module could not be imported; the message is one line with the fix."""


def enter(submission_dir: Path) -> None:
    """Make ``submission_dir`` the working directory and the first entry of ``sys.path``."""
    path = str(Path(submission_dir).resolve())
    os.chdir(path)
    if path not in sys.path:
        sys.path.insert(0, path)


def import_module(submission_dir: Path, name: str) -> ModuleType:
    """Import ``<submission_dir>/<name>.py`` as module ``name``.

    Raises:
      SubmissionImportError: the file has a syntax error or raises while importing.
    """
    path = Path(submission_dir).resolve() / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py paths
        raise SubmissionImportError(f"{name}.py: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name, None)
        raise SubmissionImportError(
            f"{name}.py line {e.lineno}: SyntaxError: {e.msg}; fix the syntax"
        ) from None
    except BaseException as e:
        sys.modules.pop(name, None)
        where = _submission_frame(traceback.extract_tb(e.__traceback__), path.parent)
        fix = (
            "; install it and list it in requirements.txt"
            if isinstance(e, ModuleNotFoundError)
            else "; fix the module's top-level code"
        )
        raise SubmissionImportError(
            f"{name}.py{where}: importing raised {type(e).__name__}: {_one_line(e)}{fix}"
        ) from None
    return module


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text[:300] or "(no message)"


def _submission_frame(frames: traceback.StackSummary, root: Path) -> str:
    """`` line N`` of the innermost frame inside the submission dir, or ``""``."""
    for frame in reversed(frames):
        if frame.filename.startswith(str(root)):
            return f" line {frame.lineno}"
    return ""


def describe_exception(e: BaseException, submission_dir: Path) -> str:
    """One line: ``ExcType: message (file.py line N)`` naming the innermost submission frame."""
    root = Path(submission_dir).resolve()
    frames = traceback.extract_tb(e.__traceback__)
    where = ""
    for frame in reversed(frames):
        if frame.filename.startswith(str(root)):
            where = f" ({Path(frame.filename).name} line {frame.lineno})"
            break
    return f"{type(e).__name__}: {_one_line(e)}{where}"


def _binds(func: Any, *args: Any, **kwargs: Any) -> str | None:
    """None if ``func(*args, **kwargs)`` matches the signature, else the TypeError text."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None  # builtins without a signature: cannot check, accept
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        return str(e)
    return None


def check_callables(
    modules: dict[str, ModuleType], train_kwargs: dict[str, Any], inference_kwargs: dict[str, Any]
) -> list[str]:
    """Check that every function exists and accepts the harness's call; one line per problem."""
    problems: list[str] = []
    wanted = {
        "train": ("train", lambda f: _binds(f, env_id="x", seed=0, root_dir="x", **train_kwargs)),
        "load_policy": ("inference", lambda f: _binds(f, object(), root_dir="x", **inference_kwargs)),
        "preprocess_observation": ("inference", lambda f: _binds(f, object())),
        "infer_once": ("inference", lambda f: _binds(f, policy=object(), preprocessed_observation=object())),
    }
    calls = {
        "train": _TRAIN_CALL.format(extra="".join(f", {k}=..." for k in train_kwargs)),
        "load_policy": "load_policy(env, root_dir=...{})".format(
            "".join(f", {k}=..." for k in inference_kwargs)
        ),
        "preprocess_observation": "preprocess_observation(observation)",
        "infer_once": "infer_once(policy=..., preprocessed_observation=...)",
    }
    for func_name, (module_name, check) in wanted.items():
        module = modules.get(module_name)
        if module is None:
            continue
        func = getattr(module, func_name, None)
        if func is None:
            problems.append(f"{module_name}.py: no function {func_name!r}; add {_USE[func_name]}")
            continue
        if not callable(func):
            problems.append(
                f"{module_name}.py: {func_name} is a {type(func).__name__}, not a function; use {_USE[func_name]}"
            )
            continue
        error = check(func)
        if error is not None:
            try:
                shown = f"{func_name}{inspect.signature(func)}"
            except (TypeError, ValueError):  # pragma: no cover
                shown = func_name
            problems.append(
                f"{module_name}.py: {shown} cannot be called as {calls[func_name]} ({error}); "
                f"use {_USE[func_name]}"
            )
    return problems

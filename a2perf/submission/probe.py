"""Child process of `a2perf submission validate`: import the submission and check its callables.

Usage (internal): ``python -m a2perf.submission.probe SUBMISSION_DIR REPORT_JSON KWARGS_JSON``.
Writes ``{"problems": [...]}`` to REPORT_JSON (stdout is left to the submission's prints).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from a2perf.submission.loader import SubmissionImportError, check_callables, enter, import_module


def probe(submission_dir: Path, train_kwargs: dict, inference_kwargs: dict) -> list[str]:
    """Import ``train.py`` and ``inference.py`` and check their functions; one line per problem."""
    enter(submission_dir)
    problems, modules = [], {}
    for name in ("train", "inference"):
        if not (submission_dir / f"{name}.py").is_file():
            continue
        try:
            modules[name] = import_module(submission_dir, name)
        except SubmissionImportError as e:
            problems.append(str(e))
    return problems + check_callables(modules, train_kwargs, inference_kwargs)


def main(argv: list[str]) -> None:
    submission_dir, report = Path(argv[0]).resolve(), Path(argv[1])
    kwargs = json.loads(argv[2])
    problems = probe(submission_dir, kwargs.get("train_kwargs", {}), kwargs.get("inference_kwargs", {}))
    report.write_text(json.dumps({"problems": problems}), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])

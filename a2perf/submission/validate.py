"""`a2perf submission validate`: files, metadata and callable signatures of a submission.

The submission's modules are imported in a separate Python process (``a2perf.submission.probe``)
so that a broken or hostile import cannot take the caller down; every problem is one line
saying what to fix.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from a2perf.errors import SchemaError
from a2perf.submission.spec import META_FILE, REQUIRED_FILES, SubmissionMeta, meta_problems

PROBE_TIMEOUT_S = 180.0
"""Seconds the import check may take (importing torch on a busy 2-core machine takes a few)."""

_FILE_HINTS = {
    "train.py": "add train.py with def train(env_id, seed, root_dir, **kwargs)",
    "inference.py": "add inference.py with load_policy, preprocess_observation and infer_once",
    "requirements.txt": "add requirements.txt (one pip requirement per line; may be empty)",
    META_FILE: "add submission.yaml with name, authors, algorithm, domains, licence and contact",
}


@dataclass
class ValidationReport:
    """Outcome of :func:`validate_submission`.

    Attributes:
      submission_dir: the checked folder.
      meta: parsed metadata, or None when ``submission.yaml`` is missing or invalid.
      problems: one line per problem; empty means valid.
    """

    submission_dir: Path
    meta: SubmissionMeta | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _probe(submission_dir: Path, meta: SubmissionMeta | None, timeout_s: float) -> list[str]:
    kwargs = {
        "train_kwargs": meta.train_kwargs if meta else {},
        "inference_kwargs": meta.inference_kwargs if meta else {},
    }
    with tempfile.TemporaryDirectory(prefix="a2perf-probe-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable,
            "-m",
            "a2perf.submission.probe",
            str(submission_dir),
            str(report),
            json.dumps(kwargs),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=tmp)
        except subprocess.TimeoutExpired:
            return [
                f"{submission_dir}: importing train.py and inference.py took more than {timeout_s:.0f} s; "
                "move slow work from module level into the functions"
            ]
        if not report.is_file():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return [
                f"{submission_dir}: importing the submission killed the checker (exit code {proc.returncode}: "
                f"{tail}); fix the module-level code"
            ]
        return list(json.loads(report.read_text(encoding="utf-8"))["problems"])


def validate_submission(submission_dir: Path, *, timeout_s: float = PROBE_TIMEOUT_S) -> ValidationReport:
    """Check a submission folder; never raises for problems in the submission itself.

    Args:
      submission_dir: the folder holding train.py, inference.py, requirements.txt, submission.yaml.
      timeout_s: time allowed for importing the submission's modules, seconds.

    Returns:
      ValidationReport listing every problem found (files, metadata, imports, signatures).
    """
    submission_dir = Path(submission_dir)
    report = ValidationReport(submission_dir)
    if not submission_dir.is_dir():
        report.problems.append(
            f"{submission_dir}: no such folder; run `a2perf submission init {submission_dir}`"
        )
        return report
    for name in REQUIRED_FILES:
        if not (submission_dir / name).is_file():
            report.problems.append(f"{submission_dir / name}: missing; {_FILE_HINTS[name]}")
    if (submission_dir / META_FILE).is_file():
        report.meta, meta_errors = meta_problems(submission_dir / META_FILE)
        report.problems.extend(meta_errors)
    if any((submission_dir / f).is_file() for f in ("train.py", "inference.py")):
        report.problems.extend(_probe(submission_dir.resolve(), report.meta, timeout_s))
    return report


def require_valid(submission_dir: Path) -> SubmissionMeta:
    """Validate and return the metadata; raises :class:`SchemaError` naming the first problem."""
    report = validate_submission(submission_dir)
    if not report.ok or report.meta is None:
        more = len(report.problems) - 1
        suffix = f" (and {more} more; run `a2perf submission validate {submission_dir}`)" if more > 0 else ""
        raise SchemaError(f"invalid submission: {report.problems[0]}{suffix}")
    return report.meta

"""Find and run the benchmarks in the source tree's ``benchmarks/`` folder.

Each ``benchmarks/bench_NAME.py`` prints one JSON object on its last stdout line. They run
in a fresh subprocess so that one benchmark's imports and threads cannot skew another's figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from a2perf.errors import A2PerfError, DataNotFoundError

BENCHMARK_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def available_benchmarks(folder: Path = BENCHMARK_DIR) -> list[str]:
    """Names of the benchmarks in ``folder`` (``bench_NAME.py`` -> ``NAME``), sorted."""
    if not folder.is_dir():
        raise DataNotFoundError(
            f"{folder}: no benchmarks folder; benchmarks ship with the source tree, run from a git clone"
        )
    return sorted(p.stem.removeprefix("bench_") for p in folder.glob("bench_*.py"))


def run_benchmark(name: str, folder: Path = BENCHMARK_DIR, timeout_s: float = 3600) -> dict[str, Any]:
    """Run ``bench_NAME.py`` in a subprocess and return its JSON figures."""
    names = available_benchmarks(folder)
    if name not in names:
        raise A2PerfError(f"unknown benchmark {name!r}; available: {', '.join(names)}")
    proc = subprocess.run(
        [sys.executable, str(folder / f"bench_{name}.py")],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=folder.parent,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise A2PerfError(f"benchmark {name} failed (exit {proc.returncode}): {tail}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        raise A2PerfError(
            f"benchmark {name} did not print JSON on its last line: {lines[-1][:200]}"
        ) from None

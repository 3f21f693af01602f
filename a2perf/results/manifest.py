"""Build the :class:`Manifest` of a result: versions, hardware, git revision, configuration."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil

from a2perf import __version__
from a2perf.results.schema import Manifest

KEY_PACKAGES = (
    "numpy",
    "gymnasium",
    "torch",
    "stable-baselines3",
    "sb3-contrib",
    "pybullet",
    "selenium",
    "codecarbon",
    "minari",
    "psutil",
)


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names``; packages that are not installed are left out."""
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


@cache
def cpu_model() -> str:
    """Human-readable CPU model (``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


@cache
def git_state(source: Path = Path(__file__).resolve().parents[2]) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git tree holding the a2perf sources, or (None, None) outside a checkout."""
    if not (source / ".git").exists():
        return None, None
    try:
        rev = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return rev or None, bool(status.strip())


def build_manifest(
    *,
    env_id: str,
    env_kwargs: dict[str, Any],
    seeds: list[int],
    started_at: datetime,
    finished_at: datetime,
    energy_mode: str,
    country_iso_code: str,
    energy_details: dict[str, Any] | None = None,
    region: str | None = None,
    command: list[str] | None = None,
) -> Manifest:
    """Collect the provenance of a run into a :class:`Manifest`."""
    revision, dirty = git_state()
    return Manifest(
        a2perf_version=__version__,
        git_revision=revision,
        git_dirty=dirty,
        python_version=platform.python_version(),
        packages=package_versions(),
        os=platform.platform(),
        cpu_model=cpu_model(),
        cpu_count_logical=psutil.cpu_count(logical=True) or 1,
        cpu_count_physical=psutil.cpu_count(logical=False),
        ram_total_gb=round(psutil.virtual_memory().total / 1024**3, 3),
        env_id=env_id,
        env_kwargs=env_kwargs,
        seeds=seeds,
        started_at=started_at,
        finished_at=finished_at,
        energy_mode=energy_mode,
        energy_details=energy_details or {},
        country_iso_code=country_iso_code,
        region=region,
        command=command if command is not None else list(sys.argv),
    )

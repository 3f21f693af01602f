"""Package-level promises: cheap import, lazy registration, every id listed."""

import subprocess
import sys

import gymnasium as gym

import a2perf
from a2perf.envs import all_env_infos


def test_import_is_light():
    """`import a2perf` registers ids without importing any domain's heavy dependency."""
    code = (
        "import sys, a2perf\n"
        "heavy = [m for m in ('torch', 'pybullet', 'selenium', 'stable_baselines3', 'ray', 'codecarbon') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_every_listed_id_is_registered():
    infos = all_env_infos()
    assert len({i.id for i in infos}) == len(infos)
    for info in infos:
        assert info.id in gym.registry, info.id
        assert info.domain in ("chip", "web", "quadruped")
        assert info.description


def test_version_is_set():
    assert a2perf.__version__ != "0.0.0+unknown"

"""Where downloaded public data lives, and how it gets there.

The package never ships third-party data. ``a2perf data download DOMAIN`` fetches the public
files of a domain into :func:`cache_dir` with sha256 verification; environments look there when
no explicit path is given.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Root of the a2perf data cache: ``$A2PERF_DATA_DIR``, else ``$XDG_CACHE_HOME/a2perf``, else ``~/.cache/a2perf``."""
    explicit = os.environ.get("A2PERF_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "a2perf"


def domain_cache_dir(domain: str) -> Path:
    """Cache folder of one domain's downloads, e.g. ``cache_dir() / "quadruped"``."""
    return cache_dir() / domain

"""Where downloaded public data lives, and how it gets there.

The package never ships third-party data. ``a2perf data download DOMAIN`` fetches the public
files of a domain into :func:`cache_dir` with sha256 verification; environments look there when
no explicit path is given.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from a2perf.errors import A2PerfError, ConfigError


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


# ---------------------------------------------------------------------------------------------
# Downloading public data with checksums

GITHUB_RAW = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Source:
    """One public file.

    Attributes:
      path: where it lands, relative to the domain's cache folder; also its path on a mirror
        (``--base-url``) relative to the mirror's domain folder.
      url: upstream address.
      sha256: expected sha256 of the bytes, or ``None`` when only ``git_blob`` is known.
      git_blob: expected git blob id (``git hash-object``), an alternative check.
      licence: one line naming the licence, written next to the data.
    """

    path: str
    url: str
    sha256: str | None = None
    git_blob: str | None = None
    licence: str = ""


CIRCUIT_SOURCES = (
    Source(
        "ariane_ct/netlist.pb.txt",
        f"{GITHUB_RAW}/google-research/circuit_training/main/circuit_training/environment/test_data/ariane/netlist.pb.txt",
        git_blob="4b17fcf88e9bb48b28618b1e349aa81506d69b82",
        licence="Apache-2.0, Copyright The Circuit Training Team Authors / Google LLC",
    ),
    Source(
        "ariane_ct/initial.plc",
        f"{GITHUB_RAW}/google-research/circuit_training/main/circuit_training/environment/test_data/ariane/initial.plc",
        sha256="c4154c4c19da24cd792933f63497bfb91d9dffb6519ef3748d3912fba18dadae",
        licence="Apache-2.0, Copyright The Circuit Training Team Authors / Google LLC",
    ),
    Source(
        "ariane133_ng45/netlist.pb.txt.gz",
        f"{GITHUB_RAW}/TILOS-AI-Institute/MacroPlacement/main/Flows/NanGate45/ariane133/netlist/netlist.pb.txt.gz",
        sha256="09936cd9e81e596689b5cfe29032f2e22d669627486b61eb0b23ef92ca11dc90",
        licence="BSD-3-Clause, Copyright (c) 2018-2021 The Regents of the University of California",
    ),
    Source(
        "ariane133_ng45/initial.plc",
        f"{GITHUB_RAW}/TILOS-AI-Institute/MacroPlacement/main/Flows/NanGate45/ariane133/netlist/output_CT_Grouping/initial.plc",
        sha256="6d85f1cce904ceb19ad9726b8d3eee3d17387c2552d74e67e5f9350a5e269bbe",
        licence="BSD-3-Clause, Copyright (c) 2018-2021 The Regents of the University of California",
    ),
)

_DOG = f"{GITHUB_RAW}/Farama-Foundation/a2perf-quadruped-locomotion/main/motion_imitation/data/motions"
_DOG_LICENCE = (
    "CC BY-NC 4.0 (non-commercial use only), retargeted from the AI4Animation dog mocap "
    "(Zhang, Starke, Komura and Saito, SIGGRAPH 2018)"
)
QUADRUPED_SOURCES = (
    Source(
        "dog_pace.txt",
        f"{_DOG}/dog_pace.txt",
        "2ebff49cc4991eae4ddd9f8b37514956ffcb7dc194a16dba15c5240857e6ed66",
        licence=_DOG_LICENCE,
    ),
    Source(
        "dog_trot.txt",
        f"{_DOG}/dog_trot.txt",
        "ec304dbbc4e5bfbfc4955074e27a7e0b3038485952ea9847e9ca42594c9e87a6",
        licence=_DOG_LICENCE,
    ),
    Source(
        "dog_spin.txt",
        f"{_DOG}/dog_spin.txt",
        "fce7b861b34103ddffccd0fc31bd078d58ad0240a2740f56780d46a93308fe1f",
        licence=_DOG_LICENCE,
    ),
)

SOURCES: dict[str, tuple[Source, ...]] = {"circuit": CIRCUIT_SOURCES, "quadruped": QUADRUPED_SOURCES}
"""Downloadable files per domain name (``a2perf data download NAME``)."""

CHUNK = 1 << 16


def _digests(path: Path) -> tuple[str, str]:
    """(sha256, git blob sha1) of a file."""
    sha256 = hashlib.sha256()
    blob = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha256.update(chunk)
            blob.update(chunk)
    return sha256.hexdigest(), blob.hexdigest()


def verify(path: Path, source: Source) -> bool:
    """True if ``path`` holds exactly the bytes ``source`` promises."""
    sha256, blob = _digests(path)
    if source.sha256 is not None:
        return sha256 == source.sha256
    return blob == source.git_blob


def _fetch(url: str, part: Path, timeout_s: float) -> None:
    """Append the missing bytes of ``url`` to ``part`` (HTTP Range resume when the server allows it)."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # already complete
            return
        raise
    with response:
        resumed = offset and response.status == 206
        with part.open("ab" if resumed else "wb") as f:
            while chunk := response.read(CHUNK):
                f.write(chunk)


def download_file(source: Source, dest: Path, url: str | None = None, timeout_s: float = 60) -> Path:
    """Download one source into ``dest / source.path``; resumable, verified, atomic.

    A partial download is kept as ``<name>.part`` and resumed on the next call; the final file
    appears only after its checksum matches. An existing verified file is not downloaded again.
    """
    target = dest / source.path
    if target.exists() and verify(target, source):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    url = url or source.url
    try:
        _fetch(url, part, timeout_s)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise A2PerfError(
            f"download of {url} failed ({reason}); check the network and run the command again to resume"
        ) from None
    if not verify(part, source):
        part.unlink(missing_ok=True)
        raise A2PerfError(f"{url}: checksum mismatch, the partial file was removed; run the command again")
    os.replace(part, target)
    if source.licence:
        notice = target.with_name("LICENCE-NOTICE.txt")
        lines = set(notice.read_text().splitlines()) if notice.exists() else set()
        lines.add(f"{target.name}: {source.licence}; source {source.url}")
        notice.write_text("\n".join(sorted(lines)) + "\n")
    return target


def download(
    domain: str,
    dest: Path | None = None,
    *,
    base_url: str | None = None,
    only: list[str] | None = None,
    on_file: Callable[[Source, Path], None] | None = None,
) -> list[Path]:
    """Download every public file of ``domain`` (``circuit`` or ``quadruped``) into its cache folder.

    Args:
      dest: target folder (default :func:`domain_cache_dir`).
      base_url: a mirror serving ``<base_url>/<domain>/<source.path>`` instead of the upstream URLs.
      only: restrict to these ``source.path`` values.
      on_file: called after each verified file.
    """
    if domain not in SOURCES:
        raise ConfigError(f"unknown data set {domain!r}; choose one of {', '.join(SOURCES)}")
    dest = Path(dest) if dest is not None else domain_cache_dir(domain)
    sources = [s for s in SOURCES[domain] if only is None or s.path in only]
    paths = []
    for source in sources:
        url = f"{base_url.rstrip('/')}/{domain}/{source.path}" if base_url else None
        path = download_file(source, dest, url)
        paths.append(path)
        if on_file is not None:
            on_file(source, path)
    return paths

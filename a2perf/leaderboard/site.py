"""`a2perf leaderboard`: a static HTML site from a folder of result files (works from ``file://``).

Layout of the site::

    SITE/index.html                 one table per (domain, task), plots under each table
    SITE/submissions/<slug>.html    one page per result: metrics, per-seed values, manifest
    SITE/plots/*.png                matplotlib figures (Agg)
    SITE/static/{style.css,sort.js} styling and the column sorter (vanilla JS, no network)
    SITE/.a2perf-site               marker: only folders carrying it are ever replaced

Pages are Jinja2 templates with autoescaping on, so every string from a result file (names,
failure reasons, manifest values) is HTML-escaped. The site is built in a temporary folder next
to SITE and swapped in with renames, so readers never see a half-written site and a failure
leaves the previous site intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from a2perf import __version__
from a2perf.errors import ConfigError, DataNotFoundError
from a2perf.leaderboard import plots
from a2perf.leaderboard.rows import COLUMNS, Cell, fmt, group_results, leaderboard_row, sort_key_best_return
from a2perf.results.io import load_sourced_results
from a2perf.results.schema import RunResult

MARKER = ".a2perf-site"


@dataclass(frozen=True)
class SourcedResult:
    """A result and the file it came from."""

    result: RunResult
    source: Path


def load_leaderboard_results(paths: Iterable[Path]) -> tuple[list[SourcedResult], list[Path]]:
    """Every a2perf result under ``paths`` with its file, plus the skipped non-result files.

    See :func:`a2perf.results.io.load_sourced_results` (an older schema version is an error).
    """
    loaded, skipped = load_sourced_results(paths)
    return [SourcedResult(result, source) for source, result in loaded], skipped


def slug(text: str, max_len: int = 40) -> str:
    """A file-name and id-safe version of ``text`` (ASCII letters, digits, '-', '_')."""
    s = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:max_len]
    return s or "x"


def _page_slug(item: SourcedResult) -> str:
    r = item.result
    digest = hashlib.sha1(f"{item.source.resolve()}|{r.name}|{r.env_id}|{r.task}".encode()).hexdigest()[:10]
    return f"{slug(r.name)}-{slug(r.task, 30)}-{digest}"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("a2perf.leaderboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ConfigError(
            f"{out} exists and is not an a2perf site (no {MARKER} file); choose a new --out or remove it"
        )


def _swap_in(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


def _manifest_items(result: RunResult) -> list[tuple[str, str]]:
    items = []
    for key, value in result.manifest.model_dump(mode="json").items():
        text = value if isinstance(value, str) else json.dumps(value, indent=1, sort_keys=True)
        items.append((key, text))
    return items


def _seed_rows(result: RunResult, phases: list[str]) -> list[list[Cell]]:
    rows = []
    for s in result.per_seed:
        mean_return = sum(s.episode_returns) / len(s.episode_returns) if s.episode_returns else None
        row = [
            Cell(float(s.seed), str(s.seed)),
            Cell(float(len(s.episode_returns)), str(len(s.episode_returns))),
            Cell(mean_return, fmt(mean_return)),
            Cell(s.env_steps_trained, "-" if s.env_steps_trained is None else str(s.env_steps_trained)),
            Cell(s.latency.p50_ms if s.latency else None, fmt(s.latency.p50_ms if s.latency else None)),
        ]
        for phase in phases:
            system = s.system.get(phase)
            row.append(
                Cell(system.wall_time_s if system else None, fmt(system.wall_time_s if system else None))
            )
            energy = system.energy_kwh if system else None
            row.append(Cell(energy, fmt(energy)))
        rows.append(row)
    return rows


def _write_plot(fig: Any, path: Path) -> bool:
    if fig is None:
        return False
    plots.save_png(fig, path)
    return True


def render_site(items: Sequence[SourcedResult], site: Path) -> None:
    """Render the pages, plots and static files of ``items`` into the empty folder ``site``."""
    env = _environment()
    (site / "plots").mkdir()
    (site / "submissions").mkdir()
    (site / "static").mkdir()
    static = resources.files("a2perf.leaderboard") / "static"
    for name in ("style.css", "sort.js"):
        (site / "static" / name).write_text(
            static.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    common = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "num_results": len(items),
    }
    pages = {id(item.result): _page_slug(item) for item in items}
    source_of = {id(item.result): item.source for item in items}
    groups = group_results([item.result for item in items])
    domains: dict[str, dict[str, Any]] = {}
    for (domain, task), results in groups.items():
        group_id = f"{slug(domain)}--{slug(task)}-{hashlib.sha1(f'{domain}|{task}'.encode()).hexdigest()[:6]}"
        ordered = sorted(results, key=sort_key_best_return)
        group_plots = []
        for kind, caption, fig in (
            ("curves", "learning curves (mean, 95% CI over seeds)", plots.learning_curves_figure(ordered)),
            (
                "poi",
                "probability of improvement P(row > column), per-seed mean returns",
                plots.poi_figure(ordered),
            ),
            ("energy", "return IQM vs energy per seed", plots.energy_return_figure(ordered)),
        ):
            name = f"plots/{group_id}-{kind}.png"
            if _write_plot(fig, site / name):
                group_plots.append({"src": name, "caption": caption})
        entry = domains.setdefault(
            domain, {"name": domain, "id": f"domain-{slug(domain)}", "groups": [], "results": []}
        )
        entry["results"].extend(ordered)
        entry["groups"].append(
            {
                "task": task,
                "id": group_id,
                "plots": group_plots,
                "rows": [
                    {
                        "cells": leaderboard_row(r),
                        "failed": r.status != "ok",
                        "page": f"submissions/{pages[id(r)]}.html",
                    }
                    for r in ordered
                ],
            }
        )
    for entry in domains.values():
        name = f"plots/{entry['id']}-profile.png"
        entry["profile"] = (
            name if _write_plot(plots.performance_profile_figure(entry["results"]), site / name) else None
        )
    index = env.get_template("index.html.j2").render(
        root="", columns=COLUMNS, domains=list(domains.values()), **common
    )
    (site / "index.html").write_text(index, encoding="utf-8")
    page_template = env.get_template("submission.html.j2")
    for item in items:
        r = item.result
        page = pages[id(r)]
        phases = sorted({p for s in r.per_seed for p in s.system})
        curve = f"../plots/{page}-curve.png"
        has_curve = _write_plot(plots.learning_curves_figure([r]), site / "plots" / f"{page}-curve.png")
        html = page_template.render(
            root="../",
            result=r,
            source=str(source_of[id(r)]),
            columns=COLUMNS,
            cells=leaderboard_row(r),
            phases=phases,
            seeds=_seed_rows(r, phases),
            curve=curve if has_curve else None,
            manifest=_manifest_items(r),
            **common,
        )
        (site / "submissions" / f"{page}.html").write_text(html, encoding="utf-8")
    (site / MARKER).write_text(f"a2perf {__version__} leaderboard site\n", encoding="utf-8")


def build_site(results_dir: Path | Sequence[Path], out: Path) -> Path:
    """Load every result under ``results_dir`` and write the static site to ``out`` atomically.

    Args:
      results_dir: folder (or folders/files) of result JSON files, searched recursively.
      out: site folder; replaced if it holds a previous a2perf site, refused if it holds
        anything else.

    Returns:
      Path of ``out/index.html``.

    Raises:
      SchemaError: a result file is invalid or from an older schema version (nothing written).
      DataNotFoundError: ``results_dir`` does not exist or holds no a2perf result.
      ConfigError: ``out`` is a non-site folder.
    """
    out = Path(out)
    paths = (
        [Path(results_dir)] if isinstance(results_dir, str | os.PathLike) else [Path(p) for p in results_dir]
    )
    _check_target(out)
    items, _ = load_leaderboard_results(paths)
    out_resolved = out.resolve()
    items = [i for i in items if out_resolved not in i.source.resolve().parents]
    if not items:
        raise DataNotFoundError(
            f"no a2perf result files in {', '.join(map(str, paths))}; write some with `a2perf measure` or `a2perf evaluate`"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        render_site(items, tmp)
        os.chmod(tmp, 0o755)
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"

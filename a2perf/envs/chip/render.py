"""Pictures of a placement: hard macros, soft macros, stdcells, ports, over a density or congestion map.

Uses matplotlib's object API with the Agg canvas (no pyplot, no global backend change).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np

from a2perf.envs.chip.cost import CostModel
from a2perf.envs.chip.netlist import HARD_MACRO, PORT, SOFT_MACRO, STDCELL

Heatmap = Literal["congestion", "density", "none"]


def _figure(model: CostModel, heatmap: Heatmap, title: str | None, size_px: int):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    nl = model.netlist
    W, H = model.W, model.H
    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9 if title else 0.96))
    if heatmap == "density":
        grid = model.density_grid(nl.x, nl.y)
        ax.imshow(
            grid,
            origin="lower",
            extent=(0, W, 0, H),
            cmap="Greys",
            alpha=0.6,
            vmin=0,
            vmax=max(1.0, grid.max()),
        )
    elif heatmap == "congestion":
        Ht, Vt = model.congestion_maps()
        grid = np.maximum(Ht, Vt)
        ax.imshow(
            grid,
            origin="lower",
            extent=(0, W, 0, H),
            cmap="Reds",
            alpha=0.6,
            vmin=0,
            vmax=max(1.0, grid.max()),
        )
    elif heatmap != "none":
        from a2perf.errors import ConfigError

        raise ConfigError(f"heatmap={heatmap!r}; expected 'congestion', 'density' or 'none'")
    for kind, face, alpha in (
        (SOFT_MACRO, "#f4a340", 0.45),
        (STDCELL, "#777777", 0.8),
        (HARD_MACRO, "#2f6fb5", 0.85),
    ):
        idx = np.flatnonzero(nl.kind == kind)
        if idx.size == 0:
            continue
        rects = [
            Rectangle((nl.x[i] - nl.width[i] / 2, nl.y[i] - nl.height[i] / 2), nl.width[i], nl.height[i])
            for i in idx
        ]
        ax.add_collection(
            PatchCollection(rects, facecolor=face, edgecolor="black", linewidth=0.3, alpha=alpha)
        )
    ports = np.flatnonzero(nl.kind == PORT)
    if ports.size:
        ax.scatter(nl.x[ports], nl.y[ports], s=4, c="#1a9e3f", marker="s", linewidths=0)
    for c in range(model.C + 1):
        ax.axvline(c * model.gw, color="#cccccc", linewidth=0.2)
    for r in range(model.R + 1):
        ax.axhline(r * model.gh, color="#cccccc", linewidth=0.2)
    ax.set_xlim(0, W)
    ax.set_ylim(0, H)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    return fig, canvas


def render_rgb(
    model: CostModel, heatmap: Heatmap = "congestion", title: str | None = None, size_px: int = 400
) -> np.ndarray:
    """The placement of ``model.netlist`` as an RGB image, shape (size_px, size_px, 3), uint8."""
    _, canvas = _figure(model, heatmap, title, size_px)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_png(
    model: CostModel,
    path: str | os.PathLike[str],
    heatmap: Heatmap = "congestion",
    title: str | None = None,
    size_px: int = 800,
) -> None:
    """Write the placement of ``model.netlist`` to a PNG file (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, _ = _figure(model, heatmap, title, size_px)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

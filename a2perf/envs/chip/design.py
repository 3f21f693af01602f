"""Loading a design: netlist + optional placement file → netlist and cost configuration."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.envs.chip.cost import CostConfig
from a2perf.envs.chip.netlist import Netlist, read_netlist
from a2perf.envs.chip.plc import PlcHeader, apply_placement, read_plc

# Circuit Training defaults when nothing is set (binary defaults for canvas and grid).
DEFAULT_UTILISATION = 0.6
DEFAULT_GRID = 10


def config_for(netlist: Netlist, header: PlcHeader | None = None, **overrides: Any) -> CostConfig:
    """Cost configuration of a design.

    Canvas and grid come from the ``.plc`` header, else the netlist's ``# FP bbox`` comment, else
    the binary defaults (square canvas of side √(area/0.6), 10×10 grid). Routing and smoothing come
    from the header when present (with the congestion grid equal to the placement grid, as in the
    header's own cost figures); otherwise the A2Perf settings (70.33/74.51, 51.79/51.79, smoothing 5,
    separate congestion grid). Keyword ``overrides`` (``CostConfig`` field names) win; ``None``
    values are ignored.
    """
    h = header or PlcHeader()
    values: dict[str, Any] = {}
    if h.width is not None:
        values["canvas_width"], values["canvas_height"] = h.width, h.height
    elif netlist.canvas is not None:
        values["canvas_width"], values["canvas_height"] = netlist.canvas
    else:
        side = math.sqrt(netlist.total_area() / DEFAULT_UTILISATION)
        values["canvas_width"] = values["canvas_height"] = side
    values["grid_cols"] = h.columns if h.columns is not None else DEFAULT_GRID
    values["grid_rows"] = h.rows if h.rows is not None else DEFAULT_GRID
    if h.hroutes_per_micron is not None:
        values["hroutes_per_micron"], values["vroutes_per_micron"] = (
            h.hroutes_per_micron,
            h.vroutes_per_micron,
        )
        values["congestion_grid"] = "placement"
    if h.hrouting_alloc is not None:
        values["hrouting_alloc"], values["vrouting_alloc"] = h.hrouting_alloc, h.vrouting_alloc
    if h.smoothing is not None:
        values["smooth_range"] = h.smoothing
    values.update({k: v for k, v in overrides.items() if v is not None})
    return CostConfig(**values)


def load_design(
    netlist_file: str | os.PathLike[str],
    placement_file: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> tuple[Netlist, CostConfig, PlcHeader]:
    """Read a netlist and an optional ``.plc``; return the placed netlist, its cost config and header."""
    netlist = read_netlist(Path(netlist_file))
    header = PlcHeader()
    if placement_file is not None:
        placement = read_plc(Path(placement_file))
        apply_placement(netlist, placement)
        header = placement.header
        if header.blockages:  # the later file wins, as in Circuit Training's comment reader
            netlist.blockages = np.asarray(header.blockages, np.float64).reshape(-1, 5)
    return netlist, config_for(netlist, header, **overrides), header

"""`a2perf chip ...` commands: proxy cost, placement, rendering, synthetic designs.

Each command is a thin layer over the chip API; any :class:`a2perf.errors.A2PerfError` is printed
as one line on stderr and exits with code 2.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from a2perf.console import console, exit_on_error

app = typer.Typer(
    help="Chip floorplanning: proxy cost, placement, rendering, synthetic designs.", no_args_is_help=True
)

NetlistOpt = Annotated[Path, typer.Option("--netlist", help="Netlist file (.pb.txt or .pb.txt.gz).")]
PlacementOpt = Annotated[
    Path | None,
    typer.Option("--placement", help="Placement file (.plc); its header sets canvas, grid, routing."),
]


_errors = exit_on_error


def _overrides(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


Cols = Annotated[int | None, typer.Option("--cols", help="Placement grid columns (overrides the header).")]
Rows = Annotated[int | None, typer.Option("--rows", help="Placement grid rows (overrides the header).")]
Width = Annotated[float | None, typer.Option("--width", help="Canvas width in µm (overrides the header).")]
Height = Annotated[float | None, typer.Option("--height", help="Canvas height in µm (overrides the header).")]
RoutesH = Annotated[float | None, typer.Option("--routes-h", help="Horizontal routes per µm.")]
RoutesV = Annotated[float | None, typer.Option("--routes-v", help="Vertical routes per µm.")]
AllocH = Annotated[float | None, typer.Option("--alloc-h", help="Horizontal routes per µm used by macros.")]
AllocV = Annotated[float | None, typer.Option("--alloc-v", help="Vertical routes per µm used by macros.")]
Smoothing = Annotated[float | None, typer.Option("--smoothing", help="Congestion smoothing range.")]
CongGrid = Annotated[
    str | None,
    typer.Option("--congestion-grid", help="'placement' (legacy) or 'separate' (A2Perf) congestion grid."),
]


def _load(netlist: Path, placement: Path | None, **overrides: Any):  # type: ignore[no-untyped-def]
    from a2perf.envs.chip.design import load_design

    return load_design(netlist, placement, **_overrides(**overrides))


@app.command()
def cost(
    netlist: NetlistOpt,
    placement: PlacementOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cols: Cols = None,
    rows: Rows = None,
    width: Width = None,
    height: Height = None,
    routes_h: RoutesH = None,
    routes_v: RoutesV = None,
    alloc_h: AllocH = None,
    alloc_v: AllocV = None,
    smoothing: Smoothing = None,
    congestion_grid: CongGrid = None,
    unit_congestion_weights: Annotated[
        bool, typer.Option("--unit-congestion-weights", help="Route every net with weight 1 (older binary).")
    ] = False,
) -> None:
    """Proxy cost of a placement (wirelength, density, congestion).

    `seconds` is one full cost evaluation, excluding parsing and the static set-up of the model.
    """
    from a2perf.envs.chip.cost import CostModel

    with _errors():
        nl, config, _ = _load(
            netlist, placement, grid_cols=cols, grid_rows=rows, canvas_width=width, canvas_height=height,
            hroutes_per_micron=routes_h, vroutes_per_micron=routes_v, hrouting_alloc=alloc_h,
            vrouting_alloc=alloc_v, smooth_range=smoothing, congestion_grid=congestion_grid,
            unit_congestion_weights=unit_congestion_weights or None,
        )  # fmt: skip
        model = CostModel(nl, config)  # static structure (CSR nets, grids): part of loading
        t = time.perf_counter()
        result = model.evaluate()
        seconds = time.perf_counter() - t
    out = {**result.as_dict(), "seconds": seconds}
    if json_out:
        typer.echo(json.dumps(out))
        return
    from rich.table import Table

    table = Table(title=f"proxy cost of {netlist.name}" + (f" + {placement.name}" if placement else ""))
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in out.items():
        table.add_row(key, f"{value:.6f}" if key != "wirelength" else f"{value:.3f}")
    console.print(table)


@app.command()
def place(
    netlist: NetlistOpt,
    out: Annotated[Path, typer.Option("--out", help="Output .plc file.")],
    placement: PlacementOpt = None,
    cols: Cols = None,
    rows: Rows = None,
    width: Width = None,
    height: Height = None,
) -> None:
    """Legalise hard macros onto the grid, place soft macros with the FD placer, write a .plc."""
    from a2perf.envs.chip.cost import CostModel
    from a2perf.envs.chip.fd import FDPlacer, clamp_into_canvas, legalize_hard_macros
    from a2perf.envs.chip.netlist import SOFT_MACRO, STDCELL
    from a2perf.envs.chip.plc import PlcHeader, write_plc

    with _errors():
        nl, config, header = _load(
            netlist, placement, grid_cols=cols, grid_rows=rows, canvas_width=width, canvas_height=height
        )
        W, H = config.canvas_width, config.canvas_height
        t = time.perf_counter()
        legalize_hard_macros(nl, W, H, config.grid_rows, config.grid_cols)
        sized = nl.copy()
        sized.make_soft_macros_square()
        FDPlacer(sized, W, H).run()
        movable = nl.indices(SOFT_MACRO, STDCELL)
        nl.x[movable], nl.y[movable] = sized.x[movable], sized.y[movable]
        clamp_into_canvas(nl, W, H, movable)
        seconds = time.perf_counter() - t
        result = CostModel(nl, config).evaluate()
        out_header = PlcHeader(
            columns=config.grid_cols, rows=config.grid_rows, width=W, height=H,
            block=header.block or nl.block_name or None,
            hroutes_per_micron=config.hroutes_per_micron, vroutes_per_micron=config.vroutes_per_micron,
            hrouting_alloc=config.hrouting_alloc, vrouting_alloc=config.vrouting_alloc,
            smoothing=config.smooth_range, overlap_threshold=header.overlap_threshold,
        )  # fmt: skip
        write_plc(out, nl, out_header, result.as_dict())
    console.print(
        f"wrote {out}: proxy {result.proxy_cost:.4f} (wirelength {result.wirelength_cost:.4f}, density "
        f"{result.density_cost:.4f}, congestion {result.congestion_cost:.4f}); placement took {seconds:.2f} s"
    )


@app.command()
def render(
    netlist: NetlistOpt,
    placement: Annotated[Path, typer.Option("--placement", help="Placement file (.plc).")],
    out: Annotated[Path, typer.Option("--out", help="Output .png file.")],
    heatmap: Annotated[str, typer.Option(help="'congestion', 'density' or 'none'.")] = "congestion",
    size: Annotated[int, typer.Option(help="Image size in pixels.", min=64, max=8192)] = 800,
) -> None:
    """Draw a placement (macros, soft macros, ports) over a congestion or density map as a PNG."""
    from a2perf.envs.chip.cost import CostModel
    from a2perf.envs.chip.render import render_png

    with _errors():
        nl, config, _ = _load(netlist, placement)
        model = CostModel(nl, config)
        r = model.evaluate()
        title = f"{netlist.name}: proxy {r.proxy_cost:.4f} (wl {r.wirelength_cost:.4f}, den {r.density_cost:.4f}, cong {r.congestion_cost:.4f})"
        render_png(model, out, heatmap=heatmap, title=title, size_px=size)  # type: ignore[arg-type]
    console.print(f"wrote {out}")


@app.command()
def generate(
    preset: Annotated[str, typer.Option(help="Design preset: toy, small, medium or ariane.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (netlist.pb.txt and initial.plc).")],
    seed: Annotated[int, typer.Option(help="Random seed of the design.")] = 0,
) -> None:
    """Generate a synthetic design (deterministic from the seed): netlist.pb.txt + initial.plc."""
    from a2perf.envs.chip.generator import generate as gen
    from a2perf.envs.chip.netlist import write_netlist
    from a2perf.envs.chip.plc import write_plc

    with _errors():
        nl, header = gen(preset, seed)
        write_netlist(
            out / "netlist.pb.txt", nl, comment=f"a2perf synthetic design: preset {preset}, seed {seed}"
        )
        write_plc(out / "initial.plc", nl, header)
    console.print(
        f"wrote {out / 'netlist.pb.txt'} and {out / 'initial.plc'} ({nl.num_nodes} nodes, {nl.num_nets} nets)"
    )

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from a2perf.cli import app
from a2perf.envs.chip.fd import overlapping_pairs
from a2perf.envs.chip.netlist import read_netlist
from a2perf.envs.chip.plc import apply_placement, read_plc

from .conftest import DATA

runner = CliRunner()
KEYS = ["wirelength", "wirelength_cost", "density_cost", "congestion_cost", "proxy_cost", "seconds"]


def test_cost_json_macro_tiles_defaults(data_dir):
    r = runner.invoke(
        app, ["chip", "cost", "--netlist", str(data_dir / "macro_tiles_10x10" / "netlist.pb.txt"), "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert list(out) == KEYS
    assert out["wirelength"] == pytest.approx(5400)
    assert out["wirelength_cost"] == pytest.approx(0.007745966692414834, abs=1e-9)
    assert out["density_cost"] == pytest.approx(0.3570806661517036, abs=1e-9)
    assert 0 < out["seconds"] < 5


def test_cost_header_and_overrides(data_dir):
    toy = data_dir / "toy_macro_stdcell"
    args = [
        "chip",
        "cost",
        "--netlist",
        str(toy / "netlist.pb.txt"),
        "--placement",
        str(toy / "initial.plc"),
        "--json",
    ]
    out = json.loads(runner.invoke(app, args).stdout)
    assert out["density_cost"] == pytest.approx(0.45)  # header grid 20x10
    assert out["congestion_cost"] == pytest.approx(0.71055, abs=5e-6)  # A2Perf routing, 14x7
    coarse = json.loads(runner.invoke(app, [*args, "--cols", "10", "--rows", "5"]).stdout)
    assert coarse["density_cost"] != pytest.approx(0.45)
    table = runner.invoke(app, args[:-1])
    assert table.exit_code == 0 and "proxy_cost" in table.stdout


def test_cost_bad_inputs_exit_2(tmp_path, data_dir):
    r = runner.invoke(app, ["chip", "cost", "--netlist", str(tmp_path / "missing.pb.txt")])
    assert r.exit_code == 2
    bad = tmp_path / "bad.pb.txt"
    bad.write_text('node {\n  name: "a"\n  attr { key: "type" value { placeholder: "WIDGET" } }\n}\n')
    r = runner.invoke(app, ["chip", "cost", "--netlist", str(bad)])
    assert r.exit_code == 2
    assert "bad.pb.txt line 3" in r.stderr
    plc = tmp_path / "bad.plc"
    plc.write_text("# Columns : 2  Rows : 2\n0 1 nan N 0\n")
    r = runner.invoke(
        app,
        [
            "chip",
            "cost",
            "--netlist",
            str(data_dir / "toy_macro_stdcell" / "netlist.pb.txt"),
            "--placement",
            str(plc),
        ],
    )
    assert r.exit_code == 2 and "bad.plc line 2" in r.stderr
    r = runner.invoke(
        app,
        ["chip", "cost", "--netlist", str(data_dir / "toy_macro_stdcell" / "netlist.pb.txt"), "--cols", "0"],
    )
    assert r.exit_code == 2


def test_place_render_round_trip(tmp_path):
    gen = runner.invoke(
        app, ["chip", "generate", "--preset", "small", "--seed", "2", "--out", str(tmp_path / "d")]
    )
    assert gen.exit_code == 0, gen.output
    netlist = tmp_path / "d" / "netlist.pb.txt"
    out = tmp_path / "placed.plc"
    r = runner.invoke(
        app,
        [
            "chip",
            "place",
            "--netlist",
            str(netlist),
            "--placement",
            str(tmp_path / "d" / "initial.plc"),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    n = read_netlist(netlist)
    p = read_plc(out)
    apply_placement(n, p)
    assert (p.header.columns, p.header.rows) == (16, 16) and p.header.wirelength is not None
    hard = n.hard_macros
    a, _ = overlapping_pairs(n.x[hard], n.y[hard], n.width[hard] / 2, n.height[hard] / 2, tol=1e-9)
    assert a.size == 0
    soft = n.soft_macros
    assert np.all(n.x[soft] >= 0) and np.all(n.x[soft] <= 200)
    png = tmp_path / "p.png"
    r = runner.invoke(
        app,
        [
            "chip",
            "render",
            "--netlist",
            str(netlist),
            "--placement",
            str(out),
            "--out",
            str(png),
            "--size",
            "200",
        ],
    )
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_generate_deterministic(tmp_path):
    for d in ("a", "b"):
        assert (
            runner.invoke(
                app, ["chip", "generate", "--preset", "toy", "--seed", "4", "--out", str(tmp_path / d)]
            ).exit_code
            == 0
        )
    assert (tmp_path / "a" / "netlist.pb.txt").read_bytes() == (
        tmp_path / "b" / "netlist.pb.txt"
    ).read_bytes()
    assert (tmp_path / "a" / "initial.plc").read_bytes() == (tmp_path / "b" / "initial.plc").read_bytes()
    assert read_netlist(tmp_path / "a" / "netlist.pb.txt").num_nets == 20


def test_generate_bad_preset(tmp_path):
    r = runner.invoke(app, ["chip", "generate", "--preset", "huge", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "unknown chip preset" in r.stderr


def test_render_bad_heatmap(tmp_path, data_dir):
    toy = data_dir / "toy_macro_stdcell"
    r = runner.invoke(
        app,
        [
            "chip",
            "render",
            "--netlist",
            str(toy / "netlist.pb.txt"),
            "--placement",
            str(toy / "initial.plc"),
            "--out",
            str(tmp_path / "x.png"),
            "--heatmap",
            "rainbow",
        ],
    )
    assert r.exit_code == 2 and "heatmap" in r.stderr


TOY_TEXT = (DATA / "toy_macro_stdcell" / "netlist.pb.txt").read_text()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(TOY_TEXT)), junk=st.text(max_size=12), at=st.integers(0, len(TOY_TEXT)))
def test_cost_on_corrupted_toy_never_crashes(tmp_path, cut, junk, at):
    """Truncated or spliced netlists give a cost (exit 0) or a one-line error (exit 2), never a traceback."""
    text = TOY_TEXT[:at] + junk + TOY_TEXT[at:cut] if at < cut else TOY_TEXT[:cut]
    path = tmp_path / "fuzz.pb.txt"
    path.write_text(text)
    r = runner.invoke(app, ["chip", "cost", "--netlist", str(path), "--json"])
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        assert "fuzz.pb.txt" in r.stderr or "error" in r.stderr

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2perf.envs.chip.errors import ChipFormatError
from a2perf.envs.chip.netlist import read_netlist
from a2perf.envs.chip.plc import apply_placement, parse_plc, read_plc, write_plc

from .conftest import ARIANE133


def test_ariane133_header_and_body():
    p = read_plc(ARIANE133 / "initial.plc")
    h = p.header
    assert (h.columns, h.rows, h.width, h.height) == (24, 21, 1433.406, 1433.406)
    assert (h.hroutes_per_micron, h.vroutes_per_micron) == (57.031, 56.818)
    assert (h.hrouting_alloc, h.vrouting_alloc, h.smoothing) == (39.583, 30.303, 0.0)
    assert (h.wirelength, h.wirelength_cost, h.congestion_cost, h.density_cost) == (
        3219216.090,
        0.0497,
        0.7128,
        0.6067,
    )
    assert len(p.index) == 495 + 915
    assert int(np.sum(p.orientation == 2)) == 19  # 19 macros are S


def test_toy_header_only(data_dir):
    p = read_plc(data_dir / "toy_macro_stdcell" / "initial.plc")
    assert (p.header.columns, p.header.rows, p.header.width, p.header.height) == (20, 10, 200.0, 100.0)
    assert len(p.index) == 0


def test_round_trip(tmp_path, data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    p = read_plc(data_dir / "sample_clustered" / "initial.plc")
    apply_placement(n, p)
    write_plc(tmp_path / "o.plc", n, p.header)
    q = read_plc(tmp_path / "o.plc")
    assert (q.header.columns, q.header.rows, q.header.width) == (2, 2, 500.0)
    m = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    apply_placement(m, q)
    np.testing.assert_array_equal(m.x, n.x)
    np.testing.assert_array_equal(m.fixed, n.fixed)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("0 1 2 N", "expected 'node_index"),
        ("0 1 nan N 0", "finite"),
        ("0 1 2 Q 0", "orientation"),
        ("x 1 2 N 0", "not an integer"),
        ("0 1 2 N 7", "fixed flag"),
    ],
)
def test_bad_body(body, fragment):
    with pytest.raises(ChipFormatError, match=fragment) as e:
        parse_plc(f"# Columns : 2  Rows : 2\n{body}\n", "b.plc")
    assert "b.plc line 2:" in str(e.value)


def test_bad_grid():
    with pytest.raises(ChipFormatError, match="line 1"):
        parse_plc("# Columns : 0  Rows : 2\n", "b.plc")


def test_unknown_or_pin_index(data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    with pytest.raises(ChipFormatError, match="out of range"):
        apply_placement(n, parse_plc("99 1 1 N 0\n", "b.plc"))
    with pytest.raises(ChipFormatError, match="MACRO_PIN"):
        apply_placement(n, parse_plc("4 1 1 N 0\n", "b.plc"))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("# Columns:Rows0123456789.-NSF \n")), max_size=200))
def test_fuzz(text):
    with contextlib.suppress(ChipFormatError):
        parse_plc(text, "fuzz")


def test_ariane133_legalized_placement(ariane133):
    """The second placement: every macro moves, ports stay, hard macros do not overlap."""
    from a2perf.envs.chip.cost import CostModel
    from a2perf.envs.chip.design import config_for
    from a2perf.envs.chip.fd import overlapping_pairs

    netlist, _ = ariane133
    n = netlist.copy()
    p = read_plc(ARIANE133 / "legalized.plc")
    assert p.header.wirelength is None  # cost lines removed on purpose
    apply_placement(n, p)
    macros = np.concatenate([n.hard_macros, n.soft_macros])
    assert np.all((n.x[macros] != netlist.x[macros]) | (n.y[macros] != netlist.y[macros]))
    np.testing.assert_array_equal(n.x[n.ports], netlist.x[n.ports])
    h = n.hard_macros
    a, _ = overlapping_pairs(n.x[h], n.y[h], n.width[h] / 2, n.height[h] / 2, tol=1e-6)
    assert a.size == 0
    cost = CostModel(n, config_for(n, p.header)).evaluate()
    assert 0 < cost.proxy_cost < 2 and cost.wirelength > 3219216.090


def test_blockage_lines():
    p = parse_plc("# Blockage : 0 0 10 20 1.0\n# Block : blk\n", "b.plc")
    assert p.header.blockages == [(0.0, 0.0, 10.0, 20.0, 1.0)] and p.header.block == "blk"
    with pytest.raises(ChipFormatError, match="line 1"):
        parse_plc("# Blockage : 10 0 0 20 1.0\n", "b.plc")

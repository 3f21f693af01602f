import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2perf.envs.chip.cost import CostConfig, CostModel
from a2perf.envs.chip.design import config_for, load_design
from a2perf.envs.chip.netlist import parse_netlist, read_netlist
from a2perf.envs.chip.reference import reference_cost
from a2perf.errors import ConfigError


def test_macro_tiles_google_vectors(data_dir):
    """Google binary, netlist alone with defaults (spec §4.1)."""
    netlist, config, _ = load_design(data_dir / "macro_tiles_10x10" / "netlist.pb.txt")
    assert config.canvas_width == pytest.approx(645.4972243679028)
    assert (config.grid_cols, config.grid_rows) == (10, 10)
    r = CostModel(netlist, config).evaluate()
    assert r.wirelength == pytest.approx(5400, abs=1e-9)
    assert r.wirelength_cost == pytest.approx(0.007745966692414834, abs=1e-9)
    assert r.density_cost == pytest.approx(0.3570806661517036, abs=1e-9)


def test_toy_spec_regression(data_dir):
    """Spec §4.5: HPWL 829 over 20 nets, density 0.45, congestion 0.71055 (14x7, smoothing 5)."""
    netlist, config, _ = load_design(data_dir / "toy_macro_stdcell" / "netlist.pb.txt")
    config = config.with_(grid_cols=20, grid_rows=10)
    model = CostModel(netlist, config)
    assert (model.Rc, model.Cc) == (7, 14)
    r = model.evaluate()
    assert r.wirelength == pytest.approx(829.0)
    assert r.wirelength_cost == pytest.approx(829 / (300 * 20), abs=1e-12)
    assert r.density_cost == pytest.approx(0.45, abs=1e-12)
    assert r.congestion_cost == pytest.approx(0.71055, abs=5e-6)
    legacy = CostModel(netlist, config.with_(congestion_grid="placement", smooth_range=2)).evaluate()
    assert legacy.congestion_cost == pytest.approx(0.73798, abs=5e-6)
    assert r.proxy_cost == pytest.approx(r.wirelength_cost + r.density_cost + 0.5 * r.congestion_cost)


def test_ariane133_header_costs(ariane133):
    netlist, header = ariane133
    config = config_for(netlist, header)
    assert config.congestion_grid == "placement" and config.smooth_range == 0
    r = CostModel(netlist, config).evaluate()
    assert r.wirelength == pytest.approx(3219216.090, rel=1e-5)
    assert r.wirelength_cost == pytest.approx(0.0497, abs=5e-4)
    assert r.density_cost == pytest.approx(0.6067, abs=5e-4)
    assert r.congestion_cost == pytest.approx(0.7128, abs=3e-3)
    # Unit routing weights reproduce the header's (older binary's) congestion more closely.
    unit = CostModel(netlist, config.with_(unit_congestion_weights=True)).evaluate()
    assert unit.congestion_cost == pytest.approx(0.7128, abs=5e-4)


def test_ariane133_orientation_treatment(ariane133):
    """19 macros are S: only the orientation-aware pin offsets reproduce the header wirelength."""
    netlist, header = ariane133
    plain = CostModel(netlist, config_for(netlist, header, orient_pins=False)).evaluate()
    assert abs(plain.wirelength / 3219216.090 - 1) > 1e-3


TWO_PIN = """
node { name: "a" input: "b" attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "x" value { f: %s } } attr { key: "y" value { f: %s } } }
node { name: "b" attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "x" value { f: %s } } attr { key: "y" value { f: %s } } }
"""


def _maps(text, **kw):
    n = parse_netlist(text)
    cfg = CostConfig(
        100.0,
        100.0,
        10,
        10,
        hroutes_per_micron=1.0,
        vroutes_per_micron=1.0,
        smooth_range=0,
        congestion_grid="placement",
        **kw,
    )
    m = CostModel(n, cfg)
    px, py = m.entry_positions(n.x, n.y, n.orientation)
    return m.routing_demand(m.entry_cells(px, py), m.entry_net, m.net_start, m.net_weight)


def test_two_pin_l_route_by_hand():
    # driver in cell (r=1, c=2), sink in (r=4, c=6): H along row 1 cols 2..5, V along col 6 rows 1..3
    H, V = _maps(TWO_PIN % (25, 15, 65, 45))
    expected_h = np.zeros((10, 10))
    expected_h[1, 2:6] = 1
    expected_v = np.zeros((10, 10))
    expected_v[1:4, 6] = 1
    np.testing.assert_array_equal(H, expected_h)
    np.testing.assert_array_equal(V, expected_v)


THREE_PIN = """
node { name: "a" input: "b" input: "c" attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "x" value { f: %s } } attr { key: "y" value { f: %s } } }
node { name: "b" attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "x" value { f: %s } } attr { key: "y" value { f: %s } } }
node { name: "c" attr { key: "type" value { placeholder: "PORT" } }
  attr { key: "x" value { f: %s } } attr { key: "y" value { f: %s } } }
"""


def test_three_pin_t_route_by_hand():
    # cells (r,c): (0,0), (2,5), (5,3) -> no staircase rule applies -> T-shape on (row, col) order:
    # H along row 2 from col 0 to 5; V col 0 rows 0..1; V col 3 rows 2..4.
    H, V = _maps(THREE_PIN % (5, 5, 55, 25, 35, 55))
    eh = np.zeros((10, 10))
    eh[2, 0:5] = 1
    ev = np.zeros((10, 10))
    ev[0:2, 0] = 1
    ev[2:5, 3] = 1
    np.testing.assert_array_equal(H, eh)
    np.testing.assert_array_equal(V, ev)


def test_three_pin_staircase_by_hand():
    # (col,row)-sorted: (0,0), (3,2), (6,5): rule 1 -> H row0 c0..2, H row2 c3..5, V col3 r0..1, V col6 r2..4
    H, V = _maps(THREE_PIN % (5, 5, 35, 25, 65, 55))
    eh = np.zeros((10, 10))
    eh[0, 0:3] = 1
    eh[2, 3:6] = 1
    ev = np.zeros((10, 10))
    ev[0:2, 3] = 1
    ev[2:5, 6] = 1
    np.testing.assert_array_equal(H, eh)
    np.testing.assert_array_equal(V, ev)


def test_blockage_full_cell_value():
    """A macro covering a cell exactly adds allocation/capacity: 51.79/74.51 (V) and 51.79/70.33 (H)."""
    n = parse_netlist(
        'node { name: "m" attr { key: "type" value { placeholder: "MACRO" } } attr { key: "width" value { f: 10 } }'
        ' attr { key: "height" value { f: 10 } } attr { key: "x" value { f: 15 } } attr { key: "y" value { f: 15 } } }'
        'node { name: "p" input: "q" attr { key: "type" value { placeholder: "PORT" } } attr { key: "x" value { f: 0 } }'
        ' attr { key: "y" value { f: 0 } } }'
        'node { name: "q" attr { key: "type" value { placeholder: "PORT" } } attr { key: "x" value { f: 0 } }'
        ' attr { key: "y" value { f: 0 } } }'
    )
    m = CostModel(n, CostConfig(100.0, 100.0, 10, 10, congestion_grid="placement"))
    Hm, Vm = m.macro_blockage(n.x[m.hard], n.y[m.hard], m.hard_w, m.hard_h)
    assert Vm[1, 1] / m.v_capacity == pytest.approx(51.79 / 74.51)
    assert Hm[1, 1] / m.h_capacity == pytest.approx(51.79 / 70.33)
    assert np.count_nonzero(Vm) == 1


def test_config_validation():
    with pytest.raises(ConfigError):
        CostConfig(-1.0, 10.0)
    with pytest.raises(ConfigError):
        CostConfig(10.0, 10.0, grid_cols=0)


def test_separate_congestion_grid_shape():
    assert CostConfig(356.592, 356.640, 35, 33).congestion_shape() == (25, 25)
    assert CostConfig(200.0, 100.0, 20, 10).congestion_shape() == (7, 14)


def test_weights_zero_skip(data_dir):
    n = read_netlist(data_dir / "toy_macro_stdcell" / "netlist.pb.txt")
    r = CostModel(n, CostConfig(200.0, 100.0, 20, 10, congestion_weight=0.0, density_weight=0.0)).evaluate()
    assert r.congestion_cost == 0.0 and r.density_cost == 0.0
    assert r.proxy_cost == pytest.approx(r.wirelength_cost)
    assert math.isfinite(r.proxy_cost)


def test_incremental_matches_full(ariane133):
    from a2perf.envs.chip.cost import IncrementalCost

    netlist, header = ariane133
    netlist = netlist.copy()
    model = CostModel(netlist, config_for(netlist, header))
    inc = IncrementalCost(model)
    rng = np.random.default_rng(0)
    movable = np.concatenate([netlist.hard_macros, netlist.soft_macros])
    for _ in range(40):
        node = int(rng.choice(movable))
        got = inc.move(node, *rng.uniform(0, 1433.406, 2), orientation=int(rng.integers(0, 4)))
    full = model.evaluate()
    for key, value in full.as_dict().items():
        assert getattr(got, key) == pytest.approx(value, rel=1e-9, abs=1e-9), key


coord = st.floats(min_value=-50.0, max_value=250.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    macros=st.lists(
        st.tuples(coord, coord, st.floats(1, 60), st.floats(1, 60), st.integers(0, 7)), min_size=1, max_size=5
    ),
    ports=st.lists(st.tuples(coord, coord), min_size=1, max_size=5),
    nets=st.lists(st.lists(st.integers(0, 20), min_size=2, max_size=6), min_size=1, max_size=8),
    grid=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    smooth=st.integers(0, 3),
)
def test_random_designs_match_reference(macros, ports, nets, grid, smooth):
    """Random macros (some off-canvas, any orientation), ports and nets: vectorised == loop reference."""
    orient = ["N", "FN", "S", "FS", "E", "FE", "W", "FW"]
    text = []
    for k, (x, y, w, h, o) in enumerate(macros):
        text.append(
            f'node {{ name: "m{k}" attr {{ key: "type" value {{ placeholder: "MACRO" }} }} '
            f'attr {{ key: "width" value {{ f: {w} }} }} attr {{ key: "height" value {{ f: {h} }} }} '
            f'attr {{ key: "x" value {{ f: {x} }} }} attr {{ key: "y" value {{ f: {y} }} }} '
            f'attr {{ key: "orientation" value {{ placeholder: "{orient[o]}" }} }} }}'
        )
        for j, (dx, dy) in enumerate(((w / 3, -h / 4), (-w / 2, h / 2))):
            text.append(
                f'node {{ name: "m{k}/p{j}" attr {{ key: "type" value {{ placeholder: "MACRO_PIN" }} }} '
                f'attr {{ key: "macro_name" value {{ placeholder: "m{k}" }} }} '
                f'attr {{ key: "x_offset" value {{ f: {dx} }} }} attr {{ key: "y_offset" value {{ f: {dy} }} }} }}'
            )
    for k, (x, y) in enumerate(ports):
        text.append(
            f'node {{ name: "p{k}" attr {{ key: "type" value {{ placeholder: "PORT" }} }} '
            f'attr {{ key: "x" value {{ f: {x} }} }} attr {{ key: "y" value {{ f: {y} }} }} }}'
        )
    pins = [f"m{k}/p{j}" for k in range(len(macros)) for j in range(2)] + [f"p{k}" for k in range(len(ports))]
    drivers: dict[str, list[str]] = {}
    for members in nets:
        names = [pins[i % len(pins)] for i in members]
        drivers.setdefault(names[0], []).extend(names[1:])
    lines = "\n".join(text)
    for d, sinks in drivers.items():
        inputs = " ".join(f'input: "{s}"' for s in sinks)
        lines = lines.replace(f'node {{ name: "{d}" ', f'node {{ name: "{d}" {inputs} ', 1)
    n = parse_netlist("# FP bbox: {0 0} {200 150}\n" + lines)
    if n.num_nets == 0:
        return
    cfg = CostConfig(200.0, 150.0, grid[0], grid[1], smooth_range=smooth)
    got = CostModel(n, cfg).evaluate()
    want = reference_cost(n, cfg)
    for key, value in want.as_dict().items():
        assert getattr(got, key) == pytest.approx(value, rel=1e-9, abs=1e-9), key

import numpy as np
import pytest

from a2perf.envs.chip.cost import CostModel
from a2perf.envs.chip.design import config_for
from a2perf.envs.chip.fd import overlapping_pairs
from a2perf.envs.chip.generator import PRESETS, generate
from a2perf.envs.chip.netlist import HARD_MACRO, HARD_PIN, PORT, STDCELL, format_netlist, parse_netlist
from a2perf.errors import ConfigError


def test_toy_shape_mirrors_toy_macro_stdcell():
    n, h = generate("toy", 0)
    counts = np.bincount(n.kind, minlength=6)
    assert counts[HARD_MACRO] == 2 and counts[STDCELL] == 12 and counts[PORT] == 12 and counts[HARD_PIN] == 4
    assert n.num_nets == 20 and n.canvas == (200.0, 100.0) and (h.columns, h.rows) == (20, 10)
    assert n.total_area() == 2424.0  # same as the CT toy
    sizes = np.diff(n.net_ptr) - 1
    assert sorted(sizes.tolist()) == [1] * 18 + [6, 6]


@pytest.mark.parametrize("preset", ["toy", "small", "medium"])
def test_deterministic_and_seed_dependent(preset):
    a, _ = generate(preset, 7)
    b, _ = generate(preset, 7)
    c, _ = generate(preset, 8)
    assert format_netlist(a) == format_netlist(b)
    assert format_netlist(a) != format_netlist(c)


@pytest.mark.parametrize("preset", ["small", "medium"])
def test_realistic_properties(preset):
    n, h = generate(preset, 0)
    spec = PRESETS[preset]
    assert len(n.hard_macros) == spec.num_hard and len(n.soft_macros) == spec.num_soft
    assert len(n.ports) == spec.num_ports
    # ports on the boundary
    p = n.ports
    on_edge = np.isclose(n.x[p], 0) | np.isclose(n.x[p], spec.canvas_width) | np.isclose(n.y[p], 0)
    on_edge |= np.isclose(n.y[p], spec.canvas_height)
    assert on_edge.all()
    # reference placement of hard macros is legal
    hard = n.hard_macros
    a, _ = overlapping_pairs(n.x[hard], n.y[hard], n.width[hard] / 2, n.height[hard] / 2, tol=1e-9)
    assert a.size == 0
    # fan-out: mostly small, some large (Rent-like)
    fan = np.diff(n.net_ptr) - 1
    assert np.median(fan) <= 3 and fan.max() >= 8
    # round trip through the text format and a finite cost
    m = parse_netlist(format_netlist(n))
    assert m.names == n.names
    assert np.isfinite(CostModel(n, config_for(n, h)).evaluate().proxy_cost)


@pytest.mark.expensive
def test_ariane_sized():
    n, h = generate("ariane", 0)
    assert (len(n.hard_macros), len(n.soft_macros), len(n.ports)) == (133, 799, 1231)
    assert (h.columns, h.rows) == (35, 33)
    assert 10000 < np.sum(n.kind == HARD_PIN) < 14000


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown chip preset"):
        generate("huge", 0)

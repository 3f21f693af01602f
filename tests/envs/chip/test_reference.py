"""The vectorised cost equals the loop-by-loop reference written from the spec's prose."""

import pytest

from a2perf.envs.chip.cost import CostModel
from a2perf.envs.chip.design import config_for
from a2perf.envs.chip.generator import generate
from a2perf.envs.chip.reference import reference_cost


def _same(a, b):
    for key, value in a.as_dict().items():
        assert getattr(b, key) == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize(("preset", "seed"), [("toy", 0), ("small", 1), ("medium", 2)])
@pytest.mark.parametrize("legacy", [False, True])
def test_generated_designs(preset, seed, legacy):
    n, h = generate(preset, seed)
    n.make_soft_macros_square()
    cfg = config_for(n, h)
    if legacy:
        cfg = cfg.with_(congestion_grid="placement", smooth_range=2, unit_congestion_weights=True)
    _same(reference_cost(n, cfg), CostModel(n, cfg).evaluate())


def test_ariane133(ariane133):
    netlist, header = ariane133
    cfg = config_for(netlist, header)
    _same(reference_cost(netlist, cfg), CostModel(netlist, cfg).evaluate())

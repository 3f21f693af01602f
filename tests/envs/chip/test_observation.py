"""Observation-extractor vectors of Circuit Training's test on sample_clustered (spec §4.4)."""

import numpy as np
import pytest

from a2perf.envs.chip.netlist import read_netlist
from a2perf.envs.chip.observation import GraphFeatures
from a2perf.errors import ConfigError


@pytest.fixture
def features(data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    p0, p1 = n.index_of("P0"), n.index_of("P1")
    n.x[[p0, p1]] = [0.5, 150.0]
    n.y[[p0, p1]] = [100.0, 199.5]
    return n, GraphFeatures(
        n, rows=2, cols=3, canvas_width=300.0, canvas_height=200.0, max_num_nodes=6, max_num_edges=8
    )


def test_static_features(features):
    _, g = features
    s = g.static_features((70.33, 74.51, 51.79, 51.79))
    assert s["normalized_num_edges"][0] == pytest.approx(5 / 8)
    assert s["normalized_num_hard_macros"][0] == pytest.approx(2 / 6)
    assert s["normalized_num_soft_macros"][0] == pytest.approx(1 / 6)
    assert s["normalized_num_port_clusters"][0] == pytest.approx(2 / 6)
    np.testing.assert_allclose(s["macros_w"], np.array([120, 80, 0, 0, 0, 0]) / 500, rtol=1e-6)
    np.testing.assert_allclose(s["macros_h"], np.array([120, 40, 0, 0, 0, 0]) / 500, rtol=1e-6)
    assert s["node_types"].tolist() == [1, 1, 2, 3, 3, 0]
    assert s["sparse_adj_i"].tolist() == [0, 0, 1, 1, 2, 0, 0, 0]
    assert s["sparse_adj_j"].tolist() == [2, 3, 2, 4, 3, 0, 0, 0]
    assert s["edge_counts"].tolist() == [2, 2, 3, 2, 1, 0]
    np.testing.assert_allclose(s["sparse_adj_weight"][:5], 1.0, rtol=1e-5)
    # upstream quirk: the macro vertical routes use the horizontal allocation
    assert s["total_macro_vertical_routes_k"][0] == pytest.approx(51.79 * 300 / 1000)


def test_initial_locations(features):
    n, g = features
    x, y = n.x.copy(), n.y.copy()
    x[g.macros], y[g.macros] = 150.0, 100.0  # default (0.5, 0.5) placement
    lx, ly = g.locations(x, y)
    np.testing.assert_allclose(lx * 500, [150, 150, 150, 0, 150, 0], atol=1e-4)
    np.testing.assert_allclose(ly * 500, [100, 100, 100, 200, 200, 0], atol=1e-4)


def test_too_small_padding(data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    with pytest.raises(ConfigError, match="max_num_nodes"):
        GraphFeatures(n, 2, 3, 300.0, 200.0, max_num_nodes=3)
    with pytest.raises(ConfigError, match="max_num_edges"):
        GraphFeatures(n, 2, 3, 300.0, 200.0, max_num_edges=2)


def test_fake_net_heatmap_vector(features):
    """CT test: fake nets (0.1, [1, 2]) and (0.2, [2, 3]); the heatmap of node 0 (M0, netlist index 2),
    with only port P1 (index 1, cell 4) placed, is [0, .292893, 0, .292893, 1, .292893] (+ padding)."""
    from a2perf.envs.chip.observation import fake_net_heatmap

    heat = fake_net_heatmap(2, [(0.1, [1, 2]), (0.2, [2, 3])], {0: 3, 1: 4}, rows=2, cols=3)
    np.testing.assert_allclose(heat, [0, 0.292893, 0, 0.292893, 1, 0.292893], atol=1e-5)
    assert not fake_net_heatmap(3, [(0.1, [1, 2])], {1: 4}, 2, 3).any()

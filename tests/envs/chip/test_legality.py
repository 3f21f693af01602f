import numpy as np

from a2perf.envs.chip.legality import cell_center, legal_mask
from a2perf.envs.chip.netlist import read_netlist


def test_macro_tiles_node13_google_mask(data_dir):
    """Spec §4.1 [G]: canvas 1200², grid 20×20, mask of node 13 is 0 exactly on rows 0–9 × cols 0–9."""
    n = read_netlist(data_dir / "macro_tiles_10x10" / "netlist.pb.txt")
    hard = n.hard_macros
    mask = legal_mask(
        20, 20, 1200.0, 1200.0, n.width[13], n.height[13], n.x[hard], n.y[hard], n.width[hard], n.height[hard]
    )
    expected = np.ones((20, 20), bool)
    expected[:10, :10] = False
    np.testing.assert_array_equal(mask, expected)
    # the binary's 0.1 µm macro spacing does not change this mask
    spaced = legal_mask(
        20, 20, 1200.0, 1200.0, 50.0, 50.0, n.x[hard], n.y[hard], n.width[hard], n.height[hard], (0.1, 0.1)
    )
    np.testing.assert_array_equal(spaced, expected)


def test_canvas_window_by_hand():
    # 10x10 canvas, 5x5 grid (cells 2 µm): a 4x2 macro fits with centre x in [2, 8], y in [1, 9]
    mask = legal_mask(5, 5, 10.0, 10.0, 4.0, 2.0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    cols_ok = np.array([False, True, True, True, False])  # centres 1,3,5,7,9
    np.testing.assert_array_equal(mask, np.tile(cols_ok, (5, 1)))


def test_touching_is_legal_overlap_is_not():
    # obstacle 2x2 at (5,5); candidate 2x2: centres 3 and 7 touch it (legal), centre 5 overlaps
    mask = legal_mask(
        5, 5, 10.0, 10.0, 2.0, 2.0, np.array([5.0]), np.array([5.0]), np.array([2.0]), np.array([2.0])
    )
    assert not mask[2, 2]
    assert mask[2, 1] and mask[2, 3] and mask[1, 2] and mask[3, 2]
    assert mask.sum() == 24


def test_matches_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(20):
        rows, cols = rng.integers(3, 12, 2)
        W, H = rng.uniform(20, 60, 2)
        k = int(rng.integers(0, 6))
        px, py = rng.uniform(0, W, k), rng.uniform(0, H, k)
        pw, ph = rng.uniform(1, 15, k), rng.uniform(1, 15, k)
        w, h = rng.uniform(1, 12, 2)
        got = legal_mask(rows, cols, W, H, w, h, px, py, pw, ph)
        for r in range(rows):
            for c in range(cols):
                cx, cy = cell_center(r * cols + c, rows, cols, W, H)
                ok = w / 2 <= cx <= W - w / 2 and h / 2 <= cy <= H - h / 2
                ok &= not np.any((np.abs(cx - px) < (w + pw) / 2) & (np.abs(cy - py) < (h + ph) / 2))
                assert got[r, c] == ok


def test_far_away_obstacles_are_harmless():
    far = np.array([1e300, -1e300])
    mask = legal_mask(4, 4, 10.0, 10.0, 1.0, 1.0, far, far, np.ones(2), np.ones(2))
    assert mask.all()

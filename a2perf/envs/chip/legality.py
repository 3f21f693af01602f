"""Legal cells for a macro: inside the canvas and not overlapping placed macros (spec §3.4).

A macro of size w×h centred on the centre (cx, cy) of grid cell (i, j) is legal iff
w/2 ≤ cx ≤ W − w/2 and h/2 ≤ cy ≤ H − h/2, and for every placed rectangle p:
|cx − X_p| ≥ (w + w_p)/2 + sx or |cy − Y_p| ≥ (h + h_p)/2 + sy.
Each placed rectangle blocks a rectangle of cells; the blocked rectangles are summed with a 2-D
difference array, so the cost is O(#placed + rows·cols).
"""

from __future__ import annotations

import numpy as np


def legal_mask(
    rows: int,
    cols: int,
    canvas_width: float,
    canvas_height: float,
    width: float,
    height: float,
    placed_x: np.ndarray,
    placed_y: np.ndarray,
    placed_w: np.ndarray,
    placed_h: np.ndarray,
    spacing: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Boolean (rows, cols) mask of cells where a width×height macro may be centred.

    Args:
      rows, cols: placement grid.
      canvas_width, canvas_height: canvas in µm.
      width, height: size of the macro to place, µm.
      placed_x, placed_y, placed_w, placed_h: (k,) centres and sizes of obstacles (placed macros,
        blockages), µm.
      spacing: extra clearance (sx, sy) between macros, µm.
    Returns:
      bool array (rows, cols), row-major like the cell index r·cols + c.
    """
    gw, gh = canvas_width / cols, canvas_height / rows
    cx = (np.arange(cols) + 0.5) * gw
    cy = (np.arange(rows) + 0.5) * gh
    ok_c = (cx >= width / 2) & (cx <= canvas_width - width / 2)
    ok_r = (cy >= height / 2) & (cy <= canvas_height - height / 2)
    mask = ok_r[:, None] & ok_c[None, :]
    if len(placed_x) == 0 or not mask.any():
        return mask
    half_x = (width + np.asarray(placed_w)) / 2 + spacing[0]
    half_y = (height + np.asarray(placed_h)) / 2 + spacing[1]
    px = np.asarray(placed_x, np.float64)
    py = np.asarray(placed_y, np.float64)
    # Cells j with X_p - half_x < cx_j < X_p + half_x (strict: touching is legal).
    # Clip in float before converting, so far-away obstacles cannot overflow int64.
    j_lo = np.clip(np.floor((px - half_x) / gw - 0.5) + 1, 0, cols).astype(np.int64)
    j_hi = np.clip(np.ceil((px + half_x) / gw - 0.5) - 1, -1, cols - 1).astype(np.int64)
    i_lo = np.clip(np.floor((py - half_y) / gh - 0.5) + 1, 0, rows).astype(np.int64)
    i_hi = np.clip(np.ceil((py + half_y) / gh - 0.5) - 1, -1, rows - 1).astype(np.int64)
    keep = (j_lo <= j_hi) & (i_lo <= i_hi)
    if not keep.any():
        return mask
    j_lo, j_hi, i_lo, i_hi = j_lo[keep], j_hi[keep], i_lo[keep], i_hi[keep]
    diff = np.zeros((rows + 1) * (cols + 1), np.int64)
    stride = cols + 1
    np.add.at(diff, i_lo * stride + j_lo, 1)
    np.add.at(diff, i_lo * stride + j_hi + 1, -1)
    np.add.at(diff, (i_hi + 1) * stride + j_lo, -1)
    np.add.at(diff, (i_hi + 1) * stride + j_hi + 1, 1)
    blocked = diff.reshape(rows + 1, cols + 1).cumsum(axis=0).cumsum(axis=1)[:rows, :cols] > 0
    return mask & ~blocked


def cell_center(
    cell: int, rows: int, cols: int, canvas_width: float, canvas_height: float
) -> tuple[float, float]:
    """Centre (x, y) in µm of flat cell index ``cell`` = row·cols + col."""
    r, c = divmod(int(cell), cols)
    return (c + 0.5) * canvas_width / cols, (r + 0.5) * canvas_height / rows

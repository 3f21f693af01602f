"""Shared fixtures: real Circuit Training data read from ../shared/data (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "circuit").resolve()
ARIANE133 = DATA / "ariane133_ng45"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    assert DATA.is_dir(), f"shared test data missing at {DATA}"
    return DATA


@pytest.fixture(scope="session")
def ariane133(data_dir):
    """Ariane133-NG45 netlist with initial.plc applied, plus the plc header (read once per session)."""
    from a2perf.envs.chip.netlist import read_netlist
    from a2perf.envs.chip.plc import apply_placement, read_plc

    netlist = read_netlist(ARIANE133 / "netlist.pb.txt.gz")
    placement = read_plc(ARIANE133 / "initial.plc")
    apply_placement(netlist, placement)
    return netlist, placement.header

import contextlib
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2perf.envs.chip.errors import ChipFormatError
from a2perf.envs.chip.netlist import (
    HARD_MACRO,
    HARD_PIN,
    PORT,
    SOFT_MACRO,
    SOFT_PIN,
    STDCELL,
    format_netlist,
    parse_netlist,
    read_netlist,
    write_netlist,
)
from a2perf.errors import DataNotFoundError, SchemaError

from .conftest import ARIANE133

TINY = """# FP bbox: {0.0 0.0} {100.0 50.0}
node {
  name: "__metadata__"
  attr { key: "soft_macro_area_bloating_ratio" value { f: 2.0 } }
}
node {
  name: "p0"
  input: "M/a"
  input: "M/a"
  attr { key: "type" value { placeholder: "port" } }
  attr { key: "x" value { f: 0 } }
  attr { key: "y" value { f: 10 } }
}
node {
  name: "M/a"
  attr { key: "macro_name" value { placeholder: "M" } }
  attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "x_offset" value { f: -2.5 } }
  attr { key: "y_offset" value { f: 1 } }
}
node {
  name: "M"
  attr { key: "height" value { f: 4 } }
  attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 6 } }
  attr { key: "orientation" value { placeholder: "S" } }
  attr { key: "x" value { f: 50 } }
  attr { key: "y" value { f: 20 } }
}
"""


def test_tiny_forward_reference_metadata_and_duplicates():
    n = parse_netlist(TINY, "tiny")
    assert n.names == ["p0", "M/a", "M"]  # __metadata__ gets no index
    assert n.metadata == {"soft_macro_area_bloating_ratio": "2.0"}
    assert list(n.kind) == [PORT, HARD_PIN, HARD_MACRO]
    assert n.parent[1] == 2  # forward reference resolved
    assert n.canvas == (100.0, 50.0)
    assert n.orientation[2] == 2  # S
    # duplicate sinks dropped: one net p0 -> M/a
    assert list(n.net_ptr) == [0, 2] and list(n.net_nodes) == [0, 1]
    assert n.x_offset[1] == -2.5 and n.total_area() == 24.0


def test_toy_counts(data_dir):
    n = read_netlist(data_dir / "toy_macro_stdcell" / "netlist.pb.txt")
    counts = np.bincount(n.kind, minlength=6)
    assert counts[HARD_MACRO] == 2 and counts[STDCELL] == 12 and counts[PORT] == 12 and counts[HARD_PIN] == 4
    assert n.canvas == (200.0, 100.0) and n.total_area() == 2424.0 and n.num_nets == 20


def test_macro_tiles_lowercase_macros_are_hard(data_dir):
    n = read_netlist(data_dir / "macro_tiles_10x10" / "netlist.pb.txt")
    assert len(n.hard_macros) == 100 and len(n.soft_macros) == 0 and n.total_area() == 250000.0


def test_sample_clustered_soft_by_prefix(data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    assert n.kind[n.index_of("Grp_2")] == SOFT_MACRO
    assert n.kind[n.index_of("Grp_2/Pinput")] == SOFT_PIN
    assert list(n.hard_macros) == [2, 3]


def test_ariane133_counts_and_speed():
    t = time.process_time()  # CPU time: robust when other jobs share the cores
    n = read_netlist(ARIANE133 / "netlist.pb.txt.gz")
    elapsed = time.process_time() - t
    counts = np.bincount(n.kind, minlength=6)
    assert (counts[PORT], counts[HARD_MACRO], counts[SOFT_MACRO]) == (495, 133, 782)
    assert (counts[HARD_PIN], counts[SOFT_PIN]) == (7847, 10630)
    # header "Area (stdcell+macros) : 1447227.522542122" (float32 sizes in the file)
    assert n.total_area() == pytest.approx(1447227.522542122, rel=1e-8)
    assert elapsed < 2.0  # spec target: 2 s


def test_round_trip(tmp_path, data_dir):
    n = read_netlist(data_dir / "sample_clustered" / "netlist.pb.txt")
    write_netlist(tmp_path / "out.pb.txt", n)
    m = read_netlist(tmp_path / "out.pb.txt")
    assert m.names == n.names
    np.testing.assert_array_equal(m.kind, n.kind)
    np.testing.assert_array_equal(m.net_nodes, n.net_nodes)
    np.testing.assert_array_equal(m.x, n.x)
    np.testing.assert_array_equal(m.width, n.width)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            'node {\n  name: "a"\n  attr { key: "type" value { placeholder: "FOO" } }\n}\n',
            3,
            "unknown node type",
        ),
        (
            'node {\n  name: "a"\n  input: "zz"\n  attr { key: "type" value { placeholder: "PORT" } }\n'
            '  attr { key: "x" value { f: 1 } }\n  attr { key: "y" value { f: 1 } }\n}\n',
            1,
            "unknown node 'zz'",
        ),
        (
            'node {\n  name: "a"\n  attr { key: "type" value { placeholder: "PORT" } }\n'
            '  attr { key: "x" value { f: nan } }\n  attr { key: "y" value { f: 1 } }\n}\n',
            4,
            "finite",
        ),
        ('node {\n  name: "a"\n  attr { key: "type" value { placeholder: "PORT" } }\n', 4, "truncated"),
        ('node {\n  name: "a"\n  garbage here\n}\n', 3, "cannot parse"),
        ("# only a comment\n", None, "no nodes"),
    ],
)
def test_bad_input_names_file_and_line(text, line, fragment):
    with pytest.raises(ChipFormatError, match=fragment) as e:
        parse_netlist(text, "bad.pb.txt")
    assert isinstance(e.value, SchemaError)
    assert "bad.pb.txt" in str(e.value)
    if line is not None:
        assert f"line {line}:" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError):
        read_netlist(tmp_path / "nope.pb.txt")


def test_bad_gzip(tmp_path):
    p = tmp_path / "x.pb.txt.gz"
    p.write_bytes(b"not gzip")
    with pytest.raises(ChipFormatError):
        read_netlist(p)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list('node{}name:"input attr key value f placeholder PORT x y 1.5\n#')),
        max_size=300,
    )
)
def test_fuzz_never_crashes_or_hangs(text):
    with contextlib.suppress(ChipFormatError):
        parse_netlist(text, "fuzz")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(TINY)), st.binary(max_size=8))
def test_fuzz_truncated_and_corrupted(cut, junk):
    text = TINY[:cut] + junk.decode("latin-1")
    try:
        n = parse_netlist(text, "fuzz")
    except ChipFormatError:
        return
    assert n.num_nodes >= 1


def test_format_is_deterministic(data_dir):
    n = read_netlist(data_dir / "toy_macro_stdcell" / "netlist.pb.txt")
    assert format_netlist(n) == format_netlist(n)

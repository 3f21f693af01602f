import json

import pytest

from a2perf.envs.web.design import Design, level_designs, load_designs, parse_designs, save_designs
from a2perf.errors import ConfigError, DataNotFoundError, SchemaError


def test_primitives_skip_none_and_repeats_and_pages_are_rederived():
    d = Design.from_dict(
        {
            "number_of_pages": 5,
            "action": ["username", "#none#", "username", "username", "submit"],
            "action_page": [0, 0, 0, 1, 1],
        }
    )
    assert d.primitives() == [("username", 0), ("username", 1), ("submit", 1)]
    assert d.num_pages == 2
    assert Design(1, ("#none#",), (0,)).num_pages == 1


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ([1, 2], "expected an object"),
        ({"action": [], "action_page": []}, "missing field"),
        (
            {"number_of_pages": 1, "action": ["usernme"], "action_page": [0]},
            "unknown primitive key(s) ['usernme']",
        ),
        (
            {"number_of_pages": 1, "action": ["username"], "action_page": [0, 1]},
            "1 entries but action_page has 2",
        ),
        ({"number_of_pages": 1, "action": ["username"], "action_page": [-1]}, "non-negative integers"),
        ({"number_of_pages": "1", "action": [], "action_page": []}, "number_of_pages"),
        ({"number_of_pages": 1, "action": [], "action_page": [], "difficulty": 2}, "difficulty"),
    ],
)
def test_malformed_designs_name_the_problem(data, needle):
    with pytest.raises(SchemaError) as e:
        Design.from_dict(data)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_file_round_trip_and_file_errors(tmp_path):
    designs = [Design(2, ("username", "next_login", "submit"), (0, 0, 1), 0.25), Design(1, ("cc",), (0,))]
    path = tmp_path / "d.json"
    save_designs(designs, path, level=2)
    assert load_designs(path) == designs
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        load_designs(tmp_path / "bad.json")
    with pytest.raises(DataNotFoundError):
        load_designs(tmp_path / "missing.json")
    (tmp_path / "list.json").write_text(
        json.dumps([{"number_of_pages": 1, "action": ["foo"], "action_page": [0]}])
    )
    with pytest.raises(SchemaError, match=r"list\.json\[0\]: unknown primitive key"):
        load_designs(tmp_path / "list.json")
    with pytest.raises(SchemaError, match="non-empty list"):
        parse_designs([])


def test_shipped_levels_load_with_scores():
    for level in (1, 2, 3):
        designs = level_designs(level)
        assert len(designs) == 100
        assert all(d.difficulty is not None for d in designs)
    with pytest.raises(ConfigError):
        level_designs(4)

"""submission.yaml: one-line errors that name the fix."""

from a2perf.submission.spec import meta_problems

from .conftest import META


def _problems(tmp_path, text):
    path = tmp_path / "submission.yaml"
    path.write_text(text, encoding="utf-8")
    return meta_problems(path)


def test_valid_meta_parses(tmp_path):
    meta, problems = _problems(tmp_path, META.format(name="x") + "train_kwargs: {steps: 10}\n")
    assert problems == []
    assert meta.name == "x" and meta.domains == ["other"] and meta.train_kwargs == {"steps": 10}


def test_wrong_types_each_on_one_line(tmp_path):
    text = "name: x\nauthors: Ada\nalgorithm: [1, 2]\ndomains: [space]\nlicence: MIT\ncontact: a@b\n"
    meta, problems = _problems(tmp_path, text)
    assert meta is None
    assert len(problems) >= 3
    assert all("\n" not in p for p in problems)
    joined = " | ".join(problems)
    assert "authors" in joined and "authors: [Ada Lovelace]" in joined
    assert "algorithm" in joined
    assert "domains.0" in joined and "chip, web, quadruped, other" in joined


def test_unknown_key_suggests_spelling(tmp_path):
    text = META.format(name="x").replace("licence:", "license:")
    _, problems = _problems(tmp_path, text)
    assert any("unknown key 'license'; did you mean 'licence'?" in p for p in problems)
    assert any("missing key 'licence'" in p for p in problems)


def test_reserved_kwargs_rejected(tmp_path):
    _, problems = _problems(tmp_path, META.format(name="x") + "train_kwargs: {seed: 3}\n")
    assert any("seed are set by the harness" in p for p in problems)


def test_yaml_syntax_error_names_line(tmp_path):
    _, problems = _problems(tmp_path, "name: x\nauthors: [a\n")
    assert len(problems) == 1 and "invalid YAML" in problems[0] and "line" in problems[0]


def test_not_a_mapping(tmp_path):
    _, problems = _problems(tmp_path, "- a\n- b\n")
    assert "must be a YAML mapping" in problems[0]

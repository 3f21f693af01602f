"""`a2perf submission init` and `validate`: files, metadata, imports and signatures."""

from typer.testing import CliRunner

from a2perf.cli import app
from a2perf.submission.validate import validate_submission

from .conftest import INFERENCE

runner = CliRunner()


def test_init_then_validate_passes(tmp_path):
    target = tmp_path / "my-sub"
    result = runner.invoke(app, ["submission", "init", str(target), "--domain", "other"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "README.md",
        "inference.py",
        "requirements.txt",
        "submission.yaml",
        "train.py",
    ]
    result = runner.invoke(app, ["submission", "validate", str(target)])
    assert result.exit_code == 0, result.output
    assert "valid submission 'my-sub'" in result.output


def test_init_scaffolds_every_domain(tmp_path):
    for domain in ("chip", "web", "quadruped"):
        result = runner.invoke(app, ["submission", "init", str(tmp_path / domain), "--domain", domain])
        assert result.exit_code == 0, result.output
        assert f"domains: [{domain}]" in (tmp_path / domain / "submission.yaml").read_text()


def test_init_never_overwrites(tmp_path):
    target = tmp_path / "exists"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["submission", "init", str(target)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_init_unknown_domain(tmp_path):
    result = runner.invoke(app, ["submission", "init", str(tmp_path / "x"), "--domain", "space"])
    assert result.exit_code == 2 and "unknown domain 'space'" in result.output
    assert not (tmp_path / "x").exists()


def test_missing_files_each_reported(make_submission):
    sub = make_submission(train=None, requirements=None)
    result = runner.invoke(app, ["submission", "validate", str(sub)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert any("train.py: missing" in ln for ln in lines)
    assert any("requirements.txt: missing" in ln for ln in lines)
    assert len(lines) == 2


def test_wrong_signatures(make_submission):
    bad = INFERENCE.replace(
        "def infer_once(policy, preprocessed_observation):", "def infer_once(model, obs):"
    )
    bad = bad.replace("def load_policy(env, root_dir=None, **kwargs):", "def load_model(env):")
    sub = make_submission(inference=bad, train="def train():\n    pass\n")
    problems = validate_submission(sub).problems
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    assert "inference.py: no function 'load_policy'; add def load_policy(env, **kwargs)" in text
    assert (
        "infer_once(model, obs) cannot be called as infer_once(policy=..., preprocessed_observation=...)"
        in text
    )
    assert "train() cannot be called as train(env_id=..., seed=..., root_dir=...)" in text


def test_syntax_error_names_file_and_line(make_submission):
    sub = make_submission(inference="def load_policy(env, **kw):\n    return 1\n\ndef broken(:\n")
    problems = validate_submission(sub).problems
    assert problems == ["inference.py line 4: SyntaxError: invalid syntax; fix the syntax"]


def test_import_error_and_missing_dependency(make_submission):
    sub = make_submission(
        train="import not_a_real_package_xyz\n\ndef train(env_id, seed, root_dir):\n    pass\n"
    )
    problems = validate_submission(sub).problems
    assert len(problems) == 1
    assert problems[0].startswith("train.py line 1: importing raised ModuleNotFoundError")
    assert "requirements.txt" in problems[0]


def test_bad_yaml_types_exit_2(make_submission):
    sub = make_submission(
        meta="name: 3\nauthors: []\nalgorithm: x\ndomains: other\nlicence: MIT\ncontact: a\n"
    )
    result = runner.invoke(app, ["submission", "validate", str(sub)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert any("name" in ln and "valid string" in ln for ln in lines)
    assert any("authors" in ln for ln in lines)
    assert any("domains" in ln for ln in lines)


def test_missing_folder(tmp_path):
    result = runner.invoke(app, ["submission", "validate", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output

"""`a2perf bench`: discovery and running of benchmark scripts in a subprocess."""

import pytest

from a2perf.bench import BENCHMARK_DIR, available_benchmarks, run_benchmark
from a2perf.errors import A2PerfError


def test_repository_benchmarks_are_found():
    assert {"chip", "metrics", "quadruped", "web", "baselines"} <= set(available_benchmarks(BENCHMARK_DIR))


def test_runs_a_benchmark_and_reads_its_json(tmp_path):
    (tmp_path / "bench_tiny.py").write_text(
        'import json\nprint("warming up")\nprint(json.dumps({"ratio": 1.5, "n": 3}))\n'
    )
    assert available_benchmarks(tmp_path) == ["tiny"]
    assert run_benchmark("tiny", tmp_path) == {"ratio": 1.5, "n": 3}


def test_failing_benchmark_names_the_error(tmp_path):
    (tmp_path / "bench_broken.py").write_text("raise SystemExit('no data here')\n")
    with pytest.raises(A2PerfError, match=r"benchmark broken failed \(exit 1\): no data here"):
        run_benchmark("broken", tmp_path)


def test_non_json_output_is_an_error(tmp_path):
    (tmp_path / "bench_text.py").write_text("print('fast')\n")
    with pytest.raises(A2PerfError, match="did not print JSON"):
        run_benchmark("text", tmp_path)


def test_unknown_name_lists_the_available_ones(tmp_path):
    (tmp_path / "bench_a.py").write_text("print('{}')\n")
    with pytest.raises(A2PerfError, match="unknown benchmark 'b'; available: a"):
        run_benchmark("b", tmp_path)

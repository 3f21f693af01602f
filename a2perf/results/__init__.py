"""Result files: schema, manifest and atomic I/O."""

from a2perf.results.io import (
    atomic_write_text,
    find_result_files,
    load_result,
    load_results,
    parse_result,
    save_result,
)
from a2perf.results.manifest import build_manifest
from a2perf.results.schema import SCHEMA_VERSION, Manifest, RunResult

__all__ = [
    "SCHEMA_VERSION",
    "Manifest",
    "RunResult",
    "atomic_write_text",
    "build_manifest",
    "find_result_files",
    "load_result",
    "load_results",
    "parse_result",
    "save_result",
]

"""Exceptions raised by a2perf.

Every message is one line that names the problem and the fix. The CLI prints the
message of any :class:`A2PerfError` to stderr and exits with code 2; any other
exception is a bug.
"""


class A2PerfError(Exception):
    """Base class for all expected, user-facing a2perf errors."""


class ConfigError(A2PerfError, ValueError):
    """Bad arguments, kwargs or configuration values."""


class DataNotFoundError(A2PerfError, FileNotFoundError):
    """A data file (netlist, motion clip, dataset, result) is missing."""


class SchemaError(A2PerfError, ValueError):
    """A file does not match the expected schema (results, submission metadata, designs)."""


class DependencyMissingError(A2PerfError, ImportError):
    """An optional dependency or system program is not installed."""

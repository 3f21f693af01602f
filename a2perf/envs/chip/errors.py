"""Errors of the chip domain."""

from a2perf.errors import SchemaError


class ChipFormatError(SchemaError):
    """A netlist or placement file is malformed; the message names the file and line."""

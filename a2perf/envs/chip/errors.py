"""Errors of the chip domain."""

from a2perf.errors import A2PerfError, SchemaError


class ChipFormatError(SchemaError):
    """A netlist or placement file is malformed; the message names the file and line."""


class PlacementError(A2PerfError):
    """A placement request cannot be satisfied (e.g. no legal cell left for a macro)."""


class InfeasibleActionError(A2PerfError, ValueError):
    """An action names an illegal cell (use ``env.action_masks()``)."""

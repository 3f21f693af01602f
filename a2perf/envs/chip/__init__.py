"""The chip domain."""

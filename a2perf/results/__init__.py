"""a2perf.results."""

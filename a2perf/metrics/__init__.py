"""a2perf.metrics."""

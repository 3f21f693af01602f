"""a2perf.submission."""

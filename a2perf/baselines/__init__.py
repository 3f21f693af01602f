"""a2perf.baselines."""

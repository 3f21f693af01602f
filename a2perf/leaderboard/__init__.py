"""a2perf.leaderboard."""

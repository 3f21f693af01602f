"""Generalization tasks of the web domain (A2Perf: difficulty level x number of websites)."""

from __future__ import annotations

NUM_WEBSITES = (1, 5, 10)
LEVELS = (1, 2, 3)


def generalization_tasks() -> list[dict]:
    """Every (level, num_websites) task.

    Returns:
      Dicts ``{"name", "env_id", "kwargs"}`` with names like ``difficulty_level_1_num_websites_5``
      (A2Perf's names), ``env_id`` the level's registered id and ``kwargs`` ``{"num_websites": n}``.
    """
    return [
        {
            "name": f"difficulty_level_{level}_num_websites_{n}",
            "env_id": f"WebNavigation-DifficultyLevel-{level:02d}-v0",
            "kwargs": {"num_websites": n},
        }
        for level in LEVELS
        for n in NUM_WEBSITES
    ]

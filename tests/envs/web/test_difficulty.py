import random

import numpy as np

from a2perf.envs.web.design import Design, level_designs
from a2perf.envs.web.difficulty import (
    LEVEL_BOUNDS,
    candidate_design,
    difficulty_score,
    generate_levels,
    level_of,
    solvable,
)
from a2perf.envs.web.site import build_site, random_agent_success


def test_level_bins():
    assert [level_of(p) for p in (1.0, 0.3, 0.2999, 0.05, 0.0499, 0.01, 0.0099, 0.0)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        None,
        None,
    ]


def test_score_of_a_submit_only_site_is_the_closed_form():
    assert abs(difficulty_score(Design(1, (), ())) - (1 - 0.75**25)) < 0.003


def test_score_is_reproducible():
    d = Design(1, ("username", "rememberme", "submit"), (0, 0, 0))
    assert difficulty_score(d, seed=3) == difficulty_score(d, seed=3)


def test_shipped_scores_lie_in_their_level_and_re_estimate():
    for level, (lo, hi) in LEVEL_BOUNDS.items():
        designs = level_designs(level)
        assert all(lo <= d.difficulty < hi for d in designs)
        for d in designs[:5]:  # independent re-estimate with another seed agrees within MC noise
            sd = max(0.01, (d.difficulty * (1 - d.difficulty) / 1000) ** 0.5)
            assert abs(difficulty_score(d, seed=999) - d.difficulty) < 5 * sd


def test_levels_are_graded_in_the_simulator():
    """Random valid-action agent over each level's whole design set: strictly decreasing, level 3 > 0."""
    rates = {}
    rng = random.Random(7)
    for level in (1, 2, 3):
        wins = episodes = 0
        for i, d in enumerate(level_designs(level)):
            site = build_site(d, np.random.default_rng([level, i]))
            wins += random_agent_success(site, 20, rng)
            episodes += 20
        rates[level] = wins / episodes
    assert rates[1] > 0.4 and rates[2] < 0.25 and rates[1] > 2 * rates[2]
    assert rates[2] > 3 * rates[3] > 0.0
    assert rates[3] > 0.01


def test_generator_is_seeded_and_bins_correctly():
    a = candidate_design(np.random.default_rng([1, 2]))
    assert a == candidate_design(np.random.default_rng([1, 2]))
    out = generate_levels(per_level=2, seed=11, max_candidates=2000)
    for level, designs in out.items():
        assert len(designs) == 2
        for d in designs:
            assert level_of(d.difficulty) == level and solvable(d)


def test_shipped_files_are_reproduced_by_the_generator():
    """The first designs of each shipped level come out of generate_levels() with the default seed."""
    fresh = generate_levels(per_level=4)
    for level in (1, 2, 3):
        assert fresh[level] == level_designs(level)[:4]

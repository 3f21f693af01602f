"""Difficulty score, level binning and design generation.

**Score.** A design's difficulty score is the success probability of the valid-action random agent
(each step uniform over ``action_masks()``: every profile field incl. ``_dummy`` x every element of the
current page) within the 25-step limit. It is estimated without a browser by simulating the site
model (:class:`~a2perf.envs.web.site.SiteState`) for ``PROFILE_DRAWS`` profiles (and cart prices)
x ``EPISODES_PER_PROFILE`` episodes = 1000 episodes, with fixed seeds, so it is reproducible.

**Levels.** ``level 1: score >= 0.3``, ``level 2: 0.05 <= score < 0.3``, ``level 3: 0.01 <= score < 0.05``.
Designs below 0.01 are discarded so level 3 stays measurable in a few hundred episodes.

**Generator.** Candidate ``i`` uses ``numpy.random.default_rng([seed, i])``: pages 1/2/3 with
probability 0.6/0.3/0.1; per page a size ``k`` uniform in 1..6 and ``k`` keys drawn uniformly from the
40 primitives (``#none#`` excluded). Candidates the oracle cannot finish within the step limit are
rejected. Each level keeps the first ``per_level`` distinct designs that fall into it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np

from a2perf.envs.web.design import Design
from a2perf.envs.web.oracle import oracle_steps
from a2perf.envs.web.primitives import PRIMITIVES
from a2perf.envs.web.site import STEP_LIMIT, build_site, random_agent_success

PROFILE_DRAWS = 250
EPISODES_PER_PROFILE = 4
LEVEL_BOUNDS: dict[int, tuple[float, float]] = {1: (0.3, 1.0 + 1e-9), 2: (0.05, 0.3), 3: (0.01, 0.05)}
GENERATOR_SEED = 20240
PAGE_PROBS = (0.6, 0.3, 0.1)
MAX_KEYS_PER_PAGE = 6


def difficulty_score(
    design: Design,
    seed: int = 0,
    profile_draws: int = PROFILE_DRAWS,
    episodes_per_profile: int = EPISODES_PER_PROFILE,
) -> float:
    """Estimated random-agent success probability of a design (see module docstring).

    Args:
      design: the design.
      seed: seeds the profile draws and the agent.
      profile_draws: sites rendered (profiles and prices drawn) per estimate.
      episodes_per_profile: random-agent episodes per rendered site.
    Returns:
      Probability in [0, 1].
    """
    agent = random.Random(seed)
    wins = 0
    for k in range(profile_draws):
        site = build_site(design, np.random.default_rng([seed, k]))
        wins += random_agent_success(site, episodes_per_profile, agent)
    return wins / (profile_draws * episodes_per_profile)


def level_of(score: float) -> int | None:
    """Difficulty level (1-3) of a score, or None when it is outside every level."""
    for level, (lo, hi) in LEVEL_BOUNDS.items():
        if lo <= score < hi:
            return level
    return None


def candidate_design(rng: np.random.Generator) -> Design:
    """Draw one candidate design (see module docstring)."""
    keys = list(PRIMITIVES)
    num_pages = int(rng.choice(len(PAGE_PROBS), p=PAGE_PROBS)) + 1
    action: list[str] = []
    pages: list[int] = []
    for page in range(num_pages):
        for _ in range(int(rng.integers(1, MAX_KEYS_PER_PAGE + 1))):
            action.append(keys[int(rng.integers(len(keys)))])
            pages.append(page)
    return Design(num_pages, tuple(action), tuple(pages))


def solvable(design: Design) -> bool:
    """The oracle finishes the design within the step limit (and it renders)."""
    site = build_site(design, np.random.default_rng(0))
    return oracle_steps(site) <= STEP_LIMIT


def generate_levels(
    per_level: int = 100, seed: int = GENERATOR_SEED, max_candidates: int = 200_000
) -> dict[int, list[Design]]:
    """Generate, score and bin designs until every level holds ``per_level`` designs.

    Returns:
      level -> designs with ``difficulty`` set, in generation order.
    """
    out: dict[int, list[Design]] = {lvl: [] for lvl in LEVEL_BOUNDS}
    seen: set[tuple] = set()
    for i in range(max_candidates):
        if all(len(v) >= per_level for v in out.values()):
            break
        cand = candidate_design(np.random.default_rng([seed, i]))
        sig = tuple(cand.primitives())
        if sig in seen or not solvable(cand):
            continue
        seen.add(sig)
        score = difficulty_score(cand, seed=i)
        level = level_of(score)
        if level is not None and len(out[level]) < per_level:
            out[level].append(Design(cand.number_of_pages, cand.action, cand.action_page, score))
    return out


def mean_score(designs: Iterable[Design]) -> float:
    """Mean stored difficulty score of designs."""
    scores = [d.difficulty for d in designs if d.difficulty is not None]
    return float(np.mean(scores)) if scores else float("nan")


def write_level_files(out_dir: str | None = None, per_level: int = 100, seed: int = GENERATOR_SEED) -> None:
    """Regenerate ``designs/level_0{1,2,3}.json`` (the shipped files come from the defaults; ~1-4 min)."""
    from pathlib import Path

    from a2perf.envs.web.design import save_designs

    target = Path(out_dir) if out_dir else Path(__file__).parent / "designs"
    target.mkdir(parents=True, exist_ok=True)
    for level, designs in generate_levels(per_level=per_level, seed=seed).items():
        save_designs(designs, target / f"level_{level:02d}.json", level=level)


if __name__ == "__main__":
    write_level_files()

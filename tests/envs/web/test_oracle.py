import numpy as np
import pytest

from a2perf.envs.web.design import level_designs
from a2perf.envs.web.oracle import oracle_action, oracle_steps
from a2perf.envs.web.site import STEP_LIMIT, SiteState, build_site, decode_action


@pytest.mark.parametrize("level", [1, 2, 3])
def test_oracle_solves_every_shipped_design(level):
    for i, design in enumerate(level_designs(level)):
        for seed in range(3):
            site = build_site(design, np.random.default_rng([seed, i]))
            state = SiteState(site)
            steps = 0
            while not state.done and steps < STEP_LIMIT:
                state.apply(*decode_action(oracle_action(site, state.raw_obs())))
                steps += 1
            assert state.done and state.raw_reward == 1.0, (level, i, seed)
            assert steps == oracle_steps(site)
            assert state.correct_count() == len(site.instances)

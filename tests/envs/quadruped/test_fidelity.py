"""Parity with the original env: the A2Perf pretrained policies still walk (spec §7 figures)."""

import numpy as np
import pytest

from a2perf.envs.quadruped.core import QuadrupedCore
from a2perf.envs.quadruped.motion import load_clip

from .conftest import clip_path, load_policy

ORIGINAL_TEST_RETURN = {"pace": 390.2, "trot": 372.5, "spin": 385.9}


@pytest.mark.expensive
@pytest.mark.parametrize("name", ["pace", "trot", "spin"])
def test_pretrained_policy_return(data_dir, name):
    policy = load_policy(name)
    core = QuadrupedCore(load_clip(clip_path(name)), mode="test")
    try:
        obs, _ = core.reset(np.random.default_rng(0))
        total, steps = 0.0, 0
        while True:
            r = core.step(policy(obs))
            obs, total, steps = r.obs, total + r.reward, steps + 1
            if r.terminated or r.truncated:
                break
        assert not r.terminated, r.info.get("termination_reason")
        assert steps == 600
        assert total >= 0.9 * ORIGINAL_TEST_RETURN[name]
    finally:
        core.close()


def _returns(core, policy, seeds):
    out = []
    for seed in seeds:
        obs, _ = core.reset(np.random.default_rng(seed))
        total, steps = 0.0, 0
        while True:
            r = core.step(policy(obs))
            obs, total, steps = r.obs, total + r.reward, steps + 1
            if r.terminated or r.truncated:
                break
        out.append((total, steps))
    return np.array(out)


@pytest.mark.parametrize("name", ["pace", "trot", "spin"])
def test_zero_and_random_policies_score_near_original(data_dir, name):
    # original (10 test episodes): zero residual 2.4-3.6, random 0.32-0.46, both end early
    core = QuadrupedCore(load_clip(clip_path(name)), mode="test")
    try:
        zero = _returns(core, lambda o: np.zeros(12), range(1, 7))
        rng = np.random.default_rng(0)
        rand = _returns(core, lambda o: rng.uniform(-2 * np.pi, 2 * np.pi, 12), range(1, 7))
        assert 0.5 < np.median(zero[:, 0]) < 8.0
        assert np.median(zero[:, 1]) < 100
        assert 0.1 < rand[:, 0].mean() < 1.2
        assert rand[:, 1].mean() < 30
    finally:
        core.close()

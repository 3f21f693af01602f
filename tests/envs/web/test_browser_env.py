"""The real headless-Chromium env: agreement with the model, seeding, crashes, cleanup, missing programs."""

import os
import signal
import time
import warnings

import gymnasium as gym
import numpy as np
import psutil
import pytest
from gymnasium.utils.env_checker import check_env

import a2perf  # noqa: F401
from a2perf.envs.web.browser import BrowserError
from a2perf.envs.web.env import WebNavigationEnv
from a2perf.envs.web.oracle import OraclePolicy
from a2perf.errors import ConfigError, DependencyMissingError

POSITION = slice(4, 8)  # dom_features columns that only the browser knows (layout)


@pytest.fixture(scope="module")
def browser_env():
    env = WebNavigationEnv(difficulty=3, num_websites=100, render_mode="rgb_array")
    yield env
    env.close()


def _episode(env, level_designs_env_seed, actions_seed, record):
    rng = np.random.default_rng(actions_seed)
    obs, _ = env.reset(seed=level_designs_env_seed)
    record.append(obs)
    done = False
    while not done:
        a = int(rng.choice(np.flatnonzero(env.action_masks())))
        obs, r, te, tr, info = env.step(a)
        record += [a, obs, r, te, tr, info["success"], info["potential"]]
        done = te or tr
    return info["success"]


def _compare(browser_rec, model_rec):
    assert len(browser_rec) == len(model_rec)
    for x, y in zip(browser_rec, model_rec, strict=True):
        if isinstance(x, dict):
            for k in x:
                if k == "dom_features":
                    np.testing.assert_array_equal(x[k][:, :4], y[k][:, :4])
                else:
                    np.testing.assert_array_equal(x[k], y[k], err_msg=k)
        else:
            assert x == y


def _alive(proc):
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _name(proc):
    try:
        return proc.name()
    except psutil.Error:
        return ""


def _kids(proc):
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _chromium_main(env):
    driver_proc = env.unwrapped.backend.browser.pids[0]
    return next(p for p in driver_proc.children() if "chrom" in _name(p))


def test_check_env_on_registered_id():
    env = gym.make("WebNavigation-DifficultyLevel-01-v0", render_mode="rgb_array")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no checker warnings (bounds, dtypes, seeding)
        check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize("level", [1, 2, 3])
def test_browser_agrees_with_the_model_on_random_episodes(browser_env, level):
    """Same seeds and random valid actions: identical observations (but layout), rewards and outcomes."""
    benv = browser_env
    benv.designs = WebNavigationEnv(difficulty=level, num_websites=100, backend="model").designs
    menv = WebNavigationEnv(difficulty=level, num_websites=100, backend="model")
    wins = 0
    for ep in range(12):
        brec, mrec = [], []
        wins += _episode(benv, 1000 * level + ep, ep, brec)
        _episode(menv, 1000 * level + ep, ep, mrec)
        _compare(brec, mrec)
    positions = brec[0]["dom_features"][:, POSITION]
    assert positions.max() > 0.5 and positions.min() >= 0.0  # real layout, normalised


def test_oracle_solves_sampled_designs_in_the_browser(browser_env):
    policy = OraclePolicy(browser_env)
    for level in (1, 2, 3):
        browser_env.designs = WebNavigationEnv(difficulty=level, num_websites=100, backend="model").designs
        for seed in range(8):
            obs, _ = browser_env.reset(seed=seed)
            done = False
            while not done:
                obs, _r, te, tr, info = browser_env.step(policy(obs))
                done = te or tr
            assert te and info["success"], (level, seed)


def test_same_seed_identical_browser_episodes(browser_env):
    a, b = [], []
    _episode(browser_env, 77, 5, a)
    _episode(browser_env, 77, 5, b)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, dict):
            assert all(np.array_equal(x[k], y[k]) for k in x)  # layout included
        else:
            assert x == y


def test_rgb_render(browser_env):
    browser_env.reset(seed=0)
    img = browser_env.render()
    assert img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8
    assert img.shape[0] >= 300 and img.shape[1] >= 300 and img.std() > 5


def test_close_leaves_no_processes_and_selenium_manager_is_never_used(monkeypatch):
    from selenium.webdriver.common import selenium_manager

    def _forbidden(*a, **k):
        raise AssertionError("selenium-manager must not run")

    monkeypatch.setattr(selenium_manager.SeleniumManager, "binary_paths", _forbidden)
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    env = WebNavigationEnv(difficulty=1)
    env.reset(seed=0)
    procs = list(env.unwrapped.backend.browser.pids)
    procs += [c for p in procs for c in _kids(p)]
    names = {_name(p) for p in procs}
    assert any("chromedriver" in n for n in names) and len(procs) >= 3
    env.close()
    assert not [p for p in procs if _alive(p)]
    assert {p.pid for p in me.children(recursive=True)} <= before


def _wait_dead(proc: psutil.Process, timeout: float = 5.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"{proc} still alive {timeout} s after SIGKILL")


@pytest.mark.parametrize("victim", ["chromium", "chromedriver"])
def test_browser_killed_mid_episode(victim):
    env = WebNavigationEnv(difficulty=2)
    env.reset(seed=0)
    env.step(int(np.flatnonzero(env.action_masks())[0]))
    procs = list(env.backend.browser.pids)
    procs += [c for p in procs for c in _kids(p)]
    target = _chromium_main(env) if victim == "chromium" else env.backend.browser.pids[0]
    os.kill(target.pid, signal.SIGKILL)
    # a step racing the kill may still be answered by the page: wait until the process is gone
    if victim == "chromedriver":
        env.backend.browser.driver.service.process.wait(timeout=5.0)
    else:
        _wait_dead(target)
    t0 = time.perf_counter()
    with pytest.raises(BrowserError, match="call reset"):
        env.step(int(np.flatnonzero(env.action_masks())[0]))
    assert time.perf_counter() - t0 < 10.0  # a clear error, no hang
    with pytest.warns(RuntimeWarning, match="restarting"):
        obs, _ = env.reset(seed=0)
    assert obs["dom_elements_mask"].sum() > 0
    env.step(int(np.flatnonzero(env.action_masks())[0]))
    procs += list(env.backend.browser.pids)
    env.close()
    assert not [p for p in procs if _alive(p)]


@pytest.mark.parametrize("which", ["chromium_path", "chromedriver_path"])
def test_missing_chromium_says_what_to_install(which):
    with pytest.raises(DependencyMissingError) as e:
        WebNavigationEnv(**{which: "/nonexistent/bin/program"})
    msg = str(e.value)
    assert "\n" not in msg and "/nonexistent/bin/program" in msg
    assert "apt-get install chromium chromium-driver" in msg


def test_one_page_call_per_step_and_reset_and_no_webdriver_command(browser_env, monkeypatch):
    browser_env.reset(seed=0)  # starts the browser if needed
    browser = browser_env.backend.browser
    commands, evaluations = [], []
    real_execute, real_evaluate = browser.driver.execute, browser._evaluate_devtools

    def counting_execute(command, params=None):
        commands.append(command)
        return real_execute(command, params)

    def counting_evaluate(expression):
        evaluations.append(expression)
        return real_evaluate(expression)

    monkeypatch.setattr(browser.driver, "execute", counting_execute)
    monkeypatch.setattr(browser, "_evaluate_devtools", counting_evaluate)
    browser_env.reset(seed=3)
    assert len(evaluations) == 1
    for n in range(2, 5):
        _, _, te, tr, _ = browser_env.step(int(np.flatnonzero(browser_env.action_masks())[0]))
        assert len(evaluations) == n
        if te or tr:
            break
    assert commands == []  # the DevTools transport keeps chromedriver off the per-step path
    browser_env.reset(seed=4)
    evaluations.clear()  # invalid actions never touch the browser
    browser_env.step(int(np.flatnonzero(~browser_env.action_masks()[:6250])[0]))
    assert evaluations == []


@pytest.mark.parametrize("transport", ["script", "cdp"])
def test_webdriver_transports_give_the_same_episode(browser_env, transport):
    assert browser_env.backend.browser.transport == "devtools"
    senv = WebNavigationEnv(difficulty=3, num_websites=100, transport=transport)
    try:
        a, b = [], []
        _episode(senv, 5, 2, a)
        _episode(browser_env, 5, 2, b)
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            if isinstance(x, dict):
                assert all(np.array_equal(x[k], y[k]) for k in x)
            else:
                assert x == y
    finally:
        senv.close()


def test_page_errors_are_reported_and_bad_transport_rejected(browser_env):
    browser_env.reset(seed=0)
    with pytest.raises(RuntimeError, match="element index out of range"):
        browser_env.backend.browser.call("step", 9999, None)
    with pytest.raises(ConfigError, match="transport"):
        WebNavigationEnv(transport="bidi")

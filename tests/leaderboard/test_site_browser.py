"""The leaderboard site in headless chromium, loaded from file:// (no server)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from a2perf.leaderboard.site import build_site

from .conftest import XSS

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def site(results_dir, tmp_path_factory) -> Path:
    return build_site(results_dir, tmp_path_factory.mktemp("site") / "board")


@pytest.fixture(scope="module")
def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory(prefix="a2perf-chromium-")
    options.add_argument(f"--user-data-dir={profile.name}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()
    profile.cleanup()


def _severe(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _column(table, index: int) -> list[str]:
    return [
        row.find_elements(By.TAG_NAME, "td")[index].text
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]


def test_index_tables_sorting_plots_and_escaping(site, driver):
    driver.get(site.resolve().as_uri())
    assert driver.title == "a2perf leaderboard"
    tables = driver.find_elements(By.CSS_SELECTOR, "table.leaderboard")
    counts = {
        (t.get_attribute("data-domain"), t.get_attribute("data-task")): len(
            t.find_elements(By.CSS_SELECTOR, "tbody tr")
        )
        for t in tables
    }
    assert counts == {("chip", "CircuitTraining-ToyMacro-v0"): 2, ("other", "CartPole-v1"): 4}

    cartpole = next(t for t in tables if t.get_attribute("data-task") == "CartPole-v1")
    headers = cartpole.find_elements(By.CSS_SELECTOR, "thead th")
    names = [h.text for h in headers]
    iqm = names.index("return IQM [95% CI] ↑")
    # default order: best return IQM first, the failed result last
    assert _column(cartpole, 0) == ["ppo-good", XSS, "random-measured", "broken"]
    headers[iqm].click()  # ascending; the failed row has no value and stays last
    assert _column(cartpole, 0) == ["random-measured", XSS, "ppo-good", "broken"]
    assert headers[iqm].get_attribute("aria-sort") == "ascending"
    headers[iqm].click()
    assert _column(cartpole, 0) == ["ppo-good", XSS, "random-measured", "broken"]
    headers[0].click()  # text column
    assert _column(cartpole, 0) == [XSS, "broken", "ppo-good", "random-measured"]

    # the script-like name is text, not markup: no alert, no injected script element
    assert XSS in _column(cartpole, 0)
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert len(driver.find_elements(By.CSS_SELECTOR, "main script")) == 0

    images = driver.find_elements(By.CSS_SELECTOR, "img")
    # 2 domain profiles; CartPole: curves, poi, energy; chip: curves, poi, energy
    assert len(images) == 8
    for image in images:
        assert (
            driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
        ), image.get_attribute("src")
    assert _severe(driver) == []


def test_submission_page_shows_manifest_escaped(site, driver):
    driver.get(site.resolve().as_uri())
    link = driver.find_element(By.LINK_TEXT, XSS)
    link.click()
    assert driver.find_element(By.TAG_NAME, "h2").text == XSS
    manifest = driver.find_element(By.CSS_SELECTOR, "table.manifest").text
    assert "env_kwargs" in manifest and XSS in manifest and "cpu_model" in manifest
    assert len(driver.find_elements(By.CSS_SELECTOR, "table.per-seed tbody tr")) == 3
    image = driver.find_element(By.CSS_SELECTOR, "img")
    assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert _severe(driver) == []

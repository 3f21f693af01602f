"""Where a site runs: the real browser (:class:`BrowserBackend`) or the pure model (:class:`ModelBackend`).

Both expose ``reset(site) -> RawObs`` and ``step(element, value) -> RawObs`` with identical results
apart from layout (the model reports zero rectangles).
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from a2perf.envs.web.browser import DEFAULT_CHROMEDRIVER, DEFAULT_CHROMIUM, Browser, BrowserError
from a2perf.envs.web.site import RawObs, Site, SiteState


class ModelBackend:
    """Runs the site in :class:`SiteState` (no browser, no layout)."""

    name = "model"

    def __init__(self) -> None:
        self.state: SiteState | None = None

    def reset(self, site: Site) -> RawObs:
        self.state = SiteState(site)
        return self.state.raw_obs()

    def step(self, element: int, field_index: int) -> RawObs:
        assert self.state is not None
        self.state.apply(field_index, element)
        return self.state.raw_obs()

    def screenshot(self) -> np.ndarray:
        raise BrowserError(
            "backend='model' has no browser to screenshot; use backend='browser' or render_mode='ansi'"
        )

    def close(self) -> None:
        self.state = None


class BrowserBackend:
    """Runs the site in headless Chromium; one WebDriver command per reset and per step.

    Args:
      chromium_path, chromedriver_path: system programs (checked at construction).
      transport: ``"devtools"``, ``"cdp"`` or ``"script"``, see :class:`~a2perf.envs.web.browser.Browser`.
    """

    name = "browser"

    def __init__(
        self,
        chromium_path: str = DEFAULT_CHROMIUM,
        chromedriver_path: str = DEFAULT_CHROMEDRIVER,
        transport: str = "devtools",
    ) -> None:
        self.browser = Browser(chromium_path, chromedriver_path, transport=transport)
        self.site: Site | None = None
        self._static: tuple[list[str], list[str], list[str], list[str]] | None = None
        self._started_once = False

    def _ensure_started(self) -> None:
        if self.browser.running:
            return
        if self._started_once:
            warnings.warn(
                "chromium had stopped (crashed or killed); restarting it", RuntimeWarning, stacklevel=4
            )
        self.browser.start()
        self._started_once = True

    def reset(self, site: Site) -> RawObs:
        self._ensure_started()
        spec = json.dumps(site.to_spec(), separators=(",", ":"))
        try:
            data = self.browser.call("reset", spec)
        except BrowserError:
            self._ensure_started()  # warns and restarts once
            data = self.browser.call("reset", spec)
        self.site = site
        return self._raw(json.loads(data))

    def step(self, element: int, field_index: int) -> RawObs:
        assert self.site is not None
        value = self.site.profile_values[field_index]
        return self._raw(json.loads(self.browser.call("step", element, value)))

    def _raw(self, d: dict) -> RawObs:
        if "ids" in d:
            self._static = (d["ids"], d["tags"], d["texts"], d["placeholders"])
        assert self._static is not None
        ids, tags, texts, placeholders = self._static
        values = d["values"]
        classes = d["classes"]
        return RawObs(
            page=d["page"],
            ids=ids,
            tags=tags,
            values=values,
            texts=texts,
            placeholders=placeholders,
            classes=classes,
            visited=[c.endswith("visited") for c in classes],
            rects=np.asarray(d["rects"], dtype=np.float32).reshape(-1, 4),
            size=(float(d["size"][0]), float(d["size"][1])),
            focused=d["focused"],
            done=d["done"],
            raw_reward=float(d["raw"]),
            correct=int(d["correct"]),
            changed=bool(d["changed"]),
        )

    def screenshot(self) -> np.ndarray:
        return self.browser.screenshot()

    def close(self) -> None:
        self.browser.close()

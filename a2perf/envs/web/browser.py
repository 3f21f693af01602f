"""Headless system Chromium driven by selenium, one tab per environment.

Only the system programs are used (``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` by default):
the driver path is given explicitly, so selenium-manager never runs or downloads anything. The page
``assets/site.html`` is loaded once from ``file://``; every reset and every step is one
``Runtime.evaluate`` into ``assets/site.js``. By default it goes straight to the page over the
DevTools WebSocket that chromedriver opened (``goog:chromeOptions.debuggerAddress``), so selenium
manages the browser but is not on the per-step path; chromedriver's CDP passthrough and
``execute_script`` remain as transports.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from a2perf.errors import A2PerfError, ConfigError, DependencyMissingError

DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = "install it with `apt-get install chromium chromium-driver`"
WINDOW_SIZE = (400, 720)
COMMAND_TIMEOUT_S = 20.0
TRANSPORTS = ("devtools", "cdp", "script")

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
)


class BrowserError(A2PerfError, RuntimeError):
    """The browser died or stopped answering."""


def check_programs(chromium_path: str, chromedriver_path: str) -> None:
    """Raise DependencyMissingError (one line, with the apt command) if a program is missing."""
    for name, path in (("chromium", chromium_path), ("chromedriver", chromedriver_path)):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            raise DependencyMissingError(f"{name} not found at {path}; {INSTALL_HINT}")


def site_url() -> str:
    """``file://`` URL of the packaged site shell."""
    path = Path(str(resources.files("a2perf.envs.web").joinpath("assets", "site.html")))
    return path.resolve().as_uri()


class Browser:
    """One headless Chromium with one tab showing the site shell.

    Args:
      chromium_path: Chromium binary.
      chromedriver_path: chromedriver binary (must match the Chromium version).
      window_size: (width, height) in px of the viewport used for layout and screenshots.
      command_timeout_s: WebDriver HTTP timeout, so a frozen browser raises instead of hanging.
      transport: how a call reaches the page: ``"devtools"`` (default; ``Runtime.evaluate`` over the
        page's DevTools WebSocket, no chromedriver hop: a bare round trip takes ~0.35 ms against
        ~1.8 ms for ``"cdp"`` and ~2.5 ms for ``"script"``, measured), ``"cdp"`` (chromedriver's CDP
        passthrough) or ``"script"`` (WebDriver ``execute_script``).
    """

    def __init__(
        self,
        chromium_path: str = DEFAULT_CHROMIUM,
        chromedriver_path: str = DEFAULT_CHROMEDRIVER,
        window_size: tuple[int, int] = WINDOW_SIZE,
        command_timeout_s: float = COMMAND_TIMEOUT_S,
        transport: str = "devtools",
    ) -> None:
        if transport not in TRANSPORTS:
            raise ConfigError(f"transport must be one of {TRANSPORTS}, got {transport!r}")
        check_programs(chromium_path, chromedriver_path)
        self.transport = transport
        self.chromium_path = chromium_path
        self.chromedriver_path = chromedriver_path
        self.window_size = window_size
        self.command_timeout_s = command_timeout_s
        self.driver: Any = None
        self._devtools: Any = None
        self._message_id = 0
        self.pids: list = []
        self.start_seconds = float("nan")
        self._profile_dir: str | None = None

    @property
    def running(self) -> bool:
        return self.driver is not None

    def start(self) -> None:
        """Launch Chromium and load the site shell (about 0.5-1 s)."""
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            raise DependencyMissingError("selenium is not installed; pip install 'a2perf[web]'") from None
        t0 = time.perf_counter()
        os.environ.setdefault("SE_OFFLINE", "true")  # belt and braces: selenium-manager must never download
        self._profile_dir = tempfile.mkdtemp(prefix="a2perf-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = self.chromium_path
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--window-size={self.window_size[0]},{self.window_size[1]}")
        options.add_argument(f"--user-data-dir={self._profile_dir}")
        service = Service(executable_path=self.chromedriver_path, log_output=os.devnull)
        try:
            self.driver = webdriver.Chrome(options=options, service=service)
        except Exception as e:
            _reap(_tree(service_pid(service)))
            self._remove_profile()
            raise BrowserError(
                f"could not start chromium: {_short(e)}; check `chromium --version` matches `chromedriver --version`"
            ) from None
        self.driver.command_executor.client_config.timeout = self.command_timeout_s
        self.pids = self._collect_pids()
        try:
            self.driver.get(site_url())
            self.driver.execute_script("if (!window.A2W) throw new Error('site.js not loaded'); return 1;")
            if self.transport == "devtools":
                self._devtools = self._connect_devtools()
        except Exception as e:
            self.close()
            raise BrowserError(f"chromium could not load the site page: {_short(e)}") from None
        self.start_seconds = time.perf_counter() - t0

    def _connect_devtools(self) -> Any:
        """Open a WebSocket to the site page's DevTools target (chromedriver's debugging port)."""
        import urllib.request

        import websocket

        address = self.driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/list", timeout=self.command_timeout_s) as r:
            targets = json.load(r)
        url = site_url()
        page = next((t for t in targets if t.get("type") == "page" and t.get("url") == url), None)
        if page is None:
            raise RuntimeError(f"no DevTools page target shows {url}")
        # websocket-client checks UTF-8 in pure Python (~0.4 ms per page state); the frame is decoded
        # as UTF-8 in C anyway, which raises on bad bytes
        return websocket.create_connection(
            page["webSocketDebuggerUrl"],
            timeout=self.command_timeout_s,
            suppress_origin=True,
            skip_utf8_validation=True,
        )

    def _runtime_evaluate(self, expression: str, transport: str) -> dict:
        """``Runtime.evaluate`` over the DevTools WebSocket (opened on first use) or through
        chromedriver's CDP passthrough (``transport="cdp"``); returns the CDP result dict."""
        if transport == "cdp":
            return self.driver.execute_cdp_cmd(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}
            )
        # the page would still answer, but a browser whose chromedriver is gone cannot be
        # screenshotted or quit cleanly: treat it as dead (poll() is one waitpid call)
        if self.driver.service.process.poll() is not None:
            raise ConnectionError("chromedriver exited")
        if self._devtools is None:
            self._devtools = self._connect_devtools()
        return self._evaluate_devtools(expression)

    def _evaluate_devtools(self, expression: str) -> dict:
        """Send one ``Runtime.evaluate`` over the DevTools WebSocket and return its ``result`` dict."""
        self._message_id += 1
        message_id = self._message_id
        self._devtools.send(
            json.dumps(
                {
                    "id": message_id,
                    "method": "Runtime.evaluate",
                    "params": {"expression": expression, "returnByValue": True},
                }
            )
        )
        while True:  # no domain is enabled, so no events arrive; skip any that do
            reply = json.loads(self._devtools.recv())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise ConnectionError(f"DevTools error {reply['error']}")
                return reply["result"]

    def _collect_pids(self) -> list:
        """psutil handles of chromedriver and everything it started (they guard against pid reuse)."""
        return _tree(service_pid(self.driver.service))

    def call(self, fn: str, *args: Any) -> Any:
        """Run ``A2W.<fn>(*args)`` in the page and return its result (one round trip).

        Raises:
          BrowserError: the browser is gone or does not answer.
        """
        if self.driver is None:
            raise BrowserError("the browser is not running; call reset() to start it")
        try:
            if self.transport in ("devtools", "cdp"):
                expr = f"A2W.{fn}({','.join(json.dumps(a) for a in args)})"
                res = self._runtime_evaluate(expr, self.transport)
                if "exceptionDetails" in res:
                    raise RuntimeError(f"site.js failed in {fn}: {_js_error(res['exceptionDetails'])}")
                return res["result"].get("value")
            return self.driver.execute_script(f"return A2W.{fn}.apply(null, arguments);", *args)
        except RuntimeError:
            raise
        except Exception as e:
            from selenium.common.exceptions import JavascriptException

            if isinstance(e, JavascriptException):
                raise RuntimeError(f"site.js failed in {fn}: {e.msg}") from None
            self.close()
            raise BrowserError(
                f"chromium stopped responding ({_short(e)}); call reset() to restart it"
            ) from None

    def ping(self, transport: str = "script") -> float:
        """Round-trip time in seconds of a trivial ``execute_script`` (or ``Runtime.evaluate`` over
        the DevTools WebSocket, or through chromedriver's CDP passthrough)."""
        t0 = time.perf_counter()
        if transport in ("devtools", "cdp"):
            self._runtime_evaluate("1", transport)
        else:
            self.driver.execute_script("return 1;")
        return time.perf_counter() - t0

    def screenshot(self) -> np.ndarray:
        """The viewport as an RGB image, shape (height, width, 3) uint8."""
        from PIL import Image

        if self.driver is None:
            raise BrowserError("the browser is not running; call reset() to start it")
        self.call("setPainted", True)
        try:
            png = self.driver.get_screenshot_as_png()
            self.driver.execute_script("return A2W.setPainted(false);")  # not via call(): keep errors below
        except Exception as e:
            self.close()
            raise BrowserError(
                f"chromium stopped responding ({_short(e)}); call reset() to restart it"
            ) from None
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def close(self) -> None:
        """Quit Chromium and chromedriver; kill any of their processes that survive."""
        driver, self.driver = self.driver, None
        devtools, self._devtools = self._devtools, None
        if devtools is not None:
            with contextlib.suppress(Exception):
                devtools.close()
        procs = list(self.pids)
        for proc in self.pids:
            procs += _children(proc)
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        _reap(procs)
        self.pids = []
        self._remove_profile()

    def _remove_profile(self) -> None:
        if self._profile_dir:
            shutil.rmtree(self._profile_dir, ignore_errors=True)
            self._profile_dir = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _children(proc: Any) -> list:
    import psutil

    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _tree(pid: int | None) -> list:
    """psutil handles of a process and its descendants (empty if it is gone)."""
    import psutil

    if pid is None:
        return []
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return []
    return [proc, *_children(proc)]


def _reap(procs: list) -> None:
    """Wait up to 1 s for processes to exit, then SIGKILL the survivors (pid reuse is checked by psutil)."""
    import psutil

    procs = list({p.pid: p for p in procs}.values())
    if not procs:
        return
    _, alive = psutil.wait_procs(procs, timeout=1.0)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=2.0)


def service_pid(service: Any) -> int | None:
    proc = getattr(service, "process", None)
    return getattr(proc, "pid", None)


def _js_error(details: dict) -> str:
    exc = details.get("exception") or {}
    return str(exc.get("description") or details.get("text") or details).splitlines()[0][:200]


def _short(e: BaseException) -> str:
    text = str(getattr(e, "msg", None) or e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"[:200]

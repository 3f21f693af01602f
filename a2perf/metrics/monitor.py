"""System usage of a block of code: RAM, CPU, wall time and energy.

`SystemMonitor` is a context manager. A daemon thread samples the process tree (this process and
all its descendants) with psutil every `interval_s` seconds; energy comes from CodeCarbon's
`OfflineEmissionsTracker` (no network). CodeCarbon's log output goes to a log file, never to the
terminal, and no lock file is used (``allow_multiple_runs=True``).

Example::

    with SystemMonitor(interval_s=0.1) as mon:
        run_episodes()
    usage = mon.usage  # SystemUsage

What the energy figure really is depends on the machine; `SystemUsage.energy_mode` says it, for
example ``"cpu=tdp-load-estimate(tdp=8W,tracking=process); ram=dimm-model(10.0W)"`` on a VM
without RAPL counters (an estimate: mostly a RAM constant times wall time) or ``"cpu=rapl; ..."``
when RAPL energy counters were read.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import psutil

from a2perf.errors import A2PerfError, ConfigError, DependencyMissingError

__all__ = ["DEFAULT_CODECARBON_LOG", "SystemMonitor", "SystemUsage"]

_MB = 1024.0 * 1024.0
_CODECARBON_LOGGER = "codecarbon"


def _default_log_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "a2perf" / "codecarbon.log"


DEFAULT_CODECARBON_LOG = _default_log_path()
CODECARBON_LOG_MAX_BYTES = 5 * 1024 * 1024
"""The CodeCarbon log rolls over at this size, keeping :data:`CODECARBON_LOG_BACKUPS` old files."""
CODECARBON_LOG_BACKUPS = 2
"""Where CodeCarbon's log lines go unless `SystemMonitor(log_path=...)` says otherwise."""


@dataclass(frozen=True)
class SystemUsage:
    """Resource usage of one monitored block.

    Attributes:
      wall_time_s: wall-clock duration of the block, seconds. Lower is better.
      rss_peak_mb: peak of the sampled resident set size summed over the process tree, MiB.
        Lower is better. Peaks shorter than `interval_s` can be missed.
      rss_mean_mb: mean of the sampled process-tree RSS, MiB. Lower is better.
      cpu_percent_mean: CPU time of the process tree divided by wall time, percent
        (100 = one core busy; can exceed 100 with several cores). Lower is better.
      energy_kwh: total energy reported by CodeCarbon (CPU + RAM + GPU), kWh; None when
        energy was disabled. Lower is better.
      cpu_energy_kwh: CPU part of `energy_kwh`, kWh; None when energy was disabled.
      ram_energy_kwh: RAM part of `energy_kwh`, kWh; None when energy was disabled.
      energy_mode: what the energy figures really are, e.g.
        ``"cpu=rapl; ram=dimm-model(10.0W)"``, ``"cpu=tdp-load-estimate(tdp=8W,tracking=process);
        ram=dimm-model(10.0W)"``, or ``"disabled"``.
      country_iso_code: 3-letter ISO country used for the carbon intensity; None if disabled.
      num_samples: number of psutil samples taken (start and stop included).
    """

    wall_time_s: float
    rss_peak_mb: float
    rss_mean_mb: float
    cpu_percent_mean: float
    energy_kwh: float | None
    cpu_energy_kwh: float | None
    ram_energy_kwh: float | None
    energy_mode: str
    country_iso_code: str | None
    num_samples: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields (JSON-serialisable)."""
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Process-tree sampling


def _children_from_proc(pid: int) -> list[int] | None:
    """Direct children of `pid` from /proc/<pid>/task/*/children (Linux); None if unavailable."""
    task_dir = f"/proc/{pid}/task"
    try:
        tids = os.listdir(task_dir)
    except OSError:
        return None
    kids: list[int] = []
    for tid in tids:
        try:
            with open(f"{task_dir}/{tid}/children") as f:
                kids.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            continue  # thread ended between listdir and open
        except OSError:
            return None
    return kids


class _TreeSampler:
    """Samples RSS and cumulative CPU time of a process and all its descendants."""

    def __init__(self, root_pid: int) -> None:
        self._root = psutil.Process(root_pid)
        self._procs: dict[int, psutil.Process] = {root_pid: self._root}
        self._use_proc = _children_from_proc(root_pid) is not None

    def _descendants(self) -> list[int]:
        if self._use_proc:
            out: list[int] = []
            stack = [self._root.pid]
            while stack:
                kids = _children_from_proc(stack.pop())
                if kids:
                    out.extend(kids)
                    stack.extend(kids)
            return out
        try:
            return [p.pid for p in self._root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> tuple[float, float]:
        """Returns (rss_bytes, cpu_seconds) summed over the live tree.

        CPU seconds include each member's reaped children, so a child's time is not lost when it
        exits and is waited for.
        """
        pids = [self._root.pid, *self._descendants()]
        rss = 0.0
        cpu = 0.0
        alive: dict[int, psutil.Process] = {}
        for pid in pids:
            proc = self._procs.get(pid)
            try:
                if proc is None:
                    proc = psutil.Process(pid)
                with proc.oneshot():
                    mem = proc.memory_info().rss
                    t = proc.cpu_times()
            except psutil.Error:
                continue
            alive[pid] = proc
            rss += mem
            cpu += t.user + t.system + t.children_user + t.children_system
        self._procs = alive
        return rss, cpu


# --------------------------------------------------------------------------------------------
# CodeCarbon logging: route to a file, restore on exit


class _CodeCarbonLogRoute:
    """Sends the ``codecarbon`` logger to a size-capped file and restores the previous state on `close`.

    The file rolls over at :data:`CODECARBON_LOG_MAX_BYTES` (``codecarbon.log.1``, ``.2``), so long
    sweeps cannot fill the disk with CodeCarbon's per-measurement lines.
    """

    def __init__(self, log_path: Path | None, level: str) -> None:
        self._logger = logging.getLogger(_CODECARBON_LOGGER)
        self._saved = (list(self._logger.handlers), self._logger.level, self._logger.propagate)
        if log_path is None:
            self._handler: logging.Handler = logging.NullHandler()
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._handler = logging.handlers.RotatingFileHandler(
                log_path,
                maxBytes=CODECARBON_LOG_MAX_BYTES,
                backupCount=CODECARBON_LOG_BACKUPS,
                encoding="utf-8",
                delay=True,
            )
            self._handler.setFormatter(
                logging.Formatter("[%(name)s %(levelname)s @ %(asctime)s] %(message)s")
            )
        self._level = level.upper()
        self.apply()

    def apply(self) -> None:
        """(Re)install the file handler; CodeCarbon re-adds a stderr handler in its __init__."""
        self._logger.handlers = [self._handler]
        self._logger.propagate = False
        self._logger.setLevel(self._level)

    def close(self) -> None:
        handlers, level, propagate = self._saved
        self._logger.handlers = handlers
        self._logger.setLevel(level)
        self._logger.propagate = propagate
        self._handler.close()


class _NullStream:
    def write(self, _s: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def _describe_energy_mode(tracker: Any, ram_power_w: float) -> str:
    """States what CodeCarbon really measured, from its hardware objects after `start()`."""
    cpu_desc = "cpu=none"
    ram_desc = "ram=none"
    for hw in getattr(tracker, "_hardware", []):
        kind = type(hw).__name__
        if kind == "CPU":
            mode = getattr(hw, "_mode", "unknown")
            tdp = getattr(hw, "_tdp", None)
            tracking = getattr(hw, "_tracking_mode", "?")
            forced = getattr(tracker, "_force_cpu_power", None) is not None
            src = "user-tdp" if forced else "tdp"
            if mode == "intel_rapl":
                cpu_desc = "cpu=rapl"
            elif mode == "cpu_load":
                cpu_desc = f"cpu={src}-load-estimate({src}={tdp:g}W,tracking={tracking})"
            elif mode == "constant":
                cpu_desc = f"cpu={src}-constant(0.5x{tdp}W)"
            else:
                cpu_desc = f"cpu={mode}"
        elif kind == "RAM":
            if getattr(hw, "_force_ram_power", None) is not None:
                ram_desc = f"ram=user-constant({hw._force_ram_power:g}W)"
            else:
                ram_desc = f"ram=dimm-model({ram_power_w:.1f}W)"
        elif kind == "GPU":
            cpu_desc += "; gpu=nvml"
    return f"{cpu_desc}; {ram_desc}"


def _energy_details(tracker: Any, data: Any, mon: SystemMonitor) -> dict[str, Any]:
    import codecarbon

    cpu = next((hw for hw in getattr(tracker, "_hardware", []) if type(hw).__name__ == "CPU"), None)
    tdp = getattr(cpu, "_tdp", None)
    return {
        "codecarbon_version": codecarbon.__version__,
        "cpu_model": getattr(tracker, "_conf", {}).get("cpu_model"),
        "cpu_mode": getattr(cpu, "_mode", None),
        "cpu_tdp_w": None if tdp is None else float(tdp),
        "cpu_power_w": float(data.cpu_power),
        "ram_power_w": float(data.ram_power),
        "tracking_mode": mon.tracking_mode,
        "measure_power_s": mon.measure_power_s,
        "country_iso_code": mon.country_iso_code,
        "region": mon.region,
        "external_config_keys": sorted(getattr(tracker, "_external_conf", {}) or {}),
    }


# --------------------------------------------------------------------------------------------


class SystemMonitor:
    """Context manager measuring RAM, CPU, wall time and energy of a block of code.

    Args:
      interval_s: psutil sampling period, seconds (> 0).
      enable_energy: run CodeCarbon's `OfflineEmissionsTracker` for energy. If False, the energy
        fields of `SystemUsage` are None and `energy_mode` is ``"disabled"``.
      country_iso_code: 3-letter ISO country code for the grid carbon intensity (CodeCarbon
        offline mode needs it; no geo-IP lookup is made).
      region: optional region (USA/Canada), lower-cased, e.g. ``"massachusetts"``.
      tracking_mode: CodeCarbon tracking mode: ``"process"`` (this process tree; use when
        several runs share the machine) or ``"machine"`` (whole machine).
      measure_power_s: CodeCarbon's energy accounting period, seconds (it samples CPU load every
        second regardless, and accounts the remainder at stop, so 5 s loses nothing and halves
        CodeCarbon's overhead compared with 1 s).
      log_path: file receiving CodeCarbon's log lines (appended). None discards them.
        Defaults to `DEFAULT_CODECARBON_LOG` (``~/.cache/a2perf/codecarbon.log``).
      log_level: CodeCarbon log level written to `log_path`.

    Example::

        with SystemMonitor(interval_s=0.1) as mon:
            work()
        print(mon.usage.rss_peak_mb)

    Notes:
      The first CodeCarbon start in a process detects the hardware and takes about 1.5 s on a
      2-vCPU VM (cached for later monitors in the same process); that time is spent in
      `__enter__`, before the measured wall time starts.
    """

    def __init__(
        self,
        interval_s: float = 0.1,
        *,
        enable_energy: bool = True,
        country_iso_code: str = "USA",
        region: str | None = None,
        tracking_mode: Literal["process", "machine"] = "process",
        measure_power_s: float = 5.0,
        log_path: str | os.PathLike[str] | None = DEFAULT_CODECARBON_LOG,
        log_level: str = "info",
    ) -> None:
        if not interval_s > 0:
            raise ConfigError(f"interval_s must be > 0, got {interval_s!r}; pass e.g. interval_s=0.1")
        if tracking_mode not in ("process", "machine"):
            raise ConfigError(f"tracking_mode must be 'process' or 'machine', got {tracking_mode!r}")
        if not (isinstance(country_iso_code, str) and len(country_iso_code) == 3):
            raise ConfigError(
                f"country_iso_code must be a 3-letter ISO code such as 'USA', got {country_iso_code!r}"
            )
        if not measure_power_s > 0:
            raise ConfigError(f"measure_power_s must be > 0, got {measure_power_s!r}")
        self.interval_s = float(interval_s)
        self.enable_energy = enable_energy
        self.country_iso_code = country_iso_code.upper()
        self.region = region.lower() if region else None
        self.tracking_mode = tracking_mode
        self.measure_power_s = float(measure_power_s)
        self.log_path = None if log_path is None else Path(log_path)
        self.log_level = log_level
        self.energy_start_s: float | None = None
        """Seconds CodeCarbon's `start()` took (hardware detection); None before start."""
        self.energy_details: dict[str, Any] | None = None
        """After stop, with energy on: what CodeCarbon used (for the run manifest): codecarbon
        version, cpu_model, cpu_mode, cpu_tdp_w, cpu_power_w / ram_power_w (mean W), tracking_mode,
        measure_power_s, country_iso_code, region, and the names (not values) of settings that
        came from a ``.codecarbon.config`` file or ``CODECARBON_*`` variables."""

        self._lock = threading.Lock()
        self._state = "new"  # new -> running -> stopped
        self._usage: SystemUsage | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._tracker: Any = None
        self._log_route: _CodeCarbonLogRoute | None = None
        self._sampler: _TreeSampler | None = None
        self._rss: list[float] = []
        self._cpu_first = 0.0
        self._cpu_last = 0.0
        self._cpu_pos = 0.0  # sum of positive cpu-time increments, seconds
        self._t0 = 0.0

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> SystemMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> SystemMonitor:
        """Start the sampler thread and (if enabled) the energy tracker.

        Raises:
          ConfigError: the monitor was already started.
          DependencyMissingError: codecarbon is not installed.
          A2PerfError: CodeCarbon failed to start (its log file says why).
        """
        with self._lock:
            if self._state != "new":
                raise ConfigError("SystemMonitor can be started once; create a new monitor for each block")
            self._state = "running"
        try:
            if self.enable_energy:
                self._start_energy()
            self._sampler = _TreeSampler(os.getpid())
            self._t0 = time.perf_counter()
            rss, cpu = self._sampler.sample()
            self._rss.append(rss)
            self._cpu_first = self._cpu_last = cpu
            self._thread = threading.Thread(target=self._run, name="a2perf-system-monitor", daemon=True)
            self._thread.start()
        except BaseException:
            self._teardown()
            with self._lock:
                self._state = "stopped"
            raise
        return self

    def stop(self) -> SystemUsage:
        """Stop sampling and energy tracking; idempotent (later calls return the same usage).

        Raises:
          ConfigError: the monitor was never started.
        """
        with self._lock:
            if self._state == "new":
                raise ConfigError(
                    "SystemMonitor.stop() called before start(); use `with SystemMonitor() as m:`"
                )
            if self._state == "stopped":
                if self._usage is None:
                    raise A2PerfError(
                        "SystemMonitor failed to start, so it has no usage; see the error above"
                    )
                return self._usage
            self._state = "stopped"
        wall = time.perf_counter() - self._t0
        energy: tuple[float | None, float | None, float | None, str] = (None, None, None, "disabled")
        try:
            self._stop_event.set()
            if self._thread is not None:
                self._thread.join()
            self._take_sample()  # final sample after the thread is gone
            if self._tracker is not None:
                energy = self._stop_energy()
        finally:
            self._teardown()
        rss_mb = [r / _MB for r in self._rss]
        self._usage = SystemUsage(
            wall_time_s=wall,
            rss_peak_mb=max(rss_mb),
            rss_mean_mb=sum(rss_mb) / len(rss_mb),
            cpu_percent_mean=100.0 * self._cpu_pos / wall if wall > 0 else 0.0,
            energy_kwh=energy[0],
            cpu_energy_kwh=energy[1],
            ram_energy_kwh=energy[2],
            energy_mode=energy[3],
            country_iso_code=self.country_iso_code if self.enable_energy else None,
            num_samples=len(self._rss),
        )
        return self._usage

    def energy_so_far_kwh(self) -> float | None:
        """Energy CodeCarbon has accounted so far in a running monitor, kWh; None without energy.

        CodeCarbon adds to its running total every ``measure_power_s`` seconds, so this lags the
        truth by at most that period; the figure at ``stop()`` is complete.
        """
        tracker = self._tracker
        total = getattr(tracker, "_total_energy", None) if tracker is not None else None
        return None if total is None else float(total.kWh)

    @property
    def usage(self) -> SystemUsage:
        """The measured usage; available once the monitor has stopped."""
        if self._usage is None:
            raise ConfigError("SystemMonitor.usage is available after the block ends; read it after `with`")
        return self._usage

    @property
    def running(self) -> bool:
        """True between start and stop."""
        return self._state == "running"

    # -- sampling -----------------------------------------------------------------------------

    def _take_sample(self) -> None:
        assert self._sampler is not None
        rss, cpu = self._sampler.sample()
        self._rss.append(rss)
        delta = cpu - self._cpu_last
        if delta > 0:
            self._cpu_pos += delta
        self._cpu_last = cpu

    def _run(self) -> None:
        while not self._stop_event.wait(self.interval_s):
            self._take_sample()

    # -- energy -------------------------------------------------------------------------------

    def _start_energy(self) -> None:
        try:
            from codecarbon import OfflineEmissionsTracker
        except ImportError as e:  # pragma: no cover - codecarbon is a core dependency
            raise DependencyMissingError(
                "energy measurement needs codecarbon; run `pip install codecarbon` or pass enable_energy=False"
            ) from e
        self._log_route = _CodeCarbonLogRoute(self.log_path, self.log_level)
        kwargs: dict[str, Any] = {
            "country_iso_code": self.country_iso_code,
            "measure_power_secs": self.measure_power_s,
            "tracking_mode": self.tracking_mode,
            "output_methods": [],
            "log_level": self.log_level,
            "allow_multiple_runs": True,  # no lock file in the temp dir
            "project_name": "a2perf",
        }
        if self.region:
            kwargs["region"] = self.region
        # CodeCarbon's __init__ installs a stderr handler; keep anything it logs meanwhile off the
        # terminal, then put our file handler back.
        with contextlib.redirect_stderr(_NullStream()):  # type: ignore[type-var]
            tracker = OfflineEmissionsTracker(**kwargs)
        self._log_route.apply()
        t = time.perf_counter()
        tracker.start()
        self.energy_start_s = time.perf_counter() - t
        # start() swallows exceptions (codecarbon's @suppress); check it really started.
        if getattr(tracker, "_start_time", None) is None or not getattr(tracker, "_hardware", None):
            with contextlib.suppress(Exception):
                tracker.stop()
            raise A2PerfError(
                f"codecarbon failed to start; see {self.log_path or 'its log'} or pass enable_energy=False"
            )
        self._tracker = tracker

    def _stop_energy(self) -> tuple[float | None, float | None, float | None, str]:
        tracker = self._tracker
        self._tracker = None
        tracker.stop()
        data = getattr(tracker, "final_emissions_data", None)
        if data is None:
            raise A2PerfError(
                f"codecarbon returned no energy data; see {self.log_path or 'its log'} or pass enable_energy=False"
            )
        mode = _describe_energy_mode(tracker, float(data.ram_power))
        self.energy_details = _energy_details(tracker, data, self)
        return float(data.energy_consumed), float(data.cpu_energy), float(data.ram_energy), mode

    def _teardown(self) -> None:
        """Stop every thread and restore logging, whatever state we are in."""
        self._stop_event.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        if self._tracker is not None:
            tracker, self._tracker = self._tracker, None
            with contextlib.suppress(Exception):
                tracker.stop()
        if self._log_route is not None:
            self._log_route.close()
            self._log_route = None

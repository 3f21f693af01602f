"""Tests for a2perf.metrics.monitor.SystemMonitor."""

import os
import subprocess
import sys
import threading
import time

import psutil
import pytest

from a2perf.errors import ConfigError
from a2perf.metrics import SystemMonitor, SystemUsage

# Child: allocate and touch 200 MiB, burn >= 0.8 s of CPU time, hold the memory until then.
CHILD = """
import time
buf = bytearray(b"\\x01") * (200 * 1024 * 1024)
t0 = time.process_time()
x = 0
while time.process_time() - t0 < 0.8:
    x += 1
time.sleep(0.3)
print(len(buf))
"""


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_sees_child_memory_and_cpu():
    own_mb = psutil.Process().memory_info().rss / 2**20
    with SystemMonitor(interval_s=0.05, enable_energy=False) as mon:
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(200 * 1024 * 1024)
    u = mon.usage
    assert u.rss_peak_mb >= own_mb + 180, (u.rss_peak_mb, own_mb)
    assert u.rss_mean_mb < u.rss_peak_mb
    cpu_s = u.cpu_percent_mean / 100 * u.wall_time_s
    assert cpu_s >= 0.75, u  # the child burnt >= 0.8 s of CPU time
    assert u.wall_time_s >= 1.0
    assert u.num_samples >= 10
    assert u.energy_kwh is None and u.energy_mode == "disabled" and u.country_iso_code is None


def test_idle_block_and_sleep_cpu():
    with SystemMonitor(interval_s=0.02, enable_energy=False) as mon:
        time.sleep(0.3)
    u = mon.usage
    assert 0.3 <= u.wall_time_s < 1.0
    assert u.cpu_percent_mean < 50
    assert u.rss_peak_mb >= u.rss_mean_mb > 10


def test_energy_clean_quiet_and_no_lock(tmp_path, capfd, monkeypatch):
    import codecarbon.emissions_tracker as cet

    locks = []
    real_lock = cet.Lock
    monkeypatch.setattr(cet, "Lock", lambda *a, **k: locks.append(1) or real_lock(*a, **k))
    before = _threads()
    log = tmp_path / "logs" / "cc.log"
    with SystemMonitor(interval_s=0.05, country_iso_code="FRA", log_path=log) as mon:
        x = 0
        t0 = time.process_time()
        while time.process_time() - t0 < 0.3:
            x += 1
    u = mon.usage
    assert isinstance(u, SystemUsage)
    assert u.energy_kwh is not None and u.energy_kwh > 0
    assert u.cpu_energy_kwh is not None and u.ram_energy_kwh is not None
    assert u.cpu_energy_kwh + u.ram_energy_kwh == pytest.approx(u.energy_kwh, rel=1e-6)
    assert u.energy_mode.startswith("cpu=") and "ram=" in u.energy_mode
    assert u.country_iso_code == "FRA"
    assert mon.energy_start_s is not None
    # nothing on the terminal, log went to the file, no lock, no threads, logger restored
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    assert log.exists() and "codecarbon" in log.read_text()
    assert locks == []
    assert _threads() == before
    assert u.to_dict()["energy_mode"] == u.energy_mode
    assert not any(p.name().startswith("codecarbon") for p in psutil.Process().children(recursive=True))


def test_codecarbon_log_rolls_over_at_its_size_cap(tmp_path, monkeypatch):
    import a2perf.metrics.monitor as monitor

    monkeypatch.setattr(monitor, "CODECARBON_LOG_MAX_BYTES", 8000)
    log = tmp_path / "cc.log"
    log.write_text("old line\n" * 1000)  # 9000 bytes: over the cap before this run starts
    with SystemMonitor(interval_s=0.05, country_iso_code="FRA", log_path=log):
        time.sleep(0.1)
    rolled = tmp_path / "cc.log.1"
    assert rolled.exists() and rolled.read_text().startswith("old line")
    assert log.stat().st_size <= 8000 and "codecarbon" in log.read_text()
    assert not (tmp_path / f"cc.log.{monitor.CODECARBON_LOG_BACKUPS + 1}").exists()


def test_stop_is_idempotent_and_usage_before_stop_raises():
    mon = SystemMonitor(interval_s=0.05, enable_energy=False)
    with pytest.raises(ConfigError):
        mon.stop()
    mon.start()
    assert mon.running
    with pytest.raises(ConfigError):
        _ = mon.usage
    first = mon.stop()
    assert mon.stop() is first and mon.usage is first
    assert not mon.running
    with pytest.raises(ConfigError):
        mon.start()


def test_clean_on_exception():
    before = _threads()
    with pytest.raises(KeyError), SystemMonitor(interval_s=0.01, log_path=None) as mon:
        time.sleep(0.05)
        raise KeyError("boom")
    assert not mon.running
    assert mon.usage.wall_time_s >= 0.05
    assert mon.usage.energy_kwh is not None
    assert _threads() == before


def test_bad_arguments():
    with pytest.raises(ConfigError):
        SystemMonitor(interval_s=0)
    with pytest.raises(ConfigError):
        SystemMonitor(country_iso_code="US")
    with pytest.raises(ConfigError):
        SystemMonitor(tracking_mode="gpu")  # type: ignore[arg-type]


def test_exited_child_cpu_is_kept():
    # a child that exits and is reaped before the next sample still counts (children_* times)
    with SystemMonitor(interval_s=1.0, enable_energy=False) as mon:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import time\nt=time.process_time()\nwhile time.process_time()-t<0.4: pass",
            ],
            check=True,
        )
    u = mon.usage
    assert u.cpu_percent_mean / 100 * u.wall_time_s >= 0.38
    assert os.getpid() == psutil.Process().pid


def test_energy_details_for_manifest():
    with SystemMonitor(interval_s=0.05, log_path=None, region="massachusetts") as mon:
        time.sleep(0.1)
    d = mon.energy_details
    assert d is not None
    assert d["country_iso_code"] == "USA" and d["region"] == "massachusetts"
    expected = {"cpu_load": "-load-estimate(", "intel_rapl": "cpu=rapl;", "constant": "-constant("}
    assert expected[d["cpu_mode"]] in mon.usage.energy_mode
    assert d["ram_power_w"] > 0 and isinstance(d["codecarbon_version"], str)
    with SystemMonitor(interval_s=0.05, enable_energy=False) as off:
        pass
    assert off.energy_details is None


def test_failed_codecarbon_start_raises_and_cleans_up(monkeypatch):
    import logging

    import codecarbon

    from a2perf.errors import A2PerfError

    class Broken(codecarbon.OfflineEmissionsTracker):
        def start(self):  # codecarbon's own start() swallows errors like this
            return None

    monkeypatch.setattr(codecarbon, "OfflineEmissionsTracker", Broken)
    cc_logger = logging.getLogger("codecarbon")
    handlers_before = list(cc_logger.handlers)
    before = _threads()
    mon = SystemMonitor(interval_s=0.05, log_path=None)
    with pytest.raises(A2PerfError, match="codecarbon failed to start"):
        mon.start()
    assert _threads() == before
    assert cc_logger.handlers == handlers_before
    assert not mon.running

"""What a run records of the machine it ran on: other processes' CPU time is seen, its own is not counted as theirs."""

import os
import subprocess
import sys
import time

import pytest

from shared.lab.machine import BUSY, Watch, busy_line, installed_packages, was_busy


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="the machine's busy time is read from Linux's /proc/stat")
def test_other_processes_cpu_time_is_seen_and_this_process_own_is_not():
    watch = Watch()
    spin(1.0)  # this process alone, busy: its own time, not others'
    alone = watch.machine_state()
    assert alone["own_cpu_seconds"] >= 0.8 and alone["others_share"] < BUSY and not was_busy(alone)
    assert busy_line(alone, "this") is None
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        watch = Watch()
        time.sleep(1.5)
        beside = watch.machine_state()
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert beside["others_share"] > 0.5 and was_busy(beside) and beside["own_cpu_seconds"] < 0.2
    assert "other processes took" in busy_line(beside, "this") and beside["cpu"] and beside["cores"] >= 1


def test_every_installed_package_is_listed_with_its_version():
    packages = installed_packages()
    assert packages["pytest"] == pytest.__version__ and "numpy" in packages and len(packages) > 20

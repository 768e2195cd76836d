"""What else the machine was doing while a run timed something, and what the run ran on.

On a shared machine, two frameworks timed beside another job suffer unequally (on 2 cores, PyTorch's threads lost
more than TensorFlow's), so a run's times are only a framework difference when the machine was otherwise idle.
Linux counts every CPU's busy time (/proc/stat, steal included: another VM's share of the host); what this process
and its finished children did not use of it, other processes took.
"""

import os
import time
from importlib.metadata import distributions

from shared.lab.record import cpu_model

BUSY = 0.10  # other processes took more than a tenth of the machine's CPU time: a busy machine


def machine_busy_seconds():
    """CPU seconds every core of the machine has been busy since boot (user, nice, system, irq, softirq, steal); None
    off Linux."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """CPU seconds of this process and its children that have finished."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_mhz():
    """The cores' mean clock now, as /proc/cpuinfo reports it; None where it does not."""
    try:
        with open("/proc/cpuinfo") as info:
            found = [float(line.split(":")[1]) for line in info if line.startswith("cpu MHz")]
    except (OSError, ValueError):
        return None
    return round(sum(found) / len(found)) if found else None


def installed_packages():
    """{name: version} of every package installed beside this Python."""
    return dict(sorted({d.metadata["Name"].lower(): d.version for d in distributions() if d.metadata["Name"]}.items()))


class Watch:
    """Started before a run, read after it: machine_state() says what the run had of the machine."""

    def __init__(self):
        self.wall, self.own, self.busy = time.perf_counter(), own_cpu_seconds(), machine_busy_seconds()
        self.load, self.mhz = os.getloadavg(), cpu_mhz()

    def machine_state(self):
        wall, cores = time.perf_counter() - self.wall, os.cpu_count() or 1
        own = own_cpu_seconds() - self.own
        busy = machine_busy_seconds()
        others = None if busy is None or self.busy is None else max(0.0, busy - self.busy - own)
        return {"wall_seconds": round(wall, 3), "own_cpu_seconds": round(own, 3),
                "others_cpu_seconds": None if others is None else round(others, 3),
                "others_share": None if others is None or wall <= 0 else round(others / (wall * cores), 4),
                "load_before": [round(v, 2) for v in self.load], "load_after": [round(v, 2) for v in os.getloadavg()],
                "cores": cores, "cpu": cpu_model(), "cpu_mhz_before": self.mhz, "cpu_mhz_after": cpu_mhz()}


def was_busy(state):
    return bool(state) and (state.get("others_share") or 0.0) > BUSY


def busy_line(state, what):
    """One line saying the machine was busy while `what` ran, or None where it was not."""
    if not was_busy(state):
        return None
    return (f"the machine was busy: other processes took {state['others_share']:.0%} of its CPU while {what} ran "
            f"(load {state['load_before'][0]:.1f} before, {state['load_after'][0]:.1f} after); its times are "
            f"partly theirs, not a framework difference")

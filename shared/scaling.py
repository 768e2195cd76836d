"""How an epoch's cost grows: fitted log-log slopes and crossover points of the benchmark's scaling group.

Each point is one benchmark row of group ``scaling AXIS`` whose extra_info names the axis, the value
on it, the framework, the input form and the device it ran on.
"""

from collections import defaultdict

import numpy as np

AXES = ("batch", "hidden", "vocab")
AXIS_NAMES = {"batch": "batch size", "hidden": "hidden width", "vocab": "vocabulary size"}
FRAMEWORK_NAMES = {"torch": "PyTorch", "tf": "TensorFlow"}


def device_kind(info):
    return "CPU" if info["device"] == "cpu" else "GPU"


def line_name(key):
    axis, framework, form, kind, machine = key
    return f"{FRAMEWORK_NAMES.get(framework, framework)} {form}, {kind} ({machine})"


def lines(points):
    """{(axis, framework, form, device kind, machine): sorted [(value, median seconds, peak memory MB)]}."""
    found = defaultdict(list)
    for b in points:
        info = b["extra_info"]
        memory = info.get("peak_device_mb") or info.get("peak_host_mb")
        key = info["axis"], info["framework"], info["form"], device_kind(info), b["machine"]
        found[key].append((info["value"], b["stats"]["median"], memory))
    return {key: sorted(values) for key, values in sorted(found.items())}


def slopes(points):
    """[(axis, line name, slope, number of points, (largest value, its peak memory MB))]: the exponent of
    seconds ∝ value^slope, fitted in log-log."""
    out = []
    for key, values in lines(points).items():
        if len(values) >= 2:
            x, y = (np.log([v[i] for v in values]) for i in (0, 1))
            out.append((key[0], line_name(key), float(np.polyfit(x, y, 1)[0]), len(values), values[-1][::2]))
    return out


def first_win(a, b):
    """The smallest shared value from which line `a` is faster than line `b` at every larger one, or None."""
    times_a, times_b = dict((v, t) for v, t, _ in a), dict((v, t) for v, t, _ in b)
    shared = sorted(set(times_a) & set(times_b))
    wins = [times_a[v] < times_b[v] for v in shared]
    if not shared or not wins[-1]:
        return None
    start = len(wins)
    while start > 0 and wins[start - 1]:
        start -= 1
    return shared[start]


def crossovers(points):
    """Sentences naming where the GPU starts to pay, and where one framework overtakes the other."""
    found, by_key = [], lines(points)
    for (axis, framework, form, kind, machine), values in by_key.items():
        if kind != "GPU":
            continue
        for (axis2, framework2, form2, kind2, machine2), cpu in by_key.items():
            if (axis2, framework2, form2, kind2) == (axis, framework, form, "CPU"):
                win = first_win(values, cpu)
                name = f"{FRAMEWORK_NAMES.get(framework, framework)} {form}"
                found.append(f"{AXIS_NAMES[axis]}: {name} on {machine.split(' (')[0]} is faster than on the CPU of "
                             f"{machine2} from {win:,} on" if win is not None else
                             f"{AXIS_NAMES[axis]}: {name} on {machine.split(' (')[0]} is not faster than on the CPU "
                             f"of {machine2} at the largest {AXIS_NAMES[axis]} measured")
    for (axis, framework, form, kind, machine), values in by_key.items():
        if framework != "torch":
            continue
        other = by_key.get((axis, "tf", form, kind, machine))
        if not other:
            continue
        shared = sorted(set(v for v, _, _ in values) & set(v for v, _, _ in other))
        times = {v: t for v, t, _ in values}, {v: t for v, t, _ in other}
        leaders = [("PyTorch" if times[0][v] <= times[1][v] else "TensorFlow") for v in shared]
        changes = [f"{leaders[i]} from {shared[i]:,}" for i in range(1, len(shared)) if leaders[i] != leaders[i - 1]]
        if shared:
            found.append(f"{AXIS_NAMES[axis]}, {form}, {kind} ({machine}): {leaders[0]} faster at {shared[0]:,}"
                         + (f", then {', '.join(changes)}" if changes else f" and throughout, to {shared[-1]:,}"))
    return found

"""How an epoch's cost grows: fitted log-log slopes and crossover points of the benchmark's scaling group.

Each point is one benchmark row of group ``scaling AXIS`` whose extra_info names the axis, the value
on it, the framework, the input form and the device it ran on.
"""

import warnings
from collections import defaultdict

import numpy as np

from shared.config import FRAMEWORK_NAMES

AXES = ("batch", "hidden", "vocab")
AXIS_NAMES = {"batch": "batch size", "hidden": "hidden width", "vocab": "vocabulary size"}


def device_kind(info):
    return "CPU" if info["device"] == "cpu" else "GPU"


def line_name(key):
    axis, framework, form, kind, machine = key
    return f"{FRAMEWORK_NAMES.get(framework, framework)} {form}, {kind} ({machine})"


def point_rows(points):
    """{(axis, framework, form, device kind, machine): {value: row}}."""
    found = defaultdict(dict)
    for b in points:
        info = b["extra_info"]
        found[info["axis"], info["framework"], info["form"], device_kind(info), b["machine"]][info["value"]] = b
    return dict(sorted(found.items()))


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


def point_ratio(a, b):
    """The Ratio of two scaling points' seconds (a ÷ b): per process where both ran in the same processes of one
    run, else Welch's t on the two sides' per-process log medians (two machines share no process); None where
    either side has fewer than two processes, so no interval."""
    from scipy import stats  # where used: shared.lab.cli imports this module, and each run of compare imports that

    from shared.lab.runs import ratio
    from shared.lab.stats import LEVEL, Ratio
    if a["machine"] == b["machine"]:
        return ratio(a, b)
    logs = [np.log([np.median(p["data"]) for p in side["processes"]]) for side in (a, b)]
    if min(len(side) for side in logs) < 2:
        return None
    value = float(np.exp(logs[0].mean() - logs[1].mean()))
    logs = [np.full_like(side, side[0]) if np.ptp(side) < 1e-12 else side for side in logs]  # no spread: exactly none
    if not (np.ptp(logs[0]) or np.ptp(logs[1])):
        return Ratio(value, value, value, min(map(len, logs)), 0, 0.0)
    with warnings.catch_warnings():  # scipy's note that one side is constant: Welch's interval holds all the same
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = stats.ttest_ind(logs[0], logs[1], equal_var=False).confidence_interval(LEVEL)
    return Ratio(value, float(np.exp(low)), float(np.exp(high)), min(map(len, logs)), 0, None)


def leader(a, b):
    """-1 where point a is resolved faster than b (its ratio's whole interval below 1), +1 where slower, 0 where
    the intervals do not separate them (or there is no interval)."""
    found = point_ratio(a, b)
    if found is None or found.low is None:
        return 0
    return -1 if found.high < 1 else 1 if found.low > 1 else 0


def crossovers(points):
    """Sentences naming where the GPU starts to pay, and where one framework overtakes the other: each only
    where the two lines' intervals separate at the values compared."""
    found, by_key = [], point_rows(points)
    for key, values in by_key.items():
        axis, framework, form, kind, machine = key
        if kind != "GPU":
            continue
        for (axis2, framework2, form2, kind2, machine2), cpu in by_key.items():
            if (axis2, framework2, form2, kind2) != (axis, framework, form, "CPU"):
                continue
            shared = sorted(set(values) & set(cpu))
            leads = [leader(values[v], cpu[v]) for v in shared]
            name = f"{AXIS_NAMES[axis]}: {FRAMEWORK_NAMES.get(framework, framework)} {form} on {machine.split(' (')[0]}"
            start = len(leads)
            while start > 0 and leads[start - 1] == -1:
                start -= 1
            if start < len(leads) and all(lead == 1 for lead in leads[:start]) and start > 0:
                found.append(f"{name} is faster than on the CPU of {machine2} from {shared[start]:,} on")
            elif leads and all(lead == -1 for lead in leads):
                found.append(f"{name} is faster than on the CPU of {machine2} at every {AXIS_NAMES[axis]} measured")
            else:
                found.append(f"{name} against the CPU of {machine2}: no crossover resolved in this range")
    for (axis, framework, form, kind, machine), values in by_key.items():
        other = by_key.get((axis, "tf", form, kind, machine)) if framework == "torch" else None
        if not other:
            continue
        shared = sorted(set(values) & set(other))
        leads = [(v, leader(values[v], other[v])) for v in shared]
        resolved = [(v, "PyTorch" if lead < 0 else "TensorFlow") for v, lead in leads if lead]
        changes = [f"{who} from {v:,}" for (_, was), (v, who) in zip(resolved, resolved[1:]) if who != was]
        where = f"{AXIS_NAMES[axis]}, {form}, {kind} ({machine})"
        if changes:
            found.append(f"{where}: {resolved[0][1]} faster at {resolved[0][0]:,}, then {', '.join(changes)}")
        elif shared:
            faster = f"{resolved[0][1]} faster wherever resolved ({len(resolved)} of {len(shared)} values)" \
                if resolved else "neither resolved faster at any value"
            found.append(f"{where}: no crossover resolved in this range ({faster})")
    return found

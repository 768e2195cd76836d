"""Benchmark runs as the report reads them: each pytest-benchmark JSON is one process's run of the suite; the
files of one machine are one run, its processes repeats of each other.

A row here is one (machine, group, variant) with its rounds kept per process. The suite interleaves its
variants round by round, writing one JSON row per round; here they are one row again. A ratio between two
rows is taken in each process (median ÷ median), and its interval comes from those per-process ratios
(shared/lab/stats.py: ratio_over_processes), so it holds what moves between processes, not only between rounds.
"""

from collections import defaultdict

import numpy as np

from shared.errors import UserError
from shared.lab.machine import was_busy
from shared.lab.stats import counts, ratio_over_processes, spread_between_runs, with_spread_between_runs


def variant(b):
    return b["extra_info"].get("variant", b["name"])


def framework_of(name):
    return name.split("-")[0].split()[0]


def rounds_of(b):
    """The seconds of each timed round of a pytest-benchmark row (its median alone where it kept no data)."""
    return b["stats"].get("data") or [b["stats"]["median"]]


def check_one_commit_per_machine(benches):
    commits = defaultdict(set)
    for bench in benches:
        commits[bench["label"]].add(bench.get("commit_info", {}).get("id", "?")[:10])
    for label, found in commits.items():
        if len(found) > 1:
            raise UserError(f"the benchmark files of {label} come from {len(found)} commits ({', '.join(sorted(found))}): "
                            f"a report takes one run per machine; give the other with --against")


def merged_rows(benches):
    """One row per (machine, group, variant, scaling value) over every process of a run: pytest-benchmark's fields
    (stats over all rounds, extra_info of its first process, per_seed joined) and `processes`, each process's own
    rounds ("data"), extra_info and index."""
    check_one_commit_per_machine(benches)
    merged = {}
    for index, bench in enumerate(benches):
        for b in bench["benchmarks"]:
            key = bench["label"], b["group"], variant(b), b["extra_info"].get("value")
            row = merged.setdefault(key, {"group": b["group"], "name": b["name"], "machine": bench["label"],
                                          "extra_info": dict(b["extra_info"]), "processes": {}})
            process = row["processes"].setdefault(index, {"index": index, "data": [], "per_seed": [],
                                                          "extra_info": b["extra_info"],
                                                          "busy": was_busy(bench.get("machine_state"))})
            process["data"] += list(rounds_of(b))
            process["per_seed"] += seeds_of(b)
    for row in merged.values():
        row["processes"] = list(row["processes"].values())
        data = [t for p in row["processes"] for t in p["data"]]
        q1, median, q3 = (float(v) for v in np.percentile(data, [25, 50, 75]))
        row["stats"] = {"data": data, "median": median, "q1": q1, "q3": q3, "iqr": q3 - q1, "rounds": len(data)}
        info = row["extra_info"]
        if "per_seed" in info:
            info["per_seed"] = [s for p in row["processes"] for s in p["per_seed"]]
        if info.get("docs"):
            info["docs_per_second"] = info["docs"] / median
    return list(merged.values())


def seeds_of(b):
    """A row's per-seed entries, each with the seconds of its round (older files: in the order of its rounds)."""
    per_seed = b["extra_info"].get("per_seed", [])
    return [{"seconds": seconds, **s} for s, seconds in zip(per_seed, rounds_of(b))]


def busy_processes(*rows):
    """The processes (numbered from 1) that every row ran in and that ran on a busy machine (shared/lab/machine.py)."""
    shared = set.intersection(*({p["index"] for p in row["processes"]} for row in rows))
    return sorted(p["index"] + 1 for p in rows[0]["processes"] if p["index"] in shared and p.get("busy"))


def busy_mark(*rows):
    """' ‡ busy: process 2' where a ratio between `rows` rests on a process that ran beside other work, else ''."""
    busy = busy_processes(*rows)
    return f" ‡ busy machine: process {', '.join(map(str, busy))}" if busy else ""


def process_counts(row):
    return counts(len(row["processes"]), min(len(p["data"]) for p in row["processes"]))


def ratio_key(top, bottom, compile_included=None):
    """What a ratio compares, the same in every run of the suite on one kind of machine: the machine, its group,
    the two variants, the device and scaling value, and for seed rounds whether the compile is included."""
    info = top["extra_info"]
    return (top["machine"], top["group"], variant(top), variant(bottom), info.get("device"), info.get("value"),
            compile_included)


def between(found, top, bottom, compile_included=None):
    """`found` with the spread between runs of its ratio added, where earlier runs gave one (with_spreads)."""
    return with_spread_between_runs(found, top.get("spreads", {}).get(ratio_key(top, bottom, compile_included)))


def with_spreads(rows, earlier_runs):
    """`rows`, each carrying the spread between `earlier_runs` (each a run's merged rows: other runs of the machine,
    at other times) of every TensorFlow ÷ PyTorch ratio they measured, so that ratio() and seed_ratio() add it."""
    found = defaultdict(list)
    for run in earlier_runs:
        for key, r in tf_over_torch_keyed(run).values():
            found[key].append(r)
    spreads = {key: spread for key, runs in found.items() if (spread := spread_between_runs(runs))}
    return [{**b, "spreads": spreads} for b in rows]


def ratio(top, bottom=None, floor=False):
    """top ÷ bottom as a Ratio over the processes both ran in (each process's median ÷ the other's), ÷ the optimizer
    floor that process timed where floor, or top's median alone (seconds) where neither; None where they share none.
    With a spread between runs carried by top (with_spreads), the interval holds it too."""
    mine = {p["index"]: p for p in top["processes"]}
    if bottom is not None:
        theirs = {p["index"]: p for p in bottom["processes"]}
        shared = sorted(set(mine) & set(theirs))
        values = [np.median(mine[i]["data"]) / np.median(theirs[i]["data"]) for i in shared]
        rounds = min((min(len(mine[i]["data"]), len(theirs[i]["data"])) for i in shared), default=0)
    else:
        shared = sorted(mine)
        values = [np.median(mine[i]["data"]) / (mine[i]["extra_info"]["optimizer_floor_seconds"] if floor else 1.0)
                  for i in shared]
        rounds = min(len(mine[i]["data"]) for i in shared)
    if not values:
        return None
    found = ratio_over_processes(values, rounds)
    return between(found, top, bottom) if bottom is not None else found


def seed_seconds(seed, compile_included=False):
    """A seed round's seconds; with compile_included, its warm-up (tracing, compiling) added, as a training from
    scratch pays it."""
    return seed["seconds"] + (seed.get("warm_up_seconds", 0.0) if compile_included else 0.0)


def median_seed_seconds(row, compile_included=False):
    """The median of a seed row's rounds over every process, with or without each seed's warm-up."""
    return float(np.median([seed_seconds(s, compile_included) for p in row["processes"] for s in p["per_seed"]]))


def seed_ratio(top, bottom, compile_included=False):
    """top ÷ bottom for rows whose rounds are seeds, paired by seed within each process (the geometric mean of
    the per-seed ratios), then over processes; with compile_included, each seed's warm-up (tracing, compiling)
    is added to its round, as a training from scratch pays it."""
    mine, theirs = ({p["index"]: {s["seed"]: seed_seconds(s, compile_included) for s in p["per_seed"]}
                     for p in row["processes"]} for row in (top, bottom))
    values, fewest = [], None
    for index in sorted(set(mine) & set(theirs)):
        seeds = sorted(set(mine[index]) & set(theirs[index]))
        if seeds:
            values.append(float(np.exp(np.mean([np.log(mine[index][s] / theirs[index][s]) for s in seeds]))))
            fewest = len(seeds) if fewest is None else min(fewest, len(seeds))
    return between(ratio_over_processes(values, fewest), top, bottom, compile_included) if values else None


def auto_row(rows, group, framework, machine):
    """The framework's --step auto row of a group: the one the suite marks so. Older files have no mark: a training
    row is auto where its step is the one --step auto takes for its input on its device and it is fed on the
    device; any other row, where its variant is the framework's name alone."""
    from shared.config import FASTEST_STEP
    mine = [b for b in rows if b["group"] == group and b["machine"] == machine and framework_of(variant(b)) == framework]
    marked = [b for b in mine if b["extra_info"].get("auto")]
    if marked or any("auto" in b["extra_info"] for b in mine):
        return marked[0] if marked else None

    def recorded_auto(info):
        device = "gpu" if " gpu " in f" {group} " else "cpu"
        return info.get("feed") == "device" and info.get("step") == FASTEST_STEP.get((framework, device), {}).get(info["input"])
    recorded = [b for b in mine if {"feed", "step", "input"} <= set(b["extra_info"])]
    found = next((b for b in recorded if recorded_auto(b["extra_info"])), None)
    # a file from before a step was added to auto's choices: the framework's name alone was its auto row
    return found or next((b for b in mine if variant(b) == framework), None)


def tf_over_torch(rows):
    """{name: Ratio} of every TensorFlow ÷ PyTorch ratio in a run: in each timed group, every TensorFlow row ÷
    PyTorch's auto row; in the seed-round groups, the auto rows paired by seed, with and without compile; in the
    scaling groups, each TensorFlow point ÷ PyTorch's of the same form and value."""
    return {name: r for name, (_, r) in tf_over_torch_keyed(rows).items()}


def tf_over_torch_keyed(rows):
    """tf_over_torch's ratios, each with its ratio_key: {name: (key, Ratio)}."""
    found = {}
    machines = {b["machine"] for b in rows}
    for b in rows:
        info, group = b["extra_info"], b["group"]
        if framework_of(variant(b)) != "tf":
            continue
        where = f" ({b['machine']})" if len(machines) > 1 else ""
        if group.startswith("scaling"):
            other = next((o for o in rows if o["group"] == group and o["machine"] == b["machine"]
                          and o["extra_info"].get("device") == info.get("device")
                          and o["extra_info"].get("framework") == "torch" and o["extra_info"].get("form") == info.get("form")
                          and o["extra_info"].get("value") == info.get("value")), None)
            if other:
                kind = "cpu" if info.get("device") == "cpu" else "gpu"
                found[f"{group} {info['form']} {kind} at {info['value']:,}{where}"] = ratio_key(b, other), ratio(b, other)
            continue
        torch = auto_row(rows, group, "torch", b["machine"])
        if torch is None:
            continue
        if info.get("per_seed"):
            if b is auto_row(rows, group, "tf", b["machine"]):
                found[f"{group}: tf ÷ torch{where}"] = ratio_key(b, torch, False), seed_ratio(b, torch)
                found[f"{group}: tf ÷ torch, compile included{where}"] = (ratio_key(b, torch, True),
                                                                           seed_ratio(b, torch, compile_included=True))
        else:
            found[f"{group}: {variant(b)} ÷ {variant(torch)}{where}"] = ratio_key(b, torch), ratio(b, torch)
    return {name: (key, r) for name, (key, r) in found.items() if r is not None}

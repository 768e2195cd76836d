"""report.md and its figures, from pytest-benchmark JSON files (one or more machines) and/or run records.

Everything in the report comes from its inputs (no clock, no look at this machine), so the same
inputs give the same files.
"""

import csv
import io
import json
import shlex
from collections import defaultdict
from pathlib import Path

import numpy as np

from shared.errors import UserError
from shared.figures import FIGURES, accuracy_figure, epoch_figure, loss_figure, scaling_figure
from shared.record import record_from, write_atomically
from shared.scaling import AXES, FRAMEWORK_NAMES, crossovers, slopes
from shared.stats import paired_difference, sample_std, unpaired_difference

CLEAN_GROUPS = ("train-epoch sparse cpu 3-groups", "train-epoch bag cpu 3-groups")
DENSE_GROUP = "train-epoch dense cpu 3-groups"


def load_inputs(paths):
    """([benchmark JSON], [RunRecord]) from files and folders of *.json; each benchmark row gets the
    label of the machine it ran on."""
    benches, records = [], []
    files = [f for p in map(Path, paths) for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    for path in files:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {path}: {error}") from None
        if isinstance(data, dict) and "benchmarks" in data:
            data["label"] = machine_label(data)
            for b in data["benchmarks"]:
                b["machine"] = data["label"]
            benches.append(data)
        elif isinstance(data, dict) and "step_losses" in data:
            records.append(record_from(data))
        else:
            raise UserError(f"{path} is neither a pytest-benchmark JSON nor a newsgroups-mlp run record")
    if not benches and not records:
        raise UserError("nothing to report: give a --benchmark-json file and/or run records")
    return benches, records


def machine_label(bench):
    """'AMD EPYC, 2 cores' or, where it timed a GPU, 'NVIDIA H200 (AMD EPYC, 16 cores)'."""
    machine = bench["machine_info"]
    host = f"{machine.get('cpu', {}).get('brand_raw') or machine.get('processor') or machine['machine']}, " \
           f"{machine.get('cpu', {}).get('count', '?')} cores"
    gpus = sorted({b["extra_info"].get("device") for b in bench["benchmarks"]} - {"cpu", None})
    return f"{', '.join(gpus)} ({host})" if gpus else host


def write_report(paths, out):
    benches, records = load_inputs(paths)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to {out}: {error.strerror or error}") from None
    rows = [b for bench in benches for b in bench["benchmarks"]]
    figures = {FIGURES[0]: loss_figure(group_records(records), out / FIGURES[0]),
               FIGURES[1]: epoch_figure(bench_rows(rows, "train-epoch"), epoch_bars(records), out / FIGURES[1]),
               FIGURES[2]: accuracy_figure(accuracy_rows(rows, records), out / FIGURES[2])}
    for axis in AXES:
        points = bench_rows(rows, f"scaling {axis}")
        if points:
            figures[f"scaling_{axis}.png"] = scaling_figure(axis, points, out / f"scaling_{axis}.png")
    TABLES.clear()
    sections = [uncommitted_mark(benches, records), "# newsgroups-mlp: PyTorch and TensorFlow side by side", "",
                environment_section(benches, records), speed_section(rows, records), targets_section(rows),
                scaling_section(rows), accuracy_section(rows, records),
                "## Figures\n\n" + "\n\n".join(f"![{name[:-4].replace('_', ' ')}]({name})" for name in figures) + "\n"]
    write_atomically(out / "report.md", "\n".join(s for s in sections if s))
    for name, (header, cells) in TABLES.items():
        write_atomically(out / f"{name}.csv", csv_text(header, cells))
    return out / "report.md"


def uncommitted_mark(benches, records):
    dirty = [b["commit_info"].get("id", "?")[:10] for b in benches if b.get("commit_info", {}).get("dirty")]
    dirty += [r.machine.get("commit") or "?" for r in records if (r.machine or {}).get("dirty")]
    if dirty:
        return (f"> **Made from uncommitted changes** (on top of commit {', '.join(sorted(set(dirty)))}): these "
                f"figures belong to no commit. Not for citing; re-run from a clean checkout.\n")
    return ""


TABLES = {}  # name -> (header, rows) of every table in the report being written, for its CSV files


def table(header, rows, name):
    """A markdown table; the same cells go to NAME.csv beside report.md."""
    TABLES[name] = (header, [tuple(row) for row in rows])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]) + "\n"


def csv_text(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def environment_section(benches, records):
    rows = []
    for bench in benches:
        machine, commit = bench["machine_info"], bench.get("commit_info", {})
        infos = [b["extra_info"] for b in bench["benchmarks"]]
        versions = {k: v for info in infos for k, v in info.get("versions", {}).items()}
        label = f" ({bench['label']})" if len(benches) > 1 else ""
        rows += [(f"machine{label}", bench["label"]),
                 ("threads per framework", ", ".join(sorted({str(i["threads"]) for i in infos}))),
                 ("devices", ", ".join(sorted({str(i["device"]) for i in infos}))),
                 ("OS", f"{machine['system']} {machine['release']}"),
                 ("Python", machine["python_version"]),
                 ("libraries", ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))),
                 ("host allocator", bench.get("host_allocator", "not recorded")),
                 ("date", bench["datetime"][:19]),
                 ("git commit", f"{commit.get('id', '?')}{' (uncommitted changes)' if commit.get('dirty') else ''}"),
                 ("reproduce", f"`git checkout {commit.get('id', '?')[:10]} && {bench.get('command', 'pytest benchmarks/')}`")]
    for source, group in group_records(records).items():
        r, m = group[0], group[0].machine or {}
        versions = {k: v for run in group for k, v in run.versions.items()}
        rows += [(f"runs: {source}", f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {r.threads} threads, "
                                     f"{r.device}, {m.get('os', '?')}, "
                                     + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
                                     + f", {m.get('date', '?')}, commit {m.get('commit') or '?'}"
                                     + (" (uncommitted changes)" if m.get("dirty") else "")),
                 (f"reproduce: {source}", f"`{rerun_command(group)}`")]
    return "## Environment\n\n" + table(("", ""), rows, "environment")


def rerun_command(group):
    """The newsgroups-mlp command that trains a group of records again."""
    r = group[0]
    seeds = sorted({run.seed for run in group})
    args = ["newsgroups-mlp", "compare", "--recipe", r.recipe, "--input", r.input, "--init", r.init,
            "--seed", ",".join(map(str, seeds)), "--epochs", str(r.epochs), "--batch-size", str(r.batch_size),
            "--hidden", str(r.hidden), "--lr", f"{r.lr:g}", "--adam-eps", f"{r.adam_eps:g}",
            "--dropout", f"{r.dropout:g}", "--categories", ",".join(r.categories), "--threads", str(r.threads)]
    if r.remove:
        args += ["--remove", ",".join(r.remove)]
    if r.step != "standard":
        args += ["--step", r.step]
    if r.deterministic:
        args.append("--deterministic")
    return shlex.join(args + ["--out", "DIR"])


def group_records(records):
    groups = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.recipe, r.input, r.init, r.framework, r.seed)):
        removed = f", without {'/'.join(r.remove)}" if r.remove else ""
        on = "" if r.evaluated_on == "test" else f", on {r.evaluated_on}"
        groups[f"{r.recipe} recipe{removed}, {len(r.categories)} groups, {r.input} input, init {r.init}, "
               f"{r.epochs} epochs{on}"].append(r)
    return groups


def bench_rows(rows, group_prefix):
    return [b for b in rows if b["group"].startswith(group_prefix)]


def variant(b):
    return b["extra_info"].get("variant", b["name"])


def speed_section(rows, records):
    rows = [b for b in rows if not b["group"].startswith("scaling")]
    if rows:
        lines = []
        by_group = defaultdict(list)
        for b in rows:
            by_group[b["group"], b["machine"]].append(b)
        for group, machine in sorted(by_group):
            members = sorted(by_group[group, machine], key=lambda b: b["stats"]["median"])
            for b in members:
                s, info = b["stats"], b["extra_info"]
                floor = info.get("optimizer_floor_seconds")
                lines.append((group, variant(b), machine, f"{s['median']:.4f}", f"{s['iqr']:.4f}", s["rounds"],
                              f"{info['docs_per_second']:,.0f}" if info.get("docs_per_second") else "n/a",
                              ratio_cell(b, members[0]), ratio_cell(b, floor) if floor else "n/a",
                              f"{info['first_seconds']:.3f}" if "first_seconds" in info else "n/a",
                              memory_cell(info)))
        return ("## Speed\n\nSeconds per round (one epoch, one test-split prediction, one load...), warm-up "
                "excluded and shown apart; ratio to the fastest in its group on the same machine, with its 95 % interval "
                "bootstrapped over both rows' rounds; for training, the "
                "multiple of the optimizer-memory floor (the memory traffic of Adam's update, timed in the same run "
                "on the device that trains); the case's own peak memory: what it added to the process's resident "
                "memory at its peak (host +), and the GPU's peak (device).\n\n"
                + table(("group", "variant", "machine", "median s", "IQR s", "rounds", "docs/s", "× fastest",
                         "× floor", "first round s", "peak memory MB"), lines, "speed"))
    lines = [(source, name, f"{median:.4f}", f"{q3 - q1:.4f}", epochs, f"{docs / median:,.0f}", f"{first:.3f}")
             for source, name, median, q1, q3, epochs, docs, first in epoch_stats(records)]
    return ("## Speed\n\nSeconds per epoch from the run records (first epoch apart).\n\n"
            + table(("runs", "framework", "median s", "IQR s", "epochs", "docs/s", "first epoch s"), lines, "speed"))


def ratio_cell(row, other):
    """median(row) ÷ median(other) (a row, or a number such as the floor), and its bootstrapped 95 % interval."""
    bottom = rounds(other) if isinstance(other, dict) else [other]
    low, high = ratio_interval(rounds(row), bottom)
    value = np.median(rounds(row)) / np.median(bottom)
    return f"{value:.2f}× ({low:.2f}–{high:.2f})" if row is not other else "1.00×"


def memory_cell(info):
    host, device = info.get("peak_host_mb"), info.get("peak_device_mb")
    cells = ([f"host +{host:,.0f}"] if host is not None else []) + ([f"device {device:,.0f}"] if device is not None else [])
    return ", ".join(cells) or "n/a"


def framework_of(name):
    return name.split("-")[0]


def fastest(rows, groups, framework):
    """(median, row) of the framework's fastest variant over `groups`, or (None, None)."""
    found = [(b["stats"]["median"], b) for b in rows
             if b["group"] in groups and framework_of(variant(b)) == framework]
    return min(found, key=lambda pair: pair[0]) if found else (None, None)


def median_of(rows, group, name):
    found = row_of(rows, group, name)
    return found["stats"]["median"] if found else None


def row_of(rows, group, name):
    return next((b for b in rows if b["group"] == group and variant(b) == name), None)


def rounds(row):
    """The seconds of each timed round of a benchmark row (its median alone where the JSON has no data)."""
    return row["stats"].get("data") or [row["stats"]["median"]]


BOOTSTRAP_DRAWS = 4000


def ratio_interval(numerator, denominator=(1.0,)):
    """The 95 % interval of median(numerator) ÷ median(denominator), bootstrapped over each side's rounds
    (resampled with replacement, a fixed seed: the same inputs give the same report)."""
    rng = np.random.default_rng(0)
    draws = [np.median(rng.choice(np.asarray(side, dtype=float), (BOOTSTRAP_DRAWS, len(side))), axis=1)
             for side in (numerator, denominator)]
    low, high = np.percentile(draws[0] / draws[1], [2.5, 97.5])
    return float(low), float(high)


def verdict(target, low, high, n_rounds):
    """'met' only when the whole interval meets the target, 'not met' when none of it does."""
    sign, bound = target
    meets = (lambda v: v >= bound) if sign == "≥" else (lambda v: v <= bound)
    if meets(low) and meets(high):
        return "met"
    if not meets(low) and not meets(high):
        return "not met"
    return f"undecided at {n_rounds} rounds"


def targets_section(rows):
    """The speed targets, each measured within one machine's run (CPU) or on the GPU named beside it, each
    with a 95 % interval bootstrapped over the rounds it came from."""
    if not bench_rows(rows, "train-epoch"):
        return ""
    lines = []

    def add(claim, target, numerator, denominator=None, scale=1.0, machine=""):
        """numerator, denominator: benchmark rows (or a number for the denominator); the value is their
        medians' ratio times scale."""
        if numerator is None or denominator is None:
            lines.append((claim, f"{target[0]} {target[1]:g}", "n/a", "n/a", "not measured", machine))
            return
        top = rounds(numerator)
        bottom = rounds(denominator) if isinstance(denominator, dict) else [denominator]
        value = float(np.median(top) / np.median(bottom)) * scale
        low, high = (scale * v for v in ratio_interval(top, bottom))
        n = min(len(top), len(bottom)) if isinstance(denominator, dict) else len(top)
        lines.append((claim, f"{target[0]} {target[1]:g}", f"{value:.3g}", f"{low:.3g} – {high:.3g}",
                      verdict(target, low, high, n), machine))

    for machine in sorted({b["machine"] for b in rows}):
        mine = [b for b in rows if b["machine"] == machine]
        if not bench_rows(mine, "train-epoch dense cpu") and not bench_rows(mine, "train-epoch bag cpu"):
            continue
        best = {f: fastest(mine, CLEAN_GROUPS, f)[1] for f in FRAMEWORK_NAMES}
        for framework, bound in (("torch", 3), ("tf", 4)):
            row = best[framework]
            floor = row["extra_info"].get("optimizer_floor_seconds") if row else None
            add(f"{FRAMEWORK_NAMES[framework]}: fastest clean epoch ({variant(row) if row else '-'}) ÷ optimizer floor",
                ("≤", bound), row, floor, machine=machine)
        for framework in FRAMEWORK_NAMES:
            add(f"{FRAMEWORK_NAMES[framework]}: tutorial dense epoch ÷ fastest clean epoch", ("≥", 10),
                row_of(mine, DENSE_GROUP, framework), best[framework], machine=machine)
        mlp = row_of(mine, "train-epoch sparse cpu 3-groups", "sklearn-mlp")
        for framework, bound in (("torch", 4), ("tf", 2.5)):
            add(f"scikit-learn MLPClassifier ÷ {FRAMEWORK_NAMES[framework]}, clean epoch", ("≥", bound),
                mlp, best[framework], machine=machine)
        if all(best.values()):
            slower, faster = sorted(best.values(), key=lambda b: -b["stats"]["median"])
            add("slower ÷ faster framework, fastest clean epochs", ("≤", 2), slower, faster, machine=machine)
    for machine in sorted({b["machine"] for b in bench_rows(rows, "train-epoch") if "gpu" in b["group"]}):
        mine = [b for b in rows if b["machine"] == machine]
        add("PyTorch on the GPU: tutorial dense epoch, s", ("≤", 0.02),
            row_of(mine, "train-epoch dense gpu 3-groups", "torch"), 1.0, machine=machine)
        add("PyTorch on the GPU: all-20 dense epoch, s", ("≤", 0.3),
            row_of(mine, "train-epoch dense gpu 20-groups", "torch"), 1.0, machine=machine)
        add("PyTorch on the GPU: fastest clean epoch, s", ("≤", 0.01),
            fastest(mine, ("train-epoch sparse gpu 3-groups", "train-epoch bag gpu 3-groups"), "torch")[1], 1.0,
            machine=machine)
        add("PyTorch on the GPU: dense test-split inference, s", ("≤", 0.02),
            row_of(mine, "inference dense gpu", "torch"), 1.0, machine=machine)
    return ("## Targets\n\nCPU ratios are measured within one run on one machine; GPU times are absolute, on the GPU "
            "named. The interval is bootstrapped over the rounds each figure came from (95 %, ratio of "
            "medians); a target is met only when its whole interval is.\n\n"
            + table(("claim", "target", "measured", "95 % interval", "met", "machine"), lines, "targets"))


def scaling_section(rows):
    points = bench_rows(rows, "scaling")
    if not points:
        return ""
    fitted = [(axis, line, f"{slope:.2f}", n, f"{largest:,}", f"{memory:,.0f}" if memory is not None else "n/a")
              for axis, line, slope, n, (largest, memory) in slopes(points)]
    found = crossovers(points)
    text = ("## Scaling\n\nSeconds per epoch as one quantity grows, the rest at the defaults (batch and width on "
            "3 groups, vocabulary on all 20). The slope is the fitted exponent of a log-log line: 1 means the "
            "epoch's cost grows in proportion; 0, that it does not grow. Peak memory is the case's own: the "
            "device's peak on a GPU, on the CPU what the case added to the process's resident memory.\n\n"
            + table(("axis", "line", "slope", "points", "largest value", "peak memory MB there"), fitted, "scaling"))
    if found:
        text += "\nCrossovers found:\n\n" + "\n".join(f"- {line}" for line in found) + "\n"
    return text


def accuracy_rows(rows, records):
    """(label, [accuracy per seed]) for every configuration in the inputs."""
    out = []
    for source, group in group_records(records).items():
        for framework, name in FRAMEWORK_NAMES.items():
            runs = [r for r in group if r.framework == framework]
            if runs:
                out.append((f"{name}, {source}", [r.test_accuracy for r in runs]))
    for b in bench_rows(rows, "accuracy"):
        out.append((f"{variant(b)}, {b['group'][len('accuracy '):]}", [s["accuracy"] for s in b["extra_info"]["per_seed"]]))
    return out


def epoch_stats(records):
    """Per group of records and framework: (group, framework name, median, q1, q3 of the steady epochs,
    their number, posts per epoch, mean first epoch)."""
    found = []
    for source, group in group_records(records).items():
        for framework, name in FRAMEWORK_NAMES.items():
            runs = [r for r in group if r.framework == framework]
            steady = [s for r in runs for s in r.epoch_seconds[1:]]
            if steady:
                q1, median, q3 = np.percentile(steady, [25, 50, 75])
                found.append((source, name, median, q1, q3, len(steady), runs[0].train_docs,
                              float(np.mean([r.epoch_seconds[0] for r in runs]))))
    return found


def epoch_bars(records):
    """Seconds per epoch from run records, as (configuration, name, median, q1, q3), for the epoch figure."""
    return [stats[:5] for stats in epoch_stats(records)]


def accuracy_section(rows, records):
    lines = [(label, f"{np.mean(a):.4f} ± {sample_std(a):.4f}", len(a), f"{min(a):.4f} – {max(a):.4f}")
             for label, a in accuracy_rows(rows, records)]
    for b in bench_rows(rows, "time-to-accuracy"):
        info = b["extra_info"]
        epochs = [s["epochs"] for s in info["per_seed"]]
        lines.append((f"{variant(b)}, time to {info['target']:.2f}: median {b['stats']['median']:.2f} s",
                      "reached" if info["reached"] else "not reached in every seed", len(epochs),
                      f"{min(epochs)} – {max(epochs)} epochs"))
    return ("## Accuracy\n\nTest accuracy, mean ± sample standard deviation (ddof=1) over seeds.\n\n"
            + table(("configuration", "accuracy", "seeds", "range"), lines, "accuracy")
            + differences_section(rows, records) + time_split_section(rows))


def accuracy_pairs(rows, records):
    """(what is compared, {seed: accuracy} of PyTorch, of the other, paired?) for every group with both."""
    pairs = []
    for source, group in group_records(records).items():
        by = {f: {r.seed: r.test_accuracy for r in group if r.framework == f} for f in FRAMEWORK_NAMES}
        if by["torch"] and by["tf"]:
            pairs.append((f"TensorFlow - PyTorch, {source}", by["torch"], by["tf"], True))
    groups = sorted({b["group"] for b in bench_rows(rows, "accuracy")})
    for group in groups:
        members = {variant(b): {s["seed"]: s["accuracy"] for s in b["extra_info"]["per_seed"]}
                   for b in rows if b["group"] == group}
        if "torch" not in members:
            continue
        for other, label, paired in (("tf", "TensorFlow", True), ("sklearn-mlp", "MLPClassifier", False),
                                     ("linear", "LinearSVC", False)):
            if other in members:
                pairs.append((f"{label} - PyTorch, {group[len('accuracy '):]}", members["torch"], members[other], paired))
    return pairs


def differences_section(rows, records):
    lines = []
    for label, torch_runs, other, paired in accuracy_pairs(rows, records):
        if paired:
            seeds = sorted(set(torch_runs) & set(other))
            d = paired_difference([torch_runs[s] for s in seeds], [other[s] for s in seeds])
        else:
            d = unpaired_difference(list(torch_runs.values()), list(other.values()))
        interval = f"{d.low:+.4f} to {d.high:+.4f}" if d.n > 1 else "n/a"
        lines.append((label, "paired by seed" if paired else "unpaired (Welch)", f"{d.mean:+.4f}", interval,
                      d.verdict()))
    if not lines:
        return ""
    return ("\n### Differences\n\nMean difference in test accuracy with its 95 % interval (Student t). The two "
            "networks of one seed start from the same weights on the same batches, so they are paired by seed; "
            "scikit-learn's MLPClassifier draws its own initial weights and LinearSVC has none, so those are "
            "compared unpaired.\n\n"
            + table(("difference", "test", "mean", "95 % interval", "verdict"), lines, "accuracy_differences"))


def time_split_section(rows):
    """What a time-to-accuracy round is made of, per framework: medians over seeds."""
    lines = []
    for b in bench_rows(rows, "time-to-accuracy"):
        split = [s for s in b["extra_info"]["per_seed"] if "train_seconds" in s]
        if split:
            lines.append((variant(b), split[0].get("step", "?"),
                          *(f"{np.median([s[key] for s in split]):.3f}"
                            for key in ("warm_up_seconds", "train_seconds", "evaluate_seconds"))))
    if not lines:
        return ""
    return ("\n### Time to accuracy, split\n\nMedian seconds over seeds. Warm-up (tracing or compiling the "
            "step and the prediction, on one step and one evaluation) runs before the clock; training and "
            "evaluating are the round's own.\n\n"
            + table(("variant", "step", "warm-up s (not timed)", "training s", "evaluating s"), lines,
                    "time_to_accuracy_split"))

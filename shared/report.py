"""report.md and its figures, from pytest-benchmark JSON files (one or more machines) and/or run records.

Everything in the report comes from its inputs (no clock, no look at this machine), so the same
inputs give the same files.
"""

import json
import shlex
from collections import defaultdict
from pathlib import Path

import numpy as np

from shared.errors import UserError
from shared.figures import FIGURES, accuracy_figure, epoch_figure, loss_figure, scaling_figure
from shared.record import RunRecord, write_atomically
from shared.scaling import AXES, FRAMEWORK_NAMES, crossovers, slopes

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
            records.append(RunRecord(**{k: v for k, v in data.items() if k in RunRecord.__dataclass_fields__}))
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
    sections = [uncommitted_mark(benches, records), "# newsgroups-mlp: PyTorch and TensorFlow side by side", "",
                environment_section(benches, records), speed_section(rows, records), targets_section(rows),
                scaling_section(rows), accuracy_section(rows, records),
                "## Figures\n\n" + "\n\n".join(f"![{name[:-4].replace('_', ' ')}]({name})" for name in figures) + "\n"]
    write_atomically(out / "report.md", "\n".join(s for s in sections if s))
    return out / "report.md"


def uncommitted_mark(benches, records):
    dirty = [b["commit_info"].get("id", "?")[:10] for b in benches if b.get("commit_info", {}).get("dirty")]
    dirty += [r.machine.get("commit") or "?" for r in records if (r.machine or {}).get("dirty")]
    if dirty:
        return (f"> **Made from uncommitted changes** (on top of commit {', '.join(sorted(set(dirty)))}): these "
                f"figures belong to no commit. Not for citing; re-run from a clean checkout.\n")
    return ""


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]) + "\n"


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
    return "## Environment\n\n" + table(("", ""), rows)


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
            members = by_group[group, machine]
            fastest = min(b["stats"]["median"] for b in members)
            for b in sorted(members, key=lambda b: b["stats"]["median"]):
                s, info = b["stats"], b["extra_info"]
                floor = info.get("optimizer_floor_seconds")
                lines.append((group, variant(b), machine, f"{s['median']:.4f}", f"{s['iqr']:.4f}", s["rounds"],
                              f"{info['docs_per_second']:,.0f}" if info.get("docs_per_second") else "n/a",
                              f"{s['median'] / fastest:.2f}×", f"{s['median'] / floor:.1f}×" if floor else "n/a",
                              f"{info['first_seconds']:.3f}" if "first_seconds" in info else "n/a",
                              memory_cell(info)))
        return ("## Speed\n\nSeconds per round (one epoch, one test-split prediction, one load...), warm-up "
                "excluded and shown apart; ratio to the fastest in its group on the same machine; for training, the "
                "multiple of the optimizer-memory floor (the memory traffic of Adam's update, timed in the same run "
                "on the device that trains); the case's own peak memory: what it added to the process's resident "
                "memory at its peak (host +), and the GPU's peak (device).\n\n"
                + table(("group", "variant", "machine", "median s", "IQR s", "rounds", "docs/s", "× fastest",
                         "× floor", "first round s", "peak memory MB"), lines))
    lines = [(source, name, f"{median:.4f}", f"{q3 - q1:.4f}", epochs, f"{docs / median:,.0f}", f"{first:.3f}")
             for source, name, median, q1, q3, epochs, docs, first in epoch_stats(records)]
    return ("## Speed\n\nSeconds per epoch from the run records (first epoch apart).\n\n"
            + table(("runs", "framework", "median s", "IQR s", "epochs", "docs/s", "first epoch s"), lines))


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
    found = [b["stats"]["median"] for b in rows if b["group"] == group and variant(b) == name]
    return found[0] if found else None


def targets_section(rows):
    """The speed targets, each measured within one machine's run (CPU) or on the GPU named beside it."""
    if not bench_rows(rows, "train-epoch"):
        return ""
    lines = []

    def add(claim, target, value, machine):
        met = "not measured" if value is None else \
            "yes" if (value >= target[1] if target[0] == "≥" else value <= target[1]) else "no"
        lines.append((claim, f"{target[0]} {target[1]:g}", "n/a" if value is None else f"{value:.3g}", met, machine))

    for machine in sorted({b["machine"] for b in rows}):
        mine = [b for b in rows if b["machine"] == machine]
        if not bench_rows(mine, "train-epoch dense cpu") and not bench_rows(mine, "train-epoch bag cpu"):
            continue
        best = {f: fastest(mine, CLEAN_GROUPS, f) for f in FRAMEWORK_NAMES}
        for framework, bound in (("torch", 3), ("tf", 4)):
            median, row = best[framework]
            floor = row["extra_info"].get("optimizer_floor_seconds") if row else None
            add(f"{FRAMEWORK_NAMES[framework]}: fastest clean epoch ({variant(row) if row else '-'}) ÷ optimizer floor",
                ("≤", bound), median / floor if median and floor else None, machine)
        for framework in FRAMEWORK_NAMES:
            dense, (median, _) = median_of(mine, DENSE_GROUP, framework), best[framework]
            add(f"{FRAMEWORK_NAMES[framework]}: tutorial dense epoch ÷ fastest clean epoch", ("≥", 10),
                dense / median if dense and median else None, machine)
        mlp = median_of(mine, "train-epoch sparse cpu 3-groups", "sklearn-mlp")
        for framework, bound in (("torch", 4), ("tf", 2.5)):
            median = best[framework][0]
            add(f"scikit-learn MLPClassifier ÷ {FRAMEWORK_NAMES[framework]}, clean epoch", ("≥", bound),
                mlp / median if mlp and median else None, machine)
        if all(m for m, _ in best.values()):
            values = [m for m, _ in best.values()]
            add("slower ÷ faster framework, fastest clean epochs", ("≤", 2), max(values) / min(values), machine)
    for machine in sorted({b["machine"] for b in bench_rows(rows, "train-epoch") if "gpu" in b["group"]}):
        mine = [b for b in rows if b["machine"] == machine]
        add("PyTorch on the GPU: tutorial dense epoch, s", ("≤", 0.02),
            median_of(mine, "train-epoch dense gpu 3-groups", "torch"), machine)
        add("PyTorch on the GPU: all-20 dense epoch, s", ("≤", 0.3),
            median_of(mine, "train-epoch dense gpu 20-groups", "torch"), machine)
        add("PyTorch on the GPU: fastest clean epoch, s", ("≤", 0.01),
            fastest(mine, ("train-epoch sparse gpu 3-groups", "train-epoch bag gpu 3-groups"), "torch")[0], machine)
        add("PyTorch on the GPU: dense test-split inference, s", ("≤", 0.02),
            median_of(mine, "inference dense gpu", "torch"), machine)
    return ("## Targets\n\nCPU ratios are measured within one run on one machine; GPU times are absolute, on the GPU "
            "named.\n\n" + table(("claim", "target", "measured", "met", "machine"), lines))


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
            + table(("axis", "line", "slope", "points", "largest value", "peak memory MB there"), fitted))
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
    lines = [(label, f"{np.mean(a):.4f} ± {np.std(a):.4f}", len(a), f"{min(a):.4f} – {max(a):.4f}")
             for label, a in accuracy_rows(rows, records)]
    for b in bench_rows(rows, "time-to-accuracy"):
        info = b["extra_info"]
        epochs = [s["epochs"] for s in info["per_seed"]]
        lines.append((f"{variant(b)}, time to {info['target']:.2f}: median {b['stats']['median']:.2f} s",
                      "reached" if info["reached"] else "not reached in every seed", len(epochs),
                      f"{min(epochs)} – {max(epochs)} epochs"))
    return "## Accuracy\n\nTest accuracy, mean ± std over seeds.\n\n" + table(("configuration", "accuracy", "seeds", "range"), lines)

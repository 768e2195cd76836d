"""report.md and its figures, from a pytest-benchmark JSON and/or run records.

Everything in the report comes from its inputs (no clock, no look at this machine), so the same
inputs give the same files.
"""

import json
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.errors import UserError  # noqa: E402
from shared.record import RunRecord, write_atomically  # noqa: E402

FIGURES = ("loss_curves.png", "epoch_times.png", "accuracy_per_seed.png")
FRAMEWORK_NAMES = {"torch": "PyTorch", "tf": "TensorFlow"}


def load_inputs(paths):
    """(benchmark JSON or None, [RunRecord]) from files and folders of *.json."""
    bench, records = None, []
    files = [f for p in map(Path, paths) for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    for path in files:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {path}: {error}") from None
        if isinstance(data, dict) and "benchmarks" in data:
            if bench is not None:
                raise UserError(f"{path}: give one benchmark JSON per report")
            bench = data
        elif isinstance(data, dict) and "step_losses" in data:
            records.append(RunRecord(**{k: v for k, v in data.items() if k in RunRecord.__dataclass_fields__}))
        else:
            raise UserError(f"{path} is neither a pytest-benchmark JSON nor a newsgroups-mlp run record")
    if bench is None and not records:
        raise UserError("nothing to report: give a --benchmark-json file and/or run records")
    return bench, records


def write_report(paths, out):
    bench, records = load_inputs(paths)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot write to {out}: {error.strerror or error}") from None
    sections = ["# newsgroups-mlp: PyTorch and TensorFlow side by side", "",
                environment_section(bench, records), speed_section(bench, records), ratios_section(bench),
                accuracy_section(bench, records)]
    loss_figure(records, out / FIGURES[0])
    epoch_figure(bench, records, out / FIGURES[1])
    accuracy_figure(bench, records, out / FIGURES[2])
    sections.append("## Figures\n\n" + "\n\n".join(f"![{name[:-4].replace('_', ' ')}]({name})" for name in FIGURES) + "\n")
    write_atomically(out / "report.md", "\n".join(s for s in sections if s))
    return out / "report.md"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]) + "\n"


def environment_section(bench, records):
    rows = []
    if bench:
        machine, commit = bench["machine_info"], bench.get("commit_info", {})
        infos = [b["extra_info"] for b in bench["benchmarks"]]
        versions = {k: v for info in infos for k, v in info.get("versions", {}).items()}
        rows += [("CPU", machine.get("cpu", {}).get("brand_raw") or machine.get("processor") or machine["machine"]),
                 ("cores", machine.get("cpu", {}).get("count", "?")),
                 ("threads per framework", ", ".join(sorted({str(i["threads"]) for i in infos}))),
                 ("devices", ", ".join(sorted({str(i["device"]) for i in infos}))),
                 ("OS", f"{machine['system']} {machine['release']}"),
                 ("Python", machine["python_version"]),
                 ("libraries", ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))),
                 ("date", bench["datetime"][:19]),
                 ("git commit", f"{commit.get('id', '?')[:10]}{' (uncommitted changes)' if commit.get('dirty') else ''}")]
    for source, group in group_records(records).items():
        r, m = group[0], group[0].machine or {}
        versions = {k: v for run in group for k, v in run.versions.items()}
        rows += [(f"runs: {source}", f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {r.threads} threads, "
                                     f"{r.device}, {m.get('os', '?')}, "
                                     + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
                                     + f", {m.get('date', '?')}, commit {m.get('commit') or '?'}")]
    return "## Environment\n\n" + table(("", ""), rows)


def group_records(records):
    groups = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.recipe, r.input, r.init, r.framework, r.seed)):
        removed = f", without {'/'.join(r.remove)}" if r.remove else ""
        on = "" if r.evaluated_on == "test" else f", on {r.evaluated_on}"
        groups[f"{r.recipe} recipe{removed}, {len(r.categories)} groups, {r.input} input, init {r.init}, "
               f"{r.epochs} epochs{on}"].append(r)
    return groups


def bench_rows(bench, group_prefix):
    return [b for b in (bench or {}).get("benchmarks", []) if b["group"].startswith(group_prefix)]


def variant(b):
    return b["extra_info"].get("variant", b["name"])


def speed_section(bench, records):
    if bench:
        rows = []
        by_group = defaultdict(list)
        for b in bench["benchmarks"]:
            by_group[b["group"]].append(b)
        for group in sorted(by_group):
            fastest = min(b["stats"]["median"] for b in by_group[group])
            for b in sorted(by_group[group], key=lambda b: b["stats"]["median"]):
                s, info = b["stats"], b["extra_info"]
                floor = info.get("optimizer_floor_seconds")
                rows.append((group, variant(b), f"{s['median']:.4f}", f"{s['iqr']:.4f}", s["rounds"],
                             f"{info['docs_per_second']:,.0f}" if info.get("docs_per_second") else "n/a",
                             f"{s['median'] / fastest:.2f}×", f"{s['median'] / floor:.1f}×" if floor else "n/a",
                             f"{info['first_seconds']:.3f}" if "first_seconds" in info else "n/a"))
        return ("## Speed\n\nSeconds per round (one epoch, one test-split prediction, one load...), warm-up "
                "excluded and shown apart; ratio to the fastest in its group; for training, the multiple of "
                "the optimizer-memory floor (the memory traffic a dense Adam step must make, timed in the same run).\n\n"
                + table(("group", "variant", "median s", "IQR s", "rounds", "docs/s", "× fastest", "× floor",
                         "first round s"), rows))
    rows = []
    for source, group in group_records(records).items():
        for framework in FRAMEWORK_NAMES:
            steady = [s for r in group if r.framework == framework for s in r.epoch_seconds[1:]]
            first = [r.epoch_seconds[0] for r in group if r.framework == framework]
            if steady:
                q1, median, q3 = np.percentile(steady, [25, 50, 75])
                docs = group[0].train_docs
                rows.append((source, FRAMEWORK_NAMES[framework], f"{median:.4f}", f"{q3 - q1:.4f}", len(steady),
                             f"{docs / median:,.0f}", f"{np.mean(first):.3f}"))
    return ("## Speed\n\nSeconds per epoch from the run records (first epoch apart).\n\n"
            + table(("runs", "framework", "median s", "IQR s", "epochs", "docs/s", "first epoch s"), rows))


def median_of(bench, group, name):
    found = [b["stats"]["median"] for b in bench_rows(bench, group) if b["group"] == group and variant(b) == name]
    return found[0] if found else None


def ratios_section(bench):
    """The speed targets, as measured in this one run."""
    if not bench:
        return ""
    sparse, dense = "train-epoch sparse cpu 3-groups", "train-epoch dense cpu 3-groups"
    rows = []

    def add(claim, target, numerator, denominator):
        if numerator and denominator:
            value = numerator / denominator
            rows.append((claim, target, f"{value:.2f}", "yes" if value >= float(target.lstrip("≥ ")) else "no"))
        else:
            rows.append((claim, target, "n/a", "not measured"))
    for name, label in (("torch", "PyTorch"), ("tf", "TensorFlow")):
        add(f"{label}: dense epoch ÷ sparse epoch", "≥ 10", median_of(bench, dense, name), median_of(bench, sparse, name))
    add("scikit-learn MLP ÷ PyTorch, sparse epoch", "≥ 4", median_of(bench, sparse, "sklearn-mlp"), median_of(bench, sparse, "torch"))
    add("scikit-learn MLP ÷ TensorFlow, sparse epoch", "≥ 2", median_of(bench, sparse, "sklearn-mlp"), median_of(bench, sparse, "tf"))
    pair = {name: median_of(bench, sparse, name) for name in ("torch", "tf")}
    if all(pair.values()):
        faster = min(pair, key=pair.get)
        ratio = max(pair.values()) / pair[faster]
        rows.append(("slower ÷ faster framework, sparse epoch", "≤ 2", f"{ratio:.2f}", "yes" if ratio <= 2 else "no"))
        floor = next(b["extra_info"]["optimizer_floor_seconds"] for b in bench_rows(bench, sparse)
                     if b["group"] == sparse and variant(b) == faster)
        rows.append(("faster framework's sparse epoch ÷ optimizer floor", "≤ 3", f"{pair[faster] / floor:.2f}",
                     "yes" if pair[faster] / floor <= 3 else "no"))
    return "## Ratios (CPU, 3 groups, one run)\n\n" + table(("ratio", "target", "measured", "met"), rows)


def accuracy_rows(bench, records):
    """(label, [accuracy per seed]) for every configuration in the inputs."""
    rows = []
    for source, group in group_records(records).items():
        for framework, name in FRAMEWORK_NAMES.items():
            runs = [r for r in group if r.framework == framework]
            if runs:
                rows.append((f"{name}, {source}", [r.test_accuracy for r in runs]))
    for b in bench_rows(bench, "accuracy"):
        rows.append((f"{variant(b)}, benchmark: {b['group'][len('accuracy '):]}",
                     [s["accuracy"] for s in b["extra_info"]["per_seed"]]))
    return rows


def accuracy_section(bench, records):
    rows = [(label, f"{np.mean(a):.4f} ± {np.std(a):.4f}", len(a), f"{min(a):.4f} – {max(a):.4f}")
            for label, a in accuracy_rows(bench, records)]
    for b in bench_rows(bench, "time-to-accuracy"):
        info = b["extra_info"]
        epochs = [s["epochs"] for s in info["per_seed"]]
        rows.append((f"{variant(b)}, time to {info['target']:.2f}: median {b['stats']['median']:.2f} s",
                     "reached" if info["reached"] else "not reached in every seed", len(epochs),
                     f"{min(epochs)} – {max(epochs)} epochs"))
    return "## Accuracy\n\nTest accuracy, mean ± std over seeds.\n\n" + table(("configuration", "accuracy", "seeds", "range"), rows)


def loss_figure(records, path):
    groups = group_records(records) or {"no run records given": []}
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 3.2 * len(groups)), squeeze=False)
    for ax, (source, group) in zip(axes[:, 0], groups.items()):
        for framework, name in FRAMEWORK_NAMES.items():
            curves = [r.step_losses for r in group if r.framework == framework]
            if curves:
                curves = np.maximum(np.array(curves, dtype=float), 1e-8)
                steps = np.arange(1, curves.shape[1] + 1)
                ax.plot(steps, np.median(curves, axis=0), label=f"{name} (median of {len(curves)} seeds)")
                ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), alpha=0.25)
        ax.set(title=source, xlabel="step", ylabel="training loss", yscale="log")
        if group:
            ax.legend()
    save(fig, path)


def epoch_figure(bench, records, path):
    bars = []  # (label, median, q1, q3)
    for b in bench_rows(bench, "train-epoch"):
        s = b["stats"]
        bars.append((f"{b['group'][len('train-epoch '):]}: {variant(b)}", s["median"], s["q1"], s["q3"]))
    if not bars:
        for source, group in group_records(records).items():
            for framework, name in FRAMEWORK_NAMES.items():
                steady = [s for r in group if r.framework == framework for s in r.epoch_seconds[1:]]
                if steady:
                    q1, median, q3 = np.percentile(steady, [25, 50, 75])
                    bars.append((f"{source}: {name}", median, q1, q3))
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(bars) + 1.5))
    if bars:
        labels, medians, q1, q3 = zip(*bars)
        y = np.arange(len(bars))
        ax.barh(y, medians, xerr=[np.subtract(medians, q1), np.subtract(q3, medians)], capsize=3)
        ax.set_yticks(y, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
    ax.set(title="seconds per epoch (median, whiskers: interquartile range)", xlabel="seconds")
    save(fig, path)


def accuracy_figure(bench, records, path):
    rows = accuracy_rows(bench, records)
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(rows) + 1.5))
    for y, (label, accuracies) in enumerate(rows):
        ax.scatter(accuracies, [y] * len(accuracies), s=18)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set(title="test accuracy, one dot per seed", xlabel="test accuracy")
    save(fig, path)


def save(fig, path):
    fig.tight_layout()
    # No timestamp or version in the PNG's metadata: the same inputs give the same bytes.
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)

"""The report's figures (matplotlib, no display). Each takes what it draws, already gathered, and a path."""

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.config import FRAMEWORK_NAMES  # noqa: E402
from shared.lab.scaling import AXIS_NAMES, line_name, point_rows  # noqa: E402

FIGURES = ("loss_curves.png", "epoch_times.png", "accuracy_per_seed.png")
COLOURS = {"torch": "tab:red", "tf": "tab:blue", "sklearn": "tab:green", "linear": "tab:gray",
           "PyTorch": "tab:red", "TensorFlow": "tab:blue"}


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def loss_figure(groups, path, provenance=None):
    """One panel per group of run records ({name: [RunRecord]}): each framework's median loss and its band.
    `provenance`, where given, is kept in the PNG's metadata as its Source (docs checks a picture by it)."""
    groups = groups or {"no run records given": []}
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 3.2 * len(groups)), squeeze=False)
    for ax, (source, group) in zip(axes[:, 0], groups.items()):
        for framework, name in FRAMEWORK_NAMES.items():
            curves = [r.step_losses for r in group if r.framework == framework]
            if curves:
                curves = np.maximum(np.array(curves, dtype=float), 1e-8)
                steps = np.arange(1, curves.shape[1] + 1)
                ax.plot(steps, np.median(curves, axis=0), color=COLOURS[framework],
                        label=f"{name}: median of {plural(len(curves), 'seed')}" + (", band: min to max" if len(curves) > 1 else ""))
                ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=COLOURS[framework], alpha=0.2)
        ax.set(title=source, xlabel="step", ylabel="training loss", yscale="log")
        if group:
            ax.legend()
    return save(fig, path, provenance)


def seconds_interval(row):
    """(median, low, high) of a benchmark row's seconds: the 95 % interval over its processes the report's tables
    quote (shared/lab/runs.py: ratio), the median alone where one process gives none."""
    from shared.lab.runs import ratio
    found = ratio(row)
    median = row["stats"]["median"]
    if found is None or found.low is None:
        return median, median, median
    return median, min(median, found.low), max(median, found.high)


def epoch_figure(bench_rows, record_bars, path):
    """Seconds per epoch, one panel per configuration on its own linear axis (a dense epoch on 20 groups takes
    most of a minute, a bag epoch on 3 a tenth of a second): its variants' bars next to each other, coloured by
    framework."""
    bars = [(b["group"][len("train-epoch "):] + (f" · {b['machine']}" if b.get("machine") else ""),
             b["extra_info"].get("variant", b["name"]), *seconds_interval(b)) for b in bench_rows] or record_bars
    order = {"torch": 0, "PyTorch": 0, "tf": 1, "TensorFlow": 1}
    configurations = list(dict.fromkeys(bar[0] for bar in bars))
    sizes = [sum(1 for b in bars if b[0] == c) for c in configurations]
    fig, axes = plt.subplots(len(configurations), 1, figsize=(9, 0.3 * sum(sizes) + 0.9 * len(configurations) + 0.8),
                             squeeze=False, gridspec_kw={"height_ratios": sizes})
    for ax, configuration in zip(axes[:, 0], configurations):
        mine = sorted((b for b in bars if b[0] == configuration), key=lambda b: (order.get(b[1].split("-")[0], 2), b[2]))
        for y, (_, name, median, low, high) in enumerate(mine):
            ax.barh(y, median, xerr=[[median - low], [high - median]], capsize=2, height=0.8,
                    color=COLOURS.get(name.split("-")[0], "tab:purple"))
        ax.set_yticks(range(len(mine)), [b[1] for b in mine], fontsize=7)
        ax.set_ylim(len(mine) - 0.5, -0.5)
        ax.set_xlim(0, max(b[4] for b in mine) * 1.08)
        ax.set_title(configuration, fontsize=8, fontweight="bold", loc="left")
        ax.tick_params(axis="x", labelsize=7)
    families = dict.fromkeys(bar[1].split("-")[0] for bar in bars)
    fig.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=COLOURS.get(f, "tab:purple")) for f in families],
               labels=[{**FRAMEWORK_NAMES, "sklearn": "scikit-learn"}.get(f, f) for f in families], fontsize=7,
               loc="lower right")
    fig.suptitle("seconds per epoch (median; whiskers: its 95 % interval over processes, as the tables give it)"
                 if bench_rows else "seconds per epoch (median; whiskers: interquartile range)", fontsize=9)
    axes[-1, 0].set_xlabel("seconds")
    return save(fig, path)


def ratio_figure(rows, path, title, provenance=None):
    """A forest plot of TensorFlow ÷ PyTorch ratios: rows of (label, ratio, low, high, ...), each a point with its 95 %
    interval as whiskers (none where it has none), on a log axis (2× and ½× equally far from 1), a line at 1."""
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    for y, (label, value, low, high, *_) in enumerate(rows):
        value = float(value)
        if low not in (None, ""):
            low, high = float(low), float(high)
            ax.errorbar(value, y, xerr=[[value - low], [high - value]], fmt="o", color="black", capsize=3)
            text = f"{value:.2f}× ({low:.2f}–{high:.2f})"
        else:
            ax.plot(value, y, "o", color="black")
            text = f"{value:.2f}× (no interval)"
        ax.annotate(text, (value, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7)
    ax.axvline(1.0, color="gray", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [label for label, *_ in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.4, -0.7)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks([t for t in (0.5, 0.75, 1, 1.5, 2, 3, 4, 6) if min(float(r[2] or r[1]) for r in rows) / 1.2 <= t <=
                   max(float(r[3] or r[1]) for r in rows) * 1.2 or t == 1])
    ax.set(title=title, xlabel="TensorFlow ÷ PyTorch seconds (right of 1: PyTorch faster), 95 % interval")
    return save(fig, path, provenance)


def accuracy_figure(rows, path):
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(rows) + 1.5))
    for y, (label, accuracies) in enumerate(rows):  # coloured by framework, as in every other figure
        ax.scatter(accuracies, [y] * len(accuracies), s=18,
                   color=COLOURS.get(label.split(",")[0].split("-")[0], "tab:purple"))
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set(title="test accuracy, one dot per seed", xlabel="test accuracy")
    return save(fig, path)


def scaling_figure(axis, points, path):
    """Log-log seconds per epoch along one axis, each point with its 95 % interval over processes where it has one:
    a colour per framework, a line style per device, a marker per input form."""
    fig, ax = plt.subplots(figsize=(8, 5))
    kinds = set()
    for key, by_value in point_rows(points).items():
        _, framework, form, kind, _ = key
        kinds.add(kind)
        values = sorted(by_value)
        found = [seconds_interval(by_value[v]) for v in values]
        y = [f[0] for f in found]
        ax.errorbar(values, y, yerr=[[m - low for m, low, _ in found], [high - m for m, _, high in found]],
                    color=COLOURS.get(framework, "tab:purple"), linestyle="-" if kind == "CPU" else "--",
                    marker="o" if form == "bag" else "s", capsize=2, label=line_name(key))
    styles = " and ".join(f"{'solid' if k == 'CPU' else 'dashed'}: {k}" for k in sorted(kinds))
    ax.set(xscale="log", yscale="log", xlabel=AXIS_NAMES[axis], ylabel="seconds per epoch",
           title=f"cost of an epoch as the {AXIS_NAMES[axis]} grows ({styles}; whiskers: 95 % interval)")
    ax.legend(fontsize=7)
    return save(fig, path)


def save(fig, path, provenance=None):
    fig.tight_layout()
    # No timestamp or version in the PNG's metadata: the same inputs give the same bytes.
    fig.savefig(path, dpi=110, format="png", metadata={"Software": None, **({"Source": provenance} if provenance else {})})
    plt.close(fig)
    return path

"""The report's figures (matplotlib, no display). Each takes what it draws, already gathered, and a path."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from shared.config import FRAMEWORK_NAMES  # noqa: E402
from shared.lab.scaling import AXIS_NAMES, line_name, lines  # noqa: E402

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


def epoch_figure(bench_rows, record_bars, path):
    """Seconds per epoch grouped by configuration: under each configuration's heading, its variants'
    bars next to each other, coloured by framework."""
    bars = [(b["group"][len("train-epoch "):] + (f" · {b['machine']}" if b.get("machine") else ""),
             b["extra_info"].get("variant", b["name"]), b["stats"]["median"], b["stats"]["q1"], b["stats"]["q3"])
            for b in bench_rows] or record_bars
    order = {"torch": 0, "PyTorch": 0, "tf": 1, "TensorFlow": 1}
    y, labels, headings = 0, [], []
    fig, ax = plt.subplots(figsize=(10, 0.28 * (len(bars) + 2 * len(set(b[0] for b in bars))) + 1.5))
    for configuration in dict.fromkeys(bar[0] for bar in bars):
        headings.append((y, configuration))
        y += 1
        for _, name, median, q1, q3 in sorted((b for b in bars if b[0] == configuration),
                                              key=lambda b: (order.get(b[1].split("-")[0], 2), b[2])):
            family = name.split("-")[0]
            ax.barh(y, median, xerr=[[median - q1], [q3 - median]], capsize=2, height=0.8,
                    color=COLOURS.get(family, "tab:purple"))
            labels.append((y, name))
            y += 1
        y += 0.6
    ax.set_yticks([t for t, _ in labels], [name for _, name in labels], fontsize=7)
    for t, heading in headings:
        ax.text(0.0, t, heading, transform=ax.get_yaxis_transform(), fontsize=8, fontweight="bold", va="center")
    ax.set_ylim(y, -1)
    if bars:
        ax.set_xscale("log")
        families = dict.fromkeys(bar[1].split("-")[0] for bar in bars)
        ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=COLOURS.get(f, "tab:purple")) for f in families],
                  labels=[{**FRAMEWORK_NAMES, "sklearn": "scikit-learn"}.get(f, f) for f in families],
                  fontsize=7, loc="lower right")
    ax.set(title="seconds per epoch, by configuration (median; whiskers: interquartile range)", xlabel="seconds")
    return save(fig, path)


def accuracy_figure(rows, path):
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(rows) + 1.5))
    for y, (label, accuracies) in enumerate(rows):
        ax.scatter(accuracies, [y] * len(accuracies), s=18)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set(title="test accuracy, one dot per seed", xlabel="test accuracy")
    return save(fig, path)


def scaling_figure(axis, points, path):
    """Log-log seconds per epoch along one axis: a colour per framework, a line style per device, a
    marker per input form."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for key, values in lines(points).items():
        _, framework, form, kind, _ = key
        x, y = [v[0] for v in values], [v[1] for v in values]
        ax.plot(x, y, color=COLOURS.get(framework, "tab:purple"), linestyle="-" if kind == "CPU" else "--",
                marker="o" if form == "bag" else "s", label=line_name(key))
    ax.set(xscale="log", yscale="log", xlabel=AXIS_NAMES[axis], ylabel="seconds per epoch",
           title=f"cost of an epoch as the {AXIS_NAMES[axis]} grows (solid: CPU, dashed: GPU)")
    ax.legend(fontsize=7)
    return save(fig, path)


def save(fig, path, provenance=None):
    fig.tight_layout()
    # No timestamp or version in the PNG's metadata: the same inputs give the same bytes.
    fig.savefig(path, dpi=110, format="png", metadata={"Software": None, **({"Source": provenance} if provenance else {})})
    plt.close(fig)
    return path

"""What compare prints: the two frameworks' runs over the same seeds side by side, as a table.

Kept apart from the command line, which prints it, and from the docs, which quote it."""

import numpy as np

from shared.config import FRAMEWORK_NAMES, FRAMEWORKS, STEP_NAMES


def comparison_table(torch_runs, tf_runs):
    """Side by side: means (± sample std over seeds when there are several), the paired difference in
    accuracy with its interval, and how far the loss curves part."""
    from shared.lab.stats import paired_difference

    evaluated = torch_runs[0].evaluated_on.split()[0]
    rows = [(f"{evaluated} accuracy", "{:.4f}", lambda r: r.test_accuracy),
            ("training seconds", "{:.2f}", lambda r: r.train_seconds),
            ("first epoch", "{:.3f}", lambda r: r.epoch_seconds[0]),
            ("steady epoch", "{:.3f}", steady_epoch),
            ("final loss", "{:.3g}", lambda r: r.step_losses[-1])]
    r = torch_runs[0]
    seeds = ",".join(str(run.seed) for run in torch_runs)
    removed = f", without {'/'.join(r.remove)}" if r.remove else ""
    steps = ", ".join(f"{FRAMEWORK_NAMES[runs[0].framework]} {STEP_NAMES[runs[0].framework][runs[0].step]}"
                      for runs in (torch_runs, tf_runs))
    lines = [f"{r.recipe} recipe{removed}, {r.input} input, init {r.init}, seed {seeds}, {r.epochs} epochs, "
             f"{r.train_docs}/{r.test_docs} posts, vocabulary {r.vocab_size:,}, {r.threads} threads, {r.device}",
             f"steps: {steps}",
             f"{'':<20}" + "".join(f"{FRAMEWORK_NAMES[f]:>20}" for f in FRAMEWORKS)]
    lines += [f"{name:<20}" + "".join(f"{mean_and_spread([get(r) for r in runs], fmt):>20}"
                                      for runs in (torch_runs, tf_runs)) for name, fmt, get in rows]
    difference = paired_difference([r.test_accuracy for r in torch_runs], [r.test_accuracy for r in tf_runs])
    lines.append(f"{evaluated} accuracy, TensorFlow - PyTorch, paired by seed: {difference.text()}")
    lines.append("± is the sample standard deviation over seeds; first epoch includes tracing and compiling, "
                 "steady epoch is the median of the others")
    lines.append(f"loss curves agree within 0.1% for the first {agreeing_span(torch_runs, tf_runs)} steps "
                 f"(float32 rounding and Adam's ε convention, amplified by Adam"
                 f"{'; dropout draws different masks in each framework' if r.dropout else ''}): "
                 f"single runs differ, compare over seeds")
    return "\n".join(lines)


def steady_epoch(record):
    """The median epoch after the first (which also traces or compiles); the only one if there is one."""
    return float(np.median(record.epoch_seconds[1:] or record.epoch_seconds))


def mean_and_spread(values, fmt="{:.4f}"):
    """'mean ± sample std' over seeds, as compare prints a cell; the value alone for one seed."""
    from shared.lab.stats import sample_std
    text = fmt.format(np.mean(values))
    return text + (f" ± {fmt.format(sample_std(values))}" if len(values) > 1 else "")


def agreeing_span(torch_runs, tf_runs):
    """'N-M of T': for how many steps, fewest and most over the seeds, the two loss curves stay within 0.1 %."""
    diffs = [loss_differences(a.step_losses, b.step_losses) for a, b in zip(torch_runs, tf_runs)]
    agree = [agreeing_steps(d, 1e-3) for d in diffs]
    return f"{min(agree)}{f'-{max(agree)}' if max(agree) != min(agree) else ''} of {len(diffs[0])}"


def loss_differences(a, b):
    """Per step: |a-b| / max(|a|, |b|)."""
    return [abs(x - y) / max(abs(x), abs(y), 1e-12) for x, y in zip(a, b)]


def agreeing_steps(diffs, rtol):
    """How many steps from the start the relative difference stays within `rtol`."""
    return next((i for i, rel in enumerate(diffs) if rel > rtol), len(diffs))

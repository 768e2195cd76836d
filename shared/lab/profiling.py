"""newsgroups-mlp profile: where one training step's time goes, in each framework, on the same batch.

The step and its nested parts are timed the same way (run as the step runs: eager, traced, compiled),
each the median of many calls after a warm-up: the forward pass; forward, loss and backward; Adam's update
alone on ready gradients; the whole step. What the step costs beyond forward + backward + update is the
rest: framework overhead, launches, the step's own bookkeeping. Then the framework's profiler names
the operations that take the time (PyTorch: a table; TensorFlow: a trace for TensorBoard).
"""

import time

import numpy as np

from shared.config import STEP_NAMES
from shared.lab.runner import implementation
from shared.config import FRAMEWORK_NAMES
from shared.weights import initial_weights

PARTS = ("forward", "backward", "update", "rest", "step")


def median_seconds(function, wait, repeats):
    """The median seconds of `function()` over `repeats` calls after three warm-up calls, `wait()` (the
    framework's wait for its device) before and after each timed one."""
    for _ in range(3):
        function()
    times = []
    for _ in range(repeats):
        wait()
        start = time.perf_counter()
        function()
        wait()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def profile(framework, batches, hp, device, trace_folder, repeats=20):
    """A dict for the JSON record: the step's parts in seconds, the top operations, the trace folder (where
    the framework's profiler writes one)."""
    impl = implementation(framework)
    placed = impl.resolve_device(device)
    impl.seed_randomness(hp.seed)
    initial = initial_weights(hp.init, batches.features.vocab_size, hp.hidden, batches.n_classes, hp.seed)
    model = impl.build_model(initial, placed, hp.form, hp.dropout)
    optimizer = impl.make_optimizer(model, hp)
    step = impl.make_train_step(hp.step, placed)
    batch = next(iter(batches.epoch(0, impl.feeder(batches, placed, hp.step))))
    measured = impl.measure.step_parts(model, optimizer, step, batch, hp.step, placed, repeats)
    seconds = {"forward": measured["forward"], "backward": measured["forward + backward"] - measured["forward"],
               "update": measured["update"],
               "rest": measured["step"] - measured["forward + backward"] - measured["update"],
               "step": measured["step"]}
    operations, trace = impl.measure.top_operations(lambda: step(model, optimizer, *batch), placed, trace_folder)
    return {"framework": framework, "step": hp.step, "step_name": STEP_NAMES[framework][hp.step],
            "device": impl.device_name(placed), "repeats": repeats, "measured_seconds": measured, "seconds": seconds,
            "top_operations": [{"name": name, "ms": ms} for name, ms in operations], "trace": trace and str(trace),
            "versions": impl.versions()}


def profile_table(results, hp, batches, threads):
    """Both frameworks side by side, in milliseconds a step."""
    header = (f"profile: {hp.recipe} recipe, {hp.form} input, batch {hp.batch_size}, vocabulary "
              f"{batches.features.vocab_size:,}, {len(batches.categories)} groups, {threads} threads, "
              f"{results[0]['device']}; median of {results[0]['repeats']} calls, ms a step")
    names = [f"{FRAMEWORK_NAMES[r['framework']]} ({r['step_name']})" for r in results]
    lines = [header, f"{'':<12}" + "".join(f"{name:>32}" for name in names)]
    for part in PARTS:
        lines.append(f"{part:<12}" + "".join(f"{1000 * r['seconds'][part]:>32.3f}" for r in results))
    lines.append("backward = (forward + backward) - forward; rest = step - (forward + backward) - update: "
                 "overhead, launches, bookkeeping (and TensorFlow's captured step slicing its batch)")
    for r in results:
        name = FRAMEWORK_NAMES[r["framework"]]
        if r["top_operations"]:
            lines.append(f"{name}: the operations with the most time of their own, ms a step")
            lines += [f"  {op['ms']:8.3f}  {op['name']}" for op in r["top_operations"]]
        if r["trace"]:
            lines.append(f"{name}: its profiler's trace, with op names, is in {r['trace']} "
                         f"(tensorboard --logdir {r['trace']}, Profile tab)")
    return "\n".join(lines)

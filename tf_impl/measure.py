"""What the benchmark, the profile command and the tests measure in TensorFlow: the device's best at Adam's
memory traffic, its peak memory, the parameters and gradients read out as the shared arrays, and where a
step's time goes."""

import contextlib
import time

import numpy as np
import tensorflow as tf

from shared.errors import UserError

from shared.lab.profiling import median_seconds
from shared.weights import LAYERS
from tf_impl.fast import masked_loss, padded_take
from tf_impl.model import logits, load_weights, variables
from tf_impl.train import compute_loss


def synchronize(device):
    # Waits for every device's queued ops (PyTorch's torch.cuda.synchronize waits for one device).
    tf.test.experimental.sync_devices()


def adam_floor_seconds(n_params, device, repeats=5):
    """The memory traffic of one Adam step over n_params float32 weights (read param, grad, m, v;
    write param, m, v: seven passes), timed as TensorFlow element-wise passes on `device`."""
    with tf.device(device):
        p, g, m, v = (tf.Variable(tf.fill([n_params], 1e-3)) for _ in range(4))
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        m.assign_add(g)  # each reads two arrays and writes one: nine passes in all
        v.assign_add(g)
        p.assign_add(m)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best * 7 / 9


def reset_peak_memory(device):
    """Starts the device's peak from here; returns the MB TensorFlow holds there now (None on the CPU)."""
    if device.startswith("/GPU"):
        tf.config.experimental.reset_memory_stats("GPU:0")
        return tf.config.experimental.get_memory_info("GPU:0")["current"] / 2**20
    return None


def peak_memory_mb(device, held=None):
    """How far TensorFlow's device memory rose above `held` (what reset_peak_memory gave) at its peak since then;
    None on the CPU (see the host figure)."""
    if not device.startswith("/GPU"):
        return None
    return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20 - (held or 0.0)


def parameters_as_numpy(model, gradients=None):
    """The parameters (or `gradients`, as tape.gradient(loss, variables(model)) gives them), named as the shared arrays."""
    arrays = iter(gradients if gradients is not None else variables(model))
    weights, biases = {}, {}
    for w, b in LAYERS:
        weights[w] = np.asarray(tf.convert_to_tensor(next(arrays)))
        biases[b] = np.asarray(next(arrays))
    return weights, biases


def loss_and_gradients(model, x, y):
    """One forward and backward pass without an update: (loss, gradients as shared arrays)."""
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x, y)
    return float(loss), parameters_as_numpy(model, gradients=tape.gradient(loss, variables(model)))


def reset(model, optimizer, initial):
    """The model back to `initial` and Adam back to step 0, in place: a step already traced or compiled for
    these objects runs on without tracing again (the benchmark warms a step up outside its clock)."""
    load_weights(model, initial)
    for variable in optimizer.variables:  # its step count and moments; the learning rate stays
        if "learning_rate" not in getattr(variable, "path", variable.name):  # Keras' variables have paths
            variable.assign(tf.zeros_like(variable))


def step_parts(model, optimizer, step, batch, kind, device, repeats=20):
    """Median seconds of one training step on `batch` and of its nested parts: the forward pass; forward, loss
    and backward; Adam's update alone on ready gradients; the whole step. Each part is traced by tf.function
    as the step is, and compiled by XLA where the step is; the captured step's parts on the batch it slices."""
    sliced = batch
    if kind == "captured":  # the step's batch is the Rows it slices: the parts take that slice, made once here
        with tf.device(device):
            sliced = padded_take(*batch)

    def loss_of():
        return masked_loss(model, *sliced) if kind == "captured" else compute_loss(model, *sliced, True)

    def forward_pass():
        return logits(model, sliced[0], training=True)

    def forward_backward():
        with tf.GradientTape() as tape:
            loss = loss_of()
        return [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables(model))]
    with tf.device(device):
        gradients = forward_backward()

    def update():
        optimizer.apply_gradients(zip(gradients, variables(model)))
    parts = {name: tf.function(part, jit_compile=kind in ("compiled", "captured"))
             for name, part in (("forward", forward_pass), ("forward + backward", forward_backward), ("update", update))}
    parts["step"] = lambda: step(model, optimizer, *batch)
    with tf.device(device):
        return {name: median_seconds(part, lambda: synchronize(device), repeats) for name, part in parts.items()}


def top_operations(function, device, folder, calls=5, n=10):
    """TensorFlow's profiler over `calls` calls, written to `folder` as a trace for TensorBoard's profile plugin
    (its op names are read there: TensorFlow offers no table of them in Python); returns ([], folder)."""
    tf.profiler.experimental.start(str(folder))
    try:
        with tf.device(device):
            for _ in range(calls):
                function()
        synchronize(device)
    except BaseException:
        with contextlib.suppress(tf.errors.OpError):
            tf.profiler.experimental.stop()
        raise
    try:
        tf.profiler.experimental.stop()  # writes the trace; a full disk comes back as TensorFlow's own error
    except tf.errors.OpError as error:
        raise UserError(f"TensorFlow's profiler could not write its trace to {folder}: "
                        f"{str(error).strip().splitlines()[0]}") from None
    return [], folder

"""What the benchmark and the tests measure in TensorFlow: the device's best at Adam's memory traffic,
its peak memory, and the parameters and gradients read out as the shared arrays."""

import time

import numpy as np
import tensorflow as tf

from tf_impl.model import LAYERS, variables
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
    if device.startswith("/GPU"):
        tf.config.experimental.reset_memory_stats("GPU:0")


def peak_memory_mb(device):
    """The most device memory TensorFlow held since reset_peak_memory; None on the CPU (see the host figure)."""
    return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20 if device.startswith("/GPU") else None


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

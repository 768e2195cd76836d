"""Where TensorFlow runs: threads, determinism, device, and what the device can do at best."""

import time

import tensorflow as tf

from shared.errors import UserError


def configure_threads(threads):
    # TensorFlow fixes its thread pools when its runtime starts (the first op); later calls
    # raise. PyTorch takes the count at any time.
    threading = tf.config.threading
    if (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()) == (threads, threads):
        return
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        raise UserError(f"TensorFlow already started with {threading.get_intra_op_parallelism_threads()} "
                        f"threads; set the thread count before anything runs") from None


def configure_determinism(on):
    # One switch for every op (cuDNN, cuBLAS, reductions); an op with no deterministic kernel then
    # raises when it runs. It cannot be switched off again in the same process.
    if on:
        tf.config.experimental.enable_op_determinism()


def resolve_device(name):
    """'auto', 'cpu' or 'gpu' -> a device string for tf.device; 'gpu' without a usable GPU is an error."""
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    if name == "gpu" and not has_gpu:
        raise UserError("--device gpu: TensorFlow sees no GPU here (tf.config.list_physical_devices('GPU') is empty)")
    return "/GPU:0" if name in ("auto", "gpu") and has_gpu else "/CPU:0"


def device_name(device):
    if device.startswith("/GPU"):
        return tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]).get("device_name", "gpu")
    return "cpu"


def versions():
    return {"tensorflow": tf.__version__, "keras": tf.keras.__version__}


def synchronize(device):
    # Reading a value back waits for the device; TensorFlow has no separate synchronize call.
    with tf.device(device):
        tf.constant(0.0).numpy()


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
        p[0].numpy()
        best = min(best, time.perf_counter() - start)
    return best * 7 / 9


def reset_peak_memory(device):
    if device.startswith("/GPU"):
        tf.config.experimental.reset_memory_stats("GPU:0")


def peak_memory_mb(device):
    """The most device memory TensorFlow held since reset_peak_memory; None on the CPU (see the host figure)."""
    return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20 if device.startswith("/GPU") else None

"""Where TensorFlow runs: threads, determinism and the device."""

import tensorflow as tf

from shared.errors import UserError


def configure_threads(threads):
    # TensorFlow fixes its thread pools when its runtime starts (the first op); later calls
    # raise. PyTorch takes the count at any time. Both pools: an op's own threads (intra-op), and
    # the executor's, which runs a graph's independent ops side by side (inter-op), where PyTorch
    # runs one op at a time (torch_impl/device.py).
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
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        # TensorFlow otherwise reserves nearly all of a GPU's memory when it starts, leaving none to PyTorch
        # in the same process (compare, the benchmark); PyTorch takes memory as it needs it.
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # TensorFlow has started: it was set then, or cannot be now
            pass
    has_gpu = bool(gpus)
    if name == "gpu" and not has_gpu:
        raise UserError("--device gpu: TensorFlow sees no GPU here (tf.config.list_physical_devices('GPU') is empty)")
    return "/GPU:0" if name in ("auto", "gpu") and has_gpu else "/CPU:0"


def device_name(device):
    if device.startswith("/GPU"):
        return tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0]).get("device_name", "gpu")
    return "cpu"


def versions():
    return {"tensorflow": tf.__version__, "keras": tf.keras.__version__}

"""The MLP in TensorFlow. Read it beside torch_impl/: same files, same functions, same order.

The lesson: model.py (the network), train.py (the loss and Adam, one training step, the loop,
evaluation), data.py (batches made on the device). Around it: device.py (where it runs), fast.py (the
speed forms: the same maths, faster) and measure.py (what the benchmark and the profiler time)."""

import tensorflow

# TensorFlow probes its devices once; on a machine without a GPU the probe logs a failed CUDA call to stderr.
# It happens here, at import, so that the command line, which imports this package with stderr held
# (shared/lab/runner.py), keeps that line out of its output.
tensorflow.config.list_physical_devices()

from tf_impl.data import take, upload  # noqa: E402
from tf_impl.device import configure_determinism, configure_threads, device_name, resolve_device, versions  # noqa: E402
from tf_impl.model import build_model  # noqa: E402
from tf_impl.train import (evaluate, feeder, make_optimizer, make_train_step, seed_randomness,  # noqa: E402
                           train_epoch)

__all__ = ["build_model", "configure_determinism", "configure_threads", "device_name", "evaluate", "feeder",
           "make_optimizer", "make_train_step", "resolve_device", "seed_randomness", "take", "train_epoch",
           "upload", "versions"]

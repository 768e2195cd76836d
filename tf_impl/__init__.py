"""The MLP in TensorFlow. Read it beside torch_impl/: same files, same functions, same order.

A learner's path: model.py (the network), train.py (one training step, the loop, evaluation),
data.py (batches made on the device). fast.py and measure.py hold what exists for speed and for
the benchmark and tests."""

import os

from shared.lab.quiet import quiet_stderr, verbose

# TensorFlow's C++ runtime logs to stderr: its libraries while they load (before any log level is read) and its
# device probe, which on a machine without a GPU logs a failed CUDA call as an error. Both happen here, inside
# quiet_stderr; from then on the log level hides the runtime's information and warnings, and its errors still
# reach the user. NEWSGROUPS_VERBOSE=1 brings everything back.
if not verbose():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
with quiet_stderr():
    import tensorflow  # noqa: E402
    tensorflow.config.list_physical_devices()

from tf_impl.data import take, upload  # noqa: E402
from tf_impl.device import configure_determinism, configure_threads, device_name, resolve_device, versions  # noqa: E402
from tf_impl.fast import to_tensors  # noqa: E402
from tf_impl.measure import (adam_floor_seconds, peak_memory_mb, reset, reset_peak_memory, step_parts,  # noqa: E402
                             top_operations)  # noqa: E402
from tf_impl.model import build_model  # noqa: E402
from tf_impl.train import (evaluate, feeder, make_optimizer, make_train_step, seed_randomness, train,  # noqa: E402
                           train_epoch)

__all__ = ["adam_floor_seconds", "build_model", "configure_determinism", "configure_threads", "device_name",
           "evaluate", "feeder", "make_optimizer", "make_train_step", "peak_memory_mb", "reset_peak_memory",
           "reset", "resolve_device", "seed_randomness", "step_parts", "take", "to_tensors", "top_operations", "train", "train_epoch",
           "upload", "versions"]

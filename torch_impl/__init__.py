"""The MLP in PyTorch. Read it beside tf_impl/: same files, same functions, same order.

A learner's path: model.py (the network), train.py (one training step, the loop, evaluation),
data.py (batches made on the device). fast.py and measure.py hold what exists for speed and for
the benchmark and tests."""

from torch_impl.data import take, upload
from torch_impl.device import configure_determinism, configure_threads, device_name, resolve_device, versions
from torch_impl.fast import to_tensors
from torch_impl.measure import (adam_floor_seconds, peak_memory_mb, reset, reset_peak_memory, step_parts,
                                top_operations)
from torch_impl.model import build_model
from torch_impl.train import (evaluate, feeder, make_optimizer, make_train_step, seed_randomness, train,
                              train_epoch)

__all__ = ["adam_floor_seconds", "build_model", "configure_determinism", "configure_threads", "device_name",
           "evaluate", "feeder", "make_optimizer", "make_train_step", "peak_memory_mb", "reset_peak_memory",
           "reset", "resolve_device", "seed_randomness", "step_parts", "take", "to_tensors", "top_operations", "train", "train_epoch",
           "upload", "versions"]

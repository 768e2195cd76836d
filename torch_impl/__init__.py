"""The MLP in PyTorch. Read it beside tf_impl/: same files, same functions, same order.

The lesson: model.py (the network), train.py (the loss and Adam, one training step, the loop,
evaluation), data.py (batches made on the device). Around it: device.py (where it runs), fast.py (the
speed forms: the same maths, faster) and measure.py (what the benchmark and the profiler time)."""

from torch_impl.data import take, upload
from torch_impl.device import configure_determinism, configure_threads, device_name, resolve_device, versions
from torch_impl.model import build_model
from torch_impl.train import (evaluate, feeder, make_optimizer, make_train_step, seed_randomness,
                              train_epoch)

__all__ = ["build_model", "configure_determinism", "configure_threads", "device_name", "evaluate", "feeder",
           "make_optimizer", "make_train_step", "resolve_device", "seed_randomness", "take", "train_epoch",
           "upload", "versions"]

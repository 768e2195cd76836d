"""The MLP in TensorFlow. Read it beside torch_impl/: same files, same functions, same order."""

import os

# TensorFlow's C++ runtime logs to stderr (a CUDA probe that fails on CPU-only machines, device
# set-up); this keeps those lines out unless the user asks for them. A few lines printed while
# TensorFlow itself is imported come before the setting is read and still appear.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tf_impl.device import configure_threads, device_name, resolve_device, versions
from tf_impl.model import build_model
from tf_impl.train import evaluate, make_optimizer, make_train_step, train, train_epoch

__all__ = ["build_model", "configure_threads", "device_name", "evaluate", "make_optimizer", "make_train_step",
           "resolve_device", "train", "train_epoch", "versions"]

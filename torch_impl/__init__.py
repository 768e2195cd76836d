"""The MLP in PyTorch. Read it beside tf_impl/: same files, same functions, same order."""

from torch_impl.device import (adam_floor_seconds, configure_determinism, configure_threads, device_name,
                               peak_memory_mb, reset_peak_memory, resolve_device, versions)
from torch_impl.model import build_model, take, to_tensors, upload
from torch_impl.train import (evaluate, feeder, make_optimizer, make_train_step, seed_randomness, train,
                              train_epoch)

__all__ = ["adam_floor_seconds", "build_model", "configure_determinism", "configure_threads", "device_name",
           "evaluate", "feeder", "make_optimizer", "make_train_step", "peak_memory_mb", "reset_peak_memory",
           "resolve_device", "seed_randomness", "take", "to_tensors", "train", "train_epoch", "upload", "versions"]

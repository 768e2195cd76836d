"""The MLP in PyTorch. Read it beside tf_impl/: same files, same functions, same order."""

from torch_impl.device import configure_threads, device_name, resolve_device, versions
from torch_impl.model import build_model
from torch_impl.train import evaluate, make_optimizer, make_train_step, train, train_epoch

__all__ = ["build_model", "configure_threads", "device_name", "evaluate", "make_optimizer", "make_train_step",
           "resolve_device", "train", "train_epoch", "versions"]

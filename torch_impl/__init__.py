"""The MLP in PyTorch. Read it beside tf_impl/: same files, same functions, same order."""

from torch_impl.device import configure_threads, device_name, resolve_device, versions
from torch_impl.train import evaluate, train

__all__ = ["configure_threads", "device_name", "evaluate", "resolve_device", "train", "versions"]

"""The MLP in TensorFlow. Read it beside torch_impl/: same files, same functions, same order."""

from tf_impl.device import configure_threads, device_name, resolve_device, versions
from tf_impl.train import evaluate, train

__all__ = ["configure_threads", "device_name", "evaluate", "resolve_device", "train", "versions"]

"""Where PyTorch runs: threads, determinism and the device."""

import os

import torch

from shared.errors import UserError


def configure_threads(threads):
    # PyTorch takes the intra-op thread count at any time; TensorFlow only before it starts. Only
    # intra-op: PyTorch's inter-op pool runs work forked by TorchScript, which this code never does, so
    # every op here runs on the intra-op threads. TensorFlow's executor runs independent ops of a graph
    # side by side on its inter-op pool, so TensorFlow gets both counts (tf_impl/device.py).
    torch.set_num_threads(threads)


def configure_determinism(on):
    # cuBLAS picks its reduction order per workspace unless told to keep one; the variable must be
    # set before the first cuBLAS call. TensorFlow has one switch for all of it.
    if on:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if on != torch.are_deterministic_algorithms_enabled():  # the switch imports torch's compiler stack: 2 s
        torch.use_deterministic_algorithms(on)


def resolve_device(name):
    """'auto', 'cpu' or 'gpu' -> a torch.device; 'gpu' without a usable GPU is an error."""
    has_gpu = torch.cuda.is_available()
    if name == "gpu" and not has_gpu:
        raise UserError("--device gpu: PyTorch sees no CUDA GPU here (torch.cuda.is_available() is False)")
    return torch.device("cuda" if name in ("auto", "gpu") and has_gpu else "cpu")


def device_name(device):
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def versions():
    return {"torch": torch.__version__}

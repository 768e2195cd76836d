"""Where PyTorch runs: threads, determinism, device, and what the device can do at best."""

import os
import time

import torch

from shared.errors import UserError


def configure_threads(threads):
    # PyTorch takes the intra-op thread count at any time; TensorFlow only before it starts.
    torch.set_num_threads(threads)


def configure_determinism(on):
    # cuBLAS picks its reduction order per workspace unless told to keep one; the variable must be
    # set before the first cuBLAS call. TensorFlow has one switch for all of it.
    if on:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
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


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def adam_floor_seconds(n_params, device, repeats=5):
    """The memory traffic of one Adam step over n_params float32 weights (read param, grad, m, v;
    write param, m, v: seven passes), timed as PyTorch element-wise passes on `device`."""
    p, g, m, v = (torch.full((n_params,), 1e-3, device=device) for _ in range(4))
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        m.add_(g)  # each add_ reads two arrays and writes one: nine passes in all
        v.add_(g)
        p.add_(m)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best * 7 / 9


def reset_peak_memory(device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mb(device):
    """The most device memory PyTorch held since reset_peak_memory; None on the CPU (see the host figure)."""
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None

"""What the benchmark and the tests measure in PyTorch: the device's best at Adam's memory traffic, its
peak memory, and the parameters and gradients read out as the shared arrays."""

import time

import torch
from torch import nn

from torch_impl.model import LAYERS
from torch_impl.train import compute_loss


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


def parameters_as_numpy(model, gradients=False):
    """The parameters (or their gradients), named and laid out as the shared arrays."""
    weights, biases = {}, {}
    for layer, w, b in LAYERS:
        module = getattr(model, layer)
        weight, bias = module.weight, module.bias
        if gradients:
            weight, bias = weight.grad, bias.grad
        weight = weight.detach().cpu().numpy()
        weights[w] = weight.T if isinstance(module, nn.Linear) else weight
        biases[b] = bias.detach().cpu().numpy()
    return weights, biases


def loss_and_gradients(model, x, y):
    """One forward and backward pass without an update: (loss, gradients as shared arrays)."""
    model.zero_grad()
    loss = compute_loss(model, x, y)
    loss.backward()
    return loss.item(), parameters_as_numpy(model, gradients=True)

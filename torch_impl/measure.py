"""What the benchmark, the profile command and the tests measure in PyTorch: the device's best at Adam's
memory traffic, its peak memory, the parameters and gradients read out as the shared arrays, and where a
step's time goes."""

import time

import torch
from torch import nn

from shared.lab.profiling import median_seconds
from shared.lab.quiet import quiet_stderr
from shared.weights import LAYERS
from torch_impl.fast import masked_loss
from torch_impl.model import MODULES, logits, load_weights
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
    """Starts the device's peak from here; returns the MB PyTorch holds there now (None on the CPU)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return torch.cuda.memory_allocated(device) / 2**20
    return None


def peak_memory_mb(device, held=None):
    """How far PyTorch's device memory rose above `held` (what reset_peak_memory gave) at its peak since then;
    None on the CPU (see the host figure)."""
    return torch.cuda.max_memory_allocated(device) / 2**20 - (held or 0.0) if device.type == "cuda" else None


def parameters_as_numpy(model, gradients=False):
    """The parameters (or their gradients), named and laid out as the shared arrays."""
    weights, biases = {}, {}
    for layer, (w, b) in zip(MODULES, LAYERS):
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


def reset(model, optimizer, initial):
    """The model back to `initial` and Adam back to step 0, in place: a step already traced or compiled for
    these objects runs on without tracing again (the benchmark warms a step up outside its clock)."""
    load_weights(model, initial)
    optimizer.state.clear()  # Adam makes its state again at the next step


def step_parts(model, optimizer, step, batch, kind, device, repeats=20):
    """Median seconds of one training step on `batch` and of its nested parts: the forward pass; forward, loss
    and backward; Adam's update alone on ready gradients; the whole step. The parts run eagerly, or compiled
    by torch.compile where the step is; a captured step's parts run eagerly (a CUDA graph of each part
    would be another capture)."""
    loss_of = (lambda: masked_loss(model, *batch)) if len(batch) == 3 else (lambda: compute_loss(model, *batch, True))

    def forward_pass():
        return logits(model, batch[0], training=True)

    def forward_backward():
        optimizer.zero_grad()
        loss_of().backward()

    def update():
        optimizer.step()
    if kind == "compiled":
        forward_pass, forward_backward = torch.compile(forward_pass), torch.compile(forward_backward)
    parts = {"forward": forward_pass, "forward + backward": forward_backward, "update": update,
             "step": lambda: step(model, optimizer, *batch)}
    return {name: median_seconds(part, lambda: synchronize(device), repeats) for name, part in parts.items()}


def top_operations(function, device, folder, calls=5, n=10):
    """PyTorch's profiler over `calls` calls: ([(name, ms a call)] of the n operations with the most time of their
    own, None: the table is the result, no trace is written to `folder`)."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with quiet_stderr(), torch.profiler.profile(activities=activities) as profiler:  # its tracer's start/stop lines
        for _ in range(calls):
            function()
        synchronize(device)
    key = "self_device_time_total" if device.type == "cuda" else "self_cpu_time_total"
    events = sorted(profiler.key_averages(), key=lambda e: getattr(e, key), reverse=True)[:n]
    return [(e.key, getattr(e, key) / calls / 1000) for e in events], None

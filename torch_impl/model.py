"""The network in PyTorch: an nn.Module, as the PyTorch tutorial's OurNet."""

import numpy as np
import torch
from torch import nn


class OurNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.layer_1 = nn.Linear(input_size, hidden_size, bias=True)
        self.relu = nn.ReLU()
        self.layer_2 = nn.Linear(hidden_size, hidden_size, bias=True)
        self.output_layer = nn.Linear(hidden_size, num_classes, bias=True)

    def forward(self, x):
        if x.is_sparse:
            # nn.Linear takes dense input only; a sparse batch goes through torch.sparse.mm,
            # whose backward still gives a dense gradient for the weight.
            out = torch.sparse.mm(x, self.layer_1.weight.t()) + self.layer_1.bias
        else:
            out = self.layer_1(x)
        out = self.relu(out)
        out = self.layer_2(out)
        out = self.relu(out)
        return self.output_layer(out)


# The shared arrays are laid out for x @ W (in, out), as tf.matmul takes them; nn.Linear
# stores its weight as (out, in) and computes x @ W.T, hence the transposes.
LAYERS = (("layer_1", "h1", "b1"), ("layer_2", "h2", "b2"), ("output_layer", "out", "out"))


def build_model(initial, device):
    """OurNet on `device`, holding the shared initial (weights, biases) instead of its own init."""
    weights, biases = initial
    model = OurNet(weights["h1"].shape[0], weights["h1"].shape[1], weights["out"].shape[1])
    with torch.no_grad():
        for layer, w, b in LAYERS:
            getattr(model, layer).weight.copy_(torch.from_numpy(weights[w].T))
            getattr(model, layer).bias.copy_(torch.from_numpy(biases[b]))
    return model.to(device)


def to_tensors(x, y, device):
    """A batch from shared.batches.get_batch as tensors on `device`: x dense or sparse COO, y int64."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    else:
        indices = torch.from_numpy(np.vstack([x.row, x.col]).astype(np.int64))
        x = torch.sparse_coo_tensor(indices, torch.from_numpy(x.data), x.shape, is_coalesced=True,
                                    check_invariants=False)
    return x.to(device), torch.from_numpy(y).to(device)


def forward(model, x):
    return model(x)


def parameters_as_numpy(model, gradients=False):
    """The parameters (or their gradients), named and laid out as the shared arrays."""
    weights, biases = {}, {}
    for layer, w, b in LAYERS:
        weight, bias = getattr(model, layer).weight, getattr(model, layer).bias
        if gradients:
            weight, bias = weight.grad, bias.grad
        weights[w] = weight.detach().cpu().numpy().T
        biases[b] = bias.detach().cpu().numpy()
    return weights, biases


def variables(model):
    """The trainable tensors, in the order h1, b1, h2, b2, out, out."""
    return list(model.parameters())

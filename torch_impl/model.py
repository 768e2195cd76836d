"""The network in PyTorch: an nn.Module, as the PyTorch tutorial's OurNet."""

import torch
import torch.nn.functional as F
from torch import nn

from shared.weights import LAYERS


class SparseLinear(nn.Module):
    """The first layer for a sparse batch, with its weight stored (in, out): a row per word, the layout
    a sparse product reads and its backward writes (nn.Linear's is (out, in), read transposed)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))

    def forward(self, x):
        return torch.sparse.mm(x, self.weight) + self.bias


class BagLinear(SparseLinear):
    """The same sum as SparseLinear, read as an embedding bag: each post adds up the weight rows of
    its words, each scaled by the word's value in the post. One kernel, no sparse-tensor bookkeeping."""

    def forward(self, bag):
        return F.embedding_bag(bag.words, self.weight, bag.offsets, mode="sum", per_sample_weights=bag.values) + self.bias


FIRST_LAYERS = {"dense": nn.Linear, "sparse": SparseLinear, "bag": BagLinear}


class OurNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes, form="dense", dropout=0.0):
        super().__init__()
        self.form = form
        self.layer_1 = FIRST_LAYERS[form](input_size, hidden_size)
        self.relu = nn.ReLU()
        # nn.Dropout draws its masks from PyTorch's global generator, and only in training mode.
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.layer_2 = nn.Linear(hidden_size, hidden_size, bias=True)
        self.output_layer = nn.Linear(hidden_size, num_classes, bias=True)

    def forward(self, x):
        out = self.dropout(self.relu(self.layer_1(x)))
        out = self.dropout(self.relu(self.layer_2(out)))
        return self.output_layer(out)


# The shared arrays are laid out for x @ W (in, out), as tf.matmul takes them; nn.Linear
# stores its weight as (out, in) and computes x @ W.T, hence the transposes (SparseLinear needs none).
MODULES = ("layer_1", "layer_2", "output_layer")  # the modules holding LAYERS' arrays (shared/weights.py), in order


def build_model(initial, device, form="dense", dropout=0.0):
    """OurNet on `device`, holding the shared initial (weights, biases) instead of its own init."""
    weights, _ = initial
    model = OurNet(weights["h1"].shape[0], weights["h1"].shape[1], weights["out"].shape[1], form, dropout)
    return load_weights(model.to(device), initial)


def load_weights(model, initial):
    """The shared (weights, biases) copied into the model's parameters, in place."""
    weights, biases = initial
    with torch.no_grad():
        for layer, (w, b) in zip(MODULES, LAYERS):
            module = getattr(model, layer)
            weight = weights[w].T if isinstance(module, nn.Linear) else weights[w]
            module.weight.copy_(torch.from_numpy(weight))
            module.bias.copy_(torch.from_numpy(biases[b]))
    return model


def logits(model, x, training=False):
    # PyTorch keeps the mode on the module (dropout on in train(), off in eval()).
    model.train(training)
    return model(x)


def variables(model):
    """The trainable tensors, in the order h1, b1, h2, b2, out, b_out."""
    return list(model.parameters())

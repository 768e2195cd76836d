"""The network in PyTorch: an nn.Module, as the PyTorch tutorial's OurNet."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from shared.batches import Bag, padding


class SparseLinear(nn.Module):
    """The first layer for a sparse batch. nn.Linear takes dense input only and stores its weight
    as (out, in); a sparse product wants a row per word, (in, out), which its backward also
    writes about twice as fast."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))

    def forward(self, x):
        return torch.sparse.mm(x, self.weight) + self.bias


class BagLinear(SparseLinear):
    """The same sum as SparseLinear, read as an embedding bag: each post adds up the weight rows of
    its words, each scaled by the word's count. One kernel with no sparse-tensor bookkeeping."""

    def forward(self, bag):
        return F.embedding_bag(bag.ids, self.weight, bag.offsets, mode="sum", per_sample_weights=bag.weights) + self.bias


FIRST_LAYERS = {"dense": nn.Linear, "sparse": SparseLinear, "bag": BagLinear}


class OurNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes, input="dense", dropout=0.0):
        super().__init__()
        self.input = input
        self.layer_1 = FIRST_LAYERS[input](input_size, hidden_size)
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
LAYERS = (("layer_1", "h1", "b1"), ("layer_2", "h2", "b2"), ("output_layer", "out", "out"))


def build_model(initial, device, input="dense", dropout=0.0):
    """OurNet on `device`, holding the shared initial (weights, biases) instead of its own init."""
    weights, biases = initial
    model = OurNet(weights["h1"].shape[0], weights["h1"].shape[1], weights["out"].shape[1], input, dropout)
    with torch.no_grad():
        for layer, w, b in LAYERS:
            module = getattr(model, layer)
            weight = weights[w].T if isinstance(module, nn.Linear) else weights[w]
            module.weight.copy_(torch.from_numpy(weight))
            module.bias.copy_(torch.from_numpy(biases[b]))
    return model.to(device)


def to_tensors(x, y, device):
    """A host batch from shared.batches.get_batch, copied to `device`: dense, sparse COO or Bag; y int64."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x).to(device)
    elif isinstance(x, Bag):
        x = Bag(*(torch.from_numpy(a).to(device) for a in x))
    else:
        indices = torch.from_numpy(np.vstack([x.row, x.col]).astype(np.int64))
        x = torch.sparse_coo_tensor(indices, torch.from_numpy(x.data), x.shape, is_coalesced=True,
                                    check_invariants=False).to(device)
    return x, torch.from_numpy(y).to(device)


def upload(features, labels, device):
    """A CSR matrix and its labels, copied to `device` once: (indptr, indices, data, labels, vocabulary size)."""
    return (torch.from_numpy(features.indptr.astype(np.int64)).to(device),
            torch.from_numpy(features.indices.astype(np.int64)).to(device),
            torch.from_numpy(features.data).to(device), torch.from_numpy(labels).to(device), features.shape[1])


def take(corpus, rows, input, padded_to=None):
    """The batch of posts `rows` in form `input`, sliced from an uploaded corpus on its own device.

    padded_to=(posts, entries): a bag with every step's shapes the same (what a CUDA graph replays):
    extra entries weigh 0, extra posts are masked out of the loss; returns (x, y, mask)."""
    indptr, indices, data, labels, vocab_size = corpus
    rows = torch.as_tensor(rows, device=indptr.device)
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    offsets = torch.cumsum(lengths, 0) - lengths
    entries = int(lengths.sum())  # one wait for the device: the next shapes depend on it
    post = torch.repeat_interleave(torch.arange(len(rows), device=rows.device), lengths, output_size=entries)
    at = torch.arange(entries, device=rows.device) - offsets[post] + starts[post]
    words, counts, y = indices[at], data[at], labels[rows]
    if input == "dense":
        x = torch.zeros(len(rows), vocab_size, device=rows.device).index_put_((post, words), counts)
    elif input == "sparse":
        x = torch.sparse_coo_tensor(torch.stack([post, words]), counts, (len(rows), vocab_size), is_coalesced=True,
                                    check_invariants=False)
    else:
        x = Bag(words, counts, offsets, post)
    if padded_to is None:
        return x, y
    extra_posts, extra_entries = padding(len(rows), entries, padded_to)
    x = Bag(F.pad(words, (0, extra_entries)), F.pad(counts, (0, extra_entries)),
            F.pad(offsets, (0, extra_posts), value=entries), F.pad(post, (0, extra_entries)))
    return x, F.pad(y, (0, extra_posts)), F.pad(torch.ones_like(y, dtype=counts.dtype), (0, extra_posts))


def forward(model, x, training=False):
    # PyTorch keeps the mode on the module (dropout on in train(), off in eval()).
    model.train(training)
    return model(x)


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


def variables(model):
    """The trainable tensors, in the order h1, b1, h2, b2, out, out."""
    return list(model.parameters())

"""Batches made where the model runs: the corpus copied to the device once, each batch sliced there."""

import numpy as np
import torch

from shared.batches import Bag


def upload(features, labels, device):
    """A CSR matrix and its labels, copied to `device` once: (indptr, indices, data, labels, vocabulary size)."""
    return (torch.from_numpy(features.indptr.astype(np.int64)).to(device),
            torch.from_numpy(features.indices.astype(np.int64)).to(device),
            torch.from_numpy(features.data).to(device), torch.from_numpy(labels).to(device), features.shape[1])


def take(corpus, rows, form):
    """The batch (x, y) of the posts at `rows` in `form`, sliced from an uploaded corpus on its own
    device: get_batch's arrays, made with the device's ops (shared/batches.py works one example through)."""
    indptr, indices, data, labels, vocab_size = corpus
    rows = torch.as_tensor(rows, device=indptr.device)
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    offsets = torch.cumsum(lengths, 0) - lengths  # where each post starts in the batch's entries
    entries = int(lengths.sum())  # one wait for the device: the next shapes depend on it
    post_of = torch.repeat_interleave(torch.arange(len(rows), device=rows.device), lengths, output_size=entries)
    at = torch.arange(entries, device=rows.device) - offsets[post_of] + starts[post_of]  # each entry's place in the corpus
    words, values, y = indices[at], data[at], labels[rows]
    if form == "dense":
        x = torch.zeros(len(rows), vocab_size, device=rows.device).index_put_((post_of, words), values)
    elif form == "sparse":
        x = torch.sparse_coo_tensor(torch.stack([post_of, words]), values, (len(rows), vocab_size), is_coalesced=True,
                                    check_invariants=False)
    else:
        x = Bag(words, values, offsets, post_of)
    return x, y

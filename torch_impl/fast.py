"""Making it fast in PyTorch: one padded batch shape for a run, the step that takes it, that step
captured whole as a CUDA graph, and the host-fed batches the benchmark keeps to show what feeding costs.

Not yet run on a GPU: the CUDA-graph capture is tested on the CPU for its plumbing only."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from shared.batches import Bag
from shared.errors import UserError
from shared.padding import padded_shape, padding
from torch_impl.data import take
from torch_impl.model import logits, variables


def pad(x, y, padded_to):
    """A bag batch padded to padded_to=(posts, entries), as a CUDA graph replays it: extra entries have
    value 0, extra posts are masked out of the loss; returns (x, y, mask)."""
    entries = len(x.words)
    extra_posts, extra_entries = padding(len(y), entries, padded_to)
    x = Bag(F.pad(x.words, (0, extra_entries)), F.pad(x.values, (0, extra_entries)),
            F.pad(x.offsets, (0, extra_posts), value=entries), F.pad(x.post_of, (0, extra_entries)))
    return x, F.pad(y, (0, extra_posts)), F.pad(torch.ones_like(y, dtype=x.values.dtype), (0, extra_posts))


def captured_feeder(train_set, batches):
    """build(rows) for batches.epoch: each bag sliced from the uploaded corpus and padded to the run's one shape."""
    shape = padded_shape(batches)
    return lambda rows: pad(*take(train_set, rows, batches.form), shape)


def masked_loss(model, x, y, mask):
    """The mean loss over the real posts of a padded batch: the same number compute_loss gives unpadded."""
    losses = nn.functional.cross_entropy(logits(model, x, training=True), y, reduction="none")
    return (losses * mask).sum() / mask.sum()


def padded_step(model, optimizer, x, y, mask):
    """train_step on a padded batch (the same shapes every step), as a CUDA graph replays it."""
    optimizer.zero_grad()
    loss = masked_loss(model, x, y, mask)
    loss.backward()
    optimizer.step()
    return loss.detach()


def captured_step(device):
    """The padded step, recorded as one CUDA graph: every kernel of a step replayed with one launch."""
    if device is None or torch.device(device).type != "cuda":
        raise UserError("--step captured: PyTorch captures a step as a CUDA graph, which needs a CUDA GPU")
    return captured(padded_step)


def _tensors_of(batch):
    return [t for item in batch for t in (item if isinstance(item, tuple) else (item,))]


def captured(step):
    """`step` recorded as one CUDA graph on its first call, then replayed with each batch copied in."""
    graph, inputs, loss = None, None, None

    def replay(model, optimizer, *batch):
        nonlocal graph, inputs, loss
        if graph is None:
            inputs = [t.clone() for t in _tensors_of(batch)]
            graph, loss = record(step, model, optimizer, batch)
        for static, t in zip(inputs, _tensors_of(batch)):
            static.copy_(t)
        graph.replay()
        return loss.clone()  # the next replay overwrites it

    def record(step, model, optimizer, batch):
        # capturable: Adam keeps its step count on the GPU, so the graph can replay the update. One warm-up
        # step on a side stream makes Adam's state and the library handles; then the weights and Adam's
        # state go back to where they were, so the first replay is step one.
        for group in optimizer.param_groups:
            group["capturable"] = True
        saved = [p.detach().clone() for p in variables(model)]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            step(model, optimizer, *_rebuild(batch, inputs))
        torch.cuda.current_stream().wait_stream(side)
        with torch.no_grad():
            for p, value in zip(variables(model), saved):
                p.copy_(value)
            for state in optimizer.state.values():
                for value in state.values():
                    value.zero_()
        optimizer.zero_grad(set_to_none=True)
        graph = torch.cuda.CUDAGraph()
        # "thread_local": TensorFlow's threads in the same process (compare, the benchmark) may call
        # into CUDA while this thread captures; the default global mode would let them break the capture.
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            static_loss = step(model, optimizer, *_rebuild(batch, inputs))
        return graph, static_loss

    return replay


def _rebuild(batch, flat):
    """`batch` with its tensors replaced, in order, by those of `flat`."""
    flat, out = iter(flat), []
    for item in batch:
        out.append(type(item)(*(next(flat) for _ in item)) if isinstance(item, tuple) else next(flat))
    return out


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

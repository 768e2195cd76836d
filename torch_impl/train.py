"""Training and evaluation in PyTorch: autograd, torch.optim.Adam, nn.CrossEntropyLoss."""

import numpy as np
import torch
from torch import nn

from shared.errors import UserError
from shared.progress import TrainingLog
from torch_impl.model import build_model, forward, parameters_as_numpy, take, upload, variables

loss_function = nn.CrossEntropyLoss()  # takes logits and class indices, averages over the batch


def make_optimizer(model, hp):
    # PyTorch adds ε after bias correction: step = lr · m̂ / (√v̂ + ε).
    # Keras adds its ε before (see tf_impl/train.py), so the same number means a different ε.
    # fused=True updates each tensor in one kernel; PyTorch's default on the CPU runs Adam as a
    # string of element-wise ops, each a pass over memory (55 ms a step instead of 3 here, for
    # the clean recipe's 2.9 M weights). TensorFlow's Adam runs inside the traced graph.
    # capturable=True keeps Adam's step count on the GPU, so a CUDA graph can replay the update.
    on_gpu = variables(model)[0].is_cuda
    return torch.optim.Adam(variables(model), lr=hp.lr, betas=(0.9, 0.999), eps=hp.adam_eps, fused=True,
                            capturable=on_gpu)


def compute_loss(model, x, y, training=False):
    return loss_function(forward(model, x, training), y)


def masked_loss(model, x, y, mask):
    """The mean loss over the real posts of a padded batch: the same number compute_loss gives unpadded."""
    losses = nn.functional.cross_entropy(forward(model, x, training=True), y, reduction="none")
    return (losses * mask).sum() / mask.sum()


def make_train_step(kind="standard", device=None):
    # PyTorch runs eagerly: each op executes as Python reaches it. torch.compile is the opt-in
    # graph: it traces the step on the first call and generates fused kernels for it. A CUDA graph
    # records every kernel of one padded step once and replays the lot with one launch.
    if kind == "compiled":
        return torch.compile(train_step)
    if kind == "captured":
        if device is None or torch.device(device).type != "cuda":
            raise UserError("--step captured: PyTorch captures a step as a CUDA graph, which needs a CUDA GPU")
        return captured(padded_step)
    return train_step


def train_step(model, optimizer, x, y):
    # Autograd records the forward pass as it runs, so backward() can walk it back.
    optimizer.zero_grad()
    loss = compute_loss(model, x, y, training=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def padded_step(model, optimizer, x, y, mask):
    """train_step on a padded batch (shared shapes every step), as a CUDA graph replays it."""
    optimizer.zero_grad()
    loss = masked_loss(model, x, y, mask)
    loss.backward()
    optimizer.step()
    return loss.detach()


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
        # One warm-up step on a side stream makes Adam's state and the library handles; then the
        # weights and Adam's state go back to where they were, so the first replay is step one.
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
        with torch.cuda.graph(graph):
            static_loss = step(model, optimizer, *_rebuild(batch, inputs))
        return graph, static_loss

    return replay


def _rebuild(batch, flat):
    """`batch` with its tensors replaced, in order, by those of `flat`."""
    flat, out = iter(flat), []
    for item in batch:
        out.append(type(item)(*(next(flat) for _ in item)) if isinstance(item, tuple) else next(flat))
    return out


def loss_and_gradients(model, x, y):
    """One forward and backward pass without an update: (loss, gradients as shared arrays)."""
    model.zero_grad()
    loss = compute_loss(model, x, y)
    loss.backward()
    return loss.item(), parameters_as_numpy(model, gradients=True)


def predict(model, x):
    with torch.no_grad():
        return forward(model, x).argmax(dim=1).cpu().numpy()


def evaluate(model, batches, device):
    test_set = upload(batches.features.test, batches.test_labels, device)
    predictions = [predict(model, take(test_set, rows, model.input)[0]) for rows in batches.test_rows()]
    return float(np.mean(np.concatenate(predictions) == batches.test_labels))


def train_epoch(model, optimizer, step, epoch_batches):
    """One pass over batches already on the device; the losses stay there until they are read."""
    return [step(model, optimizer, *batch) for batch in epoch_batches]


def feeder(batches, device, kind="standard"):
    """build(rows) for batches.epoch: each batch sliced on `device` from the corpus uploaded once."""
    train_set = upload(batches.features.train, batches.train_labels, device)
    padded_to = (batches.batch_size, batches.capacity) if kind == "captured" else None
    return lambda rows: take(train_set, rows, batches.form, padded_to)


def seed_randomness(seed):
    # Dropout's masks come from PyTorch's global generator.
    torch.manual_seed(seed)


def train(batches, initial, hp, device, quiet=False):
    """Train from `initial` on `batches`; returns the trained model and its TrainingLog."""
    seed_randomness(hp.seed)
    model = build_model(initial, device, hp.input, hp.dropout)
    optimizer = make_optimizer(model, hp)
    step = make_train_step(hp.step, device)
    build = feeder(batches, device, hp.step)
    log = TrainingLog("torch", hp.epochs, batches.steps_per_epoch, quiet)
    for epoch in range(hp.epochs):
        epoch_batches = batches.epoch(epoch, build)
        log.start_epoch()
        log.end_epoch(epoch, train_epoch(model, optimizer, step, epoch_batches))
    log.close()
    return model, log

"""Training and evaluation in PyTorch: autograd, torch.optim.Adam, nn.CrossEntropyLoss."""

import numpy as np
import torch
from torch import nn

from shared.progress import TrainingLog
from torch_impl.model import build_model, forward, parameters_as_numpy, to_tensors, variables

loss_function = nn.CrossEntropyLoss()  # takes logits and class indices, averages over the batch


def make_optimizer(model, hp):
    # PyTorch adds ε after bias correction: step = lr · m̂ / (√v̂ + ε).
    # Keras adds its ε before (see tf_impl/train.py), so the same number means a different ε.
    return torch.optim.Adam(variables(model), lr=hp.lr, betas=(0.9, 0.999), eps=hp.adam_eps)


def compute_loss(model, x, y):
    return loss_function(forward(model, x), y)


def train_step(model, optimizer, x, y):
    # Every op runs as Python reaches it, and autograd records it for backward().
    optimizer.zero_grad()
    loss = compute_loss(model, x, y)
    loss.backward()
    optimizer.step()
    return loss.detach()


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
    predictions = [predict(model, to_tensors(x, y, device)[0]) for x, y in batches.test()]
    return float(np.mean(np.concatenate(predictions) == batches.test_labels))


def train(batches, initial, hp, device, quiet=False):
    """Train from `initial` on `batches`; returns the trained model and its TrainingLog."""
    model = build_model(initial, device)
    optimizer = make_optimizer(model, hp)
    step = train_step  # eager: nothing to trace (torch.compile would be the opt-in graph)
    log = TrainingLog("torch", hp.epochs, batches.steps_per_epoch, quiet)
    for epoch in range(hp.epochs):
        epoch_batches = batches.epoch(epoch)
        log.start_epoch()
        losses = []
        for x, y in epoch_batches:
            losses.append(step(model, optimizer, *to_tensors(x, y, device)))
            log.step()
        log.end_epoch(epoch, losses)
    log.close()
    return model, log

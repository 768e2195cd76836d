"""Training and evaluation in PyTorch: autograd, torch.optim.Adam, nn.CrossEntropyLoss."""

import numpy as np
import torch
from torch import nn

from shared.progress import TrainingLog
from torch_impl.data import take, upload
from torch_impl.fast import captured_feeder, captured_step
from torch_impl.model import build_model, logits, variables

loss_function = nn.CrossEntropyLoss()  # takes logits and class indices, averages over the batch


def make_optimizer(model, hp):
    # PyTorch adds ε after bias correction: step = lr · m̂ / (√v̂ + ε).
    # Keras adds its ε before (see tf_impl/train.py), so the same number means a different ε.
    # fused=True updates each tensor in one kernel; PyTorch's default on the CPU runs Adam as a
    # string of element-wise ops, each a pass over all the weights. So does Keras' Adam; TensorFlow's
    # own fused kernel is tf_impl/fast.py's FusedAdam.
    return torch.optim.Adam(variables(model), lr=hp.lr, betas=(0.9, 0.999), eps=hp.adam_eps, fused=True)


def compute_loss(model, x, y, training=False):
    return loss_function(logits(model, x, training), y)


def train_step(model, optimizer, x, y):
    # Autograd records the forward pass as it runs, so backward() can walk it back.
    optimizer.zero_grad()
    loss = compute_loss(model, x, y, training=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def train_epoch(model, optimizer, step, epoch_batches):
    """One pass over batches already on the device; the losses stay there until they are read."""
    return [step(model, optimizer, *batch) for batch in epoch_batches]


def seed_randomness(seed):
    # Dropout's masks come from PyTorch's global generator.
    torch.manual_seed(seed)


def train(batches, initial, hp, device, quiet=False):
    """Train from `initial` on `batches`; returns the trained model and its TrainingLog."""
    seed_randomness(hp.seed)
    model = build_model(initial, device, hp.form, hp.dropout)
    optimizer = make_optimizer(model, hp)
    step = make_train_step(hp.step, device)
    build = feeder(batches, device, hp.step)
    log = TrainingLog("torch", hp.epochs, batches.steps_per_epoch, quiet)
    for epoch, epoch_batches in enumerate(batches.every_epoch(build)):
        log.start_epoch()
        log.end_epoch(epoch, train_epoch(model, optimizer, step, epoch_batches))
    log.close()
    return model, log


def feeder(batches, device, kind="standard"):
    """build(rows) for batches.epoch: each batch sliced on `device` from the training posts, copied there once."""
    train_set = upload(batches.features.train, batches.train_labels, device)
    if kind == "captured":
        return captured_feeder(train_set, batches)  # fast.py: every batch of the run in one shape
    return lambda rows: take(train_set, rows, batches.form)


def predicted_classes(model, x):
    # inference_mode: no autograd recording and no version counters; TensorFlow records nothing outside a tape.
    with torch.inference_mode():
        return logits(model, x).argmax(dim=1)


def predict(model, x):
    return predicted_classes(model, x).cpu().numpy()


def evaluate(model, batches, device):
    test_set = upload(batches.features.test, batches.test_labels, device)
    predictions = [predict(model, take(test_set, rows, model.form)[0]) for rows in batches.test_rows()]
    return float(np.mean(np.concatenate(predictions) == batches.test_labels))


def make_train_step(kind="standard", device=None):
    # PyTorch runs eagerly: each op executes as Python reaches it. torch.compile is the opt-in
    # graph: it traces the step on the first call and generates fused kernels for it. The captured
    # step (fast.py) records a whole step once and replays it.
    if kind == "compiled":
        return torch.compile(train_step)
    if kind == "captured":
        return captured_step(device)
    return train_step

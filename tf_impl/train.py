"""Training and evaluation in TensorFlow 2: tf.GradientTape, tf.function, Keras' Adam,
tf.nn.sparse_softmax_cross_entropy_with_logits."""

import numpy as np
import tensorflow as tf

from shared.progress import TrainingLog
from tf_impl.model import build_model, forward, parameters_as_numpy, to_tensors, variables


def loss_function(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def make_optimizer(model, hp):
    # Keras adds ε before bias correction ("ε-hat" in the Adam paper):
    #   step = lr · √(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε̂),
    # which is PyTorch's lr · m̂ / (√v̂ + ε) with ε = ε̂ / √(1-β₂ᵗ). With the same number, Keras'
    # ε is ~32× larger at step 1 and shrinks to PyTorch's over a few thousand steps: small
    # gradients take smaller early steps in TensorFlow. The TF 1 tutorial's AdamOptimizer did the same.
    optimizer = tf.keras.optimizers.Adam(learning_rate=hp.lr, beta_1=0.9, beta_2=0.999, epsilon=hp.adam_eps)
    optimizer.build(variables(model))  # make its slots now, outside any traced function
    return optimizer


def compute_loss(model, x, y):
    return loss_function(forward(model, x), y)


def make_train_step(compiled=False):
    # TensorFlow 2 runs eagerly too, but tf.function traces the step into a graph on its first
    # call (and again for a new input signature); jit_compile=True also compiles it with XLA.
    return tf.function(train_step, reduce_retracing=True, jit_compile=compiled)


def train_step(model, optimizer, x, y):
    # The tape records the forward pass so tape.gradient can walk it back.
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x, y)
    gradients = tape.gradient(loss, variables(model))
    optimizer.apply_gradients(zip(gradients, variables(model)))
    return loss


def loss_and_gradients(model, x, y):
    """One forward and backward pass without an update: (loss, gradients as shared arrays)."""
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x, y)
    return float(loss), parameters_as_numpy(model, gradients=tape.gradient(loss, variables(model)))


def predict(model, x):
    return tf.argmax(forward(model, x), axis=1).numpy()


def evaluate(model, batches, device):
    predictions = [predict(model, to_tensors(x, y, device)[0]) for x, y in batches.test()]
    return float(np.mean(np.concatenate(predictions) == batches.test_labels))


def train_epoch(model, optimizer, step, epoch_batches, device):
    """One pass over ready-made batches; the losses stay on the device until they are read."""
    return [step(model, optimizer, *to_tensors(x, y, device)) for x, y in epoch_batches]


def train(batches, initial, hp, device, quiet=False, compiled=False):
    """Train from `initial` on `batches`; returns the trained model and its TrainingLog."""
    model = build_model(initial, device)
    optimizer = make_optimizer(model, hp)
    step = make_train_step(compiled)
    log = TrainingLog("tf", hp.epochs, batches.steps_per_epoch, quiet)
    for epoch in range(hp.epochs):
        epoch_batches = batches.epoch(epoch)
        log.start_epoch()
        log.end_epoch(epoch, train_epoch(model, optimizer, step, epoch_batches, device))
    log.close()
    return model, log

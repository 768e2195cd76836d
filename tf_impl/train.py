"""Training and evaluation in TensorFlow 2: tf.GradientTape, tf.function, Keras' Adam,
tf.nn.sparse_softmax_cross_entropy_with_logits."""

import numpy as np
import tensorflow as tf

from shared.progress import TrainingLog
from tf_impl.data import take, upload
from tf_impl.fast import FusedAdam, captured_feeder, captured_step, predicted_bag, without_replica_sum
from tf_impl.model import build_model, logits, variables


def loss_function(outputs, labels):
    # Takes logits and class indices, as nn.CrossEntropyLoss does; its mean over the batch is written out.
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=outputs))


def make_optimizer(model, hp):
    # Keras adds ε before bias correction ("ε-hat" in the Adam paper):
    #   step = lr · √(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε̂),
    # which is PyTorch's lr · m̂ / (√v̂ + ε) with ε = ε̂ / √(1-β₂ᵗ). With the same number, Keras'
    # ε is ~32× larger at step 1 and shrinks to PyTorch's over a few thousand steps: small
    # gradients take smaller early steps in TensorFlow. The TF 1 tutorial's AdamOptimizer did the same.
    if hp.step == "fused":
        return FusedAdam(variables(model), hp)  # the same update, one kernel per tensor: fast.py
    optimizer = tf.keras.optimizers.Adam(learning_rate=hp.lr, beta_1=0.9, beta_2=0.999, epsilon=hp.adam_eps)
    optimizer.build(variables(model))  # make its slots now, outside any traced function
    return without_replica_sum(optimizer)  # a memory fix, not maths: tf_impl/fast.py says why


def compute_loss(model, x, y, training=False):
    return loss_function(logits(model, x, training), y)


def train_step(model, optimizer, x, y):
    # The tape records the forward pass so tape.gradient can walk it back.
    with tf.GradientTape() as tape:
        loss = compute_loss(model, x, y, training=True)
    # A bag's gradient (tf.gather's) is a tf.IndexedSlices with one row per word *occurrence*: a word
    # in two posts comes twice. Keras 3's Adam squares those rows before adding the duplicates up, so
    # its second moment would get Σg² instead of (Σg)². Made dense first, every form takes the same step.
    gradients = [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables(model))]
    optimizer.apply_gradients(zip(gradients, variables(model)))
    return loss


def train_epoch(model, optimizer, step, epoch_batches):
    """One pass over batches already on the device; the losses stay there until they are read."""
    # TensorFlow may place an op on a GPU when one is there, whatever its inputs; PyTorch runs an op where
    # its tensors are. The scope keeps every op on the model's device.
    with tf.device(variables(model)[0].device):
        return [step(model, optimizer, *batch) for batch in epoch_batches]


def seed_randomness(seed):
    # Dropout's masks come from op seeds TensorFlow derives from its global seed.
    tf.random.set_seed(seed)


def train(batches, initial, hp, device, quiet=False):
    """Train from `initial` on `batches`; returns the trained model and its TrainingLog."""
    seed_randomness(hp.seed)
    model = build_model(initial, device, hp.form, hp.dropout)
    optimizer = make_optimizer(model, hp)
    step = make_train_step(hp.step, device)
    build = feeder(batches, device, hp.step)
    log = TrainingLog("tf", hp.epochs, batches.steps_per_epoch, quiet)
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


@tf.function(reduce_retracing=True)
def predicted_classes(model, x):
    # Traced like the step: run eagerly, each op of the forward pass would be dispatched from Python.
    return tf.argmax(logits(model, x), axis=1)


def predict(model, x):
    with tf.device(variables(model)[0].device):  # as in train_epoch
        return predicted_classes(model, x).numpy()


def evaluate(model, batches, device):
    test_set = upload(batches.features.test, batches.test_labels, device)
    if model.form == "bag":  # slicing and forward pass as one XLA program: op by op, slicing is most of the time
        predictions = [predicted_bag(model, test_set, batches.features.test, rows) for rows in batches.test_rows()]
    else:
        predictions = [predict(model, take(test_set, rows, model.form)[0]) for rows in batches.test_rows()]
    return float(np.mean(np.concatenate(predictions) == batches.test_labels))


def make_train_step(kind="standard", device=None):
    # TensorFlow 2 runs eagerly too, but tf.function traces the step into a graph on its first call
    # (and again for a new input signature); jit_compile=True also compiles it with XLA. The captured
    # step (fast.py) is compiled once for the whole run.
    if kind == "captured":
        return captured_step(device)
    return tf.function(train_step, reduce_retracing=True, jit_compile=kind == "compiled")

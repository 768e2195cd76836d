"""The network in TensorFlow: explicit weight and bias dicts, as the TensorFlow tutorial's
multilayer_perceptron(input_tensor, weights, biases)."""

import numpy as np
import tensorflow as tf


def multilayer_perceptron(input_tensor, weights, biases):
    if isinstance(input_tensor, tf.SparseTensor):
        # tf.matmul takes dense tensors only; a sparse batch goes through tf.sparse,
        # whose gradient for the weight is still dense.
        layer_1 = tf.sparse.sparse_dense_matmul(input_tensor, weights["h1"])
    else:
        layer_1 = tf.matmul(input_tensor, weights["h1"])
    layer_1 = tf.add(layer_1, biases["b1"])
    layer_1 = tf.nn.relu(layer_1)
    layer_2 = tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"])
    layer_2 = tf.nn.relu(layer_2)
    return tf.matmul(layer_2, weights["out"]) + biases["out"]


# The shared arrays are laid out for x @ W (in, out), which is what tf.matmul takes.
LAYERS = (("h1", "b1"), ("h2", "b2"), ("out", "out"))


def build_model(initial, device):
    """(weights, biases) dicts of tf.Variable on `device`, holding the shared initial arrays."""
    initial_weights, initial_biases = initial
    with tf.device(device):
        weights = {name: tf.Variable(array, name=f"w_{name}") for name, array in initial_weights.items()}
        biases = {name: tf.Variable(array, name=f"b_{name}") for name, array in initial_biases.items()}
    return weights, biases


def to_tensors(x, y, device):
    """A batch from shared.batches.get_batch as tensors on `device`: x dense or tf.SparseTensor, y int64."""
    with tf.device(device):
        if isinstance(x, np.ndarray):
            x = tf.convert_to_tensor(x)
        else:
            indices = np.column_stack([x.row, x.col]).astype(np.int64)
            x = tf.SparseTensor(indices, x.data, x.shape)
        return x, tf.convert_to_tensor(y)


def forward(model, x):
    return multilayer_perceptron(x, *model)


def parameters_as_numpy(model, gradients=None):
    """The parameters (or `gradients`, as tape.gradient(loss, variables(model)) gives them), named as the shared arrays."""
    arrays = iter(gradients if gradients is not None else variables(model))
    weights, biases = {}, {}
    for w, b in LAYERS:
        weights[w] = np.asarray(next(arrays))
        biases[b] = np.asarray(next(arrays))
    return weights, biases


def variables(model):
    weights, biases = model
    return [v for w, b in LAYERS for v in (weights[w], biases[b])]

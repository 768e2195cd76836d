"""The network in TensorFlow: explicit weight and bias dicts, as the TensorFlow tutorial's
multilayer_perceptron(input_tensor, weights, biases)."""

from typing import NamedTuple

import tensorflow as tf

from shared.weights import LAYERS


def sparse_layer(x, weight):
    # tf.matmul takes dense tensors only; a sparse batch goes through tf.sparse.
    return tf.sparse.sparse_dense_matmul(x, weight)


def bag_layer(bag, weight):
    # The same sum read as an embedding bag: gather the weight rows of the words, scale each by the
    # word's value in the post, add them up per post. TensorFlow's own API for it,
    # tf.nn.embedding_lookup_sparse(..., combiner="sum"), is a little faster traced but XLA cannot compile
    # it (LESSONS §5), so it is written out; the segment sum takes each entry's post where PyTorch's
    # embedding_bag takes offsets. How many posts there are comes from offsets' length.
    vectors = tf.gather(weight, bag.words) * bag.values[:, None]
    return tf.math.unsorted_segment_sum(vectors, bag.post_of, num_segments=tf.shape(bag.offsets)[0])


FIRST_LAYERS = {"dense": tf.matmul, "sparse": sparse_layer, "bag": bag_layer}


def multilayer_perceptron(input_tensor, weights, biases, first_layer=tf.matmul, dropout=0.0, training=False):
    layer_1 = tf.add(first_layer(input_tensor, weights["h1"]), biases["b1"])
    layer_1 = tf.nn.relu(layer_1)
    if dropout and training:
        # tf.nn.dropout draws from TensorFlow's global seed and the op's own counter.
        layer_1 = tf.nn.dropout(layer_1, rate=dropout)
    layer_2 = tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"])
    layer_2 = tf.nn.relu(layer_2)
    if dropout and training:
        layer_2 = tf.nn.dropout(layer_2, rate=dropout)
    return tf.matmul(layer_2, weights["out"]) + biases["b_out"]


class Model(NamedTuple):
    """All that OurNet holds in PyTorch: the weights and biases (dicts of tf.Variable), the input form and the
    dropout rate. A tuple of them, so tf.function reads the variables inside it as it reads a tuple's."""
    weights: dict
    biases: dict
    form: str
    dropout: float


def build_model(initial, device, form="dense", dropout=0.0):
    """The Model on `device`, its variables holding the shared initial arrays."""
    initial_weights, initial_biases = initial
    with tf.device(device):
        weights = {name: tf.Variable(array, name=f"w_{name}") for name, array in initial_weights.items()}
        biases = {name: tf.Variable(array, name=f"b_{name}") for name, array in initial_biases.items()}
    return Model(weights, biases, form, dropout)


def load_weights(model, initial):
    """The shared (weights, biases) assigned to the model's variables, in place."""
    # The shared arrays are laid out for x @ W (in, out), which is what tf.matmul takes: no transposes.
    for variables_, arrays in ((model.weights, initial[0]), (model.biases, initial[1])):
        for name, array in arrays.items():
            variables_[name].assign(array)
    return model


def logits(model, x, training=False):
    # TensorFlow passes the mode to each call; PyTorch keeps it on the module.
    return multilayer_perceptron(x, model.weights, model.biases, FIRST_LAYERS[model.form], model.dropout, training)


def variables(model):
    return [v for w, b in LAYERS for v in (model.weights[w], model.biases[b])]

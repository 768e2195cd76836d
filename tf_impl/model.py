"""The network in TensorFlow: explicit weight and bias dicts, as the TensorFlow tutorial's
multilayer_perceptron(input_tensor, weights, biases)."""

import numpy as np
import tensorflow as tf

from shared.batches import Bag, padding


def sparse_layer(x, weight):
    # tf.matmul takes dense tensors only; a sparse batch goes through tf.sparse.
    return tf.sparse.sparse_dense_matmul(x, weight)


def bag_layer(bag, weight):
    # The same sum read as an embedding bag: gather the weight rows of the words, scale each by its
    # count, add them up per post. TensorFlow has no fused embedding-bag op that XLA compiles, so it
    # is written out; the segment sum takes row ids where PyTorch's embedding_bag takes offsets.
    rows = tf.gather(weight, bag.ids) * bag.weights[:, None]
    return tf.math.unsorted_segment_sum(rows, bag.rows, num_segments=tf.shape(bag.offsets)[0])


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
    return tf.matmul(layer_2, weights["out"]) + biases["out"]


# The shared arrays are laid out for x @ W (in, out), which is what tf.matmul takes.
LAYERS = (("h1", "b1"), ("h2", "b2"), ("out", "out"))


def build_model(initial, device, input="dense", dropout=0.0):
    """(weights, biases, input, dropout): dicts of tf.Variable on `device` holding the shared initial arrays,
    the first layer's form and the dropout rate, all that OurNet holds in PyTorch."""
    initial_weights, initial_biases = initial
    with tf.device(device):
        weights = {name: tf.Variable(array, name=f"w_{name}") for name, array in initial_weights.items()}
        biases = {name: tf.Variable(array, name=f"b_{name}") for name, array in initial_biases.items()}
    return weights, biases, input, dropout


def to_tensors(x, y, device):
    """A host batch from shared.batches.get_batch, copied to `device`: dense, tf.SparseTensor or Bag; y int64."""
    with tf.device(device):
        if isinstance(x, np.ndarray):
            x = tf.convert_to_tensor(x)
        elif isinstance(x, Bag):
            x = Bag(*(tf.convert_to_tensor(a) for a in x))
        else:
            indices = np.column_stack([x.row, x.col]).astype(np.int64)
            x = tf.SparseTensor(indices, x.data, x.shape)
        return x, tf.convert_to_tensor(y)


def upload(features, labels, device):
    """A CSR matrix and its labels, copied to `device` once: (indptr, indices, data, labels, vocabulary size)."""
    with tf.device(device):
        return (tf.constant(features.indptr.astype(np.int64)), tf.constant(features.indices.astype(np.int64)),
                tf.constant(features.data), tf.constant(labels), features.shape[1])


def take(corpus, rows, input, padded_to=None):
    """The batch of posts `rows` in form `input`, sliced from an uploaded corpus on its own device.

    padded_to=(posts, entries): a bag with every step's shapes the same (what XLA compiles once):
    extra entries weigh 0, extra posts are masked out of the loss; returns (x, y, mask)."""
    indptr, indices, data, labels, vocab_size = corpus
    with tf.device(indptr.device):
        rows = tf.constant(rows, dtype=tf.int64)
        starts = tf.gather(indptr, rows)
        lengths = tf.gather(indptr, rows + 1) - starts
        offsets = tf.cumsum(lengths, exclusive=True)
        entries = int(tf.reduce_sum(lengths))
        post = tf.repeat(tf.range(len(rows), dtype=tf.int64), lengths)
        at = tf.range(entries, dtype=tf.int64) - tf.gather(offsets, post) + tf.gather(starts, post)
        words, counts, y = tf.gather(indices, at), tf.gather(data, at), tf.gather(labels, rows)
        if input == "dense":
            x = tf.scatter_nd(tf.stack([post, words], axis=1), counts, (len(rows), vocab_size))
        elif input == "sparse":
            x = tf.SparseTensor(tf.stack([post, words], axis=1), counts, (len(rows), vocab_size))
        else:
            x = Bag(words, counts, offsets, post)
        if padded_to is None:
            return x, y
        extra_posts, extra_entries = padding(len(rows), entries, padded_to)
        x = Bag(tf.pad(words, [[0, extra_entries]]), tf.pad(counts, [[0, extra_entries]]),
                tf.pad(offsets, [[0, extra_posts]], constant_values=entries), tf.pad(post, [[0, extra_entries]]))
        return x, tf.pad(y, [[0, extra_posts]]), tf.pad(tf.ones_like(y, dtype=counts.dtype), [[0, extra_posts]])


def forward(model, x, training=False):
    # TensorFlow passes the mode to each call; PyTorch keeps it on the module.
    weights, biases, input, dropout = model
    return multilayer_perceptron(x, weights, biases, FIRST_LAYERS[input], dropout, training)


def parameters_as_numpy(model, gradients=None):
    """The parameters (or `gradients`, as tape.gradient(loss, variables(model)) gives them), named as the shared arrays."""
    arrays = iter(gradients if gradients is not None else variables(model))
    weights, biases = {}, {}
    for w, b in LAYERS:
        weights[w] = np.asarray(tf.convert_to_tensor(next(arrays)))
        biases[b] = np.asarray(next(arrays))
    return weights, biases


def variables(model):
    weights, biases, _, _ = model
    return [v for w, b in LAYERS for v in (weights[w], biases[b])]

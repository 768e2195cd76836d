"""Batches made where the model runs: the corpus copied to the device once, each batch sliced there."""

import numpy as np
import tensorflow as tf

from shared.batches import Bag


def upload(features, labels, device):
    """A CSR matrix and its labels, copied to `device` once: (indptr, indices, data, labels, vocabulary size)."""
    with tf.device(device):
        return (tf.constant(features.indptr.astype(np.int64)), tf.constant(features.indices.astype(np.int64)),
                tf.constant(features.data), tf.constant(labels), features.shape[1])


def take(corpus, rows, form, entries=None):
    """The batch (x, y) of the posts at `rows` in `form`, sliced from an uploaded corpus on its own
    device: get_batch's arrays, made with the device's ops (shared/batches.py works one example through).
    `entries`, the batch's number of word entries, where the caller already knows it (fast.py's compiled
    forms must give it: XLA needs every shape before it runs)."""
    indptr, indices, data, labels, vocab_size = corpus
    with tf.device(indptr.device):
        rows = tf.convert_to_tensor(rows, dtype=tf.int64)
        starts = tf.gather(indptr, rows)
        lengths = tf.gather(indptr, rows + 1) - starts
        offsets = tf.cumsum(lengths, exclusive=True)  # where each post starts in the batch's entries
        entries = int(tf.reduce_sum(lengths)) if entries is None else entries
        # Each entry's post: how many posts start at or before it, less one (an empty post starts where the
        # next does; one at the end, at `entries`). PyTorch repeats each post's number `length` times;
        # tf.repeat would do that through a posts × longest-post mask (slower than this running count), and
        # fails under XLA.
        starting = tf.tensor_scatter_nd_add(tf.zeros(entries + 1, tf.int64), offsets[:, None], tf.ones_like(offsets))
        post_of = tf.cumsum(starting)[:-1] - 1
        at = tf.range(entries, dtype=tf.int64) - tf.gather(offsets, post_of) + tf.gather(starts, post_of)  # each entry's place in the corpus
        words, values, y = tf.gather(indices, at), tf.gather(data, at), tf.gather(labels, rows)
        if form == "dense":
            x = tf.scatter_nd(tf.stack([post_of, words], axis=1), values, (len(rows), vocab_size))
        elif form == "sparse":
            x = tf.SparseTensor(tf.stack([post_of, words], axis=1), values, (len(rows), vocab_size))
        else:
            x = Bag(words, values, offsets, post_of)
        return x, y

"""Making it fast in TensorFlow: one padded batch shape for a run, the step that takes it, that step
compiled once by XLA, a bag's prediction compiled whole, and the host-fed batches the benchmark keeps to
show what feeding costs."""

import numpy as np
import tensorflow as tf

from shared.batches import Bag
from shared.fast import padded_shape, padding
from tf_impl.data import take
from tf_impl.model import forward, variables


def pad(x, y, padded_to):
    """A bag batch padded to padded_to=(posts, entries), as XLA compiles it once: extra entries have
    value 0, extra posts are masked out of the loss; returns (x, y, mask)."""
    with tf.device(x.words.device):
        entries = len(x.words)
        extra_posts, extra_entries = padding(len(y), entries, padded_to)
        x = Bag(tf.pad(x.words, [[0, extra_entries]]), tf.pad(x.values, [[0, extra_entries]]),
                tf.pad(x.offsets, [[0, extra_posts]], constant_values=entries), tf.pad(x.posts, [[0, extra_entries]]))
        return x, tf.pad(y, [[0, extra_posts]]), tf.pad(tf.ones_like(y, dtype=x.values.dtype), [[0, extra_posts]])


def captured_feeder(train_set, batches):
    """build(rows) for batches.epoch: each bag sliced from the uploaded corpus and padded to the run's one
    shape, in one compiled program (two: a full batch and the short last one)."""
    shape = padded_shape(batches)
    lengths = np.diff(batches.features.train.indptr)

    def build(rows):
        entries = int(lengths[rows].sum())  # from the host's copy: no wait for the device
        # Never cut short: checked here, since inside the program entries past the room would be dropped silently.
        padding(len(rows), entries, shape)
        with tf.device(train_set[0].device):
            return padded_take(train_set, rows, tf.constant(entries, tf.int64), shape)
    return build


@tf.function(jit_compile=True)
def padded_take(corpus, rows, entries, padded_to):
    # Op by op, slicing and padding a bag is about thirty ops, each dispatched from Python: 3.8 ms a
    # batch, a quarter of a 3-group training, where PyTorch's eager slicing takes 0.4 ms. As one XLA
    # program, 1.1 ms (LESSONS §4).
    # XLA wants the padded size of the entries up front, so take makes room for the run's fullest batch;
    # the entries past this batch's own read on into the posts after its last one in the corpus (past the
    # corpus' end, XLA's gather clamps), and are zeroed as pad would zero them.
    x, y = take(corpus, rows, "bag", padded_to[1])
    own = tf.range(padded_to[1], dtype=tf.int64) < entries
    x = x._replace(words=tf.where(own, x.words, 0), values=tf.where(own, x.values, 0.0),
                   posts=tf.where(own, x.posts, 0))
    x, y, mask = pad(x, y, padded_to)
    return x._replace(offsets=tf.minimum(x.offsets, entries)), y, mask  # extra posts start at the end, as pad's


def masked_loss(model, x, y, mask):
    """The mean loss over the real posts of a padded batch: the same number compute_loss gives unpadded."""
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=forward(model, x, training=True))
    return tf.reduce_sum(losses * mask) / tf.reduce_sum(mask)


def padded_step(model, optimizer, x, y, mask):
    """train_step on a padded batch (the same shapes every step), as XLA compiles it."""
    with tf.GradientTape() as tape:
        loss = masked_loss(model, x, y, mask)
    gradients = [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables(model))]  # as in train_step
    optimizer.apply_gradients(zip(gradients, variables(model)))
    return loss


def captured_step(device):
    # XLA needs the same shapes every step to compile once: the padded step, compiled whole. PyTorch's
    # captured step is a CUDA graph instead, which needs a helper to record and replay it.
    return tf.function(padded_step, jit_compile=True)


@tf.function(jit_compile=True)
def compiled_classes(model, corpus, rows, entries):
    # TensorFlow slices a bag and runs its gather, scaling and segment sum as a dozen kernels, each writing
    # its result out (the gathered rows alone are entries × 100 floats), where PyTorch's take and
    # embedding_bag are a few fused ones. XLA makes the whole prediction one program, 3× faster than
    # traced after a first call that compiles it (LESSONS §4 has the figures).
    x, _ = take(corpus, rows, "bag", entries)
    return tf.argmax(forward(model, x), axis=1)


def predicted_bag(model, corpus, features, rows):
    """predict's classes for the bag of the posts at `rows`, sliced from `corpus` (`features` uploaded) and
    predicted in one compiled program; one program per number of entries, so one for a test split."""
    entries = int(np.diff(features.indptr)[rows].sum())  # from the host's copy: no wait for the device
    with tf.device(variables(model)[0].device):
        return compiled_classes(model, corpus, rows, entries).numpy()


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

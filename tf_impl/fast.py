"""Making it fast in TensorFlow: one padded batch shape for a run, the step that slices its batch and trains on it,
compiled once by XLA, a bag's prediction compiled whole, Adam in one kernel per tensor, and the host-fed batches the
benchmark keeps to show what feeding costs."""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from shared.batches import Bag
from shared.errors import UserError
from shared.padding import padded_shape, padding
from tf_impl.data import take
from tf_impl.model import logits, variables


def without_replica_sum(optimizer):
    """Keras' optimizer, told to skip its sum of the gradients over a distribution strategy's replicas (PyTorch's
    has none): on one device the sum is the gradients themselves, so the update is the same (the parity tests),
    but traced by tf.function that all-reduce keeps every run's weights and Adam moments alive until the
    process ends, 144 MB a tutorial run (LESSONS §4; tests/test_allocator.py). The method is private Keras:
    a version without it is refused in one line, not trained with the leak."""
    import keras
    if not callable(getattr(optimizer, "_all_reduce_sum_gradients", None)):
        raise UserError(f"Keras {keras.__version__}'s optimizer has no _all_reduce_sum_gradients, which this "
                        f"project replaces (tf_impl/fast.py: without_replica_sum); install the keras version "
                        f"in constraints.txt")
    optimizer._all_reduce_sum_gradients = list
    return optimizer


def pad(x, y, padded_to):
    """A bag batch padded to padded_to=(posts, entries), the one shape the captured step is compiled for: extra
    entries have value 0, extra posts are masked out of the loss; returns (x, y, mask). Op by op, as PyTorch
    pads; the captured step makes the same batch inside its program (padded_take), tested against this."""
    with tf.device(x.words.device):
        entries = len(x.words)
        extra_posts, extra_entries = padding(len(y), entries, padded_to)
        x = Bag(tf.pad(x.words, [[0, extra_entries]]), tf.pad(x.values, [[0, extra_entries]]),
                tf.pad(x.offsets, [[0, extra_posts]], constant_values=entries), tf.pad(x.post_of, [[0, extra_entries]]))
        return x, tf.pad(y, [[0, extra_posts]]), tf.pad(tf.ones_like(y, dtype=x.values.dtype), [[0, extra_posts]])


class Rows(NamedTuple):
    """What the captured step slices its batch from: the uploaded corpus, the posts' rows (padded to a full batch),
    how many of them are real posts, their number of word entries (counted on the host) and the run's padded shape."""
    corpus: tuple
    rows: tf.Tensor
    real_posts: tf.Tensor
    entries: tf.Tensor
    padded_to: tuple


def captured_feeder(train_set, batches):
    """build(rows) for batches.epoch: the Rows the captured step slices and pads its batch from, in the run's one
    shape; checked here, since inside the program entries past the room would be dropped silently. Unlike
    PyTorch's, it hands over the rows, not the batch: TensorFlow's slicing costs most dispatched op by op, so
    it runs inside the step's XLA program."""
    shape = padded_shape(batches)
    lengths = np.diff(batches.features.train.indptr)

    def build(rows):
        entries = int(lengths[rows].sum())  # from the host's copy: no wait for the device
        padding(len(rows), entries, shape)  # never cut short
        # one past the last post: XLA's gather reads it as an empty post, so a short batch keeps the full shape
        full = np.pad(rows, (0, shape[0] - len(rows)), constant_values=len(lengths))
        with tf.device(train_set[0].device):
            return Rows(train_set, tf.constant(full, tf.int64), tf.constant(len(rows), tf.int64),
                        tf.constant(entries, tf.int64), shape)
    return build


@tf.function(jit_compile=True)
def padded_take(corpus, rows, real_posts, entries, padded_to):
    """The bag pad(take(...)) gives for the first `real_posts` of `rows` (`entries` word entries), as XLA compiles it:
    the same arrays from `rows` padded to padded_to[0] with rows past the corpus' last post."""
    # XLA compiles a program per shape, so every batch comes in one: padded_to[0] rows and room for the run's
    # fullest batch's entries. Its gather clamps what it reads past the corpus: a row past the last post reads
    # as an empty post, and the entries past the batch's own read on into the posts after its last one; those
    # entries and extra posts are zeroed as pad zeroes them.
    x, y = take(corpus, rows, "bag", padded_to[1])
    own = tf.range(padded_to[1], dtype=tf.int64) < entries
    real = tf.range(padded_to[0], dtype=tf.int64) < real_posts
    x = x._replace(words=tf.where(own, x.words, 0), values=tf.where(own, x.values, 0.0),
                   post_of=tf.where(own, x.post_of, 0))
    return x, tf.where(real, y, 0), tf.cast(real, x.values.dtype)


def masked_loss(model, x, y, mask):
    """The mean loss over the real posts of a padded batch: the same number compute_loss gives unpadded."""
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits(model, x, training=True))
    return tf.reduce_sum(losses * mask) / tf.reduce_sum(mask)


def padded_step(model, optimizer, x, y, mask):
    """train_step on a padded batch (the same shapes every step), as XLA compiles it."""
    with tf.GradientTape() as tape:
        loss = masked_loss(model, x, y, mask)
    gradients = [tf.convert_to_tensor(g) for g in tape.gradient(loss, variables(model))]  # as in train_step
    optimizer.apply_gradients(zip(gradients, variables(model)))
    return loss


def sliced_step(model, optimizer, corpus, rows, real_posts, entries, padded_to):
    """padded_step on the batch padded_take slices from `corpus` (a Rows, spread out)."""
    return padded_step(model, optimizer, *padded_take(corpus, rows, real_posts, entries, padded_to))


def captured_step(device):
    # XLA needs the same shapes every step to compile once: the padded step, compiled whole with the slicing
    # of its batch. Op by op, slicing and padding a bag is about thirty ops, each dispatched from Python,
    # where PyTorch's eager slicing is a dozen cheap kernels; as a program of its own it would still cost a
    # launch and a batch written out (LESSONS §4).
    # PyTorch's captured step is a CUDA graph instead, which needs a helper to record and replay it.
    return tf.function(sliced_step, jit_compile=True)


@tf.function(jit_compile=True)
def compiled_classes(model, corpus, rows, entries):
    # TensorFlow slices a bag and runs its gather, scaling and segment sum as a dozen kernels, each writing
    # its result out (the gathered rows alone are entries × 100 floats), where PyTorch's take and
    # embedding_bag are a few fused ones. XLA makes the whole prediction one program, after a first call
    # that compiles it (LESSONS §4; the benchmark's inference rows set it against op by op, tf-eager).
    x, _ = take(corpus, rows, "bag", entries)
    return tf.argmax(logits(model, x), axis=1)


def predicted_bag(model, corpus, features, rows):
    """predict's classes for the bag of the posts at `rows`, sliced from `corpus` (`features` uploaded) and
    predicted in one compiled program; one program per number of entries, so one for a test split."""
    entries = int(np.diff(features.indptr)[rows].sum())  # from the host's copy: no wait for the device
    with tf.device(variables(model)[0].device):
        return compiled_classes(model, corpus, rows, entries).numpy()


class FusedAdam:
    """Keras' Adam update, the same ε convention included, with each tensor updated by one kernel:
    ResourceApplyAdam, what TF 1's tf.train.AdamOptimizer ran (PyTorch's fused=True is its counterpart). Keras 3's
    Adam writes the update as a dozen element-wise ops, each a pass over all the weights; traced, that is most of
    a sparse step on all 20 groups (LESSONS §4 has the figures). Under XLA both compile to one fused loop."""

    def __init__(self, params, hp):
        self.lr, self.beta_1, self.beta_2, self.epsilon = hp.lr, 0.9, 0.999, hp.adam_eps
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False, name="iterations")
        self.moments = []
        for p in params:
            with tf.device(p.device):  # beside each weight (TensorFlow would place them on a GPU if it saw one)
                self.moments.append((tf.Variable(tf.zeros_like(p), trainable=False),
                                     tf.Variable(tf.zeros_like(p), trainable=False)))

    @property
    def variables(self):
        return [self.iterations, *(slot for pair in self.moments for slot in pair)]

    def apply_gradients(self, gradients_and_variables):
        t = tf.cast(self.iterations.assign_add(1), tf.float32)
        constants = {name: tf.constant(value, tf.float32) for name, value in
                     (("lr", self.lr), ("beta1", self.beta_1), ("beta2", self.beta_2), ("epsilon", self.epsilon))}
        for (gradient, variable), (m, v) in zip(gradients_and_variables, self.moments):
            # lr · √(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε): Keras' formula (tf_impl/train.py), in one pass
            tf.raw_ops.ResourceApplyAdam(var=variable.handle, m=m.handle, v=v.handle, beta1_power=self.beta_1 ** t,
                                         beta2_power=self.beta_2 ** t, grad=gradient, **constants)


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

"""Initial weights, made once from a seed and loaded by both frameworks.

Arrays are in the layout of ``x @ W`` (fan_in rows, fan_out columns) and named as the
TensorFlow tutorial's dicts: weights h1, h2, out and biases b1, b2 and b_out (the tutorial named the
last bias out too; here each name means one array).

Schemes:
  torch   what ``nn.Linear`` does by default: weights and biases ~ U(±1/sqrt(fan_in))
          (kaiming_uniform with a=sqrt(5) works out to exactly that bound)
  glorot  the Keras default: weights ~ U(±sqrt(6/(fan_in+fan_out))), biases zero
  normal  the TensorFlow tutorial's ``tf.random_normal``: weights and biases ~ N(0, 1)
"""

import numpy as np

SCHEMES = ("torch", "glorot", "normal")
LAYERS = (("h1", "b1"), ("h2", "b2"), ("out", "b_out"))


def layer_sizes(n_input, hidden, n_classes):
    return [(n_input, hidden), (hidden, hidden), (hidden, n_classes)]


def initial_weights(scheme, n_input, hidden, n_classes, seed):
    """(weights, biases): two dicts of float32 arrays, the same for a given scheme, sizes and seed."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; expected one of {SCHEMES}")
    weights, biases = {}, {}
    for layer, ((w_name, b_name), (fan_in, fan_out)) in enumerate(zip(LAYERS, layer_sizes(n_input, hidden, n_classes))):
        # A generator per array, drawing row by row: two vocabularies where one extends the other
        # (noleak and tutorial) get the same draws for the words they share and the same rest.
        w_rng, b_rng = (np.random.default_rng([seed, layer, part]) for part in (0, 1))
        if scheme == "torch":
            bound = 1 / np.sqrt(fan_in)
            w = w_rng.uniform(-bound, bound, (fan_in, fan_out))
            b = b_rng.uniform(-bound, bound, fan_out)
        elif scheme == "glorot":
            bound = np.sqrt(6 / (fan_in + fan_out))
            w = w_rng.uniform(-bound, bound, (fan_in, fan_out))
            b = np.zeros(fan_out)
        else:
            w = w_rng.standard_normal((fan_in, fan_out))
            b = b_rng.standard_normal(fan_out)
        weights[w_name], biases[b_name] = w.astype(np.float32), b.astype(np.float32)
    return weights, biases

"""TensorFlow's bag layer written out (tf.gather, scaled, unsorted_segment_sum: tf_impl/model.py) against
TensorFlow's own API for the same sum, tf.nn.embedding_lookup_sparse(..., combiner="sum"): the same outputs and
gradients, then each one's forward and backward timed over the clean recipe's first epoch of batches, the two
taking turns epoch by epoch, traced and under XLA.

    python -m benchmarks.bag_layer [--categories all] [--rounds 7] --out FILE.json
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from shared.batches import get_batch, prepare
from shared.lab.cli import categories as categories_option, default_threads
from shared.config import Hyperparameters
from shared.dataset import TUTORIAL_CATEGORIES, load_corpus
from shared.lab.files import write_atomically
from shared.lab.record import machine_info
from shared.weights import initial_weights


def as_sparse_ids(bag, tf):
    """The bag as embedding_lookup_sparse takes it: ids and weights as SparseTensors of (post, place in post)."""
    offsets = bag.offsets.numpy()
    post_of = bag.post_of.numpy()
    place = np.arange(len(post_of)) - offsets[post_of]
    indices = tf.constant(np.stack([post_of, place], axis=1), tf.int64)
    shape = tf.constant([len(offsets), int(place.max()) + 1 if len(place) else 1], tf.int64)
    return tf.SparseTensor(indices, bag.words, shape), tf.SparseTensor(indices, bag.values, shape)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", type=categories_option, default=TUTORIAL_CATEGORIES)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    threads = default_threads()
    from tf_impl.device import configure_threads
    configure_threads(threads)
    import tensorflow as tf
    from tf_impl.fast import to_tensors
    from tf_impl.model import bag_layer

    hp = Hyperparameters(recipe="clean", form="bag", categories=args.categories).resolved("tf")
    batches = prepare(load_corpus(hp.categories), hp)
    weights = initial_weights("glorot", batches.features.vocab_size, hp.hidden, batches.n_classes, 0)[0]
    table = tf.Variable(weights["h1"])
    bags = [to_tensors(*get_batch(batches.features.train, batches.train_labels, rows, "bag"), "/CPU:0")[0]
            for rows in batches.epoch_rows(0)]
    sparse = [as_sparse_ids(bag, tf) for bag in bags]

    def written_out(bag, _):
        return bag_layer(bag, table)

    def lookup_sparse(bag, ids_and_weights):
        ids, values = ids_and_weights
        return tf.nn.embedding_lookup_sparse(table, ids, values, combiner="sum")

    def forward_backward(layer):
        def step(bag, ids_and_weights):
            with tf.GradientTape() as tape:
                out = layer(bag, ids_and_weights)
                loss = tf.reduce_sum(out * out)
            return out, tf.convert_to_tensor(tape.gradient(loss, table))  # densified, as train_step does
        return step

    ways = {"written_out": written_out, "lookup_sparse": lookup_sparse}
    results, steps, seconds = {name: {} for name in ways}, {}, {}
    for name, layer in ways.items():
        for mode in ("traced", "xla"):
            step = tf.function(forward_backward(layer), jit_compile=mode == "xla", reduce_retracing=True)
            try:
                for bag, ids in zip(bags, sparse):  # every batch's shape traced (and compiled) before the clock
                    out, gradient = step(bag, ids)
            except Exception as error:  # an op XLA cannot compile: this way does not run there
                results[name][mode] = {"refused": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
                continue
            out, gradient = step(bags[0], sparse[0])
            results[name][mode] = {"output": out.numpy(), "gradient": gradient.numpy()}
            steps[name, mode], seconds[name, mode] = step, []
    reference = results["written_out"]["traced"]
    for name, mode in steps:
        result = results[name][mode]
        result["max_output_difference"] = float(np.abs(result["output"] - reference["output"]).max())
        result["max_gradient_difference"] = float(np.abs(result["gradient"] - reference["gradient"]).max())
    for name, mode in steps:
        del results[name][mode]["output"], results[name][mode]["gradient"]
    timed = list(steps)
    rng = np.random.default_rng(0)
    for _ in range(args.rounds):
        for k in rng.permutation(len(timed)):  # the ways take turns, in a new order each round
            start = time.perf_counter()
            for bag, ids in zip(bags, sparse):
                steps[timed[k]](bag, ids)[1].numpy()
            seconds[timed[k]].append(time.perf_counter() - start)
    for name, mode in timed:
        results[name][mode].update(seconds=seconds[name, mode], median_seconds=float(np.median(seconds[name, mode])))
    report = {"command": "python -m benchmarks.bag_layer " + " ".join(argv or []), "vocabulary": batches.features.vocab_size,
              "batches": len(bags), "threads": threads, "rounds": args.rounds, "ways": results, "machine": machine_info()}
    write_atomically(args.out, json.dumps(report, indent=1) + "\n")
    for name, modes in results.items():
        for mode, result in modes.items():
            print(f"{name:<14}{mode:<8}", result.get("median_seconds", result.get("refused")),
                  result.get("max_output_difference", ""), result.get("max_gradient_difference", ""))


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])

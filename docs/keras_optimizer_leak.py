"""A minimal reproduction, for reporting upstream: Keras 3's optimizer, applied inside tf.function, keeps every
model's variables and optimizer slots alive after the model and the optimizer are gone.

    python docs/keras_optimizer_leak.py               # resident memory grows by about a model and its slots a run
    python docs/keras_optimizer_leak.py --no-replica-sum   # the same with _all_reduce_sum_gradients skipped: flat

Each run makes a 120,000 × 100 float32 weight (48 MB) and a fresh Adam (two 48 MB slots), traces one step that
applies a gradient, then drops everything and collects. Needs TensorFlow and Keras only. The project works
around it in tf_impl/fast.py (without_replica_sum); this script is independent of the project.
"""

import argparse
import ctypes
import gc
import re

import keras
import tensorflow as tf


def resident_mb():
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # what is free goes back to the kernel: what is left is held
    with open("/proc/self/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def one_run(skip_replica_sum):
    weight = tf.Variable(tf.random.normal([120_000, 100]))
    optimizer = keras.optimizers.Adam()
    optimizer.build([weight])
    if skip_replica_sum:
        optimizer._all_reduce_sum_gradients = list  # one device: the sum over replicas is the gradients themselves

    @tf.function
    def step():
        optimizer.apply_gradients([(tf.ones_like(weight), weight)])
    step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-replica-sum", action="store_true", help="skip the optimizer's replica sum")
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    held = []
    for run in range(args.runs):
        one_run(args.no_replica_sum)
        held.append(resident_mb())
        print(f"after run {run + 1}: {held[-1]:.0f} MB resident")
    print(f"growth from run 1 to run {args.runs}: {held[-1] - held[0]:.0f} MB")


if __name__ == "__main__":
    main()

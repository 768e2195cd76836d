"""The host allocator setting both frameworks run under (shared/lab/allocator.py)."""

import os
import platform
import subprocess
import sys

import pytest

from tests.helpers import needs

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not os.path.exists("/proc/self/status"),
                                reason="glibc's mallopt and Linux's /proc")

# A fresh interpreter frees a 100 MB block and prints how much of it it still holds, in MB.
FREE_100_MB = """import sys
from shared.lab.allocator import host_mb, keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory().startswith("glibc malloc")
import numpy as np
before = host_mb("VmRSS")
block = np.ones(100 * 2**20 // 8)
del block
print(host_mb("VmRSS") - before)"""


def held_after_free(mode):
    done = subprocess.run([sys.executable, "-c", FREE_100_MB, mode], capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    return float(done.stdout)


def test_freed_memory_is_kept_for_the_next_step_only_when_asked():
    assert held_after_free("default") < 10  # glibc hands a block this large back to the kernel
    assert held_after_free("keep") > 90  # kept: the next step's block of this size faults in no pages


# Twice the same training, each figure from start_peak/peak_since, with freed memory kept as the benchmark keeps it.
TWO_PEAKS = """import json
from shared.lab.allocator import keep_freed_memory, peak_since, start_peak
from shared.batches import prepare
from shared.config import Hyperparameters
from shared.dataset import load_corpus
from shared.lab.runner import run
keep_freed_memory()
hp = Hyperparameters(epochs=1).resolved("torch")  # the tutorial's dense batches: 0.79 GB an epoch
batches = prepare(load_corpus(), hp)
peaks = []
for _ in range(3):  # the first pays the libraries' one-time set-up, as the first case of a benchmark run does
    start = start_peak()
    run("torch", batches, hp, "cpu", quiet=True)
    peaks.append(peak_since(start))
print(json.dumps(peaks))"""


@pytest.mark.real_data
@needs("torch")
def test_a_cases_own_peak_does_not_depend_on_what_ran_before(real_corpus):
    """The benchmark's per-case figure: the same training twice, back to back, in a process that keeps freed
    memory, gives the same figure; the second would report almost nothing if memory the first left free
    for reuse were counted as held."""
    import json
    done = subprocess.run([sys.executable, "-c", TWO_PEAKS], capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.returncode == 0, done.stderr
    _, first, second = json.loads(done.stdout)
    assert first > 500 and abs(second - first) <= 0.1 * first, (first, second)


@pytest.mark.slow
@needs("tf")
def test_a_finished_tensorflow_run_gives_its_memory_back():
    """Keras' gradient all-reduce, traced, held every optimizer's and model's memory until the process ended
    (tf_impl/fast.py: without_replica_sum): four trainings of a 120,000-word model, one after the other, now need
    about what one does. Each figure is read after what is free was handed back to the kernel (the suite keeps
    freed memory for reuse), so it counts what is still held."""
    import numpy as np
    import tensorflow as tf

    from shared.lab.allocator import give_back_freed_memory, host_mb
    from shared.config import Hyperparameters
    from shared.weights import initial_weights
    from tf_impl.model import build_model
    from tf_impl.train import make_optimizer, make_train_step
    hp = Hyperparameters(step="standard").resolved("tf")  # Keras' Adam (the fused step has no replica sum)
    x, y = tf.constant(np.random.rand(8, 120_000).astype(np.float32)), tf.constant(np.arange(8) % 3)
    held = []
    for seed in range(4):
        model = build_model(initial_weights("torch", 120_000, 100, 3, seed), "/CPU:0", "dense")
        optimizer = make_optimizer(model, hp)
        make_train_step("standard")(model, optimizer, x, y)
        del model, optimizer
        give_back_freed_memory()
        held.append(host_mb("VmRSS"))
    assert held[-1] - held[0] < 100, held  # each run's weights and Adam's moments: 144 MB


@needs("tf")
def test_a_keras_without_the_replica_sum_it_skips_is_refused_in_one_line():
    """without_replica_sum replaces a private Keras method: the installed Keras has it, and an optimizer that
    lacks it (a later Keras) is a UserError naming the method and the fix, not a run with the leak above."""
    import keras

    from shared.errors import UserError
    from tf_impl.fast import without_replica_sum
    adam = keras.optimizers.Adam()
    assert callable(adam._all_reduce_sum_gradients) and without_replica_sum(adam)._all_reduce_sum_gradients is list

    class LaterAdam:  # an optimizer as a Keras without the method would make it
        pass
    with pytest.raises(UserError, match=r"^Keras \S+'s optimizer has no _all_reduce_sum_gradients, .*constraints\.txt$"):
        without_replica_sum(LaterAdam())

"""Rules of the benchmark suite that a unit test can hold without running it."""

import pytest

from benchmarks.conftest import memory_needed_mb, skip_without_memory
from benchmarks.peers import n_parameters
from shared.batches import prepare
from shared.config import Hyperparameters


def test_a_case_needing_more_memory_than_is_free_skips_saying_how_much(tiny_corpus):
    hp = Hyperparameters(recipe="tutorial", batch_size=16).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    needed = memory_needed_mb(hp, batches)
    weights = 16 * n_parameters(batches.features.vocab_size, hp.hidden, batches.n_classes) / 2**20
    dense_epoch = batches.steps_per_epoch * 16 * batches.features.vocab_size * 4 / 2**20
    assert needed == pytest.approx(weights + dense_epoch)
    skip_without_memory(hp, batches, available=needed + 1)  # enough: no skip
    with pytest.raises(pytest.skip.Exception, match=rf"needs about {needed:,.0f} MB of memory; this machine has 0 MB"):
        skip_without_memory(hp, batches, available=0.4)

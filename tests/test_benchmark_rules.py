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


def test_every_case_starts_both_frameworks_from_one_scheme():
    from benchmarks.conftest import case_hyperparameters
    for form in ("dense", "sparse", "bag"):
        schemes = {case_hyperparameters(form, "3").resolved(f).init for f in ("torch", "tf")}
        assert len(schemes) == 1, (form, schemes)  # the tutorial recipe alone would give torch and normal


def test_one_floor_per_parameter_count_and_device_the_fastest_of_three(tiny_corpus, monkeypatch):
    import benchmarks.test_training as training
    from types import SimpleNamespace
    timings = iter([0.003, 0.001, 0.002, 0.5, 0.5, 0.5])
    monkeypatch.setattr(training, "adam_floor_seconds", lambda n, steps, threads: next(timings) * steps)
    monkeypatch.setattr(training, "FLOORS", {})
    hp = Hyperparameters(recipe="clean", batch_size=16).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    settings = SimpleNamespace(threads=2)
    first = training.optimizer_floor(None, None, batches, hp, settings, "cpu")
    again = training.optimizer_floor(None, None, batches, hp, settings, "cpu")  # another case, same sizes
    assert first == again == pytest.approx(0.001 * batches.steps_per_epoch)


def test_docs_per_second_counts_the_posts_an_epoch_trains_on(tiny_corpus):
    from benchmarks.test_training import posts_trained_on
    tutorial = prepare(tiny_corpus, Hyperparameters(recipe="tutorial", batch_size=16).resolved("torch"))
    clean = prepare(tiny_corpus, Hyperparameters(recipe="clean", batch_size=16).resolved("torch"))
    assert posts_trained_on(tutorial) == 16 * (72 // 16) < 72  # the last partial batch is dropped
    assert posts_trained_on(clean) == 72


def test_each_scaling_axis_is_measured_one_way(tiny_corpus):
    """The dense vocabulary line's largest points build their batches inside the clock; its small ones, which
    would fit before it, do too, so one slope fits one kind of measurement."""
    from benchmarks.test_scaling import made_in_the_clock
    from shared.fast import fits_before_the_clock
    dense, bag = (prepare(tiny_corpus, Hyperparameters(recipe="clean", form=form, batch_size=16).resolved("torch"))
                  for form in ("dense", "bag"))
    assert fits_before_the_clock(dense) and made_in_the_clock("vocab", dense)
    assert not made_in_the_clock("vocab", bag) and not made_in_the_clock("batch", dense)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_a_warmed_up_case_trains_from_its_initial_weights_without_tracing_again(tiny_corpus, framework):
    """What the accuracy and time-to-accuracy rounds start from: the step traced (or compiled) before the clock,
    then the weights and Adam put back, so the round's first step is step one and nothing traces inside it."""
    from tests.conftest import FRAMEWORKS_HERE
    if framework not in FRAMEWORKS_HERE:
        pytest.skip(f"{framework} is not installed")
    import numpy as np

    from benchmarks.conftest import initial_of
    from benchmarks.test_training import read_back, warmed
    from shared.runner import implementation
    impl = implementation(framework)
    placed = impl.resolve_device("cpu")
    hp = Hyperparameters(recipe="clean", batch_size=16).resolved(framework)
    batches = prepare(tiny_corpus, hp)
    ready = warmed(impl, placed)(hp, batches)
    from importlib import import_module
    measure = import_module(f"{framework}_impl.measure")
    weights, _ = measure.parameters_as_numpy(ready.model)
    np.testing.assert_array_equal(weights["h1"], initial_of(hp, batches)[0]["h1"])
    traced = ready.step.experimental_get_tracing_count() if framework == "tf" else None
    read_back(impl.train_epoch(ready.model, ready.optimizer, ready.step, batches.epoch(0, ready.build)))
    if framework == "tf":
        assert ready.step.experimental_get_tracing_count() == traced  # no tracing inside the round

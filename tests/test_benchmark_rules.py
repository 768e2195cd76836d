"""Rules of the benchmark suite that a unit test can hold without running it."""

from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.cases import memory_needed_mb, skip_without_memory
from benchmarks.peers import n_parameters
from shared.batches import prepare
from shared.config import Hyperparameters


def test_a_case_needing_more_memory_than_is_free_skips_saying_how_much(tiny_corpus):
    hp = Hyperparameters(recipe="tutorial", batch_size=16).resolved("torch")
    batches = prepare(tiny_corpus, hp)
    needed = memory_needed_mb(hp, batches, prebuilt=True)  # a host-fed case: an epoch of dense batches made first
    weights = 16 * n_parameters(batches.features.vocab_size, hp.hidden, batches.n_classes) / 2**20
    dense_batch = 16 * batches.features.vocab_size * 4 / 2**20
    assert needed == pytest.approx(weights + batches.steps_per_epoch * dense_batch)
    assert memory_needed_mb(hp, batches) == pytest.approx(weights + 2 * dense_batch)  # device-fed: made as it trains
    skip_without_memory(hp, batches, available=needed + 1, prebuilt=True)  # enough: no skip
    with pytest.raises(pytest.skip.Exception, match=rf"needs about {needed:,.0f} MB of memory; this machine has 0 MB"):
        skip_without_memory(hp, batches, available=0.4, prebuilt=True)


def test_every_case_starts_both_frameworks_from_one_scheme():
    from benchmarks.cases import case_hyperparameters
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


@pytest.mark.parametrize("form", ["dense", "bag"])
def test_every_device_fed_clock_slices_its_own_batches(tiny_corpus, form):
    """Like for like: every device-fed variant makes its epoch's batches inside its clock (TensorFlow's captured
    step can do no other), whether or not they would fit before it; host-fed ones are made before it where they fit."""
    from tests.helpers import FRAMEWORKS_HERE
    from benchmarks.test_training import epoch_source
    from shared.batches import made_at_once
    from shared.lab.runner import implementation
    framework = FRAMEWORKS_HERE[0]
    impl = implementation(framework)
    placed = impl.resolve_device("cpu")
    hp = Hyperparameters(recipe="clean", form=form, batch_size=16).resolved(framework)
    batches = prepare(tiny_corpus, hp)
    assert made_at_once(batches)
    epoch, prebuilt = epoch_source(impl, batches, placed, hp, "device")
    made = epoch()
    assert not prebuilt and not isinstance(made, list)  # a generator: each batch made as the loop asks, in the clock
    assert len(list(made)) == batches.steps_per_epoch
    _, host_prebuilt = epoch_source(impl, batches, placed, hp, "host")
    assert host_prebuilt


class Item:
    """What the collection hook reads of a pytest item: its test's name, its parameters, its id and its marks."""

    def __init__(self, name, **params):
        self.originalname, self.callspec, self.marks = name, SimpleNamespace(params=params), []
        self.nodeid = f"{name}[{'-'.join(str(v) for v in params.values())}]"

    def add_marker(self, mark):
        self.marks.append(mark.name)


VARIANTS = ("torch", "tf", "tf-fused", "tf-xla-padded")


def collected(items, seed=1, markexpr=""):
    """What the collection hook keeps of `items`, in its order, and what it drops (under `-m markexpr`)."""
    from benchmarks.conftest import ORDER_SEED, pytest_collection_modifyitems
    dropped = []
    options = {"markexpr": markexpr, "--quick": False}
    config = SimpleNamespace(stash={ORDER_SEED: seed}, getoption=lambda name, default=None: options[name],
                             hook=SimpleNamespace(pytest_deselected=lambda items: dropped.extend(items)))
    pytest_collection_modifyitems(config, items)
    return items, dropped


def ordered(seed, rounds=5):
    """The hook's order for two train-epoch comparisons (bag and sparse, four variants each) and a test it leaves
    alone, collected in pytest's order: every round of a variant, then the next variant."""
    items = [Item("test_load_cached", categories="3")]
    items += [Item("test_train_epoch", variant=v, form=f, device="cpu", categories="3", round=r)
              for f in ("bag", "sparse") for v in VARIANTS for r in range(rounds)]
    return collected(items, seed)[0]


def test_a_case_keeps_its_own_count_of_rounds():
    """The 3-group sparse and bag epochs and every prediction keep all SHORT_ROUNDS collected rounds; a dense or
    20-group epoch keeps ROUNDS, the rest dropped (deselected, not skipped); a test with rounds of its own
    (scaling) is left alone."""
    from benchmarks.conftest import ROUNDS, SHORT_ROUNDS
    kinds = [("test_train_epoch", {"form": "bag", "categories": "3"}, SHORT_ROUNDS),
             ("test_train_epoch", {"form": "sparse", "categories": "3"}, SHORT_ROUNDS),
             ("test_inference", {"form": "dense"}, SHORT_ROUNDS),
             ("test_train_epoch", {"form": "dense", "categories": "3"}, ROUNDS),
             ("test_train_epoch", {"form": "bag", "categories": "20"}, ROUNDS),
             ("test_scaling", {"form": "bag", "axis": "batch"}, SHORT_ROUNDS)]
    assert ROUNDS < SHORT_ROUNDS
    for name, params, kept in kinds:
        items = [Item(name, variant=v, device="cpu", round=r, **params) for v in ("torch", "tf") for r in range(SHORT_ROUNDS)]
        found, dropped = collected(items)
        assert len(found) == 2 * kept and len(dropped) == 2 * (SHORT_ROUNDS - kept), name
        assert {i.callspec.params["round"] for i in found} == set(range(kept))


def test_a_headline_process_trains_fewer_seeds_on_20_groups_than_the_full_suite():
    """The full suite trains five seeds on 3 groups and three on all 20; a process of the headline cases alone
    (one of several repeats) five and one; a test without seeds is left alone either way."""
    from benchmarks.conftest import SEEDS
    items = [Item("test_accuracy", variant=v, categories=c, metadata="with", seed=s)
             for c in ("3", "20") for v in ("torch", "tf") for s in range(SEEDS)] + [Item("test_load_cached", categories="3")]
    for markexpr, kept in (("", {"3": 5, "20": 3}), ("headline", {"3": 5, "20": 1})):
        found, dropped = collected(list(items), markexpr=markexpr)
        seeds = {c: {i.callspec.params["seed"] for i in found if i.callspec.params.get("categories") == c and
                     i.originalname == "test_accuracy"} for c in kept}
        assert seeds == {c: set(range(n)) for c, n in kept.items()}, markexpr
        assert len(dropped) == 2 * sum(SEEDS - n for n in kept.values())
        assert any(i.originalname == "test_load_cached" for i in found)


def test_each_rounds_variants_take_turns_in_an_order_drawn_from_the_recorded_seed():
    """In every comparison, round r's items all come before round r + 1's, each variant once a round; the order
    within a round is drawn (not always PyTorch first) and the same seed gives it again; the headline cases are
    marked for -m headline."""
    first, again, other = ordered(1), ordered(1), ordered(2)
    ids = [[i.nodeid for i in run] for run in (first, again, other)]
    assert ids[0] == ids[1] and ids[0] != ids[2] and sorted(ids[0]) == sorted(ids[2])
    assert first[0].originalname == "test_load_cached"  # not interleaved, left where it stood
    for form in ("bag", "sparse"):
        turns = [(i.callspec.params["round"], i.callspec.params["variant"]) for i in first
                 if i.callspec.params.get("form") == form]
        assert [t for t, _ in turns] == sorted(t for t, _ in turns)  # round by round
        for turn in range(5):
            assert sorted(v for t, v in turns if t == turn) == sorted(VARIANTS)  # each once a round
    leaders = {run[1 + 4 * k].callspec.params["variant"] for seed in range(6) for run in [ordered(seed)] for k in range(10)}
    assert leaders == set(VARIANTS)  # who goes first changes
    marked = {(i.callspec.params["form"], i.callspec.params["variant"]) for i in first if "headline" in i.marks}
    assert marked == {("bag", "torch"), ("bag", "tf-xla-padded"), ("sparse", "torch"), ("sparse", "tf-fused")}


def test_the_headline_cases_are_the_cited_ones():
    """-m headline selects what the results' headline table cites, of every kind: the auto train-epoch rows (above),
    PyTorch's and TensorFlow's predictions of the bag and the sparse input on the CPU, and both frameworks'
    10-epoch trainings with metadata, on 3 groups and on 20."""
    from benchmarks.conftest import headline
    for categories in ("3", "20"):
        assert headline("test_accuracy", {"variant": "tf", "metadata": "with", "categories": categories, "seed": 0})
        assert headline("test_accuracy", {"variant": "torch", "metadata": "with", "categories": categories, "seed": 1})
    assert not headline("test_accuracy", {"variant": "tf", "metadata": "without", "categories": "3", "seed": 0})
    assert not headline("test_accuracy", {"variant": "sklearn-mlp", "metadata": "with", "categories": "3", "seed": 0})
    for variant in ("torch", "tf"):
        for form in ("bag", "sparse"):
            assert headline("test_inference", {"variant": variant, "form": form, "device": "cpu", "round": 0})
        assert not headline("test_inference", {"variant": variant, "form": "bag", "device": "gpu", "round": 0})
        assert not headline("test_inference", {"variant": variant, "form": "dense", "device": "cpu", "round": 0})
    assert not headline("test_inference", {"variant": "tf-eager", "form": "bag", "device": "cpu", "round": 0})
    assert not headline("test_time_to_accuracy", {"variant": "tf", "seed": 0})


@pytest.mark.slow
@pytest.mark.parametrize("form", ["bag", "sparse"])  # TensorFlow: the captured step with Keras' Adam; FusedAdam
@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_a_warmed_up_case_trains_from_its_initial_weights_without_tracing_again(tiny_corpus, framework, form):
    """What the accuracy and time-to-accuracy rounds start from: the step traced (or compiled) before the clock,
    then the weights and Adam put back, so the round's first step is step one (its losses are a fresh training's,
    dropout off) and nothing traces inside it."""
    from tests.helpers import FRAMEWORKS_HERE
    if framework not in FRAMEWORKS_HERE:
        pytest.skip(f"{framework} is not installed")
    import numpy as np

    from benchmarks.cases import initial_of
    from benchmarks.test_training import read_back, warmed
    from shared.lab.runner import implementation
    impl = implementation(framework)
    placed = impl.resolve_device("cpu")
    hp = Hyperparameters(recipe="clean", form=form, batch_size=16, dropout=0.0, epochs=1).resolved(framework)
    batches = prepare(tiny_corpus, hp)
    ready = warmed(impl, placed)(hp, batches)
    from importlib import import_module
    measure = import_module(f"{framework}_impl.measure")
    weights, _ = measure.parameters_as_numpy(ready.model)
    np.testing.assert_array_equal(weights["h1"], initial_of(hp, batches)[0]["h1"])
    traced = ready.step.experimental_get_tracing_count() if framework == "tf" else None
    losses = read_back(impl.train_epoch(ready.model, ready.optimizer, ready.step, batches.epoch(0, ready.build)))
    if framework == "tf":
        assert ready.step.experimental_get_tracing_count() == traced  # no tracing inside the round
    from shared.lab.runner import run
    np.testing.assert_allclose(losses, run(framework, batches, hp, "cpu", quiet=True).step_losses, rtol=1e-5)


def test_auto_steps_are_the_fastest_in_the_kept_run_they_come_from():
    """FASTEST_STEP is a finding of FASTEST_STEP_RUN: in each of its CPU train-epoch groups, the step --step auto
    takes for a framework and input is within a tenth of that framework's fastest exact step fed on the device
    (medians over the run's processes), and was measured there."""
    import json
    from pathlib import Path
    from benchmarks.cases import VARIANTS
    from shared.config import FASTEST_STEP, FASTEST_STEP_RUN
    run = Path(__file__).resolve().parent.parent / FASTEST_STEP_RUN
    medians = {}
    for process in sorted(run.glob("process-*.json")):
        for entry in json.loads(process.read_text())["benchmarks"]:
            if entry["group"].startswith("train-epoch ") and " cpu " in entry["group"]:
                medians.setdefault((entry["group"], entry["extra_info"]["variant"]), []).append(entry["stats"]["median"])
    checked = 0
    for group in sorted({g for g, _ in medians}):
        form = group.split()[1]
        for framework in ("torch", "tf"):
            steps = {VARIANTS[v][1]: float(np.median(m)) for (g, v), m in medians.items()
                     if g == group and VARIANTS[v][0] == framework and VARIANTS[v][2] == "device"}
            chosen = Hyperparameters(form=form, step="auto").resolved(framework).step
            assert chosen == FASTEST_STEP[framework, "cpu"][form] or (framework, chosen) == ("torch", "standard")
            assert chosen in steps, (group, framework, chosen, steps)
            assert steps[chosen] <= 1.1 * min(steps.values()), (group, framework, steps)
            checked += 1
    assert checked >= 12  # three inputs, two frameworks, 3 and 20 groups (dense on 20 groups: one step each)

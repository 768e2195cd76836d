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


def test_a_case_has_its_own_count_of_rounds_and_seeds():
    """The 3-group sparse and bag epochs and every prediction get SHORT_ROUNDS; a dense or 20-group epoch ROUNDS; a
    smoke run QUICK_ROUNDS (more than one, so pytest-benchmark's spread columns mean something). Five seeds on 3
    groups; three on 20 in the full suite, one in a process of the headline cases alone."""
    from benchmarks.conftest import QUICK_ROUNDS, ROUNDS, SHORT_ROUNDS, case_rounds, case_seeds
    assert 1 < QUICK_ROUNDS < ROUNDS < SHORT_ROUNDS
    assert case_rounds("test_train_epoch", {"form": "bag", "categories": "3"}) == SHORT_ROUNDS
    assert case_rounds("test_train_epoch", {"form": "sparse", "categories": "3"}) == SHORT_ROUNDS
    assert case_rounds("test_inference", {"form": "dense"}) == SHORT_ROUNDS
    assert case_rounds("test_train_epoch", {"form": "dense", "categories": "3"}) == ROUNDS
    assert case_rounds("test_train_epoch", {"form": "bag", "categories": "20"}) == ROUNDS
    assert case_rounds("test_train_epoch", {"form": "bag", "categories": "3"}, quick=True) == QUICK_ROUNDS
    assert case_rounds("test_scaling", {"form": "bag"}) is None
    assert [case_seeds({"categories": c}, alone) for c in ("3", "20") for alone in (False, True)] == [5, 5, 3, 1]


def test_each_rounds_variants_take_turns_in_an_order_drawn_from_the_recorded_seed():
    """take_turns: every variant built before the first round; round r of every variant before round r + 1, each
    once a round, in an order drawn from the seed (the same seed, the same order; who goes first changes); a variant
    with fewer rounds stops early; one that skips or fails is set aside, the others go on."""
    from benchmarks.turns import Comparisons, take_turns
    log = []

    def prepare(name):
        log.append(("built", name))
        if name == "skips":
            pytest.skip("cannot run here")
        return name

    def one_round(name, turn):
        log.append((turn, name))
        if name == "fails" and turn == 1:
            raise RuntimeError("broke")
        return 0.1 * (turn + 1), {"turn": turn}

    def run(seed):
        log.clear()
        draw = Comparisons(seed).draw(("test_x", ()))
        found = take_turns(list(VARIANTS) + ["short", "skips", "fails"], prepare, one_round,
                           lambda name: 2 if name == "short" else 5, draw)
        return found, list(log)
    found, first = run(1)
    assert run(1)[1] == first and run(2)[1] != first
    assert all(entry[0] == "built" for entry in first[:7]) and len([e for e in first if e[0] == "built"]) == 7
    turns = [t for t, _ in first[7:]]
    assert turns == sorted(turns)  # round by round
    for turn in range(5):
        assert sorted(v for t, v in first[7:] if t == turn) == sorted(
            list(VARIANTS) + (["short"] if turn < 2 else []) + (["fails"] if turn < 2 else []))
    assert found["torch"].seconds == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5]) and len(found["short"].seconds) == 2
    assert found["skips"].skipped == "cannot run here" and found["skips"].seconds == []
    assert "RuntimeError: broke" in found["fails"].failed and len(found["fails"].seconds) == 1
    assert all(o.state is None for o in found.values())  # every case let go after the comparison
    leaders = {run(seed)[1][7][1] for seed in range(12)}
    assert len(leaders) > 2  # who goes first changes


def test_the_headline_cases_are_marked_for_minus_m_headline():
    from benchmarks.conftest import pytest_collection_modifyitems
    items = [Item("test_train_epoch", variant=v, form=f, device="cpu", categories="3") for f in ("bag", "sparse")
             for v in VARIANTS] + [Item("test_load_cached", categories="3")]
    options = {"markexpr": "", "--quick": False}
    dropped = []
    config = SimpleNamespace(stash={}, getoption=lambda name, default=None: options[name],
                             hook=SimpleNamespace(pytest_deselected=lambda items: dropped.extend(items)))
    pytest_collection_modifyitems(config, items)
    marked = {(i.callspec.params["form"], i.callspec.params["variant"]) for i in items if "headline" in i.marks}
    assert marked == {("bag", "torch"), ("bag", "tf-xla-padded"), ("sparse", "torch"), ("sparse", "tf-fused")}
    assert not dropped  # the stash says no headline scope: the whole list kept


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

"""train-epoch, inference and time-to-accuracy: PyTorch and TensorFlow, their compiled variants and
scikit-learn's MLPClassifier, on the same batches from the same initial weights."""

import time
from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.cases import (VARIANTS, describe, framework_or_skip, fresh_model, initial_of, is_auto,
                              skip_without_memory, timed, warm_up)
from benchmarks.peers import (adam_floor_seconds, linear_baseline, mlp_accuracy, mlp_classifier, mlp_epoch,
                              n_parameters)
from benchmarks import turns
from benchmarks.turns import clock
from shared.batches import made_at_once

TARGET = 0.97  # time-to-accuracy target on the 3 groups: what the clean recipe reaches in every seed
METADATA = ("headers", "footers", "quotes")
MAX_EPOCHS = 20
SLOW_EPOCH = 10.0  # seconds: an epoch slower than this gets three timed rounds, not five
SLOW_ROUNDS = 3
# Predictions a round: one round is their mean. A prediction takes milliseconds, and one call alone swung
# between two speeds from round to round (TensorFlow's bag prediction: 15 or 41-46 ms in one process).
PREDICTIONS = 5


def read_back(losses):
    """Reads every loss back to the host: the wait for queued device work, inside the clock."""
    return [float(loss) for loss in losses]


def epoch_source(impl, batches, placed, hp, feed):
    """(epoch, prebuilt): epoch() gives the batches one timed round trains on; prebuilt says whether they were made
    before the clock. Device-fed, each framework slices its batches on the device inside the clock, as a training
    pays it every epoch: the same work for every variant (TensorFlow's captured step slices inside its own XLA
    program, so none can be made before it). Host-fed: host arrays made before the clock where they fit,
    copied in each step."""
    if feed == "host":
        host = batches.epoch(0)
        prebuilt = made_at_once(batches)
        return (lambda: (impl.fast.to_tensors(x, y, placed) for x, y in (host if prebuilt else batches.epoch(0)))), prebuilt
    build = impl.feeder(batches, placed, hp.step)
    return (lambda: (build(rows) for rows in batches.epoch_rows(0))), False


FLOORS = {}  # (parameter count, device) -> seconds of one step's Adam traffic, for the whole run


def optimizer_floor(impl, placed, batches, hp, settings, device):
    """Seconds an epoch's Adam updates need for memory traffic alone, on the device that trains: one figure
    per (parameter count, device), the fastest of three timings, shared by every case it applies to."""
    n_params = n_parameters(batches.features.vocab_size, hp.hidden, batches.n_classes)
    if (n_params, device) not in FLOORS:
        one_step = (lambda: adam_floor_seconds(n_params, 1, settings.threads)) if device == "cpu" else \
            (lambda: impl.measure.adam_floor_seconds(n_params, placed))
        FLOORS[n_params, device] = min(one_step() for _ in range(3))
    return FLOORS[n_params, device] * batches.steps_per_epoch


def posts_trained_on(batches):
    """The posts one epoch trains on (the tutorial recipe drops the last partial batch: 1,650 of 1,774)."""
    return sum(len(rows) for rows in batches.epoch_rows(0))


@pytest.mark.parametrize("categories", ["3", "20"])
@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_train_epoch(request, benchmark, settings, problems, memory, comparisons, rounds, variant, form, device,
                     categories):
    """One training epoch a round, the comparison's variants taking turns; every case of it built, warmed up and
    its peak memory read before its first timed round, outside the clock."""
    benchmark.group = f"train-epoch {form} {device} {categories}-groups"

    def prepare(name):
        reason = not_timed(settings, name, form, device, categories)
        if reason:
            pytest.skip(reason)
        return epoch_case(problems, memory, settings, name, form, device, categories, rounds)

    def one_round(case, turn):
        # Warmed up when built, then left to cool while the rest of its comparison was built: one more epoch first,
        # where an epoch is short enough for the cooling to show (a slow case's is lost in its own time).
        if turn == 0 and case.first <= SLOW_EPOCH:
            case.one_epoch()
        return clock(case.one_epoch, comparisons.disable_gc)[0], turns.described(case)
    outcome = comparisons.outcome(request.node, prepare, one_round, lambda case: case.rounds)
    turns.record(benchmark, outcome.seconds)
    framework, step, feed = VARIANTS[variant]
    case = outcome.found[0]
    describe(benchmark, settings, variant=variant, batches=case.batches, device=case.device, docs=posts_trained_on(case.batches),
             versions=case.versions, first_seconds=case.first, warm_up_seconds=case.warm_up,
             accuracy=case.accuracy, epochs_before_accuracy=1 + len(case.warm_up), feed=feed, step=step,
             auto=is_auto(framework, step, feed, form, device),
             batches_prebuilt=case.prebuilt, clock=case.clock, optimizer_floor_seconds=case.floor, **case.peaks)


def not_timed(settings, variant, form, device, categories):
    """Why a train-epoch case is not run, or None."""
    framework, step, feed = VARIANTS[variant]
    if settings.quick and form == "dense" and categories == "20":
        return "--quick leaves out the dense all-20 case (27 GB of dense batches an epoch)"
    if form == "dense" and categories == "20" and not is_auto(framework, step, feed, form, device):
        return "the dense all-20 case times each framework's --step auto alone: its epochs take most of a minute"
    if feed == "host" and framework != "sklearn" and device == "cpu" and categories == "20":
        return "feeding is compared on 3 groups on the CPU (where the host is the device)"
    if framework == "sklearn" and (form != "sparse" or device == "gpu"):
        return "scikit-learn's MLPClassifier is timed on the sparse form, on the CPU"
    return None


def epoch_case(problems, memory, settings, variant, form, device, categories, rounds):
    """A train-epoch case: its model and batches, warmed up (cases.warm_up), with its own peak memory while it was
    built and warmed up, its accuracy then, and its optimizer floor."""
    framework, step, feed = VARIANTS[variant]
    if framework == "sklearn":
        hp, batches = problems(form, categories)
        memory.start()
        classifier = mlp_classifier(hp, hp.seed)

        def one_epoch():
            return mlp_epoch(classifier, batches)
        first, more = warm_up(one_epoch, SLOW_EPOCH, settings.warm_up)
        memory.stop()
        accuracy, device_name, versions, prebuilt = mlp_accuracy(classifier, batches), "cpu", {}, False
        floor = optimizer_floor(None, None, batches, hp, settings, "cpu")
        clock = "scikit-learn slicing each batch from the host's CSR matrix, and the steps"
    else:
        hp, batches = problems(form, categories, framework=framework, step=step)
        skip_without_memory(hp, batches, prebuilt=feed == "host" and made_at_once(batches))
        impl, placed = framework_or_skip(framework, device)
        memory.start(impl, placed)
        model, optimizer, train_step = fresh_model(impl, hp, batches, placed)
        epoch, prebuilt = epoch_source(impl, batches, placed, hp, feed)

        def one_epoch():
            return read_back(impl.train_epoch(model, optimizer, train_step, epoch()))
        try:
            first, more = warm_up(one_epoch, SLOW_EPOCH, settings.warm_up)
        except Exception as error:  # an op the compiler cannot take: a variant that does not apply
            if step == "standard":
                raise
            pytest.skip(f"{variant} cannot compile this step: {type(error).__name__}: {str(error)[:200]}")
        memory.stop()
        accuracy, device_name, versions = impl.evaluate(model, batches, placed), impl.device_name(placed), impl.versions()
        floor = optimizer_floor(impl, placed, batches, hp, settings, device)
        clock = (f"copying each host batch in (made {'before' if prebuilt else 'inside'} the clock), and the steps"
                 if feed == "host" else "slicing each batch on the device, and the steps")
    return SimpleNamespace(one_epoch=one_epoch, batches=batches, first=first, warm_up=more, accuracy=accuracy, clock=clock,
                           device=device_name, versions=versions, prebuilt=prebuilt, floor=floor, peaks=memory.peaks(),
                           rounds=rounds if first <= SLOW_EPOCH else min(rounds, SLOW_ROUNDS))


@pytest.mark.parametrize("form", ["dense", "sparse", "bag"])
@pytest.mark.parametrize("variant", ["torch", "tf", "tf-eager"])
def test_inference(request, benchmark, settings, problems, memory, comparisons, rounds, variant, form, device):
    """Predicting the whole test split, after one epoch of training: the test corpus uploaded, each
    batch built on the device, the predictions read back; a round is the mean of PREDICTIONS calls.
    TensorFlow's prediction is traced; `tf-eager` runs it op by op, as it ran before, so what tracing
    gains is measured in the same run."""
    benchmark.group = f"inference {form} {device}"

    def one_round(case, turn):
        if turn == 0:  # as in test_train_epoch: warm again after the comparison's builds
            case.evaluate()
        seconds, _ = clock(lambda: [case.evaluate() for _ in range(PREDICTIONS)], comparisons.disable_gc)
        return seconds, turns.described(case)
    outcome = comparisons.outcome(request.node, lambda name: inference_case(problems, memory, settings, name, form, device),
                                  one_round, lambda case: rounds)
    turns.record(benchmark, outcome.seconds, iterations=PREDICTIONS)
    case = outcome.found[0]
    describe(benchmark, settings, variant=variant, batches=case.batches, device=case.device,
             docs=len(case.batches.test_labels), versions=case.versions, first_seconds=case.first,
             warm_up_seconds=case.warm_up, accuracy=case.accuracy, auto=variant != "tf-eager", **case.peaks)


def inference_case(problems, memory, settings, variant, form, device):
    framework = variant.split("-")[0]
    hp, batches = problems(form, "3", framework=framework)
    impl, placed = framework_or_skip(framework, device)
    model, optimizer, step = fresh_model(impl, hp, batches, placed)
    read_back(impl.train_epoch(model, optimizer, step, batches.epoch(0, impl.feeder(batches, placed, hp.step))))
    memory.start(impl, placed)

    def evaluate():
        if variant != "tf-eager":
            return impl.evaluate(model, batches, placed)
        import tensorflow as tf
        tf.config.run_functions_eagerly(True)
        try:
            return impl.evaluate(model, batches, placed)
        finally:
            tf.config.run_functions_eagerly(False)
    first, more = warm_up(evaluate, most=settings.warm_up)
    memory.stop()
    return SimpleNamespace(evaluate=evaluate, batches=batches, device=impl.device_name(placed), versions=impl.versions(),
                           first=first, warm_up=more, accuracy=evaluate(), peaks=memory.peaks())


def seed_problem(problems, seed, framework="torch", categories="3", remove=()):
    """The clean recipe's problem of `seed`, the framework on its auto step (how many seeds a process trains:
    conftest.case_seeds)."""
    return problems("bag", categories, seed=seed, framework=framework, remove=remove)


def warmed(impl, placed):
    """ready(hp, batches) for a seed's round: a model, optimizer, step and batch maker whose step has been traced
    or compiled (a step on a full batch and one on the short last one: an unpadded step traces each shape)
    and whose prediction too (one evaluation), outside the clock; then the weights and Adam are put back, so
    the round starts at step one, and dropout's generator is seeded again (PyTorch's; the masks of TensorFlow's XLA step are drawn unseeded: README,
    "How close are the two implementations?")."""
    def ready(hp, batches):
        model, optimizer, step = fresh_model(impl, hp, batches, placed)
        build = impl.feeder(batches, placed, hp.step)
        start = time.perf_counter()
        rows = batches.epoch_rows(0)
        read_back(impl.train_epoch(model, optimizer, step, [build(rows[0]), build(rows[-1])]))
        impl.evaluate(model, batches, placed)
        seconds = time.perf_counter() - start
        impl.measure.reset(model, optimizer, initial_of(hp, batches))
        impl.seed_randomness(hp.seed)
        return SimpleNamespace(model=model, optimizer=optimizer, step=step, build=build, seconds=seconds)
    return ready


@pytest.mark.parametrize("variant", ["torch", "tf", "sklearn-mlp", "linear"])
def test_time_to_accuracy(request, benchmark, settings, problems, comparisons, seeds, variant):
    """DAWNBench-style: wall seconds from the first step until test accuracy first reaches TARGET,
    evaluation after every epoch included; one round a seed, the variants taking turns seed by seed. Each
    framework on its auto step and compiled prediction, both traced or compiled before the clock (per_seed:
    warm_up_seconds, and of the round, train_seconds and evaluate_seconds)."""
    benchmark.group = f"time-to-accuracy {TARGET:.2f} clean cpu 3-groups"
    per_seed, versions, device = seed_rounds(request, benchmark, comparisons, seeds,
                                             lambda name, seed: time_to_accuracy_round(problems, name, seed))
    describe(benchmark, settings, variant=variant, device=device, docs=None, versions=versions, target=TARGET,
             per_seed=per_seed, reached=all(s["accuracy"] >= TARGET for s in per_seed),
             accuracy=float(np.mean([s["accuracy"] for s in per_seed])), auto=variant in ("torch", "tf"))


def seed_rounds(request, benchmark, comparisons, seeds, round_of):
    """A comparison whose rounds are seeds: round_of(variant, seed) -> (run, found, versions, device) sets up a seed's
    round outside the clock; run() is the round. Records the rounds; returns (per_seed, versions, device)."""
    def one_round(name, seed):
        run, found, versions, device = round_of(name, seed)
        return clock(run, comparisons.disable_gc)[0], (found, versions, device)
    outcome = comparisons.outcome(request.node, lambda name: name, one_round, lambda name: seeds)
    turns.record(benchmark, outcome.seconds)
    return [found for found, _, _ in outcome.found], outcome.found[0][1], outcome.found[0][2]


def time_to_accuracy_round(problems, variant, seed):
    """One seed's time-to-accuracy round: (run, found, versions, device)."""
    framework = variant if variant in ("torch", "tf") else "torch"
    hp, batches = seed_problem(problems, seed, framework)
    found = {"seed": seed}
    if variant == "linear":
        def run():
            found.update(epochs=1, accuracy=linear_baseline(batches)[0])
        versions = {}
    elif variant == "sklearn-mlp":
        def run():
            classifier = mlp_classifier(hp, hp.seed)
            for epoch in range(1, MAX_EPOCHS + 1):
                accuracy = mlp_accuracy(mlp_epoch(classifier, batches), batches)
                if accuracy >= TARGET:
                    break
            found.update(epochs=epoch, accuracy=accuracy)
        versions = {}
    else:
        impl, placed = framework_or_skip(variant, "cpu")
        versions, ready = impl.versions(), warmed(impl, placed)(hp, batches)

        def run():
            train = evaluate = 0.0
            for epoch in range(1, MAX_EPOCHS + 1):
                seconds, _ = timed(lambda: read_back(impl.train_epoch(ready.model, ready.optimizer, ready.step,
                                                                      batches.epoch(epoch - 1, ready.build))))
                train += seconds
                seconds, accuracy = timed(impl.evaluate, ready.model, batches, placed)
                evaluate += seconds
                if accuracy >= TARGET:
                    break
            found.update(epochs=epoch, accuracy=accuracy, step=hp.step, warm_up_seconds=ready.seconds,
                         train_seconds=train, evaluate_seconds=evaluate)
    return run, found, versions, "cpu"


@pytest.mark.parametrize("metadata", ["with", "without"])
@pytest.mark.parametrize("categories", ["3", "20"])
@pytest.mark.parametrize("variant", ["torch", "tf", "sklearn-mlp", "linear"])
def test_accuracy(request, benchmark, settings, problems, comparisons, seeds, variant, categories, metadata):
    """The accuracy table: full training (hp.epochs) on the clean recipe, one round a seed (five on 3 groups,
    three on 20; one on 20 in a process of the headline cases alone), the variants taking turns seed by
    seed; the networks from the same initial weights on their auto steps, traced or compiled before the clock
    (per_seed: warm_up_seconds), the peers with their own; with the posts whole, and without their headers,
    signatures and quoted lines."""
    if settings.quick and (categories, metadata) != ("3", "with"):
        pytest.skip("--quick measures accuracy on the 3 groups' whole posts only")
    benchmark.group = f"accuracy clean {categories}-groups {metadata} metadata"
    per_seed, versions, device = seed_rounds(request, benchmark, comparisons, seeds,
                                             lambda name, seed: accuracy_round(problems, name, seed, categories, metadata))
    describe(benchmark, settings, variant=variant, device=device, docs=None, versions=versions, per_seed=per_seed,
             accuracy=float(np.mean([s["accuracy"] for s in per_seed])), auto=variant in ("torch", "tf"))


def accuracy_round(problems, variant, seed, categories, metadata):
    """One seed's full training for the accuracy table: (run, found, versions, device)."""
    remove = () if metadata == "with" else METADATA
    framework = variant if variant in ("torch", "tf") else "torch"
    hp, batches = seed_problem(problems, seed, framework, categories, remove)
    found = {"seed": seed}
    if variant == "linear":
        def run():
            found.update(accuracy=linear_baseline(batches)[0])
        versions, device = {}, "cpu"
    elif variant == "sklearn-mlp":
        def run():
            classifier = mlp_classifier(hp, hp.seed)
            for _ in range(hp.epochs):
                mlp_epoch(classifier, batches)
            found.update(accuracy=mlp_accuracy(classifier, batches))
        versions, device = {}, "cpu"
    else:
        impl, placed = framework_or_skip(variant, "cpu")
        versions, device, ready = impl.versions(), impl.device_name(placed), warmed(impl, placed)(hp, batches)

        def run():
            for epoch in range(hp.epochs):
                read_back(impl.train_epoch(ready.model, ready.optimizer, ready.step, batches.epoch(epoch, ready.build)))
            found.update(accuracy=impl.evaluate(ready.model, batches, placed), step=hp.step, warm_up_seconds=ready.seconds)
    return run, found, versions, device

"""scaling: seconds per epoch and peak memory as one quantity grows, the rest held at the defaults.

- batch size and hidden width on the 3 groups; vocabulary (the clean vectorizer's max_features) on all
  20 groups, where the full vocabulary is largest;
- each framework's fastest clean form (the bag, in its fastest step on that device) and the tutorials'
  dense form, both on the clean recipe's tf-idf features and batches (the tutorial recipe drops the
  last partial batch, which at a batch of 4,096 would leave an epoch with no step);
- one way everywhere: each epoch's batches are sliced on the device inside the clock, as in the
  train-epoch rows, so every slope fits one kind of measurement;
- the two frameworks take turns at each point, round by round;
- on the CPU, and on the GPU where one is visible. The report fits a log-log slope to each line and
  names the crossovers (where the GPU starts to pay; where one framework overtakes the other).
"""

from types import SimpleNamespace

import pytest

from benchmarks import turns
from benchmarks.turns import clock
from benchmarks.cases import CATEGORY_SETS, describe, framework_or_skip, fresh_model, resolved_or_skip, warm_up
from benchmarks.test_training import SLOW_EPOCH, epoch_source, posts_trained_on, read_back
from shared.batches import prepare
from shared.config import FASTEST_STEP, Hyperparameters
from shared.vocab import vectorize

SCALES = {"batch": (16, 64, 256, 1024, 4096), "hidden": (64, 128, 256, 512, 1024),
          "vocab": (1000, 4000, 16000, 64000, None)}  # None: every word of the training posts
QUICK = {"batch": (64, 256), "hidden": (64, 128), "vocab": (1000, 4000)}
# The fastest clean bag step each framework measured on each device (results/): PyTorch's eager bag on the
# CPU and its CUDA graph on a GPU; TensorFlow's padded bag under XLA. Dense: each framework's auto step.
FASTEST_BAG_STEP = {("torch", "cpu"): "standard", ("torch", "gpu"): "captured", ("tf", "cpu"): "captured",
                ("tf", "gpu"): "captured"}
POINTS = [(axis, value) for axis, values in SCALES.items() for value in values]
ROUNDS = 3  # a point's rounds: the slope is fitted over five points


@pytest.fixture(scope="module")
def vocab_features(corpora):
    made = {}

    def get(max_features):
        if max_features not in made:
            made[max_features] = vectorize(corpora("20"), "clean", max_features)
        return made[max_features]
    return get


@pytest.mark.parametrize("form", ["bag", "dense"])
@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("axis, value", POINTS, ids=[f"{a}-{v or 'full'}" for a, v in POINTS])
def test_scaling(request, benchmark, settings, problems, corpora, vocab_features, memory, comparisons, axis, value,
                 framework, form, device):
    """One epoch a round at one point of an axis, the two frameworks taking turns there."""
    if settings.quick and value not in QUICK[axis]:
        pytest.skip(f"--quick measures {axis} at {' and '.join(map(str, QUICK[axis]))} only")
    benchmark.group = f"scaling {axis}"
    outcome = comparisons.outcome(
        request.node, lambda name: scaling_case(problems, corpora, vocab_features, memory, settings, axis, value, name,
                                                form, device),
        lambda case, turn: (clock(case.one_epoch, comparisons.disable_gc)[0], turns.described(case)),
        lambda case: 2 if settings.quick else ROUNDS)
    turns.record(benchmark, outcome.seconds)
    case = outcome.found[0]
    describe(benchmark, settings, variant=f"{framework} {form}", batches=case.batches, device=case.device,
             docs=posts_trained_on(case.batches), versions=case.versions, first_seconds=case.first,
             warm_up_seconds=case.warm_up, axis=axis, value=case.value, framework=framework, form=form, step=case.step,
             batches_prebuilt=False, clock="slicing each batch on the device, and the steps", **case.peaks)


def scaling_case(problems, corpora, vocab_features, memory, settings, axis, value, framework, form, device):
    impl, placed = framework_or_skip(framework, device)
    step = FASTEST_BAG_STEP[framework, device] if form == "bag" else FASTEST_STEP[framework, device][form]
    if axis == "vocab":
        hp = resolved_or_skip(Hyperparameters(recipe="clean", form=form, step=step, categories=CATEGORY_SETS["20"]), framework)
        features = vocab_features(value)
        batches = prepare(corpora("20"), hp, features)
        value = features.vocab_size
    else:
        hp, batches = problems("bag", "3", framework=framework, step=step, as_form=form,
                               **{"batch_size" if axis == "batch" else axis: value})
    memory.start(impl, placed)
    model, optimizer, train_step = fresh_model(impl, hp, batches, placed)
    epoch, _ = epoch_source(impl, batches, placed, hp, "device")

    def one_epoch():
        return read_back(impl.train_epoch(model, optimizer, train_step, epoch()))
    first, more = warm_up(one_epoch, SLOW_EPOCH, settings.warm_up)
    memory.stop()
    return SimpleNamespace(one_epoch=one_epoch, batches=batches, device=impl.device_name(placed), versions=impl.versions(),
                           first=first, warm_up=more, value=value, step=step, peaks=memory.peaks())

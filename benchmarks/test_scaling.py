"""scaling: seconds per epoch and peak memory as one quantity grows, the rest held at the defaults.

- batch size and hidden width on the 3 groups; vocabulary (the clean vectorizer's max_features) on all
  20 groups, where the full vocabulary is largest;
- each framework's fastest clean form (the bag, in its fastest step on that device) and the tutorials'
  dense form, both on the clean recipe's tf-idf features and batches (the tutorial recipe drops the
  last partial batch, which at a batch of 4,096 would leave an epoch with no step);
- one way along each axis: on the vocabulary axis the dense batches are made inside the clock at every
  size (from 64,000 words an epoch of them no longer fits before it, shared/fast.py), so its slope fits
  one kind of measurement; elsewhere every batch is made before the clock;
- on the CPU, and on the GPU where one is visible. The report fits a log-log slope to each line and
  names the crossovers (where the GPU starts to pay; where one framework overtakes the other).
"""

import pytest

from benchmarks.conftest import CATEGORY_SETS, describe, framework_or_skip, fresh_model, resolved_or_skip, timed
from benchmarks.test_training import epoch_source, posts_trained_on, read_back, rounds_for
from shared.batches import prepare
from shared.config import Hyperparameters
from shared.fast import fits_before_the_clock
from shared.vocab import vectorize

SCALES = {"batch": (16, 64, 256, 1024, 4096), "hidden": (64, 128, 256, 512, 1024),
          "vocab": (1000, 4000, 16000, 64000, None)}  # None: every word of the training posts
QUICK = {"batch": (64, 256), "hidden": (64, 128), "vocab": (1000, 4000)}
# The fastest clean step each framework measured on each device (results/): PyTorch's eager bag on the
# CPU and its CUDA graph on a GPU; TensorFlow's padded bag under XLA.
FASTEST_STEP = {("torch", "cpu"): "standard", ("torch", "gpu"): "captured", ("tf", "cpu"): "captured",
                ("tf", "gpu"): "captured"}
POINTS = [(axis, value) for axis, values in SCALES.items() for value in values]


def made_in_the_clock(axis, batches):
    """Whether a point's batches are made inside its clock, one way along each axis: the dense ones on the
    vocabulary axis at every size, since the largest do not fit before it (shared/fast.py)."""
    return (axis == "vocab" and batches.form == "dense") or not fits_before_the_clock(batches)


@pytest.fixture(scope="module")
def vocab_features(corpora):
    made = {}

    def get(max_features):
        if max_features not in made:
            made[max_features] = vectorize(corpora("20"), "clean", max_features)
        return made[max_features]
    return get


@pytest.mark.parametrize("device", ["cpu", "gpu"])
@pytest.mark.parametrize("form", ["bag", "dense"])
@pytest.mark.parametrize("framework", ["torch", "tf"])
@pytest.mark.parametrize("axis, value", POINTS, ids=[f"{a}-{v or 'full'}" for a, v in POINTS])
def test_scaling(benchmark, settings, problems, corpora, vocab_features, memory, axis, value, framework, form, device):
    if settings.quick and value not in QUICK[axis]:
        pytest.skip(f"--quick measures {axis} at {' and '.join(map(str, QUICK[axis]))} only")
    impl, placed = framework_or_skip(framework, device)
    step = FASTEST_STEP[framework, device] if form == "bag" else "standard"
    benchmark.group = f"scaling {axis}"
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
    if made_in_the_clock(axis, batches):
        build = impl.feeder(batches, placed, hp.step)

        def epoch():
            return (build(rows) for rows in batches.epoch_rows(0))
    else:
        epoch = epoch_source(impl, batches, placed, hp, "device")

    def one_epoch():
        return read_back(impl.train_epoch(model, optimizer, train_step, epoch()))
    first, _ = timed(one_epoch)
    benchmark.pedantic(one_epoch, rounds=min(3, rounds_for(first, settings)), iterations=1)
    memory.stop()
    describe(benchmark, settings, variant=f"{framework} {form}", batches=batches, device=impl.device_name(placed),
             docs=posts_trained_on(batches), versions=impl.versions(), first_seconds=first, axis=axis, value=value,
             framework=framework, form=form, step=step, **memory.peaks())

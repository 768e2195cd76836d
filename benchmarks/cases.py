"""What the benchmark cases share: their hyperparameters, frameworks and devices, weights, memory checks,
the clock and the extra_info every row carries (the fixtures and hooks are in conftest.py)."""

import time
from dataclasses import replace

import pytest

from shared.lab.cli import COMPARE_INIT
from shared.config import FASTEST_STEP, Hyperparameters
from shared.dataset import CATEGORIES, TUTORIAL_CATEGORIES
from shared.errors import UserError
from shared.lab.record import cpu_model, library_versions
from shared.lab.runner import implementation, installed_frameworks
from shared.weights import initial_weights

FRAMEWORKS_HERE = installed_frameworks()
CATEGORY_SETS = {"3": TUTORIAL_CATEGORIES, "20": CATEGORIES}
RECIPE_OF_FORM = {"dense": "tutorial", "sparse": "clean", "bag": "clean"}  # the tutorials' dense path, the clean ones


# train-epoch's variants, name -> (framework, step, feed): each framework's standard step, TensorFlow's with its
# fused Adam, compiled, and captured whole (padded bag), fed from batches built on the device; and the host-fed
# way, a batch copied from the host each step.
VARIANTS = {"torch": ("torch", "standard", "device"), "torch-host-fed": ("torch", "standard", "host"),
            "torch-compile": ("torch", "compiled", "device"), "torch-graph": ("torch", "captured", "device"),
            "tf": ("tf", "standard", "device"), "tf-fused": ("tf", "fused", "device"),
            "tf-host-fed": ("tf", "standard", "host"), "tf-xla": ("tf", "compiled", "device"),
            "tf-xla-padded": ("tf", "captured", "device"), "sklearn-mlp": ("sklearn", "standard", "host")}


def is_auto(framework, step, feed, form, device):
    """Whether a variant is what --step auto runs for this form and device (fed as train() feeds)."""
    return feed == "device" and (framework, device) in FASTEST_STEP and step == FASTEST_STEP[framework, device][form]


def case_hyperparameters(form, categories, seed=0, remove=(), as_form=None, **overrides):
    """A case's hyperparameters: the recipe of input form `form`, and one initial-weight scheme for both
    frameworks in every case (compare's, in the tutorial recipe, not each tutorial's own)."""
    recipe = RECIPE_OF_FORM[form]
    hp = Hyperparameters(recipe=recipe, form=as_form or form, seed=seed, remove=remove,
                         categories=CATEGORY_SETS[categories], init=COMPARE_INIT if recipe == "tutorial" else None)
    return replace(hp, **overrides)


def framework_or_skip(framework, device):
    """The implementation package and its placed device, or a skip that says why."""
    if framework not in FRAMEWORKS_HERE:
        pytest.skip(f"{framework} is not installed")
    impl = implementation(framework)
    placed = impl.resolve_device("auto")
    if device == "gpu" and placed == impl.resolve_device("cpu"):
        pytest.skip(f"no GPU visible to {framework}")
    return impl, (placed if device == "gpu" else impl.resolve_device("cpu"))


def resolved_or_skip(hp, framework):
    try:
        return hp.resolved(framework)
    except UserError as error:
        pytest.skip(str(error))


def initial_of(hp, batches):
    return initial_weights(hp.init, batches.features.vocab_size, hp.hidden, batches.n_classes, hp.seed)


def memory_available_mb():
    """What Linux says a new allocation can have without swapping (MemAvailable), in MB; None elsewhere."""
    try:
        with open("/proc/meminfo") as info:
            return next(int(line.split()[1]) for line in info if line.startswith("MemAvailable:")) / 1024
    except (OSError, StopIteration):
        return None


def memory_needed_mb(hp, batches, prebuilt=False):
    """About what a training case holds at its peak: four float32 copies of every weight (the weights, their
    gradient, Adam's two moments) and the dense batches alive at once (an epoch's where they are made
    before the clock (prebuilt: host-fed cases), else the one being made and the one training)."""
    n_params = (batches.features.vocab_size + hp.hidden + batches.n_classes + 2) * hp.hidden + batches.n_classes
    batch = batches.batch_size * batches.features.vocab_size * 4 if batches.form == "dense" else 0
    alive = batches.steps_per_epoch if prebuilt else 2
    return (16 * n_params + alive * batch) / 2**20


def skip_without_memory(hp, batches, available=None, prebuilt=False):
    """A skip that says how much memory the case needs, where this machine has less free."""
    available = memory_available_mb() if available is None else available
    needed = memory_needed_mb(hp, batches, prebuilt)
    if available is not None and needed > available:
        pytest.skip(f"needs about {needed:,.0f} MB of memory; this machine has {available:,.0f} MB free")


def fresh_model(impl, hp, batches, placed):
    """(model, optimizer, step) from the shared initial weights; a skip that says why for a step this
    device cannot run."""
    weights = initial_of(hp, batches)
    try:
        step = impl.make_train_step(hp.step, placed)
    except UserError as error:
        pytest.skip(str(error))
    impl.seed_randomness(hp.seed)  # dropout's masks, as train() seeds them
    model = impl.build_model(weights, placed, hp.form, hp.dropout)
    return model, impl.make_optimizer(model, hp), step


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def describe(benchmark, settings, *, variant, batches=None, device="cpu", docs, versions, **more):
    """The extra_info every benchmark carries; docs is the posts one timed round processes. A training row says
    what its clock holds in `batches_prebuilt` (given by the case: its batches made before the clock or not)."""
    stats = benchmark.stats.stats if benchmark.stats else None
    info = {"variant": variant, "threads": settings.threads, "device": device,
            "docs": docs, "docs_per_second": docs / stats.median if docs and stats and stats.median else None,
            "versions": library_versions(versions), "cpu": cpu_model()}
    if batches is not None:
        info.update(vocab_size=batches.features.vocab_size, batch_size=batches.batch_size, input=batches.form,
                    categories=len(batches.categories))
    benchmark.extra_info.update(info, **more)


STEADY = 0.10  # two warm-up epochs in a row within a tenth of each other: the case has settled
MOST_WARM_UP = 5


def warm_up(one_round, slow_seconds=10.0, most=MOST_WARM_UP):
    """Runs `one_round` outside the clock until it is steady: the first call (tracing, compiling, allocating)
    timed apart, then more until two in a row agree within STEADY (at most MOST_WARM_UP; one where a round
    takes over slow_seconds; `most` in a --quick run, which checks that the cases run, not their times). Returns (first call's seconds, the other warm-up calls' seconds). Whether this
    is enough is checked on every run: the report counts the rows whose first timed round was their slowest."""
    first, _ = timed(one_round)
    more = []
    while len(more) < (1 if first > slow_seconds else most):
        more.append(timed(one_round)[0])
        if len(more) >= 2 and abs(more[-1] - more[-2]) <= STEADY * min(more[-2:]):
            break
    return first, more

"""Benchmark fixtures and the fairness rules they enforce.

- Threads: one count for both frameworks (--threads, default all cores), set here, before either
  framework runs anything (TensorFlow only takes it then).
- Host memory: freed blocks kept for reuse (shared/allocator.py), so no case times the kernel
  faulting in a fresh gradient every step; the JSON says what was set.
- Warm-up: the first epoch or call (tracing, compilation, allocation) is run and timed apart
  (extra_info["first_seconds"]), never counted in the steady-state rounds.
- GPU: every timed function ends by reading results back to the host, which waits for the device.
- Data: both frameworks get the same ready-made batches from shared/ and the same initial weights.
"""

import os
import shlex
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from shared.allocator import keep_freed_memory, peak_since, start_peak
from shared.batches import prepare
from shared.cli import COMPARE_INIT, default_threads
from shared.config import Hyperparameters
from shared.dataset import CATEGORIES, TUTORIAL_CATEGORIES, load_corpus
from shared.errors import UserError
from shared.fast import fits_before_the_clock
from shared.record import cpu_model, library_versions
from shared.runner import implementation, installed_frameworks
from shared.vocab import vectorize
from shared.weights import initial_weights

FRAMEWORKS_HERE = installed_frameworks()
HOST_ALLOCATOR = pytest.StashKey[str]()
CATEGORY_SETS = {"3": TUTORIAL_CATEGORIES, "20": CATEGORIES}
RECIPE_OF_FORM = {"dense": "tutorial", "sparse": "clean", "bag": "clean"}  # the tutorials' dense path, the clean ones


def pytest_addoption(parser):
    group = parser.getgroup("newsgroups-mlp")
    group.addoption("--threads", type=int, default=default_threads(), help="CPU threads for every framework")
    group.addoption("--quick", action="store_true",
                    help="smoke run: one round each, two seeds, the dense all-20 case left out")


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The command that made this file, for the report's 'reproduce' line, and the allocator setting."""
    output_json["command"] = shlex.join(["pytest", *config.invocation_params.args])
    output_json["host_allocator"] = config.stash[HOST_ALLOCATOR]


def pytest_configure(config):
    config.stash[HOST_ALLOCATOR] = keep_freed_memory() or "the C library's default"  # before any case allocates
    if config.getoption("--threads", None) is None:
        return
    for framework in FRAMEWORKS_HERE:
        implementation(framework).configure_threads(config.getoption("--threads"))


@pytest.fixture(scope="session")
def settings(request):
    quick = request.config.getoption("--quick")
    return SimpleNamespace(threads=request.config.getoption("--threads"), quick=quick,
                           rounds=1 if quick else 5, seeds=range(2 if quick else 5))


@pytest.fixture(scope="session")
def corpora():
    loaded = {}

    def get(categories, remove=()):
        if (categories, remove) not in loaded:
            try:
                loaded[categories, remove] = load_corpus(CATEGORY_SETS[categories], remove=remove)
            except UserError as error:
                message = f"the real 20 Newsgroups data is not available ({error})"
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
        return loaded[categories, remove]
    return get


def case_hyperparameters(form, categories, seed=0, remove=(), as_form=None, **overrides):
    """A case's hyperparameters: the recipe of input form `form`, and one initial-weight scheme for both
    frameworks in every case (compare's, in the tutorial recipe, not each tutorial's own)."""
    recipe = RECIPE_OF_FORM[form]
    hp = Hyperparameters(recipe=recipe, form=as_form or form, seed=seed, remove=remove,
                         categories=CATEGORY_SETS[categories], init=COMPARE_INIT if recipe == "tutorial" else None)
    return replace(hp, **overrides)


@pytest.fixture(scope="session")
def problems(corpora):
    """problem(form, categories, seed) -> (hp, Batches), vectorized once per recipe and category set."""
    features = {}

    def get(form, categories, seed=0, framework="torch", remove=(), as_form=None, **overrides):
        """The recipe of input form `form` (dense: the tutorial's, else the clean one), fed as `as_form` if given."""
        hp = resolved_or_skip(case_hyperparameters(form, categories, seed, remove, as_form, **overrides), framework)
        corpus = corpora(categories, remove)
        key = hp.recipe, categories, remove
        if key not in features:
            features[key] = vectorize(corpus, hp.recipe)
        return hp, prepare(corpus, hp, features[key])
    return get


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


def memory_needed_mb(hp, batches):
    """About what a training case holds at its peak: four float32 copies of every weight (the weights, their
    gradient, Adam's two moments) and the dense batches alive at once (an epoch's where they are made
    before the clock, else the one being made and the one training)."""
    n_params = (batches.features.vocab_size + hp.hidden + batches.n_classes + 2) * hp.hidden + batches.n_classes
    batch = batches.batch_size * batches.features.vocab_size * 4 if batches.form == "dense" else 0
    alive = batches.steps_per_epoch if fits_before_the_clock(batches) else 2
    return (16 * n_params + alive * batch) / 2**20


def skip_without_memory(hp, batches, available=None):
    """A skip that says how much memory the case needs, where this machine has less free."""
    available = memory_available_mb() if available is None else available
    needed = memory_needed_mb(hp, batches)
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


@pytest.fixture
def memory():
    """The case's own peak memory while it trains: start(impl, placed) just before its model and batches are
    made, stop() just after its timed rounds (shared/allocator.py: start_peak; free heap memory is handed back
    first, so the figure does not depend on which case ran before). peaks() gives what stop() read: the rise
    of the process's resident memory at its peak, and the device's peak where it has one."""
    state = {}

    def start(impl=None, placed=None):
        state.update(impl=impl, placed=placed, start=start_peak())
        if impl is not None:
            impl.reset_peak_memory(placed)

    def stop():
        state["found"] = {"peak_host_mb": peak_since(state["start"])}
        if state["impl"] is not None:
            state["found"]["peak_device_mb"] = state["impl"].peak_memory_mb(state["placed"])

    return SimpleNamespace(start=start, stop=stop, peaks=lambda: state["found"])


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def describe(benchmark, settings, *, variant, batches=None, device="cpu", docs, versions, **more):
    """The extra_info every benchmark carries; docs is the posts one timed round processes."""
    stats = benchmark.stats.stats if benchmark.stats else None
    info = {"variant": variant, "threads": settings.threads, "device": device,
            "docs": docs, "docs_per_second": docs / stats.median if docs and stats and stats.median else None,
            "versions": library_versions(versions), "cpu": cpu_model()}
    if batches is not None:
        info.update(vocab_size=batches.features.vocab_size, batch_size=batches.batch_size, input=batches.form,
                    categories=len(batches.categories), batches_prebuilt=fits_before_the_clock(batches))
    benchmark.extra_info.update(info, **more)

"""Benchmark fixtures and hooks, and the fairness rules they enforce (what the cases share is in cases.py).

- Threads: one count for both frameworks (--threads, default all cores), set here, before either
  framework runs anything (TensorFlow only takes it then).
- Host memory: freed blocks kept for reuse (shared/lab/allocator.py), so no case times the kernel
  faulting in a fresh gradient every step; the JSON says what was set.
- Warm-up: the first epoch or call (tracing, compilation, allocation) is run and timed apart
  (extra_info["first_seconds"]), then more until two in a row agree within a tenth (cases.warm_up), and
  once more just before its first timed round, once the rest of its group is built; never counted.
- Each framework alone: make bench runs each in processes of its own, in pairs (--frameworks), the cases of
  neither in PyTorch's; a process of both interleaves both.
- Rounds interleaved: each comparison's variants (PyTorch's, TensorFlow's, the peers') take turns, one
  round each, in an order drawn afresh each round from a recorded seed, so drift over a run falls on all
  of them alike. Every case of a comparison is built before its first timed round (outside the clock) and
  let go after its last; each case is then one pytest-benchmark row holding all its rounds (benchmarks/turns.py).
- Processes: each process draws its own memory layout and thread placement; `make bench` runs the suite
  in several, and the report computes every interval over them.
- GPU: every timed function ends by reading results back to the host, which waits for the device.
- Data: both frameworks get the same ready-made batches from shared/ and the same initial weights.
"""

import math
import os
import random
import shlex
import sys
from types import SimpleNamespace

import pytest

from benchmarks import turns
from benchmarks.cases import (MOST_WARM_UP, CATEGORY_SETS, FRAMEWORKS_HERE, VARIANTS, case_hyperparameters, is_auto,
                              resolved_or_skip)
from shared.lab.allocator import keep_freed_memory, peak_since, start_peak
from shared.batches import prepare
from shared.lab.cli import default_threads
from shared.dataset import load_corpus
from shared.errors import UserError
from shared.lab.machine import Watch, installed_packages
from shared.lab.runner import implementation, installed_frameworks
from shared.vocab import vectorize

HOST_ALLOCATOR = pytest.StashKey[str]()
ORDER_SEED = pytest.StashKey[int]()
WATCH = pytest.StashKey[Watch]()
HEADLINE_SCOPE = pytest.StashKey[bool]()
LEFT_OUT = pytest.StashKey[dict]()
GPU_HERE = pytest.StashKey[bool]()
ROUNDS, QUICK_ROUNDS = 5, 3  # a smoke run's three: enough for pytest-benchmark's spread columns to mean something
# Rounds of a case whose round takes a fraction of a second: every prediction and the 3-group sparse and bag
# epochs, the ratios the headline cites. With five, a process's median was the noisiest part of its ratio (the
# sparse prediction's ratio spread from 2.25 to 4.12 over one run's five processes); ten more cost seconds.
SHORT_ROUNDS = 15
# Seeds a 10-epoch training gets in a process: five on 3 groups, three on all 20 (the accuracy table); one on all 20
# where only the headline cases run (each such process is one of several repeats, and a headline process stays
# within a few minutes: these trainings took 72 of a headline process's 135 s with two seeds). The 3-group trainings
# keep five: with three, one slow seed (2.28 s among 1.06 and 1.43) set a process's median and its ratio to 1.0.
SEEDS, QUICK_SEEDS = 5, 2
SEEDS_ON_20, HEADLINE_SEEDS_ON_20 = 3, 1
WHOLE_SUITE = "most of an hour on a 2-core VM"
# pytest-benchmark's options for its own calibrating loop, which the suite replaces by its interleaved rounds:
# each is refused rather than recorded and ignored. {option: what to use instead}
REFUSED = {
    "--benchmark-min-rounds": "each case's rounds are set by the suite (ROUNDS, SHORT_ROUNDS in benchmarks/conftest.py)",
    "--benchmark-max-time": "each case's rounds are set by the suite, not by a time budget",
    "--benchmark-min-time": "a round is one epoch or one prediction of the test split, never calibrated",
    "--benchmark-calibration-precision": "a round is one epoch or one prediction of the test split, never calibrated",
    "--benchmark-warmup": "every case warms up until two rounds agree within a tenth (benchmarks/cases.py: warm_up)",
    "--benchmark-warmup-iterations": "every case warms up until two rounds agree within a tenth (benchmarks/cases.py)",
    "--benchmark-cprofile": "use `newsgroups-mlp profile`, which profiles one training with each framework's own profiler",
    "--benchmark-cprofile-loops": "use `newsgroups-mlp profile`",
    "--benchmark-cprofile-top": "use `newsgroups-mlp profile`",
    "--benchmark-cprofile-dump": "use `newsgroups-mlp profile`",
}


def headline(name, params):
    """Whether a case is one the results' headline table cites: the clean recipe's bag and sparse epochs on
    3 groups and the prediction of each, at each framework's auto step, and the 10-epoch trainings."""
    if name == "test_train_epoch":
        return params["device"] == "cpu" and params["categories"] == "3" and params["form"] in ("bag", "sparse") and \
            is_auto(*VARIANTS[params["variant"]], params["form"], "cpu")
    if name == "test_inference":
        return params["device"] == "cpu" and params["form"] in ("bag", "sparse") and params["variant"] in ("torch", "tf")
    return name == "test_accuracy" and params["metadata"] == "with" and params["variant"] in ("torch", "tf")


def case_rounds(name, params, quick=False):
    """How many timed rounds a train-epoch or inference case gets: SHORT_ROUNDS for a prediction or a 3-group
    sparse or bag epoch, ROUNDS for the rest (a train-epoch case whose epoch turns out slow takes fewer:
    test_training.py). None for another test: its module's ROUNDS."""
    if name not in ("test_train_epoch", "test_inference"):
        return None
    if quick:
        return QUICK_ROUNDS
    short = name == "test_inference" or (params.get("categories") == "3" and params.get("form") in ("sparse", "bag"))
    return SHORT_ROUNDS if short else ROUNDS


def case_seeds(params, headline_only=False, quick=False):
    """How many seeds (each one round) a training case gets in this process."""
    if quick:
        return QUICK_SEEDS
    if params.get("categories") != "20":
        return SEEDS
    return HEADLINE_SEEDS_ON_20 if headline_only else SEEDS_ON_20


def framework_of_case(params):
    """The framework a case times (inference's tf-eager is TensorFlow's), or None for a peer or a data case."""
    name = params.get("framework") or params.get("variant", "")
    framework = VARIANTS[name][0] if name in VARIANTS else name.split("-")[0]
    return framework if framework in ("torch", "tf") else None


def pytest_addoption(parser):
    group = parser.getgroup("newsgroups-mlp")
    group.addoption("--threads", type=int, default=default_threads(), help="CPU threads for every framework")
    group.addoption("--full", action="store_true",
                    help=f"the whole suite ({WHOLE_SUITE}); without it, and without -m, -k or a named file, the "
                         "headline cases alone")
    group.addoption("--quick", action="store_true",
                    help="smoke run: three rounds each, two seeds, the dense all-20 case left out; no figure to cite")
    group.addoption("--frameworks", default="torch,tf",
                    help="the frameworks this process imports and times (torch, tf or torch,tf): one alone measures "
                         "it without the other's threads in the process")
    group.addoption("--order-seed", type=int, default=None,
                    help="seed of the order in which each round's variants take their turn (default: drawn, and recorded)")


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The command that made this file, for the report's 'reproduce' line, the allocator setting, whether it was a
    smoke run, and the machine: what else it was doing while this process ran, and every package installed."""
    output_json["command"] = shlex.join(["pytest", *config.invocation_params.args])
    output_json["host_allocator"] = config.stash[HOST_ALLOCATOR]
    output_json["order_seed"] = config.stash[ORDER_SEED]
    output_json["quick"] = bool(config.getoption("--quick"))
    output_json["machine_state"] = config.stash[WATCH].machine_state()
    output_json["packages"] = installed_packages()
    output_json["frameworks_imported"] = [m for m in ("torch", "tensorflow") if m in sys.modules]


def refused_option(config):
    """The first pytest-benchmark option given that the suite cannot honour, as one line, or None."""
    given = [*config.invocation_params.args, *shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))]
    for arg in given:
        name = arg.split("=", 1)[0]
        if name in REFUSED:
            return f"{name} does not apply to this suite: {REFUSED[name]}"
    timer = config.getoption("benchmark_timer", None)
    if timer is not None and str(timer) not in ("time.perf_counter", "perf_counter"):
        return (f"--benchmark-timer={timer} is refused: every figure here is wall time (time.perf_counter), as "
                "the report labels it; CPU time would hide the threads a framework waits on")
    return None


def pytest_configure(config):
    refused = refused_option(config)
    if refused:
        raise pytest.UsageError(refused)
    chosen = [f.strip() for f in config.getoption("--frameworks").split(",") if f.strip()]
    unknown = sorted(set(chosen) - {"torch", "tf"})
    if unknown or not chosen:
        raise pytest.UsageError(f"--frameworks takes torch, tf or torch,tf, not {config.getoption('--frameworks')!r}")
    FRAMEWORKS_HERE[:] = [f for f in FRAMEWORKS_HERE if f in chosen]
    config.stash[WATCH] = Watch()
    config.stash[HOST_ALLOCATOR] = keep_freed_memory() or "the C library's default"  # before any case allocates
    seed = config.getoption("--order-seed", None)
    config.stash[ORDER_SEED] = seed if seed is not None else random.SystemRandom().randrange(2**31)
    config.stash[HEADLINE_SCOPE] = headline_scope(config)
    for framework in FRAMEWORKS_HERE:
        implementation(framework).configure_threads(config.getoption("--threads"))


def headline_scope(config):
    """Whether this process runs the headline cases alone: asked for (-m headline), or by default (no --full, -m,
    -k, or file or case named)."""
    if config.getoption("markexpr", "") == "headline":
        return True
    if config.getoption("--full") or config.getoption("markexpr", "") or config.getoption("keyword", ""):
        return False
    return not any(arg.endswith(".py") or "::" in arg for arg in config.args)


def gpu_visible():
    """Whether a framework of this process sees a GPU."""
    return any(implementation(f).resolve_device("auto") != implementation(f).resolve_device("cpu")
               for f in FRAMEWORKS_HERE)


@pytest.hookimpl(trylast=True)  # after the parametrize marks: ids read variant-form-categories-device
def pytest_generate_tests(metafunc):
    """device: the CPU, and the GPU where one is visible; the GPU cases are not collected on a machine without one
    (counted for the line after collection)."""
    if "device" not in metafunc.fixturenames:
        return
    config = metafunc.config
    if GPU_HERE not in config.stash:
        config.stash[GPU_HERE] = gpu_visible()
    if not config.stash[GPU_HERE]:
        left_out = config.stash.setdefault(LEFT_OUT, {"gpu": 0})
        left_out["gpu"] += math.prod(len(m.args[1]) for m in metafunc.definition.iter_markers("parametrize"))
    metafunc.parametrize("device", ["cpu", "gpu"] if config.stash[GPU_HERE] else ["cpu"])


@pytest.hookimpl(tryfirst=True)  # before -m reads the marks
def pytest_collection_modifyitems(config, items):
    """Marks the headline cases, and leaves out what this process does not run: the cases of a framework not in
    --frameworks, and by default every case but the headline ones."""
    kept, dropped = [], []
    scope = config.stash.get(HEADLINE_SCOPE, False) and config.getoption("markexpr", "") != "headline"
    # A case of neither framework (a peer's, the data's) runs beside PyTorch's where PyTorch is installed: in make
    # bench's pairs of processes, each framework alone, it would otherwise run twice.
    peers_beside = "torch" if "torch" in installed_frameworks() else None
    for item in items:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        framework = framework_of_case(params) or peers_beside
        if framework is not None and framework not in FRAMEWORKS_HERE:
            dropped.append(item)
            continue
        if headline(item.originalname, params):
            item.add_marker(pytest.mark.headline)
        elif scope:
            dropped.append(item)
            continue
        kept.append(item)
    items[:] = kept
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def pytest_report_collectionfinish(config, start_path, items):
    lines = []
    gpu = config.stash.get(LEFT_OUT, {}).get("gpu", 0)
    if gpu:
        lines.append(f"{gpu} GPU cases not collected: no GPU visible to {' or '.join(FRAMEWORKS_HERE) or 'a framework'}")
    if config.stash.get(HEADLINE_SCOPE, False):
        lines.append(f"the headline cases alone; --full runs the whole suite ({WHOLE_SUITE})")
    if len(FRAMEWORKS_HERE) > 1:
        lines.append("both frameworks in one process: PyTorch's rows run slower beside TensorFlow's threads; "
                     "--frameworks torch, then tf, times each alone, as make bench does")
    return lines


@pytest.fixture(scope="session")
def comparisons(request):
    """The session's interleaved comparisons (benchmarks/turns.py)."""
    return turns.Comparisons(request.config.stash[ORDER_SEED], request.config.getoption("benchmark_disable_gc", False))


@pytest.fixture
def rounds(request, settings):
    """This item's case's count of timed rounds (case_rounds)."""
    return case_rounds(request.node.originalname, request.node.callspec.params, settings.quick)


@pytest.fixture
def seeds(request, settings):
    """This item's count of seeds, each one round (case_seeds)."""
    return case_seeds(request.node.callspec.params, request.config.stash[HEADLINE_SCOPE], settings.quick)


@pytest.fixture(scope="session")
def settings(request):
    quick = request.config.getoption("--quick")
    return SimpleNamespace(threads=request.config.getoption("--threads"), quick=quick,
                           rounds=QUICK_ROUNDS if quick else ROUNDS,
                           warm_up=1 if quick else MOST_WARM_UP)


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


@pytest.fixture
def memory():
    """The case's own peak memory while it is built and warmed up: start(impl, placed) just before its model and
    batches are made, stop() once it is warm (shared/lab/allocator.py: start_peak; free heap memory is handed back
    first, so the figure does not depend on which case ran before). peaks() gives what stop() read: the rise
    of the process's resident memory at its peak, and of the device's where it has one."""
    state = {}

    def start(impl=None, placed=None):
        # what the device holds now (the variants of the group built before this one) is not this case's
        state.update(impl=impl, placed=placed, start=start_peak(), held=impl and impl.measure.reset_peak_memory(placed))

    def stop():
        state["found"] = {"peak_host_mb": peak_since(state["start"])}
        if state["impl"] is not None:
            state["found"]["peak_device_mb"] = state["impl"].measure.peak_memory_mb(state["placed"], state["held"])

    return SimpleNamespace(start=start, stop=stop, peaks=lambda: state["found"])



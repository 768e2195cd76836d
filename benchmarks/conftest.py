"""Benchmark fixtures and hooks, and the fairness rules they enforce (what the cases share is in cases.py).

- Threads: one count for both frameworks (--threads, default all cores), set here, before either
  framework runs anything (TensorFlow only takes it then).
- Host memory: freed blocks kept for reuse (shared/lab/allocator.py), so no case times the kernel
  faulting in a fresh gradient every step; the JSON says what was set.
- Warm-up: the first epoch or call (tracing, compilation, allocation) is run and timed apart
  (extra_info["first_seconds"]), then more until two in a row agree within a tenth (cases.warm_up), and
  once more just before its first timed round, once the rest of its group is built; never counted.
- Rounds interleaved: each comparison's variants (PyTorch's, TensorFlow's, the peers') take turns, one
  round each, in an order drawn afresh each round from a recorded seed, so drift over a run falls on all
  of them alike. Every case of a comparison is built before its first timed round (outside the clock) and
  let go after its last.
- Processes: each process draws its own memory layout and thread placement; `make bench` runs the suite
  in several, and the report computes every interval over them.
- GPU: every timed function ends by reading results back to the host, which waits for the device.
- Data: both frameworks get the same ready-made batches from shared/ and the same initial weights.
"""

import os
import random
import shlex
from collections import defaultdict
from types import SimpleNamespace

import pytest

from benchmarks.cases import (MOST_WARM_UP, CATEGORY_SETS, FRAMEWORKS_HERE, VARIANTS, case_hyperparameters, is_auto,
                              resolved_or_skip)
from shared.lab.allocator import keep_freed_memory, peak_since, start_peak
from shared.batches import prepare
from shared.lab.cli import default_threads
from shared.dataset import load_corpus
from shared.errors import UserError
from shared.lab.runner import implementation
from shared.vocab import vectorize

HOST_ALLOCATOR = pytest.StashKey[str]()
ORDER_SEED = pytest.StashKey[int]()
ROUNDS, QUICK_ROUNDS = 5, 1
# Rounds of a case whose round takes a fraction of a second: every prediction and the 3-group sparse and bag
# epochs, the ratios the headline cites. With five, a process's median was the noisiest part of its ratio (the
# sparse prediction's ratio spread from 2.25 to 4.12 over one run's five processes); ten more cost seconds.
SHORT_ROUNDS = 15
# Seeds a 10-epoch training gets in a process: five on 3 groups, three on all 20 (the accuracy table); one on all 20
# where only the headline cases run (each such process is one of several repeats, and `-m headline` stays within
# 12 minutes: these trainings took 72 of a headline process's 135 s with two seeds). The 3-group trainings keep
# five: with three, one slow seed (2.28 s among 1.06 and 1.43) set a process's median and its ratio to 1.0.
SEEDS, QUICK_SEEDS = 5, 2
SEEDS_ON_20, HEADLINE_SEEDS_ON_20 = 3, 1
COMPARED = ("variant", "framework")  # the parameter whose values a comparison sets against each other
TURNS = ("round", "seed")  # the parameter that numbers a comparison's rounds


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


def case_seeds(params, headline_only=False):
    """How many seeds a training case gets in this process (the collection drops the items past it; a --quick
    run collects QUICK_SEEDS to begin with); None for a test without seeds."""
    if "seed" not in params:
        return None
    if params.get("categories") != "20":
        return SEEDS
    return HEADLINE_SEEDS_ON_20 if headline_only else SEEDS_ON_20


def headline_only(config):
    """Whether this process runs the headline cases alone (`-m headline`): one of several repeats of them."""
    return config.getoption("markexpr", "") == "headline"


def pytest_addoption(parser):
    group = parser.getgroup("newsgroups-mlp")
    group.addoption("--threads", type=int, default=default_threads(), help="CPU threads for every framework")
    group.addoption("--quick", action="store_true",
                    help="smoke run: one round each, two seeds, the dense all-20 case left out")
    group.addoption("--order-seed", type=int, default=None,
                    help="seed of the order in which each round's variants take their turn (default: drawn, and recorded)")


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The command that made this file, for the report's 'reproduce' line, and the allocator setting."""
    output_json["command"] = shlex.join(["pytest", *config.invocation_params.args])
    output_json["host_allocator"] = config.stash[HOST_ALLOCATOR]
    output_json["order_seed"] = config.stash[ORDER_SEED]


def pytest_configure(config):
    config.stash[HOST_ALLOCATOR] = keep_freed_memory() or "the C library's default"  # before any case allocates
    seed = config.getoption("--order-seed", None)
    config.stash[ORDER_SEED] = seed if seed is not None else random.SystemRandom().randrange(2**31)
    if config.getoption("--threads", None) is None:
        return
    for framework in FRAMEWORKS_HERE:
        implementation(framework).configure_threads(config.getoption("--threads"))


def pytest_generate_tests(metafunc):
    """round: a timed case's rounds, one test item each (as many as the module's ROUNDS, or the most case_rounds
    gives: the collection drops the items past a case's own count); seed: a training case's seeds, likewise."""
    quick = metafunc.config.getoption("--quick")
    rounds = QUICK_ROUNDS if quick else getattr(metafunc.module, "ROUNDS", SHORT_ROUNDS)
    for name, count in (("round", rounds), ("seed", QUICK_SEEDS if quick else SEEDS)):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, range(count), ids=[f"{name}{n}" for n in range(count)])


def comparison_of(item):
    """(test, the parameters that are neither compared nor turns) for an interleaved item, else None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    if not any(t in params for t in TURNS) or not any(c in params for c in COMPARED):
        return None
    return item.originalname, tuple(sorted((k, str(v)) for k, v in params.items() if k not in COMPARED + TURNS))


@pytest.hookimpl(tryfirst=True)  # before -m reads the marks
def pytest_collection_modifyitems(config, items):
    """Drops the rounds and seeds past a case's own count (case_rounds, case_seeds), marks the headline cases, and puts
    each comparison's items in turn order: round by round, the variants of a round in an order drawn from the
    recorded seed; the comparison stands where its first item stood."""
    order, blocks, dropped = [], defaultdict(list), []
    quick, alone = config.getoption("--quick"), headline_only(config)
    for item in items:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        rounds, seeds = case_rounds(item.originalname, params, quick), case_seeds(params, alone)
        if (rounds is not None and params.get("round", 0) >= rounds) or (seeds is not None and params["seed"] >= seeds):
            dropped.append(item)
            continue
        if headline(item.originalname, params):
            item.add_marker(pytest.mark.headline)
        key = comparison_of(item)
        if key is None:
            order.append([item])
            continue
        if key not in blocks:
            order.append(blocks[key])
        blocks[key].append(item)
    seed = config.stash[ORDER_SEED]
    arranged = []
    for members in order:
        turns = defaultdict(list)
        for item in members:
            params = item.callspec.params if hasattr(item, "callspec") else {}
            turns[next((params[t] for t in TURNS if t in params), 0)].append(item)
        for turn in sorted(turns):
            draw = sorted(turns[turn], key=lambda item: item.nodeid)
            random.Random(f"{seed} {draw[0].originalname} {turn} {len(arranged)}").shuffle(draw)
            arranged += draw
    items[:] = arranged
    if dropped:
        config.hook.pytest_deselected(items=dropped)


@pytest.fixture
def rounds(request, settings):
    """This item's case's count of timed rounds (case_rounds)."""
    return case_rounds(request.node.originalname, request.node.callspec.params, settings.quick)


@pytest.fixture
def compared(request):
    """What this item's comparison sets against each other in this session (its variants, or frameworks): the
    values of the compared parameter among the items selected to run."""
    key = comparison_of(request.node)
    name = next(c for c in COMPARED if c in request.node.callspec.params)
    return sorted({i.callspec.params[name] for i in request.session.items if comparison_of(i) == key})


@pytest.fixture(scope="session")
def cases():
    """Each interleaved case's state, built before its comparison's first timed round (outside the clock, every
    variant of it: building hands the heap's free memory back, which no timed round should follow) and let go
    after its last, so a comparison's variants live side by side while their rounds alternate. A case that skips is remembered
    as skipped, so its later rounds skip at once with the same reason."""
    built, skipped = {}, {}

    def get(key, build):
        if key in skipped:
            pytest.skip(skipped[key])
        if key not in built:
            try:
                built[key] = build()
            except pytest.skip.Exception as reason:  # its message alone: the exception holds the build's frames
                skipped[key] = str(reason)
                raise
        return built[key]

    def done(key):
        built.pop(key, None)
    return SimpleNamespace(get=get, done=done)


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



"""Rounds interleaved, one pytest-benchmark row per case.

A comparison (one test's items that differ only in the variant, or framework, they time) runs when its first item
runs: every variant built, then round by round each takes its turn, in an order drawn afresh every round from
the recorded seed, so drift over a run falls on all of them alike. Each item then hands its own rounds to its
`benchmark` fixture, so pytest-benchmark's table, --benchmark-compare, --benchmark-histogram and
`pytest-benchmark compare` see one row per case holding every round (real min, median, IQR, stddev).
"""

import gc
import random
import time
import traceback
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

COMPARED = ("variant", "framework")  # the parameter whose values a comparison sets against each other
# What the JSON's per-row "options" say, in place of the options pytest-benchmark's own loop would have used
# (its calibration, min rounds and max time do not apply: the suite sets each case's rounds; conftest refuses them).
OPTIONS = {"timer": "perf_counter", "rounds": "the suite's own count per case (benchmarks/conftest.py)",
           "interleaved": True, "warmup": "until two in a row agree within a tenth (benchmarks/cases.py: warm_up)"}


def comparison_of(item):
    """(test, the parameters that are not compared) for an item of a comparison, else None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    if not any(c in params for c in COMPARED):
        return None
    return item.originalname, tuple(sorted((k, str(v)) for k, v in params.items() if k not in COMPARED))


def compared_name(item):
    return next(item.callspec.params[c] for c in COMPARED if c in item.callspec.params)


@dataclass
class Outcome:
    """One variant's part of a comparison: each timed round's seconds and what it found, or why it has none."""
    seconds: list = field(default_factory=list)
    found: list = field(default_factory=list)
    skipped: str = None
    failed: str = None
    state: object = None


def clock(function, disable_gc=False):
    """(seconds, result) of one call on the wall clock (time.perf_counter), the collector off if asked."""
    collecting = gc.isenabled()
    if disable_gc:
        gc.disable()
    try:
        start = time.perf_counter()
        result = function()
        return time.perf_counter() - start, result
    finally:
        if collecting:
            gc.enable()


def take_turns(variants, prepare, one_round, rounds_of, draw):
    """{variant: Outcome}: each variant prepared (prepare(variant) -> state; a pytest.skip there skips it alone),
    then round after round each variant with rounds left takes one (one_round(state, turn) -> (seconds, found)), in
    the order draw(turn, variants) gives. A variant that fails or skips mid-way stops there; the others go on."""
    outcomes = {v: Outcome() for v in variants}
    live = []
    for variant in variants:
        outcome = outcomes[variant]
        try:
            outcome.state = prepare(variant)
            live.append(variant)
        except pytest.skip.Exception as reason:  # its message alone: the exception holds the build's frames
            outcome.skipped = str(reason)
        except Exception:
            outcome.failed = traceback.format_exc()
    most = max((rounds_of(outcomes[v].state) for v in live), default=0)
    for turn in range(most):
        for variant in draw(turn, [v for v in live if turn < rounds_of(outcomes[v].state)]):
            outcome = outcomes[variant]
            if outcome.skipped or outcome.failed:
                continue
            try:
                seconds, found = one_round(outcome.state, turn)
            except pytest.skip.Exception as reason:
                outcome.skipped = str(reason)
            except Exception:
                outcome.failed = traceback.format_exc()
            else:
                outcome.seconds.append(seconds)
                outcome.found.append(found)
    for outcome in outcomes.values():
        outcome.state = None  # every case of the comparison let go after its last round
    return outcomes


class Comparisons:
    """The session's comparisons: each run once, when its first item runs; every item then takes its own rounds."""

    def __init__(self, order_seed, disable_gc=False):
        self.order_seed, self.disable_gc, self.done = order_seed, disable_gc, {}

    def draw(self, key):
        def order(turn, variants):
            drawn = sorted(variants)
            random.Random(f"{self.order_seed} {key} {turn}").shuffle(drawn)
            return drawn
        return order

    def outcome(self, item, prepare, one_round, rounds_of):
        """This item's Outcome, its comparison run first if it has not been (over the variants selected to run)."""
        key = comparison_of(item)
        if key not in self.done:
            variants = sorted({compared_name(i) for i in item.session.items if comparison_of(i) == key})
            self.done[key] = take_turns(variants, prepare, one_round, rounds_of, self.draw(key))
        outcome = self.done[key].pop(compared_name(item))
        if outcome.failed:
            pytest.fail(outcome.failed, pytrace=False)
        if outcome.skipped:
            pytest.skip(outcome.skipped)
        return outcome


def described(case):
    """What an item describes its row with, without what the case ran: its model and optimizer live in its round's
    closure, and an outcome is kept until the comparison's last item has run, so it must not keep them alive."""
    return SimpleNamespace(**{name: value for name, value in vars(case).items() if not callable(value)})


def record(benchmark, seconds, iterations=1):
    """Hands rounds timed in their comparison to the item's benchmark fixture, as pedantic(rounds=...) would
    have timed them: one row, every round in it. pytest-benchmark has no public call for rounds timed outside
    its own loop (its maintainers' answer to that request is this use of _make_stats); the suite pins the
    version and tests/test_benchmark_rules.py checks the rows it gives."""
    if benchmark.disabled:  # --benchmark-disable: the cases ran, nothing is recorded
        return
    benchmark._mode = "benchmark.pedantic(...)"
    stats = benchmark._make_stats(iterations)
    stats.options = dict(OPTIONS)
    for duration in seconds:
        stats.update(duration)

"""Whether a difference between the frameworks is resolved: paired by seed, Student t, sample spreads."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from shared.cli import comparison_table
from shared.stats import paired_difference, sample_std, seeds_to_resolve, unpaired_difference

# LESSONS §3: the clean recipe, seeds 0-4, per-seed test accuracy
CLEAN_TORCH = [0.9720, 0.9720, 0.9771, 0.9712, 0.9720]
CLEAN_TF = [0.9763, 0.9754, 0.9737, 0.9754, 0.9720]


def test_the_clean_recipes_difference_is_not_resolved_by_five_seeds():
    d = paired_difference(CLEAN_TORCH, CLEAN_TF)
    differences = np.subtract(CLEAN_TF, CLEAN_TORCH)
    half = stats.t.ppf(0.975, 4) * differences.std(ddof=1) / np.sqrt(5)
    assert d.mean == pytest.approx(differences.mean()) and d.high - d.mean == pytest.approx(half)
    assert d.low < 0 < d.high and not d.resolved and d.n == 5
    assert d.verdict() == f"not resolved with 5 seeds (about {d.seeds_needed} would resolve one this size)"
    # what it would take: the fewest seeds whose interval at this spread excludes a difference this size
    n = d.seeds_needed
    assert stats.t.ppf(0.975, n - 1) * differences.std(ddof=1) / np.sqrt(n) < abs(d.mean)
    assert stats.t.ppf(0.975, n - 2) * differences.std(ddof=1) / np.sqrt(n - 1) >= abs(d.mean)


def test_a_difference_larger_than_its_spread_is_resolved():
    d = paired_difference([0.90, 0.91, 0.92], [0.95, 0.97, 0.96])
    assert d.resolved and d.low > 0 and d.verdict() == "resolved with 3 seeds"
    assert seeds_to_resolve(0.0, 0.01) is None and seeds_to_resolve(0.01, 0.0) == 2


def test_unpaired_samples_use_welchs_interval():
    a, b = [0.90, 0.92, 0.91, 0.93], [0.95, 0.96, 0.97]
    d = unpaired_difference(a, b)
    result = stats.ttest_ind(b, a, equal_var=False)
    low, high = result.confidence_interval(0.95)
    assert (d.low, d.high) == (pytest.approx(low), pytest.approx(high)) and d.resolved


def test_the_spread_is_the_sample_standard_deviation():
    assert sample_std([1.0, 2.0, 3.0]) == pytest.approx(1.0)  # ddof=1; ddof=0 would give 0.816
    assert sample_std([5.0]) == 0.0


def record(framework, seed, accuracy, step="standard"):
    return SimpleNamespace(framework=framework, seed=seed, test_accuracy=accuracy, evaluated_on="test",
                           train_seconds=4.0, epoch_seconds=[1.0, 0.3, 0.3], epochs=3, step=step,
                           step_losses=[1.0, 0.5], recipe="tutorial", remove=[], input="dense", init="torch",
                           train_docs=1774, test_docs=1180, vocab_size=119930, threads=2, device="cpu", dropout=0.0)


def test_compare_prints_the_paired_difference_and_its_verdict():
    # the shape of the tutorial recipe's three seeds: a 3-point mean gap, a 3-4 point spread
    torch_runs = [record("torch", s, a) for s, a in enumerate([0.8763, 0.9441, 0.9390])]
    tf_runs = [record("tf", s, a) for s, a in enumerate([0.8390, 0.9280, 0.8983])]
    table = comparison_table(torch_runs, tf_runs)
    line = next(line for line in table.splitlines() if "paired by seed" in line)
    assert line.startswith("test accuracy, TensorFlow - PyTorch, paired by seed: -0.0314, 95 % interval")
    assert "not resolved with 3 seeds" in line
    assert "steps: PyTorch eager, TensorFlow traced (tf.function)" in table
    assert "0.300" in next(line for line in table.splitlines() if line.startswith("steady epoch"))
    resolved = comparison_table(torch_runs, [record("tf", s, a + 0.05) for s, a in enumerate([0.8763, 0.9441, 0.9390])])
    assert "resolved with 3 seeds" in resolved and "not resolved" not in resolved

"""Whether a difference between the frameworks is resolved: paired by seed, Student t, sample spreads."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from shared.lab.comparison import comparison_table
from shared.lab.stats import (Ratio, agree, paired_difference, ratio_over_processes, sample_std, seeds_for_power,
                          spread_between_runs, unpaired_difference, with_spread_between_runs)

# LESSONS §3: the clean recipe, seeds 0-4, per-seed test accuracy
CLEAN_TORCH = [0.9720, 0.9720, 0.9771, 0.9712, 0.9720]
CLEAN_TF = [0.9763, 0.9754, 0.9737, 0.9754, 0.9720]


def test_the_clean_recipes_difference_is_not_resolved_by_five_seeds():
    d = paired_difference(CLEAN_TORCH, CLEAN_TF)
    low, high = stats.ttest_rel(CLEAN_TF, CLEAN_TORCH).confidence_interval(0.95)
    assert d.mean == pytest.approx(np.mean(np.subtract(CLEAN_TF, CLEAN_TORCH)))
    assert (d.low, d.high) == (pytest.approx(low), pytest.approx(high))
    assert d.low < 0 < d.high and not d.resolved and d.n == 5
    assert d.verdict() == f"not resolved with 5 seeds (about {d.seeds_needed} would resolve one this size at 80% power)"


@pytest.mark.parametrize("effect, n", [(0.5, 34), (0.8, 15), (1.0, 10)])
def test_seeds_needed_are_the_textbook_sample_sizes_at_80_percent_power(effect, n):
    """A paired (one-sample) two-sided t test at α = 0.05: the sizes power tables give (Cohen; G*Power)."""
    assert seeds_for_power(effect * 0.02, 0.02) == n
    # the half-power rule it replaces: the n whose expected interval just clears 0, far fewer
    assert next(k for k in range(2, 100) if stats.t.ppf(0.975, k - 1) / np.sqrt(k) < effect) < n


def test_a_difference_larger_than_its_spread_is_resolved():
    d = paired_difference([0.90, 0.91, 0.92], [0.95, 0.97, 0.96])
    assert d.resolved and d.low > 0 and d.verdict() == "resolved with 3 seeds"
    assert seeds_for_power(0.0, 0.01) is None and seeds_for_power(0.01, 0.0) == 2


def test_unpaired_samples_use_welchs_interval():
    a, b = [0.90, 0.92, 0.91, 0.93], [0.95, 0.96, 0.97]
    d = unpaired_difference(a, b)
    result = stats.ttest_ind(b, a, equal_var=False)
    low, high = result.confidence_interval(0.95)
    assert (d.low, d.high) == (pytest.approx(low), pytest.approx(high)) and d.resolved


def test_a_ratios_interval_is_students_t_over_the_processes_log_ratios():
    per_process = [1.40, 1.52, 1.45, 1.61, 1.38]
    r = ratio_over_processes(per_process, rounds=10)
    logs = np.log(per_process)
    low, high = stats.ttest_1samp(logs, 0).confidence_interval(0.95)
    assert r.value == pytest.approx(stats.gmean(per_process)) and (r.low, r.high) == (
        pytest.approx(np.exp(low)), pytest.approx(np.exp(high)))
    assert r.log_se == pytest.approx(stats.sem(logs)) and r.text().endswith("; 5 processes × 10 rounds)")
    one = ratio_over_processes([1.45], rounds=5)
    assert one.low is None and one.text() == "1.45× (one run: no interval; 1 process × 5 rounds)"


def test_two_runs_agree_when_their_log_ratios_are_within_their_standard_errors():
    a = ratio_over_processes([1.40, 1.50, 1.45, 1.55, 1.42], 10)
    assert agree(a, ratio_over_processes([1.48, 1.52, 1.47, 1.58, 1.50], 10))
    assert not agree(a, ratio_over_processes([1.90, 2.00, 1.95, 2.05, 1.92], 10))
    assert agree(a, ratio_over_processes([1.45], 10)) is None  # one process: no standard error


def run_at(log_value, log_se, processes=5):
    return Ratio(float(np.exp(log_value)), None, None, processes, 15, log_se)


def test_the_spread_between_runs_is_what_their_scatter_leaves_beyond_their_own_errors():
    """With equal standard errors, DerSimonian and Laird's estimate is the runs' sample variance less the error's
    square; runs scattering less than their errors give 0; one run, or runs without errors, give none."""
    logs = [0.30, 0.36, 0.31, 0.40, 0.25]
    tau, runs = spread_between_runs([run_at(v, 0.02) for v in logs])
    assert runs == 5 and tau ** 2 == pytest.approx(np.var(logs, ddof=1) - 0.02 ** 2)
    assert spread_between_runs([run_at(v, 0.2) for v in logs]) == (0.0, 5)
    assert spread_between_runs([run_at(0.3, 0.02), run_at(0.4, 0.02)]) is None  # two runs: too few to tell
    assert spread_between_runs([run_at(0.3, None), run_at(0.4, None), run_at(0.5, None)]) is None
    # unequal errors: the moment estimate by its formula, Q against its k - 1 expected under no spread
    ses = np.array([0.01, 0.02, 0.04, 0.03, 0.02])
    w = 1 / ses ** 2
    q = np.sum(w * (np.array(logs) - np.sum(w * logs) / w.sum()) ** 2)
    expected = (q - 4) / (w.sum() - np.sum(w ** 2) / w.sum())
    assert spread_between_runs([run_at(v, e) for v, e in zip(logs, ses)])[0] ** 2 == pytest.approx(expected)


def test_a_spread_between_runs_widens_a_ratios_interval_on_the_fewer_degrees_of_freedom():
    r = ratio_over_processes([1.40, 1.52, 1.45, 1.61, 1.38], rounds=15)
    assert with_spread_between_runs(r, None) is r
    same = with_spread_between_runs(r, (0.0, 6))  # no spread, runs enough: the processes' own t interval again
    assert (same.low, same.high) == (pytest.approx(r.low), pytest.approx(r.high)) and same.runs == 6
    wide = with_spread_between_runs(r, (0.05, 4))
    se = np.hypot(r.log_se, 0.05)  # t on 3 degrees of freedom, the four runs' (fewer than the five processes')
    low, high = stats.t.interval(0.95, 3, loc=np.log(r.value), scale=se)
    assert wide.log_se == pytest.approx(se) and (wide.low, wide.high) == (pytest.approx(np.exp(low)), pytest.approx(np.exp(high)))
    assert wide.low < r.low and wide.high > r.high and wide.value == r.value
    assert wide.text().endswith("; 5 processes × 15 rounds + the spread of 4 runs)")
    # 1.4 ± 2.776 × hypot(0.02, 0.05) in logs, by hand: t(0.975, 4) = 2.776, hypot = 0.05385
    hand = with_spread_between_runs(Ratio(1.4, 1.3, 1.5, 5, 15, 0.02), (0.05, 9))
    assert hand.high == pytest.approx(1.4 * np.exp(2.776 * 0.05385), rel=1e-3)
    one = ratio_over_processes([1.45], rounds=5)
    assert with_spread_between_runs(one, (0.05, 4)) is one  # one process: still no interval


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

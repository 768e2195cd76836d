"""Whether a difference is resolved by what it was measured on, and how far a ratio would move on a rerun.

Seed s gives both frameworks the same initial weights and the same batches, so their runs are paired:
the per-seed differences are what is tested (Student t, 95 %, scipy's), not the two means side by side.
A ± over seeds is the sample standard deviation (ddof=1) throughout.

A speed ratio is measured in several processes, each of which draws its own memory layout, allocator state
and thread placement: its interval is a Student t over the per-process log ratios, so it holds the spread
between processes, not only the rounds of one. One process gives a ratio and no interval.

A run's processes follow one another within minutes, so they share the machine's state of those minutes; a run
half an hour later can land outside their interval (on a shared 2-core VM the bag epoch's ratio moved from
1.43× to 1.29× between two runs of one commit whose intervals were ±6 %). Given earlier runs of the machine,
each ratio's spread between runs beyond what their own processes explain (DerSimonian and Laird's estimate
of the between-run variance, in logs) is added to its standard error: the interval, for the machine's ratio
over time rather than this run's alone, then holds what moves between runs too, and says on how many runs
that rests.
"""

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

# scipy warns when the values of a t-test are nearly identical (seeds that give the same accuracy, processes that
# give the same ratio to many digits); its interval is then as narrow as the data, which is the answer here.
warnings.filterwarnings("ignore", "Precision loss occurred in moment calculation", RuntimeWarning)

LEVEL = 0.95
POWER = 0.80  # "seeds needed" resolves a difference of the size seen 4 times in 5


def sample_std(values):
    """The sample standard deviation (ddof=1); 0 for a single value."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class Difference:
    mean: float  # b - a, averaged over the pairs
    low: float  # the 95 % interval of that mean
    high: float
    n: int  # pairs
    seeds_needed: int | None  # pairs that would resolve a difference this size at this spread; None: none would

    @property
    def resolved(self):
        return self.low > 0 or self.high < 0

    def verdict(self):
        if self.n < 2:
            return "one seed: no interval"
        if self.resolved:
            return f"resolved with {self.n} seeds"
        need = f"about {self.seeds_needed} would resolve one this size at {POWER:.0%} power" if self.seeds_needed \
            else "no number of seeds would resolve a mean difference of 0"
        return f"not resolved with {self.n} seeds ({need})"

    def text(self, fmt="{:+.4f}"):
        if self.n < 2:
            return f"{fmt.format(self.mean)} ({self.verdict()})"
        return f"{fmt.format(self.mean)}, 95 % interval {fmt.format(self.low)} to {fmt.format(self.high)}: {self.verdict()}"


def fewest(power_at, most=1_000_000):
    """The smallest n in 2..most with power_at(n) >= POWER, or None. Power grows with n: doubling brackets it
    (scipy's noncentral t is lost far past the answer, where the noncentrality is large), bisection finds it."""
    high = 2
    while power_at(high) < POWER:
        if high >= most:
            return None
        high *= 2
    low = max(2, high // 2)
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if power_at(middle) >= POWER else (middle + 1, high)
    return low


def t_test_power(effect, df, scale):
    """The chance a two-sided Student t test at LEVEL rejects 0 when the true standardized effect is `effect`:
    the noncentral t with noncentrality effect × scale and `df` degrees of freedom."""
    critical, centre = stats.t.ppf(0.5 + LEVEL / 2, df), abs(effect) * scale
    return float(stats.nct.sf(critical, df, centre) + stats.nct.cdf(-critical, df, centre))


def seeds_for_power(mean, spread, paired=True):
    """The fewest seeds (pairs, or runs per side when unpaired) whose t test at LEVEL would resolve a mean
    difference `mean` at sample spread `spread` with POWER; None where the mean is 0."""
    if mean == 0:
        return None
    if spread == 0:
        return 2
    effect = mean / spread
    if paired:
        return fewest(lambda n: t_test_power(effect, n - 1, math.sqrt(n)))
    return fewest(lambda n: t_test_power(effect, 2 * n - 2, math.sqrt(n / 2)))


def paired_difference(a, b):
    """b - a over paired values (per seed): the mean difference, its Student-t interval, the seeds to resolve it."""
    differences = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n, mean = len(differences), float(differences.mean())
    spread = sample_std(differences)
    if n < 2 or spread == 0:
        return Difference(mean, mean, mean, n, seeds_for_power(mean, spread) if n >= 2 else None)
    low, high = stats.ttest_rel(b, a).confidence_interval(LEVEL)
    return Difference(mean, float(low), float(high), n, seeds_for_power(mean, spread))


def unpaired_difference(a, b):
    """b - a for two samples that share nothing (Welch's t): the same fields as paired_difference."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mean, n = float(b.mean() - a.mean()), min(len(a), len(b))
    if n < 2:
        return Difference(mean, mean, mean, n, None)
    spread = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    if spread == 0:
        return Difference(mean, mean, mean, n, 2 if mean else None)
    low, high = stats.ttest_ind(b, a, equal_var=False).confidence_interval(LEVEL)
    return Difference(mean, float(low), float(high), n, seeds_for_power(mean, spread, paired=False))


def counts(processes, rounds):
    """What a figure rests on: '5 processes × 10 rounds'."""
    return f"{processes} process{'es' if processes != 1 else ''} × {rounds} round{'s' if rounds != 1 else ''}"


@dataclass(frozen=True)
class Ratio:
    value: float  # the geometric mean of the per-process ratios (the one ratio, with one process)
    low: float | None  # its 95 % interval; None with one process
    high: float | None
    processes: int
    rounds: int  # rounds (or seeds) of each side in each process, the fewest
    log_se: float | None  # standard error of the mean log ratio, over processes (and between runs, where runs)
    runs: int = 0  # the earlier runs whose spread between runs the interval holds; 0: this run's processes alone

    def counts(self):
        between = f" + the spread of {self.runs} runs" if self.runs else ""
        return counts(self.processes, self.rounds) + between

    def text(self):
        interval = f"{self.low:.2f}–{self.high:.2f}" if self.low is not None else "one run: no interval"
        return f"{self.value:.2f}× ({interval}; {self.counts()})"


def ratio_over_processes(per_process, rounds):
    """A Ratio from each process's own ratio: Student t over their logs (a ratio's spread is multiplicative)."""
    logs = np.log(np.asarray(per_process, dtype=float))
    value, n = float(np.exp(logs.mean())), len(logs)
    if n < 2:
        return Ratio(value, None, None, n, rounds, None)
    if np.ptp(logs) < 1e-12:  # no spread at all (constructed data): scipy's t would be 0 / 0
        return Ratio(value, value, value, n, rounds, 0.0)
    se = sample_std(logs) / math.sqrt(n)
    low, high = stats.ttest_1samp(logs, 0.0).confidence_interval(LEVEL)
    return Ratio(value, float(np.exp(low)), float(np.exp(high)), n, rounds, float(se))


def agree(earlier, later, z=1.96):
    """Whether two measurements of one ratio agree: their log ratios differ by less than z standard errors of
    the difference. None where either has no standard error (one process)."""
    if earlier.log_se is None or later.log_se is None:
        return None
    return abs(math.log(earlier.value) - math.log(later.value)) < z * math.hypot(earlier.log_se, later.log_se)


FEWEST_RUNS = 3  # two runs give a spread on one degree of freedom: no estimate worth adding


def spread_between_runs(found):
    """(τ, runs) for one ratio measured in several runs, each a Ratio with a standard error: the standard deviation
    of its log between runs beyond what each run's own standard error explains (DerSimonian and Laird's moment
    estimate, 0 where the runs scatter no more than their errors say). None from fewer than FEWEST_RUNS runs."""
    found = [r for r in found if r.log_se]
    if len(found) < FEWEST_RUNS:
        return None
    logs = np.log([r.value for r in found])
    weights = 1 / np.square([r.log_se for r in found])
    mean = np.sum(weights * logs) / weights.sum()
    q = np.sum(weights * (logs - mean) ** 2)
    scale = weights.sum() - np.sum(weights ** 2) / weights.sum()
    return math.sqrt(max(0.0, (q - (len(found) - 1)) / scale)), len(found)


def with_spread_between_runs(found, spread):
    """`found`, one run's Ratio, with a spread between runs (spread_between_runs) added to its standard error; its
    interval a Student t on the fewer of the processes' and the runs' degrees of freedom (the conservative form
    of Welch's test: τ is itself estimated from few runs). Unchanged without a spread or a standard error."""
    if spread is None or found.log_se is None:
        return found
    tau, runs = spread
    se = math.hypot(found.log_se, tau)
    if se == 0:
        return replace(found, runs=runs)
    half = stats.t.ppf(0.5 + LEVEL / 2, min(found.processes, runs) - 1) * se
    log = math.log(found.value)
    return replace(found, low=math.exp(log - half), high=math.exp(log + half), log_se=se, runs=runs)

"""Whether a difference between the two frameworks is resolved by the seeds it was measured on.

Seed s gives both frameworks the same initial weights and the same batches, so their runs are paired:
the per-seed differences are what is tested (Student t, 95 %), not the two means side by side. A ±
over seeds is the sample standard deviation (ddof=1) throughout.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95


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
        need = f"about {self.seeds_needed} would resolve one this size" if self.seeds_needed else \
            "no number of seeds would resolve a mean difference of 0"
        return f"not resolved with {self.n} seeds ({need})"

    def text(self, fmt="{:+.4f}"):
        if self.n < 2:
            return f"{fmt.format(self.mean)} ({self.verdict()})"
        return f"{fmt.format(self.mean)}, 95 % interval {fmt.format(self.low)} to {fmt.format(self.high)}: {self.verdict()}"


def half_width(spread, n):
    return stats.t.ppf(0.5 + LEVEL / 2, n - 1) * spread / math.sqrt(n)


def seeds_to_resolve(mean, spread, most=10_000):
    """The fewest pairs whose interval would exclude 0 for a mean difference `mean` at sample spread `spread`."""
    if mean == 0:
        return None
    if spread == 0:
        return 2
    return next((n for n in range(2, most) if half_width(spread, n) < abs(mean)), None)


def paired_difference(a, b):
    """b - a over paired values (per seed): the mean difference, its Student-t interval, the seeds to resolve it."""
    differences = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n, mean = len(differences), float(differences.mean())
    if n < 2:
        return Difference(mean, mean, mean, n, None)
    spread = sample_std(differences)
    width = half_width(spread, n)
    return Difference(mean, float(mean - width), float(mean + width), n, seeds_to_resolve(mean, spread))


def unpaired_difference(a, b):
    """b - a for two samples that share nothing (Welch's t): the same fields as paired_difference."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mean = float(b.mean() - a.mean())
    if min(len(a), len(b)) < 2:
        return Difference(mean, mean, mean, min(len(a), len(b)), None)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(mean, mean, mean, min(len(a), len(b)), 2 if mean else None)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    width = stats.t.ppf(0.5 + LEVEL / 2, df) * se
    spread = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    need = seeds_to_resolve(mean, spread * math.sqrt(2))
    return Difference(mean, float(mean - width), float(mean + width), min(len(a), len(b)), need)

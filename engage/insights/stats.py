"""The statistics behind results by community: pure functions over counts and sums.

- A proportion is shown with its Wilson score 95% interval (Newcombe 1998, "Two-sided
  confidence intervals for the single proportion", method 3).
- A mean is shown with its t-based 95% interval, from the count, sum and sum of squares
  that one SQL aggregate gives.
- The difference between a group and the rest uses Newcombe's hybrid score interval
  (Newcombe 1998, "Interval estimation for the difference between independent
  proportions", method 10), built from the two Wilson intervals.
- A group is flagged when the overall value lies outside the group's interval
  (`outside`, the Fingertips convention).
- Public pages apply disclosure control (`DisclosureRule`).

Proportions are fractions from 0 to 1 throughout; pages and the API turn them into
percentages.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import NamedTuple, Protocol

#: the two-sided 95% point of the standard normal, 1.959964 (tables round it to 1.96;
#: the two agree to the fourth decimal of every interval tested)
Z95: float = NormalDist().inv_cdf(0.975)


class Interval(NamedTuple):
    low: float
    high: float


class Bounded(Protocol):
    """Anything with a lower and upper limit: an `Interval`, `Proportion`, `Mean`…"""

    @property
    def low(self) -> float | None: ...

    @property
    def high(self) -> float | None: ...


@dataclass(frozen=True)
class Proportion:
    successes: int
    n: int
    #: successes / n, None when n is 0
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Mean:
    n: int
    #: None when n is 0
    value: float | None
    #: None when n < 2: one answer says nothing about the spread
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Difference:
    #: p1 - p2, from -1 to 1
    value: float
    low: float
    high: float


def _check_counts(successes: int, n: int) -> None:
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")


def wilson(successes: int, n: int) -> Interval | None:
    """The Wilson score 95% interval for successes / n; None when n is 0.

    The limits are exactly 0 when successes is 0 and exactly 1 when successes is n, where
    the formula only gets there up to rounding error.
    """
    _check_counts(successes, n)
    if n == 0:
        return None
    z2 = Z95 * Z95
    centre = (successes + z2 / 2) / (n + z2)
    half = Z95 / (n + z2) * math.sqrt(successes * (n - successes) / n + z2 / 4)
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == n else centre + half
    return Interval(low, high)


def proportion(successes: int, n: int) -> Proportion:
    """successes / n with its Wilson interval; value and limits are None when n is 0."""
    interval = wilson(successes, n)
    if interval is None:
        return Proportion(successes, n, None, None, None)
    return Proportion(successes, n, successes / n, interval.low, interval.high)


@functools.lru_cache(maxsize=256)
def _t975(df: int) -> float:
    """The two-sided 95% point of Student's t with df degrees of freedom."""
    from scipy.stats import t  # imported here: only means need it, and it is slow to load

    return float(t.ppf(0.975, df))


def mean_interval(n: int, total: float, total_sq: float) -> Mean:
    """The mean and its 95% interval from count(x), sum(x) and sum(x * x).

    The interval is mean ± t(0.975, n - 1) · s / √n. With one answer there is no
    interval; with none there is no mean. The variance from sums can come out a hair
    below zero when every answer is the same; it is taken as zero.
    """
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    if n == 0:
        return Mean(0, None, None, None)
    mean = total / n
    if n == 1:
        return Mean(1, mean, None, None)
    variance = max((total_sq - total * total / n) / (n - 1), 0.0)
    half = _t975(n - 1) * math.sqrt(variance / n)
    return Mean(n, mean, mean - half, mean + half)


def mean_from_counts(counts: Mapping[float, int]) -> Mean:
    """The mean and its interval for a distribution: score → how many gave it.

    For Likert scores and 0–10 scales, where the counts per score are what we have.
    """
    if any(count < 0 for count in counts.values()):
        raise ValueError("a count cannot be negative")
    n = sum(counts.values())
    total = math.fsum(score * count for score, count in counts.items())
    total_sq = math.fsum(score * score * count for score, count in counts.items())
    return mean_interval(n, total, total_sq)


def newcombe(x1: int, n1: int, x2: int, n2: int) -> Difference | None:
    """p1 - p2 with Newcombe's hybrid score 95% interval; None when either n is 0.

    Each limit moves away from the difference by the root of the sum of squares of the
    distances from each proportion to the relevant limit of its own Wilson interval.
    """
    w1, w2 = wilson(x1, n1), wilson(x2, n2)
    if w1 is None or w2 is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    low = d - math.hypot(p1 - w1.low, w2.high - p2)
    high = d + math.hypot(w1.high - p1, p2 - w2.low)
    return Difference(d, max(low, -1.0), min(high, 1.0))


def outside(value: float | None, interval: Bounded | None) -> bool:
    """Whether value lies outside the interval: the flag on a group whose interval
    excludes the overall value. False when either is missing."""
    if value is None or interval is None or interval.low is None or interval.high is None:
        return False
    return value < interval.low or value > interval.high


@dataclass(frozen=True)
class PublicCount:
    #: the count as published: rounded, or None when suppressed
    value: int | None
    #: True when the count is shown as "fewer than <threshold>"
    suppressed: bool


@dataclass(frozen=True)
class PublicProportion:
    count: PublicCount
    n: PublicCount
    #: rounded count / rounded n; None when either is suppressed or the rounded n is 0
    value: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        return self.count.suppressed or self.n.suppressed


@dataclass(frozen=True)
class DisclosureRule:
    """Disclosure control for public pages (the NHS rule, with its numbers configurable).

    0 stays 0; counts from 1 to threshold - 1 are suppressed ("fewer than 8"); every
    other count is rounded to the nearest multiple of base, halves rounding up.
    """

    threshold: int = 8
    base: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.base < 1:
            raise ValueError("threshold and base must be at least 1")

    def count(self, c: int) -> PublicCount:
        if c < 0:
            raise ValueError(f"a count cannot be negative, got {c}")
        if c == 0:
            return PublicCount(0, suppressed=False)
        if c < self.threshold:
            return PublicCount(None, suppressed=True)
        # integer half-up rounding: round() on floats rounds halves to even
        return PublicCount((2 * c + self.base) // (2 * self.base) * self.base, suppressed=False)

    def proportion(self, successes: int, n: int) -> PublicProportion:
        """The published share: both counts through the rule, then the share and its
        Wilson interval from the rounded counts, so that the page's numbers agree
        with each other.

        When either count is suppressed there is no share and no interval: with the
        group's size and the share on the page, the hidden count could be worked back.
        """
        _check_counts(successes, n)
        count, total = self.count(successes), self.count(n)
        if count.value is None or total.value is None or total.value == 0:
            return PublicProportion(count, total, None, None, None)
        shown = proportion(count.value, total.value)
        return PublicProportion(count, total, shown.value, shown.low, shown.high)

"""Expected figures, worked out in the tests from textbook formulas, and lookups into the
API's JSON. Nothing here imports engage."""

from __future__ import annotations

import math
import statistics
from typing import Any

from scipy.stats import t as student_t

#: the 95% point of the normal distribution as printed in tables
Z = 1.96


def wilson_pct(x: int, n: int) -> tuple[float, float]:
    """Wilson's score interval, as in Wilson (1927) / Newcombe (1998) method 3, in %."""
    p = x / n
    denominator = 1 + Z * Z / n
    centre = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * (centre - half) / denominator, 100 * (centre + half) / denominator


def newcombe_pp(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    """p1 - p2 and Newcombe's hybrid score interval (1998, method 10), in points."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (v / 100 for v in wilson_pct(x1, n1))
    l2, u2 = (v / 100 for v in wilson_pct(x2, n2))
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return 100 * d, 100 * low, 100 * high


def mean_ci(values: list[float]) -> tuple[float, float, float]:
    """The mean and its t-based 95% interval."""
    m = statistics.fmean(values)
    half = student_t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return m, m - half, m + half


def published(count: int) -> int | None:
    """The NHS disclosure rule: 0 stays 0, 1-7 hidden, others to the nearest 5."""
    if count == 0:
        return 0
    if count < 8:
        return None
    return 5 * round(count / 5)


def question(body: dict, key: str) -> dict[str, Any]:
    return next(q for q in body["questions"] if q["key"] == key)


def group(q: dict, code: Any) -> dict[str, Any]:
    return next(g for g in q["groups"] if g["group"] == code)


def option(g: dict, code: str) -> dict[str, Any]:
    return next(o for o in g["options"] if o["code"] == code)

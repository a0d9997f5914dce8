"""Accuracy metrics of a set of ratings against their outcomes: plain numbers in, plain out.

Every function takes the predicted PDs (or scores) and the observed outcomes (1: defaulted
within the horizon) of the same ratings, and answers ``None`` — never 0 — where the metric is
undefined for the data (no ratings, or only one of the two classes).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

# Proportions of an empty PSI bin are floored here, so ln(0) never occurs (common practice).
PSI_FLOOR = 1e-4
PSI_BINS = 10


@dataclass(frozen=True)
class Group:
    key: str
    n: int
    defaults: int
    default_rate: float | None
    mean_pd: float | None
    p_value: float | None


def auc(pd: Sequence[float], outcome: Sequence[int]) -> float | None:
    """Area under the ROC curve of PD as the predictor of default: the Mann–Whitney statistic
    with mid-ranks, so a tie between a defaulter and a non-defaulter counts one half."""
    y = np.asarray(outcome, dtype=bool)
    bad, good = int(y.sum()), int((~y).sum())
    if bad == 0 or good == 0:
        return None
    ranks = stats.rankdata(np.asarray(pd, dtype=float))
    return float((ranks[y].sum() - bad * (bad + 1) / 2) / (bad * good))


def roc(pd: Sequence[float], outcome: Sequence[int]) -> list[tuple[float, float]]:
    """The ROC curve as (false positive rate, true positive rate) points from (0, 0) to (1, 1),
    one per distinct PD taken as the cut-off, highest first; empty when a class is empty. The
    trapezoids under it add up to :func:`auc`."""
    x, y = np.asarray(pd, dtype=float), np.asarray(outcome, dtype=bool)
    bad, good = int(y.sum()), int((~y).sum())
    if bad == 0 or good == 0:
        return []
    order = np.argsort(-x, kind="stable")
    xs, ys = x[order], y[order]
    tp, fp = np.cumsum(ys), np.cumsum(~ys)
    # The last position of each run of equal PDs: every rating at that PD is flagged there.
    last = np.r_[np.nonzero(np.diff(xs))[0], len(xs) - 1]
    return [(0.0, 0.0), *zip((fp[last] / good).tolist(), (tp[last] / bad).tolist(), strict=True)]


def ks(pd: Sequence[float], outcome: Sequence[int]) -> float | None:
    """Kolmogorov–Smirnov: the largest distance between the PD distributions of defaulters and
    non-defaulters."""
    x, y = np.asarray(pd, dtype=float), np.asarray(outcome, dtype=bool)
    if y.all() or not y.any():
        return None
    return float(stats.ks_2samp(x[y], x[~y]).statistic)


def brier(pd: Sequence[float], outcome: Sequence[int]) -> float | None:
    """Mean squared error of PD against the outcome; defined with one class too, not with none."""
    if len(pd) == 0:
        return None
    return float(np.mean((np.asarray(pd, dtype=float) - np.asarray(outcome, dtype=float)) ** 2))


def psi(actual: Sequence[float], expected: Sequence[float]) -> float | None:
    """Population stability index of ``actual`` scores against ``expected`` ones, over the
    deciles of ``expected`` (repeated edges merged, so heavy ties make fewer bins)."""
    if len(actual) == 0 or len(expected) == 0:
        return None
    base = np.asarray(expected, dtype=float)
    edges = np.unique(np.quantile(base, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))

    def shares(values: np.ndarray) -> np.ndarray:
        counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
        return np.maximum(counts / len(values), PSI_FLOOR)

    a, e = shares(np.asarray(actual, dtype=float)), shares(base)
    return float(np.sum((a - e) * np.log(a / e)))


def group(key: str, pd: Sequence[float], outcome: Sequence[int]) -> Group:
    """One row of a grade or tier table. ``p_value``: two-sided exact binomial test of the
    defaults observed against the group's mean PD (both directions matter: a grade can be
    too harsh as well as too lenient)."""
    n, defaults = len(outcome), int(sum(outcome))
    if n == 0:
        return Group(key, 0, 0, None, None, None)
    mean_pd = float(np.mean(np.asarray(pd, dtype=float)))
    p_value = float(stats.binomtest(defaults, n, min(max(mean_pd, 0.0), 1.0)).pvalue)
    return Group(key, n, defaults, defaults / n, mean_pd, p_value)


def monotone(groups: Sequence[Group]) -> bool | None:
    """Whether default rates never fall from one populated grade to the next worse one (ties
    allowed); ``None`` with fewer than two populated grades, where there is nothing to order."""
    rates = [g.default_rate for g in groups if g.default_rate is not None]
    if len(rates) < 2:
        return None
    return all(a <= b for a, b in itertools.pairwise(rates))

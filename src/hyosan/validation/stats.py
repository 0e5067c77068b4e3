"""Standard errors and two-sample tests, so every tolerance can say where it comes from."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def mean_se(x: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error."""
    x = np.asarray(x, np.float64)
    if len(x) == 0:
        return math.nan, math.inf
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.inf


def binomial_se(p: float, n: int) -> float:
    """Standard error of a proportion p estimated from n trials."""
    return math.sqrt(max(p * (1.0 - p), 0.0) / n)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value that two proportions k1/n1 and k2/n2 are equal (pooled z test)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0 if k1 / n1 == k2 / n2 else 0.0
    z = (k1 / n1 - k2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def chi2_two_sample_p(x: np.ndarray, y: np.ndarray, min_expected: float = 5.0) -> float:
    """Chi-square test that two samples of counts come from one distribution.

    Values are binned on their pooled quantiles, then adjacent bins are merged until every
    expected count is at least ``min_expected``: the test stays valid for discrete, lumpy
    distributions (final sizes) where a Kolmogorov-Smirnov test is conservative.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    pooled = np.concatenate([x, y])
    edges = np.unique(np.quantile(pooled, np.linspace(0, 1, 41)))
    if len(edges) < 2:
        return 1.0
    edges[-1] += 1e-9
    table = np.array([np.histogram(x, edges)[0], np.histogram(y, edges)[0]], np.float64)
    table = table[:, table.sum(axis=0) > 0]
    share = np.array([len(x), len(y)]) / len(pooled)
    merged: list[np.ndarray] = []
    current = np.zeros(2)
    for column in table.T:
        current = current + column
        if (current.sum() * share).min() >= min_expected:
            merged.append(current)
            current = np.zeros(2)
    if current.sum() > 0:
        if merged:
            merged[-1] = merged[-1] + current
        else:
            merged.append(current)
    if len(merged) < 2:
        return 1.0
    _, p, _, _ = stats.chi2_contingency(np.array(merged).T, correction=False)
    return float(p)


def ks_two_sample_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov p-value (conservative for discrete data)."""
    return float(stats.ks_2samp(np.asarray(x), np.asarray(y)).pvalue)

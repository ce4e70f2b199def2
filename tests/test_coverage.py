"""Coverage and calibration on constructed pulls with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scaleuq.stats.coverage import (
    calibrate,
    clopper_pearson,
    coverage_curve,
    coverage_table,
    gaussian_coverage,
)


def test_coverage_counts_and_exact_intervals() -> None:
    pulls = np.array([0.5, -0.5, 1.5, 2.5, 3.5, -0.2, np.nan])
    classes = np.array(["qcd", "qcd", "qcd", "electroweak", "electroweak", "higgs", "qcd"])
    rows = {(r.group, r.threshold): r for r in coverage_table(pulls, classes)}
    assert (rows["all", 1.0].k, rows["all", 1.0].n) == (3, 6)
    assert (rows["all", 2.0].k, rows["all", 3.0].k) == (4, 5)
    assert (rows["qcd", 1.0].k, rows["qcd", 1.0].n) == (2, 3)
    assert (rows["electroweak", 3.0].k, rows["electroweak", 3.0].n) == (1, 2)
    ci = stats.binomtest(3, 6).proportion_ci(confidence_level=0.682689492137086, method="exact")
    assert rows["all", 1.0].low == pytest.approx(ci.low) and rows["all", 1.0].high == pytest.approx(
        ci.high
    )
    assert rows["all", 1.0].gaussian == pytest.approx(0.6826894921)


def test_clopper_pearson_edges() -> None:
    low, high = clopper_pearson(np.array([0, 10]), np.array([10, 10]))
    assert low[0] == 0 and high[1] == 1
    assert 0 < high[0] < 0.3 and 0.7 < low[1] < 1


def test_calibration_of_gaussian_pulls_is_one() -> None:
    x = np.random.default_rng(4).normal(size=20000)
    one, two = calibrate(x, n_bootstrap=200, seed=1)
    assert one.factor == pytest.approx(1.0, abs=0.03)
    assert two.factor == pytest.approx(2.0, abs=0.06)
    assert one.low <= one.factor <= one.high


def test_calibration_of_scaled_pulls() -> None:
    # pulls three times too wide need the band inflated by 3
    x = 3.0 * np.random.default_rng(5).normal(size=20000)
    one, _ = calibrate(x, n_bootstrap=100)
    assert one.factor == pytest.approx(3.0, rel=0.03)
    # exact quantile on a constructed set
    (c,) = calibrate(np.arange(1.0, 101.0), targets=(0.5,), n_bootstrap=10)
    assert c.factor == pytest.approx(np.quantile(np.arange(1.0, 101.0), 0.5))


def test_calibration_reproducible() -> None:
    x = np.random.default_rng(6).standard_cauchy(30)
    assert calibrate(x, seed=3) == calibrate(x, seed=3)


def test_coverage_curve() -> None:
    x = np.array([0.5, 1.5, 2.5, 3.5])
    curve = coverage_curve(x, np.array([1.0, 2.0, 3.0, 4.0]), n_bootstrap=100)
    assert curve.coverage.tolist() == [0.25, 0.5, 0.75, 1.0]
    assert curve.gaussian[0] == pytest.approx(gaussian_coverage(1.0))
    assert np.all(curve.low <= curve.coverage) and np.all(curve.high >= curve.coverage)

"""Coverage of scale bands and the inflation factor that would make them honest.

Coverage: the fraction of processes with |t| < 1, 2, 3, with exact binomial (Clopper-Pearson)
intervals, against the unit-Gaussian expectation (68.27%, 95.45%, 99.73%), overall and per
process class (:mod:`scaleuq.io.process`).

Calibration: if the LO bands were inflated by a factor s, a process is covered when |t| < s. The
factor that covers a fraction p of the processes is the empirical p-quantile of |t| (numpy's
default linear interpolation); for p = 68.27% it says by how much a "1 sigma" scale band must
grow to deserve its name, and for p = 95.45% what covers like 2 sigma. Intervals come from a
seeded nonparametric bootstrap (vectorised).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from scaleuq.errors import OptionError
from scaleuq.util.jsonio import FieldsDict

THRESHOLDS = (1.0, 2.0, 3.0)
CL = 0.682689492137086  # central probability of a unit Gaussian within 1 sigma


def gaussian_coverage(k: float) -> float:
    """P(|t| < k) for a unit Gaussian."""
    return float(special.erf(k / np.sqrt(2.0)))


def clopper_pearson(k: np.ndarray, n: np.ndarray, cl: float = CL) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval for k successes out of n, vectorised (central, confidence cl)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    alpha = 1 - cl
    with np.errstate(all="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    return low, high


@dataclass(frozen=True)
class CoverageRow(FieldsDict):
    """Coverage of one group of processes at one threshold.

    Attributes:
        group: ``all`` or a process class.
        threshold: k in |t| < k.
        n: processes with a defined pull in the group.
        k: those with |t| < threshold.
        fraction: k / n (None if n = 0).
        low, high: Clopper-Pearson interval at ``cl`` (68.3% unless chosen otherwise).
        gaussian: what a unit Gaussian predicts.
    """

    group: str
    threshold: float
    n: int
    k: int
    fraction: float | None
    low: float | None
    high: float | None
    gaussian: float


def coverage_table(
    pulls: np.ndarray,
    classes: np.ndarray | None = None,
    *,
    thresholds: tuple[float, ...] = THRESHOLDS,
    cl: float = CL,
) -> list[CoverageRow]:
    """Fractions of |t| below each threshold, overall and per class, with exact intervals.

    Args:
        pulls: pulls (NaN = undefined, ignored).
        classes: process class per pull (same length), or None for the overall rows only.
        thresholds: the k in |t| < k.
        cl: confidence level of the Clopper-Pearson intervals.
    """
    pulls = np.asarray(pulls, float)
    groups: list[tuple[str, np.ndarray]] = [("all", np.isfinite(pulls))]
    if classes is not None:
        classes = np.asarray(classes)
        for name in dict.fromkeys(classes):
            groups.append((str(name), np.isfinite(pulls) & (classes == name)))
    rows = []
    for name, mask in groups:
        sel = np.abs(pulls[mask])
        n = sel.size
        for thr in thresholds:
            k = int(np.sum(sel < thr))
            if n:
                low, high = clopper_pearson(np.array(k), np.array(n), cl)
                rows.append(
                    CoverageRow(
                        name, thr, n, k, k / n, float(low), float(high), gaussian_coverage(thr)
                    )
                )
            else:
                rows.append(CoverageRow(name, thr, 0, 0, None, None, None, gaussian_coverage(thr)))
    return rows


@dataclass(frozen=True)
class Calibration(FieldsDict):
    """Inflation factor of the LO bands needed to cover a target fraction of processes.

    Attributes:
        target: the fraction to cover (0.6827 or 0.9545 by default).
        factor: the empirical target-quantile of |t|.
        low, high: central 68.3% bootstrap percentile interval of the factor.
        n: number of pulls.
        n_bootstrap: resamples.
    """

    target: float
    factor: float
    low: float
    high: float
    n: int
    n_bootstrap: int


def calibrate(
    pulls: np.ndarray,
    *,
    targets: tuple[float, ...] = (CL, gaussian_coverage(2.0)),
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> list[Calibration]:
    """Inflation factors for each target coverage, with seeded bootstrap intervals."""
    x = np.abs(np.asarray(pulls, float))
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise OptionError("calibration needs at least one defined pull")
    from scaleuq.stats.fitting import check_seed, chunk_rows, chunk_sizes

    rng = np.random.default_rng(check_seed(seed))
    # resamples in chunks (memory independent of n_bootstrap); quantiles per resample: (B, T)
    qs_all = np.concatenate([
        np.quantile(x[rng.integers(0, x.size, size=(size, x.size))], targets, axis=1).T
        for size in chunk_sizes(max(n_bootstrap, 1), chunk_rows(x.size))
    ])  # fmt: skip
    out = []
    for i, target in enumerate(targets):
        factor = float(np.quantile(x, target))
        qs = qs_all[:, i]
        low, high = np.quantile(qs, [0.15866, 0.84134])
        out.append(Calibration(target, factor, float(low), float(high), int(x.size), n_bootstrap))
    return out


@dataclass(frozen=True)
class CoverageCurve:
    """Coverage as a function of the inflation factor s (for the calibration figure).

    Attributes:
        factors: the s grid.
        coverage: fraction of processes with |t| < s.
        low, high: central 68.3% bootstrap band.
        gaussian: unit-Gaussian expectation erf(s / sqrt 2).
    """

    factors: np.ndarray
    coverage: np.ndarray
    low: np.ndarray
    high: np.ndarray
    gaussian: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {k: np.asarray(v).tolist() for k, v in asdict(self).items()}


def coverage_curve(
    pulls: np.ndarray, factors: np.ndarray, *, n_bootstrap: int = 2000, seed: int = 0
) -> CoverageCurve:
    """Fraction covered for every inflation factor in ``factors``, with a bootstrap band
    (NaN, i.e. not drawn, when ``n_bootstrap`` is 0)."""
    x = np.abs(np.asarray(pulls, float))
    x = x[np.isfinite(x)]
    factors = np.asarray(factors, float)
    rng = np.random.default_rng(seed)
    cov = np.mean(x[None, :] < factors[:, None], axis=1)
    gauss = special.erf(factors / np.sqrt(2.0))
    if n_bootstrap == 0 or x.size == 0:
        nan = np.full_like(factors, np.nan)
        return CoverageCurve(factors, cov, nan, nan.copy(), gauss)
    boot = x[rng.integers(0, x.size, size=(n_bootstrap, x.size))]
    counts = (boot[:, :, None] < factors[None, None, :]).sum(axis=1)
    frac = counts / x.size
    low, high = np.quantile(frac, [0.15866, 0.84134], axis=0)
    return CoverageCurve(factors, cov, low, high, gauss)


@dataclass(frozen=True)
class OutOfSample(FieldsDict):
    """In-sample and out-of-sample (leave-one-out) coverage of a calibration factor.

    In-sample, the factor s = quantile_p(|t|) covers about p of the very pulls it was computed
    from. Out of sample, each process is left out in turn, the factor is recomputed from the
    other n - 1 and the process counts as covered when |t_i| <= that factor: an estimate of
    the coverage for a new process. The out-of-sample factor is the split-conformal one, the
    k-th smallest |t| with k = ceil((n + 1) p), which covers a new exchangeable process with
    probability >= p (Vovk et al., "Algorithmic Learning in a Random World", 2005); when
    k > n the n pulls cannot guarantee p and the largest |t| is used (``reached`` False).

    Attributes:
        target: p.
        n: number of pulls.
        in_sample_factor: quantile_p(|t|) (numpy's linear interpolation).
        in_sample_coverage: fraction of the pulls it covers (|t| <= factor).
        loo_coverage: leave-one-out coverage of the in-sample rule, ``loo_covered`` of n.
        factor: the out-of-sample (conformal) factor.
        factor_loo_coverage: leave-one-out coverage of the conformal rule.
        reached: whether n pulls suffice for the conformal guarantee at p.
    """

    target: float
    n: int
    in_sample_factor: float
    in_sample_coverage: float
    loo_coverage: float
    loo_covered: int
    factor: float
    factor_loo_coverage: float
    reached: bool


def _conformal(x_sorted: np.ndarray, target: float, n_total: int) -> tuple[float, bool]:
    k = int(np.ceil(n_total * target - 1e-12))  # n_total = len(x) + 1 (the new process)
    if k <= x_sorted.size:
        return float(x_sorted[k - 1]), True
    return float(x_sorted[-1]), False


def out_of_sample(pulls: np.ndarray, target: float = CL) -> OutOfSample:
    """Leave-one-out coverage of the in-sample factor and the conformal factor (see
    :class:`OutOfSample`); NaN pulls are ignored; at least 3 pulls are needed."""
    x = np.abs(np.asarray(pulls, float))
    x = np.sort(x[np.isfinite(x)])
    n = int(x.size)
    if n < 3:
        raise OptionError(f"out-of-sample coverage needs at least 3 defined pulls, got {n}")
    s_in = float(np.quantile(x, target))
    loo_in = np.empty(n, dtype=bool)
    loo_conf = np.empty(n, dtype=bool)
    for i in range(n):
        others = np.delete(x, i)
        loo_in[i] = x[i] <= np.quantile(others, target)
        loo_conf[i] = x[i] <= _conformal(others, target, n)[0]
    factor, reached = _conformal(x, target, n + 1)
    return OutOfSample(
        target=float(target),
        n=n,
        in_sample_factor=s_in,
        in_sample_coverage=float(np.mean(x <= s_in)),
        loo_coverage=float(np.mean(loo_in)),
        loo_covered=int(loo_in.sum()),
        factor=factor,
        factor_loo_coverage=float(np.mean(loo_conf)),
        reached=reached,
    )

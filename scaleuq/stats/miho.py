"""MiHO's "abc" model: a Bayesian estimate of the true value from the known orders of a series.

C. Duhr, A. Huss, A. Mazeliauskas, R. Szafron, "An analysis of Bayesian estimates for missing
higher orders in perturbative calculations", JHEP 09 (2021) 122, arXiv:2106.04585 (public C++
code: github.com/aykhuss/miho). Implemented here from the model's definition; MiHO's code was
read to fix the conventions (normalisation, defaults, scale weights), none of it is copied.

The series sigma_0, sigma_1, ..., sigma_k (cumulative orders, sigma_0 the first non-vanishing
one) is written as terms delta_0 = 1, delta_j = (sigma_j - sigma_{j-1}) / sigma_0 (MiHO's
eq. 3.4). The model:

- delta_j / a^j is uniform in [b - c, b + c] (every known and the next term);
- a in (-1, 1) with prior (1 + omega)/2 (1 - |a|)^omega;
- b | c uniform in [-xi c, xi c];
- c >= eta with prior epsilon eta^epsilon c^(-1-epsilon).

The joint density of delta_0..delta_m integrates b and c in closed form (for fixed a the
integrand is a power of a piecewise-linear function) and a numerically (Gauss-Legendre,
:data:`A_NODES` nodes in :data:`A_PANELS` panels on (0, 1), both signs of a). The posterior
predictive density of the next term is the ratio of the joint densities with and without it;
it is tabulated on :data:`GRID` points (delta = s tan(pi u / 2), s the size of the last term)
and its cumulative distribution gives the median and the equal-tailed degree-of-belief (DoB)
intervals, as MiHO reports them.

Parameters: MiHO's command-line defaults (``miho abc``, src/main.cpp): omega = 1, xi = 2,
epsilon = 0.1, eta = 0.1 (:data:`ABC_DEFAULTS`).

Scale dependence (MiHO section 5, options ``--scl1d``/``--scl2d --gl``): the model is applied
at each scale point (each with its own sigma_0) and the predictive densities are combined with
Gauss-Legendre weights (5/9, 8/9, 5/9 per dimension, the three points 1/2, 1, 2 read as
Gauss-Legendre nodes in ln mu): ``average`` (MiHO's default ``--sp sa``) averages the
densities, ``marginalise`` (``--sp sm``) weights each scale's density by its evidence (the joint
density of its known terms). Over 3 points (k_R = k_F) or 9 (every (k_R, k_F)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from scaleuq.errors import OptionError
from scaleuq.util.jsonio import FieldsDict

__all__ = [
    "ABC_DEFAULTS",
    "SCALE_PRESCRIPTIONS",
    "ABCEstimate",
    "ABCParameters",
    "abc_cdf",
    "abc_estimate",
    "combine",
]

#: Points of the predictive-density table.
GRID = 401
#: Gauss-Legendre nodes per panel, panels on (0, 1) for the integral over a.
A_NODES, A_PANELS = 8, 24
#: How the scale points are combined (MiHO ``--sp sa`` / ``--sp sm``).
SCALE_PRESCRIPTIONS = ("average", "marginalise")
#: Gauss-Legendre weights of the three points 1/2, 1, 2 (normalised to 1).
GL3 = (5 / 18, 8 / 18, 5 / 18)


@dataclass(frozen=True)
class ABCParameters(FieldsDict):
    """The abc model's parameters (module docstring); defaults are MiHO's."""

    omega: float = 1.0
    xi: float = 2.0
    epsilon: float = 0.1
    eta: float = 0.1

    def __post_init__(self) -> None:
        for name in ("omega", "xi", "epsilon", "eta"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise OptionError(f"abc model: {name} = {value!r} must be a positive number")
        if self.xi == 1.0:
            raise OptionError("abc model: xi = 1 is not supported (give xi != 1)")


#: MiHO's defaults.
ABC_DEFAULTS = ABCParameters()


def _a_quadrature() -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(A_NODES)
    edges = np.linspace(0.0, 1.0, A_PANELS + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    nodes = 0.5 * (hi - lo) * x[None, :] + 0.5 * (hi + lo)
    weights = 0.5 * (hi - lo) * w[None, :]
    return nodes.ravel(), weights.ravel()


_A, _WA = _a_quadrature()


@njit(cache=True, nogil=True)
def _bc_integral(
    big: float, small: float, p: float, xi: float, knots: np.ndarray
) -> float:  # pragma: no cover
    """integral db max(1, h(b))^-p, h(b) = max(R - b, b - r, |b|/xi) (R = big, r = small),
    as p * integral_1^inf W(y) y^(-p-1) dy with W(y) = |{b: h(b) < y}| = max(0, min(r + y,
    xi y) - max(R - y, -xi y)), piecewise linear between the knots where a line takes over or
    W crosses zero (the integrand follows from integrating c analytically; see the module
    docstring). ``knots``: work space of 6 numbers."""
    knots[0] = 1.0
    knots[1] = small / (xi - 1.0)
    knots[2] = big / (1.0 - xi)
    knots[3] = 0.5 * (big - small)
    knots[4] = -small / (1.0 + xi)
    knots[5] = big / (1.0 + xi)
    for i in range(6):  # clip to y >= 1, then insertion sort
        if not np.isfinite(knots[i]) or knots[i] < 1.0:
            knots[i] = 1.0
    for i in range(1, 6):
        key = knots[i]
        j = i - 1
        while j >= 0 and knots[j] > key:
            knots[j + 1] = knots[j]
            j -= 1
        knots[j + 1] = key
    total = 0.0
    for i in range(6):
        u = knots[i]
        last = i == 5
        v = np.inf if last else knots[i + 1]
        if v <= u:
            continue
        probe = 2.0 * u + 1.0 if last else 0.5 * (u + v)
        if small + probe < xi * probe:  # U = r + y, else xi y
            alpha, beta = 1.0, small
        else:
            alpha, beta = xi, 0.0
        if big - probe > -xi * probe:  # L = R - y, else -xi y
            alpha, beta = alpha + 1.0, beta - big
        else:
            alpha = alpha + xi
        if alpha * probe + beta <= 0.0:
            continue
        piece = alpha * p / (p - 1.0) * u ** (1.0 - p) + beta * u**-p
        if not last:
            piece -= alpha * p / (p - 1.0) * v ** (1.0 - p) + beta * v**-p
        total += piece
    return total


@njit(cache=True, nogil=True)
def _joint_kernel(
    deltas: np.ndarray,
    new: np.ndarray,
    nodes: np.ndarray,
    weights: np.ndarray,
    omega: float,
    xi: float,
    epsilon: float,
    eta: float,
    density: np.ndarray,
    evidence: np.ndarray,
) -> None:  # pragma: no cover
    """Joint densities (up to factors that depend only on the number of terms): ``density``
    (rows, G) of the known terms ``deltas`` (rows, m0) and a next term ``new`` (rows, G);
    ``evidence`` (rows,) of the known terms alone. The integral over a by quadrature, a > 0 and
    a < 0 (delta_j -> (-1)^j delta_j)."""
    rows, m0 = deltas.shape
    knots = np.empty(6)
    p_den = (m0 - 1) + 2.0 + epsilon
    p_num = m0 + 2.0 + epsilon
    for r in range(rows):
        for sign in (1.0, -1.0):
            for ia in range(nodes.size):
                a = nodes[ia]
                big, small = -np.inf, np.inf
                power = 1.0  # (sign a)^j
                for j in range(m0):
                    c = deltas[r, j] / (eta * power)
                    big = max(big, c)
                    small = min(small, c)
                    power *= sign * a
                base = weights[ia] * (1.0 - a) ** omega
                evidence[r] += (
                    base * a ** (-(m0 - 1) * m0 / 2.0) * _bc_integral(big, small, p_den, xi, knots)
                )
                jac = base * a ** (-m0 * (m0 + 1) / 2.0)
                for g in range(new.shape[1]):
                    c = new[r, g] / (eta * power)
                    density[r, g] += jac * _bc_integral(
                        max(big, c), min(small, c), p_num, xi, knots
                    )


def abc_cdf(
    sigmas: np.ndarray, params: ABCParameters = ABC_DEFAULTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The predictive distribution of the true value for each row of known orders.

    Args:
        sigmas: (rows, k+1) cumulative values sigma_0..sigma_k (sigma_0 != 0, all finite).
        params: the model's parameters.

    Returns:
        (x, cdf, evidence): x (rows, GRID) values of the true value (ascending), cdf at them,
        evidence (rows,) the joint density of the known terms (for scale marginalisation).
    """
    sig = np.atleast_2d(np.asarray(sigmas, float))
    s0 = sig[:, :1]
    deltas = np.concatenate([np.ones_like(s0), np.diff(sig, axis=1) / s0], axis=1)
    scale = np.abs(deltas[:, -1]) if deltas.shape[1] > 1 else np.ones(len(sig))
    scale = np.where(scale > 0, scale, np.abs(deltas).max(axis=1))
    u = (np.arange(GRID) + 0.5) / GRID * 2.0 - 1.0
    new = scale[:, None] * np.tan(0.5 * np.pi * u)[None, :]
    dens = np.zeros_like(new)
    evidence = np.zeros(len(sig))
    _joint_kernel(deltas, new, _A, _WA, float(params.omega), float(params.xi),
                  float(params.epsilon), float(params.eta), dens, evidence)  # fmt: skip
    # trapezoid cumulative in delta; the tails beyond the table are left out (renormalised)
    steps = 0.5 * (dens[:, 1:] + dens[:, :-1]) * np.diff(new, axis=1)
    cdf = np.concatenate([np.zeros((len(sig), 1)), np.cumsum(steps, axis=1)], axis=1)
    cdf /= cdf[:, -1:]
    x = sig[:, -1:] + s0 * new
    flip = s0[:, 0] < 0
    x[flip] = x[flip, ::-1]
    cdf[flip] = 1.0 - cdf[flip, ::-1]
    return x, cdf, evidence


def _quantile(x: np.ndarray, cdf: np.ndarray, q: float) -> float:
    return float(np.interp(q, cdf, x))


def _mixture(
    parts: list[tuple[np.ndarray, np.ndarray]], weights: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """The CDF of a weighted mixture of tabulated CDFs (one row each), on the union grid."""
    grid = np.unique(np.concatenate([x for x, _ in parts]))
    cdf = sum(
        w * np.interp(grid, x, c, left=0.0, right=1.0)
        for (x, c), w in zip(parts, weights, strict=True)
    )
    return grid, np.asarray(cdf) / float(sum(weights))


@dataclass(frozen=True)
class ABCEstimate:
    """Median and equal-tailed DoB intervals of the true value, one entry per row.

    Attributes:
        median: (rows,) medians.
        intervals: probability -> (lower (rows,), upper (rows,)).
    """

    median: np.ndarray
    intervals: dict[float, tuple[np.ndarray, np.ndarray]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "median": self.median.tolist(),
            "intervals": {
                str(p): {"lower": lo.tolist(), "upper": hi.tolist()}
                for p, (lo, hi) in self.intervals.items()
            },
        }


def abc_estimate(
    sigmas: np.ndarray,
    *,
    probabilities: Sequence[float] = (0.68, 0.95),
    weights: Sequence[float] | None = None,
    prescription: str = "average",
    params: ABCParameters = ABC_DEFAULTS,
) -> ABCEstimate:
    """Median and DoB intervals of the abc model (module docstring).

    Args:
        sigmas: (rows, k+1) cumulative orders at one scale, or (n_scales, rows, k+1) at several
            scale points combined with ``weights`` (e.g. :data:`GL3` for 3 points, the outer
            product of GL3 with itself for 9).
        probabilities: the DoB of the intervals (MiHO reports 0.68 and 0.95).
        weights: one weight per scale point (needed with a 3-d ``sigmas``).
        prescription: ``average`` (MiHO's ``--sp sa``, its default) or ``marginalise``
            (``--sp sm``).
        params: the model's parameters (default MiHO's).

    Raises:
        OptionError: non-finite values, a vanishing first order, fewer than one known order,
            bad probabilities, weights or prescription.
    """
    arr = np.asarray(sigmas, float)
    if arr.ndim == 2:
        arr = arr[None]
        weights = (1.0,)
    if arr.ndim != 3 or arr.shape[2] < 1:
        raise OptionError("abc model: give (rows, orders) or (scales, rows, orders) values")
    if weights is None or len(weights) != arr.shape[0]:
        raise OptionError("abc model: give one weight per scale point")
    if prescription not in SCALE_PRESCRIPTIONS:
        raise OptionError(f"abc model: prescription {prescription!r}; use {SCALE_PRESCRIPTIONS}")
    if not np.isfinite(arr).all():
        raise OptionError("abc model: every known order must be a finite number")
    if (arr[:, :, 0] == 0).any():
        raise OptionError("abc model: the first order vanishes (start the series at its first "
                          "non-vanishing order)")  # fmt: skip
    probs = [float(p) for p in probabilities]
    if not all(0 < p < 1 for p in probs):
        raise OptionError("abc model: DoB probabilities must lie in (0, 1)")
    tables = [abc_cdf(arr[s], params) for s in range(arr.shape[0])]
    median, bounds = combine(tables, weights, prescription=prescription, probabilities=probs)
    return ABCEstimate(median=median, intervals=bounds)


def combine(
    tables: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    weights: Sequence[float],
    *,
    prescription: str = "average",
    probabilities: Sequence[float] = (0.68, 0.95),
) -> tuple[np.ndarray, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Median and DoB intervals from the tables of :func:`abc_cdf` at several scale points
    (one table per point, each with the same rows), weighted (``average``) or weighted by the
    evidence as well (``marginalise``)."""
    n = len(tables[0][0])
    median = np.empty(n)
    bounds = {float(p): (np.empty(n), np.empty(n)) for p in probabilities}
    for r in range(n):
        if prescription == "average":
            w = list(weights)
        else:
            w = [wt * t[2][r] for wt, t in zip(weights, tables, strict=True)]
        if not sum(w) > 0:
            median[r] = np.nan
            for lo, hi in bounds.values():
                lo[r] = hi[r] = np.nan
            continue
        x, c = _mixture([(t[0][r], t[1][r]) for t in tables], w)
        median[r] = _quantile(x, c, 0.5)
        for p, (lo, hi) in bounds.items():
            lo[r] = _quantile(x, c, 0.5 - p / 2)
            hi[r] = _quantile(x, c, 0.5 + p / 2)
    return median, bounds

"""Missing-higher-order uncertainty (MHOU) estimates side by side on one perturbative series.

For every transition k -> k+1 (LO -> NLO, NLO -> NNLO, NNLO -> N3LO) and every (point,
observable) of a long table (:mod:`scaleuq.io.longformat`), each method turns what is known
up to order k into an interval around T_k (central scales) at 68.3% and 95.4%; the next order
tests it. Per method and transition: the coverage (fraction of points with T_{k+1} inside) and
the calibration factor (by how much the intervals must be scaled to cover 68.3% / 95.4%).

Methods (:data:`METHODS`, a registry):

``envelope-3``, ``envelope-7``, ``envelope-9``
    the scale-variation envelope of order k (3, 7 or 9 points), read as a 1-sigma band: its
    upper or lower edge (in the direction of the shift) is the 68.3% interval, twice it the
    95.4% one (the Gaussian reading that the pull study tests).
``ch``
    Cacciari & Houdeau, arXiv:1105.5152: T = sum_n c_n a^n with a = alpha_s(Q)/pi, every known
    coefficient (from the first non-vanishing order to k) bounded by a common c-bar with a
    log-uniform prior; the next term's credibility interval at probability p is
    a^{k+1} c_max (n_c+1)/n_c p for p <= n_c/(n_c+1), else a^{k+1} c_max [(n_c+1)(1-p)]^{-1/n_c}
    (n_c known coefficients, c_max the largest |c_n|). Needs the ``alphas`` column.
``ch-scan``
    the ``ch`` interval computed at each of the 7 scale points (coefficients and a = alpha_s(k_R
    Q)/pi at that scale, centred on T_k there) and their union: scale dependence folded into CH,
    in the spirit of the scale-marginalised variants of Bagnaschi, Cacciari, Guffanti,
    Jenniches (arXiv:1409.5036), not their exact prescription.
``geometric``
    the geometric-behaviour model of Bonvini (arXiv:2006.16293): the normalised terms
    d_j = delta_j / T_first (j = 0 the first non-vanishing order, d_0 = 1) obey |d_j| <= c a^j
    with 0 < a < 1; c has a log-uniform prior, a the prior (1 + omega)(1 - a)^omega (omega = 1
    here, a choice); the next term's posterior predictive is integrated numerically on a grid of
    a (:data:`A_GRID` points), c analytically.

Points where order k vanishes (F_L at LO) have no estimate for k -> k+1 and are left out. The
points of one series are correlated: coverage fractions carry no binomial error here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.choices import ENVELOPES, ORDERS
from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METHODS", "TARGETS", "MHOUResult", "MHOURow", "SeriesData", "mhou", "series_data"]

logger = logging.getLogger(__name__)

#: The two probabilities of every interval: one and two Gaussian sigma.
TARGETS = (0.6827, 0.9545)
#: Points of the grid in a of the geometric model.
A_GRID = 400
#: The exponent omega of the geometric model's prior on a.
OMEGA = 1.0


@dataclass(frozen=True)
class SeriesData:
    """Central values and scale variations of a series, per (point, observable) row.

    Attributes:
        processes: row names; process types.
        scales: the 9 (k_R, k_F) points.
        values: array (n rows, n orders, 9 scales); NaN where absent.
        alphas: alpha_s(k_R mu0), array (n rows, 9 scales); NaN where the table has none.
        orders: the orders present, lowest first.
    """

    processes: tuple[str, ...]
    scales: tuple[tuple[float, float], ...]
    values: np.ndarray
    alphas: np.ndarray
    orders: tuple[str, ...]

    def central(self, k: int) -> np.ndarray:
        """T_k at the central scale (order index k into :attr:`orders`)."""
        return self.values[:, k, self.scales.index((1.0, 1.0))]


def series_data(long: pd.DataFrame) -> SeriesData:
    """Arrange a validated long frame (:func:`scaleuq.io.longformat.read_long`)."""
    from scaleuq.io.longformat import scale_grid

    scales = ENVELOPES["9-point"]
    orders = tuple(o for o in ORDERS if (long["order"] == o).any())
    grids = [scale_grid(long, o, scales, process_column=None) for o in orders]
    names = grids[0].processes
    for g in grids[1:]:
        if g.processes != names:
            raise OptionError("every order must hold the same (point, observable) rows")
    values = np.stack([g.values for g in grids], axis=1)
    alphas = np.full((len(names), len(scales)), np.nan)
    if "alphas" in long.columns:
        part = long[long["order"] == orders[0]].copy()
        part["alphas"] = part["alphas"].astype(float)
        index = {n: i for i, n in enumerate(names)}
        from scaleuq.io.longformat import process_name

        rows = [
            index[process_name(p, o)]
            for p, o in zip(part["point"], part["observable"], strict=True)
        ]
        r, f = part["k_R"].to_numpy(float), part["k_F"].to_numpy(float)
        for j, (kr, kf) in enumerate(scales):
            sel = np.isclose(r, kr) & np.isclose(f, kf)
            alphas[np.asarray(rows)[sel], j] = part["alphas"].to_numpy(float)[sel]
    return SeriesData(names, tuple(scales), values, alphas, orders)


def _first(data: SeriesData) -> np.ndarray:
    """Index of the first non-vanishing order per row (len(orders) where none)."""
    c = np.stack([data.central(k) for k in range(len(data.orders))], axis=1)
    nz = np.isfinite(c) & (c != 0)
    return np.where(nz.any(axis=1), np.argmax(nz, axis=1), len(data.orders))


def _envelope(points: str) -> Callable[[SeriesData, int, np.ndarray], np.ndarray]:
    def method(data: SeriesData, k: int, shift: np.ndarray) -> np.ndarray:
        cols = [data.scales.index(s) for s in ENVELOPES[points]]
        v = data.values[:, k, cols]
        c = data.central(k)
        up, dn = np.nanmax(v, axis=1) - c, c - np.nanmin(v, axis=1)
        return np.stack([up, dn, 2 * up, 2 * dn], axis=1)

    return method


def _ch_halfwidth(coeffs: np.ndarray, a_next: np.ndarray, p: float) -> np.ndarray:
    """CH half-width for known coefficients ``coeffs`` (rows, n; NaN = not known)."""
    known = np.isfinite(coeffs)
    n_c = known.sum(axis=1)
    c_max = np.max(np.where(known, np.abs(coeffs), -np.inf), axis=1)
    c_max = np.where(n_c > 0, c_max, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = a_next * c_max * (n_c + 1) / n_c * p
        high = a_next * c_max * ((n_c + 1) * (1 - p)) ** (-1.0 / n_c)
    return np.where(p <= n_c / (n_c + 1), low, high)


def _ch_at(data: SeriesData, k: int, scale: int, first: np.ndarray) -> np.ndarray:
    """(centre, h68, h95) of CH at one scale column."""
    a = data.alphas[:, scale] / np.pi
    t = data.values[:, : k + 1, scale]
    terms = np.diff(np.concatenate([np.zeros((len(t), 1)), t], axis=1), axis=1)
    n = np.arange(k + 1)
    coeffs = terms / a[:, None] ** n[None, :]
    coeffs = np.where(n[None, :] >= first[:, None], coeffs, np.nan)
    h = [_ch_halfwidth(coeffs, a ** (k + 1), p) for p in TARGETS]
    return np.stack([t[:, k], *h], axis=1)


def _ch(data: SeriesData, k: int, shift: np.ndarray) -> np.ndarray:
    if not np.isfinite(data.alphas).any():
        raise OptionError("the Cacciari-Houdeau methods need the table's 'alphas' column")
    first = _first(data)
    _, h68, h95 = _ch_at(data, k, data.scales.index((1.0, 1.0)), first).T
    return np.stack([h68, h68, h95, h95], axis=1)


def _ch_scan(data: SeriesData, k: int, shift: np.ndarray) -> np.ndarray:
    if not np.isfinite(data.alphas).any():
        raise OptionError("the Cacciari-Houdeau methods need the table's 'alphas' column")
    first = _first(data)
    c = data.central(k)
    cols = [data.scales.index(s) for s in ENVELOPES["7-point"]]
    parts = np.stack([_ch_at(data, k, j, first) for j in cols], axis=2)  # (n, 3, 7)
    centre, h68, h95 = parts[:, 0], parts[:, 1], parts[:, 2]
    return np.stack(
        [
            np.max(centre + h68, axis=1) - c,
            c - np.min(centre - h68, axis=1),
            np.max(centre + h95, axis=1) - c,
            c - np.min(centre - h95, axis=1),
        ],
        axis=1,
    )


def _geometric(data: SeriesData, k: int, shift: np.ndarray) -> np.ndarray:
    first = _first(data)
    t = np.stack([data.central(j) for j in range(k + 1)], axis=1)
    terms = np.diff(np.concatenate([np.zeros((len(t), 1)), t], axis=1), axis=1)
    out = np.full((len(t), 4), np.nan)
    a = (np.arange(A_GRID) + 0.5) / A_GRID
    log_prior = np.log1p(OMEGA) + OMEGA * np.log1p(-a)
    for f in np.unique(first[first <= k]):  # rows sharing the first order share m
        rows = np.flatnonzero(first == f)
        norm = terms[rows, f]
        d = np.abs(terms[rows, f : k + 1] / norm[:, None])  # d_0 = 1, ..., d_{m-1}
        m = d.shape[1]
        j = np.arange(m)
        # c_min(a) = max_j |d_j| / a^j; posterior weight of a: prior a^-sum(j) c_min^-m / m
        log_cmin = np.max(
            np.log(np.maximum(d, 1e-300))[:, None, :] - j[None, None, :] * np.log(a)[None, :, None],
            axis=2,
        )
        log_w = log_prior[None, :] - j.sum() * np.log(a)[None, :] - m * log_cmin
        w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        b = np.exp(log_cmin + m * np.log(a)[None, :])  # c_min a^m, the next term's scale
        for col, p in ((0, TARGETS[0]), (2, TARGETS[1])):
            lo, hi = np.log(b.min(axis=1)) - 5.0, np.log(b.max(axis=1)) + 40.0
            for _ in range(50):  # bisection in ln h: relative precision e^(45/2^50)
                h = np.exp(0.5 * (lo + hi))
                hh = h[:, None]
                with np.errstate(divide="ignore", over="ignore"):
                    cdf = np.where(hh <= b, m / (m + 1) * hh / b, 1 - (b / hh) ** m / (m + 1))
                below = (w * cdf).sum(axis=1) < p
                mid = 0.5 * (lo + hi)
                lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            out[rows, col] = out[rows, col + 1] = np.exp(0.5 * (lo + hi)) * np.abs(norm)
    return out


#: Registered methods: name -> function(data, k, shift) giving per row the distances
#: (up68, dn68, up95, dn95) from T_k (central) to the interval edges.
METHODS: dict[str, Callable[[SeriesData, int, np.ndarray], np.ndarray]] = {
    "envelope-3": _envelope("3-point"),
    "envelope-7": _envelope("7-point"),
    "envelope-9": _envelope("9-point"),
    "ch": _ch,
    "ch-scan": _ch_scan,
    "geometric": _geometric,
}


@dataclass(frozen=True)
class MHOURow:
    """Coverage and calibration of one method on one transition.

    Attributes:
        method, transition: e.g. ``ch``, ``nlo->nnlo``.
        n: points tested; n_excluded: points without an estimate (order k vanishes).
        coverage_68, coverage_95: fraction with T_{k+1} inside the 68.3% / 95.4% interval.
        calibration_68, calibration_95: the factor by which the intervals must be scaled to
            cover 68.3% / 95.4% of the points (quantile of |shift| / distance to the edge);
            None where no finite factor does (a zero-width side that the shift leaves).
        median_ratio: median of |shift| / (68% distance).
    """

    method: str
    transition: str
    n: int
    n_excluded: int
    coverage_68: float | None
    coverage_95: float | None
    calibration_68: float | None
    calibration_95: float | None
    median_ratio: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class MHOUResult:
    """Every method on every transition.

    Attributes:
        rows: one :class:`MHOURow` per (method, transition).
        points: tidy DataFrame ``method, transition, process, shift, up68, dn68, up95, dn95,
            ratio68`` (ratio68 = shift over the edge distance in its direction).
        methods, transitions: what was run.
    """

    rows: tuple[MHOURow, ...]
    points: pd.DataFrame
    methods: tuple[str, ...]
    transitions: tuple[str, ...]

    def row(self, method: str, transition: str) -> MHOURow:
        """The row of one method and transition."""
        return next(r for r in self.rows if r.method == method and r.transition == transition)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (the per-point table left out)."""
        return {
            "methods": list(self.methods),
            "transitions": list(self.transitions),
            "targets": list(TARGETS),
            "rows": [r.to_dict() for r in self.rows],
        }


def _ratio(shift: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """|shift| / distance to the interval edge; a zero-width side that the shift leaves is
    infinitely far (not covered), a zero shift is covered."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(shift) / dist
    return np.where(shift == 0, 0.0, np.where(dist > 0, r, np.inf))


def _quantile(r: np.ndarray, q: float) -> float | None:
    """The q-quantile (lower value, no interpolation); None when empty or infinite (no finite
    inflation factor reaches the coverage)."""
    if r.size == 0:
        return None
    value = float(np.quantile(r, q, method="higher"))
    return value if np.isfinite(value) else None


def mhou(
    long: pd.DataFrame,
    *,
    methods: Sequence[str] | None = None,
    transitions: Sequence[tuple[str, str]] | None = None,
) -> MHOUResult:
    """Run MHOU methods on every transition of a series (see the module docstring).

    Args:
        long: a validated long-format frame with at least two orders.
        methods: names in :data:`METHODS` (default all).
        transitions: (k, k+1) order pairs (default every consecutive pair present).

    Raises:
        OptionError: an unknown method or transition, fewer than two orders, or a CH method
            on a table without ``alphas``.
    """
    import pandas as pd

    data = series_data(long)
    names = tuple(methods) if methods else tuple(METHODS)
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise OptionError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}"
        )
    pairs = (
        tuple(transitions)
        if transitions
        else tuple(zip(data.orders[:-1], data.orders[1:], strict=True))
    )
    if not pairs:
        raise OptionError("the series needs at least two orders")
    first = _first(data)
    rows: list[MHOURow] = []
    frames: list[pd.DataFrame] = []
    for lo, hi in pairs:
        if lo not in data.orders or hi not in data.orders:
            raise OptionError(
                f"transition {lo}->{hi}: the table has orders {', '.join(data.orders)}"
            )
        k, k1 = data.orders.index(lo), data.orders.index(hi)
        if k1 != k + 1:
            raise OptionError(f"transition {lo}->{hi}: give consecutive orders")
        shift = data.central(k1) - data.central(k)
        ok = (first <= k) & np.isfinite(shift)
        for name in names:
            dist = METHODS[name](data, k, shift)
            up = shift > 0
            d68 = np.where(up, dist[:, 0], dist[:, 1])
            d95 = np.where(up, dist[:, 2], dist[:, 3])
            good = ok & np.isfinite(d68) & np.isfinite(d95)
            r68, r95 = _ratio(shift, d68), _ratio(shift, d95)
            n = int(good.sum())
            rows.append(
                MHOURow(
                    method=name,
                    transition=f"{lo}->{hi}",
                    n=n,
                    n_excluded=int((~good).sum()),
                    coverage_68=float(np.mean(r68[good] <= 1)) if n else None,
                    coverage_95=float(np.mean(r95[good] <= 1)) if n else None,
                    calibration_68=_quantile(r68[good], TARGETS[0]),
                    calibration_95=_quantile(r95[good], TARGETS[1]),
                    median_ratio=_quantile(r68[good], 0.5),
                )
            )
            frames.append(
                pd.DataFrame(
                    {
                        "method": name,
                        "transition": f"{lo}->{hi}",
                        "process": data.processes,
                        "shift": shift,
                        "up68": dist[:, 0],
                        "dn68": dist[:, 1],
                        "up95": dist[:, 2],
                        "dn95": dist[:, 3],
                        "ratio68": np.where(good, np.sign(shift) * r68, np.nan),
                    }
                )
            )
    return MHOUResult(
        rows=tuple(rows),
        points=pd.concat(frames, ignore_index=True),
        methods=names,
        transitions=tuple(f"{a}->{b}" for a, b in pairs),
    )

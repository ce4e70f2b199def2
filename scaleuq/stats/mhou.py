"""Missing-higher-order uncertainty (MHOU) estimates side by side on one perturbative series.

For every order k and every (point, observable) of a long table (:mod:`scaleuq.io.longformat`),
each method turns what is known up to order k into an estimate of the true value: a median
and 68.3% / 95.4% intervals (degree-of-belief intervals for the Bayesian methods; for the
others the reading stated below). For every transition k -> k+1 (LO -> NLO, ...) the next
order tests it: per method and transition the coverage (fraction of points with T_{k+1}
inside) and the calibration factor (by how much the intervals, scaled about the median, must
grow to cover 68.3% / 95.4%). The estimate from the highest order (transition ``<top>->next``)
has nothing to be tested against: it is the per-point answer, "the true value lies in
[a, b] with 68% degree of belief".

Methods (:data:`METHODS`, a registry of :class:`Method`; add one there):

``envelope-3``, ``envelope-7``, ``envelope-9``
    the scale-variation envelope of order k (3, 7 or 9 points), read as a 1-sigma band: median
    T_k, 68.3% interval the envelope, 95.4% interval twice it (the Gaussian reading that the
    pull study tests).
``ch``
    Cacciari & Houdeau, arXiv:1105.5152: T = sum_n c_n a^n with a = alpha_s(Q)/pi, every known
    coefficient (from the first non-vanishing order to k) bounded by a common c-bar with a
    log-uniform prior; the next term's credibility interval at probability p is
    a^{k+1} c_max (n_c+1)/n_c p for p <= n_c/(n_c+1), else a^{k+1} c_max [(n_c+1)(1-p)]^{-1/n_c}
    (n_c known coefficients, c_max the largest |c_n|); symmetric about T_k. Needs ``alphas``.
``ch-scan``
    the ``ch`` interval computed at each of the 7 scale points (coefficients and a = alpha_s(k_R
    Q)/pi at that scale, centred on T_k there) and their union: scale dependence folded into CH,
    in the spirit of the scale-marginalised variants of Bagnaschi, Cacciari, Guffanti,
    Jenniches (arXiv:1409.5036), not their exact prescription. Needs ``alphas``.
``geometric``
    the geometric-behaviour model of Bonvini (arXiv:2006.16293): the normalised terms
    d_j = delta_j / T_first (j = 0 the first non-vanishing order, d_0 = 1) obey |d_j| <= c a^j
    with 0 < a < 1; c has a log-uniform prior, a the prior (1 + omega)(1 - a)^omega (omega = 1
    here, a choice); the next term's posterior predictive is integrated numerically on a grid of
    a (:data:`A_GRID` points), c analytically; symmetric about T_k.
``abc``
    MiHO's abc model (Duhr, Huss, Mazeliauskas, Szafron, arXiv:2106.04585;
    :mod:`scaleuq.stats.miho`) with MiHO's default parameters at the central scale: the
    posterior predictive of the true value (asymmetric; its median is not T_k).
``abc-sa3``, ``abc-sa9``, ``abc-sm3``, ``abc-sm9``
    the abc model at 3 (k_R = k_F) or 9 scale points combined as MiHO does with Gauss-Legendre
    weights: ``sa`` scale averaging (MiHO's default ``--sp sa``), ``sm`` scale marginalisation
    (``--sp sm``). Not run by default (9 times the cost of ``abc``); ask with ``--method``.

Points where order k vanishes (F_L at LO) have no estimate for k and are left out. The CH
methods need the table's ``alphas`` column: without it they are skipped with a note (an error
when they are the only methods asked for). The points of one series are correlated: coverage
fractions carry no binomial error here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.choices import ENVELOPES, ORDERS
from scaleuq.errors import OptionError
from scaleuq.util.registry import Registry

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "TARGETS",
    "MHOUResult",
    "MHOURow",
    "Method",
    "SeriesData",
    "mhou",
    "series_data",
]

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
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

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


def _symmetric(centre: np.ndarray, h68: np.ndarray, h95: np.ndarray) -> np.ndarray:
    """(median, lo68, hi68, lo95, hi95) of intervals symmetric about ``centre``."""
    return np.stack([centre, centre - h68, centre + h68, centre - h95, centre + h95], axis=1)


def _envelope(points: str) -> Callable[[SeriesData, int], np.ndarray]:
    def method(data: SeriesData, k: int) -> np.ndarray:
        cols = [data.scales.index(s) for s in ENVELOPES[points]]
        v = data.values[:, k, cols]
        c = data.central(k)
        with np.errstate(invalid="ignore"):
            up, dn = np.max(v, axis=1) - c, c - np.min(v, axis=1)
        return np.stack([c, c - dn, c + up, c - 2 * dn, c + 2 * up], axis=1)

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


def _ch(data: SeriesData, k: int) -> np.ndarray:
    first = _first(data)
    _, h68, h95 = _ch_at(data, k, data.scales.index((1.0, 1.0)), first).T
    return _symmetric(data.central(k), h68, h95)


def _ch_scan(data: SeriesData, k: int) -> np.ndarray:
    first = _first(data)
    c = data.central(k)
    cols = [data.scales.index(s) for s in ENVELOPES["7-point"]]
    parts = np.stack([_ch_at(data, k, j, first) for j in cols], axis=2)  # (n, 3, 7)
    centre, h68, h95 = parts[:, 0], parts[:, 1], parts[:, 2]
    return np.stack(
        [
            c,
            np.min(centre - h68, axis=1),
            np.max(centre + h68, axis=1),
            np.min(centre - h95, axis=1),
            np.max(centre + h95, axis=1),
        ],
        axis=1,
    )


def _abc(points: int, prescription: str) -> Callable[[SeriesData, int], np.ndarray]:
    """MiHO's abc model at the central scale (points = 1) or over 3 / 9 scale points."""

    def method(data: SeriesData, k: int) -> np.ndarray:
        from scaleuq.stats.miho import GL3, abc_cdf, combine

        if points == 1:
            scales, weights = [(1.0, 1.0)], [1.0]
        elif points == 3:
            scales, weights = list(ENVELOPES["3-point"]), list(GL3)
        else:
            gl = dict(zip((0.5, 1.0, 2.0), GL3, strict=True))
            scales = list(ENVELOPES["9-point"])
            weights = [gl[r] * gl[f] for r, f in scales]
        first = _first(data)
        out = np.full((len(first), 5), np.nan)
        for f in np.unique(first[first <= k]):
            rows = np.flatnonzero(first == f)
            tables = []
            for s in scales:
                key = ("abc", k, int(f), s)
                if key not in data.cache:
                    sig = data.values[rows, f : k + 1, data.scales.index(s)]
                    ok = np.isfinite(sig).all(axis=1) & (sig[:, 0] != 0)
                    x = np.full((len(rows), 2), np.nan)
                    cdf = np.array([[0.0, 1.0]] * len(rows))
                    ev = np.zeros(len(rows))
                    if ok.any():
                        xo, co, eo = abc_cdf(sig[ok])
                        x = np.full((len(rows), xo.shape[1]), np.nan)
                        cdf = np.tile(np.linspace(0, 1, xo.shape[1]), (len(rows), 1))
                        x[ok], cdf[ok], ev[ok] = xo, co, eo
                    data.cache[key] = (x, cdf, ev, ok)
                tables.append(data.cache[key])
            good = np.logical_and.reduce([t[3] for t in tables])
            if not good.any():
                continue
            picked = [(t[0][good], t[1][good], t[2][good]) for t in tables]
            median, bounds = combine(picked, weights, prescription=prescription,
                                     probabilities=TARGETS)  # fmt: skip
            lo68, hi68 = bounds[TARGETS[0]]
            lo95, hi95 = bounds[TARGETS[1]]
            out[rows[good]] = np.stack([median, lo68, hi68, lo95, hi95], axis=1)
        return out

    return method


def _geometric(data: SeriesData, k: int) -> np.ndarray:
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
    c = data.central(k)
    return _symmetric(c, out[:, 0], out[:, 2])


@dataclass(frozen=True)
class Method:
    """A registered MHOU method.

    Attributes:
        estimate: function(data, k) giving per row (median, lo68, hi68, lo95, hi95) of the
            true value from the orders up to index k (NaN where the method has no estimate).
        needs_alphas: it reads the table's ``alphas`` column.
        default: run when no method is named.
    """

    estimate: Callable[[SeriesData, int], np.ndarray]
    needs_alphas: bool = False
    default: bool = True


#: Registered methods (module docstring). Adding one: a function (data, k) -> (rows, 5) and an
#: entry here; the CLI, the output formats and the figures pick it up.
METHODS: Registry[Method] = Registry("MHOU method")
for _name, _method in {
    "envelope-3": Method(_envelope("3-point")),
    "envelope-7": Method(_envelope("7-point")),
    "envelope-9": Method(_envelope("9-point")),
    "ch": Method(_ch, needs_alphas=True),
    "ch-scan": Method(_ch_scan, needs_alphas=True),
    "geometric": Method(_geometric),
    "abc": Method(_abc(1, "average")),
    "abc-sa3": Method(_abc(3, "average"), default=False),
    "abc-sa9": Method(_abc(9, "average"), default=False),
    "abc-sm3": Method(_abc(3, "marginalise"), default=False),
    "abc-sm9": Method(_abc(9, "marginalise"), default=False),
}.items():
    METHODS.register(_name, _method)
del _name, _method


def default_methods() -> tuple[str, ...]:
    """The registered methods run when none is named (those with ``default=True``)."""
    return tuple(name for name, m in METHODS.items() if m.default)


#: The built-in methods run when none is named (:func:`default_methods` also lists the
#: registered ones).
DEFAULT_METHODS = default_methods()


@dataclass(frozen=True)
class MHOURow:
    """Coverage and calibration of one method on one transition.

    Attributes:
        method, transition: e.g. ``ch``, ``nlo->nnlo``.
        n: points tested; n_excluded: points without an estimate (order k vanishes, a value
            is missing, or the method gives none).
        coverage_68, coverage_95: fraction with T_{k+1} inside the 68.3% / 95.4% interval.
        calibration_68, calibration_95: the factor by which the intervals, scaled about their
            median, must grow to cover 68.3% / 95.4% of the points (quantile of the distance of
            T_{k+1} from the median over the interval's half on that side); None where no
            finite factor does (a zero-width side that the shift leaves).
        median_ratio: median of that ratio for the 68% interval.
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


#: Columns of :attr:`MHOUResult.points`.
POINT_COLUMNS = (
    "method", "transition", "process", "value", "next", "shift", "median", "lo68", "hi68",
    "lo95", "hi95", "up68", "dn68", "up95", "dn95", "inside68", "inside95", "ratio68",
)  # fmt: skip


@dataclass(frozen=True)
class MHOUResult:
    """Every method on every transition, and every method's per-point estimate.

    Attributes:
        rows: one :class:`MHOURow` per (method, transition) tested.
        points: tidy DataFrame, one row per (method, transition, process), columns
            :data:`POINT_COLUMNS`: ``value`` T_k, ``next`` T_{k+1} (NaN for the estimate from
            the highest order, transition ``<top>->next``), ``shift`` = next - value, the
            estimate ``median``, ``lo68``/``hi68``, ``lo95``/``hi95`` (68.3% / 95.4%), the same
            as distances from T_k (``up68`` = hi68 - T_k, ``dn68`` = T_k - lo68, ...; negative
            when an asymmetric interval does not contain T_k), ``inside68``/``inside95``
            (T_{k+1} inside; empty when not tested) and ``ratio68`` (signed distance of
            T_{k+1} from the median over the 68% half-width on its side).
        methods, transitions: what was run; the transitions tested.
        final: the label of the estimate from the highest order (``<top>->next``).
        notes: what was skipped and why (e.g. CH without ``alphas``).
        targets: the probabilities of the two intervals (:data:`TARGETS`).
    """

    rows: tuple[MHOURow, ...]
    points: pd.DataFrame
    methods: tuple[str, ...]
    transitions: tuple[str, ...]
    final: str = "next"
    notes: tuple[str, ...] = ()
    targets: tuple[float, float] = TARGETS

    def row(self, method: str, transition: str) -> MHOURow:
        """The row of one method and transition."""
        return next(r for r in self.rows if r.method == method and r.transition == transition)

    def estimates(self, transition: str | None = None) -> pd.DataFrame:
        """The per-point estimates of one transition (default: from the highest order)."""
        label = transition or self.final
        return self.points[self.points["transition"] == label].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation, per-point estimates included."""
        import math

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, (np.floating, np.integer, np.bool_)):
                return clean(v.item())
            return v

        keep = ("method", "transition", "process", "value", "next", "median", "lo68", "hi68",
                "lo95", "hi95", "inside68", "inside95")  # fmt: skip
        return {
            "methods": list(self.methods),
            "transitions": list(self.transitions),
            "final": self.final,
            "targets": list(self.targets),
            "notes": list(self.notes),
            "rows": [r.to_dict() for r in self.rows],
            "points": [
                {k: clean(v) for k, v in zip(keep, rec, strict=True)}
                for rec in self.points[list(keep)].itertuples(index=False, name=None)
            ],
        }


def _ratio(target: np.ndarray, median: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """|target - median| over the interval's half on the target's side; a zero-width side that
    the target leaves is infinitely far (not covered), a target on the median is covered."""
    above = target >= median
    dist = np.where(above, hi - median, median - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(target - median) / dist
    return np.where(target == median, 0.0, np.where(dist > 0, r, np.inf))


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
        long: a validated long-format frame with at least two orders (one order is enough for
            the estimates alone: no transition is tested then).
        methods: names in :data:`METHODS` (default :data:`DEFAULT_METHODS`).
        transitions: (k, k+1) order pairs (default every consecutive pair present).

    Raises:
        OptionError: an unknown method or transition, or only CH methods asked for on a table
            without ``alphas``.
    """
    import pandas as pd

    data = series_data(long)
    names = tuple(dict.fromkeys(methods)) if methods else default_methods()
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise OptionError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}"
        )
    notes: list[str] = []
    if not np.isfinite(data.alphas).any():
        skipped = [m for m in names if METHODS[m].needs_alphas]
        if skipped and len(skipped) == len(names):
            raise OptionError(
                f"{', '.join(skipped)}: the Cacciari-Houdeau methods need the table's 'alphas' "
                "column (alpha_s at each k_R)"
            )
        if skipped:
            notes.append(f"{', '.join(skipped)} skipped: the table has no 'alphas' column "
                         "(alpha_s at each k_R), which the Cacciari-Houdeau methods need")  # fmt: skip
            names = tuple(m for m in names if m not in skipped)
    pairs = (
        tuple(transitions)
        if transitions
        else tuple(zip(data.orders[:-1], data.orders[1:], strict=True))
    )
    for lo, hi in pairs:
        if lo not in data.orders or hi not in data.orders:
            raise OptionError(
                f"transition {lo}->{hi}: the table has orders {', '.join(data.orders)}"
            )
        if data.orders.index(hi) != data.orders.index(lo) + 1:
            raise OptionError(f"transition {lo}->{hi}: give consecutive orders")
    first = _first(data)
    rows: list[MHOURow] = []
    frames: list[pd.DataFrame] = []
    top = len(data.orders) - 1
    steps = [(data.orders.index(lo), data.orders.index(hi)) for lo, hi in pairs] + [(top, None)]
    for k, k1 in steps:
        label = f"{data.orders[k]}->{data.orders[k1] if k1 is not None else 'next'}"
        value = data.central(k)
        nxt = data.central(k1) if k1 is not None else np.full(len(value), np.nan)
        ok = (first <= k) & np.isfinite(value)
        for name in names:
            est = METHODS[name].estimate(data, k)
            est = np.where(ok[:, None], est, np.nan)
            median, lo68, hi68, lo95, hi95 = est.T
            r68, r95 = _ratio(nxt, median, lo68, hi68), _ratio(nxt, median, lo95, hi95)
            good = ok & np.isfinite(est).all(axis=1) & np.isfinite(nxt)
            with np.errstate(invalid="ignore"):
                in68 = (lo68 <= nxt) & (nxt <= hi68)
                in95 = (lo95 <= nxt) & (nxt <= hi95)
            if k1 is not None:
                n = int(good.sum())
                rows.append(
                    MHOURow(
                        method=name,
                        transition=label,
                        n=n,
                        n_excluded=int((~good).sum()),
                        coverage_68=float(np.mean(in68[good])) if n else None,
                        coverage_95=float(np.mean(in95[good])) if n else None,
                        calibration_68=_quantile(r68[good], TARGETS[0]),
                        calibration_95=_quantile(r95[good], TARGETS[1]),
                        median_ratio=_quantile(r68[good], 0.5),
                    )
                )
            frames.append(
                pd.DataFrame(
                    {
                        "method": name,
                        "transition": label,
                        "process": data.processes,
                        "value": value,
                        "next": nxt,
                        "shift": nxt - value,
                        "median": median,
                        "lo68": lo68,
                        "hi68": hi68,
                        "lo95": lo95,
                        "hi95": hi95,
                        "up68": hi68 - value,
                        "dn68": value - lo68,
                        "up95": hi95 - value,
                        "dn95": value - lo95,
                        "inside68": pd.array(np.where(good, in68, None), dtype="boolean"),
                        "inside95": pd.array(np.where(good, in95, None), dtype="boolean"),
                        "ratio68": np.where(good, np.sign(nxt - median) * r68, np.nan),
                    }
                )
            )
    return MHOUResult(
        rows=tuple(rows),
        points=pd.concat(frames, ignore_index=True),
        methods=names,
        transitions=tuple(f"{a}->{b}" for a, b in pairs),
        final=f"{data.orders[top]}->next",
        notes=tuple(notes),
    )

"""Scale pulls t = (sigma_NLO - sigma_LO) / Delta sigma_LO.

Everything is computed from relative quantities, t = (K - 1) / (Delta sigma / sigma_0) with
K = sigma_NLO / sigma_LO, which is identical to the absolute definition and also serves rows that
publish only relative numbers (Ghosh et al., arXiv:2210.15167).

Conventions for Delta sigma (:data:`CONVENTIONS`):

``directional`` (default, as in Ghosh et al.)
    the upward LO variation when sigma_NLO > sigma_LO, the downward one otherwise;
``symmetric``
    the mean of the upward and downward variations;
``upper`` / ``lower``
    always the upward / downward variation;
``max``
    the larger of the two.

With ``include_pdf`` the LO PDF uncertainty (same convention) is added in quadrature. A pull whose
Delta sigma is zero or missing, or whose process has no NLO information, is undefined: ``pull`` is
NaN and ``reason`` says why; it is never silently infinite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import OptionError
from scaleuq.util.jsonio import to_jsonable

if TYPE_CHECKING:
    import pandas as pd

from scaleuq.choices import CONVENTIONS

#: Columns of :attr:`PullResult.table`, in order.
PULL_COLUMNS = (
    "process",
    "id",
    "n_final",
    "alphas_power",
    "process_class",
    "dataset",
    "source",
    "k_factor",
    "k_minus_1",
    "lo_scale_up_rel",
    "lo_scale_dn_rel",
    "lo_pdf_up_rel",
    "lo_pdf_dn_rel",
    "direction",
    "delta_rel",
    "pull",
    "pull_mc_err",
    "reason",
)


def check_convention(convention: str) -> str:
    """Validate a convention name."""
    if convention not in CONVENTIONS:
        raise OptionError(
            f"unknown convention '{convention}'; choose one of {', '.join(CONVENTIONS)}"
        )
    return convention


def central_value(table: pd.DataFrame, order: str) -> np.ndarray:
    """The central value of ``order`` per row: the cross section in pb where given, else the
    dimensionless ``{order}_value`` (NaN where neither is)."""
    nan = np.full(len(table), np.nan)
    xsec = table[f"{order}_xsec_pb"].to_numpy(float) if f"{order}_xsec_pb" in table else nan
    value = table[f"{order}_value"].to_numpy(float) if f"{order}_value" in table else nan
    return np.where(np.isfinite(xsec), xsec, value)


def relative_shift(
    table: pd.DataFrame, from_order: str = "lo", to_order: str = "nlo"
) -> np.ndarray:
    """K - 1 per row (K = T_to / T_from): from the central values where given, else (LO -> NLO
    only) from ``k_minus_1``."""
    lo = central_value(table, from_order)
    nlo = central_value(table, to_order)
    with np.errstate(invalid="ignore", divide="ignore"):
        absolute = nlo / lo - 1.0
    if (from_order, to_order) != ("lo", "nlo"):
        return np.where(np.isfinite(absolute), absolute, np.nan)
    return np.where(np.isfinite(absolute), absolute, table["k_minus_1"].to_numpy(float))


def first_nonvanishing(table: pd.DataFrame) -> list[str | None]:
    """Per row, the lowest order whose central value is given and non-zero (None if none).

    The first-non-vanishing-order rule: an order whose value is exactly zero has no term
    (F_L at LO has no O(alpha_s^0) term); a pull from it is undefined, not infinite.
    """
    from scaleuq.choices import ORDERS

    values = np.column_stack([central_value(table, o) for o in ORDERS])
    ok = np.isfinite(values) & (values != 0)
    return [ORDERS[int(np.argmax(r))] if r.any() else None for r in ok]


def select_uncertainty(
    shift: np.ndarray, up: np.ndarray, dn: np.ndarray, convention: str
) -> tuple[np.ndarray, np.ndarray]:
    """Delta sigma / sigma_0 by convention, vectorised.

    Args:
        shift: K - 1 per process (NaN where unknown).
        up, dn: upward and downward relative uncertainties (non-negative, NaN where missing).
        convention: one of :data:`CONVENTIONS`.

    Returns:
        ``(delta, direction)``: the relative uncertainty used (NaN where it needs a missing
        number) and a label per process (``up``, ``dn``, ``mean`` or ``max``).
    """
    check_convention(convention)
    n = len(shift)
    if convention == "directional":
        use_up = shift > 0
        return np.where(use_up, up, dn), np.where(use_up, "up", "dn")
    if convention == "upper":
        return up.copy(), np.full(n, "up")
    if convention == "lower":
        return dn.copy(), np.full(n, "dn")
    if convention == "symmetric":
        return 0.5 * (up + dn), np.full(n, "mean")
    return np.maximum(up, dn), np.full(n, "max")


def pull_values(
    shift: np.ndarray,
    scale: np.ndarray,
    pdf: np.ndarray | None = None,
    missing_lo: np.ndarray | None = None,
    *,
    vanishing: list[str | None] | None = None,
    labels: tuple[str, str] = ("LO", "NLO"),
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Pulls from shifts and relative uncertainties, with the reason where undefined.

    Args:
        shift: K - 1 per process.
        scale: relative scale uncertainty used for each process.
        pdf: relative PDF uncertainty to add in quadrature, or None.
        missing_lo: True where the row has an NLO but no LO cross section (for the reason).
        vanishing: per row, None, or the first non-vanishing order where the lower order's
            value is exactly zero (:func:`first_nonvanishing`).
        labels: names of the lower and higher order in the reasons.

    Returns:
        ``(delta, pull, reason)``; ``pull`` is NaN exactly where ``reason`` is not None.
    """
    delta = scale if pdf is None else np.sqrt(scale**2 + pdf**2)
    reason: list[str | None] = []
    no_lo = np.zeros(len(shift), dtype=bool) if missing_lo is None else missing_lo
    others = pdf if pdf is not None else scale
    lo_, nlo_ = labels
    zero = [None] * len(shift) if vanishing is None else vanishing
    for s, d, sc, p, nl, first in zip(shift, delta, scale, others, no_lo, zero, strict=True):
        if first is not None:
            reason.append(
                f"{lo_} vanishes (no {lo_} term; the first non-vanishing order is "
                f"{first.upper()}): no {lo_} band to test"
            )
        elif nl:
            reason.append(f"no {lo_} cross section")
        elif not np.isfinite(s):
            reason.append(f"no {nlo_} information")
        elif not np.isfinite(sc):
            reason.append(f"{lo_} scale uncertainty missing for this convention")
        elif pdf is not None and not np.isfinite(p):
            reason.append(f"{lo_} PDF uncertainty missing (needed by include_pdf)")
        elif d <= 0:
            reason.append(f"{lo_} uncertainty is zero")
        else:
            reason.append(None)
    ok = np.array([r is None for r in reason], dtype=bool)
    pull = np.full(len(shift), np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        pull[ok] = shift[ok] / delta[ok]
    # An uncertainty so small that the ratio overflows a double is no band to test: undefined,
    # with its reason, never an infinite pull.
    for i in np.flatnonzero(ok & ~np.isfinite(pull)):
        pull[i] = np.nan
        reason[i] = f"{lo_} uncertainty too small for a finite pull ({delta[i]:.3g})"
    return delta, pull, reason


def pdf_uncertainty(table: pd.DataFrame, shift: np.ndarray, convention: str) -> np.ndarray:
    """The LO PDF uncertainty per row, chosen by the same convention as the scale one."""
    up = table["lo_pdf_up_rel"].to_numpy(float)
    dn = table["lo_pdf_dn_rel"].to_numpy(float)
    return select_uncertainty(shift, up, dn, convention)[0]


def lo_missing(table: pd.DataFrame, from_order: str = "lo", to_order: str = "nlo") -> np.ndarray:
    """True for rows with an NLO but no LO central value (their pull is undefined); likewise
    for any pair of orders."""
    lo = central_value(table, from_order)
    return np.isnan(lo) & np.isfinite(central_value(table, to_order))


@dataclass(frozen=True)
class PullSummary:
    """Summary of a set of pulls.

    Attributes:
        n_processes: rows in the table.
        n_defined: rows with a defined pull.
        frac_within_1, frac_within_2: fraction of defined pulls with |t| < 1 and |t| < 2
            (a unit Gaussian gives 0.683 and 0.954); None when no pull is defined.
        median: median of the defined pulls; None when none is defined.
    """

    n_processes: int
    n_defined: int
    frac_within_1: float | None
    frac_within_2: float | None
    median: float | None

    @classmethod
    def from_pulls(cls, pull: np.ndarray) -> PullSummary:
        """Summarise an array of pulls (NaN = undefined)."""
        defined = pull[np.isfinite(pull)]
        if defined.size == 0:
            return cls(len(pull), 0, None, None, None)
        return cls(
            n_processes=len(pull),
            n_defined=int(defined.size),
            frac_within_1=float(np.mean(np.abs(defined) < 1)),
            frac_within_2=float(np.mean(np.abs(defined) < 2)),
            median=float(np.median(defined)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)

    def line(self) -> str:
        """One-line human summary."""
        if self.n_defined == 0:
            return f"{self.n_processes} processes, no defined pull"
        k = self.n_defined
        return (
            f"{self.n_processes} processes, {k} with a defined pull: "
            f"|t|<1 {round(self.frac_within_1 * k)}/{k} ({100 * self.frac_within_1:.1f}%), "
            f"|t|<2 {round(self.frac_within_2 * k)}/{k} ({100 * self.frac_within_2:.1f}%), "
            f"median t = {self.median:.3g}   [unit Gaussian: 68.3%, 95.4%]"
        )


@dataclass(frozen=True)
class PullResult:
    """Pulls of many processes.

    Attributes:
        table: DataFrame with columns :data:`PULL_COLUMNS`: relative quantities are fractions,
            ``delta_rel`` is the Delta sigma / sigma_0 used, ``pull`` is NaN when undefined and
            ``reason`` then says why (else None); ``pull_mc_err`` propagates the Monte Carlo
            errors of both cross sections (NaN for relative-only rows).
        convention: the Delta sigma convention.
        include_pdf: whether the PDF uncertainty was added in quadrature.
        from_order, to_order: the pull is (T_to - T_from) / Delta T_from (default LO -> NLO);
            the ``lo_*`` band columns of ``table`` hold the ``from_order`` band.
    """

    table: pd.DataFrame
    convention: str
    include_pdf: bool
    from_order: str = "lo"
    to_order: str = "nlo"

    @property
    def summary(self) -> PullSummary:
        """Count, fractions within 1 and 2, median."""
        return PullSummary.from_pulls(self.table["pull"].to_numpy(float))

    @property
    def defined(self) -> np.ndarray:
        """The defined pulls as an array."""
        pull = self.table["pull"].to_numpy(float)
        return pull[np.isfinite(pull)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (NaN becomes None)."""
        return {
            "convention": self.convention,
            "include_pdf": self.include_pdf,
            "from_order": self.from_order,
            "to_order": self.to_order,
            "summary": self.summary.to_dict(),
            "processes": records(self.table),
        }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a DataFrame as JSON-safe dicts (NaN/NA -> None, numpy scalars -> Python), through
    the one serialiser :func:`scaleuq.util.jsonio.to_jsonable`."""
    return [
        {str(key): to_jsonable(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def pulls(
    table: pd.DataFrame,
    *,
    convention: str = "directional",
    include_pdf: bool = False,
    from_order: str = "lo",
    to_order: str = "nlo",
) -> PullResult:
    """Compute the scale pull of every process in a canonical table.

    Args:
        table: canonical cross-section table (:func:`scaleuq.tables.read_table`).
        convention: which LO variation is Delta sigma (see module docstring); default
            ``directional`` as in Ghosh et al., arXiv:2210.15167.
        include_pdf: add the LO PDF uncertainty (same convention) in quadrature.
        from_order, to_order: the two orders compared (:data:`scaleuq.choices.ORDERS`),
            ``to_order`` above ``from_order``; default LO -> NLO. Where ``from_order``'s value
            is exactly zero (F_L at LO) the pull is undefined with the first non-vanishing
            order as the reason.

    Returns:
        A :class:`PullResult`, rows in the input order.
    """
    from scaleuq.choices import ORDERS
    from scaleuq.io.process import classify_process
    from scaleuq.io.tables import as_table

    check_convention(convention)
    table = as_table(table, dataset="table")  # a DataFrame in any table format, as read_table
    if from_order not in ORDERS or to_order not in ORDERS:
        raise OptionError(f"orders are {', '.join(ORDERS)}; got {from_order} -> {to_order}")
    if ORDERS.index(to_order) <= ORDERS.index(from_order):
        raise OptionError(f"--to ({to_order}) must be a higher order than --from ({from_order})")
    fo, to = from_order, to_order
    if f"{fo}_scale_up_rel" not in table:
        raise OptionError(f"the table has no {fo.upper()} scale uncertainties ({fo}_scale_*)")
    shift = relative_shift(table, fo, to)
    up = table[f"{fo}_scale_up_rel"].to_numpy(float)
    dn = table[f"{fo}_scale_dn_rel"].to_numpy(float)
    scale, direction = select_uncertainty(shift, up, dn, convention)
    pdf = None
    if include_pdf:
        pup = table[f"{fo}_pdf_up_rel"].to_numpy(float)
        pdn = table[f"{fo}_pdf_dn_rel"].to_numpy(float)
        pdf = select_uncertainty(shift, pup, pdn, convention)[0]
    missing_lo = lo_missing(table, fo, to)
    lo = central_value(table, fo)
    vanishing = [
        first if v == 0 and first is not None else None
        for v, first in zip(lo, first_nonvanishing(table), strict=True)
    ]
    labels = (fo.upper(), to.upper())
    delta, pull, reason = pull_values(
        shift, scale, pdf, missing_lo, vanishing=vanishing, labels=labels
    )

    nlo = central_value(table, to)
    nan = np.full(len(table), np.nan)
    dlo = table[f"{fo}_mc_err_pb"].to_numpy(float) if f"{fo}_mc_err_pb" in table else nan
    dnlo = table[f"{to}_mc_err_pb"].to_numpy(float) if f"{to}_mc_err_pb" in table else nan
    with np.errstate(invalid="ignore", divide="ignore"):
        k_err = (nlo / lo) * np.hypot(dnlo / nlo, dlo / lo)
        mc_err = np.where(np.isfinite(pull), k_err / delta, np.nan)

    out = table[["process", "id", "n_final", "alphas_power", "dataset", "source"]].copy()
    out.insert(4, "process_class", [classify_process(p) for p in table["process"]])
    out["k_factor"] = 1.0 + shift
    out["k_minus_1"] = shift
    for col in ("lo_scale_up_rel", "lo_scale_dn_rel", "lo_pdf_up_rel", "lo_pdf_dn_rel"):
        source = col.replace("lo_", f"{fo}_", 1)
        out[col] = table[source].to_numpy(float) if source in table else nan
    out["direction"] = direction
    out["delta_rel"] = delta
    out["pull"] = pull
    out["pull_mc_err"] = mc_err
    out["reason"] = reason
    return PullResult(
        out[list(PULL_COLUMNS)].reset_index(drop=True), convention, include_pdf, fo, to
    )

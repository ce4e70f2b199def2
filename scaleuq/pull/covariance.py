"""The NNPDF theory covariance from scale variations, and its validation against the next order.

Abdul Khalek et al., "A first determination of parton distributions with theoretical
uncertainties" (arXiv:1905.04311) and "Parton distributions with theory uncertainties:
general formalism and first phenomenological studies" (arXiv:1906.10698); the prescriptions as
in NNPDF's validphys ``theorycovariance`` module (documented in ``doc/sphinx/source/vp/
theorycov/point_prescrip.rst`` of NNPDF/nnpdf, "7 points - Gavin (default)").

For each point i of the lower order, Delta_i(f, r) = (T_i(k_F, k_R) - T_i(1, 1)) / T_i(1, 1),
with f, r in {+, 0, -} for k = 2, 1, 1/2 (first argument mu_F). mu_R is correlated within a
process type p(i), mu_F across all points. Same process type:

==========  ===============================================================================
``3``       1/2 [D(+,+) D(+,+) + D(-,-) D(-,-)]
``5``       1/2 sum over (+-, 0), (0, +-)
``5bar``    1/2 sum over (+-, +-)
``7``       1/3 sum over (+-, 0), (0, +-), (+, +), (-, -)
``9``       1/4 sum over all eight
==========  ===============================================================================

(each term D_i(m) D_j(m)); different process types: the mu_F variation shared, the mu_R ones
averaged independently (see :data:`PRESCRIPTIONS` for the exact weights).

Validation: delta_i = (T_i^higher - T_i^lower) / T_i^lower; eigenvectors e_a of S on its
non-zero subspace (eigenvalues s_a^2 above :data:`EIGEN_RTOL` times the largest), projections
delta_a = e_a . delta, cos(theta) = |sum_a delta_a e_a| / |delta|, efficiency
epsilon = 1 - sin(theta), theory chi^2 = (1/N_eval) sum_a (delta_a / s_a)^2 and the
per-eigenvector table: a shift can lie inside S (small theta) and still be far along its
smallest eigenvectors. Points whose lower order vanishes (F_L at LO) are left out and named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.choices import ORDERS
from scaleuq.choices import PRESCRIPTIONS as PRESCRIPTION_NAMES
from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PRESCRIPTIONS",
    "CovarianceValidation",
    "EigenRow",
    "theory_covariance",
    "validate_covariance",
]

#: Scale points as (mu_F sign, mu_R sign); the factor is 2 for +, 1 for 0, 1/2 for -.
_FACTOR = {"+": 2.0, "0": 1.0, "-": 0.5}
#: Per prescription: the same-type terms (weight, point) -> w D_i(m) D_j(m), and the
#: different-type terms (weight, points) -> w (sum_m D_i(m)) (sum_m D_j(m)).
PRESCRIPTIONS: dict[str, dict[str, tuple[tuple[float, tuple[str, ...]], ...]]] = {
    "3": {
        "same": ((1 / 2, ("++",)), (1 / 2, ("--",))),
        "cross": ((1 / 4, ("++", "--")),),
    },
    "5": {
        "same": tuple((1 / 2, (m,)) for m in ("+0", "-0", "0+", "0-")),
        "cross": ((1 / 2, ("+0",)), (1 / 2, ("-0",)), (1 / 4, ("0+", "0-"))),
    },
    "5bar": {
        "same": tuple((1 / 2, (m,)) for m in ("++", "+-", "-+", "--")),
        "cross": ((1 / 4, ("++", "+-")), (1 / 4, ("-+", "--"))),
    },
    "7": {
        "same": tuple((1 / 3, (m,)) for m in ("+0", "-0", "0+", "0-", "++", "--")),
        "cross": ((2 / 6, ("+0",)), (2 / 6, ("-0",)), (1 / 6, ("0+", "0-")), (1 / 6, ("++", "--"))),
    },
    "9": {
        "same": tuple((1 / 4, (m,)) for m in ("+0", "-0", "0+", "0-", "++", "+-", "-+", "--")),
        "cross": (
            (1 / 12, ("+0", "++", "+-")),
            (1 / 12, ("-0", "-+", "--")),
            (1 / 8, ("0+", "0-")),
        ),
    },
}
assert tuple(PRESCRIPTIONS) == PRESCRIPTION_NAMES
#: Eigenvalues below this fraction of the largest are the null space of S.
EIGEN_RTOL = 1e-9


def _scales(prescription: str) -> tuple[str, ...]:
    spec = PRESCRIPTIONS[prescription]
    return tuple(dict.fromkeys(m for _, ms in (*spec["same"], *spec["cross"]) for m in ms))


def _k(point: str) -> tuple[float, float]:
    """(k_R, k_F) of a (mu_F sign, mu_R sign) label."""
    return _FACTOR[point[1]], _FACTOR[point[0]]


def theory_covariance(
    shifts: dict[str, np.ndarray], process_types: np.ndarray, prescription: str = "7"
) -> np.ndarray:
    """The normalised theory covariance S_ij of one prescription.

    Args:
        shifts: Delta_i(m) per scale label m (``"+0"`` = mu_F x 2, mu_R x 1, ...), arrays of
            equal length n.
        process_types: the process type of each point (n labels).
        prescription: one of :data:`PRESCRIPTIONS`.

    Returns:
        S, an (n, n) symmetric positive semi-definite matrix.
    """
    if prescription not in PRESCRIPTIONS:
        raise OptionError(
            f"unknown prescription '{prescription}'; choose one of {', '.join(PRESCRIPTIONS)}"
        )
    spec = PRESCRIPTIONS[prescription]
    n = len(process_types)
    same = np.zeros((n, n))
    for w, (m,) in spec["same"]:
        same += w * np.outer(shifts[m], shifts[m])
    cross = np.zeros((n, n))
    for w, ms in spec["cross"]:
        total = np.sum([shifts[m] for m in ms], axis=0)
        cross += w * np.outer(total, total)
    types = np.asarray(process_types)
    mask = types[:, None] == types[None, :]
    return np.where(mask, same, cross)


def _eigen(
    cov: np.ndarray, shifts: dict[str, np.ndarray], types: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors of S on its non-zero subspace.

    The range of S lies in the span of the shifts Delta(m) restricted to each process type (at
    most 8 x n_types vectors), so S = B (B^T S B) B^T with B an orthonormal basis of that span:
    a small eigenproblem instead of an n x n one.
    """
    columns = [np.where(types == t, d, 0.0) for t in np.unique(types) for d in shifts.values()]
    q, r = np.linalg.qr(np.column_stack(columns))
    diag = np.abs(np.diag(r))
    basis = q[:, diag > 1e-12 * max(diag.max(), 1e-300)]
    small = basis.T @ cov @ basis
    eigval, eigvec = np.linalg.eigh(0.5 * (small + small.T))
    top = eigval.max() if eigval.size else 0.0
    nonzero = eigval > EIGEN_RTOL * top if top > 0 else np.zeros(eigval.shape, dtype=bool)
    order = np.argsort(eigval[nonzero])[::-1]
    return eigval[nonzero][order], basis @ eigvec[:, nonzero][:, order]


@dataclass(frozen=True)
class EigenRow:
    """One eigenvector of S: ``s`` = sqrt(eigenvalue), ``delta`` = projection of the shift,
    ``ratio`` = delta / s (its contribution to chi^2 is ratio^2 / N_eval)."""

    index: int
    s: float
    delta: float
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CovarianceValidation:
    """The theory covariance of ``from_order`` against the shift to ``to_order``.

    Attributes:
        from_order, to_order, prescription: what was compared.
        processes: the points (``<point part>:<observable>:<rest>``), order of every array.
        process_types: their process types (mu_R correlated within one).
        shift: delta_i = (T^to - T^from) / T^from.
        sigma: sqrt(S_ii), the per-point theory uncertainty.
        covariance: S (n x n).
        eigen: one :class:`EigenRow` per eigenvector of the non-zero subspace, largest s first.
        theta_deg: angle between delta and its projection on that subspace, in degrees.
        efficiency: 1 - sin(theta).
        chi2_theory: (1/N_eval) sum_a (delta_a / s_a)^2.
        frac_within_1, frac_within_2: fractions of points with |delta_i| < 1 (2) sqrt(S_ii)
            (undefined where S_ii = 0, not counted).
        excluded: points left out, with the reason (lower order vanishes or is missing).
    """

    from_order: str
    to_order: str
    prescription: str
    processes: tuple[str, ...]
    process_types: tuple[str, ...]
    shift: np.ndarray
    sigma: np.ndarray
    covariance: np.ndarray
    eigen: tuple[EigenRow, ...]
    theta_deg: float
    efficiency: float
    chi2_theory: float
    frac_within_1: float | None
    frac_within_2: float | None
    excluded: tuple[tuple[str, str], ...]

    @property
    def n_points(self) -> int:
        """Points in the covariance."""
        return len(self.processes)

    @property
    def n_eigen(self) -> int:
        """Dimension of the non-zero subspace of S."""
        return len(self.eigen)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (the matrix itself is left out; per point: shift, sigma)."""
        return {
            "from_order": self.from_order,
            "to_order": self.to_order,
            "prescription": self.prescription,
            "n_points": self.n_points,
            "n_eigen": self.n_eigen,
            "theta_deg": self.theta_deg,
            "efficiency": self.efficiency,
            "chi2_theory": self.chi2_theory,
            "frac_within_1": self.frac_within_1,
            "frac_within_2": self.frac_within_2,
            "eigen": [e.to_dict() for e in self.eigen],
            "points": [
                {"process": p, "process_type": t, "shift": float(d), "sigma": float(s)}
                for p, t, d, s in zip(
                    self.processes, self.process_types, self.shift, self.sigma, strict=True
                )
            ],
            "excluded": [{"process": p, "reason": r} for p, r in self.excluded],
        }


def validate_covariance(
    long: pd.DataFrame,
    *,
    from_order: str = "nlo",
    to_order: str = "nnlo",
    prescription: str = "7",
    process_column: str | None = "process_type",
) -> CovarianceValidation:
    """Build S from the scale variations of ``from_order`` and test it on the shift to
    ``to_order`` (see the module docstring).

    Args:
        long: a validated long-format frame (:func:`scaleuq.io.longformat.read_long`).
        from_order, to_order: the orders (``to_order`` higher).
        prescription: ``3``, ``5``, ``5bar``, ``7`` or ``9``.
        process_column: the column of process types (mu_R correlated within one); absent or
            None: every point is one process type.

    Raises:
        OptionError: unknown orders or prescription, a point lacking a scale the prescription
            needs, or no point left.
    """
    from scaleuq.io.longformat import scale_grid

    if from_order not in ORDERS or to_order not in ORDERS:
        raise OptionError(f"orders are {', '.join(ORDERS)}; got {from_order} -> {to_order}")
    if ORDERS.index(to_order) <= ORDERS.index(from_order):
        raise OptionError(f"--to ({to_order}) must be a higher order than --from ({from_order})")
    if prescription not in PRESCRIPTIONS:
        raise OptionError(
            f"unknown prescription '{prescription}'; choose one of {', '.join(PRESCRIPTIONS)}"
        )
    labels = _scales(prescription)
    grid = scale_grid(long, from_order, [_k(m) for m in labels], process_column=process_column)
    upper = scale_grid(long, to_order, [(1.0, 1.0)], process_column=None)
    higher = dict(zip(upper.processes, upper.central, strict=True))
    excluded: list[tuple[str, str]] = []
    keep = np.ones(len(grid.processes), dtype=bool)
    for i, (name, c) in enumerate(zip(grid.processes, grid.central, strict=True)):
        if c == 0:
            keep[i] = False
            excluded.append((name, f"{from_order.upper()} vanishes (no {from_order.upper()} term)"))
        elif name not in higher:
            keep[i] = False
            excluded.append((name, f"no {to_order.upper()} value"))
    missing = ~np.isfinite(grid.values) & keep[:, None]
    if missing.any():
        i, j = np.argwhere(missing)[0]
        kr, kf = grid.scales[j]
        raise OptionError(
            f"{grid.processes[i]}: no {from_order} value at (k_R={kr:g}, k_F={kf:g}), which the "
            f"{prescription}-point prescription needs"
        )
    if not keep.any():
        raise OptionError("no point left to validate")
    central = grid.central[keep]
    values = grid.values[keep]
    shifts = {m: (values[:, j] - central) / central for j, m in enumerate(labels)}
    processes = tuple(p for p, k in zip(grid.processes, keep, strict=True) if k)
    types = tuple(t for t, k in zip(grid.process_types, keep, strict=True) if k)
    delta = np.array([higher[p] for p in processes]) / central - 1.0
    cov = theory_covariance(shifts, np.array(types), prescription)
    sigma = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    vals, vecs = _eigen(cov, shifts, np.array(types))
    proj = vecs.T @ delta
    s = np.sqrt(vals)
    norm = float(np.linalg.norm(delta))
    inside = float(np.linalg.norm(vecs @ proj))
    if norm > 0:
        cos_theta = min(inside / norm, 1.0)
        sin_theta = float(np.linalg.norm(delta - vecs @ proj)) / norm
    else:
        cos_theta, sin_theta = 1.0, 0.0
    theta = float(np.degrees(np.arctan2(sin_theta, cos_theta)))
    chi2 = float(np.mean((proj / s) ** 2)) if s.size else float("nan")
    defined = sigma > 0
    ratio = np.abs(delta[defined]) / sigma[defined]
    return CovarianceValidation(
        from_order=from_order,
        to_order=to_order,
        prescription=prescription,
        processes=processes,
        process_types=types,
        shift=delta,
        sigma=sigma,
        covariance=cov,
        eigen=tuple(
            EigenRow(int(a), float(sa), float(da), float(da / sa))
            for a, (sa, da) in enumerate(zip(s, proj, strict=True))
        ),
        theta_deg=theta,
        efficiency=1.0 - sin_theta,
        chi2_theory=chi2,
        frac_within_1=float(np.mean(ratio < 1)) if ratio.size else None,
        frac_within_2=float(np.mean(ratio < 2)) if ratio.size else None,
        excluded=tuple(excluded),
    )

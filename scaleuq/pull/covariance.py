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

**Never an n x n matrix.** Every S_ij is a bilinear form in the columns
Z_(p,m) = Delta(m) restricted to process type p (K = scale points x process types columns):
S = Z G Z^T with G = I_types (x) diag(w_same) + (J - I)_types (x) H_cross, a K x K matrix. The
eigenproblem is solved in the column space of Z (Z = QR, eigenvectors of R G R^T), so memory
and time grow like n K, not n^2 (10 000 points: a few MB instead of 2.7 GB).
:attr:`CovarianceValidation.covariance` builds the dense S only when asked for.

Validation, with the quantities under the names NNPDF's validphys gives them
(``validphys/theorycovariance/tests.py``, functions ``evals_nonzero_basis``,
``theory_shift_test``, ``theta``, ``efficiency``, ``validation_theory_chi2``; NNPDF/nnpdf commit
e6c72e5), delta_i = (T_i^higher - T_i^lower) / T_i^lower, e_a the eigenvectors of S with
eigenvalues s_a^2 kept by the eigenvalue cut, delta_a = e_a . delta, delta_S = sum_a delta_a e_a,
delta_miss = delta - delta_S:

``theta_deg`` (validphys ``theta``; the angle of arXiv:1906.10698)
    theta = arccos(delta . delta_S / (|delta| |delta_S|)).
``efficiency_doc`` (validphys documentation ``tests.rst``: "efficiency epsilon = 1 - delta_miss
/ delta")
    1 - |delta_miss| / |delta| = 1 - sin(theta).
``efficiency_code`` (what validphys's ``efficiency()`` function returns)
    |delta_S| / |delta| = cos(theta). The documentation and the code of validphys disagree; both
    are reported, each under its own name.
``validation_theory_chi2`` (validphys ``validation_theory_chi2``)
    (1/N_eval) sum_a (delta_a / s_a)^2, N_eval the eigenvalues kept.
``eigen`` (validphys ``theory_covmat_eigenvalues``: s, projector, ratio)
    one row per kept eigenvector.

scaleuq's own summaries (not NNPDF quantities): ``frac_within_1``, ``frac_within_2`` = the
fractions of points with |delta_i| < 1 (2) sqrt(S_ii) (points with S_ii = 0 not counted).

**The eigenvalue cut.** validphys keeps every eigenvalue of S projected on its
prescription-specific linearly independent vectors (no cut; it reports the condition number).
Here the projection space (all scale points x process types) can be larger than the range of
S, so eigenvalues s_a^2 <= ``eigen_cut`` x the largest are taken as zero (default
:data:`EIGEN_RTOL`; exact zeros come out at ~1e-16 of the largest). A genuine but tiny eigenvalue
enters N_eval and chi^2 with a large weight, so the result is computed at every cut of
:data:`STABILITY_CUTS` (the stability table) and a result that changes between the cuts of
:data:`CUT_RANGE` is flagged as cut-dependent (:data:`CUT_TOLERANCE`).

Undefined results are reported as such (``None`` with the reason in ``undefined``): theta and
the efficiencies when the shift is zero (0/0), chi^2 when no eigenvalue is kept. Points whose
lower order vanishes (F_L at LO) are left out and named.
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
    "STABILITY_CUTS",
    "CovarianceValidation",
    "CutRow",
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
#: Default eigenvalue cut: eigenvalues at or below this fraction of the largest are zero.
EIGEN_RTOL = 1e-9
#: The cuts of the stability table (fractions of the largest eigenvalue).
STABILITY_CUTS = (1e-14, 1e-12, 1e-10, 1e-9, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2)
#: The cuts between which every choice is a defensible "numerical zero" (above float noise,
#: below any eigenvalue one would call genuine): a result that moves between them depends on
#: the cut.
CUT_RANGE = (1e-12, 1e-6)
#: What "moves" means: theta by more than this many degrees, or chi^2 by more than this
#: relative amount.
CUT_TOLERANCE = (0.1, 0.05)


def _scales(prescription: str) -> tuple[str, ...]:
    spec = PRESCRIPTIONS[prescription]
    return tuple(dict.fromkeys(m for _, ms in (*spec["same"], *spec["cross"]) for m in ms))


def _k(point: str) -> tuple[float, float]:
    """(k_R, k_F) of a (mu_F sign, mu_R sign) label."""
    return _FACTOR[point[1]], _FACTOR[point[0]]


def _gram(prescription: str, labels: tuple[str, ...], n_types: int) -> np.ndarray:
    """G of S = Z G Z^T, Z the columns Delta(m) per process type (type-major, then ``labels``)."""
    spec = PRESCRIPTIONS[prescription]
    index = {m: j for j, m in enumerate(labels)}
    same = np.zeros((len(labels), len(labels)))
    for w, (m,) in spec["same"]:
        same[index[m], index[m]] += w
    cross = np.zeros_like(same)
    for w, ms in spec["cross"]:
        v = np.zeros(len(labels))
        for m in ms:
            v[index[m]] += 1.0
        cross += w * np.outer(v, v)
    eye = np.eye(n_types)
    return np.kron(eye, same) + np.kron(np.ones((n_types, n_types)) - eye, cross)


def _factor(
    shifts: dict[str, np.ndarray], process_types: np.ndarray, prescription: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(Z, G, labels): S = Z G Z^T with Z (n, K) and G (K, K), K = scale points x types."""
    if prescription not in PRESCRIPTIONS:
        raise OptionError(
            f"unknown prescription '{prescription}'; choose one of {', '.join(PRESCRIPTIONS)}"
        )
    labels = _scales(prescription)
    missing = [m for m in labels if m not in shifts]
    if missing:
        raise OptionError(
            f"the {prescription}-point prescription needs the shifts {', '.join(missing)}"
        )
    types = np.asarray(process_types)
    unique = list(dict.fromkeys(types.tolist()))
    columns = [np.where(types == t, shifts[m], 0.0) for t in unique for m in labels]
    z = np.column_stack(columns) if columns else np.zeros((len(types), 0))
    return z, _gram(prescription, labels, len(unique)), labels


def theory_covariance(
    shifts: dict[str, np.ndarray], process_types: np.ndarray, prescription: str = "7"
) -> np.ndarray:
    """The normalised theory covariance S_ij of one prescription, as a dense matrix.

    Needs n^2 memory: :func:`validate_covariance` never calls it (it works with the factors
    S = Z G Z^T, see the module docstring).

    Args:
        shifts: Delta_i(m) per scale label m (``"+0"`` = mu_F x 2, mu_R x 1, ...), arrays of
            equal length n.
        process_types: the process type of each point (n labels).
        prescription: one of :data:`PRESCRIPTIONS`.

    Returns:
        S, an (n, n) symmetric positive semi-definite matrix.
    """
    z, g, _ = _factor(shifts, process_types, prescription)
    return z @ g @ z.T


def _eigen(z: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every eigenvalue (descending) and eigenvector of S = Z G Z^T in the column space of Z.

    Z = Q R (Q orthonormal, n x K), so S = Q (R G R^T) Q^T: a K x K eigenproblem whose
    eigenvectors u give those of S as Q u. The range of S lies in the column space of Z, so no
    non-zero eigenvalue is missed; the zero ones (exact zeros at float precision) are cut later.
    """
    if z.shape[1] == 0:
        return np.zeros(0), np.zeros((z.shape[0], 0))
    q, r = np.linalg.qr(z)
    small = r @ g @ r.T
    eigval, eigvec = np.linalg.eigh(0.5 * (small + small.T))
    order = np.argsort(eigval)[::-1]
    return eigval[order], q @ eigvec[:, order]


@dataclass(frozen=True)
class EigenRow:
    """One eigenvector of S kept by the cut (validphys ``theory_covmat_eigenvalues``):
    ``s`` = sqrt(eigenvalue), ``delta`` = projection of the shift (validphys's "projector"),
    ``ratio`` = delta / s (its contribution to chi^2 is ratio^2 / N_eval)."""

    index: int
    s: float
    delta: float
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CutRow:
    """The validation at one eigenvalue cut (a row of the stability table).

    Attributes:
        cut: eigenvalues at or below ``cut`` x the largest are zero.
        n_eigen: eigenvalues kept (N_eval).
        smallest_kept: the smallest kept eigenvalue over the largest (None when none kept).
        theta_deg, validation_theory_chi2: as in :class:`CovarianceValidation` (None where
            undefined).
    """

    cut: float
    n_eigen: int
    smallest_kept: float | None
    theta_deg: float | None
    validation_theory_chi2: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


def _at_cut(
    eigval: np.ndarray, eigvec: np.ndarray, delta: np.ndarray, cut: float
) -> tuple[np.ndarray, np.ndarray, dict[str, float | None], dict[str, str]]:
    """Kept eigenvalues, projections, the NNPDF quantities and the reasons for undefined ones."""
    top = float(eigval[0]) if eigval.size else 0.0
    keep = eigval > cut * top if top > 0 else np.zeros(eigval.shape, dtype=bool)
    vals, vecs = eigval[keep], eigvec[:, keep]
    proj = vecs.T @ delta
    norm = float(np.linalg.norm(delta))
    inside = vecs @ proj
    undefined: dict[str, str] = {}
    out: dict[str, float | None] = {}
    if norm == 0:
        reason = "the shift to the higher order is zero: the angle is 0/0"
        for key in ("theta_deg", "efficiency_doc", "efficiency_code"):
            out[key] = None
            undefined[key] = reason
    else:
        cos_t = min(float(np.linalg.norm(inside)) / norm, 1.0)
        sin_t = min(float(np.linalg.norm(delta - inside)) / norm, 1.0)
        out["theta_deg"] = float(np.degrees(np.arctan2(sin_t, cos_t)))
        out["efficiency_doc"] = 1.0 - sin_t
        out["efficiency_code"] = cos_t
    if vals.size:
        out["validation_theory_chi2"] = float(np.mean(proj**2 / vals))
    else:
        out["validation_theory_chi2"] = None
        undefined["validation_theory_chi2"] = (
            "S has no non-zero eigenvalue (no scale dependence): N_eval = 0"
        )
    return vals, proj, out, undefined


@dataclass(frozen=True)
class CovarianceValidation:
    """The theory covariance of ``from_order`` against the shift to ``to_order``.

    Attributes:
        from_order, to_order, prescription: what was compared.
        processes: the points (``<point part>:<observable>:<rest>``), order of every array.
        process_types: their process types (mu_R correlated within one).
        shift: delta_i = (T^to - T^from) / T^from.
        sigma: sqrt(S_ii), the per-point theory uncertainty.
        factor, gram: S = factor @ gram @ factor.T (n x K and K x K).
        eigen: one :class:`EigenRow` per eigenvector kept by ``eigen_cut``, largest s first.
        eigen_cut: the cut used (eigenvalues <= eigen_cut x the largest are zero).
        eigenvalues: every eigenvalue of S in the column space of ``factor``, over the largest
            (descending; what the cut acts on).
        theta_deg, efficiency_doc, efficiency_code, validation_theory_chi2: the validphys
            quantities at ``eigen_cut`` (module docstring); None where undefined.
        frac_within_1, frac_within_2: scaleuq's own: fractions of points with |delta_i| < 1
            (2) sqrt(S_ii) (undefined where S_ii = 0, not counted; None when no point counts).
        stability: one :class:`CutRow` per cut of :data:`STABILITY_CUTS`.
        cut_dependent: theta or chi^2 moves between the cuts of ``cut_range``.
        cut_range: :data:`CUT_RANGE`, the cuts that define ``cut_dependent``.
        undefined: (quantity, reason) for every None among the quantities above.
        excluded: points left out, with the reason (lower order vanishes or is missing).
    """

    from_order: str
    to_order: str
    prescription: str
    processes: tuple[str, ...]
    process_types: tuple[str, ...]
    shift: np.ndarray
    sigma: np.ndarray
    factor: np.ndarray
    gram: np.ndarray
    eigen: tuple[EigenRow, ...]
    eigen_cut: float
    eigenvalues: np.ndarray
    theta_deg: float | None
    efficiency_doc: float | None
    efficiency_code: float | None
    validation_theory_chi2: float | None
    frac_within_1: float | None
    frac_within_2: float | None
    stability: tuple[CutRow, ...]
    cut_dependent: bool
    undefined: tuple[tuple[str, str], ...]
    excluded: tuple[tuple[str, str], ...]
    cut_range: tuple[float, float] = CUT_RANGE

    @property
    def n_points(self) -> int:
        """Points in the covariance."""
        return len(self.processes)

    @property
    def n_eigen(self) -> int:
        """Eigenvalues kept by the cut (N_eval)."""
        return len(self.eigen)

    @property
    def covariance(self) -> np.ndarray:
        """The dense S (n x n; n^2 memory, built on each call: for small n)."""
        return self.factor @ self.gram @ self.factor.T

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (the matrix itself is left out; per point: shift, sigma)."""
        return {
            "from_order": self.from_order,
            "to_order": self.to_order,
            "prescription": self.prescription,
            "n_points": self.n_points,
            "n_eigen": self.n_eigen,
            "eigen_cut": self.eigen_cut,
            "nnpdf": {
                "source": "NNPDF validphys theorycovariance/tests.py (arXiv:1906.10698)",
                "theta_deg": self.theta_deg,
                "efficiency_doc": self.efficiency_doc,
                "efficiency_code": self.efficiency_code,
                "validation_theory_chi2": self.validation_theory_chi2,
                "definitions": {
                    "theta_deg": "arccos(delta . delta_S / (|delta| |delta_S|)), validphys theta",
                    "efficiency_doc": "1 - |delta_miss|/|delta| = 1 - sin(theta), validphys "
                    "documentation (tests.rst)",
                    "efficiency_code": "|delta_S|/|delta| = cos(theta), what validphys's "
                    "efficiency() returns",
                    "validation_theory_chi2": "(1/N_eval) sum_a (delta_a/s_a)^2, validphys "
                    "validation_theory_chi2",
                },
            },
            "scaleuq": {
                "frac_within_1": self.frac_within_1,
                "frac_within_2": self.frac_within_2,
                "definitions": {
                    "frac_within_1": "fraction of points with |delta_i| < sqrt(S_ii) (S_ii > 0)",
                    "frac_within_2": "fraction of points with |delta_i| < 2 sqrt(S_ii) (S_ii > 0)",
                },
            },
            "eigenvalues_relative": [float(v) for v in self.eigenvalues],
            "stability": [r.to_dict() for r in self.stability],
            "cut_dependent": self.cut_dependent,
            "cut_range": list(self.cut_range),
            "undefined": [{"quantity": q, "reason": r} for q, r in self.undefined],
            "eigen": [e.to_dict() for e in self.eigen],
            "points": [
                {"process": p, "process_type": t, "shift": float(d), "sigma": float(s)}
                for p, t, d, s in zip(
                    self.processes, self.process_types, self.shift, self.sigma, strict=True
                )
            ],
            "excluded": [{"process": p, "reason": r} for p, r in self.excluded],
        }


def _moves(rows: list[CutRow]) -> bool:
    """Whether theta or chi^2 differ between the rows (by more than :data:`CUT_TOLERANCE`)."""
    d_theta, d_chi2 = CUT_TOLERANCE
    thetas = [r.theta_deg for r in rows if r.theta_deg is not None]
    chi2s = [r.validation_theory_chi2 for r in rows]
    if thetas and max(thetas) - min(thetas) > d_theta:
        return True
    if any(c is None for c in chi2s) and any(c is not None for c in chi2s):
        return True
    values = [c for c in chi2s if c is not None]
    return bool(values) and (max(values) - min(values)) > d_chi2 * max(min(values), 1e-300)


def validate_covariance(
    long: pd.DataFrame,
    *,
    from_order: str = "nlo",
    to_order: str = "nnlo",
    prescription: str = "7",
    process_column: str | None = "process_type",
    eigen_cut: float = EIGEN_RTOL,
) -> CovarianceValidation:
    """Build S from the scale variations of ``from_order`` and test it on the shift to
    ``to_order`` (see the module docstring).

    Args:
        long: a validated long-format frame (:func:`scaleuq.io.longformat.read_long`).
        from_order, to_order: the orders (``to_order`` higher).
        prescription: ``3``, ``5``, ``5bar``, ``7`` or ``9``.
        process_column: the column of process types (mu_R correlated within one); absent or
            None: every point is one process type.
        eigen_cut: eigenvalues at or below this fraction of the largest count as zero
            (0 <= eigen_cut < 1; default :data:`EIGEN_RTOL`).

    Raises:
        OptionError: unknown orders or prescription, a bad cut, a point lacking a scale the
            prescription needs, or no point left.
    """
    import math

    from scaleuq.io.longformat import scale_grid

    if from_order not in ORDERS or to_order not in ORDERS:
        raise OptionError(f"orders are {', '.join(ORDERS)}; got {from_order} -> {to_order}")
    if ORDERS.index(to_order) <= ORDERS.index(from_order):
        raise OptionError(f"--to ({to_order}) must be a higher order than --from ({from_order})")
    if prescription not in PRESCRIPTIONS:
        raise OptionError(
            f"unknown prescription '{prescription}'; choose one of {', '.join(PRESCRIPTIONS)}"
        )
    if not isinstance(eigen_cut, (int, float)) or not (
        math.isfinite(eigen_cut) and 0 <= eigen_cut < 1
    ):
        raise OptionError(f"--eigen-cut {eigen_cut!r}: give a number with 0 <= cut < 1")
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
    if not np.isfinite(delta).all():
        bad = processes[int(np.flatnonzero(~np.isfinite(delta))[0])]
        raise OptionError(f"{bad}: the {to_order} value is not a finite number")
    z, g, _ = _factor(shifts, np.array(types, dtype=object), prescription)
    sigma = np.sqrt(np.clip(np.einsum("ik,kl,il->i", z, g, z), 0.0, None))
    eigval, eigvec = _eigen(z, g)
    top = float(eigval[0]) if eigval.size and eigval[0] > 0 else 0.0
    relative = eigval / top if top > 0 else np.zeros_like(eigval)
    vals, proj, quantities, reasons = _at_cut(eigval, eigvec, delta, eigen_cut)
    s = np.sqrt(vals)
    stability = []
    for cut in sorted({*STABILITY_CUTS, eigen_cut}):
        v, _, q, _ = _at_cut(eigval, eigvec, delta, cut)
        stability.append(
            CutRow(
                cut=float(cut),
                n_eigen=int(v.size),
                smallest_kept=float(v[-1] / top) if v.size else None,
                theta_deg=q["theta_deg"],
                validation_theory_chi2=q["validation_theory_chi2"],
            )
        )
    lo, hi = CUT_RANGE
    defined = sigma > 0
    ratio = np.abs(delta[defined]) / sigma[defined]
    frac1 = float(np.mean(ratio < 1)) if ratio.size else None
    frac2 = float(np.mean(ratio < 2)) if ratio.size else None
    if frac1 is None:
        reasons["frac_within_1"] = reasons["frac_within_2"] = "S_ii = 0 at every point"
    return CovarianceValidation(
        from_order=from_order,
        to_order=to_order,
        prescription=prescription,
        processes=processes,
        process_types=types,
        shift=delta,
        sigma=sigma,
        factor=z,
        gram=g,
        eigen=tuple(
            EigenRow(int(a), float(sa), float(da), float(da / sa))
            for a, (sa, da) in enumerate(zip(s, proj, strict=True))
        ),
        eigen_cut=float(eigen_cut),
        eigenvalues=relative,
        theta_deg=quantities["theta_deg"],
        efficiency_doc=quantities["efficiency_doc"],
        efficiency_code=quantities["efficiency_code"],
        validation_theory_chi2=quantities["validation_theory_chi2"],
        frac_within_1=frac1,
        frac_within_2=frac2,
        stability=tuple(stability),
        cut_dependent=_moves([r for r in stability if lo <= r.cut <= hi]),
        undefined=tuple(reasons.items()),
        excluded=tuple(excluded),
    )

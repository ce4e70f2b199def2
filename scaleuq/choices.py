"""Every named choice scaleuq offers, defined once (no imports: the CLI builds its
``click.Choice`` lists from these at start-up, and the library validates against them)."""

from __future__ import annotations

#: Which LO variation is Delta sigma (see :func:`scaleuq.pull.pulls.pulls`).
CONVENTIONS = ("directional", "symmetric", "upper", "lower", "max")
#: How n of the reference correction is counted (see :mod:`scaleuq.pull.reference`).
N_MODES = ("final-state", "alphas-power")
#: Output formats of the table commands.
FORMATS = ("table", "csv", "json")
#: Output formats of the commands that produce a table of processes.
TABLE_FORMATS = ("csv", "json")
#: Scale-variation envelopes: the (k_R, k_F) points each takes.
ENVELOPES: dict[str, tuple[tuple[float, float], ...]] = {
    "3-point": ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0)),
    "7-point": tuple(
        (r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0) if {r, f} != {0.5, 2.0}
    ),
    "9-point": tuple((r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0)),
}
ENVELOPE_NAMES = tuple(ENVELOPES)
#: How PDF members combine into an uncertainty.
PDF_METHODS = ("replicas", "hessian", "none")
#: Pull-distribution fit stages: the raw pulls, or after the reference correction.
STAGES = ("before", "after")
#: Perturbative orders of a series, lowest first (columns ``lo_*``, ``nlo_*``, ``nnlo_*``, ``n3lo_*``).
ORDERS = ("lo", "nlo", "nnlo", "n3lo")
#: NNPDF theory-covariance prescriptions (:mod:`scaleuq.pull.covariance`, arXiv:1906.10698).
PRESCRIPTIONS = ("3", "5", "5bar", "7", "9")
#: PDFs of ``scaleuq series dis`` (:mod:`scaleuq.series.dis`).
SERIES_PDFS = ("toy", "nnpdf31")
#: Which band a likelihood carries (``export pyhf``, ``fit-workspace``): the raw LO band, the
#: reference band, or the reference band times the calibration factor.
BANDS = ("raw", "reference", "calibrated")
#: pyhf modifiers of ``export pyhf`` (auto: normsys for one bin, histosys for several).
MODIFIERS = ("auto", "normsys", "histosys")
#: Observations of a standalone exported workspace.
OBSERVED = ("nominal", "nlo")
#: Calibration factors of ``recommend``: conformal (out-of-sample) or corpus quantiles.
FACTOR_KINDS = ("out-of-sample", "in-sample")
#: Constraints on the scale nuisances of ``fit-workspace``.
CONSTRAINTS = ("unit-gauss", "gauss", "student-t", "cauchy")
#: Interval methods of ``fit-workspace``.
INTERVAL_METHODS = ("wilks", "toys")
#: PDF members re-weighted by ``reweight``.
PDF_MEMBERS = ("central", "all")

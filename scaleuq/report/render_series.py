"""Text, CSV and JSON output of the series commands (``series dis``, ``validate-covariance``,
``mhou``); text only, no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scaleuq.report.render import dumps, text_table

if TYPE_CHECKING:
    from scaleuq.pull.covariance import CovarianceValidation
    from scaleuq.series.dis import DISSeries
    from scaleuq.stats.mhou import MHOUResult

__all__ = ["render_covariance", "render_mhou", "render_series"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def render_series(result: DISSeries, fmt: str, meta: dict[str, Any]) -> str:
    """One-paragraph summary of a computed series (the table itself goes to a CSV file)."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    return (
        f"{result.n_points} points, {result.n_rows} (point, observable) rows, orders "
        f"{', '.join(result.orders)}, 9 scales: {len(result.table)} values in "
        f"{result.seconds:.1f} s\nPDF: {result.pdf_label}\n"
        f"cuts: Q^2 >= {result.q2_min:g} GeV^2, NC Q^2 <= {result.nc_q2_max:g} GeV^2 "
        f"(photon exchange)\n"
    )


def render_covariance(result: CovarianceValidation, fmt: str, meta: dict[str, Any]) -> str:
    """The validation summary and the per-eigenvector table."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        lines = ["index,s,delta,ratio"]
        lines += [f"{e.index},{e.s:.6g},{e.delta:.6g},{e.ratio:.6g}" for e in result.eigen]
        return "\n".join(lines) + "\n"
    head = (
        f"Theory covariance of {result.from_order.upper()} scale variations "
        f"({result.prescription}-point prescription) against the shift to "
        f"{result.to_order.upper()}\n"
        f"points {result.n_points} (process types: "
        f"{', '.join(dict.fromkeys(t or '-' for t in result.process_types))}), "
        f"non-zero eigenvalues {result.n_eigen}\n"
        f"theta = {result.theta_deg:.2f} deg   efficiency 1 - sin(theta) = {result.efficiency:.3f}"
        f"   theory chi2 = {result.chi2_theory:.4g}\n"
        f"|delta_i| < sqrt(S_ii): {_pct(result.frac_within_1)}   < 2 sqrt(S_ii): "
        f"{_pct(result.frac_within_2)}   [unit Gaussian: 68.3%, 95.4%]\n"
    )
    rows = [[str(e.index), f"{e.s:.4g}", f"{e.delta:.4g}", f"{e.ratio:.3g}"] for e in result.eigen]
    table = text_table(["a", "s_a", "delta_a", "delta_a/s_a"], rows, right={0, 1, 2, 3})
    tail = ""
    if result.excluded:
        tail = f"\nleft out: {len(result.excluded)} points ({result.excluded[0][1]}, ...)"
    return head + "\n" + table + tail + "\n"


def render_mhou(result: MHOUResult, fmt: str, meta: dict[str, Any]) -> str:
    """Coverage and calibration per method and transition."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        return result.points.to_csv(index=False, float_format="%.6g")
    rows = [
        [r.transition, r.method, str(r.n), _pct(r.coverage_68), _pct(r.coverage_95),
         _num(r.calibration_68), _num(r.calibration_95)]
        for r in result.rows
    ]  # fmt: skip
    table = text_table(
        ["transition", "method", "n", "cov 68%", "cov 95%", "calib 68%", "calib 95%"],
        rows,
        right={2, 3, 4, 5, 6},
    )
    return (
        "MHOU estimates tested on the next order (coverage: fraction of points inside; calib: "
        "factor that makes the intervals cover 68.3% / 95.4%; '-' = no finite factor)\n"
        + table
        + "\nnote: the points of one series are correlated; these fractions are not binomial.\n"
    )

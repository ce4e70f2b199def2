"""Text, CSV and JSON output of the series commands (``series dis``, ``validate-covariance``,
``mhou``); text only, no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scaleuq.report.numbers import num, pct
from scaleuq.report.render import dumps, text_table

if TYPE_CHECKING:
    from scaleuq.pull.covariance import CovarianceValidation
    from scaleuq.series.dis import DISSeries
    from scaleuq.stats.mhou import MHOUResult

__all__ = ["render_covariance", "render_mhou", "render_series"]


def _pct(value: float | None) -> str:
    return pct(value, ".1f")


def _num(value: float | None, digits: int = 3) -> str:
    return num(value, digits, missing="-")


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
        f"{result.n_ffn4} points below the b threshold computed with n_f = 4 throughout (PDF, "
        "alpha_s, splitting and coefficient functions)\n"
    )


def _deg(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f} deg"


def render_covariance(result: CovarianceValidation, fmt: str, meta: dict[str, Any]) -> str:
    """The validation summary (NNPDF's quantities under validphys's names, scaleuq's own under
    theirs), the eigenvalue cut and its stability table, and the per-eigenvector table."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        lines = ["index,s,delta,ratio"]
        lines += [f"{e.index},{e.s:.6g},{e.delta:.6g},{e.ratio:.6g}" for e in result.eigen]
        return "\n".join(lines) + "\n"
    undefined = dict(result.undefined)
    head = (
        f"Theory covariance of {result.from_order.upper()} scale variations "
        f"({result.prescription}-point prescription) against the shift to "
        f"{result.to_order.upper()}\n"
        f"points {result.n_points} (process types: "
        f"{', '.join(dict.fromkeys(t or '-' for t in result.process_types))}), "
        f"eigenvalue cut {result.eigen_cut:.0e} x the largest: {result.n_eigen} kept\n"
        "NNPDF (validphys names):\n"
        f"  theta = {_deg(result.theta_deg)}   validation_theory_chi2 = "
        f"{_num(result.validation_theory_chi2, 4)} (1/N_eval sum (delta_a/s_a)^2)\n"
        f"  efficiency: documented 1 - |delta_miss|/|delta| = {_num(result.efficiency_doc)}; "
        f"validphys code |delta_S|/|delta| = {_num(result.efficiency_code)}\n"
        "scaleuq's own:\n"
        f"  |delta_i| < sqrt(S_ii): {_pct(result.frac_within_1)}   < 2 sqrt(S_ii): "
        f"{_pct(result.frac_within_2)}   [unit Gaussian: 68.3%, 95.4%]\n"
    )
    for quantity, reason in undefined.items():
        head += f"undefined: {quantity}: {reason}\n"
    rows = [
        [f"{r.cut:.0e}", str(r.n_eigen), "-" if r.smallest_kept is None else f"{r.smallest_kept:.2g}",
         "-" if r.theta_deg is None else f"{r.theta_deg:.2f}", _num(r.validation_theory_chi2, 4)]
        for r in result.stability
    ]  # fmt: skip
    stab = text_table(["cut", "N_eval", "smallest kept", "theta [deg]", "chi2"], rows,
                      right={1, 2, 3, 4})  # fmt: skip
    between = f"between cuts {result.cut_range[0]:.0e} and {result.cut_range[1]:.0e}"
    verdict = (
        f"DEPENDS ON THE CUT: theta or chi2 moves {between} (genuine but tiny eigenvalues); "
        "quote the table, not one number"
        if result.cut_dependent
        else f"stable: theta and chi2 do not move {between}"
    )
    rows = [[str(e.index), f"{e.s:.4g}", f"{e.delta:.4g}", f"{e.ratio:.3g}"] for e in result.eigen]
    table = text_table(["a", "s_a", "delta_a", "delta_a/s_a"], rows, right={0, 1, 2, 3})
    tail = ""
    if result.excluded:
        tail = f"\nleft out: {len(result.excluded)} points ({result.excluded[0][1]}, ...)"
    return (
        head + "\nstability over the eigenvalue cut:\n" + stab + f"\n{verdict}\n\n" + table
        + tail + "\n"
    )  # fmt: skip


#: At most this many points get their per-point estimates in the text table.
MAX_TEXT_POINTS = 20


def render_mhou(result: MHOUResult, fmt: str, meta: dict[str, Any]) -> str:
    """Coverage and calibration per method and transition, and the per-point estimates
    (median, 68.3% and 95.4% intervals; every point in CSV and JSON, in the text table up to
    :data:`MAX_TEXT_POINTS` points)."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        return result.points.to_csv(index=False, float_format="%.8g")
    out = ""
    if result.rows:
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
        out += (
            "MHOU estimates tested on the next order (coverage: fraction of points inside; "
            "calib: factor that makes the intervals cover 68.3% / 95.4%; '-' = no finite "
            "factor)\n" + table
            + "\nnote: the points of one series are correlated; these fractions are not "
            "binomial.\n"
        )  # fmt: skip
    est = result.estimates()
    n_points = est["process"].nunique()
    if n_points <= MAX_TEXT_POINTS:
        rows = [
            [r.process, r.method, f"{r.value:.6g}", f"{r.median:.6g}",
             f"[{r.lo68:.6g}, {r.hi68:.6g}]", f"[{r.lo95:.6g}, {r.hi95:.6g}]"]
            for r in est.itertuples()
        ]  # fmt: skip
        heads = ["point", "method", "highest order", "median", "68.3%", "95.4%"]
        out += (
            f"\nestimate of the true value from every known order ({result.final}): median, "
            "68.3% and 95.4% intervals\n" + text_table(heads, rows, right={2, 3}) + "\n"
        )
    else:
        out += (
            f"\nper-point estimates of the true value ({n_points} points, {result.final}) and of "
            "every transition: --format csv or json\n"
        )
    for note in result.notes:
        out += f"note: {note}\n"
    return out

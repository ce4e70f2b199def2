"""Render result objects as a human table, CSV or JSON (text only; no I/O, no click).

JSON goes through the one serialiser :func:`scaleuq.util.jsonio.dumps` (re-exported here as
:func:`dumps`); coverage tables, in text and in markdown, through :func:`coverage_cells`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scaleuq.report.numbers import num, pct
from scaleuq.util.jsonio import dumps

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.differential import DifferentialResult
    from scaleuq.pull.pulls import PullResult
    from scaleuq.pull.reference import ReferenceCorrection
    from scaleuq.stats.coverage import CoverageRow
    from scaleuq.stats.study import FitStudy

__all__ = [
    "coverage_cells", "coverage_markdown", "coverage_text", "dumps", "render_differential",
    "render_fit", "render_pulls", "render_reference", "text_table",
]  # fmt: skip


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """Fixed-width text table; columns in ``right`` are right-aligned."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule, *(fmt(r) for r in rows)])


def _sorted(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, key=lambda s: s.abs(), ascending=False, na_position="last")


def coverage_headers(coverage: Sequence[CoverageRow]) -> list[str]:
    """Column names of a coverage table: ``group``, ``n`` and ``|t|<k`` per threshold."""
    thresholds = dict.fromkeys(r.threshold for r in coverage)
    return ["group", "n", *(f"|t|<{k:g}" for k in thresholds)]


def coverage_cells(coverage: Sequence[CoverageRow], *, sep: str = ",") -> list[list[str]]:
    """The cells of a coverage table, one row per group and a last row for a unit Gaussian.

    Each cell is the fraction with |t| < k and its Clopper-Pearson interval in percent,
    ``37% [24,51]`` (``sep`` between the bounds), or ``-`` where the group has no defined pull.
    The one formatter behind :func:`coverage_text` and :func:`coverage_markdown`.
    """
    rows = []
    for group in dict.fromkeys(r.group for r in coverage):
        members = [r for r in coverage if r.group == group]
        cells = [group, str(members[0].n)]
        for r in members:
            cells.append(
                "-"
                if r.fraction is None or r.low is None or r.high is None
                else f"{100 * r.fraction:.0f}% [{100 * r.low:.0f}{sep}{100 * r.high:.0f}]"
            )
        rows.append(cells)
    first = coverage[0].group if coverage else "all"
    gauss = [f"{100 * r.gaussian:.1f}%" for r in coverage if r.group == first]
    rows.append(["unit Gaussian", "", *gauss])
    return rows


def coverage_text(coverage: Sequence[CoverageRow]) -> str:
    """A coverage table as fixed-width text (the ``scaleuq fit`` output)."""
    return text_table(coverage_headers(coverage), coverage_cells(coverage), right={1})


def coverage_markdown(coverage: Sequence[CoverageRow]) -> list[str]:
    """A coverage table as markdown lines (the report README written by ``scaleuq figures``)."""

    def row(cells: Sequence[str]) -> str:
        return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"

    headers = [h.replace("|", "\\|") for h in coverage_headers(coverage)]
    return [
        row(headers),
        row(["---"] * len(headers)),
        *(row(cells) for cells in coverage_cells(coverage, sep=", ")),
    ]


def _undefined_lines(frame: pd.DataFrame, column: str, reason: str) -> list[str]:
    bad = frame[~frame[column].map(lambda v: isinstance(v, float) and math.isfinite(v))]
    return [f"  undefined: {p}: {r}" for p, r in zip(bad["process"], bad[reason], strict=True)]


def render_pulls(result: PullResult, fmt: str, meta: dict[str, Any]) -> str:
    """Render :class:`~scaleuq.pull.PullResult` as ``table``, ``csv`` or ``json``."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        return result.table.to_csv(index=False, float_format="%.6g")
    frame = _sorted(result.table, "pull")
    rows = [
        [
            r.process,
            r.id or "-",
            str(r.n_final),
            r.process_class,
            num(r.k_factor, 4),
            f"{r.direction} {pct(r.delta_rel)}",
            num(r.pull),
            "" if not math.isfinite(r.pull_mc_err) else f"± {r.pull_mc_err:.2g}",
        ]
        for r in frame.itertuples()
    ]
    headers = ["process", "id", "n", "class", "K", "Δσ/σ₀ used", "pull t", "(MC)"]
    lines = [
        f"Scale pulls t = (σ_{result.to_order.upper()} − σ_{result.from_order.upper()})"
        f"/Δσ_{result.from_order.upper()}   convention: {result.convention}"
        + (" + PDF in quadrature" if result.include_pdf else ""),
        "",
        text_table(headers, rows, right={2, 4, 5, 6}),
        "",
        result.summary.line(),
        *_undefined_lines(result.table, "pull", "reason"),
    ]
    return "\n".join(lines) + "\n"


def render_reference(result: ReferenceCorrection, fmt: str, meta: dict[str, Any]) -> str:
    """Render :class:`~scaleuq.reference.ReferenceCorrection`."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    if fmt == "csv":
        return result.table.to_csv(index=False, float_format="%.6g")
    ref = result.reference
    frame = _sorted(result.table, "pull_ref")
    rows = [
        [
            r.process,
            f"{r.n_counted:g}" + ("*" if r.n_inferred else ""),
            r.process_class,
            pct(r.delta_rel),
            num(r.pull),
            pct(r.delta_ref_rel),
            num(r.pull_ref),
            "TAIL" if r.flagged else "",
        ]
        for r in frame.itertuples()
    ]
    headers = ["process", "n", "class", "Δσ/σ₀", "pull", "Δσ_ref/σ₀", "pull_ref", ""]
    lines = [
        "Reference-process correction  Δσ_ref/σ₀ = n · <Δσ/(n σ₀)>_ref   "
        f"(n counted as {ref.n_mode}, convention {result.before.convention})",
        f"reference set: {ref.n_processes} processes;  "
        f"<Δσ/(n σ₀)> up = {100 * ref.per_particle_up:.2f}% (sd {100 * ref.std_up:.2f}%), "
        f"down = {100 * ref.per_particle_dn:.2f}% (sd {100 * ref.std_dn:.2f}%)",
        "",
        text_table(headers, rows, right={1, 3, 4, 5, 6}),
        "",
        "before: " + result.summary_before.line(),
        "after:  " + result.summary_after.line(),
        f"tail (|pull_ref| > {result.threshold:g}): "
        + (", ".join(result.flagged) if result.flagged else "none"),
        *_undefined_lines(result.table, "pull_ref", "reason_ref"),
    ]
    if result.table["n_inferred"].any():
        lines.append("  * n inferred from the process string (number of final-state QCD partons)")
    return "\n".join(lines) + "\n"


def render_fit(study: FitStudy, fmt: str, meta: dict[str, Any]) -> str:
    """Render a :class:`~scaleuq.stats.study.FitStudy` (``table`` or ``json``; ``csv``: the fits)."""
    if fmt == "json":
        return dumps({**meta, **study.to_dict()})
    if fmt == "csv":
        lines = [
            "model,parameter,value,hesse_error,minos_lower,minos_upper,boot_low,boot_high,loglike,aic,bic,gof_pvalue"
        ]
        for f in study.fits:
            for p in f.params:
                cells = [
                    f.model, p.name, p.value, p.hesse_error, p.minos_lower, p.minos_upper,
                    p.boot_low, p.boot_high, f.loglike, f.aic, f.bic, f.gof_pvalue,
                ]  # fmt: skip
                lines.append(
                    ",".join(
                        "" if c is None else (f"{c:.6g}" if isinstance(c, float) else str(c))
                        for c in cells
                    )
                )
        return "\n".join(lines) + "\n"
    rows = []
    for f in study.fits:
        params = "  ".join(
            f"{p.name}={p.value:.3g}"
            + (f"±{p.hesse_error:.2g}" if p.hesse_error is not None else "")
            for p in f.params
        )
        pval = "-" if f.gof_pvalue is None else f"{f.gof_pvalue:.3f}"
        rows.append([f.model, params, f"{f.loglike:.2f}", f"{f.aic:.2f}", f"{f.bic:.2f}", pval])
    oos = {o.target: o for o in study.out_of_sample}
    cal_rows = []
    for c in study.calibration:  # out of sample: scaleuq.stats.coverage.out_of_sample (issue 23)
        o = oos.get(c.target)
        rec = "-" if o is None else f"{o.factor:.3g}" + ("" if o.reached else " (*)")
        rec_loo = "-" if o is None else f"{100 * o.factor_loo_coverage:.1f}%"
        in_loo = "-" if o is None else f"{o.loo_covered}/{o.n} = {100 * o.loo_coverage:.1f}%"
        in_cov = "-" if o is None else f"{100 * o.in_sample_coverage:.1f}%"
        cal_rows.append([
            f"{100 * c.target:.1f}%", rec, rec_loo,
            f"{c.factor:.3g} ({c.low:.3g} to {c.high:.3g})", in_cov, in_loo,
        ])  # fmt: skip
    cal = [
        text_table(
            [
                "target",
                "recommended s",
                "its LOO coverage",
                "in-sample s (bootstrap 68%)",
                "in-sample coverage",
                "its LOO coverage",
            ],
            cal_rows,
            right=set(),
        ),
        "recommended s: split-conformal (covers a new process with probability >= target); "
        "in-sample s: the target quantile of these |t|; LOO: leave-one-out.",
    ]
    if any(not o.reached for o in study.out_of_sample):
        cal.append(f"(*) the largest |t|: {study.pulls.size} pulls cannot guarantee this target.")
    stage = "before" if study.stage == "before" else "after"
    lines = [
        f"Pull distribution {stage} the reference correction: {study.pulls.size} pulls"
        f" ({study.n_undefined} undefined), convention {study.convention}, seed {study.seed}",
        "",
        text_table(
            ["model", "parameters (HESSE errors)", "ln L", "AIC", "BIC", "p(GoF)"],
            rows,
            right={2, 3, 4, 5},
        ),
        "",
        f"best by AIC: {study.best_aic}; by BIC: {study.best_bic}.  p(GoF): Anderson-Darling, "
        f"parametric bootstrap with refits ({study.fits[0].gof_n_mc} pseudo samples)",
        "",
        "Coverage (68% Clopper-Pearson intervals):",
        coverage_text(study.coverage),
        "",
        "Calibration: the LO band inflated by s (|t| <= s), recommended out of sample:",
        *cal,
    ]
    return "\n".join(lines) + "\n"


def render_differential(result: DifferentialResult, fmt: str, meta: dict[str, Any]) -> str:
    """Render a :class:`~scaleuq.pull.differential.DifferentialResult` (``table``, ``csv``,
    ``json``): one row per bin of every observable."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    table = result.table
    if fmt == "csv":
        return table.to_csv(index=False, float_format="%.6g")
    rows = [
        [r.histogram, f"{r.xmin:g}-{r.xmax:g}", f"{r.lo:.4g}",
         f"+{100 * r.lo_up_rel:.3g}% -{100 * r.lo_dn_rel:.3g}%", f"{r.nlo:.4g}",
         f"{r.k_factor:.3g}", num(r.pull, 3)]
        for r in table.itertuples()
    ]  # fmt: skip
    headers = ["histogram", "bin", "LO", "LO scale", "NLO", "K", "pull"]
    return text_table(headers, rows, right={2, 3, 4, 5, 6}) + "\n"

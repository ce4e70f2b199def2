"""Render result objects as a human table, CSV or JSON (text only; no I/O, no click)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.pulls import PullResult
    from scaleuq.pull.reference import ReferenceCorrection



def _pct(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{100 * value:.3g}%"


def _num(value: float, digits: int = 4) -> str:
    if value is None or not math.isfinite(value):
        return "undef"
    return f"{value:.{digits}g}"


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


def dumps(payload: dict[str, Any]) -> str:
    """JSON with NaN turned into null."""

    def clean(obj: Any) -> Any:
        if isinstance(obj, float) and not math.isfinite(obj):
            return None
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [clean(v) for v in obj]
        return obj

    return json.dumps(clean(payload), indent=2) + "\n"


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
            _num(r.k_factor, 4),
            f"{r.direction} {_pct(r.delta_rel)}",
            _num(r.pull),
            "" if not math.isfinite(r.pull_mc_err) else f"± {r.pull_mc_err:.2g}",
        ]
        for r in frame.itertuples()
    ]
    headers = ["process", "id", "n", "class", "K", "Δσ/σ₀ used", "pull t", "(MC)"]
    lines = [
        f"Scale pulls t = (σ_NLO − σ_LO)/Δσ_LO   convention: {result.convention}"
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
            _pct(r.delta_rel),
            _num(r.pull),
            _pct(r.delta_ref_rel),
            _num(r.pull_ref),
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


def render_fit(study: Any, fmt: str, meta: dict[str, Any]) -> str:
    """Render a :class:`~scaleuq.study.FitStudy` (``table`` or ``json``; ``csv``: the fits)."""
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
    cov_rows = []
    for group in dict.fromkeys(r.group for r in study.coverage):
        cells = [group, str(next(r.n for r in study.coverage if r.group == group))]
        for r in (r for r in study.coverage if r.group == group):
            cells.append(
                "-"
                if r.fraction is None
                else f"{100 * r.fraction:.0f}% [{100 * r.low:.0f},{100 * r.high:.0f}]"
            )
        cov_rows.append(cells)
    gauss = [f"{100 * r.gaussian:.1f}%" for r in study.coverage if r.group == "all"]
    cov_rows.append(["unit Gaussian", "", *gauss])
    cal = [
        f"  {100 * c.target:.1f}% coverage needs the LO band inflated by {c.factor:.3g} "
        f"(bootstrap 68%: {c.low:.3g} to {c.high:.3g})"
        for c in study.calibration
    ]
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
        text_table(["group", "n", "|t|<1", "|t|<2", "|t|<3"], cov_rows, right={1}),
        "",
        "Calibration:",
        *cal,
    ]
    return "\n".join(lines) + "\n"

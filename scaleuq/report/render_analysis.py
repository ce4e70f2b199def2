"""Render the analysis results (recommend, export, fit-workspace, toys) as text, CSV or JSON."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from scaleuq.report.render import text_table
from scaleuq.util.jsonio import dumps

if TYPE_CHECKING:
    from scaleuq.analysis.export import ExportResult
    from scaleuq.analysis.recommend import Band, Recommendation
    from scaleuq.analysis.toys import ToyCoverage
    from scaleuq.analysis.workspace_fit import WorkspaceFit


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.3g}%"


def _band(band: Band) -> str:
    return f"+{_pct(band.up)} -{_pct(band.down)}".replace("+-", "-").replace("--", "-")


def _num(value: float | None, digits: int = 3) -> str:
    return "undef" if value is None else f"{value:.{digits}g}"


def render_recommendation(result: Recommendation, fmt: str, meta: dict[str, Any]) -> str:
    """``scaleuq recommend`` output."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    cal = result.calibration
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([
            "process", "id", "n", "source", "lo_up_rel", "lo_dn_rel", "k_minus_1", "pull",
            "pull_ref", "ref_up_rel", "ref_dn_rel", "s68", "s68_low", "s68_high", "s95",
            "s95_low", "s95_high", "rec68_up_rel", "rec68_dn_rel", "rec95_up_rel",
            "rec95_dn_rel", "calibrated_band", "notes",
        ])  # fmt: skip
        f68, f95 = cal.factor_68, cal.factor_95
        for p in result.processes:
            w.writerow([
                p.process, p.id or "", p.n, p.source, p.raw.up, p.raw.down, p.k_minus_1, p.pull,
                p.pull_ref, p.reference.up, p.reference.down, f68.factor, f68.low, f68.high,
                f95.factor, f95.low, f95.high, p.recommended_68.up, p.recommended_68.down,
                p.recommended_95.up, p.recommended_95.down, p.calibrated_band, "; ".join(p.notes),
            ])  # fmt: skip
        return buf.getvalue().replace("None", "")
    rows = [
        [
            p.process,
            _num(p.n, 2),
            _band(p.raw),
            _num(p.pull, 4),
            _band(p.reference),
            _num(p.pull_ref, 4),
            _band(p.recommended_68),
            _band(p.recommended_95),
        ]
        for p in result.processes
    ]
    headers = ["process", "n", "LO band", "pull", "reference band", "pull_ref", "68%", "95%"]
    f68, f95 = cal.factor_68, cal.factor_95
    lines = [
        "Recommended scale bands: s × the "
        + ("reference" if cal.stage == "after" else "raw")
        + " band, s from the coverage of a corpus",
        f"  s68 = {f68.factor:.3g} (bootstrap 68%: {f68.low:.3g} to {f68.high:.3g}), "
        f"s95 = {f95.factor:.3g} ({f95.low:.3g} to {f95.high:.3g})",
        "",
        text_table(headers, rows, right={1, 3, 5}),
        "",
        "sources:",
        *(f"  {k}: {v}" for k, v in result.sources.items()),
    ]
    notes = [
        f"  {p.process}: {'; '.join(filter(None, [p.reason and f'pull undefined ({p.reason})', *p.notes]))}"
        for p in result.processes
        if p.notes or p.reason
    ]
    if notes:
        lines += ["notes:", *notes]
    return "\n".join(lines) + "\n"


def render_export(result: ExportResult) -> str:
    """One-paragraph summary of an export (printed on stderr; the document goes to the file)."""
    up = ", ".join(f"+{100 * abs(v):.3g}%" for v in result.band.up_rel[:6])
    dn = ", ".join(f"-{100 * abs(v):.3g}%" for v in result.band.down_rel[:6])
    more = " ..." if result.band.up_rel.size > 6 else ""
    lines = [
        f"{result.kind}: {result.modifier_type} '{result.modifier}' for {result.template.process} "
        f"({result.template.source})",
        f"  band {result.band.band}: up {up}{more}; down {dn}{more}",
        f"  source: {result.band.source}",
    ]
    if result.kind == "workspace":
        lines.append(
            f"  yields: cross section x {result.lumi_fb:g} fb^-1; observations: {result.observed}"
        )
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def render_workspace_fit(result: WorkspaceFit, fmt: str, meta: dict[str, Any]) -> str:
    """``scaleuq fit-workspace`` output."""
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    header = [
        "constraint", "scale", "nu", "poi_hat", "low_68", "high_68", "low_95", "high_95", "valid",
    ]  # fmt: skip
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        for f in result.fits:
            c = f.constraint
            w.writerow([
                c.name, c.scale, c.nu, f.poi_hat, f.poi_low_68, f.poi_high_68, f.poi_low_95,
                f.poi_high_95, f.valid,
            ])  # fmt: skip
        return buf.getvalue().replace("None", "")

    def ival(lo: float | None, hi: float | None) -> str:
        return f"[{_num(lo, 4) if lo is not None else 'bound'}, {_num(hi, 4) if hi is not None else 'bound'}]"

    rows = [
        [f.constraint.label(), f"{f.poi_hat:.4g}", ival(f.poi_low_68, f.poi_high_68),
         ival(f.poi_low_95, f.poi_high_95), ", ".join(f"{k}={v:.3g}" for k, v in f.nuisances_hat.items())]
        for f in result.fits
    ]  # fmt: skip
    poi = result.fits[0].poi if result.fits else "mu"
    lines = [
        f"{result.workspace}: measurement '{result.measurement}', scale nuisances "
        f"{', '.join(result.scale_nuisances)} in units of the {result.band} band",
        "",
        text_table(
            ["constraint", f"{poi}_hat", "68% (Δ-2lnL=1)", "95% (3.84)", "scale nuisances"],
            rows,
            right={1},
        ),
        "",
        "profile-likelihood intervals (nuisances minimised at each value, iminuit); constraint "
        "scales:",
        *(f"  {f.constraint.name}: {f.constraint.source}" for f in result.fits),
    ]
    return "\n".join(lines) + "\n"


def toys_markdown(result: ToyCoverage) -> list[str]:
    """The coverage table of the pseudo-experiment check, as markdown lines."""
    t = result.truth_params
    lines = [
        f"{result.n_toys} pseudo-experiments (seed {result.seed}), {result.signal:g} signal and "
        f"{result.background:g} background events expected; the true shift t is drawn from the "
        f"{result.truth_model} fit to the corpus pulls after the reference correction ("
        + ", ".join(f"{k} = {v:.3g}" for k, v in t.items())
        + f"), {100 * result.truncated:.1f}% of draws redrawn for a non-positive cross section.",
        "",
        "| method | band and constraint | coverage 68.3% | coverage 95.4% |",
        "| --- | --- | --- | --- |",
    ]
    for m in result.methods:
        lines.append(
            f"| {m.method} | {m.description} | {100 * m.coverage_68:.1f}% "
            f"[{100 * m.low_68:.1f}, {100 * m.high_68:.1f}] | {100 * m.coverage_95:.1f}% "
            f"[{100 * m.low_95:.1f}, {100 * m.high_95:.1f}] |"
        )
    lines += ["", "Intervals: 68.3% Clopper-Pearson.", *(f"Note: {n}" for n in result.notes)]
    return lines

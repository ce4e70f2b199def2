"""Render the analysis results (recommend, export, fit-workspace, toys) as text, CSV or JSON."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from scaleuq.report.numbers import num, pct
from scaleuq.report.render import text_table
from scaleuq.util.jsonio import dumps

if TYPE_CHECKING:
    from scaleuq.analysis.export import ExportResult
    from scaleuq.analysis.recommend import Band, Recommendation
    from scaleuq.analysis.toys import ToyCoverage
    from scaleuq.analysis.workspace_fit import WorkspaceFit


def _pct(value: float | None) -> str:
    return pct(value)


def _band(band: Band) -> str:
    return f"+{_pct(band.up)} -{_pct(band.down)}".replace("+-", "-").replace("--", "-")


def _num(value: float | None, digits: int = 3) -> str:
    return num(value, digits)


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
            "rec95_dn_rel", "calibrated_band", "factors", "s68_up", "s95_up", "s68_dn",
            "s95_dn", "dn_extrapolated", "up_extrapolated", "in_sample_coverage_68",
            "in_sample_coverage_95", "loo_coverage_68", "loo_coverage_95", "notes",
        ])  # fmt: skip
        f68, f95 = cal.factor_68, cal.factor_95
        for p in result.processes:
            w.writerow([
                p.process, p.id or "", p.n, p.source, p.raw.up, p.raw.down, p.k_minus_1, p.pull,
                p.pull_ref, p.reference.up, p.reference.down, f68.factor, f68.low, f68.high,
                f95.factor, f95.low, f95.high, p.recommended_68.up, p.recommended_68.down,
                p.recommended_95.up, p.recommended_95.down, p.calibrated_band, cal.factors,
                cal.up.factor_68, cal.up.factor_95, cal.down.factor_68, cal.down.factor_95,
                cal.down.extrapolated, cal.up.extrapolated,
                cal.out_of_sample_68.in_sample_coverage, cal.out_of_sample_95.in_sample_coverage,
                cal.out_of_sample_68.loo_coverage, cal.out_of_sample_95.loo_coverage,
                "; ".join(p.notes),
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
    o68, o95 = cal.out_of_sample_68, cal.out_of_sample_95
    lines = [
        "Recommended scale bands: s × the "
        + ("reference" if cal.stage == "after" else "raw")
        + f" band, s from the coverage of a corpus of {o68.n} pulls ({cal.factors} factors used)",
        f"  in-sample:     s68 = {f68.factor:.3g} (bootstrap 68%: {f68.low:.3g} to "
        f"{f68.high:.3g}), s95 = {f95.factor:.3g} ({f95.low:.3g} to {f95.high:.3g}); they cover "
        f"{100 * o68.in_sample_coverage:.1f}% and {100 * o95.in_sample_coverage:.1f}% of the "
        "corpus they come from",
        f"  out-of-sample: leave-one-out, the in-sample rule covers {o68.loo_covered}/{o68.n} = "
        f"{100 * o68.loo_coverage:.1f}% and {o95.loo_covered}/{o95.n} = "
        f"{100 * o95.loo_coverage:.1f}%; conformal factors s68 = {o68.factor:.3g}, s95 = "
        f"{o95.factor:.3g} (leave-one-out {100 * o68.factor_loo_coverage:.1f}% and "
        f"{100 * o95.factor_loo_coverage:.1f}%)",
    ]
    for side in (cal.up, cal.down):
        lines.append(
            f"  {'upward' if side.side == 'up' else 'downward'}: s68 = {side.factor_68:.3g}, "
            f"s95 = {side.factor_95:.3g} ({side.note})"
        )
    if cal.tail_processes:
        lines.append(
            f"  tail: s95 = {f95.factor:.3g} in-sample, {o95.factor:.3g} out-of-sample with the "
            f"{len(cal.tail_processes)} tail processes ({', '.join(cal.tail_processes)}); "
            + (
                f"{cal.s95_without_tail:.3g} and {cal.s95_oos_without_tail:.3g} without them"
                if cal.s95_without_tail is not None
                else "too few pulls without them"
            )
        )
    lines += [
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


_END_MARK = {"bound": "†", "failed": "‡"}


def _end_mark(fit: Any, key: str) -> str:
    value = getattr(fit, f"poi_{key}")
    status = fit.ends.get(key, "crossing")
    mark = _END_MARK.get(status.split(":")[0], "")
    return ("undef" if value is None else f"{value:.4g}") + mark


def render_workspace_fit(result: WorkspaceFit, fmt: str, meta: dict[str, Any]) -> str:
    """``scaleuq fit-workspace`` output.

    Every end that is not a crossing of the threshold (a parameter bound, a failed
    minimisation) is marked in every format: ``ends`` in JSON, ``*_end`` columns in CSV, and
    † (bound) or ‡ (failed) in the table with the reason below it; an invalid fit says why.
    """
    if fmt == "json":
        return dumps({**meta, **result.to_dict()})
    keys = ("low_68", "high_68", "low_95", "high_95")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([
            "constraint", "scale", "nu", "method", "threshold_68", "threshold_95", "n_toys",
            "poi_hat", *keys, *(f"{k}_end" for k in keys), "valid", "reason", "band",
        ])  # fmt: skip
        for f in result.fits:
            c = f.constraint
            w.writerow([
                c.name, c.scale, c.nu, f.method, f.threshold_68, f.threshold_95, f.n_toys,
                f.poi_hat, *(getattr(f, f"poi_{k}") for k in keys), *(f.ends[k] for k in keys),
                f.valid, f.reason, result.band,
            ])  # fmt: skip
        return buf.getvalue().replace("None", "")

    rows = [
        [f.constraint.label(), f.method if f.method == "wilks" else f"toys ({f.n_toys})",
         f"{f.poi_hat:.4g}", f"[{_end_mark(f, 'low_68')}, {_end_mark(f, 'high_68')}]",
         f"[{_end_mark(f, 'low_95')}, {_end_mark(f, 'high_95')}]",
         "yes" if f.valid else "NO",
         ", ".join(f"{k}={v:.3g}" for k, v in list(f.nuisances_hat.items())[:3])
         + (" ..." if len(f.nuisances_hat) > 3 else "")]
        for f in result.fits
    ]  # fmt: skip
    poi = result.fits[0].poi if result.fits else "mu"
    lines = [
        f"{result.workspace}: measurement '{result.measurement.split(';')[0]}', scale nuisances "
        f"{', '.join(result.scale_nuisances[:5])}{' ...' if len(result.scale_nuisances) > 5 else ''}"
        f" in units of the {result.band} band ({result.band_from})",
        "",
        text_table(
            ["constraint", "intervals", f"{poi}_hat", "68%", "95%", "valid", "scale nuisances"],
            rows,
            right={2},
        ),
        "",
        "profile-likelihood intervals (nuisances minimised at each value, iminuit): wilks = "
        "where -2 ln L rises by 1 (68%) and 3.84 (95%); toys = by the 68.3%/95.4% quantiles of "
        "-2 ln L ratio in pseudo-experiments at the best fit (seed "
        f"{result.seed})",
    ]
    for f in result.fits:
        if f.method == "toys":
            lines.append(
                f"  {f.constraint.name}: toy thresholds {f.threshold_68:.3g} (68%) and "
                f"{f.threshold_95:.3g} (95%); Wilks' 1 and 3.84 would cover "
                f"{100 * f.toy_wilks_coverage_68:.1f}% and {100 * f.toy_wilks_coverage_95:.1f}% "
                f"of these toys ({f.toy_failures} toy fits did not converge and are left out)"
            )
    marks = [
        f"  {_END_MARK[v.split(':')[0]]} {f.constraint.name} {k}: {v.split(':', 1)[1].strip()}"
        for f in result.fits
        for k, v in f.ends.items()
        if v.split(":")[0] in _END_MARK
    ]
    invalid = [f"  {f.constraint.name}: not valid: {f.reason}" for f in result.fits if not f.valid]
    if marks or invalid:
        lines += ["ends that are not crossings († bound, ‡ failed) and invalid fits:", *marks,
                  *invalid]  # fmt: skip
    lines += [
        "constraint scales:",
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
        "**In-sample**:",
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
    if result.thresholds:
        lines += [
            "",
            "Toy thresholds (`*-toys`, median over the corpus processes, "
            f"{result.n_calibration} pseudo-experiments each): "
            + "; ".join(
                f"{m}: {k68:.3g} (68%), {k95:.3g} (95%)"
                for m, (k68, k95) in result.thresholds.items()
            )
            + " in place of Wilks' 1 and 3.84.",
        ]
    if result.out_of_sample:
        first = result.out_of_sample[0]
        lines += [
            "",
            "**Out-of-sample** (leave-one-out: each process's actual pull is the truth, every "
            f"method calibrated on the other pulls; {first.description}):",
            "",
            "| method | coverage 68.3% | coverage 95.4% |",
            "| --- | --- | --- |",
            *(
                f"| {m.method} | {100 * m.coverage_68:.1f}% [{100 * m.low_68:.1f}, "
                f"{100 * m.high_68:.1f}] | {100 * m.coverage_95:.1f}% [{100 * m.low_95:.1f}, "
                f"{100 * m.high_95:.1f}] |"
                for m in result.out_of_sample
            ),
        ]
    lines += [
        "",
        "The first table is **in-sample** (truth drawn from the fit to the same pulls). "
        "Intervals: 68.3% Clopper-Pearson; the out-of-sample draws of one process share its "
        "pull, so its intervals are too narrow.",
        *(f"Note: {n}" for n in result.notes),
    ]
    return lines

"""Text tables of the decorrelation study (text only; no I/O)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from scaleuq.report.render import text_table

if TYPE_CHECKING:
    from scaleuq.decorrelation.api import ClosureResult, DecorrelationRun, ToyResult


def _pm(value: float, *errors: float, scale: float = 100.0, digits: int = 2) -> str:
    if not math.isfinite(value):
        return "nan*"
    parts = [f"{scale * value:.{digits}f}"]
    parts += [f"{scale * e:.{digits}f}" if math.isfinite(e) else "-" for e in errors]
    return " ± ".join(parts)


def _ms(value: float, std: float, digits: int = 4) -> str:
    """``value ± std`` (``nan*`` when the value is NaN: its reason is in the notes)."""
    if not math.isfinite(value):
        return "nan*"
    return f"{value:.{digits}f} ± {std:.{digits}f}" if math.isfinite(std) else f"{value:.{digits}f}"


def _signed(value: float, std: float) -> str:
    return "nan*" if not math.isfinite(value) else f"{value:+.2f} ± {std:.2f}"


def render_run(run: DecorrelationRun) -> str:
    """The study's tables: working point, the profile-likelihood verdict (with and without the
    templates' MC statistics), the references against the span of the LO variations, the
    diagnostic fits, and the notes that explain every NaN."""
    r = run.result
    cfg = r.config
    refs = list(r.proxies)
    head = [
        f"Decorrelation study ({run.size}): {r.n_train} training / {r.n_test} evaluation events; "
        f"{cfg.repeats} trainings per row (different seeds); {r.seconds:.0f} s ({r.seconds_train:.0f} s training) on {r.device}, "
        f"{r.threads} torch thread(s); samples: {', '.join(run.inputs)}",
        f"Working point: signal efficiency {cfg.signal_eff:g}. Shifts of the background efficiency "
        "|eps/eps_0 - 1| in %: LO band over the 9 (k_R, k_F) points, distance to each reference. "
        "Errors: ± bootstrap (evaluation events) ± spread (standard deviation) of the trainings; "
        "'-': no bootstrap (a separate NLO sample).",
        "radiation_* = Pythia ISR+FSR muR x2 (lo) / x0.5 (hi) shower weights; kfactor_a* = "
        "K = 1 + a (n_jets - 2): PROXIES, not NLO; nlo = your NLO sample.",
        "",
    ]
    headers = ["method", "lambda", "AUC", "LO band %", *[f"dist {n} %" for n in refs]]
    rows = [
        [row.method, f"{row.lam:g}", _ms(row.auc, row.auc_std, 3), _pm(row.bkg_band, row.bkg_band_err, row.bkg_band_std),
         *[_pm(row.bkg_distance[n], row.bkg_distance_err.get(n, math.nan), row.bkg_distance_std[n]) for n in refs]]
        for row in r.rows
    ]  # fmt: skip
    verdict_head = [
        "",
        f"Profile-likelihood verdict (pyhf; {cfg.verdict.n_bins} score bins of equal signal, "
        f"{cfg.verdict.luminosity_pb / 1000:g} fb^-1, scale envelope as normsys + histosys; aware: "
        f"templates at {cfg.verdict.nu_points}x{cfg.verdict.nu_points} nu points, profiled). "
        "(a) With the templates' MC statistics (staterror): sigma_mu expected (Asimov nominal LO); "
        "MC share = 1 - (sigma_mu scale only / sigma_mu)^2, the part of the variance that is MC "
        "statistics of the evaluation sample; pull = (mu_hat - 1)/sigma_mu on each reference's "
        "Asimov data; ± spread of the trainings.",
        "",
    ]
    vheaders = ["method", "lambda", "sigma_mu", "MC share", *[f"mu_hat {n}" for n in refs],
                *[f"pull {n}" for n in refs]]  # fmt: skip
    vrows = [
        [row.method, f"{row.lam:g}", _ms(row.sigma_mu, row.sigma_mu_std),
         f"{row.mc_stat_share:.3f}" if math.isfinite(row.mc_stat_share) else "nan*",
         *[_ms(row.mu_hat[n], row.mu_hat_std[n], 3) for n in refs],
         *[_signed(row.mu_pull[n], row.mu_pull_std[n]) for n in refs]]
        for row in r.rows
    ]  # fmt: skip
    scale_head = [
        "",
        "(b) Scale nuisances only (no MC-statistics term): the same Asimov comparison, free of the "
        "MC-statistics term; the reweighted references share the templates' events, so their "
        "shifts are not MC noise of an independent sample.",
        "",
    ]
    sheaders = ["method", "lambda", "sigma_mu (scale only)", *[f"mu_hat {n}" for n in refs],
                *[f"pull {n}" for n in refs]]  # fmt: skip
    srows = [
        [row.method, f"{row.lam:g}", _ms(row.sigma_mu_scale, row.sigma_mu_scale_std),
         *[_ms(row.mu_hat_scale[n], row.mu_hat_scale_std.get(n, math.nan), 3) for n in refs],
         *[_signed(row.mu_pull_scale[n], row.mu_pull_scale_std[n]) for n in refs]]
        for row in r.rows
    ]  # fmt: skip
    out = [
        *head,
        text_table(headers, rows, right=set(range(2, len(headers)))),
        *verdict_head,
        text_table(vheaders, vrows, right=set(range(2, len(vheaders)))),
        *scale_head,
        text_table(sheaders, srows, right=set(range(2, len(sheaders)))),
    ]
    span_refs = [n for n in refs if any(n in row.span_inside for row in r.rows)]
    if span_refs:
        out += [
            "",
            "References against the span of the LO variations: share of the (score bin, training) "
            "pairs in which the reference's yield (signal + background) lies between the smallest "
            "and the largest yield over the 9 scale points.",
            "",
            text_table(
                ["method", "lambda", *[f"inside {n}" for n in span_refs]],
                [
                    [
                        row.method,
                        f"{row.lam:g}",
                        *[
                            f"{100 * row.span_inside[n]:.0f}%" if n in row.span_inside else "-"
                            for n in span_refs
                        ],
                    ]
                    for row in r.rows
                ],
                right=set(range(2, 2 + len(span_refs))),
            ),
        ]
        first = r.rows[0]
        out += [
            "",
            f"Per score bin ({first.method}, lambda = {first.lam:g}; mean over the trainings; bins "
            "of increasing signal score): reference shift [LO span] in % of the nominal yield.",
            "",
            text_table(
                ["bin", *span_refs],
                [
                    [
                        str(b + 1),
                        *[
                            f"{100 * first.span_shift[n][b]:+.2f} [{100 * first.span_lo[n][b]:+.2f}, "
                            f"{100 * first.span_hi[n][b]:+.2f}]"
                            for n in span_refs
                        ],
                    ]
                    for b in range(len(first.span_shift[span_refs[0]]))
                ],
                right=set(range(1, 1 + len(span_refs))),
            ),
        ]
    diag = [(row, name, d) for row in r.rows for name, d in row.diagnostics.items()]
    if diag:
        out += [
            "",
            "Diagnostic fits of the same trainings: 'nugrid fit' = a classifier without nu fitted "
            "with the aware method's nu-grid likelihood; 'signal rate in nu' = the aware fit with "
            "the signal's rate moving with nu (the fit of earlier releases).",
            "",
            text_table(
                [
                    "method",
                    "lambda",
                    "fit",
                    "sigma_mu",
                    "sigma_mu (scale only)",
                    *[f"mu_hat {n}" for n in refs],
                ],
                [
                    [
                        row.method,
                        f"{row.lam:g}",
                        name,
                        _ms(d["sigma_mu"], d["sigma_mu_std"]),
                        _ms(d["sigma_mu_scale"], math.nan),
                        *[_ms(d["mu_hat"][n], d["mu_hat_std"][n], 3) for n in refs],
                    ]
                    for row, name, d in diag
                ],
                right=set(range(3, 5 + len(refs))),
            ),
        ]
    notes = [f"{row.method} lambda={row.lam:g}: {note}" for row in r.rows for note in row.notes]
    notes += [
        f"{row.method} lambda={row.lam:g} ({name}): fit of {why}"
        for row, name, d in diag
        for why in d.get("failed", ())
    ]
    out += ["", "Notes (nan*: the reason is here):" if notes else "Notes: none (no NaN).", *notes]
    return "\n".join(out) + "\n"


def render_closure(result: ClosureResult) -> str:
    """The closure table."""
    rows = [
        [p, f"({c.k_r:g}, {c.k_f:g})", f"{c.ratio_weights:.4f} ± {c.ratio_weights_err:.4f}",
         f"{c.ratio_regenerated:.4f} ± {c.ratio_regenerated_err:.4f}", f"{c.pull:+.2f}"]
        for p, pts in result.points.items() for c in pts
    ]  # fmt: skip
    return (
        text_table(
            ["process", "(k_R, k_F)", "sigma(k)/sigma(1): weights", "regenerated", "pull"],
            rows,
            right={2, 3, 4},
        )
        + "\n"
    )


def render_toy(result: ToyResult) -> str:
    """The toy table, and the bootstrap check when it was run."""
    rows = [
        [f"{r.lam:g}", f"{r.band:.3f} ± {r.band_err:.3f}", f"{r.band_closed_form:.3f}",
         f"{r.distance:.3f} ± {r.distance_err:.3f}", f"{r.distance_closed_form:.3f}", f"{r.auc:.3f}"]
        for r in result.rows
    ]  # fmt: skip
    out = [
        text_table(
            [
                "lambda",
                "band ± bootstrap",
                "closed form",
                "distance ± bootstrap",
                "closed form",
                "AUC",
            ],
            rows,
            right={1, 2, 3, 4, 5},
        )
    ]
    if result.bootstrap:
        out += [
            "",
            f"Bootstrap check: fixed directions on {result.bootstrap[0].n_trials} independent samples of "
            f"{result.bootstrap[0].n_events} events (coverage = fraction within ±1 bootstrap error of the closed form; 0.68 expected)",
            text_table(
                ["direction", "band spread", "mean boot. err", "coverage", "bias",
                 "dist. spread", "mean boot. err", "coverage", "bias"],
                [
                    [b.direction, f"{b.band_spread:.4f}", f"{b.band_err_mean:.4f}", f"{b.band_coverage:.2f}",
                     f"{b.band_bias:+.4f}", f"{b.distance_spread:.4f}", f"{b.distance_err_mean:.4f}",
                     f"{b.distance_coverage:.2f}", f"{b.distance_bias:+.4f}"]
                    for b in result.bootstrap
                ],
                right=set(range(1, 9)),
            ),
        ]  # fmt: skip
    return "\n".join(out) + "\n"


def _span_group(fraction: float) -> str:
    if fraction >= 1.0:
        return "inside"
    if fraction <= 0.0:
        return "outside"
    return "partly inside"


def _nan(value: Any) -> Any:
    """The JSON's null (a NaN when written) back to NaN, recursively."""
    if value is None:
        return math.nan
    if isinstance(value, dict):
        return {k: _nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan(v) for v in value]
    return value


def render_summary(payload: dict[str, Any]) -> str:
    """The study's summary in Markdown, every number read from the run's JSON (``payload``, as
    written by ``scaleuq decorrelation run --format json`` or the figure's sidecar): size,
    band against distance for the strongest lambda of each method, each reference against the
    span of the LO variations (the conclusion stated separately for the references inside),
    the verdict with and without the templates' MC statistics, and the aware method's fits."""
    rows = _nan(payload["rows"])
    cfg = payload["config"]
    refs = list(payload["proxies"])
    by = {(r["method"], r["lam"]): r for r in rows}
    base = next((r for r in rows if r["method"] == "baseline"), rows[0])
    out = [
        f"Run `{payload['size']}`: {cfg['n_signal']:,} single-top and {cfg['n_background']:,} "
        f"W+jets events generated (seed {payload['seed']}); {payload['n_train']:,} training and "
        f"{payload['n_test']:,} evaluation events; {cfg['repeats']} trainings per row; ± is the "
        "spread (standard deviation) over the trainings."
    ]
    machine = payload.get("machine")
    if machine:
        gen = [
            f"{m.get('process', k)} {m['seconds']:.0f} s"
            for k, m in payload.get("samples", {}).items()
            if isinstance(m, dict) and m.get("seconds") is not None
        ]
        out.append(
            f"Wall time {machine['wall_s']:.0f} s (CPU {machine['cpu_s']:.0f} s of this process) on "
            f"{machine['cpus']} cores shared with other jobs (load average "
            f"{machine['load_before'][0]:.1f} before, {machine['load_after'][0]:.1f} after); "
            f"{payload['threads']} torch thread(s)"
            + (f"; the samples were generated beforehand ({', '.join(gen)})." if gen else ".")
        )
    groups: dict[str, list[str]] = {}
    for ref in refs:
        if ref in base.get("span_inside", {}):
            groups.setdefault(_span_group(base["span_inside"][ref]), []).append(ref)
    if groups:
        out.append(
            f"Against the span of the nine LO scale points, per score bin ({base['method']}, "
            f"{cfg['verdict']['n_bins']} bins x {base['repeats']} trainings): "
            + "; ".join(
                f"{ref} inside in {100 * base['span_inside'][ref]:.0f}% of them"
                for ref in refs
                if ref in base.get("span_inside", {})
            )
            + "."
        )
    strongest = {}
    for r in rows:
        best = strongest.get(r["method"], {"lam": -1.0})["lam"]
        if r["method"] != base["method"] and r["lam"] > 0 and r["lam"] >= best:
            strongest[r["method"]] = r
    for group in ("inside", "partly inside", "outside"):
        names = groups.get(group, [])
        if not names:
            continue
        parts = []
        for method, r in strongest.items():
            shrink = (
                100 * (1 - r["bkg_band"] / base["bkg_band"])
                if base["bkg_band"] > 0
                else float("nan")
            )
            dists = ", ".join(
                f"{ref} {100 * base['bkg_distance'][ref]:.2f}% -> {100 * r['bkg_distance'][ref]:.2f}% "
                f"± {100 * r['bkg_distance_std'][ref]:.2f}%"
                for ref in names
            )
            pulls = ", ".join(
                f"{ref} {base['mu_pull_scale'][ref]:+.1f} -> {r['mu_pull_scale'][ref]:+.1f} "
                f"± {r['mu_pull_scale_std'][ref]:.1f}"
                for ref in names
            )
            parts.append(
                f"{method} at lambda = {r['lam']:g}: LO band {100 * base['bkg_band']:.2f}% -> "
                f"{100 * r['bkg_band']:.2f}% ± {100 * r['bkg_band_std']:.2f}% ({shrink:.0f}% "
                f"smaller); distance {dists}; scale-only pull {pulls}"
            )
        label = {
            "inside": "References inside the span in every bin",
            "partly inside": "References inside the span in some bins only",
            "outside": "References outside the span in every bin",
        }[group]
        out.append(
            f"{label} ({', '.join(names)}), from {base['method']} to " + "; ".join(parts) + "."
        )
    sig = [r["sigma_mu"] for r in rows if math.isfinite(r["sigma_mu"] or math.nan)]
    sig_s = [r["sigma_mu_scale"] for r in rows if math.isfinite(r["sigma_mu_scale"] or math.nan)]
    share = [r["mc_stat_share"] for r in rows if math.isfinite(r.get("mc_stat_share") or math.nan)]
    if sig and sig_s and share:
        verdict = "dominated by" if min(share) > 0.5 else "not dominated by"
        out.append(
            f"Verdict: sigma_mu with the templates' MC statistics {min(sig):.4f}-{max(sig):.4f}, "
            f"scale nuisances only {min(sig_s):.4f}-{max(sig_s):.4f}; the MC statistics of the "
            f"{payload['n_test']:,} evaluation events make up {100 * min(share):.0f}-"
            f"{100 * max(share):.0f}% of the variance, so the fit with them is {verdict} MC "
            "statistics; the scale-only (MC-statistics-free Asimov) comparison is the one about "
            "the scale uncertainty."
        )
    aware = by.get(("aware", 0.0))
    if aware and "signal rate in nu" in aware.get("diagnostics", {}):
        old = aware["diagnostics"]["signal rate in nu"]
        ref = next((x for x in refs if x.startswith("kfactor")), refs[0])
        text = (
            f"Aware method on {ref}: mu_hat {aware['mu_hat'][ref]:.3f} ± "
            f"{aware['mu_hat_std'][ref]:.3f} and sigma_mu {aware['sigma_mu']:.4f} with the "
            f"signal template shape-only at each nu (this release), against {old['mu_hat'][ref]:.3f} "
            f"± {old['mu_hat_std'][ref]:.3f} and {old['sigma_mu']:.4f} with the signal's rate "
            "moving with nu (the earlier fit)"
        )
        nug = base.get("diagnostics", {}).get("nugrid fit")
        if nug:
            text += (
                f"; the {base['method']} classifier gives {base['mu_hat'][ref]:.3f} "
                f"(sigma_mu {base['sigma_mu']:.4f}) in the template fit and "
                f"{nug['mu_hat'][ref]:.3f} (sigma_mu {nug['sigma_mu']:.4f}) in the nu-grid fit"
            )
        out.append(text + ".")
    return "\n\n".join(out) + "\n"

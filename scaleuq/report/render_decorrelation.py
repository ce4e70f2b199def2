"""Text tables of the decorrelation study (text only; no I/O)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scaleuq.report.render import text_table

if TYPE_CHECKING:
    from scaleuq.decorrelation.api import ClosureResult, DecorrelationRun, ToyResult


def _pm(value: float, *errors: float, scale: float = 100.0, digits: int = 2) -> str:
    parts = [f"{scale * value:.{digits}f}"]
    parts += [f"{scale * e:.{digits}f}" if math.isfinite(e) else "-" for e in errors]
    return " ± ".join(parts)


def render_run(run: DecorrelationRun) -> str:
    """The study's tables: working point, then the profile-likelihood verdict."""
    r = run.result
    cfg = r.config
    refs = list(r.proxies)
    head = [
        f"Decorrelation study ({run.size}): {r.n_train} training / {r.n_test} evaluation events; "
        f"{cfg.repeats} trainings per row; {r.seconds:.0f} s ({r.seconds_train:.0f} s training) on {r.device}, "
        f"{r.threads} torch thread(s); samples: {', '.join(run.inputs)}",
        f"Working point: signal efficiency {cfg.signal_eff:g}. Shifts of the background efficiency "
        "|eps/eps_0 - 1| in %: LO band over the 9 (k_R, k_F) points, distance to each reference. "
        "Errors: ± bootstrap (evaluation events) ± spread of the trainings.",
        "radiation_* = Pythia ISR+FSR muR x2 (lo) / x0.5 (hi) shower weights; kfactor_a* = "
        "K = 1 + a (n_jets - 2): PROXIES, not NLO; nlo = your NLO sample.",
        "",
    ]
    headers = ["method", "lambda", "AUC", "LO band %", *[f"dist {n} %" for n in refs]]
    rows = [
        [row.method, f"{row.lam:g}", f"{row.auc:.3f}", _pm(row.bkg_band, row.bkg_band_err, row.bkg_band_std),
         *[_pm(row.bkg_distance[n], row.bkg_distance_err.get(n, math.nan), row.bkg_distance_std[n]) for n in refs]]
        for row in r.rows
    ]  # fmt: skip
    verdict_head = [
        "",
        f"Profile-likelihood verdict (pyhf; {cfg.verdict.n_bins} score bins of equal signal, "
        f"{cfg.verdict.luminosity_pb / 1000:g} fb^-1, scale envelope as normsys + histosys; aware: "
        f"templates at {cfg.verdict.nu_points}x{cfg.verdict.nu_points} nu points, profiled). "
        "sigma_mu: expected (Asimov nominal LO), scale nuisances + MC statistics of the templates "
        "(scale only: without the MC statistics); pull = (mu_hat - 1)/sigma_mu on each reference's Asimov data; "
        "± spread of the trainings.",
        "",
    ]
    vheaders = ["method", "lambda", "sigma_mu", "sigma_mu (scale only)",
                *[f"mu_hat {n}" for n in refs], *[f"pull {n}" for n in refs]]  # fmt: skip
    vrows = [
        [row.method, f"{row.lam:g}", f"{row.sigma_mu:.4f} ± {row.sigma_mu_std:.4f}",
         f"{row.sigma_mu_scale:.4f} ± {row.sigma_mu_scale_std:.4f}",
         *[f"{row.mu_hat[n]:.3f} ± {row.mu_hat_std[n]:.3f}" for n in refs],
         *[f"{row.mu_pull[n]:+.2f} ± {row.mu_pull_std[n]:.2f}" for n in refs]]
        for row in r.rows
    ]  # fmt: skip
    return (
        "\n".join(
            [
                *head,
                text_table(headers, rows, right=set(range(2, len(headers)))),
                *verdict_head,
                text_table(vheaders, vrows, right=set(range(2, len(vheaders)))),
            ]
        )
        + "\n"
    )


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

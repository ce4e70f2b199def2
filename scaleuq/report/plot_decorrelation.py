"""Figure of the decorrelation study (drawing only; :func:`save_decorrelation` writes it).

Four panels against the strength lambda, one colour per method: the LO band and the distance to
one higher-order reference (background efficiency at the working point), the expected
signal-strength uncertainty sigma_mu of the binned profile-likelihood fit, and the pull
(mu_hat - 1) / sigma_mu on each higher-order reference. Methods without a strength (baseline,
uncertainty-aware) are drawn at lambda = 0, the leftmost position of the log axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from scaleuq.report.plotting import save_figure, style

if TYPE_CHECKING:
    from scaleuq.decorrelation.study import DecorrelationResult

METHOD_STYLE = {
    "baseline": {"color": "k", "marker": "o"},
    "adversarial": {"color": "#d55e00", "marker": "s"},
    "disco": {"color": "#0173b2", "marker": "^"},
    "aware": {"color": "#029e73", "marker": "D"},
}
_OTHER = ["#cc78bc", "#de8f05", "#56b4e9", "#ca9161"]
REF_STYLE = ["-", "--", ":", "-."]


def _style(method: str, i: int) -> dict[str, Any]:
    return METHOD_STYLE.get(method, {"color": _OTHER[i % len(_OTHER)], "marker": "v"})


def _x_positions(lams: np.ndarray) -> tuple[np.ndarray, float]:
    positive = lams[lams > 0]
    zero_at = float(positive.min() / 3) if positive.size else 0.3
    return np.where(lams > 0, lams, zero_at), zero_at


def plot_decorrelation(result: DecorrelationResult, *, reference: str | None = None) -> Figure:
    """Band and distance, sigma_mu and the pulls against lambda, per method.

    Args:
        result: the study.
        reference: the higher-order reference whose distance is drawn in the first panel
            (default: the first ``kfactor_*`` one, else the first).
    """
    refs = list(result.proxies)
    ref = reference or next((r for r in refs if r.startswith("kfactor")), refs[0] if refs else None)
    all_lams = np.array(sorted({r.lam for r in result.rows}))
    xall, zero_at = _x_positions(all_lams)
    with mpl.rc_context(style()):
        fig = Figure(figsize=(9.0, 6.4), layout="constrained")
        axes = fig.subplots(2, 2)
        ax_band, ax_dist, ax_sigma, ax_pull = axes.ravel()
        for i, method in enumerate(result.methods):
            rows = result.rows_of(method)
            lams = np.array([r.lam for r in rows])
            x = np.where(lams > 0, lams, zero_at) * (1 + 0.03 * i)
            st = _style(method, i)
            kw = {"color": st["color"], "marker": st["marker"], "ms": 4, "capsize": 2, "lw": 1.3}
            band = np.array([r.bkg_band for r in rows])
            err = np.hypot([r.bkg_band_err for r in rows], [r.bkg_band_std for r in rows])
            ax_band.errorbar(x, band, yerr=err, label=method, **kw)
            if ref is not None:
                dist = np.array([r.bkg_distance[ref] for r in rows])
                derr = np.hypot(
                    np.nan_to_num([r.bkg_distance_err.get(ref, np.nan) for r in rows]),
                    [r.bkg_distance_std[ref] for r in rows],
                )
                ax_dist.errorbar(x, dist, yerr=derr, label=method, **kw)
            ax_sigma.errorbar(
                x,
                [r.sigma_mu for r in rows],
                yerr=[r.sigma_mu_std for r in rows],
                label=method,
                **kw,
            )
            ax_sigma.errorbar(
                x,
                [r.sigma_mu_scale for r in rows],
                yerr=[r.sigma_mu_scale_std for r in rows],
                ls="--",
                mfc="none",
                label=f"{method} (scale only)",
                **kw,
            )
            for j, name in enumerate(refs):
                ax_pull.errorbar(
                    x, [r.mu_pull[name] for r in rows], yerr=[r.mu_pull_std[name] for r in rows],
                    ls=REF_STYLE[j % len(REF_STYLE)], label=f"{method}: {name}" if i == 0 or j == 0 else None,
                    **{k: v for k, v in kw.items() if k != "lw"}, lw=1.0,
                )  # fmt: skip
        ax_band.set_ylabel(r"LO band $\max_k|\epsilon_k/\epsilon_0 - 1|$ (background)")
        ax_dist.set_ylabel(rf"distance $|\epsilon_\mathrm{{HO}}/\epsilon_0 - 1|$: {ref}")
        ax_sigma.set_ylabel(r"expected $\sigma_\mu$ (profile likelihood)")
        ax_pull.set_ylabel(r"pull $(\hat\mu - 1)/\sigma_\mu$ on higher-order data")
        ax_pull.axhspan(-1, 1, color="0.9", lw=0)
        ax_pull.axhline(0, color="0.5", lw=0.7)
        for ax in axes.ravel():
            ax.set_xscale("log")
            ax.set_xticks(xall, [f"{v:g}" for v in all_lams])
            ax.minorticks_off()
            ax.set_xlabel(r"strength $\lambda$ (0: baseline, aware)")
        for ax in (ax_band, ax_dist, ax_sigma):
            ax.set_yscale("log")
            ax.legend(fontsize=7, loc="best")
        ax_pull.legend(fontsize=6, loc="best", ncol=2)
        fig.suptitle(
            "Decorrelation study: higher-order references are proxies unless named 'nlo'",
            fontsize=9,
        )
    return fig


def save_decorrelation(
    result: DecorrelationResult, base: str | Path, sidecar: dict[str, Any]
) -> list[Path]:
    """Draw :func:`plot_decorrelation` and write ``base.{png,pdf,json}`` atomically."""
    return save_figure(plot_decorrelation(result), base, sidecar)

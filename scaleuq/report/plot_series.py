"""Figures of a perturbative series: the theory-covariance validation, the MHOU coverage and
the pulls between consecutive orders. Drawing functions take result objects and only draw;
:func:`scaleuq.workflows.series.series_figures` computes the results and saves the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scaleuq.pull.covariance import CovarianceValidation
    from scaleuq.pull.pulls import PullResult
    from scaleuq.stats.mhou import MHOUResult

__all__ = [
    "plot_eigen",
    "plot_mhou_coverage",
    "plot_series_pulls",
    "plot_shift_vs_sigma",
]


def plot_eigen(validation: CovarianceValidation) -> Figure:
    """|delta_a| against s_a per eigenvector of S, with the line |delta_a| = s_a."""
    import matplotlib.pyplot as plt

    s = np.array([e.s for e in validation.eigen])
    d = np.abs([e.delta for e in validation.eigen])
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.loglog(s, d, "o", color="C0", label=r"$|\delta_\alpha|$")
    if s.size:
        lim = [
            min(s.min(), d[d > 0].min() if (d > 0).any() else s.min()) / 2,
            max(s.max(), d.max()) * 2,
        ]
        ax.plot(lim, lim, "k--", lw=1, label=r"$|\delta_\alpha| = s_\alpha$")
    ax.set_xlabel(r"$s_\alpha$ (sqrt of the eigenvalue of $S$)")
    ax.set_ylabel(r"$|\delta_\alpha|$ (projection of the shift)")
    theta = "undefined" if validation.theta_deg is None else f"{validation.theta_deg:.1f} deg"
    chi2 = validation.validation_theory_chi2
    ax.set_title(
        f"{validation.from_order.upper()} -> {validation.to_order.upper()}, "
        f"{validation.prescription}-pt: theta = {theta}, "
        f"chi2 = {'undefined' if chi2 is None else f'{chi2:.3g}'} (cut {validation.eigen_cut:.0e}"
        f"{', cut-dependent' if validation.cut_dependent else ''})",
        fontsize=9,
    )
    ax.legend()
    fig.tight_layout()
    return fig


def plot_shift_vs_sigma(validation: CovarianceValidation) -> Figure:
    """Per point: the band +-sqrt(S_ii) and the shift delta_i to the next order."""
    import matplotlib.pyplot as plt

    i = np.arange(validation.n_points)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.fill_between(i, -validation.sigma, validation.sigma, step="mid", color="C0", alpha=0.35,
                    label=r"$\pm\sqrt{S_{ii}}$")  # fmt: skip
    ax.plot(i, validation.shift, ".", ms=3, color="C3", label=r"$\delta_i$ (next order)")
    types = list(dict.fromkeys(validation.process_types))
    for t in types[1:]:
        ax.axvline(validation.process_types.index(t) - 0.5, color="k", lw=0.6)
    ax.set_xlabel("point (in table order)")
    ax.set_ylabel("relative shift")
    ax.set_title(
        f"{validation.from_order.upper()} band vs {validation.to_order.upper()} shift, "
        f"{validation.prescription}-point prescription",
        fontsize=9,
    )
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def plot_mhou_coverage(result: MHOUResult) -> Figure:
    """Coverage at 68.3% and 95.4% per method and transition, against the nominal values."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    width = 0.8 / max(len(result.methods), 1)
    x = np.arange(len(result.transitions))
    for ax, attr, target in zip(axes, ("coverage_68", "coverage_95"), result.targets, strict=True):
        for j, method in enumerate(result.methods):
            values = [getattr(result.row(method, t), attr) for t in result.transitions]
            ax.bar(x + (j - (len(result.methods) - 1) / 2) * width,
                   [np.nan if v is None else v for v in values], width, label=method)  # fmt: skip
        ax.axhline(target, color="k", ls="--", lw=1)
        ax.set_xticks(x, result.transitions)
        sigma = "1 sigma, 68.3%" if target < 0.9 else "2 sigma, 95.4%"
        ax.set_title(f"coverage of the {sigma} intervals", fontsize=9)
        ax.set_ylim(0, 1.05)
    axes[0].set_ylabel("fraction of points covered by the next order")
    axes[1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_series_pulls(results: Sequence[PullResult]) -> Figure:
    """Histograms of the pulls between consecutive orders (one panel per transition)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3.6), squeeze=False)
    grid = np.linspace(-4, 4, 200)
    for ax, res in zip(axes[0], results, strict=True):
        t = res.defined
        clipped = np.clip(t, -4, 4)
        ax.hist(clipped, bins=np.arange(-4, 4.01, 0.25), density=True, color="C0", alpha=0.6)
        ax.plot(
            grid, np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi), "k--", lw=1, label="unit Gaussian"
        )
        within = np.mean(np.abs(t) < 1) if t.size else np.nan
        ax.set_title(
            f"{res.from_order.upper()} -> {res.to_order.upper()}: {t.size} pulls, "
            f"|t|<1 {100 * within:.0f}%",
            fontsize=9,
        )
        ax.set_xlabel("pull t (clipped to [-4, 4])")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig

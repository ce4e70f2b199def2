"""Figures of the pull study. Plotting only: every function takes result objects or arrays,
draws one figure and returns it; :func:`save_figure` writes PNG + PDF + a JSON sidecar
atomically and closes nothing global (figures are built without pyplot)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from scaleuq.stats.models import get_model
from scaleuq.util.atomic import atomic_write_bytes, atomic_write_text
from scaleuq.util.jsonio import dumps

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.reference import ReferenceAverage
    from scaleuq.stats.coverage import Calibration, CoverageCurve
    from scaleuq.stats.study import FitStudy

CLASS_ORDER = ("qcd", "boson+jets", "electroweak", "higgs", "other")
T_LABEL = r"pull $t = (\sigma_\mathrm{NLO} - \sigma_\mathrm{LO}) / \Delta\sigma_\mathrm{LO}$"


def style() -> dict[str, Any]:
    """rc parameters of the figures: seaborn's 'ticks' style with the colour-blind palette,
    readable when printed at one column width."""
    import seaborn as sns

    rc = dict(sns.axes_style("ticks"))
    rc.update(
        {
            "axes.prop_cycle": mpl.cycler(color=sns.color_palette("colorblind")),
            "font.size": 10,
            "axes.labelsize": 10,
            "legend.fontsize": 8,
            "legend.frameon": False,
            "xtick.direction": "in",
            "ytick.direction": "in",
            "xtick.top": True,
            "ytick.right": True,
            "mathtext.fontset": "cm",
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
        }
    )
    return rc


def class_colors() -> dict[str, Any]:
    """Colour of each process class."""
    import seaborn as sns

    palette = sns.color_palette("colorblind")
    return {c: palette[i] for i, c in enumerate(CLASS_ORDER)}


def save_figure(fig: Figure, base: str | Path, sidecar: dict[str, Any]) -> list[Path]:
    """Write ``base.png``, ``base.pdf`` and ``base.json`` atomically; return the paths."""
    base = Path(base)
    written = []
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        # no creation date: the same figure gives the same bytes (reports/ is reproducible)
        fig.savefig(buffer, format=ext, metadata={"CreationDate": None} if ext == "pdf" else None)
        path = base.with_suffix(f".{ext}")
        atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    path = base.with_suffix(".json")
    atomic_write_text(path, dumps(sidecar))
    written.append(path)
    return written


def _symlog_needed(values: np.ndarray) -> bool:
    return bool(np.nanmax(np.abs(values)) > 20)


def histogram_edges(x: np.ndarray) -> np.ndarray:
    """Bin edges for pulls: unit-width bins, or log-spaced beyond |t| = 1 for heavy tails."""
    lo = min(-3.0, float(np.min(x)) * 1.1)
    hi = max(3.0, float(np.max(x)) * 1.1)
    if not _symlog_needed(x):
        return np.arange(np.floor(lo), np.ceil(hi) + 0.5, 0.5)
    neg = -np.geomspace(1, -lo, 5)[::-1] if lo < -1 else np.array([])
    return np.unique(np.concatenate([neg, np.linspace(-1, 1, 5), np.geomspace(1, hi, 16)]))


def expected_counts(model: str, theta: dict[str, float], edges: np.ndarray, n: int) -> np.ndarray:
    """Expected number of pulls per bin, N [F(e_{i+1}) - F(e_i)], for a fitted model."""
    m = get_model(model)
    cdf = m.cdf(edges, *(theta[p] for p in m.params))
    return n * np.diff(cdf)


def plot_pull_histogram(study: FitStudy, *, title: str = "") -> Figure:
    """Pull histogram with the fitted models' expected counts and a unit Gaussian's, linear and
    log y. Expected counts per bin (not densities) compare honestly on unequal bins."""
    from scipy import special

    x = study.pulls
    edges = histogram_edges(x)
    counts, _ = np.histogram(x, edges)
    centers = 0.5 * (edges[1:] + edges[:-1])
    with mpl.rc_context(style()):
        fig = Figure(figsize=(7.2, 3.6), layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, logy in zip(axes, (False, True), strict=True):
            ax.stairs(
                counts, edges, color="0.35", fill=True, alpha=0.25, label=f"pulls ($N = {x.size}$)"
            )
            has = counts > 0
            ax.errorbar(
                centers[has],
                counts[has],
                yerr=np.sqrt(counts[has]),
                fmt="none",
                ecolor="0.3",
                lw=0.8,
            )
            for f in study.fits:
                ax.stairs(
                    expected_counts(f.model, f.theta(), edges, x.size), edges,
                    label=f"{get_model(f.model).label} (AIC {f.aic:.1f})",
                    **{"lw": 1.4, **get_model(f.model).style},  # the registry's style
                )  # fmt: skip
            gauss = x.size * np.diff(special.ndtr(edges))
            ax.stairs(gauss, edges, color="k", lw=1, ls=":", label="unit Gaussian")
            if _symlog_needed(x):
                ax.set_xscale("symlog", linthresh=1.0)
            if logy:
                ax.set_yscale("log")
                ax.set_ylim(0.02, 3 * max(counts.max(), 1))
            else:
                ax.set_ylim(0, 1.35 * max(counts.max(), gauss.max()))
            ax.set_xlabel(T_LABEL)
            ax.set_ylabel("processes per bin")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3)
        if title:
            fig.suptitle(title)
    return fig


def plot_pulls_per_process(
    processes: Sequence[str],
    classes: Sequence[str],
    before: np.ndarray,
    after: np.ndarray,
    *,
    threshold: float = 3.0,
) -> Figure:
    """Sorted dot plot of the pull of every process, before and after the correction."""
    colors = class_colors()
    order = np.argsort(np.nan_to_num(after, nan=-np.inf))
    n = len(processes)
    with mpl.rc_context(style()):
        fig = Figure(figsize=(6.0, 0.28 * n + 1.3), layout="constrained")
        ax = fig.subplots()
        y = np.arange(n)
        ax.axvspan(-1, 1, color="0.9", zorder=0, label=r"$|t| < 1$")
        ax.axvline(threshold, color="0.5", ls="--", lw=0.8, label=f"tail threshold {threshold:g}")
        for yi, i in zip(y, order, strict=True):
            c = colors.get(classes[i], colors["other"])
            if np.isfinite(before[i]) and np.isfinite(after[i]):
                ax.plot([before[i], after[i]], [yi, yi], color=c, lw=0.8, alpha=0.6)
            ax.plot(before[i], yi, "o", mfc="none", mec=c, ms=5)
            ax.plot(after[i], yi, "o", color=c, ms=5)
        ax.set_yticks(y, [processes[i] for i in order], fontsize=7)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlabel(T_LABEL)
        handles = [
            mpl.lines.Line2D([], [], marker="o", ls="", color=colors[c], label=c)
            for c in CLASS_ORDER
            if c in set(classes)
        ]
        handles += [
            mpl.lines.Line2D([], [], marker="o", ls="", mfc="none", mec="0.3", label="before"),
            mpl.lines.Line2D([], [], marker="o", ls="", color="0.3", label="after (reference)"),
        ]
        ax.legend(handles=handles, loc="lower right")
        ax.set_ylim(-0.7, n - 0.3)
        values = np.concatenate([before[np.isfinite(before)], after[np.isfinite(after)]])
        ax.set_xlim(min(-1.5, 1.5 * values.min()), 1.6 * max(values.max(), threshold))
    return fig


def plot_reference(
    n: np.ndarray, up: np.ndarray, dn: np.ndarray, average: ReferenceAverage
) -> Figure:
    """Per-particle relative LO scale uncertainty of the reference processes against n."""
    with mpl.rc_context(style()):
        fig = Figure(figsize=(4.8, 3.4), layout="constrained")
        ax = fig.subplots()
        jitter = np.linspace(-0.12, 0.12, len(n)) if len(n) > 1 else np.zeros(1)
        for values, mean, std, label, marker, color in (
            (up / n, average.per_particle_up, average.std_up, "upward", "^", "#0173b2"),
            (dn / n, average.per_particle_dn, average.std_dn, "downward", "v", "#d55e00"),
        ):
            ax.axhspan(mean - std, mean + std, color=color, alpha=0.15, lw=0)
            ax.axhline(mean, color=color, lw=1)
            ax.plot(
                n + jitter,
                values,
                marker,
                color=color,
                ls="",
                label=f"{label}: mean {100 * mean:.1f}% $\\pm$ {100 * std:.1f}% (sd)",
            )
        ax.set_xticks(np.unique(n))
        ax.set_xlabel(r"final-state particles $n$")
        ax.set_ylabel(r"$\Delta\sigma_\mathrm{LO} / (n\,\sigma_0)$")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.legend(loc="best", title=f"{average.n_processes} QCD reference processes")
    return fig


def plot_calibration(
    curves: dict[str, CoverageCurve], calibrations: dict[str, Sequence[Calibration]]
) -> Figure:
    """Fraction of processes covered against the inflation factor s of the LO bands."""
    colors = {"before": "#d55e00", "after": "#0173b2"}
    labels = {"before": "raw LO bands", "after": "reference-corrected"}
    with mpl.rc_context(style()):
        fig = Figure(figsize=(4.8, 3.4), layout="constrained")
        ax = fig.subplots()
        any_curve = next(iter(curves.values()))
        ax.plot(
            any_curve.factors, any_curve.gaussian, color="k", ls=":", lw=1, label="unit Gaussian"
        )
        for stage, curve in curves.items():
            c = colors.get(stage, "0.3")
            ax.fill_between(
                curve.factors, curve.low, curve.high, step="post", color=c, alpha=0.2, lw=0
            )
            ax.step(
                curve.factors,
                curve.coverage,
                where="post",
                color=c,
                lw=1.4,
                label=labels.get(stage, stage),
            )
            for cal in calibrations.get(stage, ()):
                ax.plot([cal.factor], [cal.target], "o", color=c, ms=4)
        for target in (0.6827, 0.9545):
            ax.axhline(target, color="0.6", lw=0.7, ls="--")
        ax.axvline(1.0, color="0.6", lw=0.7)
        ax.set_xscale("log")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(r"inflation factor $s$ of the LO scale band")
        ax.set_ylabel(r"fraction of processes with $|t| < s$")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.legend(loc="lower right")
    return fig


def plot_differential(frame: pd.DataFrame, name: str, *, xlabel: str = "") -> Figure:
    """LO and NLO scale bands of one observable (top) and the pull per bin (bottom)."""
    edges = np.append(frame["xmin"].to_numpy(), frame["xmax"].to_numpy()[-1])
    with mpl.rc_context(style()):
        fig = Figure(figsize=(5.0, 4.6), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])
        for order, color in (("lo", "#0173b2"), ("nlo", "#d55e00")):
            central = frame[order].to_numpy()
            up = central * (1 + frame[f"{order}_up_rel"].to_numpy())
            dn = central * (1 - frame[f"{order}_dn_rel"].to_numpy())
            top.stairs(central, edges, color=color, lw=1.4, label=order.upper())
            top.fill_between(
                edges,
                np.append(dn, dn[-1]),
                np.append(up, up[-1]),
                step="post",
                color=color,
                alpha=0.25,
                lw=0,
            )
        top.set_ylabel(r"$\mathrm{d}\sigma/\mathrm{d}x$ per bin")
        if np.all(frame["lo"].to_numpy() > 0):
            top.set_yscale("log")
        top.legend(title=name)
        pull = frame["pull"].to_numpy()
        bottom.axhspan(-1, 1, color="0.9", lw=0)
        bottom.stairs(np.nan_to_num(pull), edges, color="k", lw=1.2)
        bottom.axhline(0, color="0.5", lw=0.7)
        bottom.set_ylabel(r"pull $t$")
        bottom.set_xlabel(xlabel or name)
    return fig

"""Band and distance of a selection at a fixed working point (numpy only).

For scores s, a threshold c is fixed so that the nominal signal efficiency is ``signal_eff``.
For the background (and the signal) the *efficiency* under each LO scale variation k is
eps_k = sum_{s > c} w_k / sum w_k: the normalisation of each variation cancels, so the band
measures how the selection's shape sensitivity moves, which is what a decorrelated classifier
can change. LO band: max_k |eps_k / eps_0 - 1|. Distance to the higher-order proxy (or to a real
NLO sample): |eps_HO / eps_0 - 1|. Ratio: distance / band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaleuq.util.jsonio import FieldsDict


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of weighted values (step interpolation)."""
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, q * cw[-1])])


def roc_auc(
    scores: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted ROC curve and its area: returns (auc, background efficiency, signal efficiency).

    Tied scores form one step of the curve, so the area is P(s > b) + P(s = b) / 2."""
    order = np.argsort(-scores, kind="mergesort")
    ranked, y, w = scores[order], labels[order], weights[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # end of each tie group
    tps = np.cumsum(w * (y == 1))[last]
    fps = np.cumsum(w * (y == 0))[last]
    tpr = np.concatenate([[0.0], tps / tps[-1]])
    fpr = np.concatenate([[0.0], fps / fps[-1]])
    return float(np.trapezoid(tpr, fpr)), fpr, tpr


def efficiency(scores: np.ndarray, weights: np.ndarray, cut: float) -> np.ndarray:
    """Selected fraction of each weight column: weights (N,) or (N, K) -> scalar or (K,)."""
    sel = scores >= cut
    return (weights[sel].sum(axis=0)) / weights.sum(axis=0)


@dataclass(frozen=True)
class WorkingPoint(FieldsDict):
    """Band and distance at one working point.

    Attributes:
        signal_eff: nominal signal efficiency defining the threshold.
        threshold: the score cut.
        auc: weighted ROC AUC on the nominal weights.
        bkg_eff: nominal background efficiency.
        bkg_band: max_k |eps_k/eps_0 - 1| over the LO variations, background.
        sig_band: the same for the signal.
        bkg_distance: {proxy name: |eps_HO/eps_0 - 1|}, background.
        sig_distance: the same for the signal (where the proxy applies to the signal).
        ratio: {proxy name: bkg_distance / bkg_band}.
        bkg_eff_variations: eps_k / eps_0 per variation, background.
        bkg_band_err, bkg_distance_err: statistical errors (bootstrap of the evaluation
            events, the threshold re-derived per resample; :func:`bootstrap_errors`).
    """

    signal_eff: float
    threshold: float
    auc: float
    bkg_eff: float
    bkg_band: float
    sig_band: float
    bkg_distance: dict[str, float]
    sig_distance: dict[str, float]
    ratio: dict[str, float]
    bkg_eff_variations: list[float]
    bkg_band_err: float = 0.0
    bkg_distance_err: dict[str, float] | None = None


def working_point(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    variations: np.ndarray,
    proxies: dict[str, np.ndarray],
    *,
    signal_eff: float = 0.5,
    n_boot: int = 200,
    seed: int = 0,
) -> WorkingPoint:
    """Evaluate a classifier's selection.

    Args:
        scores: classifier outputs (higher = more signal-like).
        labels: 1 signal, 0 background.
        weights: nominal event weights.
        variations: (N, K) event weights under the K LO scale variations.
        proxies: {name: (N,) event weights of a higher-order prediction}.
        signal_eff: nominal signal efficiency of the working point.
        n_boot: bootstrap resamples of the errors (0: no errors).
        seed: seed of the bootstrap.
    """
    sig, bkg = labels == 1, labels == 0
    cut = weighted_quantile(scores[sig], weights[sig], 1.0 - signal_eff)
    auc, _, _ = roc_auc(scores, labels, weights)
    eb0 = efficiency(scores[bkg], weights[bkg], cut)
    es0 = efficiency(scores[sig], weights[sig], cut)
    ebk = efficiency(scores[bkg], variations[bkg], cut) / eb0
    esk = efficiency(scores[sig], variations[sig], cut) / es0
    bdist, sdist, ratio = {}, {}, {}
    band = float(np.max(np.abs(ebk - 1)))
    for name, w in proxies.items():
        bdist[name] = float(abs(efficiency(scores[bkg], w[bkg], cut) / eb0 - 1))
        with np.errstate(divide="ignore", invalid="ignore"):  # no signal selected: NaN
            sdist[name] = float(abs(efficiency(scores[sig], w[sig], cut) / es0 - 1))
        ratio[name] = bdist[name] / band if band > 0 else float("inf")
    band_err, dist_err = bootstrap_errors(
        scores[bkg], weights[bkg], variations[bkg], {n: w[bkg] for n, w in proxies.items()},
        signal_scores=scores[sig], signal_weights=weights[sig], signal_eff=signal_eff,
        n_boot=n_boot, seed=seed,
    )  # fmt: skip
    return WorkingPoint(
        signal_eff, float(cut), auc, float(eb0), band, float(np.max(np.abs(esk - 1))),
        bdist, sdist, ratio, ebk.tolist(), band_err, dist_err,
    )  # fmt: skip


def bootstrap_errors(
    scores: np.ndarray,
    w: np.ndarray,
    variations: np.ndarray,
    proxies: dict[str, np.ndarray],
    *,
    signal_scores: np.ndarray,
    signal_weights: np.ndarray,
    signal_eff: float,
    n_boot: int = 200,
    seed: int = 0,
) -> tuple[float, dict[str, float]]:
    """Bootstrap errors of the background band and distances.

    Each resample is one set of Poisson(1) event multiplicities for the signal and the
    background events, applied to the nominal weights, every variation and every reference
    alike, so that their correlation (the same events) is kept; the threshold is re-derived
    from each resampled signal (it fluctuates with the signal sample in the measurement too).
    The errors are the standard deviations over ``n_boot`` resamples (0 resamples: NaN).

    Args:
        scores, w, variations, proxies: the background events' scores, nominal weights,
            (N, K) variation weights and reference weights.
        signal_scores, signal_weights, signal_eff: the signal events defining the threshold.
    """
    if n_boot <= 0:
        return float("nan"), {n: float("nan") for n in proxies}
    rng = np.random.default_rng(seed)
    s_order = np.argsort(signal_scores, kind="mergesort")
    s_sorted, ws_sorted = signal_scores[s_order], signal_weights[s_order]
    b_order = np.argsort(scores, kind="mergesort")
    b_sorted = scores[b_order]
    columns = np.column_stack([w, variations, *proxies.values()])[b_order]  # (N, 1 + K + P)
    num = np.empty((n_boot, columns.shape[1]))
    den = np.empty((n_boot, columns.shape[1]))
    for start in range(0, n_boot, 16):
        size = min(16, n_boot - start)
        cw = np.cumsum(rng.poisson(1.0, size=(size, len(s_sorted))) * ws_sorted, axis=1)
        target = (1.0 - signal_eff) * cw[:, -1:]
        cuts = s_sorted[np.minimum((cw < target).sum(axis=1), len(s_sorted) - 1)]
        pois = rng.poisson(1.0, size=(size, len(w))).astype(np.float64)
        den[start : start + size] = pois @ columns
        for r, j in enumerate(np.searchsorted(b_sorted, cuts, side="left")):
            num[start + r] = pois[r, j:] @ columns[j:]
    with np.errstate(invalid="ignore", divide="ignore"):  # resamples selecting nothing: skipped
        eff = num / den
        rel = eff[:, 1:] / eff[:, :1] - 1
        k = variations.shape[1]
        bands = np.max(np.abs(rel[:, :k]), axis=1)
        dists = {n: float(np.nanstd(np.abs(rel[:, k + i]))) for i, n in enumerate(proxies)}
    return float(np.nanstd(bands)), dists

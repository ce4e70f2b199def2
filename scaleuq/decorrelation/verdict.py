"""The profile-likelihood verdict: what a classifier's scale uncertainty does in the binned fit an
analysis would run (pyhf, the HistFactory implementation of L. Heinrich, M. Feickert, G. Stark,
K. Cranmer, JOSS 6 (2021) 2823; optional extra ``scaleuq[ml]``).

Per trained classifier:

* **Binning**: ``n_bins`` bins of the classifier logit with equal nominal signal yield (edges at
  weighted quantiles of the nominal signal scores on the evaluation events, outer edges at
  +-infinity); for the uncertainty-aware classifier the edges come from its scores at nu = 0
  and are kept at every nu.
* **Templates** (expected events for ``luminosity_pb``): signal with a free normalisation mu
  (the parameter of interest) and a shape-only histosys from the scale envelope; background
  with a normsys (rate: the largest and smallest total yield over the nine (k_R, k_F) points)
  and a histosys (shape: the bin-wise maximum and minimum over the nine points of each
  variation's template scaled to the nominal total), as DOMAIN.md and cabinetry build envelope
  modifiers. The signal rate uncertainty is left out: mu measures it. With ``mc_stat`` (the
  default) a ``staterror`` per bin carries the templates' MC statistical uncertainty
  (sqrt(sum w^2)): the evaluation samples are finite, and the higher-order pseudo-data are the
  same events re-weighted, so their MC noise would otherwise be fitted as physics. Every fit is
  also done without it ("scale only"): that sigma_mu is what a decorrelated classifier shrinks.
* **Pseudo-data**: Asimov data (expected yields, no fluctuation) from (a) the nominal LO
  prediction (mu = 1) and (b) each higher-order reference (mu = 1 signal and background of the
  reference). The fit (pyhf, numpy backend with iminuit, all nuisances profiled) gives mu_hat
  and, on (a), the expected uncertainty sigma_mu (HESSE). The pull of reference r is
  (mu_hat_r - 1) / sigma_mu.
* **Uncertainty-aware classifier** (Ghosh, Nachman, Whiteson, arXiv:2105.08742, as in their
  code): on a grid of nu = (log2 k_R, log2 k_F) in [-1, 1]^2 the network is evaluated at nu,
  the signal and background templates are rebuilt with each event's weight at nu
  (:func:`.aware.weights_at`) and the pseudo-data are histogrammed with the same score;
  NLL(mu, nu) = sum_b [lambda_b - n_b + n_b log(n_b / lambda_b)] + |nu|^2 / 2 with
  lambda = mu s(nu) + b(nu) (the Poisson terms of pyhf's main model relative to the saturated
  model, since the data histogram changes with nu; a unit Gaussian constraint on each nu
  component: the envelope's points are +-1 sigma, as for the histosys above; with ``mc_stat`` one factor per bin with a Gaussian constraint of the
  bin's relative MC error, profiled in closed form, as pyhf's staterror). The profile
  NLL(mu) = min over the grid gives mu_hat; sigma_mu is the half width of NLL(mu) - min <= 1/2
  (between its outermost crossings). The histograms at the grid points are interpolated onto a
  finer nu grid (``nu_refine``) before profiling: profiled over the coarse grid alone, NLL(mu)
  is a comb (one narrow parabola per grid point), whose central tooth made the earlier
  scale-only sigma_mu of the aware method the narrowest of all.
  The signal template at each nu is scaled to the nominal signal total (shape only, as the
  signal histosys of the template fit), unless ``signal_rate_in_nu``: with the signal's rate
  moving with nu, mu is measured relative to s(nu), and mu and nu become partly degenerate
  (the signal rate's mu_F dependence), which widens sigma_mu and lets a pull on nu from the
  background move mu_hat. That was the fit of earlier releases; it explained the aware
  method's larger sigma_mu and its bias on the K-factor proxy (README, decorrelation study).
  Checked against the template fit: a score that does not depend on nu gives a sigma_mu of the
  same size (0.5 to 1.1 times: the envelope's bin-wise max/min is more conservative than the
  two-dimensional nu; tests/test_decorrelation.py), and both recover a pure signal-rate change.
  With ``likelihood="nugrid"`` a classifier that does not take nu is fitted this way too (its
  score is the same at every nu): the study's diagnostic that separates the likelihood from the
  network.
* **Span of the LO variations** (per score bin): each reference's expected yield (signal +
  background) against the smallest and largest yield over the nine (k_R, k_F) points in that
  bin; a reference inside the span in every bin is one the scale nuisances could in principle
  describe, a reference outside in some bin is not (the K-factor proxy is built to be outside).

A decorrelated classifier is expected to shrink sigma_mu while its bias on higher-order data
does not shrink, so that its pulls grow: the numbers report whatever happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleuq.errors import MissingDependencyError
from scaleuq.util.jsonio import FieldsDict

from .aware import weights_at
from .evaluate import weighted_quantile

log = logging.getLogger(__name__)

#: The nominal LO pseudo-data's name among the references.
NOMINAL = "lo"
#: The scale nuisances of the template model (fitted within +-10 of their constraint).
SCALE_NUISANCES = ("signal_scale_shape", "background_scale_rate", "background_scale_shape")


@dataclass(frozen=True)
class VerdictConfig(FieldsDict):
    """Settings of the profile-likelihood verdict.

    Attributes:
        n_bins: bins of the classifier score (equal nominal signal yield).
        luminosity_pb: integrated luminosity in pb^-1 (default 140 fb^-1, LHC Run 2).
        nu_points: grid points per nu axis in [-1, 1] for the uncertainty-aware fit.
        mc_stat: include the templates' Monte Carlo statistical uncertainty per bin
            (HistFactory ``staterror``, Barlow-Beeston lite); without it, the statistical noise
            of the re-weighted higher-order references is fitted as if it were physics.
        signal_rate_in_nu: in the nu-grid fit, let the signal's rate move with nu (the fit of
            earlier releases); default False: the signal template at each nu is scaled to the
            nominal total, so that mu means the same as in the template fit.
        nu_refine: points per nu axis on which the nu-grid fit profiles: the templates and
            data histogrammed at the ``nu_points`` x ``nu_points`` grid are interpolated (cubic
            splines) onto this finer grid (no refinement when not larger). On the coarse grid
            alone, with the large Asimov yields of 140 fb^-1, NLL(mu) profiled over nu is a
            comb of narrow parabolas, one per grid point, and its width that of one tooth.
    """

    n_bins: int = 8
    luminosity_pb: float = 140_000.0
    nu_points: int = 9
    mc_stat: bool = True
    signal_rate_in_nu: bool = False
    nu_refine: int = 41


@dataclass(frozen=True)
class Events:
    """Evaluation events of one process with weights in expected events.

    Attributes:
        x: features (N, F).
        w: nominal expected events per event.
        variations: (N, 9) expected events at the nine scale points (None for a reference).
    """

    x: np.ndarray
    w: np.ndarray
    variations: np.ndarray | None = None


@dataclass(frozen=True)
class Reference:
    """A higher-order prediction used as pseudo-data: signal and background events with their
    weights in expected events (the same events as the LO templates, re-weighted, or a separate
    sample such as a genuine NLO one)."""

    signal: Events
    background: Events


@dataclass(frozen=True)
class FitVerdict(FieldsDict):
    """The verdict of one trained classifier.

    Attributes:
        sigma_mu: expected uncertainty of the signal strength (Asimov fit to the nominal LO).
        mu_hat: fitted signal strength on each pseudo-data set ("lo" = nominal LO, else the
            higher-order references).
        mu_pull: (mu_hat - 1) / sigma_mu on each.
        sigma_mu_scale, mu_hat_scale, mu_pull_scale: the same with the scale nuisances alone
            (no MC statistical uncertainty of the templates): the uncertainty a decorrelated
            classifier is trained to shrink. Equal to the above when ``mc_stat`` is off.
        n_bins: bins used.
        failed: the fits that did not converge (their mu_hat or sigma_mu is NaN), each with
            the reason.
        span: per reference, per score bin: "shift" (yield / nominal - 1, signal + background),
            "lo" and "hi" (smallest and largest yield over the nine scale points / nominal - 1)
            and "inside" (lo <= shift <= hi).
    """

    sigma_mu: float
    mu_hat: dict[str, float]
    mu_pull: dict[str, float]
    sigma_mu_scale: float
    mu_hat_scale: dict[str, float]
    mu_pull_scale: dict[str, float]
    n_bins: int
    failed: tuple[str, ...] = ()
    span: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def _pyhf() -> Any:
    try:
        import pyhf
    except ImportError:
        raise MissingDependencyError("pyhf", "ml", "the profile-likelihood verdict") from None
    return pyhf


def score_edges(scores: np.ndarray, weights: np.ndarray, n_bins: int) -> np.ndarray:
    """Edges with equal weighted yield of ``scores`` per bin (outer edges +-inf)."""
    inner = [weighted_quantile(scores, weights, q) for q in np.arange(1, n_bins) / n_bins]
    return np.array([-np.inf, *np.unique(inner), np.inf])


def histogram(scores: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Weighted counts per bin (weights (N,) or (N, K) -> (B,) or (B, K))."""
    idx = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    if weights.ndim == 1:
        return np.bincount(idx, weights=weights, minlength=len(edges) - 1)
    return np.stack(
        [np.bincount(idx, weights=weights[:, k], minlength=len(edges) - 1) for k in range(weights.shape[1])],
        axis=1,
    )  # fmt: skip


def envelope_modifiers(nominal: np.ndarray, varied: np.ndarray) -> dict[str, Any]:
    """Rate (normsys) and shape (histosys) of a scale envelope.

    Args:
        nominal: (B,) nominal template.
        varied: (B, K) templates at the K scale points.
    Returns:
        {"hi", "lo"}: the normsys factors (largest and smallest total over the points relative
        to nominal); {"hi_data", "lo_data"}: the bin-wise max and min over the points of each
        template scaled to the nominal total.
    """
    total = nominal.sum()
    totals = varied.sum(axis=0)
    shapes = varied * (total / np.where(totals > 0, totals, 1.0))
    return {
        "hi": float(max(totals.max() / total, 1.0)),
        "lo": float(min(totals.min() / total, 1.0)),
        "hi_data": np.maximum(shapes.max(axis=1), nominal).tolist(),
        "lo_data": np.minimum(shapes.min(axis=1), nominal).tolist(),
    }


def build_model(
    signal: np.ndarray,
    sig_var: np.ndarray,
    background: np.ndarray,
    bkg_var: np.ndarray,
    mc_stat: tuple[np.ndarray, np.ndarray] | None = None,
) -> Any:
    """The HistFactory model (one channel; signal x mu with a shape envelope, background with
    rate and shape envelopes; with ``mc_stat`` = (signal, background) absolute MC errors per
    bin, a ``staterror`` on both)."""
    pyhf = _pyhf()
    s_env = envelope_modifiers(signal, sig_var)
    b_env = envelope_modifiers(background, bkg_var)
    s_mods: list[dict[str, Any]] = [
        {"name": "mu", "type": "normfactor", "data": None},
        {"name": "signal_scale_shape", "type": "histosys",
         "data": {"hi_data": s_env["hi_data"], "lo_data": s_env["lo_data"]}},
    ]  # fmt: skip
    b_mods: list[dict[str, Any]] = [
        {"name": "background_scale_rate", "type": "normsys", "data": {"hi": b_env["hi"], "lo": b_env["lo"]}},
        {"name": "background_scale_shape", "type": "histosys",
         "data": {"hi_data": b_env["hi_data"], "lo_data": b_env["lo_data"]}},
    ]  # fmt: skip
    if mc_stat is not None:
        s_mods.append({"name": "mc_stat", "type": "staterror", "data": mc_stat[0].tolist()})
        b_mods.append({"name": "mc_stat", "type": "staterror", "data": mc_stat[1].tolist()})
    spec = {
        "channels": [{"name": "score", "samples": [
            {"name": "signal", "data": signal.tolist(), "modifiers": s_mods},
            {"name": "background", "data": background.tolist(), "modifiers": b_mods},
        ]}]
    }  # fmt: skip
    return pyhf.Model(spec, poi_name="mu", validate=False)


def fit_mu(model: Any, observed: np.ndarray, *, maxiter: int = 4000) -> tuple[float, float]:
    """(mu_hat, its HESSE uncertainty) of a pyhf fit (numpy backend, iminuit with tolerance 0.1
    and at most ``maxiter`` calls; all nuisances profiled, within +-10 of their constraints) of
    the ``observed`` main-channel counts; (nan, nan) with a warning if MIGRAD does not converge
    (a second try with strategy 2 first)."""
    pyhf = _pyhf()
    data = np.concatenate([observed, model.config.auxdata])
    bounds = model.config.suggested_bounds()
    for name in SCALE_NUISANCES:
        if name in model.config.par_map:
            bounds[model.config.par_slice(name).start] = (-10.0, 10.0)
    bounds[model.config.poi_index] = (-20.0, 20.0)
    quiet = logging.getLogger("pyhf.optimize.mixins")  # it logs each failure as an error
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        for strategy in (None, 2):
            pyhf.set_backend(
                "numpy",
                pyhf.optimize.minuit_optimizer(verbose=-1, tolerance=0.1, strategy=strategy),
            )
            try:
                result = pyhf.infer.mle.fit(
                    data, model, par_bounds=bounds, return_uncertainties=True, maxiter=maxiter
                )
            except pyhf.exceptions.FailedMinimization:
                continue
            poi = result[model.config.poi_index]
            return float(poi[0]), float(poi[1])
    finally:
        quiet.setLevel(level)
    log.warning("the profile-likelihood fit did not converge: mu_hat reported as NaN")
    return float("nan"), float("nan")


def _template_verdict(
    score: Callable[[np.ndarray], np.ndarray],
    signal: Events,
    background: Events,
    references: dict[str, Reference],
    config: VerdictConfig,
) -> FitVerdict:
    s_sig, s_bkg = score(signal.x), score(background.x)
    edges = score_edges(s_sig, signal.w, config.n_bins)
    assert signal.variations is not None and background.variations is not None
    mc = (
        np.sqrt(histogram(s_sig, signal.w**2, edges)),
        np.sqrt(histogram(s_bkg, background.w**2, edges)),
    )
    templates = (
        histogram(s_sig, signal.w, edges), histogram(s_sig, signal.variations, edges),
        histogram(s_bkg, background.w, edges), histogram(s_bkg, background.variations, edges),
    )  # fmt: skip
    observed = {NOMINAL: templates[0] + templates[2]}
    for name, ref in references.items():
        rs = s_sig if ref.signal.x is signal.x else score(ref.signal.x)
        rb = s_bkg if ref.background.x is background.x else score(ref.background.x)
        observed[name] = histogram(rs, ref.signal.w, edges) + histogram(rb, ref.background.w, edges)
    fits = []
    failed: list[str] = []
    for stat in (config.mc_stat, False) if config.mc_stat else (False,):
        model = build_model(*templates, mc if stat else None)
        which = "with MC statistics" if stat else "scale only"
        mus: dict[str, float] = {}
        sigma = float("nan")
        for k, v in observed.items():
            mu_k, sigma_k = fit_mu(model, v)
            mus[k] = mu_k
            if k == NOMINAL:
                sigma = sigma_k
            if not np.isfinite(mu_k):
                failed.append(
                    f"{k} ({which}): MIGRAD did not converge (default strategy, then strategy 2)"
                )
        fits.append((sigma, mus))
    span = span_check(
        (templates[0], templates[1], templates[2], templates[3]),
        {k: v for k, v in observed.items() if k != NOMINAL},
    )
    return _verdict(fits[0], fits[-1], len(edges) - 1, tuple(failed), span)


def span_check(
    templates: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    observed: dict[str, np.ndarray],
) -> dict[str, dict[str, list[Any]]]:
    """Each reference's yield per bin against the span of the nine LO scale points.

    Args:
        templates: nominal signal (B,), signal at the scale points (B, 9), nominal background,
            background at the scale points.
        observed: the references' expected yields (B,) (signal + background).
    Returns:
        per reference: "shift", "lo", "hi" (relative to the nominal yield per bin) and
        "inside" per bin (see :class:`FitVerdict`).
    """
    nominal = templates[0] + templates[2]
    varied = templates[1] + templates[3]
    safe = np.where(nominal > 0, nominal, 1.0)
    lo = varied.min(axis=1) / safe - 1.0
    hi = varied.max(axis=1) / safe - 1.0
    out: dict[str, dict[str, list[Any]]] = {}
    for name, n in observed.items():
        shift = n / safe - 1.0
        out[name] = {
            "shift": shift.tolist(), "lo": lo.tolist(), "hi": hi.tolist(),
            "inside": [bool(a <= x <= b) for x, a, b in zip(shift, lo, hi, strict=True)],
        }  # fmt: skip
    return out


def _verdict(
    full: tuple[float, dict[str, float]],
    scale: tuple[float, dict[str, float]],
    n_bins: int,
    failed: tuple[str, ...] = (),
    span: dict[str, dict[str, list[Any]]] | None = None,
) -> FitVerdict:
    def pulls(sigma: float, mu: dict[str, float]) -> dict[str, float]:
        return {k: (v - 1.0) / sigma for k, v in mu.items()}

    return FitVerdict(
        full[0], full[1], pulls(*full), scale[0], scale[1], pulls(*scale), n_bins, failed,
        span or {},
    )  # fmt: skip


def _nll_grid(
    mu: np.ndarray,
    s: np.ndarray,
    b: np.ndarray,
    n: np.ndarray,
    nu2: np.ndarray,
    rel: np.ndarray | None,
) -> np.ndarray:
    """NLL(nu, mu) (G, M) for templates s, b (G, B), data n (G, B) and the constraint |nu|^2.

    The Poisson terms are taken relative to the saturated model of the data histogram at each
    nu (Baker-Cousins: sum_b [lambda_b - n_b + n_b log(n_b / lambda_b)]): the data are
    histogrammed with a different score at each nu, so the bare Poisson likelihoods of the
    histograms are not comparable across nu, their goodness of fit is. With ``rel`` (G, B), the
    templates' relative MC errors, one factor gamma_b per bin with a Gaussian constraint
    (Barlow-Beeston lite, as pyhf's staterror) is profiled in closed form."""
    lam = np.clip(mu[None, :, None] * s[:, None, :] + b[:, None, :], 1e-300, None)
    nn = n[:, None, :]
    extra = 0.0
    if rel is not None:
        v = (rel**2)[:, None, :]
        q = lam * v - 1.0
        gamma = np.where(v > 0, 0.5 * (-q + np.sqrt(q * q + 4.0 * nn * v)), 1.0)
        lam = np.clip(gamma * lam, 1e-300, None)
        extra = np.where(v > 0, (gamma - 1.0) ** 2 / (2.0 * np.where(v > 0, v, 1.0)), 0.0).sum(
            axis=2
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(nn > 0, nn * np.log(nn / lam), 0.0)
    return (lam - nn + log_term).sum(axis=2) + extra + 0.5 * nu2[:, None]


def _cross(m0: float, m1: float, p0: float, p1: float) -> float:
    """Where the straight line through (m0, p0), (m1, p1) crosses 1/2."""
    return float(m0 + (0.5 - p0) * (m1 - m0) / (p1 - p0)) if p1 != p0 else float(m0)


def profile_mu(
    s: np.ndarray, b: np.ndarray, n: np.ndarray, nu2: np.ndarray, rel: np.ndarray | None = None
) -> tuple[float, float]:
    """(mu_hat, sigma_mu) from NLL(mu) profiled over the nu grid: the minimum, and the half
    width of the region NLL - min <= 1/2 (found on a refined mu grid). (nan, nan) when the
    minimum is not inside [-5, 7] (no interval can be read off)."""
    lo, hi = -5.0, 7.0
    mu_hat, sigma = 1.0, 1.0
    for _ in range(3):
        mu = np.linspace(lo, hi, 601)
        prof = _nll_grid(mu, s, b, n, nu2, rel).min(axis=0)
        prof = prof - prof.min()
        i = int(np.argmin(prof))
        mu_hat = float(mu[i])
        if not np.isfinite(prof).all() or (lo == -5.0 and i in (0, len(mu) - 1)):
            return float("nan"), float("nan")
        inside = np.flatnonzero(prof <= 0.5)
        a, z = inside[0], inside[-1]  # the outermost crossings: a ragged profile is not cut short
        left = _cross(mu[a - 1], mu[a], prof[a - 1], prof[a]) if a > 0 else mu[0]
        right = _cross(mu[z], mu[z + 1], prof[z], prof[z + 1]) if z < len(mu) - 1 else mu[-1]
        sigma = float(0.5 * (right - left))
        lo, hi = mu_hat - 8 * max(sigma, 1e-6), mu_hat + 8 * max(sigma, 1e-6)
    return mu_hat, sigma


def refine_grid(values: np.ndarray, axis: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """Interpolate per-bin values given on the grid ``axis`` x ``axis`` of nu (rows in the
    order (nu_R, nu_F) with nu_F fastest; shape (P*P, B)) onto ``fine`` x ``fine`` (cubic
    splines in each direction with at least 4 points, else linear)."""
    from scipy.interpolate import RegularGridInterpolator

    p = len(axis)
    cube = values.reshape(p, p, -1)
    method = "cubic" if p >= 4 else "linear"
    interp = RegularGridInterpolator((axis, axis), cube, method=method)
    rr, ff = np.meshgrid(fine, fine, indexing="ij")
    return interp(np.column_stack([rr.ravel(), ff.ravel()]))


def _aware_verdict(
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    signal: Events,
    background: Events,
    references: dict[str, Reference],
    config: VerdictConfig,
) -> FitVerdict:
    assert signal.variations is not None and background.variations is not None
    axis = np.linspace(-1.0, 1.0, config.nu_points)
    grid = np.array([(r, f) for r in axis for f in axis])
    zero = np.zeros(2)
    s0_sig, s0_bkg = score(signal.x, zero), score(background.x, zero)
    edges = score_edges(s0_sig, signal.w, config.n_bins)
    names = [NOMINAL, *references]
    s_total = float(signal.w.sum())
    s_t, b_t, err2 = [], [], []
    data: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for nu in grid:
        ss, sb = score(signal.x, nu), score(background.x, nu)
        ws, wb = weights_at(signal.variations, nu), weights_at(background.variations, nu)
        if not config.signal_rate_in_nu and ws.sum() > 0:
            ws = ws * (s_total / ws.sum())  # shape only, as the template fit's signal
        s_t.append(histogram(ss, ws, edges))
        b_t.append(histogram(sb, wb, edges))
        err2.append(histogram(ss, ws**2, edges) + histogram(sb, wb**2, edges))
        data[NOMINAL].append(histogram(ss, signal.w, edges) + histogram(sb, background.w, edges))
        for name, ref in references.items():
            rs = ss if ref.signal.x is signal.x else score(ref.signal.x, nu)
            rb = sb if ref.background.x is background.x else score(ref.background.x, nu)
            data[name].append(
                histogram(rs, ref.signal.w, edges) + histogram(rb, ref.background.w, edges)
            )
    s_arr, b_arr, e_arr = np.array(s_t), np.array(b_t), np.array(err2)
    data_arr = {k: np.array(v) for k, v in data.items()}
    if config.nu_refine > config.nu_points:
        fine = np.linspace(-1.0, 1.0, config.nu_refine)
        s_arr, b_arr, e_arr = (refine_grid(a, axis, fine) for a in (s_arr, b_arr, e_arr))
        data_arr = {k: refine_grid(v, axis, fine) for k, v in data_arr.items()}
        nu2 = np.array([r * r + f * f for r in fine for f in fine])
    else:
        nu2 = (grid**2).sum(axis=1)
    total = s_arr + b_arr
    rel = (
        np.sqrt(np.clip(e_arr, 0.0, None)) / np.where(total > 0, total, 1.0)
        if config.mc_stat
        else None
    )
    out = []
    failed: list[str] = []
    for r in (rel, None) if rel is not None else (None,):
        fits = {k: profile_mu(s_arr, b_arr, v, nu2, r) for k, v in data_arr.items()}
        which = "with MC statistics" if r is not None else "scale only"
        failed += [
            f"{k} ({which}): the profiled NLL has its minimum at the end of mu in [-5, 7]"
            for k, v in fits.items()
            if not np.isfinite(v[0])
        ]
        out.append((fits[NOMINAL][1], {k: v[0] for k, v in fits.items()}))
    t0 = (
        histogram(s0_sig, signal.w, edges), histogram(s0_sig, signal.variations, edges),
        histogram(s0_bkg, background.w, edges), histogram(s0_bkg, background.variations, edges),
    )  # fmt: skip
    i0 = int(np.flatnonzero((grid == 0).all(axis=1))[0]) if (grid == 0).all(axis=1).any() else -1
    observed0 = {}
    for name, ref in references.items():
        if i0 >= 0:
            observed0[name] = np.asarray(data[name][i0])
        else:
            rs = s0_sig if ref.signal.x is signal.x else score(ref.signal.x, zero)
            rb = s0_bkg if ref.background.x is background.x else score(ref.background.x, zero)
            observed0[name] = histogram(rs, ref.signal.w, edges) + histogram(
                rb, ref.background.w, edges
            )
    return _verdict(out[0], out[-1], len(edges) - 1, tuple(failed), span_check(t0, observed0))


def verdict(
    model: Any,
    signal: Events,
    background: Events,
    references: dict[str, Reference],
    *,
    config: VerdictConfig | None = None,
    likelihood: str | None = None,
) -> FitVerdict:
    """The profile-likelihood verdict of one trained classifier (see the module docstring).

    Args:
        model: a :class:`.train.TrainedModel`; when ``model.takes_nu`` the templates are
            rebuilt at each nu of the grid.
        signal, background: the LO evaluation events (weights in expected events, with the
            nine scale variations).
        references: higher-order pseudo-data sets by name.
        config: binning, luminosity and nu grid.
        likelihood: "template" (envelope modifiers; not for a classifier that takes nu) or
            "nugrid" (templates rebuilt on the nu grid); default: "nugrid" for a classifier
            that takes nu, else "template".
    """
    cfg = config or VerdictConfig()
    takes_nu = bool(getattr(model, "takes_nu", False))
    kind = likelihood or ("nugrid" if takes_nu else "template")
    if kind not in ("template", "nugrid"):
        raise ValueError(f"likelihood must be 'template' or 'nugrid', got {kind!r}")
    if kind == "nugrid":
        score = model.score if takes_nu else (lambda x, nu: model.score(x))
        return _aware_verdict(score, signal, background, references, cfg)
    if takes_nu:
        raise ValueError("a classifier that takes nu is fitted with likelihood='nugrid'")
    return _template_verdict(model.score, signal, background, references, cfg)

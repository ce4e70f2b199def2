"""Fit a pyhf workspace with heavy-tailed constraints on its scale nuisances.

pyhf constrains every normsys/histosys nuisance with a unit Gaussian. Scale pulls are
heavy-tailed (Ghosh et al., arXiv:2210.15167; ``scaleuq fit``), so here the log-likelihood is

    ln L(mu, theta) = ln L_pyhf(mu, theta) - sum_s ln N(a_s | alpha_s, 1) + sum_s ln C(alpha_s - a_s)

with ln L_pyhf pyhf's likelihood (main model + ``model.constraint_model.logpdf``), alpha_s the
scale nuisances, a_s their auxiliary data (0 unless the workspace says otherwise) and C the
chosen constraint (:mod:`scaleuq.analysis.constraints`), its scale taken from the pull fit of a
corpus. All other nuisances keep pyhf's own constraints. The Poisson terms are evaluated as
deviances (exact at any number of events, see :class:`_Likelihood`).

mu_hat: a joint MIGRAD fit, refined by Brent's method on the profile -ln L(mu) (nuisances
minimised at each mu). Each end of an interval is found by bracketing: steps growing by 2
outward from mu_hat until the profile exceeds the threshold, then Brent's root in the last
step, so an end can never collapse onto the best fit; an end the profile does not reach before
mu's bound is the bound, marked with the reason (``ends``); a minimisation that fails marks
the fit not valid, with the reason. Thresholds: Wilks' 1 (68.3%) and 3.84 (95.4%), or, for
the Student-t and Cauchy constraints with ``intervals="toys"``, the quantiles of the ratio in
seeded pseudo-experiments at the best fit (Wilks under-covers for heavy tails; the toys also
report what Wilks' thresholds would have covered). With more than :data:`TORCH_ABOVE` free
parameters the minimisations use L-BFGS-B with torch's exact gradient (pyhf's pytorch backend),
so the time does not grow quadratically with the number of nuisances as MIGRAD's numerical
derivatives do (``benchmarks/bench_workspace_fit.py``).

Scale nuisances are the modifiers named ``scale_*`` (what ``scaleuq export pyhf`` writes), or
those named explicitly.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.analysis.constraints import CONSTRAINTS, Constraint, check_constraints, fit_constraints
from scaleuq.analysis.export import ExportError, load_workspace, require_pyhf, validate_workspace
from scaleuq.choices import BANDS, INTERVAL_METHODS
from scaleuq.errors import OptionError, ScaleUQError

if TYPE_CHECKING:
    from scaleuq.analysis.recommend import CorpusCalibration

log = logging.getLogger(__name__)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


#: Delta(-2 ln L) of Wilks' theorem for 68.3% and 95.4% (one parameter).
WILKS = {"68": 1.0, "95": 3.841458820694124}
#: Coverage targets of the two intervals.
TARGETS = {"68": 0.682689492137086, "95": 0.9544997361036416}
#: Free parameters above which the gradient comes from torch (pyhf's pytorch backend).
TORCH_ABOVE = 8


@dataclass(frozen=True)
class ConstraintFit:
    """The fit of one workspace with one constraint on its scale nuisances.

    Attributes:
        constraint: the constraint used.
        poi: name of the parameter of interest.
        poi_hat: its best-fit value.
        poi_low_68, poi_high_68: interval where the profile -2 ln L(mu) (nuisances minimised at
            each mu) rises by ``threshold_68`` above its minimum; an end the profile does not
            reach before the parameter's bound is the bound itself, named in ``ends``.
        poi_low_95, poi_high_95: the same at ``threshold_95``.
        ends: for each end (``low_68``, ...) ``crossing`` or the reason it is not one
            (``bound: ...``, ``failed: ...``).
        method: ``wilks`` (thresholds 1 and 3.84) or ``toys`` (thresholds from pseudo-experiments).
        threshold_68, threshold_95: the Delta(-2 ln L) thresholds used.
        n_toys: pseudo-experiments behind the thresholds (0 for Wilks).
        toy_failures: of those, how many did not converge (left out of the quantiles; more
            than 5% makes the fit not valid).
        toy_wilks_coverage_68, toy_wilks_coverage_95: in those toys, the fraction with
            -2 ln L ratio below Wilks' 1 and 3.84 (what Wilks' intervals would cover); None
            without toys.
        nuisances_hat: best-fit value of each scale nuisance.
        nll: -ln L at the minimum (Poisson terms as deviance/2: zero for a perfect fit).
        valid: every minimisation behind the numbers converged and no end failed.
        reason: why the fit is not valid (None when valid).
    """

    constraint: Constraint
    poi: str
    poi_hat: float
    poi_low_68: float | None
    poi_high_68: float | None
    poi_low_95: float | None
    poi_high_95: float | None
    ends: dict[str, str]
    method: str
    threshold_68: float
    threshold_95: float
    n_toys: int
    toy_failures: int
    toy_wilks_coverage_68: float | None
    toy_wilks_coverage_95: float | None
    nuisances_hat: dict[str, float]
    nll: float
    valid: bool
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        out = dict(self.__dict__)
        out["constraint"] = self.constraint.to_dict()
        out["ends"] = dict(self.ends)
        return out


@dataclass(frozen=True)
class WorkspaceFit:
    """:func:`fit_workspace` on one workspace, one fit per constraint.

    Attributes:
        workspace: the file (or ``workspace``).
        measurement: the measurement used.
        scale_nuisances: the nuisances whose constraint was replaced.
        band: which band they are in units of (sets the constraint scales).
        band_from: where ``band`` comes from (the workspace's record, the option, a default).
        fits: one :class:`ConstraintFit` per constraint.
        source: where the constraint scales come from.
        seed: seed of the pseudo-experiments (and of the corpus bootstrap).
    """

    workspace: str
    measurement: str
    scale_nuisances: tuple[str, ...]
    band: str
    band_from: str
    fits: tuple[ConstraintFit, ...]
    source: str
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "workspace": self.workspace,
            "measurement": self.measurement,
            "scale_nuisances": list(self.scale_nuisances),
            "band": self.band,
            "band_from": self.band_from,
            "source": self.source,
            "seed": self.seed,
            "fits": [f.to_dict() for f in self.fits],
        }


def constraints_for_band(
    band: str,
    names: tuple[str, ...] = CONSTRAINTS,
    calibration: CorpusCalibration | None = None,
) -> dict[str, Constraint]:
    """Constraints whose scales fit the band the nuisances are in units of.

    ``raw``: pulls before the reference correction; ``reference``: after it; ``calibrated``:
    after it, scale divided by the upward s68 that ``export pyhf`` multiplied the band with.
    """
    from scaleuq.analysis.recommend import calibrate_corpus

    if band not in BANDS:
        raise OptionError(f"unknown band '{band}'; choose one of {', '.join(BANDS)}")
    stage = "before" if band == "raw" else "after"
    if calibration is None:
        calibration = calibrate_corpus(stage=stage)
    elif calibration.stage != stage:
        raise OptionError(
            f"the '{band}' band needs a corpus calibrated '{stage}' the reference correction, "
            f"got '{calibration.stage}'"
        )
    # the exported calibrated band carries the upward s68 of the calibration (export.choose_band)
    factor = calibration.up.factor_68 if band == "calibrated" else 1.0
    return fit_constraints(
        calibration.pulls,
        names,
        band_factor=factor,
        source=f"{calibration.pulls.size} pulls {stage} the correction, {', '.join(calibration.corpus)}",
    )


def check_numbers(spec: Mapping[str, Any], where: str) -> None:
    """Refuse numbers no likelihood can use, with one line naming the channel, sample and bin.

    Sample yields and histosys templates must be finite and non-negative, every bin needs a
    positive total nominal yield, normsys factors must be finite and positive (pyhf's
    exponential interpolation takes their logarithm), observations finite, non-negative and
    one per bin of their channel.
    """

    def finite_list(value: Any, what: str, *, positive: bool = False) -> list[float]:
        if not isinstance(value, list) or not value:
            raise ExportError(f"{where}: {what} is not a list of numbers")
        out = []
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ExportError(f"{where}: {what}, bin {i}: {v!r} is not a finite number")
            if v < 0 or (positive and v == 0):
                need = "positive" if positive else "non-negative"
                raise ExportError(f"{where}: {what}, bin {i}: {v!r} must be {need}")
            out.append(float(v))
        return out

    bins: dict[str, int] = {}
    for channel in spec.get("channels", []):
        cname = channel.get("name")
        total: np.ndarray | None = None
        for sample in channel.get("samples", []):
            what = f"channel '{cname}', sample '{sample.get('name')}'"
            data = np.array(finite_list(sample.get("data"), f"{what} yields"))
            if total is not None and data.size != total.size:
                raise ExportError(f"{where}: {what} has {data.size} bins, the channel {total.size}")
            total = data if total is None else total + data
            for mod in sample.get("modifiers", []):
                mwhat = f"{what}, modifier '{mod.get('name')}'"
                d = mod.get("data")
                if mod.get("type") == "normsys" and isinstance(d, dict):
                    for key in ("hi", "lo"):
                        v = d.get(key)
                        if (
                            isinstance(v, bool)
                            or not isinstance(v, int | float)
                            or not (math.isfinite(v) and v > 0)
                        ):
                            raise ExportError(
                                f"{where}: {mwhat}: normsys {key} = {v!r}; it must be a finite "
                                "positive factor (the interpolation takes its logarithm)"
                            )
                elif mod.get("type") == "histosys" and isinstance(d, dict):
                    for key in ("hi_data", "lo_data"):
                        finite_list(d.get(key), f"{mwhat} {key}")
        if total is not None:
            bad = np.flatnonzero(total <= 0)
            if bad.size:
                raise ExportError(
                    f"{where}: channel '{cname}', bin {int(bad[0])}: the samples predict no "
                    "events (total nominal yield 0); every bin needs a positive prediction"
                )
            bins[str(cname)] = int(total.size)
    for obs in spec.get("observations", []):
        oname = str(obs.get("name"))
        data = finite_list(obs.get("data"), f"observation '{oname}'")
        if oname in bins and len(data) != bins[oname]:
            raise ExportError(
                f"{where}: observation '{oname}' has {len(data)} values, its channel "
                f"{bins[oname]} bins"
            )


class _Likelihood:
    """-ln L(pars) of a pyhf model with replaced constraints on the scale nuisances.

    The Poisson terms are written as deviance/2, n (x - ln(1 + x)) with x = (lambda - n)/n
    (lambda for n = 0), which differs from -ln Poisson(n | lambda) by a constant in the
    parameters and keeps full precision at any number of events (the plain form loses the
    differences of order 1 that the interval needs once n exceeds ~1e13, where n ln lambda and
    lambda cancel). With ``torch`` (pyhf's pytorch backend active) the gradient is exact.
    """

    def __init__(
        self,
        model: Any,
        data: np.ndarray,
        scale_idx: list[int],
        aux_idx: list[int],
        constraint: Constraint,
        torch: Any = None,
    ) -> None:
        self.model = model
        self.torch = torch
        self.scale_idx = np.asarray(scale_idx, dtype=int)
        self.aux_idx = np.asarray(aux_idx, dtype=int)
        self.constraint = constraint
        self.set_data(data)

    def set_data(self, data: np.ndarray) -> None:
        """Use other (pseudo-)data."""
        n_main = self.model.config.nmaindata
        self.data = np.asarray(data, dtype=float)
        main = self.data[:n_main]
        aux = self.data[n_main:]
        aux_s = aux[self.aux_idx] if self.aux_idx.size else np.zeros(0)
        if self.torch is not None:
            t = self.torch
            self.main = t.tensor(main, dtype=t.float64)
            self.aux = t.tensor(aux, dtype=t.float64)
            self.aux_s = t.tensor(aux_s, dtype=t.float64)
            self.idx = t.tensor(self.scale_idx, dtype=t.long)
        else:
            self.main, self.aux, self.aux_s, self.idx = main, aux, aux_s, self.scale_idx

    def _value(self, p: Any) -> Any:
        xp = self.torch if self.torch is not None else np
        lam = self.model.expected_actualdata(p)
        n = self.main
        safe = xp.where(n > 0, n, xp.ones_like(n))
        x = (lam - n) / safe
        poisson = xp.where(n > 0, n * (x - xp.log1p(x)), lam)
        cons = self.model.constraint_model.logpdf(self.aux, p)
        alpha = p[self.idx]
        gauss = -0.5 * (self.aux_s - alpha) ** 2 - _LOG_SQRT_2PI
        custom = self.constraint.logpdf(alpha - self.aux_s, xp)
        return poisson.sum() - cons.reshape(()) + gauss.sum() - custom.sum()

    def __call__(self, pars: np.ndarray) -> float:
        if self.torch is not None:
            with self.torch.no_grad():
                value = float(self._value(self.torch.tensor(np.asarray(pars, float))))
        else:
            with np.errstate(all="ignore"):
                value = float(self._value(np.asarray(pars, dtype=float)))
        return value if math.isfinite(value) else 1e300

    def gradient(self, pars: np.ndarray) -> np.ndarray:
        """Exact gradient (torch)."""
        t = self.torch
        p = t.tensor(np.asarray(pars, float), requires_grad=True)
        value = self._value(p)
        (g,) = t.autograd.grad(value, p)
        out = g.numpy()
        return np.where(np.isfinite(out), out, 0.0)


def _scale_parameters(
    model: Any, names: tuple[str, ...] | None
) -> tuple[list[str], list[int], list[int]]:
    """Names, parameter indices and auxiliary-data indices of the scale nuisances."""
    cfg = model.config
    if names:
        unknown = [n for n in names if n not in cfg.par_map]
        if unknown:
            raise OptionError(
                f"no parameter {', '.join(unknown)} in the workspace; it has {', '.join(cfg.par_order)}"
            )
        chosen = list(names)
    else:
        chosen = [n for n in cfg.par_order if n.startswith("scale_")]
    if not chosen:
        raise OptionError(
            "the workspace has no scale nuisance (modifiers named 'scale_*'); name them with --nuisance"
        )
    # auxiliary data are ordered like the constrained parameters (pyhf: config.auxdata_order)
    aux_positions: list[int] = []
    offset = 0
    aux_of: dict[str, int] = {}
    for name in cfg.auxdata_order:
        aux_of[name] = offset
        offset += cfg.param_set(name).n_parameters
    par_idx: list[int] = []
    for n in chosen:
        ps = cfg.param_set(n)
        if getattr(ps, "pdf_type", None) != "normal" or ps.n_parameters != 1:
            raise OptionError(
                f"parameter '{n}' is not a single Gaussian-constrained nuisance (normsys/histosys); "
                "only those can take a scale constraint"
            )
        par_idx.append(cfg.par_slice(n).start)
        aux_positions.append(aux_of[n])
    return chosen, par_idx, aux_positions


class _Profile:
    """The profile -ln L(mu) = min over the nuisances at fixed mu (iminuit MIGRAD, warm starts).

    Profiling mu explicitly (instead of MINOS on a joint fit) keeps the fit stable when mu and
    a scale nuisance are degenerate (one bin: only their product is measured). Each profiled
    point starts from the nearest point already profiled; a point whose minimisation fails is
    retried from the best fit with MIGRAD's most careful strategy.
    """

    def __init__(self, model: Any, like: _Likelihood) -> None:
        from iminuit import Minuit

        cfg = model.config
        self.like = like
        self.ip = cfg.poi_index
        self.init = np.asarray(cfg.suggested_init(), dtype=float)
        bounds = [tuple(map(float, b)) for b in cfg.suggested_bounds()]
        for i in like.scale_idx:  # heavy tails need room beyond pyhf's +-5
            width = like.constraint.interval(0.9973)
            bounds[int(i)] = (-max(5.0, 3 * width), max(5.0, 3 * width))
        self.bounds = bounds
        self.fixed = [bool(f) for f in cfg.suggested_fixed()]
        grad = like.gradient if like.torch is not None else None
        names = [f"p{i}" for i in range(self.init.size)]
        self.minuit = Minuit(like, self.init.copy(), grad=grad, name=names)
        self.minuit.errordef = Minuit.LIKELIHOOD
        self.minuit.limits = bounds
        self.minuit.strategy = 1
        self.cache: dict[float, tuple[float, np.ndarray, bool]] = {}
        self.best: np.ndarray | None = None

    def _migrad(
        self, start: np.ndarray, fix_poi: bool, strategy: int
    ) -> tuple[float, np.ndarray, bool]:
        if self.like.torch is not None:
            return self._lbfgs(start, fix_poi)
        m = self.minuit
        m.values = start
        for i, f in enumerate(self.fixed):
            m.fixed[i] = f
        m.fixed[self.ip] = fix_poi
        m.strategy = strategy
        m.migrad()
        return float(m.fval), np.array(m.values), bool(m.valid)

    def _lbfgs(self, start: np.ndarray, fix_poi: bool) -> tuple[float, np.ndarray, bool]:
        """Many nuisances: L-BFGS-B with the exact (torch) gradient, whose cost per step does
        not grow with the number of parameters the way MIGRAD's numerical one does."""
        from scipy.optimize import minimize

        free = np.array([not f for f in self.fixed])
        free[self.ip] = not fix_poi
        x = start.astype(float).copy()

        def fun(y: np.ndarray) -> tuple[float, np.ndarray]:
            x[free] = y
            return self.like(x), self.like.gradient(x)[free]

        bounds = [b for b, f in zip(self.bounds, free, strict=True) if f]
        res = minimize(fun, x[free], jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"ftol": 1e-14, "gtol": 1e-7, "maxiter": 20000, "maxfun": 40000})  # fmt: skip
        x[free] = res.x
        ok = bool(res.success) or "REL_REDUCTION_OF_F" in str(res.message)
        return float(res.fun), x.copy(), ok and math.isfinite(float(res.fun))

    def global_fit(self) -> tuple[float, np.ndarray, bool]:
        """Joint minimum over mu and the nuisances, from pyhf's suggested start."""
        fval, values, valid = self._migrad(self.init.copy(), False, 1)
        if not valid:
            fval2, values2, valid2 = self._migrad(values, False, 2)
            if fval2 <= fval:
                fval, values, valid = fval2, values2, valid2
        self.best = values
        return fval, values, valid

    def _at_bound(self, values: np.ndarray) -> bool:
        return any(
            min(abs(values[i] - self.bounds[i][0]), abs(values[i] - self.bounds[i][1])) < 1e-6
            for i in self.like.scale_idx
        )

    def __call__(self, mu: float) -> float:
        mu = float(mu)
        if mu not in self.cache:
            # starts: the nearest profiled point whose nuisances are off their bounds (a start
            # pinned at a bound converges badly), and the best fit; the lower minimum is kept
            usable = [x for x, c in self.cache.items() if not self._at_bound(c[1])]
            starts = []
            if usable:
                starts.append(self.cache[min(usable, key=lambda x: abs(x - mu))][1].copy())
            if self.best is not None:
                starts.append(self.best.copy())
            if not starts:
                starts.append(self.init.copy())
            if self.like.torch is not None:
                starts = starts[:1]  # many nuisances: one start (the cost grows with each)
            result: tuple[float, np.ndarray, bool] | None = None
            for start in starts:
                start[self.ip] = mu
                found = self._migrad(start, True, 1)
                if not found[2]:
                    retry = self._migrad(found[1], True, 2)
                    if retry[2] or retry[0] < found[0]:
                        found = retry
                if result is None or (found[2], -found[0]) > (result[2], -result[0]):
                    result = found
            self.cache[mu] = result  # type: ignore[assignment]
        return self.cache[mu][0]

    def valid_at(self, mu: float) -> bool:
        """Whether the minimisation at ``mu`` converged."""
        return self.cache[float(mu)][2]


def _best_fit(profile: _Profile) -> tuple[float, float, list[str]]:
    """mu_hat and min -ln L: the joint fit, refined by Brent's method on the profile."""
    from scipy.optimize import minimize_scalar

    problems: list[str] = []
    low, high = profile.bounds[profile.ip]
    _fval, values, valid = profile.global_fit()
    if not valid:
        problems.append("the joint fit of mu and the nuisances did not converge")
    mu0 = float(values[profile.ip])
    f0 = profile(mu0)
    width = max(1e-3 * max(1.0, abs(mu0)), 1e-6)
    # bracket the minimum of the profile by expanding steps on both sides
    a, b = mu0, mu0
    for side in (-1, 1):
        step = width
        edge = mu0
        while True:
            x = min(max(mu0 + side * step, low), high)
            if profile(x) > f0 or x in (low, high):
                edge = x
                break
            step *= 4
        if side < 0:
            a = edge
        else:
            b = edge
    if b > a:
        res = minimize_scalar(profile, bounds=(a, b), method="bounded",
                              options={"xatol": 1e-9 * max(1.0, abs(mu0))})  # fmt: skip
        candidates = [(profile(x), x) for x in (mu0, float(res.x), a, b)]
    else:
        candidates = [(f0, mu0)]
    nll_min, mu_hat = min(candidates)
    if not profile.valid_at(mu_hat):
        problems.append(f"the profile minimisation at mu_hat = {mu_hat:.6g} did not converge")
    return mu_hat, nll_min, problems


def _end(
    profile: _Profile, mu_hat: float, nll_min: float, level: float, side: int, tag: str
) -> tuple[float | None, str]:
    """One end of the interval: expanding steps outward from mu_hat until the profile rises
    above ``nll_min + level`` (bracketing), then Brent's root; or the bound, with the reason."""
    from scipy.optimize import brentq

    low, high = profile.bounds[profile.ip]
    bound = low if side < 0 else high
    name = "lower" if side < 0 else "upper"
    target = nll_min + level
    if abs(mu_hat - bound) <= 1e-12 * max(1.0, abs(bound)):
        return float(bound), (
            f"bound: the best fit sits on the {name} bound of mu ({bound:g}); "
            "the interval is cut there"
        )
    step = max(1e-3 * max(1.0, abs(mu_hat)), 1e-6)
    inside = mu_hat
    while True:
        x = mu_hat + side * step
        x = max(x, low) if side < 0 else min(x, high)
        value = profile(x)
        if not profile.valid_at(x):
            return None, f"failed: the profile minimisation at mu = {x:.6g} did not converge"
        if value >= target:
            break
        if x == bound:
            return float(bound), (
                f"bound: the profile -2 ln L stays below {2 * level:.3g} up to the {name} "
                f"bound of mu ({bound:g}); the interval is cut there"
            )
        inside = x
        step *= 2
    a, b = sorted((inside, x))
    root = brentq(
        lambda v: profile(v) - target, a, b, xtol=1e-10 * max(1.0, abs(mu_hat)), rtol=4e-15
    )
    if not profile.valid_at(root):
        return float(root), f"failed: the profile minimisation at mu = {root:.6g} did not converge"
    return float(root), "crossing"


def _toy_thresholds(
    profile: _Profile, like: _Likelihood, mu_hat: float, n_toys: int, seed: int
) -> tuple[dict[str, float], dict[str, float], list[str], int]:
    """Delta(-2 ln L) thresholds from pseudo-experiments at the best fit.

    Toys: main data ~ Poisson(lambda(mu_hat, theta_hat)); the auxiliary datum of each scale
    nuisance ~ alpha_hat + a draw of the constraint; the other auxiliary data stay at their
    observed values (conditional on them). For each toy q = -2 ln [L(mu_hat)/L(mu_hat_toy)];
    the thresholds are its 68.3% and 95.4% quantiles (the distribution of q is taken as the
    same at every mu near mu_hat, the usual toy-calibrated-threshold approximation of a Neyman
    construction).
    """
    from iminuit import Minuit

    model = like.model
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    best = profile.cache[float(mu_hat)][1]
    lam = np.asarray(
        model.expected_actualdata(like.torch.tensor(best) if like.torch is not None else best),
        dtype=float,
    )
    alpha_hat = best[like.scale_idx]
    observed = like.data.copy()
    n_main = model.config.nmaindata
    grad = like.gradient if like.torch is not None else None
    m = Minuit(like, best.copy(), grad=grad, name=[f"p{i}" for i in range(best.size)])
    m.errordef = Minuit.LIKELIHOOD
    m.limits = profile.bounds
    low = np.array([b[0] for b in profile.bounds])
    high = np.array([b[1] for b in profile.bounds])

    def minimise(starts: list[np.ndarray], fix_poi: bool) -> tuple[float, np.ndarray, bool]:
        """The lowest minimum over the starts (a heavy-tailed constraint with a far auxiliary
        datum has two valleys: near the datum and where the main data pull); a start that
        does not converge is retried with MIGRAD's careful strategy."""
        found: list[tuple[bool, float, np.ndarray]] = []
        for start in starts:
            for strategy in (1, 2):
                m.values = np.clip(start, low, high)
                for i, f in enumerate(profile.fixed):
                    m.fixed[i] = f
                m.fixed[profile.ip] = fix_poi
                m.strategy = strategy
                m.migrad()
                found.append((bool(m.valid), float(m.fval), np.array(m.values)))
                if m.valid:
                    break
        ok = [f for f in found if f[0]] or found
        valid, fval, values = min(ok, key=lambda f: f[1])
        return fval, values, valid

    q = np.full(n_toys, np.nan)
    failed = 0
    for k in range(n_toys):
        toy = observed.copy()
        toy[:n_main] = rng.poisson(lam)
        near_aux = best.copy()
        if like.aux_idx.size:
            aux = alpha_hat + like.constraint.sample(rng, alpha_hat.size)
            toy[n_main + like.aux_idx] = aux
            near_aux[like.scale_idx] = aux
        like.set_data(toy)
        free, values, free_ok = minimise([best.copy(), near_aux], False)
        at_mu = [values.copy(), near_aux.copy(), best.copy()]
        for v in at_mu:
            v[profile.ip] = mu_hat
        fixed, _, fixed_ok = minimise(at_mu, True)
        if free_ok and fixed_ok:
            q[k] = max(2 * (fixed - free), 0.0)
        else:
            failed += 1
    like.set_data(observed)
    good = q[np.isfinite(q)]
    if good.size < 20:
        raise ScaleUQError(
            f"only {good.size} of {n_toys} pseudo-experiments converged for the "
            f"{like.constraint.name} constraint: no toy thresholds (use --intervals wilks)"
        )
    thresholds = {tag: float(np.quantile(good, TARGETS[tag])) for tag in TARGETS}
    wilks = {tag: float(np.mean(good <= WILKS[tag])) for tag in TARGETS}
    notes = []
    if failed > 0.05 * n_toys:
        notes.append(f"{failed} of {n_toys} toy fits did not converge (left out of the quantiles)")
    return thresholds, wilks, notes, failed


def _fit_one(
    model: Any,
    like: _Likelihood,
    poi: str,
    method: str = "wilks",
    n_toys: int = 0,
    seed: int = 0,
) -> ConstraintFit:
    profile = _Profile(model, like)
    mu_hat, nll_min, problems = _best_fit(profile)
    thresholds = dict(WILKS)
    wilks_cov: dict[str, float | None] = {"68": None, "95": None}
    failures = 0
    if method == "toys" and like.constraint.name in ("student-t", "cauchy"):
        found, cov, notes, failures = _toy_thresholds(profile, like, mu_hat, n_toys, seed)
        thresholds, wilks_cov = found, dict(cov)
        problems += notes
        used = "toys"
    else:
        used = "wilks"
    limits: dict[str, float | None] = {}
    ends: dict[str, str] = {}
    for tag in ("68", "95"):
        for side, key in ((-1, f"low_{tag}"), (1, f"high_{tag}")):
            limits[key], ends[key] = _end(
                profile, mu_hat, nll_min, 0.5 * thresholds[tag], side, tag
            )
    # a lower value found while scanning means mu_hat was not the minimum
    lowest = min(profile.cache.items(), key=lambda kv: kv[1][0])
    if lowest[1][0] < nll_min - 1e-6:
        problems.append(
            f"the profile is lower at mu = {lowest[0]:.6g} than at mu_hat = {mu_hat:.6g} "
            f"(by {nll_min - lowest[1][0]:.3g} in -ln L): several minima"
        )
    failed = [f"{k}: {v}" for k, v in ends.items() if v.startswith("failed")]
    reasons = problems + failed
    _, values_hat, _ = profile.cache[mu_hat]
    cfg = model.config
    nuis = {_name_of(cfg, int(i)): float(values_hat[int(i)]) for i in like.scale_idx}
    return ConstraintFit(
        constraint=like.constraint,
        poi=poi,
        poi_hat=mu_hat,
        poi_low_68=limits["low_68"],
        poi_high_68=limits["high_68"],
        poi_low_95=limits["low_95"],
        poi_high_95=limits["high_95"],
        ends=ends,
        method=used,
        threshold_68=thresholds["68"],
        threshold_95=thresholds["95"],
        n_toys=n_toys if used == "toys" else 0,
        toy_failures=failures,
        toy_wilks_coverage_68=wilks_cov["68"],
        toy_wilks_coverage_95=wilks_cov["95"],
        nuisances_hat=nuis,
        nll=nll_min,
        valid=not reasons,
        reason="; ".join(reasons) or None,
    )


def _name_of(cfg: Any, index: int) -> str:
    for name in cfg.par_order:
        sl = cfg.par_slice(name)
        if sl.start <= index < sl.stop:
            return name if sl.stop - sl.start == 1 else f"{name}[{index - sl.start}]"
    return f"p{index}"


#: How ``scaleuq export pyhf`` records the band in the measurement name (pyhf's workspace
#: schema 1.0.0 has no free metadata field).
BAND_RECORD = re.compile(r"\bband=(raw|reference|calibrated)\b")


def recorded_band(measurement: str) -> str | None:
    """The band a workspace's measurement name records (``band=NAME``), or None."""
    match = BAND_RECORD.search(measurement)
    return match.group(1) if match else None


@contextmanager
def _backend(use_torch: bool) -> Iterator[Any]:
    """pyhf's pytorch backend (64 bit) while fitting, restored after; None without torch."""
    if not use_torch:
        yield None
        return
    try:
        import torch
    except ImportError:
        yield None
        return
    pyhf = require_pyhf()
    previous = pyhf.get_backend()
    pyhf.set_backend("pytorch", precision="64b")
    try:
        yield torch
    finally:
        pyhf.set_backend(*previous)


def fit_workspace(
    workspace: Mapping[str, object] | str | Path,
    *,
    constraints: tuple[str, ...] = CONSTRAINTS,
    band: str | None = None,
    nuisances: tuple[str, ...] | None = None,
    measurement: str | None = None,
    calibration: CorpusCalibration | None = None,
    constraint_objects: dict[str, Constraint] | None = None,
    corpus: tuple[str, ...] | list[str] = (),
    intervals: str = "wilks",
    n_toys: int = 300,
    seed: int = 0,
) -> WorkspaceFit:
    """mu_hat and its profile-likelihood interval for each constraint on the scale nuisances.

    Args:
        workspace: a pyhf workspace (dict) or its JSON file.
        constraints: which constraints (:data:`scaleuq.analysis.constraints.CONSTRAINTS`).
        band: the band the scale nuisances are in units of (``raw``, ``reference``,
            ``calibrated``): it selects the pulls and factor the constraint scales come from.
            Default: the band the workspace records (``scaleuq export pyhf`` writes
            ``band=NAME`` in the measurement name), else ``reference``. A band that differs
            from the recorded one is an error.
        nuisances: the scale nuisances; default every parameter named ``scale_*``.
        measurement: the workspace's measurement; default its first.
        calibration: corpus calibration for the constraint scales; default the bundled data.
        constraint_objects: ready constraints (skips the fit of the corpus), by name.
        corpus: corpus table files for the constraint scales (when ``calibration`` is None);
            default the bundled data.
        intervals: ``wilks`` (Delta(-2 ln L) = 1 and 3.84) or ``toys``: for the Student-t and
            Cauchy constraints, thresholds from ``n_toys`` pseudo-experiments at the best fit
            (Gaussian constraints keep Wilks', exact for them in the Gaussian limit).
        n_toys: pseudo-experiments per heavy-tailed constraint with ``intervals="toys"``.
        seed: seed of the pseudo-experiments and of the corpus calibration's bootstrap.
    """
    from scaleuq.stats.fitting import check_seed

    seed = check_seed(seed)
    if intervals not in INTERVAL_METHODS:
        raise OptionError(
            f"unknown interval method '{intervals}'; choose {', '.join(INTERVAL_METHODS)}"
        )
    if intervals == "toys" and not (isinstance(n_toys, int) and n_toys >= 20):
        raise OptionError(f"toy thresholds need at least 20 pseudo-experiments, got {n_toys}")
    if band is not None and band not in BANDS:
        raise OptionError(f"unknown band '{band}'; choose one of {', '.join(BANDS)}")
    require_pyhf()
    where = str(workspace) if isinstance(workspace, str | Path) else "workspace"
    spec = load_workspace(workspace) if isinstance(workspace, str | Path) else dict(workspace)
    ws = validate_workspace(spec, where)
    check_numbers(spec, where)
    names = check_constraints(tuple(constraints))
    meas = measurement or ws.measurement_names[0]
    if meas not in ws.measurement_names:
        raise OptionError(
            f"{where}: no measurement '{meas}'; it has {', '.join(ws.measurement_names)}"
        )
    recorded = recorded_band(meas)
    if band is not None and recorded is not None and band != recorded:
        raise OptionError(
            f"{where}: the workspace was exported with the {recorded} band (measurement "
            f"'{meas.split(';')[0]}'), not --band {band}; drop --band or export again"
        )
    if band is not None:
        band_from = "given (--band)" + (", as the workspace records" if recorded else "")
    elif recorded is not None:
        band, band_from = recorded, "recorded in the workspace's measurement name"
    else:
        band, band_from = "reference", "default (the workspace records no band; give --band)"
    try:
        probe = ws.model(measurement_name=meas)
    except Exception as exc:
        raise ExportError(f"{where}: cannot build the model: {str(exc).splitlines()[0]}") from None
    poi = probe.config.poi_name
    if poi is None:
        raise ExportError(f"{where}: the measurement '{meas}' has no parameter of interest")
    scale_names, scale_idx, aux_idx = _scale_parameters(probe, nuisances)
    if constraint_objects is None:
        if calibration is None and corpus:
            from scaleuq.analysis.recommend import calibration_from_files

            stage = "before" if band == "raw" else "after"
            calibration = calibration_from_files(corpus, stage=stage, seed=seed)
        constraint_objects = constraints_for_band(band, names, calibration)
    missing = [n for n in names if n not in constraint_objects]
    if missing:
        raise OptionError(f"no constraint object for {', '.join(missing)}")
    from iminuit._core import MnPrint

    n_free = sum(not f for f in probe.config.suggested_fixed())
    # Minuit prints "Initial matrix not pos.def." on stderr when a profiled point starts at a
    # bound; the profile copes with it, so it is silenced during the fits and restored after
    previous = MnPrint.global_level
    MnPrint.global_level = -1
    try:
        with _backend(n_free > TORCH_ABOVE) as torch:
            model = ws.model(measurement_name=meas)
            data = np.asarray(ws.data(model), dtype=float)
            fits = tuple(
                _fit_one(
                    model,
                    _Likelihood(model, data, scale_idx, aux_idx, constraint_objects[n], torch),
                    poi,
                    intervals,
                    n_toys,
                    seed,
                )
                for n in names
            )
    finally:
        MnPrint.global_level = previous
    source = "; ".join(f"{n}: {constraint_objects[n].source}" for n in names)
    return WorkspaceFit(where, meas, tuple(scale_names), band, band_from, fits, source, seed)

"""Fit a pyhf workspace with heavy-tailed constraints on its scale nuisances.

pyhf constrains every normsys/histosys nuisance with a unit Gaussian. Scale pulls are
heavy-tailed (Ghosh et al., arXiv:2210.15167; ``scaleuq fit``), so here the log-likelihood is

    ln L(mu, theta) = ln L_pyhf(mu, theta) - sum_s ln N(a_s | alpha_s, 1) + sum_s ln C(alpha_s - a_s)

with ln L_pyhf = ``model.main_model.logpdf`` + ``model.constraint_model.logpdf`` (pyhf's full
likelihood), alpha_s the scale nuisances, a_s their auxiliary data (0 unless the workspace says
otherwise) and C the chosen constraint (:mod:`scaleuq.analysis.constraints`), its scale taken
from the pull fit of a corpus. All other nuisances keep pyhf's own constraints. The negative
log-likelihood is minimised with iminuit (MIGRAD); the interval on the parameter of interest is
the profile-likelihood interval where the profile -2 ln L(mu) (nuisances minimised at each mu)
rises by 1 (68.3%) and 3.84 (95%) above its minimum.
Wilks' asymptotics are an approximation for non-Gaussian constraints; the toy check
(:mod:`scaleuq.analysis.toys`) measures the actual coverage.

Scale nuisances are the modifiers named ``scale_*`` (what ``scaleuq export pyhf`` writes), or
those named explicitly.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.analysis.constraints import CONSTRAINTS, Constraint, check_constraints, fit_constraints
from scaleuq.analysis.export import ExportError, load_workspace, require_pyhf, validate_workspace
from scaleuq.errors import OptionError

if TYPE_CHECKING:
    from scaleuq.analysis.recommend import CorpusCalibration

log = logging.getLogger(__name__)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
#: Which band the workspace's scale nuisances are in units of (sets the constraint scale).
WORKSPACE_BANDS = ("raw", "reference", "calibrated")


@dataclass(frozen=True)
class ConstraintFit:
    """The fit of one workspace with one constraint on its scale nuisances.

    Attributes:
        constraint: the constraint used.
        poi: name of the parameter of interest.
        poi_hat: its best-fit value.
        poi_low_68, poi_high_68: profile-likelihood interval, Delta(-2 ln L) = 1 (None where the
            profile stays below the level up to the parameter's bound).
        poi_low_95, poi_high_95: the same at Delta(-2 ln L) = 3.84.
        nuisances_hat: best-fit value of each scale nuisance.
        nll: -ln L at the minimum.
        valid: iminuit's verdict on the minimum.
    """

    constraint: Constraint
    poi: str
    poi_hat: float
    poi_low_68: float | None
    poi_high_68: float | None
    poi_low_95: float | None
    poi_high_95: float | None
    nuisances_hat: dict[str, float]
    nll: float
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        out = dict(self.__dict__)
        out["constraint"] = self.constraint.to_dict()
        return out


@dataclass(frozen=True)
class WorkspaceFit:
    """:func:`fit_workspace` on one workspace, one fit per constraint.

    Attributes:
        workspace: the file (or ``workspace``).
        measurement: the measurement used.
        scale_nuisances: the nuisances whose constraint was replaced.
        band: which band they are in units of (sets the constraint scales).
        fits: one :class:`ConstraintFit` per constraint.
        source: where the constraint scales come from.
    """

    workspace: str
    measurement: str
    scale_nuisances: tuple[str, ...]
    band: str
    fits: tuple[ConstraintFit, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "workspace": self.workspace,
            "measurement": self.measurement,
            "scale_nuisances": list(self.scale_nuisances),
            "band": self.band,
            "source": self.source,
            "fits": [f.to_dict() for f in self.fits],
        }


def constraints_for_band(
    band: str,
    names: tuple[str, ...] = CONSTRAINTS,
    calibration: CorpusCalibration | None = None,
) -> dict[str, Constraint]:
    """Constraints whose scales fit the band the nuisances are in units of.

    ``raw``: pulls before the reference correction; ``reference``: after it; ``calibrated``:
    after it, scale divided by s68 (the band already carries that factor).
    """
    from scaleuq.analysis.recommend import calibrate_corpus

    if band not in WORKSPACE_BANDS:
        raise OptionError(f"unknown band '{band}'; choose one of {', '.join(WORKSPACE_BANDS)}")
    stage = "before" if band == "raw" else "after"
    if calibration is None:
        calibration = calibrate_corpus(stage=stage)
    elif calibration.stage != stage:
        raise OptionError(
            f"the '{band}' band needs a corpus calibrated '{stage}' the reference correction, "
            f"got '{calibration.stage}'"
        )
    factor = calibration.factor_68.factor if band == "calibrated" else 1.0
    return fit_constraints(
        calibration.pulls,
        names,
        band_factor=factor,
        source=f"{calibration.pulls.size} pulls {stage} the correction, {', '.join(calibration.corpus)}",
    )


class _Likelihood:
    """-ln L(pars) of a pyhf model with replaced constraints on the scale nuisances."""

    def __init__(
        self,
        model: Any,
        data: np.ndarray,
        scale_idx: list[int],
        aux_idx: list[int],
        constraint: Constraint,
    ) -> None:
        self.model = model
        self.data = data
        self.main = data[: model.config.nmaindata]
        self.aux = data[model.config.nmaindata :]
        self.scale_idx = np.asarray(scale_idx, dtype=int)
        self.aux_vals = self.aux[np.asarray(aux_idx, dtype=int)] if aux_idx else np.zeros(0)
        self.constraint = constraint

    def __call__(self, pars: np.ndarray) -> float:
        pars = np.asarray(pars, dtype=float)
        value = float(np.sum(self.model.logpdf(pars, self.data)))
        alpha = pars[self.scale_idx]
        gauss = -0.5 * (self.aux_vals - alpha) ** 2 - _LOG_SQRT_2PI
        value += float(np.sum(self.constraint.logpdf(alpha - self.aux_vals)) - np.sum(gauss))
        return -value if math.isfinite(value) else 1e300


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
    a scale nuisance are degenerate (one bin: only their product is measured) and the counts
    are large, where a joint quasi-Newton fit stalls in the narrow valley.
    """

    def __init__(self, model: Any, like: _Likelihood) -> None:
        from iminuit import Minuit

        cfg = model.config
        self.ip = cfg.poi_index
        self.init = np.asarray(cfg.suggested_init(), dtype=float)
        bounds = list(cfg.suggested_bounds())
        for i in like.scale_idx:  # heavy tails need room beyond pyhf's +-5
            width = like.constraint.interval(0.9973)
            bounds[int(i)] = (-max(5.0, 3 * width), max(5.0, 3 * width))
        self.bounds = bounds
        self.minuit = Minuit(like, self.init.copy(), name=[f"p{i}" for i in range(self.init.size)])
        self.minuit.errordef = Minuit.LIKELIHOOD
        self.minuit.limits = bounds
        self.minuit.strategy = 1
        for i, f in enumerate(cfg.suggested_fixed()):
            self.minuit.fixed[i] = bool(f)
        self.minuit.fixed[self.ip] = True
        self.cache: dict[float, tuple[float, np.ndarray, bool]] = {}

    def __call__(self, mu: float) -> float:
        mu = float(mu)
        if mu not in self.cache:
            m = self.minuit
            if self.cache:  # warm start from the nearest profiled point
                nearest = min(self.cache, key=lambda x: abs(x - mu))
                m.values = self.cache[nearest][1]
            m.values[self.ip] = mu
            m.migrad()
            self.cache[mu] = (float(m.fval), np.array(m.values), bool(m.valid))
        return self.cache[mu][0]


def _crossing(profile: _Profile, a: float, b: float, level: float) -> float:
    from scipy.optimize import brentq

    return float(brentq(lambda x: profile(x) - level, a, b, xtol=1e-6, rtol=1e-8))


def _fit_one(model: Any, like: _Likelihood, poi: str) -> ConstraintFit:
    from scipy.optimize import minimize_scalar

    profile = _Profile(model, like)
    low, high = profile.bounds[profile.ip]
    grid = np.unique(np.concatenate([np.linspace(low, high, 25), [profile.init[profile.ip]]]))
    values = np.array([profile(x) for x in grid])
    k = int(np.argmin(values))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(profile, bounds=(a, b), method="bounded", options={"xatol": 1e-7})
    mu_hat = float(res.x) if res.fun <= values[k] else float(grid[k])
    nll_min = profile(mu_hat)
    limits: dict[str, float | None] = {}
    for cl, tag in ((1.0, "68"), (3.841458820694124, "95")):
        level = nll_min + 0.5 * cl
        left = grid[grid < mu_hat]
        right = grid[grid > mu_hat]
        lo = next((x for x in left[::-1] if profile(x) > level), None)
        hi = next((x for x in right if profile(x) > level), None)
        limits[f"low_{tag}"] = None if lo is None else _crossing(profile, lo, mu_hat, level)
        limits[f"high_{tag}"] = None if hi is None else _crossing(profile, mu_hat, hi, level)
        if lo is None and mu_hat - low < 1e-9 * max(1.0, abs(low)):
            limits[f"low_{tag}"] = float(low)  # the best fit sits on the lower bound
    _, values_hat, valid = profile.cache[mu_hat]
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
        nuisances_hat=nuis,
        nll=nll_min,
        valid=valid,
    )


def _name_of(cfg: Any, index: int) -> str:
    for name in cfg.par_order:
        sl = cfg.par_slice(name)
        if sl.start <= index < sl.stop:
            return name if sl.stop - sl.start == 1 else f"{name}[{index - sl.start}]"
    return f"p{index}"


def fit_workspace(
    workspace: Mapping[str, object] | str | Path,
    *,
    constraints: tuple[str, ...] = CONSTRAINTS,
    band: str = "reference",
    nuisances: tuple[str, ...] | None = None,
    measurement: str | None = None,
    calibration: CorpusCalibration | None = None,
    constraint_objects: dict[str, Constraint] | None = None,
    corpus: tuple[str, ...] | list[str] = (),
    seed: int = 0,
) -> WorkspaceFit:
    """mu_hat and its profile-likelihood interval for each constraint on the scale nuisances.

    Args:
        workspace: a pyhf workspace (dict) or its JSON file.
        constraints: which constraints (:data:`scaleuq.analysis.constraints.CONSTRAINTS`).
        band: the band the scale nuisances are in units of (``raw``, ``reference``,
            ``calibrated``): it selects the pulls and factor the constraint scales come from.
        nuisances: the scale nuisances; default every parameter named ``scale_*``.
        measurement: the workspace's measurement; default its first.
        calibration: corpus calibration for the constraint scales; default the bundled data.
        constraint_objects: ready constraints (skips the fit of the corpus), by name.
        corpus: corpus table files for the constraint scales (when ``calibration`` is None);
            default the bundled data.
        seed: seed of the corpus calibration's bootstrap.
    """
    require_pyhf()
    where = str(workspace) if isinstance(workspace, str | Path) else "workspace"
    spec = load_workspace(workspace) if isinstance(workspace, str | Path) else dict(workspace)
    ws = validate_workspace(spec, where)
    names = check_constraints(tuple(constraints))
    try:
        model = ws.model(measurement_name=measurement) if measurement else ws.model()
    except Exception as exc:
        raise ExportError(f"{where}: cannot build the model: {str(exc).splitlines()[0]}") from None
    meas = measurement or ws.measurement_names[0]
    data = np.asarray(ws.data(model), dtype=float)
    scale_names, scale_idx, aux_idx = _scale_parameters(model, nuisances)
    if constraint_objects is None:
        if calibration is None and corpus:
            from scaleuq.analysis.recommend import calibration_from_files

            stage = "before" if band == "raw" else "after"
            calibration = calibration_from_files(corpus, stage=stage, seed=seed)
        constraint_objects = constraints_for_band(band, names, calibration)
    missing = [n for n in names if n not in constraint_objects]
    if missing:
        raise OptionError(f"no constraint object for {', '.join(missing)}")
    poi = model.config.poi_name
    if poi is None:
        raise ExportError(f"{where}: the measurement '{meas}' has no parameter of interest")
    from iminuit._core import MnPrint

    # Minuit prints "Initial matrix not pos.def." on stderr when a profiled point starts at a
    # bound; the profile copes with it, so it is silenced during the fits and restored after
    previous = MnPrint.global_level
    MnPrint.global_level = -1
    try:
        fits = tuple(
            _fit_one(
                model, _Likelihood(model, data, scale_idx, aux_idx, constraint_objects[n]), poi
            )
            for n in names
        )
    finally:
        MnPrint.global_level = previous
    source = "; ".join(f"{n}: {constraint_objects[n].source}" for n in names)
    return WorkspaceFit(where, meas, tuple(scale_names), band, fits, source)

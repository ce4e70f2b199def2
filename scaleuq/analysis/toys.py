"""Coverage of the signal strength on pseudo-experiments (``scaleuq figures`` step).

A toy analysis measures the signal strength mu of one process in one counting bin: expected
events b + mu s0 f(alpha), with s0 signal and b background events and f the scale modifier.
The truth is mu = 1 with a higher-order cross section that differs from the prediction the way
NLO differs from LO in the corpus: for each pseudo-experiment

1. a corpus process is drawn (uniformly), giving its raw LO band and its reference band
   n x <Delta sigma/(n sigma_0)> (:mod:`scaleuq.pull.reference`);
2. a pull t is drawn from the distribution fitted to the corpus pulls after the reference
   correction (:func:`scaleuq.stats.fitting.fit_model`, by default the model with the lowest
   AIC); the true signal is s0 (1 + t Delta_ref), with Delta_ref the upward reference band for
   t > 0 and the downward one otherwise. Draws with a non-positive true signal are redrawn
   (the truncated fraction is reported);
3. the observed count is Poisson(b + s0 (1 + t Delta_ref)).

Each method fits mu with a normsys-like modifier f(alpha) = hi^alpha (alpha >= 0),
lo^(-alpha) (alpha < 0) (pyhf's default normsys interpolation, code1) and a constraint on alpha:

``raw``         hi/lo = 1 +- the process's raw LO band, unit Gaussian (what pyhf does today);
``calibrated``  hi/lo = 1 +- s68 x the reference band (lo floored at 0.01), unit Gaussian;
``gauss``, ``student-t``, ``cauchy``
                hi/lo = 1 +- the reference band, the constraint fitted to the symmetrised
                pulls (:mod:`scaleuq.analysis.constraints`), as ``scaleuq fit-workspace`` does.
``student-t-toys``, ``cauchy-toys``
                the same, but mu is covered when -2 ln L ratio is below thresholds calibrated on
                pseudo-experiments of the constraint's own model (``fit-workspace --intervals
                toys``): per corpus process, alpha is drawn from the constraint (clipped to the
                fit range), the count from Poisson(b + s0 f(alpha)), and the thresholds are the
                68.3%/95.4% quantiles of the ratio at mu = 1 (``n_calibration`` draws).

In-sample and out-of-sample. The *in-sample* table draws the truth from a model fitted to the
same pulls that set s68 and the constraint scales, so it partly restates the fit. The
*out-of-sample* table (leave-one-out over the corpus processes) takes each process in turn,
calibrates every method (s68, constraint fits, toy thresholds) on the other n - 1 pulls, and
uses the held-out process's *actual* pull as the truth (no fitted truth model); its
pseudo-experiments (``n_toys / n`` per process) vary only the Poisson count.

mu is covered at 68.3% (95.4%) when the profile-likelihood ratio -2 ln [L(1)/L(mu_hat)] is
below 1 (3.84), as in the profile-likelihood intervals of ``fit-workspace``; mu is bounded to
[0, 10] (pyhf's default) and alpha to the range ``fit-workspace`` uses. The profile over alpha
is computed on a fine grid, vectorised over pseudo-experiments, and refined by a parabola.
Where the raw band misses one direction (the tri-boson rows publish only the upward band), the
available one is used for both (documented in ``notes``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.analysis.constraints import UNIT_GAUSS, Constraint, fit_constraints
from scaleuq.analysis.export import LO_FLOOR
from scaleuq.errors import OptionError

if TYPE_CHECKING:
    from scaleuq.analysis.recommend import CorpusCalibration
    from scaleuq.pull.reference import ReferenceCorrection

#: The methods compared, in order.
METHODS = ("raw", "calibrated", "gauss", "student-t", "cauchy", "student-t-toys", "cauchy-toys")
#: Methods whose thresholds come from pseudo-experiments of their constraint.
TOY_METHODS = {"student-t-toys": "student-t", "cauchy-toys": "cauchy"}
#: Truth models that can be drawn from (pull-distribution models).
TRUTH_MODELS = ("best-aic", "gauss", "student-t", "cauchy")
MU_MAX = 10.0
Q68, Q95 = 1.0, 3.841458820694124


@dataclass(frozen=True)
class MethodCoverage:
    """Coverage of mu for one method.

    Attributes:
        method: one of :data:`METHODS`.
        description: band and constraint in words.
        n_toys: pseudo-experiments.
        covered_68, covered_95: how many intervals contain mu = 1.
        coverage_68, coverage_95: the fractions.
        low_68, high_68, low_95, high_95: 68.3% Clopper-Pearson intervals of the fractions.
    """

    method: str
    description: str
    n_toys: int
    covered_68: int
    covered_95: int
    coverage_68: float
    coverage_95: float
    low_68: float
    high_68: float
    low_95: float
    high_95: float


@dataclass(frozen=True)
class ToyCoverage:
    """Result of :func:`coverage_toys`.

    Attributes:
        methods: one :class:`MethodCoverage` per method.
        truth_model: the pull model drawn from, and ``truth_params`` its fitted parameters.
        signal, background: expected signal (at the prediction) and background events.
        n_toys, seed: pseudo-experiments and the seed.
        truncated: fraction of draws redrawn because the true signal was not positive.
        s68: the calibration factor used.
        processes: the corpus processes drawn from.
        constraints: the fitted constraints, by name.
        notes: simplifications taken.
        out_of_sample: leave-one-out coverage per method (module docstring), or () when not
            computed.
        n_calibration: pseudo-experiments per process behind the toy thresholds.
        thresholds: median over the corpus processes of the toy thresholds (68, 95) of each
            toy method.
    """

    methods: tuple[MethodCoverage, ...]
    truth_model: str
    truth_params: dict[str, float]
    signal: float
    background: float
    n_toys: int
    seed: int
    truncated: float
    s68: float
    processes: tuple[str, ...]
    constraints: dict[str, Constraint]
    notes: tuple[str, ...]
    out_of_sample: tuple[MethodCoverage, ...] = ()
    n_calibration: int = 0
    thresholds: dict[str, tuple[float, float]] | None = None

    def of(self, method: str, sample: str = "in-sample") -> MethodCoverage:
        """The coverage of one method, ``in-sample`` or ``out-of-sample``."""
        rows = self.methods if sample == "in-sample" else self.out_of_sample
        return next(m for m in rows if m.method == method)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "methods": [asdict(m) for m in self.methods],
            "truth_model": self.truth_model,
            "truth_params": dict(self.truth_params),
            "signal": self.signal,
            "background": self.background,
            "n_toys": self.n_toys,
            "seed": self.seed,
            "truncated": self.truncated,
            "s68": self.s68,
            "processes": list(self.processes),
            "constraints": {k: v.to_dict() for k, v in self.constraints.items()},
            "notes": list(self.notes),
            "out_of_sample": [asdict(m) for m in self.out_of_sample],
            "n_calibration": self.n_calibration,
            "thresholds": None
            if self.thresholds is None
            else {k: list(v) for k, v in self.thresholds.items()},
        }


def _alpha_grid(limit: float) -> np.ndarray:
    """Symmetric grid: spacing 0.005 on [-10, 10], geometric beyond, up to +-limit."""
    core = np.linspace(-10, 10, 4001)
    if limit <= 10:
        return core[np.abs(core) <= limit]
    tail = np.geomspace(10, limit, 600)[1:]
    return np.concatenate([-tail[::-1], core, tail])


def _modifier(alpha: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """pyhf normsys code1: hi^alpha above zero, lo^-alpha below (alpha (A,), hi/lo (T, 1))."""
    a = alpha[None, :]
    with np.errstate(over="ignore"):
        return np.where(a >= 0, np.exp(a * np.log(hi)), np.exp(-a * np.log(lo)))


def _nll(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson -ln P(n | lam) up to a constant in lam."""
    lam = np.maximum(lam, 1e-300)
    return lam - n * np.log(lam)


def _refine(grid: np.ndarray, values: np.ndarray, func: Any) -> np.ndarray:
    """Minimum per row: grid minimum, improved by the vertex of a parabola through 3 points."""
    k = np.clip(np.argmin(values, axis=1), 1, grid.size - 2)
    rows = np.arange(values.shape[0])
    x0, x1, x2 = grid[k - 1], grid[k], grid[k + 1]
    y0, y1, y2 = values[rows, k - 1], values[rows, k], values[rows, k + 1]
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / np.where(den == 0, 1, den)
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / np.where(
        den == 0, 1, den
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        vertex = np.where(a > 0, -b / (2 * a), x1)
    vertex = np.clip(vertex, x0, x2)
    best = np.minimum(values.min(axis=1), func(vertex, rows))
    return best


def _profile_q(
    n: np.ndarray,
    s0: float,
    b: float,
    hi: np.ndarray,
    lo: np.ndarray,
    constraint: Constraint,
    limit: float,
) -> np.ndarray:
    """-2 ln [L(mu=1) / L(mu_hat)] per pseudo-experiment, profiled over alpha."""
    grid = _alpha_grid(limit)
    pen = -constraint.logpdf(grid)[None, :]
    nn = n[:, None].astype(float)

    def at_one(alpha: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if rows is None:
            f = _modifier(alpha, hi, lo)
            return _nll(nn, b + s0 * f) + pen
        f = np.where(alpha >= 0, hi[rows, 0] ** alpha, lo[rows, 0] ** (-alpha))
        return _nll(nn[rows, 0], b + s0 * f) - constraint.logpdf(alpha)

    def at_best(alpha: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if rows is None:
            f = _modifier(alpha, hi, lo)
            mu = np.clip((nn - b) / (s0 * f), 0.0, MU_MAX)
            return _nll(nn, b + mu * s0 * f) + pen
        f = np.where(alpha >= 0, hi[rows, 0] ** alpha, lo[rows, 0] ** (-alpha))
        mu = np.clip((nn[rows, 0] - b) / (s0 * f), 0.0, MU_MAX)
        return _nll(nn[rows, 0], b + mu * s0 * f) - constraint.logpdf(alpha)

    q1 = _refine(grid, at_one(grid), at_one)
    q0 = _refine(grid, at_best(grid), at_best)
    return 2 * np.maximum(q1 - q0, 0.0)


def _threshold_toys(
    rng: np.random.Generator,
    s0: float,
    b: float,
    hi: float,
    lo: float,
    constraint: Constraint,
    limit: float,
    n_cal: int,
) -> tuple[float, float]:
    """Thresholds of -2 ln L ratio at mu = 1 from the constraint's own pseudo-experiments."""
    alpha = np.clip(constraint.sample(rng, n_cal), -limit, limit)
    f = np.where(alpha >= 0, hi**alpha, lo ** (-alpha))
    counts = rng.poisson(np.minimum(b + s0 * f, 1e15))  # far-tail draws: numpy's limit
    q = _profile_q(counts, s0, b, np.full((n_cal, 1), hi), np.full((n_cal, 1), lo), constraint,
                   limit)  # fmt: skip
    return float(np.quantile(q, 0.682689492137086)), float(np.quantile(q, 0.9544997361036416))


def _coverage_row(method: str, text: str, q: np.ndarray, k: np.ndarray) -> MethodCoverage:
    """Coverage with per-toy thresholds k (n, 2)."""
    from scaleuq.stats.coverage import clopper_pearson

    n = q.size
    k68, k95 = int(np.sum(q <= k[:, 0])), int(np.sum(q <= k[:, 1]))
    (l68, l95), (h68, h95) = clopper_pearson(np.array([k68, k95]), np.array([n, n]))
    return MethodCoverage(method, text, n, k68, k95, k68 / n, k95 / n, float(l68), float(h68),
                          float(l95), float(h95))  # fmt: skip


def _draw_truth(
    rng: np.random.Generator, model: Any, theta: dict[str, float], size: int
) -> np.ndarray:
    return np.asarray(model.sample(rng, theta, (size,)), dtype=float)


def coverage_toys(
    calibration: CorpusCalibration | None = None,
    *,
    correction: ReferenceCorrection | None = None,
    n_toys: int = 2000,
    signal: float = 100.0,
    background: float = 100.0,
    truth_model: str = "best-aic",
    seed: int = 0,
    chunk: int = 250,
    n_calibration: int = 300,
    out_of_sample: bool = True,
) -> ToyCoverage:
    """The coverage of mu at 68.3% and 95.4% for each method (see the module docstring).

    Args:
        calibration: corpus calibrated after the reference correction; default the bundled data.
        correction: the corpus's reference correction, whose processes (n, raw bands) are drawn
            from; default the correction of the bundled data.
        n_toys: pseudo-experiments (the same ones for every method).
        signal, background: expected events of the signal prediction and of the background.
        truth_model: the pull model the true shifts are drawn from, or ``best-aic``.
        seed: seed of every random step.
        chunk: pseudo-experiments per vectorised block (memory).
        n_calibration: pseudo-experiments per corpus process for the toy thresholds.
        out_of_sample: also compute the leave-one-out table (module docstring).
    """
    from scaleuq.analysis.recommend import calibrate_corpus
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct
    from scaleuq.stats.fitting import check_seed, fit_model
    from scaleuq.stats.models import get_model

    seed = check_seed(seed)
    if n_toys < 10:
        raise OptionError(f"n_toys must be at least 10, got {n_toys}")
    if n_calibration < 20:
        raise OptionError(f"n_calibration must be at least 20, got {n_calibration}")
    if not (signal > 0 and background >= 0):
        raise OptionError("the signal must be positive and the background non-negative")
    if truth_model not in TRUTH_MODELS:
        raise OptionError(f"unknown truth model '{truth_model}'; choose {', '.join(TRUTH_MODELS)}")
    if calibration is None:
        calibration = calibrate_corpus(seed=seed)
    if calibration.stage != "after":
        raise OptionError("the toy check needs a corpus calibrated after the reference correction")
    pulls = calibration.pulls
    fits = {
        m: fit_model(pulls, m, n_bootstrap=0, n_gof=0)
        for m in (("gauss", "student-t", "cauchy") if truth_model == "best-aic" else (truth_model,))
    }
    chosen = min(fits, key=lambda m: fits[m].aic)
    truth = fits[chosen].theta()
    model = get_model(chosen)
    constraints = fit_constraints(
        pulls, ("gauss", "student-t", "cauchy"), source="corpus after the correction"
    )
    s68 = calibration.factor_68.factor

    # the corpus processes: raw and reference bands
    notes = []
    if correction is None:
        if calibration.corpus != ("bundled:pulls",):
            raise OptionError("give the corpus's reference correction (correction=...)")
        correction = reference_correct(
            load_bundled("pulls"), reference=calibration.reference,
            convention=calibration.convention, n_mode=calibration.n_mode,
        )  # fmt: skip
    frame = correction.table
    processes = tuple(frame["process"])
    n = frame["n_counted"].to_numpy(float)
    ref_up = n * calibration.reference.per_particle_up
    ref_dn = n * calibration.reference.per_particle_dn
    raw_up = frame["lo_scale_up_rel"].to_numpy(float)
    raw_dn = frame["lo_scale_dn_rel"].to_numpy(float)
    one_sided = ~(np.isfinite(raw_up) & np.isfinite(raw_dn))
    if one_sided.any():
        notes.append(
            f"{int(one_sided.sum())} corpus processes publish one raw direction only; "
            "it is used for both"
        )
    raw_up = np.where(np.isfinite(raw_up), raw_up, raw_dn)
    raw_dn = np.where(np.isfinite(raw_dn), raw_dn, raw_up)

    seeds = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(seeds[0])
    which = rng.integers(0, len(processes), size=n_toys)
    t = _draw_truth(rng, model, truth, n_toys)
    redrawn = 0
    for _ in range(1000):
        delta = np.where(t > 0, ref_up[which], ref_dn[which])
        bad = 1 + t * delta <= 0
        if not bad.any():
            break
        redrawn += int(bad.sum())
        t[bad] = _draw_truth(rng, model, truth, int(bad.sum()))
    true_signal = signal * (1 + t * np.where(t > 0, ref_up[which], ref_dn[which]))
    counts = rng.poisson(background + true_signal)

    setups = {
        "raw": (1 + raw_up, 1 - raw_dn, UNIT_GAUSS, "raw LO band, unit Gaussian (pyhf)"),
        "calibrated": (
            1 + s68 * ref_up, 1 - s68 * ref_dn, UNIT_GAUSS,
            f"reference band x s68 = {s68:.3g}, unit Gaussian",
        ),
    }  # fmt: skip
    for name in ("gauss", "student-t", "cauchy"):
        c = constraints[name]
        setups[name] = (1 + ref_up, 1 - ref_dn, c, f"reference band, {c.label()}")
    for name, base in TOY_METHODS.items():
        c = constraints[base]
        setups[name] = (1 + ref_up, 1 - ref_dn, c, f"reference band, {c.label()}, toy thresholds")
    # toy thresholds per corpus process (the band differs between processes)
    cal_rng = np.random.default_rng(seeds[1])
    per_process: dict[str, np.ndarray] = {}
    for name, base in TOY_METHODS.items():
        c = constraints[base]
        limit = max(5.0, 3 * c.interval(0.9973))
        per_process[name] = np.array([
            _threshold_toys(cal_rng, signal, background, 1 + ref_up[j],
                            max(1 - ref_dn[j], LO_FLOOR), c, limit, n_calibration)
            for j in range(len(processes))
        ])  # fmt: skip
    wilks = np.tile([Q68, Q95], (n_toys, 1))
    rows = []
    for method in METHODS:
        hi_all, lo_all, constraint, text = setups[method]
        lo_all = np.maximum(lo_all, LO_FLOOR)
        limit = max(5.0, 3 * constraint.interval(0.9973))
        q = np.concatenate([
            _profile_q(
                counts[i : i + chunk], signal, background, hi_all[which[i : i + chunk], None],
                lo_all[which[i : i + chunk], None], constraint, limit,
            )
            for i in range(0, n_toys, chunk)
        ])  # fmt: skip
        k = per_process[method][which] if method in per_process else wilks
        rows.append(_coverage_row(method, text, q, k))
    thresholds = {
        m: (float(np.median(v[:, 0])), float(np.median(v[:, 1]))) for m, v in per_process.items()
    }
    oos: tuple[MethodCoverage, ...] = ()
    if out_of_sample:
        oos = _leave_one_out(
            calibration, frame, raw_up, raw_dn, n, signal, background, n_toys, n_calibration,
            seeds[2], notes,
        )  # fmt: skip
    return ToyCoverage(
        methods=tuple(rows),
        truth_model=chosen,
        truth_params={k: float(v) for k, v in truth.items()},
        signal=float(signal),
        background=float(background),
        n_toys=n_toys,
        seed=seed,
        truncated=redrawn / (n_toys + redrawn),
        s68=float(s68),
        processes=processes,
        constraints=constraints,
        notes=tuple(notes),
        out_of_sample=oos,
        n_calibration=n_calibration,
        thresholds=thresholds,
    )


def _leave_one_out(
    calibration: CorpusCalibration,
    frame: Any,
    raw_up: np.ndarray,
    raw_dn: np.ndarray,
    n: np.ndarray,
    signal: float,
    background: float,
    n_toys: int,
    n_calibration: int,
    seed: np.random.SeedSequence,
    notes: list[str],
) -> tuple[MethodCoverage, ...]:
    """Leave-one-out coverage: each corpus process's actual pull as the truth, every method
    calibrated on the other pulls (module docstring)."""
    from scaleuq.stats.coverage import CL

    rng = np.random.default_rng(seed)
    pulls = np.asarray(calibration.pulls, float)
    names = list(frame["process"])
    rows_of = [names.index(p) for p in calibration.processes]
    per = max(n_toys // len(rows_of), 20)
    ref_up = n * calibration.reference.per_particle_up
    ref_dn = n * calibration.reference.per_particle_dn
    q_all: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    k_all: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    skipped = 0
    for i, row in enumerate(rows_of):
        t = pulls[i]
        delta = ref_up[row] if t > 0 else ref_dn[row]
        if not 1 + t * delta > 0:
            skipped += 1
            continue
        others = np.delete(pulls, i)
        s68 = float(np.quantile(np.abs(others), CL))
        cons = fit_constraints(others, ("gauss", "student-t", "cauchy"), source="leave-one-out")
        counts = rng.poisson(background + signal * (1 + t * delta), size=per)
        hi_ref, lo_ref = 1 + ref_up[row], max(1 - ref_dn[row], LO_FLOOR)
        setups = {
            "raw": (1 + raw_up[row], max(1 - raw_dn[row], LO_FLOOR), UNIT_GAUSS),
            "calibrated": (1 + s68 * ref_up[row], max(1 - s68 * ref_dn[row], LO_FLOOR), UNIT_GAUSS),
            **{m: (hi_ref, lo_ref, cons[m]) for m in ("gauss", "student-t", "cauchy")},
            **{m: (hi_ref, lo_ref, cons[b]) for m, b in TOY_METHODS.items()},
        }
        for method, (hi, lo, c) in setups.items():
            limit = max(5.0, 3 * c.interval(0.9973))
            q = _profile_q(counts, signal, background, np.full((per, 1), hi), np.full((per, 1), lo),
                           c, limit)  # fmt: skip
            if method in TOY_METHODS:
                k = _threshold_toys(rng, signal, background, hi, lo, c, limit, n_calibration)
            else:
                k = (Q68, Q95)
            q_all[method].append(q)
            k_all[method].append(np.tile(k, (per, 1)))
    if skipped:
        notes.append(f"leave-one-out: {skipped} processes skipped (non-positive true signal)")
    return tuple(
        _coverage_row(
            m, f"leave-one-out, {len(rows_of) - skipped} processes x {per} Poisson draws",
            np.concatenate(q_all[m]), np.concatenate(k_all[m]),
        )
        for m in METHODS
    )  # fmt: skip

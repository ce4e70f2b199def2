"""Unbinned maximum-likelihood fits of pull distributions, with honest uncertainties.

* The reported fit is done with iminuit (MIGRAD, then HESSE and MINOS for the parameter errors;
  errordef 0.5 for a negative log-likelihood), started from the best of several starts.
* The bootstrap refits *all* resamples at once: :func:`minimize_batch` is a damped Newton
  (Levenberg-Marquardt) optimiser over a batch of samples, with derivatives from central finite
  differences evaluated in one vectorised call per iteration. No Python loop over resamples.
* Memory stays bounded: resamples and pseudo samples are drawn and refitted in chunks of
  :func:`chunk_rows` rows, so that no array grows with rows x resamples (100k pulls with 2000
  resamples need no more memory than with 100 resamples).
* Goodness of fit is calibrated for the fitted parameters by a parametric bootstrap: pseudo
  samples are drawn from the fitted model, *refitted*, and their Anderson-Darling statistic
  (computed with their own fitted parameters) is compared with the observed one. A naive KS
  p-value with fitted parameters would be far too optimistic.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from scaleuq.errors import OptionError
from scaleuq.stats.models import Model, get_model, model_names

log = logging.getLogger(__name__)

#: Float64 values one batched-optimiser call may hold per temporary array (32 MiB): the data
#: repeated over every finite-difference shift, B x N x (1 + 2P + 2P(P - 1)).
CHUNK_VALUES = 2**22
#: Largest |pull| that can be fitted: squares of larger values overflow a double's sum.
MAX_ABS_PULL = 1e100


def check_seed(seed: Any) -> int:
    """The seed as an int; negative or non-integer seeds are refused (numpy seeds are >= 0).

    Raises:
        OptionError: ``seed`` is negative, a bool or not an integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)


def chunk_rows(n: int, n_shifts: int = 1) -> int:
    """Rows of length ``n`` per chunk so that ``rows * n * n_shifts <= CHUNK_VALUES`` (>= 1)."""
    return max(1, CHUNK_VALUES // max(1, n * n_shifts))


def _n_shifts(model: Model) -> int:
    """Function evaluations per sample in :func:`_derivatives` (centre, 2 per parameter, 4 per
    pair)."""
    p = model.n_params
    return 1 + 2 * p + 2 * p * (p - 1)


def chunk_sizes(total: int, size: int) -> Iterator[int]:
    """Sizes of consecutive chunks of ``total`` items, each at most ``size``."""
    for start in range(0, total, size):
        yield min(size, total - start)


@contextlib.contextmanager
def native_output_to_log() -> Iterator[None]:
    """Send what compiled code (Minuit2's C++ ``E VariableMetricBuilder ...`` lines) prints on
    file descriptors 1 and 2, or through ``sys.stdout``/``sys.stderr``, to this module's debug
    log, so that stdout stays pure JSON."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [(fd, os.dup(fd)) for fd in (1, 2)]
    except (OSError, ValueError, AttributeError):  # no real descriptors (embedded interpreter)
        yield
        return
    py_out, py_err = io.StringIO(), io.StringIO()  # iminuit may print through sys.stdout
    with tempfile.TemporaryFile() as sink:
        try:
            for fd, _ in saved:
                os.dup2(sink.fileno(), fd)
            with contextlib.redirect_stdout(py_out), contextlib.redirect_stderr(py_err):
                yield
        finally:
            _flush_c_stdio()
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stdout.flush()
                sys.stderr.flush()
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            captured = sink.read().decode("utf-8", "replace")
    captured += py_out.getvalue() + py_err.getvalue()
    for line in captured.splitlines():
        if line.strip():
            log.debug("minuit: %s", line)


def _flush_c_stdio() -> None:
    """fflush(NULL): C++ ``std::cout`` writes through C stdio's buffer."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def _derivatives(
    model: Model, x: np.ndarray, z: np.ndarray, floor: float | None
) -> tuple[np.ndarray, ...]:
    """f, gradient and Hessian of the NLL in internal coordinates, batched: z (B, P)."""
    b, p = z.shape
    h = 1e-4 * (1.0 + np.abs(z))
    shifts = [np.zeros((b, p))]
    for i in range(p):
        for sign in (1.0, -1.0):
            s = np.zeros((b, p))
            s[:, i] = sign * h[:, i]
            shifts.append(s)
    pairs = [(i, j) for i in range(p) for j in range(i + 1, p)]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            s = np.zeros((b, p))
            s[:, i], s[:, j] = si * h[:, i], sj * h[:, j]
            shifts.append(s)
    zz = (z[None] + np.stack(shifts)).reshape(-1, p)
    xx = np.broadcast_to(x[None], (len(shifts), *x.shape)).reshape(-1, x.shape[-1])
    with np.errstate(all="ignore"):
        values = model.nll(xx, model.to_natural(zz, floor)).reshape(len(shifts), b)
    f0 = values[0]
    grad = np.empty((b, p))
    hess = np.empty((b, p, p))
    for i in range(p):
        fp, fm = values[1 + 2 * i], values[2 + 2 * i]
        grad[:, i] = (fp - fm) / (2 * h[:, i])
        hess[:, i, i] = (fp - 2 * f0 + fm) / h[:, i] ** 2
    base = 1 + 2 * p
    for k, (i, j) in enumerate(pairs):
        fpp, fpm, fmp, fmm = values[base + 4 * k : base + 4 * k + 4]
        hess[:, i, j] = hess[:, j, i] = (fpp - fpm - fmp + fmm) / (4 * h[:, i] * h[:, j])
    return f0, grad, hess


def minimize_batch(
    model: Model,
    x: np.ndarray,
    theta0: np.ndarray,
    *,
    floor: float | None = None,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise the NLL of every sample in a batch at once.

    Args:
        model: the model.
        x: data, shape (B, N).
        theta0: natural start parameters, shape (B, P).
        floor: lower bound of the scale parameters (see :func:`scale_floor`).
        max_iter: iteration limit.
        tol: convergence on the change of the NLL, relative to 1 + |NLL|.

    Returns:
        ``(theta, nll, converged)`` with shapes (B, P), (B,), (B,).
    """
    if model.closed_form is not None:  # e.g. the Gaussian: mean and ML standard deviation
        theta = model.closed_form(x, floor)
        return theta, model.nll(x, theta), np.ones(len(x), dtype=bool)
    z = model.to_internal(np.maximum(theta0, 1e-300) if floor is None else theta0)
    b, p = z.shape
    lam = np.full(b, 1e-3)
    converged = np.zeros(b, dtype=bool)
    with np.errstate(all="ignore"):
        fbest = model.nll(x, model.to_natural(z, floor))
    active = np.isfinite(fbest)
    eye = np.eye(p)
    for _ in range(max_iter):
        idx = np.flatnonzero(active & ~converged)
        if idx.size == 0:
            break
        f0, g, hess = _derivatives(model, x[idx], z[idx], floor)
        diag = np.abs(np.diagonal(hess, axis1=1, axis2=2))
        damp = lam[idx, None, None] * (diag[:, :, None] * eye + 1e-9 * eye)
        with np.errstate(all="ignore"):
            step = -np.einsum("bij,bj->bi", np.linalg.pinv(np.nan_to_num(hess + damp)), g)
        bad = ~np.isfinite(step).all(1) | (np.einsum("bi,bi->b", step, g) >= 0)
        step[bad] = -g[bad] / (lam[idx][bad, None] * (diag[bad] + 1.0))
        step = np.clip(np.nan_to_num(step), -5, 5)
        znew = z[idx] + step
        with np.errstate(all="ignore"):
            fnew = model.nll(x[idx], model.to_natural(znew, floor))
        better = np.isfinite(fnew) & (fnew < f0)
        small = np.abs(f0 - np.where(better, fnew, f0)) <= tol * (1 + np.abs(f0))
        z[idx[better]] = znew[better]
        fbest[idx[better]] = fnew[better]
        lam[idx] = np.where(better, np.maximum(lam[idx] / 10, 1e-12), lam[idx] * 10)
        converged[idx] = (better & small) | (lam[idx] > 1e10)
    return model.to_natural(z, floor), fbest, converged


def scale_floor(x: np.ndarray) -> float:
    """Lower bound for scale parameters: 1% of the sample's robust (MAD) scale.

    A mixture's likelihood is unbounded when its Gaussian core collapses onto one value, and
    bootstrap resamples repeat values; the floor keeps every fit finite. Fits at the floor are
    counted in :attr:`ModelFit.n_at_floor`.
    """
    med = np.median(x)
    mad = 1.4826 * np.median(np.abs(x - med))
    return 0.01 * float(mad if mad > 0 else (np.std(x) or 1.0))


def best_fit_batch(
    model: Model,
    x: np.ndarray,
    *,
    floor: float | None = None,
    extra_start: np.ndarray | None = None,
    robust_starts: bool = True,
) -> np.ndarray:
    """Fit every row of ``x`` (B, N) from several starts and keep the best: returns (B, P).

    Starts: robust statistics of each row and the model's variants (:meth:`Model.starts`;
    for the mixture, core fractions 0.5 and 0.9) when ``robust_starts``; plus ``extra_start`` (e.g. the fit to the full sample).
    """
    starts = []
    if robust_starts or extra_start is None:
        starts.extend(model.starts(x))  # the robust start and the model's variants
    if extra_start is not None:
        starts.append(np.broadcast_to(extra_start, (x.shape[0], model.n_params)).copy())
    results = [minimize_batch(model, x, s, floor=floor) for s in starts]
    nll = np.stack([np.where(np.isfinite(r[1]), r[1], np.inf) for r in results])
    best = np.argmin(nll, axis=0)
    thetas = np.stack([r[0] for r in results])
    return thetas[best, np.arange(x.shape[0])]


def anderson_darling(model: Model, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Anderson-Darling statistic per sample: x (B, N), theta (B, P) -> (B,)."""
    xs = np.sort(x, axis=-1)
    n = xs.shape[-1]
    with np.errstate(all="ignore"):
        u = np.clip(model.cdf(xs, *model.columns(theta)), 1e-300, 1 - 1e-16)
    i = np.arange(1, n + 1)
    s = np.sum((2 * i - 1) * (np.log(u) + np.log1p(-u[..., ::-1])), axis=-1)
    return -n - s / n


@dataclass(frozen=True)
class ParamEstimate:
    """One fitted parameter.

    Attributes:
        name: parameter name.
        value: maximum-likelihood estimate.
        hesse_error: symmetric error from the inverse Hessian (iminuit HESSE).
        minos_lower, minos_upper: asymmetric errors from the likelihood profile (MINOS; lower
            negative); None where MINOS failed or hit a limit.
        boot_std: standard deviation of the bootstrap estimates; None without bootstrap.
        boot_low, boot_high: central 68.3% percentile interval of the bootstrap estimates.
    """

    name: str
    value: float
    hesse_error: float | None
    minos_lower: float | None
    minos_upper: float | None
    boot_std: float | None
    boot_low: float | None
    boot_high: float | None


@dataclass(frozen=True)
class ModelFit:
    """The fit of one model to one set of pulls.

    Attributes:
        model: model name (:data:`scaleuq.stats.models.MODELS`).
        n: number of pulls.
        params: one :class:`ParamEstimate` per parameter.
        loglike: maximum log-likelihood.
        aic: 2k - 2 ln L.
        bic: k ln n - 2 ln L.
        gof_statistic: Anderson-Darling statistic of the data.
        gof_pvalue: its p-value from the parametric bootstrap with refits; None if not run.
        gof_n_mc: number of pseudo samples.
        valid: iminuit's verdict on the minimum.
        n_bootstrap: number of resamples behind ``boot_*``.
        boot_at_floor: resamples whose fit has a scale parameter at the floor
            (:func:`scale_floor`); None without bootstrap.
    """

    model: str
    n: int
    params: tuple[ParamEstimate, ...]
    loglike: float
    aic: float
    bic: float
    gof_statistic: float
    gof_pvalue: float | None
    gof_n_mc: int
    valid: bool
    n_bootstrap: int
    boot_at_floor: int | None

    def value(self, name: str) -> float:
        """Fitted value of a parameter."""
        return next(p.value for p in self.params if p.name == name)

    def theta(self) -> dict[str, float]:
        """Fitted parameters as a dict."""
        return {p.name: p.value for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        out = asdict(self)
        out["params"] = {
            p.name: {k: v for k, v in asdict(p).items() if k != "name"} for p in self.params
        }
        return out


def _minuit_fit(model: Model, x: np.ndarray, start: np.ndarray, floor: float) -> tuple[Any, bool]:
    from iminuit import Minuit

    def nll(*theta: float) -> float:
        with np.errstate(all="ignore"):
            value = -np.sum(model.logpdf(x, *theta))
        return float(value) if np.isfinite(value) else 1e300

    minuit = Minuit(nll, *map(float, start), name=model.params)
    minuit.errordef = Minuit.LIKELIHOOD
    for p in model.params:
        if p in model.positive:
            minuit.limits[p] = (floor if p in model.scales else 1e-9, None)
        if p in model.unit_interval:
            minuit.limits[p] = (1e-6, 1 - 1e-6)
        if p in model.bounds:
            minuit.limits[p] = model.bounds[p]
    with native_output_to_log():
        minuit.migrad()
        minuit.hesse()
        ok = bool(minuit.valid)
        if ok:
            try:
                minuit.minos()
            except RuntimeError as exc:  # MINOS may fail at a limit
                log.debug("MINOS failed for %s: %s", model.name, exc)
    return minuit, ok


def _minos(minuit: Any, name: str) -> tuple[float | None, float | None]:
    try:
        me = minuit.merrors[name]
    except (KeyError, RuntimeError):
        return None, None
    lower = float(me.lower) if me.lower_valid and not me.at_lower_limit else None
    upper = float(me.upper) if me.upper_valid and not me.at_upper_limit else None
    return lower, upper


def fit_model(
    x: np.ndarray,
    model: str | Model,
    *,
    n_bootstrap: int = 1000,
    n_gof: int = 500,
    seed: int = 0,
) -> ModelFit:
    """Fit one model to pulls by unbinned maximum likelihood.

    Args:
        x: the pulls (1-D, finite).
        model: a model or its name.
        n_bootstrap: nonparametric bootstrap resamples for the parameter spread (0: none).
        n_gof: pseudo samples for the goodness-of-fit p-value (0: none).
        seed: seed of the random generator (>= 0); the same seed gives identical results.
            Resamples are drawn and refitted in chunks of :func:`chunk_rows` rows (a function
            of the sample size and model only), so memory does not grow with the number of
            resamples.

    Returns:
        A :class:`ModelFit`.

    Raises:
        OptionError: bad pulls (not 1-D, not finite, beyond :data:`MAX_ABS_PULL`, too few), a
            negative seed or negative sample counts.
    """
    model = get_model(model) if isinstance(model, str) else model
    seed = check_seed(seed)
    if n_bootstrap < 0 or n_gof < 0:
        raise OptionError("n_bootstrap and n_gof must not be negative")
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise OptionError("fits need a 1-D array of finite pulls") from None
    if x.ndim != 1 or not np.isfinite(x).all():
        raise OptionError("fits need a 1-D array of finite pulls")
    if x.size and np.max(np.abs(x)) > MAX_ABS_PULL:
        raise OptionError(
            f"a pull of {np.max(np.abs(x)):.3g} cannot be fitted (|pull| must stay below "
            f"{MAX_ABS_PULL:g}); check the LO uncertainties of the processes with the largest pulls"
        )
    n = x.size
    if n < model.n_params + 1:
        raise OptionError(
            f"{n} pulls are too few to fit the {model.name} model ({model.n_params} parameters)"
        )
    rng = np.random.default_rng(seed)
    floor = scale_floor(x)
    start = best_fit_batch(model, x[None], floor=floor)[0]
    minuit, valid = _minuit_fit(model, x, start, floor)
    theta = np.array([minuit.values[p] for p in model.params])
    batch_nll = model.nll(x[None], start[None])[0]
    if not np.isfinite(minuit.fval) or minuit.fval > batch_nll + 1e-6:
        log.debug(
            "%s: batched optimum %.6g better than MIGRAD %.6g", model.name, batch_nll, minuit.fval
        )
        theta, valid = start, False
    loglike = -float(model.nll(x[None], theta[None])[0])
    k = model.n_params

    rows = chunk_rows(n, _n_shifts(model))
    boot = None
    if n_bootstrap > 0:
        boot = np.concatenate([
            best_fit_batch(
                model, x[rng.integers(0, n, size=(size, n))], floor=floor, extra_start=theta,
                robust_starts=False,
            )
            for size in chunk_sizes(n_bootstrap, rows)
        ])  # fmt: skip

    stat = float(anderson_darling(model, x[None], theta[None])[0])
    pvalue = None
    if n_gof > 0:
        natural = dict(zip(model.params, theta, strict=True))
        exceed = 0
        for size in chunk_sizes(n_gof, rows):
            sims = model.sample(rng, natural, (size, n))
            sim_theta = best_fit_batch(
                model, sims, floor=floor, extra_start=theta, robust_starts=False
            )
            exceed += int(np.sum(anderson_darling(model, sims, sim_theta) >= stat))
        pvalue = float((1 + exceed) / (n_gof + 1))

    if boot is not None:
        scales = [i for i, p in enumerate(model.params) if p in model.scales]
        at_floor = np.any(boot[:, scales] <= floor * (1 + 1e-9), axis=1)
    params = []
    for i, name in enumerate(model.params):
        lower, upper = _minos(minuit, name) if valid else (None, None)
        err = float(minuit.errors[name]) if valid else None
        b_std = b_lo = b_hi = None
        if boot is not None:
            column = boot[:, i]
            b_std = float(np.std(column, ddof=1))
            b_lo, b_hi = (float(v) for v in np.quantile(column, [0.15866, 0.84134]))
        params.append(ParamEstimate(name, float(theta[i]), err, lower, upper, b_std, b_lo, b_hi))
    return ModelFit(
        model=model.name,
        n=n,
        params=tuple(params),
        loglike=loglike,
        aic=2 * k - 2 * loglike,
        bic=k * math.log(n) - 2 * loglike,
        gof_statistic=stat,
        gof_pvalue=pvalue,
        gof_n_mc=n_gof,
        valid=valid,
        n_bootstrap=n_bootstrap,
        boot_at_floor=None if boot is None else int(np.sum(at_floor)),
    )


def fit_models(
    x: np.ndarray,
    models: tuple[str, ...] | None = None,
    *,
    n_bootstrap: int = 1000,
    n_gof: int = 500,
    seed: int = 0,
) -> tuple[ModelFit, ...]:
    """Fit several models (default: every registered one); each gets its own child seed, so
    adding a model changes no other."""
    models = model_names() if models is None else tuple(models)
    seeds = np.random.SeedSequence(check_seed(seed)).spawn(len(models))
    return tuple(
        fit_model(x, m, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=int(s.generate_state(1)[0]))
        for m, s in zip(models, seeds, strict=True)
    )

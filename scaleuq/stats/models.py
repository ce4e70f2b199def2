"""Probability models for pull distributions, written for batches of samples.

Every function takes parameters as arrays that broadcast against the data: ``x`` of shape
``(B, N)`` (B samples of N pulls) and each parameter of shape ``(B, 1)``; this is what lets
:mod:`scaleuq.fit` refit thousands of bootstrap resamples at once.

Models (:data:`MODELS`):

``gauss``         N(mu, sigma)
``student_t``     Student-t with location mu, scale sigma and nu degrees of freedom
``cauchy``        Cauchy with location mu and half width gamma
``gauss+cauchy``  a Gaussian core N(mu, sigma) with weight f plus a Cauchy tail (mu, gamma)
                  with weight 1 - f: "Gaussian core plus heavy tail"

Internally, positive parameters are optimised as logarithms and f as a logit, so that the
batched optimiser is unconstrained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

Array = np.ndarray
SCALE_PARAMS = ("sigma", "gamma")
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def _gauss_logpdf(x: Array, mu: Array, sigma: Array) -> Array:
    z = (x - mu) / sigma
    return -0.5 * z * z - np.log(sigma) - _LOG_SQRT_2PI


def _cauchy_logpdf(x: Array, mu: Array, gamma: Array) -> Array:
    z = (x - mu) / gamma
    return -np.log(np.pi * gamma) - np.log1p(z * z)


def _t_logpdf(x: Array, mu: Array, sigma: Array, nu: Array) -> Array:
    z = (x - mu) / sigma
    return (
        special.gammaln(0.5 * (nu + 1))
        - special.gammaln(0.5 * nu)
        - 0.5 * np.log(nu * np.pi)
        - np.log(sigma)
        - 0.5 * (nu + 1) * np.log1p(z * z / nu)
    )


def _mix_logpdf(x: Array, mu: Array, sigma: Array, gamma: Array, f: Array) -> Array:
    return np.logaddexp(
        np.log(f) + _gauss_logpdf(x, mu, sigma), np.log1p(-f) + _cauchy_logpdf(x, mu, gamma)
    )


def _mix_cdf(x: Array, mu: Array, sigma: Array, gamma: Array, f: Array) -> Array:
    return f * special.ndtr((x - mu) / sigma) + (1 - f) * (
        0.5 + np.arctan((x - mu) / gamma) / np.pi
    )


def _robust_scale(x: Array) -> tuple[Array, Array]:
    """Median and normalised MAD along the last axis, as (B, 1) arrays (start values)."""
    med = np.median(x, axis=-1, keepdims=True)
    mad = 1.4826 * np.median(np.abs(x - med), axis=-1, keepdims=True)
    std = np.std(x, axis=-1, keepdims=True)
    return med, np.where(mad > 0, mad, np.where(std > 0, std, 1.0))


def _sample_mix(rng: np.random.Generator, theta: dict[str, float], size: tuple[int, ...]) -> Array:
    core = rng.random(size) < theta["f"]
    gauss = rng.normal(theta["mu"], theta["sigma"], size)
    cauchy = theta["mu"] + theta["gamma"] * rng.standard_cauchy(size)
    return np.where(core, gauss, cauchy)


@dataclass(frozen=True)
class Model:
    """A location-scale family for pulls.

    Attributes:
        name: identifier (:data:`MODELS` key).
        label: LaTeX-ready label for figures.
        params: parameter names, in order.
        positive: names of parameters that must be > 0 (optimised as logs).
        unit_interval: names of parameters in (0, 1) (optimised as logits).
        logpdf: ``logpdf(x, *params)``, broadcasting.
        cdf: ``cdf(x, *params)``, broadcasting.
        sample: ``sample(rng, params_dict, size)``.
        start: ``start(x) -> (B, P)`` natural-parameter start values from robust statistics.
        bounds: optional (low, high) of natural parameters, used to keep fits finite.
    """

    name: str
    label: str
    params: tuple[str, ...]
    positive: tuple[str, ...]
    unit_interval: tuple[str, ...]
    logpdf: Callable[..., Array]
    cdf: Callable[..., Array]
    sample: Callable[[np.random.Generator, dict[str, float], tuple[int, ...]], Array]
    start: Callable[[Array], Array]
    bounds: dict[str, tuple[float, float]]

    @property
    def n_params(self) -> int:
        """Number of free parameters."""
        return len(self.params)

    def to_internal(self, theta: Array) -> Array:
        """Natural parameters (..., P) -> unconstrained (..., P)."""
        z = np.array(theta, dtype=float, copy=True)
        for i, p in enumerate(self.params):
            if p in self.positive:
                z[..., i] = np.log(z[..., i])
            elif p in self.unit_interval:
                z[..., i] = special.logit(z[..., i])
        return z

    def to_natural(self, z: Array, floor: float | None = None) -> Array:
        """Unconstrained (..., P) -> natural parameters (..., P), clipped to the bounds.

        ``floor`` is a lower bound for the scale parameters (``sigma``, ``gamma``).
        """
        theta = np.array(z, dtype=float, copy=True)
        for i, p in enumerate(self.params):
            if p in self.positive:
                theta[..., i] = np.exp(np.clip(z[..., i], -700, 700))
                if floor is not None and p in SCALE_PARAMS:
                    theta[..., i] = np.maximum(theta[..., i], floor)
            elif p in self.unit_interval:
                theta[..., i] = special.expit(z[..., i])
            if p in self.bounds:
                theta[..., i] = np.clip(theta[..., i], *self.bounds[p])
        return theta

    def columns(self, theta: Array) -> list[Array]:
        """Split (B, P) parameters into P arrays of shape (B, 1) for broadcasting."""
        return [theta[..., i : i + 1] for i in range(self.n_params)]

    def nll(self, x: Array, theta: Array) -> Array:
        """Negative log-likelihood per sample: x (B, N), theta (B, P) -> (B,)."""
        return -np.sum(self.logpdf(x, *self.columns(theta)), axis=-1)

    def pdf_curve(self, t: Array, theta: dict[str, float]) -> Array:
        """Density at points ``t`` for one parameter set (for figures)."""
        return np.exp(self.logpdf(np.asarray(t, float), *(theta[p] for p in self.params)))


def _start_gauss(x: Array) -> Array:
    return np.concatenate([np.mean(x, -1, keepdims=True), np.std(x, -1, keepdims=True) + 1e-9], -1)


def _start_t(x: Array) -> Array:
    med, scale = _robust_scale(x)
    return np.concatenate([med, scale, np.full_like(med, 3.0)], -1)


def _start_cauchy(x: Array) -> Array:
    med, scale = _robust_scale(x)
    return np.concatenate([med, scale / 1.4826], -1)


def _start_mix(x: Array) -> Array:
    med, scale = _robust_scale(x)
    return np.concatenate([med, scale, 3.0 * scale, np.full_like(med, 0.7)], -1)


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model(
            "gauss", "Gaussian", ("mu", "sigma"), ("sigma",), (), _gauss_logpdf,
            lambda x, mu, s: special.ndtr((x - mu) / s),
            lambda rng, th, size: rng.normal(th["mu"], th["sigma"], size),
            _start_gauss, {},
        ),
        Model(
            "student_t", "Student-$t$", ("mu", "sigma", "nu"), ("sigma", "nu"), (), _t_logpdf,
            lambda x, mu, s, nu: stats.t.cdf((x - mu) / s, nu),
            lambda rng, th, size: th["mu"] + th["sigma"] * rng.standard_t(th["nu"], size),
            _start_t, {"nu": (0.05, 1e4)},
        ),
        Model(
            "cauchy", "Cauchy", ("mu", "gamma"), ("gamma",), (), _cauchy_logpdf,
            lambda x, mu, g: 0.5 + np.arctan((x - mu) / g) / np.pi,
            lambda rng, th, size: th["mu"] + th["gamma"] * rng.standard_cauchy(size),
            _start_cauchy, {},
        ),
        Model(
            "gauss+cauchy", "Gaussian core + Cauchy tail", ("mu", "sigma", "gamma", "f"),
            ("sigma", "gamma"), ("f",), _mix_logpdf, _mix_cdf, _sample_mix, _start_mix,
            {"f": (1e-6, 1 - 1e-6)},
        ),
    )
}  # fmt: skip


def get_model(name: str) -> Model:
    """Look up a model by name."""
    from scaleuq.errors import OptionError

    if name not in MODELS:
        raise OptionError(f"unknown model '{name}'; choose from {', '.join(MODELS)}")
    return MODELS[name]

"""Probability models for pull distributions, written for batches of samples.

Every function takes parameters as arrays that broadcast against the data: ``x`` of shape
``(B, N)`` (B samples of N pulls) and each parameter of shape ``(B, 1)``; this is what lets
:mod:`scaleuq.stats.fitting` refit thousands of bootstrap resamples at once.

Models live in one registry, :data:`MODELS`: a :class:`Model` carries everything that fitting
(:mod:`scaleuq.stats.fitting`) and plotting (:mod:`scaleuq.report.plotting`) need (parameters,
which are positive, which are scales that get the fit floor, bounds, start values, a label and a
plot style), so adding a model touches this file only (or calls :func:`register_model` from
outside). The built-in models:

``gauss``         N(mu, sigma)
``student-t``     Student-t with location mu, scale sigma and nu degrees of freedom
``cauchy``        Cauchy with location mu and half width gamma
``gauss+cauchy``  a Gaussian core N(mu, sigma) with weight f plus a Cauchy tail (mu, gamma)
                  with weight 1 - f: "Gaussian core plus heavy tail"

Internally, positive parameters are optimised as logarithms and f as a logit, so that the
batched optimiser is unconstrained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import special, stats

from scaleuq.errors import OptionError
from scaleuq.util.registry import Registry

Array = np.ndarray
#: Plot-style keys a model may set (matplotlib line properties, checked without importing it).
STYLE_KEYS = frozenset({"color", "ls", "linestyle", "lw", "linewidth", "alpha"})
#: Line styles a model may use.
LINESTYLES = frozenset({"-", "--", "-.", ":", "solid", "dashed", "dashdot", "dotted"})
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
    """A location-scale family for pulls, with everything fitting and plotting need.

    Attributes:
        name: identifier (:data:`MODELS` key, the CLI's ``--model`` choice).
        label: LaTeX-ready label for figures.
        params: parameter names, in order.
        positive: names of parameters that must be > 0 (optimised as logs).
        unit_interval: names of parameters in (0, 1) (optimised as logits).
        logpdf: ``logpdf(x, *params)``, broadcasting.
        cdf: ``cdf(x, *params)``, broadcasting.
        sample: ``sample(rng, params_dict, size)``.
        start: ``start(x) -> (B, P)`` natural-parameter start values from robust statistics.
        bounds: (low, high) of natural parameters, used to keep fits finite.
        scales: the scale parameters (a subset of ``positive``): they get the lower bound
            :func:`scaleuq.stats.fitting.scale_floor` in every fit, and fits at that bound are
            counted (``ModelFit.boot_at_floor``).
        style: plot style of the fitted curve: keys of :data:`STYLE_KEYS` (at least ``color``),
            a line style from :data:`LINESTYLES`.
        start_variants: further starts of the batched fits: each is ``start(x)`` with the given
            parameters replaced (e.g. other core fractions of a mixture).
        closed_form: ``closed_form(x, floor) -> (B, P)``, the maximum-likelihood estimate when
            it has one (the batched optimiser is then skipped), else None.

    Raises:
        OptionError: on construction, when a listed parameter is not one of ``params``, a scale
            is not positive, or the style has an unknown key or line style.
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
    bounds: Mapping[str, tuple[float, float]]
    scales: tuple[str, ...]
    style: Mapping[str, object]
    start_variants: tuple[Mapping[str, float], ...] = ()
    closed_form: Callable[[Array, float | None], Array] | None = field(default=None)

    def __post_init__(self) -> None:
        def fail(what: str) -> OptionError:
            return OptionError(f"model '{self.name}': {what}")

        if not self.name or not self.params or len(set(self.params)) != len(self.params):
            raise fail(f"needs a name and distinct parameter names, got {self.params!r}")
        groups = {
            "positive": self.positive,
            "unit_interval": self.unit_interval,
            "scales": self.scales,
            "bounds": tuple(self.bounds),
            "start_variants": tuple(k for v in self.start_variants for k in v),
        }
        for group, names in groups.items():
            unknown = [n for n in names if n not in self.params]
            if unknown:
                raise fail(
                    f"{group} names {', '.join(map(repr, unknown))}, not among the parameters "
                    f"({', '.join(self.params)})"
                )
        not_positive = [n for n in self.scales if n not in self.positive]
        if not_positive:
            raise fail(f"scale parameter(s) {', '.join(not_positive)} must also be positive")
        both = set(self.positive) & set(self.unit_interval)
        if both:
            raise fail(f"{', '.join(sorted(both))} cannot be positive and in (0, 1) at once")
        bad_keys = sorted(set(self.style) - STYLE_KEYS)
        if bad_keys:
            raise fail(
                f"unknown style key(s) {', '.join(bad_keys)}; allowed: {', '.join(sorted(STYLE_KEYS))}"
            )
        if "color" not in self.style:
            raise fail("the style needs a 'color'")
        for key in ("ls", "linestyle"):
            if key in self.style and self.style[key] not in LINESTYLES:
                raise fail(
                    f"unknown line style {self.style[key]!r}; allowed: {', '.join(sorted(LINESTYLES))}"
                )
        object.__setattr__(self, "bounds", MappingProxyType(dict(self.bounds)))
        object.__setattr__(self, "style", MappingProxyType(dict(self.style)))

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

        ``floor`` is a lower bound for the scale parameters (:attr:`scales`).
        """
        theta = np.array(z, dtype=float, copy=True)
        for i, p in enumerate(self.params):
            if p in self.positive:
                theta[..., i] = np.exp(np.clip(z[..., i], -700, 700))
                if floor is not None and p in self.scales:
                    theta[..., i] = np.maximum(theta[..., i], floor)
            elif p in self.unit_interval:
                theta[..., i] = special.expit(z[..., i])
            if p in self.bounds:
                theta[..., i] = np.clip(theta[..., i], *self.bounds[p])
        return theta

    def starts(self, x: Array) -> list[Array]:
        """Start values (B, P) for the batched fits: :attr:`start` and its variants."""
        base = self.start(x)
        out = [base]
        for variant in self.start_variants:
            s = base.copy()
            for name, value in variant.items():
                s[:, self.params.index(name)] = value
            out.append(s)
        return out

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


def _gauss_ml(x: Array, floor: float | None) -> Array:
    """Closed-form ML estimate of N(mu, sigma): the mean and the (floored) ML deviation."""
    return np.stack([x.mean(-1), np.maximum(x.std(-1), floor or 0.0)], -1)


#: The registry: model name -> :class:`Model` (:class:`scaleuq.util.registry.Registry`). Add to
#: it with :func:`register_model`.
MODELS: Registry[Model] = Registry("model")


def register_model(model: Model, *, replace: bool = False) -> Model:
    """Add a model to the registry (fits, figures and the CLI's ``--model`` pick it up).

    Raises:
        OptionError: a model of that name exists and ``replace`` is false.
    """
    if not isinstance(model, Model):
        raise OptionError(f"register_model needs a Model, not {type(model).__name__}")
    return MODELS.register(model.name, model, replace=replace)


def unregister_model(name: str) -> None:
    """Remove a model from the registry (no error if absent)."""
    MODELS.unregister(name)


def model_names() -> tuple[str, ...]:
    """Names of the registered models, in registration order."""
    return MODELS.names()


def get_model(name: str) -> Model:
    """Look up a model by name.

    Raises:
        OptionError: no model of that name is registered.
    """
    return MODELS.get(name)


for _model in (
    Model(
        "gauss", "Gaussian", ("mu", "sigma"), ("sigma",), (), _gauss_logpdf,
        lambda x, mu, s: special.ndtr((x - mu) / s),
        lambda rng, th, size: rng.normal(th["mu"], th["sigma"], size),
        _start_gauss, {}, scales=("sigma",), style={"color": "#0173b2", "ls": "-"},
        closed_form=_gauss_ml,
    ),
    Model(
        "student-t", "Student-$t$", ("mu", "sigma", "nu"), ("sigma", "nu"), (), _t_logpdf,
        lambda x, mu, s, nu: stats.t.cdf((x - mu) / s, nu),
        lambda rng, th, size: th["mu"] + th["sigma"] * rng.standard_t(th["nu"], size),
        _start_t, {"nu": (0.05, 1e4)}, scales=("sigma",), style={"color": "#de8f05", "ls": "-"},
    ),
    Model(
        "cauchy", "Cauchy", ("mu", "gamma"), ("gamma",), (), _cauchy_logpdf,
        lambda x, mu, g: 0.5 + np.arctan((x - mu) / g) / np.pi,
        lambda rng, th, size: th["mu"] + th["gamma"] * rng.standard_cauchy(size),
        _start_cauchy, {}, scales=("gamma",), style={"color": "#029e73", "ls": "--"},
    ),
    Model(
        "gauss+cauchy", "Gaussian core + Cauchy tail", ("mu", "sigma", "gamma", "f"),
        ("sigma", "gamma"), ("f",), _mix_logpdf, _mix_cdf, _sample_mix, _start_mix,
        {"f": (1e-6, 1 - 1e-6)}, scales=("sigma", "gamma"),
        style={"color": "#cc78bc", "ls": "-."}, start_variants=({"f": 0.5}, {"f": 0.9}),
    ),
):  # fmt: skip
    register_model(_model)
del _model
MODELS.alias("student_t", "student-t")  # the name until scaleuq 0.1

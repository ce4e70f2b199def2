"""Constraint terms for a scale nuisance parameter: Gaussian, Student-t, Cauchy.

A scale nuisance alpha is measured in units of the exported band: alpha = 1 moves the
prediction to the edge of the band. The scale pull t = (sigma_NLO - sigma_LO) / Delta sigma is
the same quantity measured on a corpus of processes (Ghosh et al., arXiv:2210.15167), so the
distribution of the pulls *is* the constraint the nuisance should carry. pyhf constrains normsys
and histosys nuisances with a unit Gaussian N(alpha | 0, 1); here the constraint may instead be

``gauss``      N(alpha | 0, sigma)
``student-t``  Student-t(alpha | 0, sigma, nu)
``cauchy``     Cauchy(alpha | 0, gamma)
``unit-gauss`` N(alpha | 0, 1): what pyhf itself uses (for comparison)

with sigma, nu, gamma from a maximum-likelihood fit (:func:`scaleuq.stats.fitting.fit_model`) of
the corpus pulls, *symmetrised* (t and -t together): a constraint centred at zero needs the
spread of |t|, not the location of the directional pulls. The scale is divided by the factor the
exported band was already multiplied with (1 for the raw or reference band, s68 for the
calibrated band), so that the constraint describes the same physical spread whatever band was
exported. With the same scale parameter a Student-t is *narrower* in its core than a Gaussian:
the scale must come from the fit, never be set to 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from scaleuq.choices import CONSTRAINTS
from scaleuq.errors import OptionError

#: The pull-distribution model (:data:`scaleuq.stats.models.MODELS`) behind each constraint.
CONSTRAINT_MODELS = {"gauss": "gauss", "student-t": "student-t", "cauchy": "cauchy"}
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


@dataclass(frozen=True)
class Constraint:
    """A zero-centred constraint density on a scale nuisance alpha.

    Attributes:
        name: one of :data:`CONSTRAINTS`.
        scale: sigma (gauss, student-t) or gamma (cauchy), in units of the exported band.
        nu: degrees of freedom of the Student-t (None otherwise).
        source: where the parameters come from (corpus, fit, band factor).
    """

    name: str
    scale: float
    nu: float | None
    source: str

    def logpdf(self, alpha: Any, xp: Any = np) -> Any:
        """Log density at ``alpha`` (any shape); ``xp`` is the array module (numpy or torch)."""
        a = np.asarray(alpha, dtype=float) if xp is np else alpha
        z = a / self.scale
        if self.name in ("gauss", "unit-gauss"):
            return -0.5 * z * z - math.log(self.scale) - _LOG_SQRT_2PI
        if self.name == "cauchy":
            return -math.log(math.pi * self.scale) - xp.log1p(z * z)
        nu = float(self.nu)  # type: ignore[arg-type]
        norm = float(
            special.gammaln(0.5 * (nu + 1))
            - special.gammaln(0.5 * nu)
            - 0.5 * math.log(nu * math.pi)
            - math.log(self.scale)
        )
        return norm - 0.5 * (nu + 1) * xp.log1p(z * z / nu)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draws from the constraint density (seeded through ``rng``)."""
        if self.name in ("gauss", "unit-gauss"):
            return self.scale * rng.standard_normal(size)
        if self.name == "cauchy":
            return self.scale * rng.standard_cauchy(size)
        return self.scale * rng.standard_t(float(self.nu), size)  # type: ignore[arg-type]

    def wilks_edge(self, q: float) -> float:
        """|alpha| where -2 ln [C(alpha)/C(0)] = q (the profile edge when alpha alone moves)."""
        if self.name in ("gauss", "unit-gauss"):
            return float(self.scale * math.sqrt(q))
        if self.name == "cauchy":
            return float(self.scale * math.sqrt(math.expm1(q / 2)))
        nu = float(self.nu)  # type: ignore[arg-type]
        return float(self.scale * math.sqrt(nu * math.expm1(q / (nu + 1))))

    def interval(self, cl: float) -> float:
        """Half width h of the central interval [-h, h] holding probability ``cl``."""
        p = 0.5 + 0.5 * cl
        if self.name in ("gauss", "unit-gauss"):
            return float(self.scale * special.ndtri(p))
        if self.name == "cauchy":
            return float(self.scale * np.tan(np.pi * (p - 0.5)))
        return float(self.scale * special.stdtrit(float(self.nu), p))  # type: ignore[arg-type]

    def label(self) -> str:
        """Short description, e.g. ``student-t (sigma 0.52, nu 1.9)``."""
        if self.name == "unit-gauss":
            return "unit-gauss (pyhf, sigma 1)"
        if self.name == "cauchy":
            return f"cauchy (gamma {self.scale:.3g})"
        if self.name == "gauss":
            return f"gauss (sigma {self.scale:.3g})"
        return f"student-t (sigma {self.scale:.3g}, nu {self.nu:.3g})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


UNIT_GAUSS = Constraint("unit-gauss", 1.0, None, "pyhf's own constraint N(0, 1)")


def check_constraints(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validate constraint names."""
    for name in names:
        if name not in CONSTRAINTS:
            raise OptionError(f"unknown constraint '{name}'; choose from {', '.join(CONSTRAINTS)}")
    if not names:
        raise OptionError("choose at least one constraint")
    return tuple(dict.fromkeys(names))


def fit_constraints(
    pulls: np.ndarray,
    names: tuple[str, ...] = CONSTRAINTS,
    *,
    band_factor: float = 1.0,
    source: str = "",
) -> dict[str, Constraint]:
    """Constraints whose scales come from an ML fit of the symmetrised pulls.

    Args:
        pulls: the corpus pulls (NaN ignored), in units of the band they were measured with.
        names: which constraints (:data:`CONSTRAINTS`).
        band_factor: the factor the exported band already carries (s68 for ``calibrated``);
            the fitted scale is divided by it.
        source: description of the corpus, kept in each constraint's ``source``.
    """
    from scaleuq.stats.fitting import fit_model

    names = check_constraints(names)
    if not band_factor > 0:
        raise OptionError(f"the band factor must be positive, got {band_factor}")
    t = np.asarray(pulls, dtype=float)
    t = t[np.isfinite(t)]
    if t.size < 3:
        raise OptionError(f"only {t.size} defined pulls: too few to fit a constraint")
    sym = np.concatenate([t, -t])
    out: dict[str, Constraint] = {}
    for name in names:
        if name == "unit-gauss":
            out[name] = UNIT_GAUSS
            continue
        fit = fit_model(sym, CONSTRAINT_MODELS[name], n_bootstrap=0, n_gof=0)
        theta = fit.theta()
        scale = theta.get("sigma", theta.get("gamma"))
        where = (
            f"ML fit of the {CONSTRAINT_MODELS[name]} model to {t.size} pulls symmetrised "
            f"(t and -t){', ' + source if source else ''}"
            + (f"; scale divided by the band factor {band_factor:.3g}" if band_factor != 1 else "")
        )
        out[name] = Constraint(name, float(scale) / band_factor, theta.get("nu"), where)
    return out

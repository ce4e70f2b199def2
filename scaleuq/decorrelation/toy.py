"""The analytic toy: Gaussian features, the LO nuisance as an exponential tilt along one
direction, the "higher-order truth" as a tilt along another; everything known in closed form.

Signal ~ N(mu_s, I), background ~ N(0, I) in d dimensions. The LO variation nu reweights the
background by exp(nu a.x - nu^2 |a|^2 / 2), which shifts its mean to nu a; the truth reweights it
by exp(b.x - |b|^2/2) (mean b). A linear classifier u.x (|u| = 1) cut at fixed signal efficiency
selects a background fraction Phi(u.delta - c) for a background shifted by delta, so

* band(u)     = max_nu |Phi(nu u.a - c) / Phi(-c) - 1|,
* distance(u) = |Phi(u.b - c) / Phi(-c) - 1|,  with c = u.mu_s - Phi^-1(eps_S).

The plain optimum is u ~ mu_s (Fisher); the perfectly decorrelated one is the unit vector of
mu_s projected orthogonally to a. With b orthogonal to a, decorrelation removes the band but
keeps (here: increases) the distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Toy:
    """Toy parameters: ``mu_s`` signal mean, ``a`` nuisance direction, ``b`` truth tilt,
    ``nus`` the LO variations (0 = nominal first)."""

    mu_s: tuple[float, ...] = (1.0, 1.0)
    a: tuple[float, ...] = (0.5, 0.0)
    b: tuple[float, ...] = (0.0, 0.3)
    nus: tuple[float, ...] = (0.0, -1.0, -0.5, 0.5, 1.0)

    def sample(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Half signal, half background, with LO variation weights and the truth weights."""
        rng = np.random.default_rng(seed)
        d = len(self.mu_s)
        ns = n // 2
        x = np.concatenate(
            [rng.normal(size=(ns, d)) + np.array(self.mu_s), rng.normal(size=(n - ns, d))]
        )
        y = np.concatenate([np.ones(ns, dtype=int), np.zeros(n - ns, dtype=int)])
        a, b = np.array(self.a), np.array(self.b)
        bkg = y == 0
        variations = np.ones((n, len(self.nus)))
        for k, nu in enumerate(self.nus):
            variations[bkg, k] = np.exp(nu * x[bkg] @ a - 0.5 * nu**2 * a @ a)
        truth = np.ones(n)
        truth[bkg] = np.exp(x[bkg] @ b - 0.5 * b @ b)
        return {"x": x, "y": y, "w": np.ones(n), "variations": variations, "truth": truth}

    def closed_form(self, u: np.ndarray, signal_eff: float = 0.5) -> tuple[float, float]:
        """(band, distance) of the linear classifier u (normalised here) in closed form."""
        u = np.asarray(u, float) / np.linalg.norm(u)
        c = u @ np.array(self.mu_s) - norm.ppf(signal_eff)
        base = norm.cdf(-c)
        band = max(abs(norm.cdf(nu * u @ np.array(self.a) - c) / base - 1) for nu in self.nus)
        dist = abs(norm.cdf(u @ np.array(self.b) - c) / base - 1)
        return float(band), float(dist)

    def fisher(self) -> np.ndarray:
        """The plain optimum direction."""
        return np.array(self.mu_s) / np.linalg.norm(self.mu_s)

    def decorrelated(self) -> np.ndarray:
        """The best direction orthogonal to the nuisance."""
        a = np.array(self.a) / np.linalg.norm(self.a)
        u = np.array(self.mu_s) - (np.array(self.mu_s) @ a) * a
        return u / np.linalg.norm(u)


@dataclass(frozen=True)
class ToyRow:
    """One trained linear classifier on the toy.

    Attributes:
        lam: adversary strength.
        band, distance: measured on the test sample (background efficiency shifts).
        band_err, distance_err: their bootstrap errors (evaluation sample, one resample for all
            variations).
        band_closed_form, distance_closed_form: the closed form for the learned direction.
        auc: weighted ROC AUC.
        direction: the learned unit vector u.
    """

    lam: float
    band: float
    band_err: float
    band_closed_form: float
    distance: float
    distance_err: float
    distance_closed_form: float
    auc: float
    direction: tuple[float, ...]


@dataclass(frozen=True)
class BootstrapCheck:
    """Do the bootstrap errors describe the real fluctuation? Independent toy samples are
    evaluated with a fixed classifier direction, whose band and distance are known in closed
    form.

    Attributes:
        direction: "fisher" or "decorrelated".
        n_events, n_trials: events per sample, independent samples.
        band_spread, distance_spread: standard deviation of the measured values over the trials.
        band_err_mean, distance_err_mean: mean bootstrap error.
        band_coverage, distance_coverage: fraction of trials with |measured - closed form| <=
            bootstrap error (about 0.68 when the error is right and the bias small).
        band_bias, distance_bias: mean (measured - closed form).
    """

    direction: str
    n_events: int
    n_trials: int
    band_spread: float
    band_err_mean: float
    band_coverage: float
    band_bias: float
    distance_spread: float
    distance_err_mean: float
    distance_coverage: float
    distance_bias: float


def bootstrap_check(
    n_events: int = 20000,
    *,
    n_trials: int = 50,
    seed: int = 0,
    toy: Toy | None = None,
    n_boot: int = 200,
) -> tuple[BootstrapCheck, ...]:
    """Measure band and distance of the Fisher and the decorrelated direction on ``n_trials``
    independent samples and compare the bootstrap errors with the observed spread and the
    closed form (numpy only)."""
    from .evaluate import working_point

    toy = toy or Toy()
    out = []
    for name, u in (("fisher", toy.fisher()), ("decorrelated", toy.decorrelated())):
        band_cf, dist_cf = toy.closed_form(u)
        meas = []
        for t in range(n_trials):
            s = toy.sample(n_events, seed=seed * 100_003 + t)
            wp = working_point(
                s["x"] @ u,
                s["y"],
                s["w"],
                s["variations"],
                {"truth": s["truth"]},
                n_boot=n_boot,
                seed=t,
            )
            meas.append(
                (
                    wp.bkg_band,
                    wp.bkg_band_err,
                    wp.bkg_distance["truth"],
                    (wp.bkg_distance_err or {})["truth"],
                )
            )
        m = np.array(meas)
        out.append(
            BootstrapCheck(
                name,
                n_events,
                n_trials,
                float(m[:, 0].std(ddof=1)),
                float(m[:, 1].mean()),
                float(np.mean(np.abs(m[:, 0] - band_cf) <= m[:, 1])),
                float(m[:, 0].mean() - band_cf),
                float(m[:, 2].std(ddof=1)),
                float(m[:, 3].mean()),
                float(np.mean(np.abs(m[:, 2] - dist_cf) <= m[:, 3])),
                float(m[:, 2].mean() - dist_cf),
            )
        )
    return tuple(out)


def run_toy(
    n_events: int = 20000,
    *,
    lambdas: tuple[float, ...] = (0.0, 1.0, 10.0, 100.0),
    seed: int = 0,
    toy: Toy | None = None,
    threads: int = 1,
) -> tuple[ToyRow, ...]:
    """Train linear classifiers on the toy for each lambda; compare with the closed form for
    the direction each one learned, and with the two limits (Fisher, decorrelated)."""
    from .evaluate import working_point
    from .train import TrainConfig, torch_threads, train

    toy = toy or Toy()
    tr, te = toy.sample(n_events, seed=seed), toy.sample(n_events, seed=seed + 1)
    cfg = TrainConfig(
        hidden=(),
        adv_hidden=(16, 16),
        epochs=15,
        pretrain_epochs=10,
        batch_size=512,
        lr=5e-3,
        adv_steps=3,
        threads=threads,
    )
    out = []
    with torch_threads(threads):
        for lam in lambdas:
            model = train(
                tr["x"], tr["y"], tr["w"], tr["variations"], lam=lam, config=cfg, seed=seed
            )
            wp = working_point(
                model.score(te["x"]), te["y"], te["w"], te["variations"], {"truth": te["truth"]}
            )
            u = model.net[0].weight.detach().cpu().numpy().ravel() / model.std
            band_cf, dist_cf = toy.closed_form(u)
            out.append(
                ToyRow(
                    lam,
                    wp.bkg_band,
                    wp.bkg_band_err,
                    band_cf,
                    wp.bkg_distance["truth"],
                    (wp.bkg_distance_err or {})["truth"],
                    dist_cf,
                    wp.auc,
                    tuple((u / np.linalg.norm(u)).tolist()),
                )
            )
    return tuple(out)

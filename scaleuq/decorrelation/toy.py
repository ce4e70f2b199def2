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


def run_toy(
    n_events: int = 20000,
    *,
    lambdas: tuple[float, ...] = (0.0, 1.0, 10.0, 100.0),
    seed: int = 0,
    toy: Toy | None = None,
) -> list[dict[str, float]]:
    """Train linear classifiers on the toy for each lambda; compare with the closed form for
    the direction each one learned, and with the two limits (Fisher, decorrelated)."""
    from .evaluate import working_point
    from .train import TrainConfig, train

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
    )
    out = []
    for lam in lambdas:
        model = train(tr["x"], tr["y"], tr["w"], tr["variations"], lam=lam, config=cfg, seed=seed)
        wp = working_point(
            model.score(te["x"]), te["y"], te["w"], te["variations"], {"truth": te["truth"]}
        )
        u = model.net[0].weight.detach().cpu().numpy().ravel() / model.std
        band_cf, dist_cf = toy.closed_form(u)
        out.append({"lam": lam, "band": wp.bkg_band, "distance": wp.bkg_distance["truth"], "band_closed_form": band_cf,
                    "distance_closed_form": dist_cf, "auc": wp.auc, "direction": (u / np.linalg.norm(u)).tolist()})  # fmt: skip
    return out

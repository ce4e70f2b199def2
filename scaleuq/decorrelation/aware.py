"""The uncertainty-aware (parameterised) classifier of A. Ghosh, B. Nachman, D. Whiteson,
"Uncertainty-aware machine learning for high energy physics", Phys. Rev. D 104 (2021) 056026,
arXiv:2105.08742.

Instead of blinding the classifier to the nuisance, it gets the nuisance as an input: f(x, nu)
with nu = (log2 k_R, log2 k_F), trained on events pooled over many nu so that at every nu it is
the best classifier for that nu; in the fit it is evaluated at the hypothesised nu
(:mod:`.verdict`).

Events at any nu come from each event's nine scale weights. Between the grid points
nu in {-1, 0, 1}^2 the weight is interpolated in log k: log w(nu) is the biquadratic Lagrange
interpolant of the nine log w_k (exact at the nine points; the quadratic in log k is the shape
of the leading-log scale dependence, e.g. alpha_s(k mu)^n and the DGLAP evolution of the PDFs
to second order). Events with a non-positive weight at any point are interpolated linearly in w
instead. Training draws, per event and epoch, nu from the nine grid points (probability 1/2)
or uniformly from [-1, 1]^2 (probability 1/2), and weights the event by w(nu) / w(0) times its
class-balanced nominal weight.
"""

from __future__ import annotations

import numpy as np

from .scales import SCALE_POINTS
from .train import TrainConfig, TrainedModel, TrainingSet, balanced_weights, mlp, torch_module

#: Grid position (i_R, i_F) in {0, 1, 2}^2 of each column of the variations.
_GRID_INDEX = tuple(
    (round(float(np.log2(kr))) + 1, round(float(np.log2(kf))) + 1) for kr, kf in SCALE_POINTS
)


def lagrange3(t: np.ndarray) -> np.ndarray:
    """Quadratic Lagrange basis on the nodes (-1, 0, 1): (..., 3)."""
    t = np.asarray(t, dtype=np.float64)
    return np.stack([0.5 * t * (t - 1.0), 1.0 - t * t, 0.5 * t * (t + 1.0)], axis=-1)


def weights_at(variations: np.ndarray, nu: np.ndarray | tuple[float, float]) -> np.ndarray:
    """Event weights at the nuisance nu = (log2 k_R, log2 k_F) (see the module docstring).

    Args:
        variations: (N, 9) weights at :data:`.scales.SCALE_POINTS`.
        nu: one pair for all events, or (N, 2).
    Returns:
        (N,) weights; at the nine grid points exactly the columns of ``variations``.
    """
    nu = np.broadcast_to(np.asarray(nu, dtype=np.float64), (len(variations), 2))
    lr, lf = lagrange3(nu[:, 0]), lagrange3(nu[:, 1])  # (N, 3) each
    coef = np.stack([lr[:, i] * lf[:, j] for i, j in _GRID_INDEX], axis=1)  # (N, 9)
    positive = (variations > 0).all(axis=1)
    out = np.empty(len(variations))
    with np.errstate(divide="ignore"):
        out[positive] = np.exp((coef[positive] * np.log(variations[positive])).sum(axis=1))
    out[~positive] = (coef[~positive] * variations[~positive]).sum(axis=1)
    return out


def draw_nu(n: int, rng: np.random.Generator) -> np.ndarray:
    """Training nuisances: half on the nine grid points, half uniform in [-1, 1]^2 (n, 2)."""
    grid = rng.integers(-1, 2, size=(n, 2)).astype(np.float64)
    free = rng.uniform(-1.0, 1.0, size=(n, 2))
    return np.where(rng.random(n)[:, None] < 0.5, grid, free)


def train_aware(
    data: TrainingSet, *, config: TrainConfig | None = None, seed: int = 0
) -> TrainedModel:
    """Train f(x, nu) with binary cross-entropy on events pooled over nu, for
    ``config.pretrain_epochs + config.epochs`` epochs (a fresh nu per event and epoch)."""
    torch = torch_module()
    cfg = config or TrainConfig()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    device = torch.device(cfg.device)
    x, y = data.x, data.y
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-12
    wb = balanced_weights(y, data.w)
    nominal = data.variations[:, 0]
    safe = np.where(nominal != 0, nominal, 1.0)
    xt = torch.as_tensor((x - mean) / std, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.float32, device=device)
    clf = mlp(torch, x.shape[1] + 2, cfg.hidden, 1).to(device)
    opt = torch.optim.Adam(clf.parameters(), lr=cfg.lr)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    n = len(y)
    history: list[dict[str, float]] = []
    for epoch in range(cfg.pretrain_epochs + cfg.epochs):
        nu = draw_nu(n, rng)
        w_nu = wb * np.where(nominal != 0, weights_at(data.variations, nu) / safe, 1.0)
        nut = torch.as_tensor(nu, dtype=torch.float32, device=device)
        wt = torch.as_tensor(w_nu, dtype=torch.float32, device=device)
        perm = torch.as_tensor(rng.permutation(n), device=device)
        lc = 0.0
        for start in range(0, n, cfg.batch_size):
            idx = perm[start : start + cfg.batch_size]
            logit = clf(torch.cat([xt[idx], nut[idx]], dim=1)).squeeze(-1)
            loss = (wt[idx] * bce(logit, yt[idx], reduction="none")).sum() / wt[idx].sum()
            lc += float(loss.detach()) * len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append({"phase": "aware", "epoch": epoch, "clf_loss": lc / n})
    clf.eval()
    return TrainedModel(clf, mean, std, history, takes_nu=True)


class Aware:
    """The uncertainty-aware classifier f(x, nu) (Ghosh, Nachman, Whiteson, arXiv:2105.08742)."""

    name = "aware"
    label = "uncertainty-aware f(x, nu)"
    uses_lambda = False
    takes_nu = True

    def train(
        self, data: TrainingSet, *, lam: float, config: TrainConfig, seed: int
    ) -> TrainedModel:
        """Train on events pooled over nu (``lam`` is ignored)."""
        return train_aware(data, config=config, seed=seed)

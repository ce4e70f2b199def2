"""DisCo: a distance-correlation penalty (G. Kasieczka, D. Shih, "Robust jet classifiers
through distance correlation", Phys. Rev. Lett. 125 (2020) 122001, arXiv:2001.05310).

The classifier minimises  L_BCE + lambda * [dCor_w^2(s, z | background) + dCor_w^2(s, z | signal)]
per batch, with s = sigmoid(logit) the classifier output and z the event's standardised log
scale-weight ratios (the 8 columns log(w_k / w_0), :func:`.train.log_ratios`; the same target the
adversary regresses). The squared distance correlation is computed with event weights
(Szekely, Rizzo, Bakirov, Ann. Statist. 35 (2007) 2769; weighted as in Kasieczka-Shih): with
p_i the normalised weights, a_ij = |s_i - s_j|, b_ij = ||z_i - z_j|| (Euclidean over the 8
columns), double-centred A_ij = a_ij - a_i. - a_.j + a.., (a_i. = sum_j p_j a_ij), and
dCov^2(s, z) = sum_ij p_i p_j A_ij B_ij:

    dCor^2(s, z) = dCov^2(s, z) / sqrt(dCov^2(s, s) dCov^2(z, z)),

which is 0 if and only if s and z are independent (in the large-sample limit). Each class is
decorrelated separately, as the adversary (which sees the label) does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .train import (
    TrainConfig,
    TrainedModel,
    TrainingSet,
    balanced_weights,
    log_ratios,
    mlp,
    torch_module,
)


def _double_centred(dist: Any, p: Any) -> Any:
    row = dist @ p
    return dist - row[:, None] - row[None, :] + p @ row


def distance_correlation_sq(s: Any, z: Any, weights: Any) -> Any:
    """Weighted squared distance correlation of a score s (B,) and a vector z (B, D) (torch).

    Differentiable in ``s``; ``weights`` (B,) need not be normalised. Returns 0 when either
    variable is constant."""
    torch = torch_module()
    p = weights / weights.sum()
    a = _double_centred((s[:, None] - s[None, :]).abs(), p)
    with torch.no_grad():
        b = _double_centred(torch.cdist(z, z), p)
    pp = p[:, None] * p[None, :]
    dcov_ab = (pp * a * b).sum()
    dcov_aa = (pp * a * a).sum()
    dcov_bb = (pp * b * b).sum()
    denom = torch.sqrt(dcov_aa * dcov_bb)
    return torch.where(denom > 1e-12, dcov_ab / denom.clamp_min(1e-12), torch.zeros_like(denom))


def distance_correlation_sq_numpy(s: np.ndarray, z: np.ndarray, weights: np.ndarray) -> float:
    """The same in numpy (for evaluation and tests): s (N,), z (N,) or (N, D)."""
    z = z.reshape(len(z), -1)
    p = weights / weights.sum()

    def centred(d: np.ndarray) -> np.ndarray:
        row = d @ p
        return d - row[:, None] - row[None, :] + p @ row

    a = centred(np.abs(s[:, None] - s[None, :]))
    b = centred(np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=-1)))
    pp = np.outer(p, p)
    denom = np.sqrt((pp * a * a).sum() * (pp * b * b).sum())
    return float((pp * a * b).sum() / denom) if denom > 1e-12 else 0.0


def train_disco(
    data: TrainingSet, *, lam: float, config: TrainConfig | None = None, seed: int = 0
) -> TrainedModel:
    """Train a classifier with the DisCo penalty of strength ``lam`` for
    ``config.pretrain_epochs + config.epochs`` epochs (as many as the baseline's).

    The penalty needs both classes in a batch: batches are ``config.batch_size`` events drawn
    in a random order (512 or more keeps the batch estimate of dCor stable)."""
    torch = torch_module()
    cfg = config or TrainConfig()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    device = torch.device(cfg.device)
    x, y = data.x, data.y
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-12
    wb = balanced_weights(y, data.w)
    xt = torch.as_tensor((x - mean) / std, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.float32, device=device)
    wt = torch.as_tensor(wb, dtype=torch.float32, device=device)
    zt = torch.as_tensor(log_ratios(data.variations, wb), dtype=torch.float32, device=device)
    clf = mlp(torch, x.shape[1], cfg.hidden, 1).to(device)
    opt = torch.optim.Adam(clf.parameters(), lr=cfg.lr)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    n = len(y)
    history: list[dict[str, float]] = []
    for epoch in range(cfg.pretrain_epochs + cfg.epochs):
        perm = torch.as_tensor(rng.permutation(n), device=device)
        lc = lp = 0.0
        for start in range(0, n, cfg.batch_size):
            idx = perm[start : start + cfg.batch_size]
            logit = clf(xt[idx]).squeeze(-1)
            wi = wt[idx]
            loss = (wi * bce(logit, yt[idx], reduction="none")).sum() / wi.sum()
            lc += float(loss.detach()) * len(idx)
            if lam > 0:
                out = torch.sigmoid(logit)
                penalty = torch.zeros((), device=device)
                for label in (0.0, 1.0):
                    sel = yt[idx] == label
                    if int(sel.sum()) > 2:
                        penalty = penalty + distance_correlation_sq(out[sel], zt[idx][sel], wi[sel])
                loss = loss + lam * penalty
                lp += float(penalty.detach()) * len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append({"phase": "disco", "epoch": epoch, "clf_loss": lc / n, "dcor2": lp / n})
    clf.eval()
    return TrainedModel(clf, mean, std, history)


class DisCo:
    """Distance-correlation decorrelation (Kasieczka and Shih, arXiv:2001.05310)."""

    name = "disco"
    label = "DisCo (distance correlation)"
    uses_lambda = True
    takes_nu = False

    def train(
        self, data: TrainingSet, *, lam: float, config: TrainConfig, seed: int
    ) -> TrainedModel:
        """Train with loss L_BCE + lam * sum over classes of dCor^2(score, log ratios)."""
        return train_disco(data, lam=lam, config=config, seed=seed)

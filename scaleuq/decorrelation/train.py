"""Classifier and adversary (PyTorch, optional extra ``scaleuq[ml]``).

The adversary of Louppe, Kagan and Cranmer (arXiv:1611.01046) predicts the nuisance from the
classifier output; the classifier minimises L_clf - lambda * L_adv. Here the nuisance is the LO
scale variation, carried by per-event weights w_k (k = 0 nominal, 1..K-1 varied) of the *same*
events. What a variation does to an event is its log weight ratio z_k = log(w_k / w_0); the
adversary regresses the standardised z (all K-1 columns at once, Gaussian likelihood = mean
squared error) from the classifier output and the class label. If the output carries no
information on how an event moves under the variations, no adversary beats the mean and
L_adv = 1 per column: the classifier's selection efficiency is then insensitive to the LO scale
choice. (A soft-label classification of k was tried first: scale variations are nearly a
normalisation per event, so its labels are almost uniform and its gradients vanish.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleuq.errors import MissingDependencyError
from scaleuq.util.jsonio import FieldsDict

log = logging.getLogger(__name__)


def torch_module() -> Any:
    """The torch module, or a MissingDependencyError naming the ``ml`` extra."""
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", "ml", "the decorrelation training") from None
    return torch


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads, then restore the setting.

    The study's networks are small: on a busy 2-core machine torch's default pool (one thread
    per core) made the same quick training take 3 s or 19 s; one thread is the default."""
    torch = torch_module()
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class TrainConfig(FieldsDict):
    """Training settings.

    Attributes:
        hidden: classifier hidden-layer widths (0 layers = logistic regression).
        adv_hidden: adversary hidden-layer widths.
        epochs: joint (classifier + adversary) epochs.
        pretrain_epochs: classifier-only epochs, then as many adversary-only epochs.
        batch_size: events per step.
        lr: Adam learning rate (classifier and adversary).
        adv_steps: adversary updates per classifier update.
        joint_lr_factor: classifier learning rate in the adversarial phase, relative to ``lr``
            (smaller steps keep the classifier from collapsing to a constant output).
        device: ``cpu`` or ``cuda``.
        threads: torch intra-op threads (1: the study's small networks run fastest on one
            thread of a busy machine; the run restores the previous setting afterwards).
    """

    hidden: tuple[int, ...] = (64, 64)
    adv_hidden: tuple[int, ...] = (32, 32)
    epochs: int = 20
    pretrain_epochs: int = 5
    batch_size: int = 1024
    lr: float = 1e-3
    adv_steps: int = 2
    joint_lr_factor: float = 0.2
    device: str = "cpu"
    threads: int = 1


@dataclass(frozen=True)
class TrainingSet:
    """The events a method trains on.

    Attributes:
        x: features (N, F).
        y: labels, 1 signal / 0 background.
        w: nominal event weights (any normalisation; the classes are balanced internally).
        variations: (N, 9) event weights at the LO scale points, in the column order of
            :data:`.scales.SCALE_POINTS` (column 0 nominal).
    """

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    variations: np.ndarray


@dataclass
class TrainedModel:
    """A trained classifier with its input standardisation.

    Attributes:
        net: the torch module (outputs a logit).
        mean, std: feature standardisation.
        history: per-epoch losses.
        takes_nu: the network takes the nuisance nu = (log2 k_R, log2 k_F) as two extra inputs
            (the uncertainty-aware classifier).
    """

    net: Any
    mean: np.ndarray
    std: np.ndarray
    history: list[dict[str, float]] = field(default_factory=list)
    takes_nu: bool = False

    def score(
        self, x: np.ndarray, nu: np.ndarray | tuple[float, float] | None = None
    ) -> np.ndarray:
        """Classifier logits for features ``x`` (higher = more signal-like).

        Args:
            x: features (N, F).
            nu: for a model that takes the nuisance: the hypothesised (log2 k_R, log2 k_F),
                one pair for all events or (N, 2); None = nominal (0, 0). Ignored otherwise.
        """
        torch = torch_module()
        device = next(self.net.parameters()).device
        inputs = (x - self.mean) / self.std
        if self.takes_nu:
            pair = np.zeros(2) if nu is None else np.asarray(nu, dtype=np.float64)
            inputs = np.column_stack([inputs, np.broadcast_to(pair, (len(x), 2))])
        with torch.no_grad():
            t = torch.as_tensor(inputs, dtype=torch.float32, device=device)
            return self.net(t).squeeze(-1).cpu().numpy().astype(np.float64)


def balanced_weights(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Event weights rescaled so that each class sums to half the number of events."""
    wb = w.astype(np.float64).copy()
    for label in (0, 1):
        sel = y == label
        if sel.any():
            wb[sel] *= 0.5 * len(w) / wb[sel].sum()
    return wb


def log_ratios(variations: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Standardised per-event log weight ratios z_k = log(w_k / w_0), k = 1..K-1 (the nuisance
    an event carries); non-finite ratios (zero weights) are set to 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(variations[:, 1:] / variations[:, :1])
    z = np.where(np.isfinite(z), z, 0.0)
    z_mean = np.average(z, axis=0, weights=weights)
    z_std = np.sqrt(np.average((z - z_mean) ** 2, axis=0, weights=weights))
    return (z - z_mean) / np.where(z_std > 1e-12, z_std, 1.0)


def mlp(torch: Any, n_in: int, hidden: tuple[int, ...], n_out: int) -> Any:
    """A ReLU multilayer perceptron."""
    layers: list[Any] = []
    width = n_in
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, n_out))
    return torch.nn.Sequential(*layers)


def train(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    variations: np.ndarray,
    *,
    lam: float = 0.0,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> TrainedModel:
    """Train a classifier, adversarially decorrelated from the scale variations when lam > 0.

    Args:
        x: features (N, F).
        y: labels, 1 signal / 0 background.
        w: nominal event weights (the classes are balanced internally).
        variations: (N, K) event weights under the K scale variations, column 0 nominal.
        lam: adversary strength lambda (0: plain classifier).
        config: training settings.
        seed: seed of the initialisation and the batch order.
    """
    torch = torch_module()
    cfg = config or TrainConfig()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    device = torch.device(cfg.device)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-12
    xt = torch.as_tensor((x - mean) / std, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.float32, device=device)
    wb = balanced_weights(y, w)
    wt = torch.as_tensor(wb, dtype=torch.float32, device=device)
    z = log_ratios(variations, wb)
    zt = torch.as_tensor(z, dtype=torch.float32, device=device)
    k = z.shape[1]

    clf = mlp(torch, x.shape[1], cfg.hidden, 1).to(device)
    adv = mlp(torch, 2, cfg.adv_hidden, k).to(device)
    opt_c = torch.optim.Adam(clf.parameters(), lr=cfg.lr)
    opt_a = torch.optim.Adam(adv.parameters(), lr=cfg.lr)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def adv_loss(logit: Any, idx: Any) -> Any:
        inp = torch.stack([logit, yt[idx]], dim=1)
        err = ((adv(inp) - zt[idx]) ** 2).mean(dim=1)
        return (wt[idx] * err).sum() / wt[idx].sum()

    n = len(y)
    history: list[dict[str, float]] = []
    phases = [
        ("clf", cfg.pretrain_epochs),
        ("adv", cfg.pretrain_epochs if lam > 0 else 0),
        ("joint", cfg.epochs),
    ]
    for phase, n_epochs in phases:
        if phase == "joint" and lam > 0:  # slower classifier steps against the adversary
            for group in opt_c.param_groups:
                group["lr"] = cfg.lr * cfg.joint_lr_factor
        for epoch in range(n_epochs):
            perm = torch.as_tensor(rng.permutation(n), device=device)
            lc = la = 0.0
            for start in range(0, n, cfg.batch_size):
                idx = perm[start : start + cfg.batch_size]
                if phase in ("adv", "joint") and lam > 0:
                    for _ in range(cfg.adv_steps):
                        with torch.no_grad():
                            logit = clf(xt[idx]).squeeze(-1)
                        loss_a = adv_loss(logit, idx)
                        opt_a.zero_grad()
                        loss_a.backward()
                        opt_a.step()
                    la += float(loss_a.detach()) * len(idx)
                if phase in ("clf", "joint"):
                    logit = clf(xt[idx]).squeeze(-1)
                    loss = (wt[idx] * bce(logit, yt[idx], reduction="none")).sum() / wt[idx].sum()
                    lc += float(loss.detach()) * len(idx)
                    if lam > 0 and phase == "joint":
                        # capped at 1 (the standardised targets' variance = an adversary that
                        # knows nothing): no reward for fooling a lagging adversary beyond that
                        loss = loss - lam * torch.clamp(adv_loss(logit, idx), max=1.0)
                    opt_c.zero_grad()
                    loss.backward()
                    opt_c.step()
            history.append({"phase": phase, "epoch": epoch, "clf_loss": lc / n, "adv_loss": la / n})
    clf.eval()
    return TrainedModel(clf, mean, std, history)


class Baseline:
    """No decorrelation: the classifier alone (binary cross-entropy on nominal weights)."""

    name = "baseline"
    label = "baseline (no decorrelation)"
    uses_lambda = False
    takes_nu = False

    def train(
        self, data: TrainingSet, *, lam: float, config: TrainConfig, seed: int
    ) -> TrainedModel:
        """Train a plain classifier (``lam`` is ignored)."""
        return train(data.x, data.y, data.w, data.variations, lam=0.0, config=config, seed=seed)


class Adversarial:
    """The Louppe-Kagan-Cranmer pivot (arXiv:1611.01046) against the scale-weight ratios."""

    name = "adversarial"
    label = "adversarial (pivot)"
    uses_lambda = True
    takes_nu = False

    def train(
        self, data: TrainingSet, *, lam: float, config: TrainConfig, seed: int
    ) -> TrainedModel:
        """Train with loss L_clf - lam * min(L_adv, 1) (see :func:`train`)."""
        return train(data.x, data.y, data.w, data.variations, lam=lam, config=config, seed=seed)

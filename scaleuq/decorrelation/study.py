"""The lambda scan: train plain and adversarial classifiers, and measure at a fixed working
point the LO scale band and the distance to the higher-order proxies (or to real NLO samples).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq._version import __version__
from scaleuq.errors import OptionError

from .evaluate import efficiency, roc_auc, working_point
from .samples import Sample, load_sample
from .train import TrainConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyConfig:
    """Sizes and settings of a study.

    Attributes:
        n_signal, n_background: generated events (before selection) per process.
        lambdas: adversary strengths scanned (0 = plain classifier).
        repeats: trainings per lambda with different seeds (their spread is reported).
        signal_eff: working point.
        kfactor_strengths: strengths a of the parametric K-factor proxy
            K = 1 + a (n_jets - 2) on the background.
        train: the training settings.
    """

    n_signal: int
    n_background: int
    lambdas: tuple[float, ...]
    repeats: int
    signal_eff: float = 0.5
    kfactor_strengths: tuple[float, ...] = (0.1, 0.3)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return asdict(self)


QUICK = StudyConfig(
    n_signal=2500, n_background=9000, lambdas=(0.0, 1.0, 10.0, 30.0, 100.0), repeats=2,
    train=TrainConfig(hidden=(32, 32), adv_hidden=(16, 16), epochs=12, pretrain_epochs=8, batch_size=256, lr=3e-3),
)  # fmt: skip
FULL = StudyConfig(
    n_signal=100_000, n_background=400_000, lambdas=(0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0), repeats=5,
    train=TrainConfig(hidden=(64, 64, 64), adv_hidden=(32, 32), epochs=40, pretrain_epochs=15, batch_size=1024, lr=1e-3),
)  # fmt: skip


def sample_path(directory: Path, process: str, n_events: int, seed: int, gen: Any) -> Path:
    """Cache file of a generated sample: the key holds every setting that changes it."""
    from .generate import ALPHAS_MZ, PDF_SET

    key = json.dumps(
        [process, n_events, seed, gen.to_dict(), PDF_SET, ALPHAS_MZ, __version__.split("+")[0]]
    )
    return (
        directory
        / f"{process}_{n_events}_s{seed}_{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz"
    )


def generate_samples(
    n_signal: int,
    n_background: int,
    *,
    seed: int = 0,
    directory: str | Path = "samples",
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> tuple[Sample, Sample, list[Path]]:
    """Generate (or reuse from ``directory``) the signal and background samples."""
    from .generate import FEATURES, RADIATION, GenConfig, generate

    directory = Path(directory)
    gen = GenConfig()
    out, paths = [], []
    for process, n in (("single_top", n_signal), ("wjets", n_background)):
        path = sample_path(directory, process, n, seed, gen)
        paths.append(path)
        if path.is_file():
            log.info("reusing %s", path)
            out.append(load_sample(path))
            continue
        start = time.perf_counter()

        def tick(k: int, process: str = process, n: int = n, done: list[int] = [0]) -> None:  # noqa: B006
            done[0] += k
            if progress:
                progress(process, done[0], n)

        raw = generate(process, n, seed=seed, config=gen, progress=tick, workers=workers)
        w = raw["weights"]
        proxies = {name: w * raw["radiation"][:, i] for i, name in enumerate(RADIATION)}
        meta = {
            "process": process, "n_generated": raw["n_generated"], "n_selected": len(w),
            "sigma_pb": raw["sigma_pb"], "sigma_err_pb": raw["sigma_err_pb"],
            "sum_weights": raw["sum_weights"], "sum_variations": raw["sum_variations"].tolist(),
            "generator": gen.to_dict(), "seed": seed, "seconds": time.perf_counter() - start,
            "scaleuq_version": __version__,
        }  # fmt: skip
        sample = Sample(raw["features"], FEATURES, w, raw["variations"], proxies, meta)
        sample.save(path)
        out.append(sample)
    return out[0], out[1], paths


@dataclass(frozen=True)
class LambdaRow:
    """Results at one lambda (mean and standard deviation over the repeated trainings)."""

    lam: float
    auc: float
    auc_std: float
    bkg_band: float
    bkg_band_std: float
    bkg_distance: dict[str, float]
    bkg_distance_std: dict[str, float]
    ratio: dict[str, float]
    sig_band: float
    repeats: int
    bkg_band_err: float = 0.0
    bkg_distance_err: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DecorrelationResult:
    """The lambda scan.

    Attributes:
        rows: one :class:`LambdaRow` per lambda.
        proxies: names of the higher-order references: ``radiation_*`` (Pythia shower
            variations on the same events), ``kfactor_a*`` (parametric K-factor), ``nlo``
            (a real NLO sample, when given).
        n_train, n_test: events used.
        config: the study configuration.
        roc: per lambda, (background eff, signal eff) of the first training (for figures).
        samples: sample metadata.
        seconds: wall time of the training and evaluation.
        device: where the networks ran.
    """

    rows: tuple[LambdaRow, ...]
    proxies: tuple[str, ...]
    n_train: int
    n_test: int
    config: StudyConfig
    roc: dict[float, tuple[list[float], list[float]]]
    samples: dict[str, Any]
    seconds: float
    device: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (ROC curves thinned to 200 points)."""
        return {
            "rows": [asdict(r) for r in self.rows], "proxies": list(self.proxies),
            "n_train": self.n_train, "n_test": self.n_test, "config": self.config.to_dict(),
            "samples": self.samples, "seconds": self.seconds, "device": self.device,
            "roc": {str(k): [v[0][:: max(1, len(v[0]) // 200)], v[1][:: max(1, len(v[1]) // 200)]] for k, v in self.roc.items()},
            "labels": {"bkg_band": "max_k |eps_k/eps_0 - 1| of the background efficiency over the 9 LO scale variations",
                       "bkg_distance": "|eps_HO/eps_0 - 1| of the background efficiency for each higher-order reference (proxy or NLO)",
                       "warning": "radiation_* and kfactor_* are proxies for higher-order effects, not NLO predictions"},
        }  # fmt: skip


def _kfactor(features: np.ndarray, names: tuple[str, ...], a: float) -> np.ndarray:
    nj = features[:, names.index("n_jets")]
    return np.clip(1.0 + a * (nj - 2.0), 0.05, None)


def run_study(
    signal: Sample,
    background: Sample,
    *,
    config: StudyConfig = QUICK,
    seed: int = 0,
    nlo_signal: Sample | None = None,
    nlo_background: Sample | None = None,
    progress: Callable[[str], None] | None = None,
) -> DecorrelationResult:
    """Scan lambda: train, then measure band and distance on the held-out half of the events."""
    from .train import train

    if signal.variations is None or background.variations is None:
        raise OptionError("the LO samples need per-event scale-variation weights ('variations')")
    if signal.feature_names != background.feature_names:
        raise OptionError("signal and background samples have different features")
    names = signal.feature_names
    x = np.concatenate([signal.features, background.features])
    y = np.concatenate([np.ones(len(signal), int), np.zeros(len(background), int)])
    w = np.concatenate([signal.weights, background.weights])
    var = np.concatenate([signal.variations, background.variations])
    proxies: dict[str, np.ndarray] = {}
    for name in sorted(set(signal.proxies) & set(background.proxies)):
        proxies[f"radiation_{name[6:]}" if name.startswith("isrfsr") else name] = np.concatenate(
            [signal.proxies[name], background.proxies[name]]
        )
    if "n_jets" in names:
        for a in config.kfactor_strengths:
            kf = np.concatenate([np.ones(len(signal)), _kfactor(background.features, names, a)])
            proxies[f"kfactor_a{a:g}"] = w * kf
    rng = np.random.default_rng(seed)
    test = rng.random(len(y)) < 0.5
    tr = ~test
    dev = config.train.device
    rows, roc = [], {}
    start = time.perf_counter()
    for lam in config.lambdas:
        wps = []
        for rep in range(config.repeats):
            if progress:
                progress(f"lambda={lam:g} training {rep + 1}/{config.repeats}")
            model = train(
                x[tr], y[tr], w[tr], var[tr], lam=lam, config=config.train, seed=seed * 1000 + rep
            )
            scores = model.score(x[test])
            wp = working_point(
                scores,
                y[test],
                w[test],
                var[test],
                {k: v[test] for k, v in proxies.items()},
                signal_eff=config.signal_eff,
            )
            dist = dict(wp.bkg_distance)
            if nlo_background is not None:
                cut = wp.threshold
                eps_lo = wp.bkg_eff
                eps_nlo = efficiency(
                    model.score(nlo_background.features), nlo_background.weights, cut
                )
                dist["nlo"] = float(abs(eps_nlo / eps_lo - 1))
            wps.append((wp, dist))
            if rep == 0:
                _, fpr, tpr = roc_auc(scores, y[test], w[test])
                roc[lam] = (fpr.tolist(), tpr.tolist())
        names_d = list(wps[0][1])
        bands = np.array([wp.bkg_band for wp, _ in wps])
        dists = {n: np.array([d[n] for _, d in wps]) for n in names_d}
        aucs = np.array([wp.auc for wp, _ in wps])
        rows.append(
            LambdaRow(
                lam=lam,
                auc=float(aucs.mean()),
                auc_std=float(aucs.std()),
                bkg_band=float(bands.mean()),
                bkg_band_std=float(bands.std()),
                bkg_distance={n: float(v.mean()) for n, v in dists.items()},
                bkg_distance_std={n: float(v.std()) for n, v in dists.items()},
                ratio={
                    n: float(v.mean() / bands.mean()) if bands.mean() > 0 else float("inf")
                    for n, v in dists.items()
                },
                sig_band=float(np.mean([wp.sig_band for wp, _ in wps])),
                repeats=config.repeats,
                bkg_band_err=float(np.mean([wp.bkg_band_err for wp, _ in wps])),
                bkg_distance_err={
                    n: float(np.mean([(wp.bkg_distance_err or {}).get(n, 0.0) for wp, _ in wps]))
                    for n in names_d
                },
            )
        )
    proxy_names = tuple(rows[0].bkg_distance)
    meta = {"signal": signal.meta, "background": background.meta}
    return DecorrelationResult(
        tuple(rows),
        proxy_names,
        int(tr.sum()),
        int(test.sum()),
        config,
        roc,
        meta,
        time.perf_counter() - start,
        dev,
    )


@dataclass(frozen=True)
class ClosurePoint:
    """One (k_R, k_F) point of the closure test.

    Attributes:
        k_r, k_f: the scale factors.
        ratio_weights: sigma(k)/sigma(1) from the per-event weights of the nominal sample.
        ratio_weights_err: its statistical error.
        ratio_regenerated: the same from a sample regenerated at the varied scale (Pythia's
            multipliers of mu^2 set to k^2).
        ratio_regenerated_err: its statistical error (both samples' integration errors).
        pull: (weights - regenerated) / combined error.
    """

    k_r: float
    k_f: float
    ratio_weights: float
    ratio_weights_err: float
    ratio_regenerated: float
    ratio_regenerated_err: float
    pull: float


def closure(
    process: str,
    n_events: int,
    *,
    seed: int = 0,
    points: tuple[tuple[float, float], ...] = (
        (2.0, 2.0),
        (0.5, 0.5),
        (2.0, 1.0),
        (1.0, 2.0),
        (0.5, 1.0),
        (1.0, 0.5),
    ),
) -> list[ClosurePoint]:
    """Check the scale weights against regenerated samples (hard process only, fast)."""
    from .generate import GenConfig, generate
    from .scales import SCALE_POINTS

    nominal = generate(process, n_events, seed=seed, config=GenConfig(hard_only=True))
    w = nominal["pythia_scale"]
    out = []
    for i, (kr, kf) in enumerate(points):
        k = SCALE_POINTS.index((kr, kf))
        ratio_w = float(w[:, k].mean())
        err_w = float(w[:, k].std(ddof=1) / np.sqrt(len(w)))
        regen = generate(
            process,
            n_events,
            seed=seed + 1 + i,
            config=GenConfig(hard_only=True, renorm_mult=kr**2, factor_mult=kf**2),
        )
        ratio_r = regen["sigma_pb"] / nominal["sigma_pb"]
        err_r = ratio_r * float(
            np.hypot(
                regen["sigma_err_pb"] / regen["sigma_pb"],
                nominal["sigma_err_pb"] / nominal["sigma_pb"],
            )
        )
        out.append(
            ClosurePoint(
                kr,
                kf,
                ratio_w,
                err_w,
                ratio_r,
                err_r,
                (ratio_w - ratio_r) / float(np.hypot(err_w, err_r)),
            )
        )
    return out

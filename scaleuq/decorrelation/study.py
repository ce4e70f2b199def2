"""The study: train each decorrelation method (and each lambda) on half of the events, then on
the other half measure, at a fixed working point, the LO scale band and the distance to the
higher-order references, and run the profile-likelihood verdict (:mod:`.verdict`).

Errors are reported separately: ``*_err`` is the bootstrap of the evaluation events (one Poisson
resample applied to all variations and references at once, 200 resamples, threshold fixed,
mean over the trainings), ``*_std`` the standard deviation over the repeated trainings (seeds).
"""

from __future__ import annotations

import dataclasses
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
from scaleuq.errors import OptionError, SampleError
from scaleuq.util.jsonio import FieldsDict

from .evaluate import efficiency, roc_auc, working_point
from .methods import get_method
from .samples import Sample, load_sample
from .train import TrainConfig, TrainingSet, torch_threads
from .verdict import Events, Reference, VerdictConfig, verdict

log = logging.getLogger(__name__)

#: The methods of the study, in the order of the tables.
DEFAULT_METHODS = ("baseline", "adversarial", "disco", "aware")


@dataclass(frozen=True)
class StudyConfig(FieldsDict):
    """Sizes and settings of a study.

    Attributes:
        n_signal, n_background: generated events (before selection) per process.
        lambdas: strengths scanned per method that takes one (``adversarial``, ``disco``);
            the baseline is the common lambda = 0 point.
        repeats: trainings per (method, lambda) with different seeds (their spread is reported).
        signal_eff: working point of the band and distance (nominal signal efficiency). 0.8:
            at 0.5 the full-size baseline keeps eps_B = 0.3% of the background (about 40 of
            13000 evaluation events), and the band (1.4%) is not distinguishable from its
            statistical error (0.8%); at 0.8, eps_B = 7%, band 1.65% +- 0.28%.
        kfactor_strengths: strengths a of the parametric K-factor proxy
            K = 1 + a (n_jets - 2) on the background.
        train: the training settings.
        verdict: the profile-likelihood settings.
        test_fraction: fraction of the events kept for the evaluation.
        n_boot: bootstrap resamples of the evaluation events.
        nugrid_methods: methods without a nu input whose trainings are also fitted with the
            nu-grid likelihood of the aware method (:func:`.verdict.verdict`,
            ``likelihood="nugrid"``): the diagnostic that separates the likelihood from the
            network (row ``diagnostics["nugrid fit"]``).
        signal_rate_check: also fit the aware method with the signal's rate moving with nu
            (the fit of earlier releases; row ``diagnostics["signal rate in nu"]``).
    """

    n_signal: int
    n_background: int
    lambdas: dict[str, tuple[float, ...]]
    repeats: int
    signal_eff: float = 0.8
    kfactor_strengths: tuple[float, ...] = (0.1, 0.3)
    train: TrainConfig = field(default_factory=TrainConfig)
    verdict: VerdictConfig = field(default_factory=VerdictConfig)
    test_fraction: float = 0.5
    n_boot: int = 200
    nugrid_methods: tuple[str, ...] = ("baseline",)
    signal_rate_check: bool = True


QUICK = StudyConfig(
    n_signal=2500, n_background=9000, repeats=3,
    lambdas={"adversarial": (1.0, 10.0, 100.0), "disco": (0.3, 1.0, 3.0)},
    train=TrainConfig(hidden=(32, 32), adv_hidden=(16, 16), epochs=12, pretrain_epochs=8, batch_size=256, lr=3e-3),
    verdict=VerdictConfig(n_bins=6, nu_points=5),
)  # fmt: skip
#: The full study's networks at 60% of its sample size and with the smallest and largest
#: lambda of each scan: what fits in 45 minutes on 2 cores shared with other jobs (load
#: average about 10) once the samples are generated (benchmarks/README.md).
MEDIUM = StudyConfig(
    n_signal=30_000, n_background=120_000, repeats=5,
    lambdas={"adversarial": (1.0, 10.0), "disco": (0.3, 3.0)},
    train=TrainConfig(hidden=(64, 64), adv_hidden=(32, 32), epochs=20, pretrain_epochs=10, batch_size=512, lr=1e-3),
)  # fmt: skip
FULL = StudyConfig(
    n_signal=50_000, n_background=200_000, repeats=5,
    lambdas={"adversarial": (1.0, 3.0, 10.0), "disco": (0.3, 1.0, 3.0)},
    train=TrainConfig(hidden=(64, 64), adv_hidden=(32, 32), epochs=20, pretrain_epochs=10, batch_size=512, lr=1e-3),
)  # fmt: skip
#: The named sizes of ``scaleuq decorrelation run``.
SIZES = {"quick": QUICK, "medium": MEDIUM, "full": FULL}

#: Measured costs behind :func:`expected_seconds` (one core of the 2-core development machine,
#: shared): seconds per generated event and worker process (single top: 50,000 events in 175 s
#: on 2 processes; W+jets: 200,000 in 3,513 s), selected fraction of the generated events
#: (0.523 and 0.130), and seconds per training and evaluation: a fixed part and a part per
#: training event (the full run of the previous release: 16 trainings of 26,065 events in
#: 634 s; the quick one: 16 of 1,235 in 50 s).
GENERATION_S_PER_EVENT = {"single_top": 175.3 * 2 / 50_000, "wjets": 3513.4 * 2 / 200_000}
SELECTED_FRACTION = {"single_top": 0.523, "wjets": 0.130}
TRAINING_S = (2.4, 1.43e-3)


def n_trainings(config: StudyConfig, methods: tuple[str, ...] = DEFAULT_METHODS) -> int:
    """Trainings of a study: per method, one per lambda (or one), times ``repeats``."""
    per = sum(len(config.lambdas.get(m, ())) or 1 for m in methods)
    return per * config.repeats


def expected_seconds(
    config: StudyConfig,
    *,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    generate: bool = True,
    workers: int = 1,
) -> tuple[float, float]:
    """Rough wall time (generation, study) of a run on an unloaded core per process, from the
    measured costs above (:data:`GENERATION_S_PER_EVENT`, :data:`TRAINING_S`)."""
    gen = 0.0
    if generate:
        gen = (
            config.n_signal * GENERATION_S_PER_EVENT["single_top"]
            + config.n_background * GENERATION_S_PER_EVENT["wjets"]
        ) / max(1, workers)
    n_train = (1 - config.test_fraction) * (
        config.n_signal * SELECTED_FRACTION["single_top"]
        + config.n_background * SELECTED_FRACTION["wjets"]
    )
    study = n_trainings(config, methods) * (TRAINING_S[0] + TRAINING_S[1] * n_train)
    return gen, study


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
    scheduler: str | None = None,
) -> tuple[Sample, Sample, list[Path]]:
    """Generate (or reuse from ``directory``) the signal and background samples, in
    ``workers`` processes or on the Dask cluster at ``scheduler`` (same samples either way).

    A smaller sample of the same process, seed and settings already in ``directory`` (a whole
    number of chunks) is the start of the one asked for (the chunk seeds depend only on the
    seed and the chunk's position): only the missing chunks are generated and appended. The
    events are those of a generation in one go; the totals (cross section, sums of weights)
    too when the smaller sample records its chunks (samples of this release do), and to
    rounding otherwise (meta ``extended_from`` names the sample it was built on).
    """
    from .generate import FEATURES, GenConfig, generate

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
        head_path = _sample_prefix(directory, process, n, seed, gen)
        head = load_sample(head_path) if head_path is not None else None
        n_head = int(head.meta["n_generated"]) if head is not None else 0

        def tick(k: int, process: str = process, n: int = n, done: list[int] = [n_head]) -> None:  # noqa: B006
            done[0] += k
            if progress:
                progress(process, done[0], n)

        if head is not None:
            log.info("extending %s (%d events) to %d events", head_path, n_head, n)
            tick(0)
        raw = generate(
            process, n, seed=seed, config=gen, progress=tick, workers=workers,
            scheduler=scheduler, first_chunk=n_head // CHUNK, chunk=CHUNK,
        )  # fmt: skip
        sample = _new_sample(raw, FEATURES)
        if head is not None:
            sample = _append(head, sample, head_path)
        sample.meta.update(
            process=process, generator=gen.to_dict(), seed=seed, scaleuq_version=__version__,
            seconds=sample.meta.get("seconds", 0.0) + time.perf_counter() - start,
        )  # fmt: skip
        sample.save(path)
        out.append(sample)
    return out[0], out[1], paths


#: Events per generation chunk (one seed each; :func:`.generate.generate`).
CHUNK = 1000


def _sample_prefix(directory: Path, process: str, n: int, seed: int, gen: Any) -> Path | None:
    """The largest sample on disk that the ``n``-event one starts with, if any."""
    for m in range(CHUNK * ((n - 1) // CHUNK), 0, -CHUNK):
        path = sample_path(directory, process, m, seed, gen)
        if path.is_file():
            return path
    return None


def _new_sample(raw: dict[str, Any], features: tuple[str, ...]) -> Sample:
    """A sample from :func:`.generate.generate`'s output (its chunks' totals in the meta)."""
    from .generate import RADIATION, SUMMARY_KEYS

    w = raw["weights"]
    proxies = {name: w * raw["radiation"][:, i] for i, name in enumerate(RADIATION)}
    meta = {key: raw[key] for key in SUMMARY_KEYS[1:]}
    meta.update(
        n_selected=len(w), sum_variations=raw["sum_variations"].tolist(), chunks=raw["chunks"],
    )  # fmt: skip
    return Sample(raw["features"], features, w, raw["variations"], proxies, meta)


def _append(head: Sample, tail: Sample, head_path: Path) -> Sample:
    """``head`` followed by ``tail`` (the later chunks of the same generation)."""
    from .generate import combine_chunks

    if head.feature_names != tail.feature_names or set(head.proxies) != set(tail.proxies):
        raise SampleError(f"{head_path}: its columns differ from this release's; remove it")
    m = head.meta
    # A sample without its chunks (earlier releases) counts as one chunk of its size.
    first = m.get("chunks") or [
        {"size": m["n_generated"], "n_generated": m["n_generated"],
         "sum_weights": m["sum_weights"], "sum_variations": m["sum_variations"],
         "sigma_pb": m["sigma_pb"], "sigma_err_pb": m["sigma_err_pb"], "alphas_mismatch": 0.0}
    ]  # fmt: skip
    chunks = list(first) + list(tail.meta["chunks"])
    meta = dict(tail.meta)
    meta.update(combine_chunks(chunks))
    meta.update(
        n_selected=len(head) + len(tail), sum_variations=meta["sum_variations"].tolist(),
        chunks=chunks, extended_from=head_path.name, seconds=float(m.get("seconds") or 0.0),
    )  # fmt: skip
    return Sample(
        np.concatenate([head.features, tail.features]), head.feature_names,
        np.concatenate([head.weights, tail.weights]),
        np.concatenate([head.variations, tail.variations]),
        {k: np.concatenate([head.proxies[k], tail.proxies[k]]) for k in head.proxies}, meta,
    )  # fmt: skip


@dataclass(frozen=True)
class MethodRow(FieldsDict):
    """Results of one method at one lambda: means over the repeated trainings, ``*_std`` their
    standard deviation, ``*_err`` the bootstrap error of the evaluation sample (mean over the
    trainings).

    Attributes:
        method, lam: the method and its strength (0 for methods without one).
        auc: weighted ROC AUC (nominal weights; the aware classifier at nu = 0).
        bkg_band: max_k |eps_k/eps_0 - 1| of the background efficiency over the 9 scale points.
        sig_band: the same for the signal.
        bkg_distance: |eps_HO/eps_0 - 1| for each higher-order reference.
        ratio: bkg_distance / bkg_band.
        sigma_mu: expected signal-strength uncertainty of the binned fit (Asimov, nominal LO;
            scale nuisances and the templates' MC statistics).
        mu_hat: fitted signal strength on each pseudo-data set ("lo" and the references).
        mu_pull: (mu_hat - 1) / sigma_mu on each.
        sigma_mu_scale, mu_hat_scale, mu_pull_scale: the same with the scale nuisances alone.
        repeats: trainings averaged.
        mc_stat_share: the share of the variance of mu_hat due to the templates' MC statistics,
            1 - (sigma_mu_scale / sigma_mu)^2 (mean over the trainings): close to 1 when the
            evaluation sample is too small for the verdict with MC statistics to be about the
            scale uncertainty; then the scale-only fit (the same Asimov comparison without the
            MC-statistics term) is the one to read.
        span_inside: per reference, the fraction of (score bin, training) pairs in which the
            reference's yield lies inside the span of the nine LO scale points.
        span_shift, span_lo, span_hi: per reference, per bin, the mean over the trainings of
            the reference's shift and of the span's ends (relative to the nominal yield; see
            :func:`.verdict.span_check`).
        diagnostics: other fits of the same trainings, by name ("nugrid fit": a classifier
            without nu fitted with the nu-grid likelihood; "signal rate in nu": the aware fit with
            the signal's rate moving with nu): {"sigma_mu", "sigma_mu_std", "sigma_mu_scale",
            "mu_hat", "mu_hat_std", "mu_hat_scale"}.
        notes: why a value is NaN, or the mean of fewer trainings than ``repeats``.
    """

    method: str
    lam: float
    repeats: int
    auc: float
    auc_std: float
    bkg_band: float
    bkg_band_err: float
    bkg_band_std: float
    sig_band: float
    bkg_distance: dict[str, float]
    bkg_distance_err: dict[str, float]
    bkg_distance_std: dict[str, float]
    ratio: dict[str, float]
    sigma_mu: float
    sigma_mu_std: float
    mu_hat: dict[str, float]
    mu_hat_std: dict[str, float]
    mu_pull: dict[str, float]
    mu_pull_std: dict[str, float]
    sigma_mu_scale: float
    sigma_mu_scale_std: float
    mu_hat_scale: dict[str, float]
    mu_pull_scale: dict[str, float]
    mu_pull_scale_std: dict[str, float]
    mu_hat_scale_std: dict[str, float] = field(default_factory=dict)
    mc_stat_share: float = float("nan")
    span_inside: dict[str, float] = field(default_factory=dict)
    span_shift: dict[str, list[float]] = field(default_factory=dict)
    span_lo: dict[str, list[float]] = field(default_factory=dict)
    span_hi: dict[str, list[float]] = field(default_factory=dict)
    diagnostics: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RocCurve:
    """ROC curve of the first training of a (method, lambda): background and signal
    efficiencies, thinned to at most 200 points."""

    method: str
    lam: float
    bkg_eff: tuple[float, ...]
    sig_eff: tuple[float, ...]


@dataclass(frozen=True)
class DecorrelationResult:
    """The study.

    Attributes:
        rows: one :class:`MethodRow` per (method, lambda).
        methods: the methods run.
        proxies: names of the higher-order references: ``radiation_*`` (Pythia shower
            variations on the same events), ``kfactor_a*`` (parametric K-factor), ``nlo``
            (a real NLO sample, when given). The first two are proxies, not NLO predictions.
        n_train, n_test: events used for training and evaluation.
        yields: expected selected events (signal, background) for the verdict's luminosity.
        config: the study configuration.
        roc: ROC curves (first training per row).
        samples: sample metadata.
        seconds: wall time of training and evaluation; ``seconds_train``: of the training alone.
        device, threads: where the networks ran, torch intra-op threads.
    """

    rows: tuple[MethodRow, ...]
    methods: tuple[str, ...]
    proxies: tuple[str, ...]
    n_train: int
    n_test: int
    yields: dict[str, float]
    config: StudyConfig
    roc: tuple[RocCurve, ...]
    samples: dict[str, Any]
    seconds: float
    seconds_train: float
    device: str
    threads: int

    def rows_of(self, method: str) -> tuple[MethodRow, ...]:
        """The rows of one method, by increasing lambda."""
        return tuple(sorted((r for r in self.rows if r.method == method), key=lambda r: r.lam))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "rows": [r.to_dict() for r in self.rows], "methods": list(self.methods),
            "proxies": list(self.proxies), "n_train": self.n_train, "n_test": self.n_test,
            "yields": self.yields, "config": self.config.to_dict(), "samples": self.samples,
            "seconds": self.seconds, "seconds_train": self.seconds_train, "device": self.device,
            "threads": self.threads, "roc": [asdict(c) for c in self.roc],
            "labels": {
                "bkg_band": "max_k |eps_k/eps_0 - 1| of the background efficiency over the 9 LO scale variations",
                "bkg_distance": "|eps_HO/eps_0 - 1| of the background efficiency for each higher-order reference (proxy or NLO)",
                "_err": "bootstrap of the evaluation events (one resample for all variations), mean over trainings",
                "_std": "standard deviation over the repeated trainings",
                "sigma_mu": "expected uncertainty of the signal strength, binned profile-likelihood fit (pyhf) to Asimov nominal LO",
                "mu_pull": "(mu_hat - 1) / sigma_mu with mu_hat fitted to Asimov data of each reference",
                "warning": "radiation_* and kfactor_* are proxies for higher-order effects, not NLO predictions",
            },
        }  # fmt: skip


def _kfactor(features: np.ndarray, names: tuple[str, ...], a: float) -> np.ndarray:
    nj = features[:, names.index("n_jets")]
    return np.clip(1.0 + a * (nj - 2.0), 0.05, None)


def expected_events(sample: Sample, luminosity_pb: float) -> float:
    """Expected selected events of a sample for ``luminosity_pb``: L sigma eps, with sigma the
    generator's cross section (``meta['sigma_pb']``) and eps the selected fraction of the
    generated nominal weight (``sum_weights``) or of the generated events; without a cross
    section the weights are taken as pb per event."""
    m = sample.meta
    total = float(np.sum(sample.weights))
    if "sigma_pb" not in m:
        return luminosity_pb * total
    if m.get("sum_weights"):
        eff = total / float(m["sum_weights"])
    elif m.get("n_generated"):
        eff = len(sample) / float(m["n_generated"])
    else:
        eff = 1.0
    return luminosity_pb * float(m["sigma_pb"]) * eff


def _mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and standard deviation of the finite values (NaN when none is finite)."""
    a = np.asarray(values, dtype=np.float64)
    a = a[np.isfinite(a)]
    if len(a) == 0:
        return float("nan"), float("nan")
    return float(a.mean()), float(a.std())


def run_study(
    signal: Sample,
    background: Sample,
    *,
    config: StudyConfig = QUICK,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    seed: int = 0,
    nlo_background: Sample | None = None,
    progress: Callable[[str], None] | None = None,
) -> DecorrelationResult:
    """Train every method (and lambda) ``config.repeats`` times and evaluate each training on
    the held-out events: working point (band, distance, bootstrap) and profile-likelihood
    verdict. Torch runs with ``config.train.threads`` intra-op threads."""
    chosen = [get_method(m) for m in methods]
    if not chosen:
        raise OptionError("no decorrelation method chosen")
    if signal.variations is None or background.variations is None:
        raise OptionError("the LO samples need per-event scale-variation weights ('variations')")
    if signal.feature_names != background.feature_names:
        raise OptionError("signal and background samples have different features")
    if nlo_background is not None and nlo_background.feature_names != background.feature_names:
        raise OptionError("the NLO background sample has other features than the LO samples")
    for m in chosen:
        if m.uses_lambda and not config.lambdas.get(m.name):
            raise OptionError(f"no lambda values configured for method {m.name!r}")
    names = signal.feature_names
    ns, nb = len(signal), len(background)
    x = np.concatenate([signal.features, background.features])
    y = np.concatenate([np.ones(ns, int), np.zeros(nb, int)])
    w = np.concatenate([signal.weights, background.weights])
    var = np.concatenate([signal.variations, background.variations])
    proxies: dict[str, np.ndarray] = {}
    for name in sorted(set(signal.proxies) & set(background.proxies)):
        proxies[f"radiation_{name[6:]}" if name.startswith("isrfsr") else name] = np.concatenate(
            [signal.proxies[name], background.proxies[name]]
        )
    if "n_jets" in names:
        for a in config.kfactor_strengths:
            kf = np.concatenate([np.ones(ns), _kfactor(background.features, names, a)])
            proxies[f"kfactor_a{a:g}"] = w * kf
    rng = np.random.default_rng(seed)
    test = rng.random(len(y)) < config.test_fraction
    tr = ~test
    data = TrainingSet(x[tr], y[tr], w[tr], var[tr])
    # the verdict's events, weighted in expected events for the luminosity
    lumi = config.verdict.luminosity_pb
    ts, tb = test & (y == 1), test & (y == 0)
    fs = expected_events(signal, lumi) / w[ts].sum()
    fb = expected_events(background, lumi) / w[tb].sum()
    sig_ev = Events(x[ts], fs * w[ts], fs * var[ts])
    bkg_ev = Events(x[tb], fb * w[tb], fb * var[tb])
    refs = {
        name: Reference(Events(sig_ev.x, fs * p[ts]), Events(bkg_ev.x, fb * p[tb]))
        for name, p in proxies.items()
    }
    if nlo_background is not None:
        fn = expected_events(nlo_background, lumi) / nlo_background.weights.sum()
        refs["nlo"] = Reference(
            Events(sig_ev.x, sig_ev.w), Events(nlo_background.features, fn * nlo_background.weights)
        )
    test_proxies = {k: v[test] for k, v in proxies.items()}
    rows: list[MethodRow] = []
    curves: list[RocCurve] = []
    t_train = 0.0
    start = time.perf_counter()
    with torch_threads(config.train.threads):
        for method in chosen:
            for lam in config.lambdas[method.name] if method.uses_lambda else (0.0,):
                runs = []
                for rep in range(config.repeats):
                    if progress:
                        progress(
                            f"{method.name} lambda={lam:g} training {rep + 1}/{config.repeats}"
                        )
                    t0 = time.perf_counter()
                    model = method.train(data, lam=lam, config=config.train, seed=seed * 1000 + rep)
                    t_train += time.perf_counter() - t0
                    scores = model.score(x[test])
                    wp = working_point(
                        scores, y[test], w[test], var[test], test_proxies,
                        signal_eff=config.signal_eff, n_boot=config.n_boot, seed=seed + rep,
                    )  # fmt: skip
                    dist, dist_err = dict(wp.bkg_distance), dict(wp.bkg_distance_err or {})
                    if nlo_background is not None:
                        eps_nlo = efficiency(
                            model.score(nlo_background.features),
                            nlo_background.weights,
                            wp.threshold,
                        )
                        dist["nlo"] = float(abs(eps_nlo / wp.bkg_eff - 1))
                        dist_err["nlo"] = float("nan")
                    fit = verdict(model, sig_ev, bkg_ev, refs, config=config.verdict)
                    extra: dict[str, Any] = {}
                    if method.name in config.nugrid_methods and not method.takes_nu:
                        extra["nugrid fit"] = verdict(
                            model, sig_ev, bkg_ev, refs, config=config.verdict,
                            likelihood="nugrid",
                        )  # fmt: skip
                    if method.takes_nu and config.signal_rate_check:
                        extra["signal rate in nu"] = verdict(
                            model, sig_ev, bkg_ev, refs,
                            config=dataclasses.replace(config.verdict, signal_rate_in_nu=True),
                        )  # fmt: skip
                    runs.append((wp, dist, dist_err, fit, extra))
                    if rep == 0:
                        _, fpr, tpr = roc_auc(scores, y[test], w[test])
                        step = max(1, len(fpr) // 200)
                        curves.append(
                            RocCurve(
                                method.name,
                                lam,
                                tuple(fpr[::step].tolist()),
                                tuple(tpr[::step].tolist()),
                            )
                        )
                rows.append(_row(method.name, lam, runs))
    proxy_names = tuple(rows[0].bkg_distance)
    meta = {"signal": signal.meta, "background": background.meta}
    if nlo_background is not None:
        meta["nlo_background"] = nlo_background.meta
    return DecorrelationResult(
        tuple(rows), tuple(m.name for m in chosen), proxy_names, int(tr.sum()), int(test.sum()),
        {"signal": float(sig_ev.w.sum()), "background": float(bkg_ev.w.sum())}, config,
        tuple(curves), meta, time.perf_counter() - start, t_train, config.train.device,
        config.train.threads,
    )  # fmt: skip


def _row(method: str, lam: float, runs: list[tuple[Any, ...]]) -> MethodRow:
    wps = [r[0] for r in runs]
    dists, errs, fits = [r[1] for r in runs], [r[2] for r in runs], [r[3] for r in runs]
    extras: list[dict[str, Any]] = [r[4] if len(r) > 4 else {} for r in runs]
    names = list(dists[0])
    refs = list(fits[0].mu_hat)
    notes: list[str] = []
    n = len(runs)

    def stat(label: str, values: list[float]) -> tuple[float, float]:
        bad = sum(1 for v in values if not np.isfinite(v))
        if bad == n:
            notes.append(f"{label}: NaN in all {n} trainings")
        elif bad:
            notes.append(f"{label}: mean and spread of {n - bad} of {n} trainings ({bad} NaN)")
        return _mean_std(values)

    auc, auc_std = stat("AUC", [wp.auc for wp in wps])
    bad_wp = sum(1 for wp in wps if not np.isfinite(wp.bkg_band))
    if bad_wp:
        notes.append(
            f"LO band and distances: NaN in {bad_wp} of {n} trainings: no background weight "
            "passes the working point's threshold (eps_B = 0), so eps_k/eps_0 is 0/0"
            + (f"; mean of the other {n - bad_wp}" if bad_wp < n else "")
        )
    band, band_std = _mean_std([wp.bkg_band for wp in wps])
    sigma, sigma_std = stat("sigma_mu", [f.sigma_mu for f in fits])
    dist = {k: _mean_std([d[k] for d in dists]) for k in names}
    mu = {k: stat(f"mu_hat {k}", [f.mu_hat[k] for f in fits]) for k in refs}
    pull = {k: _mean_std([f.mu_pull[k] for f in fits]) for k in refs}
    sigma_s, sigma_s_std = stat("sigma_mu (scale only)", [f.sigma_mu_scale for f in fits])
    mu_s = {k: stat(f"mu_hat {k} (scale only)", [f.mu_hat_scale[k] for f in fits]) for k in refs}
    pull_s = {k: _mean_std([f.mu_pull_scale[k] for f in fits]) for k in refs}
    for f in fits:
        notes.extend(f"fit of {why}" for why in f.failed)
    share = _mean_std(
        [1.0 - (f.sigma_mu_scale / f.sigma_mu) ** 2 if f.sigma_mu > 0 else np.nan for f in fits]
    )[0]
    span_refs = [k for k in refs if all(k in f.span for f in fits)]
    span_inside = {
        k: float(np.mean([x for f in fits for x in f.span[k]["inside"]])) for k in span_refs
    }

    def per_bin(k: str, key: str) -> list[float]:
        rows = [f.span[k][key] for f in fits]
        if len({len(r) for r in rows}) != 1:  # merged bins in some training: first training
            return [float(v) for v in rows[0]]
        return np.mean(np.array(rows, dtype=np.float64), axis=0).tolist()

    diagnostics: dict[str, dict[str, Any]] = {}
    for key in sorted({k for e in extras for k in e}):
        dfits = [e[key] for e in extras if key in e]
        ds, ds_std = _mean_std([f.sigma_mu for f in dfits])
        dm = {k: _mean_std([f.mu_hat[k] for f in dfits]) for k in refs}
        diagnostics[key] = {
            "sigma_mu": ds, "sigma_mu_std": ds_std,
            "sigma_mu_scale": _mean_std([f.sigma_mu_scale for f in dfits])[0],
            "mu_hat": {k: v[0] for k, v in dm.items()},
            "mu_hat_std": {k: v[1] for k, v in dm.items()},
            "mu_hat_scale": {k: _mean_std([f.mu_hat_scale[k] for f in dfits])[0] for k in refs},
            "failed": sorted({why for f in dfits for why in f.failed}),
        }  # fmt: skip
    if not band > 0:
        notes.append("ratio: infinite, the LO band is zero")
    return MethodRow(
        method=method, lam=lam, repeats=n, auc=auc, auc_std=auc_std,
        bkg_band=band, bkg_band_err=float(np.mean([wp.bkg_band_err for wp in wps])), bkg_band_std=band_std,
        sig_band=float(np.mean([wp.sig_band for wp in wps])),
        bkg_distance={k: v[0] for k, v in dist.items()},
        bkg_distance_err={k: float(np.mean([e.get(k, np.nan) for e in errs])) for k in names},
        bkg_distance_std={k: v[1] for k, v in dist.items()},
        ratio={k: v[0] / band if band > 0 else float("inf") for k, v in dist.items()},
        sigma_mu=sigma, sigma_mu_std=sigma_std,
        mu_hat={k: v[0] for k, v in mu.items()}, mu_hat_std={k: v[1] for k, v in mu.items()},
        mu_pull={k: v[0] for k, v in pull.items()}, mu_pull_std={k: v[1] for k, v in pull.items()},
        sigma_mu_scale=sigma_s, sigma_mu_scale_std=sigma_s_std,
        mu_hat_scale={k: v[0] for k, v in mu_s.items()},
        mu_pull_scale={k: v[0] for k, v in pull_s.items()},
        mu_pull_scale_std={k: v[1] for k, v in pull_s.items()},
        mu_hat_scale_std={k: v[1] for k, v in mu_s.items()},
        mc_stat_share=share, span_inside=span_inside,
        span_shift={k: per_bin(k, "shift") for k in span_refs},
        span_lo={k: per_bin(k, "lo") for k in span_refs},
        span_hi={k: per_bin(k, "hi") for k in span_refs},
        diagnostics=diagnostics, notes=tuple(dict.fromkeys(notes)),
    )  # fmt: skip


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

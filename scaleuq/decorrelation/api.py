"""Public entry points of the decorrelation study (the library calls behind
``scaleuq decorrelation run|closure|toy``, :mod:`benchmarks.bench_decorrelation` and the
notebooks). Each returns a frozen result with ``to_dict()``.

Figures are drawn by :mod:`scaleuq.report.plot_decorrelation` (this layer never imports
matplotlib); nothing here writes outside ``samples_dir`` (the cache of generated samples).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scaleuq.errors import MissingDependencyError, OptionError

from .samples import Sample
from .study import (
    DEFAULT_METHODS,
    SIZES,
    ClosurePoint,
    DecorrelationResult,
    StudyConfig,
    closure,
    generate_samples,
    run_study,
)
from .toy import BootstrapCheck, ToyRow, bootstrap_check, run_toy

__all__ = [
    "ClosureResult", "DecorrelationRun", "GeneratedSamples", "ToyResult", "decorrelation_closure",
    "decorrelation_generate", "decorrelation_toy", "require_extras", "run_decorrelation",
]  # fmt: skip

#: The optional packages of the study and the extra that installs each.
EXTRAS = {"pythia8mc": "mc", "fastjet": "mc", "torch": "ml", "pyhf": "ml"}
#: What needs them.
GENERATION = ("pythia8mc", "fastjet")
TRAINING = ("torch", "pyhf")


def require_extras(modules: tuple[str, ...], feature: str) -> None:
    """Import each of ``modules`` now, so that a missing optional package is named, with the
    extra that installs it (:data:`EXTRAS`: ``pip install "scaleuq[mc]"`` for Pythia and
    FastJet, ``scaleuq[ml]`` for torch and pyhf), before any work is done.

    Raises:
        MissingDependencyError: the first module that cannot be imported.
    """
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingDependencyError(name, EXTRAS.get(name, "ml"), feature) from None


@dataclass(frozen=True)
class DecorrelationRun:
    """A run of the study with its provenance.

    Attributes:
        result: the study (rows per method and lambda).
        size: "quick", "medium", "full" or "custom".
        inputs: the sample files really read (the user's, or the generated cache files).
        generated: those of ``inputs`` this run generated (the others were reused).
        seconds_generation: wall time spent generating (or loading) samples.
        seed: the seed of the split, the trainings and the generation.
    """

    result: DecorrelationResult
    size: str
    inputs: tuple[str, ...]
    generated: tuple[str, ...]
    seconds_generation: float
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (the study's fields at the top level)."""
        return {
            "size": self.size, "inputs": list(self.inputs), "generated": list(self.generated),
            "seconds_generation": self.seconds_generation, "seed": self.seed,
            **self.result.to_dict(),
        }  # fmt: skip


def run_decorrelation(
    *,
    size: str = "full",
    config: StudyConfig | None = None,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    signal: str | Path | None = None,
    background: str | Path | None = None,
    nlo_background: str | Path | None = None,
    samples_dir: str | Path = "samples",
    seed: int = 0,
    device: str = "cpu",
    threads: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
    generation_progress: Callable[[str, int, int], None] | None = None,
) -> DecorrelationRun:
    """Run the decorrelation study.

    Args:
        size: a named configuration (:data:`.study.SIZES`: quick, medium, full) unless
            ``config`` is given.
        config: a custom configuration (then ``size`` is reported as "custom").
        methods: methods to run (:data:`.methods.METHODS`).
        signal, background: the user's LO samples (.npz, :mod:`.samples`); both or neither.
            Neither: Pythia samples of ``config``'s sizes are generated into ``samples_dir``,
            or reused from there (hash-keyed file names).
        nlo_background: a genuine NLO background sample: reported as reference "nlo".
        samples_dir: the cache of generated samples.
        seed: seed of generation, split and trainings.
        device: torch device ("cpu", "cuda").
        threads: torch intra-op threads during the run (default 1, see
            :func:`.train.torch_threads`).
        workers: processes for the generation (default: all cores).
        scheduler: generate on this Dask cluster instead (``tcp://host:8786``); the samples
            are identical to those of one process for the same seed.
        progress: called with a line per training.
        generation_progress: called with (process, events done, events wanted).
    """
    from .samples import load_sample

    if config is None:
        if size not in SIZES:
            raise OptionError(f"unknown size {size!r}: choose from {', '.join(SIZES)}")
        config = SIZES[size]
    else:
        size = "custom"
    if threads < 1:
        raise OptionError(f"threads must be at least 1, got {threads}")
    config = dataclasses.replace(
        config, train=dataclasses.replace(config.train, device=device, threads=threads)
    )
    if (signal is None) != (background is None):
        raise OptionError("give both the signal and the background sample, or neither")
    require_extras(TRAINING, "the decorrelation study")
    if signal is None:
        require_extras(
            GENERATION, "generating the decorrelation samples (or give --signal and --background)"
        )
    start = time.perf_counter()
    generated: tuple[str, ...] = ()
    if signal is not None and background is not None:
        sig, bkg = load_sample(signal), load_sample(background)
        inputs = [str(signal), str(background)]
    else:
        before = (
            {p for p in Path(samples_dir).glob("*.npz")} if Path(samples_dir).is_dir() else set()
        )
        sig, bkg, paths = generate_samples(
            config.n_signal, config.n_background, seed=seed, directory=samples_dir,
            progress=generation_progress, workers=workers, scheduler=scheduler,
        )  # fmt: skip
        inputs = [str(p) for p in paths]
        generated = tuple(str(p) for p in paths if p not in before)
    nlo = load_sample(nlo_background) if nlo_background is not None else None
    if nlo_background is not None:
        inputs.append(str(nlo_background))
    t_gen = time.perf_counter() - start
    result = run_study(
        sig, bkg, config=config, methods=tuple(methods), seed=seed, nlo_background=nlo,
        progress=progress,
    )  # fmt: skip
    return DecorrelationRun(result, size, tuple(inputs), generated, t_gen, seed)


@dataclass(frozen=True)
class ClosureResult:
    """Scale weights against samples regenerated at the varied scales.

    Attributes:
        points: per process, one :class:`.study.ClosurePoint` per (k_R, k_F).
        n_events: events per sample.
        seed: generation seed.
    """

    points: dict[str, tuple[ClosurePoint, ...]]
    n_events: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "n_events": self.n_events, "seed": self.seed,
            "points": {p: [asdict(c) for c in pts] for p, pts in self.points.items()},
        }  # fmt: skip


def decorrelation_closure(
    processes: tuple[str, ...] = ("wjets", "single_top"), *, n_events: int = 20000, seed: int = 0
) -> ClosureResult:
    """Closure of the per-event scale weights: sigma(k)/sigma(1) from the weights of a nominal
    sample against samples regenerated with Pythia's scale multipliers (hard process only)."""
    from .generate import PROCESSES

    for p in processes:
        if p not in PROCESSES:
            raise OptionError(f"unknown process {p!r}: choose from {', '.join(PROCESSES)}")
    require_extras(GENERATION, "the closure test (event generation)")
    return ClosureResult(
        {p: tuple(closure(p, n_events, seed=seed)) for p in processes}, n_events, seed
    )


@dataclass(frozen=True)
class ToyResult:
    """The analytic toy.

    Attributes:
        rows: one trained linear classifier per lambda against the closed form.
        bootstrap: the check of the bootstrap errors on independent samples (empty when not
            asked).
        n_events, seed: events per sample, seed.
    """

    rows: tuple[ToyRow, ...]
    bootstrap: tuple[BootstrapCheck, ...]
    n_events: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "n_events": self.n_events, "seed": self.seed,
            "rows": [asdict(r) for r in self.rows],
            "bootstrap": [asdict(b) for b in self.bootstrap],
        }  # fmt: skip


def decorrelation_toy(
    n_events: int = 20000,
    *,
    lambdas: tuple[float, ...] = (0.0, 1.0, 10.0, 100.0),
    seed: int = 0,
    threads: int = 1,
    bootstrap_trials: int = 0,
) -> ToyResult:
    """Train on the analytic toy and compare with the closed form; with
    ``bootstrap_trials`` > 0 also check the bootstrap errors on that many independent samples
    (:func:`.toy.bootstrap_check`)."""
    if n_events < 100:
        raise OptionError(f"the toy needs at least 100 events, got {n_events}")
    require_extras(("torch",), "the decorrelation toy")
    rows = run_toy(n_events, lambdas=tuple(lambdas), seed=seed, threads=threads)
    check = (
        bootstrap_check(n_events, n_trials=bootstrap_trials, seed=seed)
        if bootstrap_trials > 0
        else ()
    )
    return ToyResult(rows, check, n_events, seed)


@dataclass(frozen=True)
class GeneratedSamples:
    """The study's samples as generated (or reused from the cache).

    Attributes:
        signal, background: the samples (:class:`.samples.Sample`).
        paths: their cache files (signal, background), as built from ``directory``.
    """

    signal: Sample
    background: Sample
    paths: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: per sample its path, process, selected and generated events,
        cross section and generation time."""
        return {
            "samples": [
                {"path": path, "process": s.meta["process"], "n_selected": len(s),
                 "n_generated": s.meta["n_generated"], "sigma_pb": s.meta["sigma_pb"],
                 "sigma_err_pb": s.meta["sigma_err_pb"], "seconds": s.meta.get("seconds")}
                for s, path in zip((self.signal, self.background), self.paths, strict=True)
            ]
        }  # fmt: skip


def decorrelation_generate(
    n_events: int,
    *,
    seed: int = 0,
    directory: str | Path = "samples",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> GeneratedSamples:
    """Generate (or reuse) the study's samples: ``n_events`` single top and ``4 n_events``
    W+jets (:func:`.study.generate_samples`), in ``workers`` processes or on the Dask cluster
    at ``scheduler``; the samples do not depend on either (chunks with fixed seeds).

    Returns:
        the samples and their cache paths.
    """
    if workers is not None and workers < 1:
        raise OptionError(f"workers must be at least 1, got {workers}")
    require_extras(GENERATION, "event generation")
    signal, background, paths = generate_samples(
        n_events, 4 * n_events, seed=seed, directory=directory, progress=progress,
        workers=workers, scheduler=scheduler,
    )  # fmt: skip
    return GeneratedSamples(signal, background, tuple(str(p) for p in paths))

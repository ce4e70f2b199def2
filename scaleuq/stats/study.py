"""The pull-distribution study: which distribution do scale pulls follow, and how far can a
scale band be trusted? :func:`fit` bundles the distribution fits, coverage and calibration of
one set of pulls (before or after the reference-process correction)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import OptionError
from scaleuq.stats.coverage import Calibration, CoverageRow, calibrate, coverage_table
from scaleuq.stats.fitting import ModelFit, fit_models
from scaleuq.stats.models import MODELS

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.reference import ReferenceCorrection

from scaleuq.choices import STAGES


@dataclass(frozen=True)
class FitStudy:
    """Fits, coverage and calibration of one set of pulls.

    Attributes:
        stage: ``before`` or ``after`` the reference-process correction.
        convention: the Delta sigma convention of the pulls.
        include_pdf: whether PDF uncertainties were added in quadrature.
        processes: names of the processes with a defined pull, in the order of ``pulls``.
        classes: their process classes.
        pulls: the defined pulls.
        n_undefined: processes left out because their pull is undefined.
        fits: one :class:`~scaleuq.fitting.ModelFit` per model.
        coverage: :class:`~scaleuq.coverage.CoverageRow` list (overall and per class).
        calibration: :class:`~scaleuq.coverage.Calibration` per target coverage.
        seed: the seed behind every random step.
    """

    stage: str
    convention: str
    include_pdf: bool
    processes: tuple[str, ...]
    classes: tuple[str, ...]
    pulls: np.ndarray
    n_undefined: int
    fits: tuple[ModelFit, ...]
    coverage: tuple[CoverageRow, ...]
    calibration: tuple[Calibration, ...]
    seed: int

    @property
    def best_aic(self) -> str:
        """Model with the lowest AIC."""
        return min(self.fits, key=lambda f: f.aic).model

    @property
    def best_bic(self) -> str:
        """Model with the lowest BIC."""
        return min(self.fits, key=lambda f: f.bic).model

    def fit_of(self, model: str) -> ModelFit:
        """The fit of one model."""
        return next(f for f in self.fits if f.model == model)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (keys documented in the README)."""
        return {
            "stage": self.stage,
            "convention": self.convention,
            "include_pdf": self.include_pdf,
            "seed": self.seed,
            "n_pulls": int(self.pulls.size),
            "n_undefined": self.n_undefined,
            "pulls": [
                {"process": p, "process_class": c, "pull": float(t)}
                for p, c, t in zip(self.processes, self.classes, self.pulls, strict=True)
            ],
            "fits": {f.model: f.to_dict() for f in self.fits},
            "best_aic": self.best_aic,
            "best_bic": self.best_bic,
            "coverage": [asdict(r) for r in self.coverage],
            "calibration": [asdict(c) for c in self.calibration],
        }


def stage_pulls(
    correction: ReferenceCorrection, stage: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pulls of one stage of a correction as ``(processes, classes, pulls)`` (NaN: undefined)."""
    if stage not in STAGES:
        raise OptionError(f"unknown stage '{stage}'; choose 'before' or 'after'")
    frame = correction.table
    column = "pull" if stage == "before" else "pull_ref"
    return (
        frame["process"].to_numpy(),
        frame["process_class"].to_numpy(),
        frame[column].to_numpy(float),
    )


def fit(
    table: pd.DataFrame,
    *,
    stage: str = "before",
    convention: str = "directional",
    include_pdf: bool = False,
    reference: Any = None,
    n_mode: str = "final-state",
    models: tuple[str, ...] = tuple(MODELS),
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
) -> FitStudy:
    """Fit the distribution of scale pulls and measure coverage and calibration.

    Args:
        table: canonical cross-section table.
        stage: ``before`` (raw pulls) or ``after`` the reference-process correction.
        convention, include_pdf: as for :func:`scaleuq.pull.pulls`.
        reference, n_mode: as for :func:`scaleuq.reference.reference_correct` (stage ``after``).
        models: models to fit (:data:`scaleuq.models.MODELS`).
        n_bootstrap: resamples for parameter and calibration intervals.
        n_gof: pseudo samples for the goodness-of-fit p-values.
        seed: the seed of every random step (same seed, same numbers).
    """
    from scaleuq.pull.reference import reference_correct

    correction = reference_correct(
        table, reference=reference, convention=convention, include_pdf=include_pdf, n_mode=n_mode
    )
    return fit_stage(
        correction, stage, models=models, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed
    )


def fit_stage(
    correction: ReferenceCorrection,
    stage: str,
    *,
    models: tuple[str, ...] = tuple(MODELS),
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
) -> FitStudy:
    """:func:`fit` on the pulls of one stage of an existing correction (nothing recomputed)."""
    processes, classes, pulls = stage_pulls(correction, stage)
    ok = np.isfinite(pulls)
    if ok.sum() < 3:
        raise OptionError(f"only {int(ok.sum())} defined pulls: too few to fit a distribution")
    seeds = np.random.SeedSequence(seed).spawn(2)
    fits = fit_models(
        pulls[ok], models, n_bootstrap=n_bootstrap, n_gof=n_gof,
        seed=int(seeds[0].generate_state(1)[0]),
    )  # fmt: skip
    return FitStudy(
        stage=stage,
        convention=correction.before.convention,
        include_pdf=correction.before.include_pdf,
        processes=tuple(processes[ok]),
        classes=tuple(classes[ok]),
        pulls=pulls[ok],
        n_undefined=int((~ok).sum()),
        fits=fits,
        coverage=tuple(coverage_table(pulls, classes)),
        calibration=tuple(
            calibrate(
                pulls, n_bootstrap=max(n_bootstrap, 1), seed=int(seeds[1].generate_state(1)[0])
            )
        ),
        seed=seed,
    )

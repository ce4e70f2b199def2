"""The pull-distribution study: which distribution do scale pulls follow, and how far can a
scale band be trusted? :func:`fit` bundles the distribution fits, coverage and calibration of
one set of pulls (before or after the reference-process correction)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import OptionError
from scaleuq.stats.coverage import (
    Calibration,
    CoverageRow,
    OutOfSample,
    calibrate,
    coverage_table,
    out_of_sample,
)
from scaleuq.stats.fitting import ModelFit, check_seed, fit_models
from scaleuq.stats.models import model_names

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.pulls import PullResult
    from scaleuq.pull.reference import ReferenceAverage, ReferenceCorrection

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
        fits: one :class:`~scaleuq.stats.fitting.ModelFit` per model.
        coverage: :class:`~scaleuq.coverage.CoverageRow` list (overall and per class).
        calibration: :class:`~scaleuq.coverage.Calibration` per target coverage (in-sample:
            the target quantile of these |t|; see :attr:`recommended_calibration`).
        seed: the seed behind every random step.
        from_order, to_order: the orders of the pulls (default LO -> NLO).
        caveat: a warning that holds for these pulls (points of one perturbative series are
            correlated, not independent processes), or None.
        out_of_sample: :class:`~scaleuq.stats.coverage.OutOfSample` per target: leave-one-out
            coverage and the out-of-sample (conformal) factor.
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
    from_order: str = "lo"
    to_order: str = "nlo"
    caveat: str | None = None
    out_of_sample: tuple[OutOfSample, ...] = ()

    @property
    def best_aic(self) -> str:
        """Model with the lowest AIC."""
        return min(self.fits, key=lambda f: f.aic).model

    @property
    def best_bic(self) -> str:
        """Model with the lowest BIC."""
        return min(self.fits, key=lambda f: f.bic).model

    @property
    def recommended_calibration(self) -> tuple[dict[str, Any], ...]:
        """The recommended inflation factors: the out-of-sample (split-conformal) ones of
        :attr:`out_of_sample`, one per target; :attr:`calibration` holds the in-sample
        quantiles (they cover these very pulls by construction)."""
        return tuple(
            {
                "target": o.target, "factor": o.factor, "method": "split-conformal",
                "loo_coverage": o.factor_loo_coverage, "guaranteed": o.reached,
                "in_sample_factor": o.in_sample_factor,
            }
            for o in self.out_of_sample
        )  # fmt: skip

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
            "recommended_calibration": list(self.recommended_calibration),
            "calibration": [asdict(c) for c in self.calibration],
            "out_of_sample": [o.to_dict() for o in self.out_of_sample],
            "from_order": self.from_order,
            "to_order": self.to_order,
            "caveat": self.caveat,
        }


def stage_pulls(
    source: PullResult | ReferenceCorrection, stage: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pulls of one stage as ``(processes, classes, pulls)`` (NaN: undefined).

    ``source`` is a reference correction (either stage) or plain pulls (stage ``before``).
    """
    from scaleuq.pull.reference import ReferenceCorrection

    if stage not in STAGES:
        raise OptionError(f"unknown stage '{stage}'; choose 'before' or 'after'")
    if isinstance(source, ReferenceCorrection):
        frame = source.table
    elif stage == "after":
        raise OptionError("the 'after' stage needs the reference correction, not plain pulls")
    else:
        frame = source.table
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
    reference: pd.DataFrame | ReferenceAverage | str | os.PathLike[str] | None = None,
    reference_select: str | None = None,
    n_mode: str = "final-state",
    models: tuple[str, ...] | None = None,
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
    from_order: str = "lo",
    to_order: str = "nlo",
) -> FitStudy:
    """Fit the distribution of scale pulls and measure coverage and calibration.

    Stage ``before`` fits the raw pulls and computes no reference correction; stage ``after``
    computes the correction (:func:`scaleuq.pull.reference.reference_correct`) and fits the
    corrected pulls.

    Args:
        table: canonical cross-section table.
        stage: ``before`` (raw pulls) or ``after`` the reference-process correction.
        convention, include_pdf: as for :func:`scaleuq.pull.pulls.pulls`.
        reference, reference_select, n_mode: as for
            :func:`scaleuq.pull.reference.reference_correct`; stage ``after`` only (given with
            stage ``before`` they are an error, since they would change nothing).
        models: models to fit (names in :mod:`scaleuq.stats.models`); default every
            registered model.
        n_bootstrap: resamples for parameter and calibration intervals.
        n_gof: pseudo samples for the goodness-of-fit p-values.
        seed: the seed of every random step (same seed, same numbers).
        from_order, to_order: the orders compared (stage ``before`` only; the reference
            correction is built from LO bands). On a perturbative series (rows with
            dimensionless ``*_value`` columns, or orders beyond LO -> NLO) the result carries
            :data:`SERIES_CAVEAT`: its points are correlated, so the coverage intervals and
            bootstrap errors, which assume independent processes, are too narrow.

    Raises:
        OptionError: an unknown stage or model, reference options with stage ``before``, or
            fewer than 3 defined pulls.
    """
    from scaleuq.io.tables import as_table
    from scaleuq.pull.pulls import pulls
    from scaleuq.pull.reference import reference_correct

    if stage not in STAGES:
        raise OptionError(f"unknown stage '{stage}'; choose 'before' or 'after'")
    table = as_table(table, dataset="table")  # a DataFrame in any table format, as read_table
    if stage == "before":
        given = [
            name
            for name, value in (
                ("reference", reference),
                ("reference_select", reference_select),
                ("n_mode", None if n_mode == "final-state" else n_mode),
            )
            if value is not None
        ]
        if given:
            raise OptionError(
                f"{', '.join(given)} only apply to the reference-corrected pulls (stage 'after', "
                "--after); the 'before' stage fits the raw pulls"
            )
        source: PullResult | ReferenceCorrection = pulls(
            table, convention=convention, include_pdf=include_pdf, from_order=from_order,
            to_order=to_order,
        )  # fmt: skip
    elif (from_order, to_order) != ("lo", "nlo"):
        raise OptionError(
            "the reference correction assigns LO bands of QCD processes: it applies to LO -> NLO "
            f"only, not {from_order} -> {to_order}; fit the raw pulls (stage 'before')"
        )
    else:
        source = reference_correct(
            table,
            reference=reference,
            reference_select=reference_select,
            convention=convention,
            include_pdf=include_pdf,
            n_mode=n_mode,
        )
    study = fit_stage(source, stage, models=models, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed)
    values = [c for c in table.columns if str(c).endswith("_value")]
    series = (from_order, to_order) != ("lo", "nlo") or bool(
        values and table[values].notna().to_numpy().any()
    )
    return replace(
        study, from_order=from_order, to_order=to_order, caveat=SERIES_CAVEAT if series else None
    )


#: Printed with fits of a perturbative series (``scaleuq fit`` on ``scaleuq series`` output).
SERIES_CAVEAT = (
    "the points of one perturbative series (several observables and kinematic points of one "
    "calculation with one PDF) are correlated, not independent processes: coverage intervals "
    "and bootstrap errors assume independence and are too narrow"
)


def fit_stage(
    source: PullResult | ReferenceCorrection,
    stage: str,
    *,
    models: tuple[str, ...] | None = None,
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
) -> FitStudy:
    """:func:`fit` on the pulls of one stage of existing pulls or an existing correction
    (nothing recomputed)."""
    from scaleuq.pull.reference import ReferenceCorrection

    processes, classes, pulls = stage_pulls(source, stage)
    plain = source.before if isinstance(source, ReferenceCorrection) else source
    ok = np.isfinite(pulls)
    if ok.sum() < 3:
        raise OptionError(f"only {int(ok.sum())} defined pulls: too few to fit a distribution")
    seeds = np.random.SeedSequence(check_seed(seed)).spawn(2)  # negative seeds: OptionError
    fits = fit_models(
        pulls[ok], model_names() if models is None else tuple(models),
        n_bootstrap=n_bootstrap, n_gof=n_gof, seed=int(seeds[0].generate_state(1)[0]),
    )  # fmt: skip
    return FitStudy(
        stage=stage,
        convention=plain.convention,
        include_pdf=plain.include_pdf,
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
        # leave-one-out coverage of the factors above (in-sample), and the conformal factors
        out_of_sample=tuple(
            out_of_sample(pulls[ok], t) for t in (0.682689492137086, 0.9544997361036416)
        )
        if ok.sum() >= 3
        else (),
    )

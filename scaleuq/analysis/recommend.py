"""A recommended scale band for any process, with or without NLO (``scaleuq recommend``).

For every process:

* the raw LO band (up, down) as given in its table;
* the reference band n x <Delta sigma / (n sigma_0)> of Tilman Plehn's reference-process
  correction (:mod:`scaleuq.pull.reference`), upward and downward; it needs only n, so it exists
  for processes without NLO too;
* the calibration factors s68 and s95 of a corpus of processes with LO and NLO: the quantiles of
  |t| that make the bands cover 68.3% and 95.4% of the corpus (:func:`scaleuq.stats.coverage.
  calibrate`, seeded as :func:`scaleuq.stats.study.fit_stage`), with bootstrap intervals;
* the recommended bands s68 x band and s95 x band, where the band is the reference band when the
  corpus was calibrated after the correction (default) and the raw band when before.

A recommended downward band of 100% or more would let the cross section reach zero; it is
capped at 100% and the cap is named in ``notes``. The default corpus is every bundled process
with LO and NLO (arXiv:1405.0301 rows a.1-a.10 and the tri-boson and p p > h rows of
Ghosh et al., arXiv:2210.15167), corrected with the bundled QCD reference set (Table 1 there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.reference import ReferenceAverage, ReferenceCorrection
    from scaleuq.stats.coverage import Calibration

#: Where the default corpus and reference set come from (for the ``source`` strings).
BUNDLED_CORPUS = "bundled:pulls (arXiv:1405.0301 a.1-a.10; arXiv:2210.15167 tri-bosons, p p > h)"
BUNDLED_REFERENCE = "bundled:reference (arXiv:2210.15167 Table 1, QCD-only processes)"
#: Largest downward band quoted: beyond it the cross section would reach zero.
MAX_DOWN = 1.0


def _opt(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class CorpusCalibration:
    """Calibration factors of a corpus of pulls.

    Attributes:
        corpus: names of the corpus inputs (``bundled:pulls`` by default).
        stage: ``after`` (pulls against the reference band) or ``before`` (raw bands).
        convention: Delta sigma convention of the pulls.
        n_mode: how n was counted.
        reference: the reference average of the correction.
        reference_source: where the reference set comes from.
        processes: corpus processes with a defined pull.
        pulls: their pulls at ``stage``.
        factor_68, factor_95: :class:`~scaleuq.stats.coverage.Calibration` (factor, bootstrap
            68% interval) for 68.3% and 95.4% coverage.
        n_bootstrap, seed: bootstrap resamples and seed behind the intervals.
    """

    corpus: tuple[str, ...]
    stage: str
    convention: str
    n_mode: str
    reference: ReferenceAverage
    reference_source: str
    processes: tuple[str, ...]
    pulls: np.ndarray
    factor_68: Calibration
    factor_95: Calibration
    n_bootstrap: int
    seed: int

    @property
    def source(self) -> str:
        """One line naming the corpus and the fit behind the factors."""
        return (
            f"calibration of {self.pulls.size} pulls {self.stage} the reference correction "
            f"({', '.join(self.corpus)}; convention {self.convention}; {self.n_bootstrap} "
            f"bootstrap resamples, seed {self.seed})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        from dataclasses import asdict

        return {
            "corpus": list(self.corpus),
            "stage": self.stage,
            "convention": self.convention,
            "n_mode": self.n_mode,
            "reference": self.reference.to_dict(),
            "reference_source": self.reference_source,
            "n_pulls": int(self.pulls.size),
            "pulls": [
                {"process": p, "pull": float(t)}
                for p, t in zip(self.processes, self.pulls, strict=True)
            ],
            "factor_68": asdict(self.factor_68),
            "factor_95": asdict(self.factor_95),
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "source": self.source,
        }


def calibrate_corpus(
    corpus: pd.DataFrame | None = None,
    *,
    corpus_names: tuple[str, ...] | None = None,
    reference: pd.DataFrame | None = None,
    reference_name: str | None = None,
    stage: str = "after",
    convention: str = "directional",
    n_mode: str = "final-state",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> CorpusCalibration:
    """Pulls of a corpus and the factors that make its bands cover 68.3% and 95.4%.

    Args:
        corpus: canonical table of processes with LO and NLO; default the bundled data.
        corpus_names: names of the corpus files (for the sources).
        reference: the reference set of the correction; default the bundled QCD table.
        reference_name: its name (for the sources).
        stage: ``after`` (default) or ``before`` the reference correction.
        convention, n_mode: as for :func:`scaleuq.pull.reference.reference_correct`.
        n_bootstrap: resamples for the intervals of the factors.
        seed: seed of the bootstrap.
    """
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct
    from scaleuq.stats.coverage import calibrate
    from scaleuq.stats.study import stage_pulls

    if n_bootstrap < 1:
        raise OptionError(f"--bootstrap must be at least 1, got {n_bootstrap}")
    table = load_bundled("pulls") if corpus is None else corpus
    ref_table = load_bundled("reference") if reference is None else reference
    correction = reference_correct(table, reference=ref_table, convention=convention, n_mode=n_mode)
    processes, _, pulls = stage_pulls(correction, stage)
    ok = np.isfinite(pulls)
    if ok.sum() < 3:
        raise OptionError(f"only {int(ok.sum())} defined pulls in the corpus: too few to calibrate")
    # the bootstrap seed is derived exactly as in scaleuq.stats.study.fit_stage, so the factors
    # and intervals equal those of `scaleuq fit` with the same seed
    boot_seed = int(np.random.SeedSequence(seed).spawn(2)[1].generate_state(1)[0])
    c68, c95 = calibrate(pulls, n_bootstrap=n_bootstrap, seed=boot_seed)[:2]
    return CorpusCalibration(
        corpus=corpus_names or (("bundled:pulls",) if corpus is None else ("table",)),
        stage=stage,
        convention=convention,
        n_mode=n_mode,
        reference=correction.reference,
        reference_source=reference_name
        or (BUNDLED_REFERENCE if reference is None else "given reference table"),
        processes=tuple(processes[ok]),
        pulls=pulls[ok],
        factor_68=c68,
        factor_95=c95,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )


@dataclass(frozen=True)
class Band:
    """An asymmetric relative band: up and down as positive fractions (None: not available)."""

    up: float | None
    down: float | None

    def scaled(self, factor: float) -> Band:
        """The band times ``factor`` (downward capped at :data:`MAX_DOWN`)."""
        return Band(
            None if self.up is None else self.up * factor,
            None if self.down is None else min(self.down * factor, MAX_DOWN),
        )

    def to_dict(self) -> dict[str, float | None]:
        """JSON-safe representation."""
        return {"up": self.up, "down": self.down}


@dataclass(frozen=True)
class ProcessRecommendation:
    """The bands of one process.

    Attributes:
        process, id: the process and its label.
        n: the n of the reference correction (counted by ``n_mode``).
        source: ``file:line`` of the row the raw band comes from.
        raw: the LO scale band as given.
        k_minus_1: sigma_NLO / sigma_LO - 1, None without NLO.
        pull, pull_ref: the pull against the raw and the reference band (None where undefined).
        reason: why the pull is undefined (None if defined).
        reference: the reference band n x <Delta sigma / (n sigma_0)>.
        recommended_68, recommended_95: s68 and s95 times the calibrated band.
        recommended_68_low, recommended_68_high: the 68% band with the bootstrap interval of s68.
        calibrated_band: which band the factors multiply (``reference`` or ``raw``).
        notes: caps and missing numbers.
    """

    process: str
    id: str | None
    n: float | None
    source: str
    raw: Band
    k_minus_1: float | None
    pull: float | None
    pull_ref: float | None
    reason: str | None
    reference: Band
    recommended_68: Band
    recommended_95: Band
    recommended_68_low: Band
    recommended_68_high: Band
    calibrated_band: str
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.to_dict() if isinstance(value, Band) else value
        out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class Recommendation:
    """Recommended bands for a set of processes (:func:`recommend`).

    Attributes:
        processes: one :class:`ProcessRecommendation` per input row, in input order.
        calibration: the corpus calibration behind the factors.
        sources: where each kind of number comes from (``raw``, ``reference``, ``factors``).
    """

    processes: tuple[ProcessRecommendation, ...]
    calibration: CorpusCalibration
    sources: dict[str, str]

    def of(self, process: str) -> ProcessRecommendation:
        """The recommendation of one process (normalised process string)."""
        from scaleuq.io.process import normalize_process

        name = normalize_process(process)
        for p in self.processes:
            if p.process == name:
                return p
        raise OptionError(
            f"no process '{process}' among {', '.join(p.process for p in self.processes)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "sources": dict(self.sources),
            "calibration": self.calibration.to_dict(),
            "processes": [p.to_dict() for p in self.processes],
        }


def _band(up: float, dn: float) -> Band:
    return Band(_opt(up), _opt(dn))


def recommend(
    table: pd.DataFrame | None = None,
    *,
    calibration: CorpusCalibration | None = None,
    table_names: tuple[str, ...] | None = None,
    convention: str = "directional",
    n_mode: str = "final-state",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> Recommendation:
    """The raw, reference and recommended bands of every process in ``table``.

    Args:
        table: canonical table (NLO optional); default every bundled process.
        calibration: the corpus calibration; default :func:`calibrate_corpus` on the bundled
            data after the reference correction.
        table_names: names of the input files (for the sources).
        convention, n_mode: used for the default calibration and for the pulls shown.
        n_bootstrap, seed: for the default calibration.
    """
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct

    if calibration is None:
        calibration = calibrate_corpus(
            convention=convention, n_mode=n_mode, n_bootstrap=n_bootstrap, seed=seed
        )
    names = table_names or (("bundled:pulls",) if table is None else ("table",))
    table = load_bundled("pulls") if table is None else table
    correction: ReferenceCorrection = reference_correct(
        table, reference=calibration.reference, convention=calibration.convention,
        n_mode=calibration.n_mode,
    )  # fmt: skip
    ref = calibration.reference
    s68 = calibration.factor_68
    s95 = calibration.factor_95
    rows = []
    for r in correction.table.itertuples(index=False):
        raw = _band(r.lo_scale_up_rel, r.lo_scale_dn_rel)
        n = _opt(r.n_counted)
        reference = (
            Band(n * ref.per_particle_up, n * ref.per_particle_dn) if n else Band(None, None)
        )
        base = reference if calibration.stage == "after" else raw
        notes = []
        if raw.up is None or raw.down is None:
            missing = " and ".join(
                s for s, v in (("upward", raw.up), ("downward", raw.down)) if v is None
            )
            notes.append(f"no {missing} LO band in the input")
        if n is None:
            notes.append("n unknown: no reference band")
        rec = [base.scaled(f) for f in (s68.factor, s95.factor, s68.low, s68.high)]
        for label, band in zip(("68%", "95%"), rec[:2], strict=True):
            if band.down is not None and band.down >= MAX_DOWN:
                notes.append(f"{label} downward band capped at 100% (sigma would reach zero)")
        reason = r.reason if isinstance(r.reason, str) else None
        rows.append(
            ProcessRecommendation(
                process=r.process,
                id=r.id if isinstance(r.id, str) else None,
                n=n,
                source=str(r.source) if isinstance(r.source, str) else names[0],
                raw=raw,
                k_minus_1=_opt(r.k_minus_1),
                pull=_opt(r.pull),
                pull_ref=_opt(r.pull_ref),
                reason=reason,
                reference=reference,
                recommended_68=rec[0],
                recommended_95=rec[1],
                recommended_68_low=rec[2],
                recommended_68_high=rec[3],
                calibrated_band="reference" if calibration.stage == "after" else "raw",
                notes=tuple(notes),
            )
        )
    sources = {
        "raw": f"the input table ({', '.join(names)}), row per process (see 'source')",
        "reference": (
            f"n x <Delta sigma/(n sigma_0)> = n x (+{100 * ref.per_particle_up:.2f}%, "
            f"-{100 * ref.per_particle_dn:.2f}%) over {ref.n_processes} reference processes, "
            f"{calibration.reference_source}; n counted as {ref.n_mode}"
        ),
        "factors": calibration.source,
        "recommended": (
            f"s68 = {s68.factor:.3g} and s95 = {s95.factor:.3g} times the "
            f"{'reference' if calibration.stage == 'after' else 'raw'} band; downward capped at 100%"
        ),
    }
    return Recommendation(tuple(rows), calibration, sources)


def calibration_from_files(
    corpus: tuple[str, ...] | list[str] = (),
    *,
    stage: str = "after",
    convention: str = "directional",
    n_mode: str = "final-state",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> CorpusCalibration:
    """:func:`calibrate_corpus` on corpus files (``()``: the bundled data)."""
    table = None
    if corpus:
        from scaleuq.io.tables import read_tables

        table = read_tables(list(corpus))
    return calibrate_corpus(
        table, corpus_names=tuple(corpus) or None, stage=stage, convention=convention,
        n_mode=n_mode, n_bootstrap=n_bootstrap, seed=seed,
    )  # fmt: skip


def recommend_files(
    tables: tuple[str, ...] | list[str] = (),
    *,
    corpus: tuple[str, ...] | list[str] = (),
    stage: str = "after",
    convention: str = "directional",
    n_mode: str = "final-state",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> Recommendation:
    """:func:`recommend` for table files (``()``: every bundled process) against a corpus."""
    calibration = calibration_from_files(
        corpus, stage=stage, convention=convention, n_mode=n_mode, n_bootstrap=n_bootstrap,
        seed=seed,
    )  # fmt: skip
    table = None
    if tables:
        from scaleuq.io.tables import read_tables

        table = read_tables(list(tables))
    return recommend(table, calibration=calibration, table_names=tuple(tables) or None)

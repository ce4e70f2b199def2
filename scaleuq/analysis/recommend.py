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

from scaleuq.choices import FACTOR_KINDS
from scaleuq.errors import OptionError
from scaleuq.util.jsonio import FieldsDict

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.reference import ReferenceAverage, ReferenceCorrection
    from scaleuq.stats.coverage import Calibration, OutOfSample

#: Where the default corpus and reference set come from (for the ``source`` strings).
BUNDLED_CORPUS = "bundled:pulls (arXiv:1405.0301 a.1-a.10; arXiv:2210.15167 tri-bosons, p p > h)"
BUNDLED_REFERENCE = "bundled:reference (arXiv:2210.15167 Table 1, QCD-only processes)"
#: Largest downward band quoted: beyond it the cross section would reach zero.
MAX_DOWN = 1.0
#: Fewest pulls of one sign for that side's own calibration (else it is extrapolated).
MIN_SIDE_PULLS = 3


@dataclass(frozen=True)
class SideFactors:
    """The factors of one direction of the band (upward: pulls t > 0; downward: t < 0).

    With the directional convention a positive pull is measured against the upward band and a
    negative one against the downward band, so each side is calibrated on the pulls of its own
    sign. With fewer than :data:`MIN_SIDE_PULLS` of them the side is *extrapolated*: it takes
    the factors of all |t| (and says so).

    Attributes:
        side: ``up`` or ``down``.
        n: pulls of this sign.
        kind: ``out-of-sample`` or ``in-sample`` (which factors are used).
        factor_68, factor_95: the factors used for this side.
        extrapolated: True when the side has too few pulls of its own.
        note: one line saying where the factors come from.
        out_of_sample_68, out_of_sample_95: :class:`~scaleuq.stats.coverage.OutOfSample` of
            this side's pulls (None when extrapolated).
    """

    side: str
    n: int
    kind: str
    factor_68: float
    factor_95: float
    extrapolated: bool
    note: str
    out_of_sample_68: OutOfSample | None
    out_of_sample_95: OutOfSample | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        out = dict(self.__dict__)
        for key in ("out_of_sample_68", "out_of_sample_95"):
            out[key] = None if out[key] is None else out[key].to_dict()
        return out


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
        out_of_sample_68, out_of_sample_95: in-sample and leave-one-out coverage of all |t|,
            and the out-of-sample (conformal) factors.
        factors: which factors the recommended bands use (:data:`FACTOR_KINDS`).
        up, down: :class:`SideFactors` of each direction.
        tail_processes: corpus processes the reference correction flags as tail.
        s95_without_tail: in-sample s95 without them (None with fewer than 3 pulls left).
        s95_oos_without_tail: out-of-sample s95 without them (None likewise).
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
    out_of_sample_68: OutOfSample = None  # type: ignore[assignment]
    out_of_sample_95: OutOfSample = None  # type: ignore[assignment]
    factors: str = "out-of-sample"
    up: SideFactors = None  # type: ignore[assignment]
    down: SideFactors = None  # type: ignore[assignment]
    tail_processes: tuple[str, ...] = ()
    s95_without_tail: float | None = None
    s95_oos_without_tail: float | None = None

    def __post_init__(self) -> None:
        """Built from pulls alone (as ``scaleuq figures`` does): the out-of-sample fields are
        computed here (no tail processes known)."""
        if self.out_of_sample_68 is None:
            fields = _sample_fields(
                np.asarray(self.pulls, float), tuple(self.processes), set(),
                self.factor_68, self.factor_95, self.factors,
            )  # fmt: skip
            for key, value in fields.items():
                object.__setattr__(self, key, value)

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
            "in_sample": {
                "68": self.out_of_sample_68.in_sample_coverage,
                "95": self.out_of_sample_95.in_sample_coverage,
            },
            "out_of_sample_68": self.out_of_sample_68.to_dict(),
            "out_of_sample_95": self.out_of_sample_95.to_dict(),
            "factors": self.factors,
            "up": self.up.to_dict(),
            "down": self.down.to_dict(),
            "tail_processes": list(self.tail_processes),
            "s95_without_tail": self.s95_without_tail,
            "s95_oos_without_tail": self.s95_oos_without_tail,
        }


def _sample_fields(
    defined: np.ndarray,
    processes: tuple[str, ...],
    flagged: set[str],
    c68: Calibration,
    c95: Calibration,
    factors: str,
) -> dict[str, Any]:
    """The in-/out-of-sample fields of :class:`CorpusCalibration` (see its attributes)."""
    from scaleuq.stats.coverage import gaussian_coverage, out_of_sample

    p95 = gaussian_coverage(2.0)
    o68, o95 = out_of_sample(defined, c68.target), out_of_sample(defined, p95)
    pooled = (o68.factor, o95.factor) if factors == "out-of-sample" else (c68.factor, c95.factor)

    def side(name: str, sel: np.ndarray) -> SideFactors:
        t = np.abs(defined[sel])
        sign = "positive" if name == "up" else "negative"
        if t.size < MIN_SIDE_PULLS:
            return SideFactors(
                name, int(t.size), factors, *pooled, True,
                f"extrapolated: {t.size} {sign} pull(s) of {defined.size}; the factors of all |t| "
                "are used", None, None,
            )  # fmt: skip
        s68, s95 = out_of_sample(t, c68.target), out_of_sample(t, p95)
        used = (
            (s68.factor, s95.factor)
            if factors == "out-of-sample"
            else (s68.in_sample_factor, s95.in_sample_factor)
        )
        note = f"calibrated on the {t.size} {sign} pulls"
        if factors == "out-of-sample" and not s95.reached:
            need = int(np.ceil(p95 / (1 - p95)))
            note += (
                f"; {t.size} pulls cannot guarantee 95.4% out of sample (needs {need}): s95 is "
                "the largest |t|"
            )
        return SideFactors(name, int(t.size), factors, *used, False, note, s68, s95)

    tail = tuple(p for p in processes if p in flagged)
    rest = np.array([t for p, t in zip(processes, defined, strict=True) if p not in tail])
    s95_rest = float(np.quantile(np.abs(rest), p95)) if rest.size >= 3 else None
    s95_oos_rest = out_of_sample(rest, p95).factor if rest.size >= 3 else None
    return {
        "out_of_sample_68": o68,
        "out_of_sample_95": o95,
        "factors": factors,
        "up": side("up", defined > 0),
        "down": side("down", defined < 0),
        "tail_processes": tail,
        "s95_without_tail": s95_rest,
        "s95_oos_without_tail": s95_oos_rest,
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
    factors: str = "out-of-sample",
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
        factors: ``out-of-sample`` (default: conformal factors, which cover a new process
            with the target probability) or ``in-sample`` (the quantiles of the corpus |t|).
    """
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct
    from scaleuq.stats.fitting import check_seed

    seed = check_seed(seed)
    if n_bootstrap < 1:
        raise OptionError(f"--bootstrap must be at least 1, got {n_bootstrap}")
    if factors not in FACTOR_KINDS:
        raise OptionError(f"unknown factors '{factors}'; choose {', '.join(FACTOR_KINDS)}")
    table = load_bundled("pulls") if corpus is None else corpus
    ref_table = load_bundled("reference") if reference is None else reference
    correction = reference_correct(table, reference=ref_table, convention=convention, n_mode=n_mode)
    return calibrate_correction(
        correction,
        corpus_names=corpus_names or (("bundled:pulls",) if corpus is None else ("table",)),
        reference_name=reference_name
        or (BUNDLED_REFERENCE if reference is None else "given reference table"),
        stage=stage, n_bootstrap=n_bootstrap, seed=seed, factors=factors,
    )  # fmt: skip


def calibrate_correction(
    correction: ReferenceCorrection,
    *,
    corpus_names: tuple[str, ...],
    reference_name: str,
    stage: str = "after",
    n_bootstrap: int = 2000,
    seed: int = 0,
    factors: str = "out-of-sample",
) -> CorpusCalibration:
    """:func:`calibrate_corpus` on pulls already reference-corrected (``scaleuq figures``
    calibrates its own corpus this way); the same factors for the same seed."""
    from scaleuq.stats.coverage import calibrate
    from scaleuq.stats.study import stage_pulls

    processes, _, pulls = stage_pulls(correction, stage)
    ok = np.isfinite(pulls)
    if ok.sum() < 3:
        raise OptionError(f"only {int(ok.sum())} defined pulls in the corpus: too few to calibrate")
    # the bootstrap seed is derived exactly as in scaleuq.stats.study.fit_stage, so the factors
    # and intervals equal those of `scaleuq fit` with the same seed
    boot_seed = int(np.random.SeedSequence(seed).spawn(2)[1].generate_state(1)[0])
    c68, c95 = calibrate(pulls, n_bootstrap=n_bootstrap, seed=boot_seed)[:2]
    flagged = correction.table.loc[correction.table["flagged"].astype(bool), "process"]
    extra = _sample_fields(pulls[ok], tuple(processes[ok]), set(flagged), c68, c95, factors)
    return CorpusCalibration(
        corpus=tuple(corpus_names),
        stage=stage,
        convention=correction.before.convention,
        n_mode=correction.reference.n_mode,
        reference=correction.reference,
        reference_source=reference_name,
        processes=tuple(processes[ok]),
        pulls=pulls[ok],
        factor_68=c68,
        factor_95=c95,
        n_bootstrap=n_bootstrap,
        seed=seed,
        **extra,
    )


@dataclass(frozen=True)
class Band(FieldsDict):
    """An asymmetric relative band: up and down as positive fractions (None: not available)."""

    up: float | None
    down: float | None

    def scaled(self, factor: float, factor_down: float | None = None) -> Band:
        """The band times ``factor`` (downward: times ``factor_down`` if given, capped at
        :data:`MAX_DOWN`)."""
        down = factor if factor_down is None else factor_down
        return Band(
            None if self.up is None else self.up * factor,
            None if self.down is None else min(self.down * down, MAX_DOWN),
        )


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
        recommended_68, recommended_95: the calibrated band times the factors of each side
            (out-of-sample by default, see :class:`CorpusCalibration`).
        recommended_68_low, recommended_68_high: the band times the bootstrap interval of the
            in-sample s68.
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
    factors: str = "out-of-sample",
) -> Recommendation:
    """The raw, reference and recommended bands of every process in ``table``.

    Args:
        table: canonical table (NLO optional); default every bundled process.
        calibration: the corpus calibration; default :func:`calibrate_corpus` on the bundled
            data after the reference correction.
        table_names: names of the input files (for the sources).
        convention, n_mode: used for the default calibration and for the pulls shown.
        n_bootstrap, seed, factors: for the default calibration.
    """
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct

    if calibration is None:
        calibration = calibrate_corpus(
            convention=convention, n_mode=n_mode, n_bootstrap=n_bootstrap, seed=seed,
            factors=factors,
        )  # fmt: skip
    names = table_names or (("bundled:pulls",) if table is None else ("table",))
    table = load_bundled("pulls") if table is None else table
    correction: ReferenceCorrection = reference_correct(
        table, reference=calibration.reference, convention=calibration.convention,
        n_mode=calibration.n_mode,
    )  # fmt: skip
    ref = calibration.reference
    s68 = calibration.factor_68
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
        up, dn = calibration.up, calibration.down
        rec = [
            base.scaled(up.factor_68, dn.factor_68),
            base.scaled(up.factor_95, dn.factor_95),
            base.scaled(s68.low),
            base.scaled(s68.high),
        ]
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
            f"{calibration.factors} factors: upward s68 = {calibration.up.factor_68:.3g}, s95 = "
            f"{calibration.up.factor_95:.3g} ({calibration.up.note}); downward s68 = "
            f"{calibration.down.factor_68:.3g}, s95 = {calibration.down.factor_95:.3g} "
            f"({calibration.down.note}); times the "
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
    factors: str = "out-of-sample",
) -> CorpusCalibration:
    """:func:`calibrate_corpus` on corpus files (``()``: the bundled data)."""
    table = None
    if corpus:
        from scaleuq.io.tables import read_tables

        table = read_tables(list(corpus))
    return calibrate_corpus(
        table, corpus_names=tuple(corpus) or None, stage=stage, convention=convention,
        n_mode=n_mode, n_bootstrap=n_bootstrap, seed=seed, factors=factors,
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
    factors: str = "out-of-sample",
) -> Recommendation:
    """:func:`recommend` for table files (``()``: every bundled process) against a corpus."""
    from scaleuq.stats.fitting import check_seed

    check_seed(seed)
    if factors not in FACTOR_KINDS:
        raise OptionError(f"unknown factors '{factors}'; choose {', '.join(FACTOR_KINDS)}")
    calibration = calibration_from_files(
        corpus, stage=stage, convention=convention, n_mode=n_mode, n_bootstrap=n_bootstrap,
        seed=seed, factors=factors,
    )  # fmt: skip
    table = None
    if tables:
        from scaleuq.io.tables import read_tables

        table = read_tables(list(tables))
    return recommend(table, calibration=calibration, table_names=tuple(tables) or None)

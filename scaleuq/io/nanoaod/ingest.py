"""NanoAOD samples -> scale, PDF and shower bands -> the scaleuq table.

A sample is one or more files of the same production (checked: the same weight titles and
``Runs`` branches). Its files are read in parallel by :func:`scaleuq.io.lhe.parallel.map_files`
(the runner of ``ingest lhe``: threads, or a Dask cluster) and their sums added:

* inclusive band: ``Runs`` ``LHEScaleSumw`` as ratios to its nominal entry, the files weighted
  by their ``genEventSumw``; envelopes by :func:`scaleuq.io.lhe.variations.scale_envelopes`
  (the LHE reader's 3/7/9-point definitions);
* PDF band: ``Runs`` ``LHEPdfSumw`` relative to its entry [0] (the first LHA ID of the
  ``LHEPdfWeight`` title), combined by :func:`scaleuq.io.lhe.variations.pdf_spread`
  (``replicas`` or ``hessian``, as for LHE files);
* shower band (reported apart, never in the table): ``PSWeight`` sums over the events;
* fiducial band: the events passing ``selection``; its cross section is
  ``xsec * sum(genWeight, selected) / genEventSumw`` (``genEventSumw`` of every generated
  event, so skimmed files are fine as long as the skim keeps every selected event);
* binned bands (``observable``, ``bins``): per-bin sums, as :class:`~scaleuq.io.hwu.Histogram`
  objects, so that an LO and an NLO sample give per-bin pulls through
  :func:`scaleuq.pull.differential.histogram_pulls` (the code of ``scaleuq differential``,
  called by the workflow :func:`scaleuq.workflows.nanoaod.ingest_nanoaod`, a layer above):
  absolute (pb per bin) when both samples have a cross section, else shape-only (every
  variation normalised to its own total in the bins).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import NanoAODError, OptionError
from scaleuq.io.madgraph.runs import IngestResult, RunRecord, Skipped
from scaleuq.io.nanoaod.reader import STEP_SIZE, EventSelection, NanoAODFile, read_nanoaod_file

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.io.hwu import Histogram
    from scaleuq.io.lhe.variations import Envelope

_XSEC = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:(?:\+-|\+/-|±)\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*(?:pb)?\s*$"
)


def parse_xsec(
    value: str | float | tuple[float, float | None] | None, what: str = "--xsec"
) -> tuple[float, float | None] | None:
    """A cross section in pb as ``(value, error or None)`` from ``1.23``, ``"1.23+-0.01"``,
    ``"1.23 ± 0.01 pb"`` or ``(1.23, 0.01)``.

    Raises:
        OptionError: not a positive finite number (and a non-negative error).
    """
    if value is None:
        return None
    if isinstance(value, str):
        match = _XSEC.match(value)
        if match is None:
            raise OptionError(
                f"{what} {value!r}: give VALUE or VALUE+-ERROR in pb, e.g. 1.23+-0.01"
            )
        xs, err = float(match.group(1)), (float(match.group(2)) if match.group(2) else None)
    elif isinstance(value, tuple):
        xs, err = float(value[0]), (None if value[1] is None else float(value[1]))
    else:
        xs, err = float(value), None
    if not (math.isfinite(xs) and xs > 0) or (
        err is not None and not (math.isfinite(err) and err >= 0)
    ):
        raise OptionError(f"{what} {value!r}: the cross section must be positive and finite (pb)")
    return xs, err


def _envelope_dict(envelopes: dict[str, Envelope]) -> dict[str, Any]:
    return {
        k: {
            "points_used": [list(p) for p in e.points_used],
            "points_missing": [list(p) for p in e.points_missing],
            "up_rel": e.up_rel,
            "down_rel": e.down_rel,
        }
        for k, e in envelopes.items()
    }


@dataclass(frozen=True)
class FiducialBand:
    """The scale band of the events passing a selection.

    Attributes:
        selection: the expression.
        n_events: events passing it (in the files read).
        sumw: their sum of ``genWeight``.
        fraction: ``sumw / genEventSumw`` (the sample's generated events).
        xsec_pb: fiducial cross section (``xsec * fraction``), None without a cross section.
        variations: (k_R, k_F) -> ratio to the nominal.
        envelopes: 3-, 7- and 9-point envelopes.
    """

    selection: str
    n_events: int
    sumw: float
    fraction: float
    xsec_pb: float | None
    variations: dict[tuple[float, float], float]
    envelopes: dict[str, Envelope]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "selection": self.selection, "n_events": self.n_events, "sumw": self.sumw,
            "fraction": self.fraction, "xsec_pb": self.xsec_pb,
            "variations": [{"k_r": r, "k_f": f, "ratio": v} for (r, f), v in self.variations.items()],
            "envelopes": _envelope_dict(self.envelopes),
        }  # fmt: skip


@dataclass(frozen=True)
class NanoAODSample:
    """One NanoAOD sample (its files combined): bands and what the files say.

    Attributes:
        order, process: ``LO``/``NLO`` and the process the user named.
        files: the files combined (in input order).
        xsec_pb, xsec_err_pb: the cross section the user gave (pb), or None.
        scale: the decoded ``LHEScaleWeight`` title (form, order, nominal entry).
        runs_names: ``Runs`` branch names found (``_``-suffixed in some productions).
        runs_divided: ``divided``/``not divided`` (by ``genEventSumw``: what the nominal entry of
            ``LHEScaleSumw`` showed), None when there is no nominal entry.
        n_generated, gen_sumw: ``genEventCount`` and ``genEventSumw`` summed over the files.
        n_events, events_sumw: events read and their sum of ``genWeight``.
        band_from: ``Runs`` (every generated event) or ``Events`` (no ``LHEScaleSumw``).
        variations: inclusive (k_R, k_F) -> ratio to the nominal.
        envelopes: inclusive 3-, 7- and 9-point envelopes.
        pdf_ids: LHA IDs (first, last) of the PDF weights, or None.
        pdf_members, pdf_method, pdf_up_rel, pdf_down_rel: the inclusive PDF band (None when not
            computed).
        shower: PSWeight label -> ratio to the nominal (empty when not available).
        shower_up_rel, shower_down_rel: its envelope (None when not available).
        fiducial: the band of the selected events, or None.
        histogram: the binned observable (pb per bin with a cross section, else fractions of
            the total in the bins), or None.
        bin_bands: per bin: ``xmin``, ``xmax``, ``value``, ``stat``, ``up_rel``, ``dn_rel``
            (positive fractions) of the chosen envelope, or None.
        notes: remarks, one line each.
    """

    order: str
    process: str
    files: tuple[str, ...]
    xsec_pb: float | None
    xsec_err_pb: float | None
    scale: Any
    runs_names: tuple[str, ...]
    runs_divided: str | None
    n_generated: float | None
    gen_sumw: float
    n_events: int
    events_sumw: float
    band_from: str
    variations: dict[tuple[float, float], float]
    envelopes: dict[str, Envelope]
    pdf_ids: tuple[int, int] | None
    pdf_members: int
    pdf_method: str
    pdf_up_rel: float | None
    pdf_down_rel: float | None
    shower: dict[str, float]
    shower_up_rel: float | None
    shower_down_rel: float | None
    fiducial: FiducialBand | None
    histogram: Histogram | None
    bin_bands: pd.DataFrame | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        from scaleuq.util.jsonio import to_jsonable

        return {
            "order": self.order, "process": self.process, "files": list(self.files),
            "xsec_pb": self.xsec_pb, "xsec_err_pb": self.xsec_err_pb,
            "scale_title": self.scale.to_dict(), "convention": self.scale.describe(),
            "runs_branches": list(self.runs_names), "runs_divided": self.runs_divided,
            "n_generated": self.n_generated, "gen_sumw": self.gen_sumw,
            "n_events": self.n_events, "events_sumw": self.events_sumw,
            "band_from": self.band_from,
            "variations": [{"k_r": r, "k_f": f, "ratio": v} for (r, f), v in self.variations.items()],
            "envelopes": _envelope_dict(self.envelopes),
            "pdf": {"lha_ids": list(self.pdf_ids) if self.pdf_ids else None,
                    "members": self.pdf_members, "method": self.pdf_method,
                    "up_rel": self.pdf_up_rel, "down_rel": self.pdf_down_rel},
            "shower": {"variations": dict(self.shower), "up_rel": self.shower_up_rel,
                       "down_rel": self.shower_down_rel},
            "fiducial": None if self.fiducial is None else self.fiducial.to_dict(),
            "bins": None if self.bin_bands is None else to_jsonable(self.bin_bands.to_dict(orient="records")),
            "notes": list(self.notes),
        }  # fmt: skip


@dataclass(frozen=True)
class NanoAODIngestResult(IngestResult):
    """:class:`~scaleuq.io.madgraph.runs.IngestResult` (the table of ``ingest lhe`` and
    ``ingest madgraph``) with the NanoAOD samples.

    Attributes:
        nanoaod: one :class:`NanoAODSample` per sample (LO first).
    """

    nanoaod: tuple[NanoAODSample, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation: the table and runs, then the samples."""
        out = super().to_dict()
        out["nanoaod"] = [s.to_dict() for s in self.nanoaod]
        return out


def _check_same_sample(files: Sequence[NanoAODFile]) -> None:
    first = files[0]
    for other in files[1:]:
        diff = [a for (a, va), (_, vb) in zip(first.signature, other.signature) if va != vb]
        if diff:
            raise NanoAODError(
                f"{other.path} and {first.path} are not of one sample (their {', '.join(diff)} "
                "differ): give the files of one production per sample"
            )


def _ratios(num: np.ndarray, den: float, what: str) -> np.ndarray:
    if den == 0 or not math.isfinite(den):
        raise NanoAODError(f"{what}: the nominal weights sum to zero; no ratio can be formed")
    return np.asarray(num, dtype=float) / den


def _points(scale: Any, ratios: np.ndarray) -> dict[tuple[float, float], float]:
    return {p: float(r) for p, r in zip(scale.points, ratios) if p is not None}


def _build_sample(
    order: str, process: str, parts: Sequence[NanoAODFile], xsec: tuple[float, float | None] | None,
    *, pdf_method: str, envelope: str, selection: EventSelection | None, absolute: bool,
) -> NanoAODSample:  # fmt: skip
    from scaleuq.io.lhe.variations import pdf_spread, scale_envelopes

    _check_same_sample(parts)
    first = parts[0]
    label = first.path if len(parts) == 1 else f"{first.path} (+{len(parts) - 1} files)"
    scale = first.scale
    notes = [f"{p.path}: {n}" if len(parts) > 1 else n for p in parts for n in p.notes]
    gen_sumw = sum(p.gen_sumw for p in parts)
    counts = [p.gen_count for p in parts]
    n_generated = None if any(c is None for c in counts) else float(sum(counts))  # type: ignore[arg-type]
    events = parts[0].events
    for p in parts[1:]:
        events = events + p.events
    if first.runs_scale is not None:
        ratios = _ratios(sum(p.runs_scale for p in parts), gen_sumw, f"{label}: Runs")  # type: ignore[misc]
        band_from = "Runs"
    else:
        ratios = _ratios(events.scale, events.nominal, f"{label}: Events")
        band_from = "Events"
    variations = _points(scale, ratios)
    envelopes = scale_envelopes(variations, 1.0)
    pdf_up = pdf_dn = None
    members = 0
    if first.runs_pdf is not None and pdf_method != "none":
        pdf_ratios = sum(p.runs_pdf for p in parts) / gen_sumw  # type: ignore[misc]
        members = len(pdf_ratios) - 1
        delta = pdf_spread(pdf_ratios[1:] / pdf_ratios[0], pdf_method, label, NanoAODError)
        pdf_up, pdf_dn = delta, -delta
    shower: dict[str, float] = {}
    ps_up = ps_dn = None
    if first.shower and events.sumw != 0:
        values = events.shower / events.sumw
        shower = {lab: float(v) for lab, v in zip(first.shower, values)}
        ps_up, ps_dn = float(max(values.max() - 1, 0.0)), float(min(values.min() - 1, 0.0))
    fiducial = None
    if selection:
        sel = parts[0].selected
        for p in parts[1:]:
            sel = sel + p.selected  # type: ignore[operator]
        assert sel is not None
        if sel.n == 0 or sel.nominal == 0:
            raise NanoAODError(
                f"{label}: the selection {selection.expression!r} keeps {sel.n} events with a nominal weight "
                "sum of zero: no fiducial band"
            )
        fid = _points(scale, sel.scale / sel.nominal)
        fraction = sel.sumw / gen_sumw
        if not math.isclose(events.sumw, gen_sumw, rel_tol=1e-6):
            notes.append(
                f"the files hold sum(genWeight) = {events.sumw:.6g} of the {gen_sumw:.6g} "
                "generated (Runs genEventSumw): a skim or an excerpt; the fiducial fraction is "
                "right only if every selected event is in the files"
            )
        fiducial = FiducialBand(
            selection.expression, sel.n, sel.sumw, fraction, None if xsec is None else xsec[0] * fraction,
            fid, scale_envelopes(fid, 1.0),
        )  # fmt: skip
    histogram = bands = None
    if first.bins is not None:
        histogram, bands = _histogram(
            parts, order, label, scale, xsec[0] / gen_sumw if absolute and xsec else None, envelope
        )
    return NanoAODSample(
        order, process, tuple(p.path for p in parts), None if xsec is None else xsec[0],
        None if xsec is None else xsec[1], scale, first.runs_names, first.runs_divided,
        n_generated, gen_sumw, events.n, events.sumw, band_from, variations, envelopes,
        first.pdf_range, members, pdf_method, pdf_up, pdf_dn, shower, ps_up, ps_dn, fiducial,
        histogram, bands, tuple(notes),
    )  # fmt: skip


def _histogram(
    parts: Sequence[NanoAODFile], order: str, label: str, scale: Any, norm: float | None,
    envelope: str,
) -> tuple[Histogram, pd.DataFrame]:  # fmt: skip
    """The binned observable as an HwU-style histogram (the input of ``differential``'s code)."""
    import pandas as pd

    from scaleuq.io.hwu import Histogram

    total = parts[0].bins
    for p in parts[1:]:
        total = total + p.bins  # type: ignore[operator]
    assert total is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        if norm is not None:  # absolute: pb per bin
            central = total.nominal * norm
            stat = np.sqrt(total.nominal_w2) * norm
            columns = total.scale * norm
        else:  # shape-only: each variation normalised to its own total in the bins
            s0 = total.nominal.sum()
            central = total.nominal / s0
            stat = np.sqrt(total.nominal_w2) / s0
            columns = total.scale / total.scale.sum(axis=0)
    scales = {
        (None, p[0], p[1]): columns[:, i] for i, p in enumerate(scale.points) if p is not None
    }
    hist = Histogram("binned observable", order, total.edges, central, stat, scales, label)
    up, dn = hist.envelope(envelope)
    bands = pd.DataFrame({
        "xmin": total.edges[:-1], "xmax": total.edges[1:], "value": central, "stat": stat,
        "up_rel": up, "dn_rel": -dn,
    })  # fmt: skip
    return hist, bands


def _record(sample: NanoAODSample, order_from: str, envelope: str) -> RunRecord:
    fid = sample.fiducial
    env = (fid.envelopes if fid is not None else sample.envelopes)[envelope]
    xsec = fid.xsec_pb if fid is not None else sample.xsec_pb
    err = None
    if sample.xsec_err_pb is not None and sample.xsec_pb:
        err = sample.xsec_err_pb * (xsec or 0) / sample.xsec_pb
    missing = []
    if sample.xsec_pb is None:
        missing.append(
            f"no cross section for the {sample.order} sample (--xsec): its pull is undefined"
        )
    if env.points_missing:
        missing.append(f"the {envelope} envelope lacks {list(env.points_missing)}")
    pdf = None
    if fid is None and sample.pdf_up_rel is not None and sample.pdf_down_rel is not None:
        pdf = (100 * sample.pdf_up_rel, 100 * sample.pdf_down_rel)
    elif fid is not None:
        missing.append("the PDF band of the fiducial region is not computed")
    what = f"fiducial ({fid.selection})" if fid is not None else f"inclusive ({sample.band_from})"
    source = (
        sample.files[0]
        if len(sample.files) == 1
        else f"{sample.files[0]} (+{len(sample.files) - 1} files)"
    )
    provenance = {
        "process": "--process",
        "xsec_pb": "--xsec" + (" x fiducial fraction" if fid is not None else ""),
        "scale": f"{what} {envelope} envelope of LHEScaleWeight ({sample.scale.describe()})",
    }
    if pdf:
        provenance["pdf"] = f"Runs LHEPdfSumw ({sample.pdf_method})"
    return RunRecord(
        source, sample.order, order_from, sample.process, None, xsec, err,
        100 * env.up_rel, 100 * env.down_rel, None if pdf is None else pdf[0],
        None if pdf is None else pdf[1], sample.files, tuple(provenance.items()),
        tuple(missing), sample.notes,
    )  # fmt: skip


def _parse_bins(bins: str | Sequence[float] | None) -> tuple[float, ...] | None:
    if bins is None:
        return None
    if isinstance(bins, str):
        try:
            values = [float(b) for b in bins.replace(";", ",").split(",") if b.strip()]
        except ValueError:
            raise OptionError(
                f"--bins {bins!r}: give increasing edges, e.g. 0,50,100,200"
            ) from None
    else:
        values = [float(b) for b in bins]
    arr = np.asarray(values)
    if arr.size < 2 or not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
        raise OptionError(f"--bins {bins!r}: give at least two finite, increasing edges")
    return tuple(values)


def read_samples(
    files: Sequence[str | os.PathLike[str]],
    *,
    process: str | None = None,
    order: str | None = None,
    xsec: str | float | tuple[float, float | None] | None = None,
    nlo_files: Sequence[str | os.PathLike[str]] = (),
    nlo_xsec: str | float | tuple[float, float | None] | None = None,
    envelope: str = "9-point",
    pdf_method: str = "replicas",
    selection: EventSelection | None = None,
    observable: str | None = None,
    bins: str | Sequence[float] | None = None,
    n_final: int | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
    step_size: str | int = STEP_SIZE,
) -> NanoAODIngestResult:
    """CMS NanoAOD samples -> the scaleuq table (``ingest lhe``'s), with the samples' bands
    (the reading half of :func:`scaleuq.workflows.nanoaod.ingest_nanoaod`, which also parses
    the selection and computes per-bin pulls).

    Args:
        files: the files of one sample (LO when ``nlo_files`` are given, else of ``order``).
        process: the process (MadGraph syntax, e.g. ``"p p > z j"``): NanoAOD does not say it.
        order: ``lo`` or ``nlo`` for ``files`` (NanoAOD does not say it either); implied ``lo``
            with ``nlo_files``.
        xsec, nlo_xsec: the samples' cross sections (pb, ``1.23`` or ``"1.23+-0.01"``); NanoAOD
            holds none. Without them the table has bands but no cross sections (no pull).
        nlo_files: the files of the NLO sample of the same process.
        envelope: ``3-point``, ``7-point`` or ``9-point`` (the table's band; all three are in
            the samples).
        pdf_method: ``replicas``, ``hessian`` or ``none`` (the files do not say; as for LHE).
        selection: a fiducial selection over ``Events`` branches
            (:class:`~scaleuq.io.nanoaod.reader.EventSelection`); the table then holds the
            fiducial cross sections and bands.
        observable, bins: a per-event branch and bin edges (``"0,50,100,200"``) for per-bin
            bands (absolute with every sample's cross section, else shape-only).
        n_final: the final-state multiplicity instead of counting it from ``process``.
        jobs, scheduler: files read at once (threads), or a Dask scheduler's address.
        step_size: ``Events`` read per chunk (``"100 MB"`` or a number of entries).

    Returns:
        A :class:`NanoAODIngestResult`; files that failed are in ``skipped`` (the others kept).

    Raises:
        NanoAODError: no file could be read, files of different samples in one sample, a
            zero nominal sum, a title scaleuq cannot read (quoted), missing scale weights.
        OptionError: a bad option (no process, no order, bad bins or cross section).
    """
    from scaleuq.io.lhe import ENVELOPES, PDF_METHODS
    from scaleuq.io.lhe.parallel import map_files
    from scaleuq.io.madgraph.runs import merge_runs

    if envelope not in ENVELOPES:
        raise OptionError(f"unknown envelope '{envelope}'; choose {', '.join(ENVELOPES)}")
    if pdf_method not in PDF_METHODS:
        raise OptionError(f"unknown PDF method '{pdf_method}'; choose {', '.join(PDF_METHODS)}")
    if not process:
        raise OptionError(
            'NanoAOD files do not name their process: pass --process (e.g. "p p > z j")'
        )
    if not files:
        raise OptionError("no NanoAOD files given")
    if nlo_files:
        if order is not None and order.lower() != "lo":
            raise OptionError(
                "with --nlo files the other files are the LO sample: drop --order or pass --order lo"
            )
        order = "lo"
    if order is None or order.lower() not in ("lo", "nlo"):
        raise OptionError("NanoAOD files do not say their order: pass --order lo or --order nlo")
    if (observable is None) != (bins is None):
        raise OptionError("--observable and --bins go together")
    edges = _parse_bins(bins)
    samples = [(order.upper(), [os.fspath(f) for f in files], parse_xsec(xsec))]
    if nlo_files:
        samples.append(
            ("NLO", [os.fspath(f) for f in nlo_files], parse_xsec(nlo_xsec, "--nlo-xsec"))
        )
    seen: dict[Path, str] = {}
    unique: list[str] = []
    for _, paths, _ in samples:
        for p in paths:
            real = Path(p).resolve()
            if real in seen:
                raise OptionError(f"{p} is given twice ({seen[real]})")
            seen[real] = p
            if not Path(p).is_file():
                raise NanoAODError(f"{p}: no such file")
            unique.append(p)
    mapped = map_files(
        read_nanoaod_file, unique, jobs=jobs, scheduler=scheduler, selection=selection,
        observable=observable, bins=edges, step_size=step_size,
    )  # fmt: skip
    mapped.raise_if_none()
    by_path = dict(zip(mapped.paths, mapped.results))
    failures = {f.path: f for f in mapped.failures}
    absolute = all(x is not None for _, _, x in samples)
    built: list[NanoAODSample] = []
    for sample_order, paths, sample_xsec in samples:
        parts = [by_path[p] for p in paths if p in by_path]
        if not parts:
            raise failures[paths[0]].exception()
        built.append(
            _build_sample(
                sample_order, process, parts, sample_xsec, pdf_method=pdf_method,
                envelope=envelope, selection=selection, absolute=absolute,
            )
        )  # fmt: skip
    order_from = "--nlo files" if nlo_files else "--order"
    runs = [
        _record(s, order_from if s.order == "LO" or nlo_files else "--order", envelope)
        for s in built
    ]
    merged = merge_runs(runs, n_final=n_final, dataset="nanoaod")
    table, warnings = merged[0], merged[3]
    refused = merged[4] if len(merged) > 4 else ()  # processes that could not be placed
    if refused:
        raise NanoAODError(refused[0].reason)
    skipped = tuple(Skipped(f.path, f.error) for f in mapped.failures)
    return NanoAODIngestResult(
        rows=table, runs=tuple(runs), skipped=skipped, warnings=tuple(warnings),
        nanoaod=tuple(built),
    )  # fmt: skip

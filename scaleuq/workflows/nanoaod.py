"""The ``scaleuq ingest nanoaod`` workflow: CMS NanoAOD samples -> the scaleuq table, with the
samples' bands (:mod:`scaleuq.io.nanoaod`) and, for an LO and an NLO sample binned in an
observable, per-bin pulls by the code of ``scaleuq differential``
(:func:`scaleuq.pull.differential.histogram_pulls`). The selection is parsed here with the
grammar of ``--reference-select`` (:mod:`scaleuq.pull.select`) and handed to the reader as an
:class:`~scaleuq.io.nanoaod.reader.EventSelection`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from scaleuq.io.nanoaod.ingest import NanoAODIngestResult, NanoAODSample, read_samples
from scaleuq.io.nanoaod.reader import STEP_SIZE, EventSelection
from scaleuq.pull.differential import DIFFERENTIAL_COLUMNS, DifferentialResult, histogram_pulls
from scaleuq.pull.pulls import check_convention
from scaleuq.pull.select import And, Column, Compare, Member, Not, Or, parse_selection, select_rows


@dataclass(frozen=True)
class NanoAODResult(NanoAODIngestResult):
    """:class:`~scaleuq.io.nanoaod.ingest.NanoAODIngestResult` (an
    :class:`~scaleuq.io.madgraph.runs.IngestResult`, the table of ``ingest lhe``) with the
    per-bin pulls of an LO and an NLO sample binned in an observable.

    Attributes:
        differential: a :class:`~scaleuq.pull.differential.DifferentialResult` (one observable,
            ``differential``'s columns), or None.
    """

    differential: DifferentialResult | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation: the table, runs, samples and per-bin pulls."""
        out = super().to_dict()
        out["differential"] = None if self.differential is None else self.differential.to_dict()
        return out


def selection_columns(expression: str) -> tuple[str, ...]:
    """The branch names a selection (:mod:`scaleuq.pull.select` grammar) reads.

    Raises:
        OptionError: a selection outside the grammar (naming the position).
    """
    names: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Compare):
            names.extend(s.name for s in (node.left, node.right) if isinstance(s, Column))
        elif isinstance(node, Member):
            names.append(node.column.name)
        elif isinstance(node, Not):
            walk(node.operand)
        elif isinstance(node, (And, Or)):
            for term in node.terms:
                walk(term)

    walk(parse_selection(expression))
    return tuple(dict.fromkeys(names))


def event_selection(expression: str) -> EventSelection:
    """An :class:`~scaleuq.io.nanoaod.reader.EventSelection` from a selection expression
    (parsed now, so a syntax error comes before any file is read; picklable for Dask)."""
    columns = selection_columns(expression)
    return EventSelection(
        expression, columns, functools.partial(select_rows, expression=expression)
    )


def ingest_nanoaod(
    files: Sequence[str | os.PathLike[str]],
    *,
    process: str | None = None,
    order: str | None = None,
    xsec: str | float | tuple[float, float | None] | None = None,
    nlo_files: Sequence[str | os.PathLike[str]] = (),
    nlo_xsec: str | float | tuple[float, float | None] | None = None,
    envelope: str = "9-point",
    pdf_method: str = "replicas",
    selection: str | None = None,
    observable: str | None = None,
    bins: str | Sequence[float] | None = None,
    convention: str = "directional",
    n_final: int | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
    step_size: str | int = STEP_SIZE,
) -> NanoAODResult:
    """CMS NanoAOD samples -> the scaleuq table (``ingest lhe``'s), the samples' bands and,
    with LO and NLO samples binned in an observable, per-bin pulls.

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
        selection: a fiducial selection over per-event ``Events`` branches (``"nJet >= 2 and
            LHE_Vpt > 100"``, the grammar of ``--reference-select``); the table then holds the
            fiducial cross sections and bands.
        observable, bins: a per-event branch and bin edges (``"0,50,100,200"``) for per-bin
            bands and, with LO and NLO, per-bin pulls (absolute with both cross sections,
            else shape-only).
        convention: the Delta of the per-bin pulls (as for ``scaleuq differential``; default
            directional, Ghosh et al., arXiv:2210.15167).
        n_final: the final-state multiplicity instead of counting it from ``process``.
        jobs, scheduler: files read at once (threads), or a Dask scheduler's address.
        step_size: ``Events`` read per chunk (``"100 MB"`` or a number of entries).

    Returns:
        A :class:`NanoAODResult`; files that failed are in ``skipped`` (the others kept).

    Raises:
        NanoAODError: no file could be read, files of different samples in one sample, a
            zero nominal sum, a title scaleuq cannot read (quoted), missing scale weights.
        OptionError: a bad option (no process, no order, bad bins, selection or cross section).
    """
    check_convention(convention)
    chosen = event_selection(selection) if selection else None
    result = read_samples(
        files, process=process, order=order, xsec=xsec, nlo_files=nlo_files, nlo_xsec=nlo_xsec,
        envelope=envelope, pdf_method=pdf_method, selection=chosen, observable=observable,
        bins=bins, n_final=n_final, jobs=jobs, scheduler=scheduler, step_size=step_size,
    )  # fmt: skip
    differential = None
    samples = result.nanoaod
    if len(samples) == 2 and all(s.histogram is not None for s in samples):
        absolute = all(s.xsec_pb is not None for s in samples)
        differential = binned_pulls(samples, observable or "", convention, envelope, absolute)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    return NanoAODResult(**fields, differential=differential)


def binned_pulls(
    samples: Sequence[NanoAODSample], observable: str, convention: str, envelope: str,
    absolute: bool,
) -> DifferentialResult:  # fmt: skip
    """Per-bin pulls of the LO and NLO samples' histograms by ``differential``'s own code."""
    import pandas as pd

    lo, nlo = samples
    name = f"{observable} ({'absolute, pb per bin' if absolute else 'shape-only'})"
    lo_h = dataclasses.replace(lo.histogram, name=name)  # type: ignore[type-var]
    nlo_h = dataclasses.replace(nlo.histogram, name=name)  # type: ignore[type-var]
    result = histogram_pulls(lo_h, nlo_h, convention=convention, envelope=envelope)
    table = result.table.assign(histogram=name)[["histogram", *DIFFERENTIAL_COLUMNS]]
    return DifferentialResult(
        (*lo.files, *nlo.files), convention, envelope, (result,), pd.DataFrame(table)
    )

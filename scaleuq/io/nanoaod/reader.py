"""One NanoAOD file -> the weight sums scaleuq needs (bounded memory, independent of other files).

:func:`read_nanoaod_file` is the per-file work mapped over many files by
:func:`scaleuq.io.lhe.parallel.map_files` (threads or a Dask cluster). It returns only sums
(a few numbers per variation and bin), so that the files of a sample combine by addition:

* ``Runs`` (every generated event of the sample, before any skim): ``genEventSumw`` and the
  scale/PDF sums as ratios to their nominal entry, multiplied by ``genEventSumw``, so that
  files (and ``Runs`` entries) combine weighted by their ``genEventSumw``. Only ratios to the
  nominal entry are used: productions exist whose sums do not follow their own title (not
  divided by ``genEventSumw``); the nominal entry tells them apart (1 when divided).
* ``Events`` read in chunks (``uproot``'s ``TTree.iterate``, ``step_size`` bytes or entries):
  sum of ``genWeight`` (signed) times each scale and shower weight, for all events, for the
  events passing a selection, and per bin of an observable (``hist``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scaleuq.errors import MissingDependencyError, NanoAODError, ScaleUQError
from scaleuq.io.nanoaod.titles import (
    ScaleTitle,
    parse_scale_title,
    pdf_ids,
    says_divided,
    says_ratios,
    shower_labels,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

#: Default chunk of ``Events`` read at once (uproot's ``step_size``).
STEP_SIZE = "100 MB"
#: How far the nominal entry may stray from 1 where the title says the weights are ratios
#: (float32 weights carry 7 digits).
NOMINAL_TOLERANCE = 1e-3
#: An 8-entry ``Runs`` sum (no nominal entry) is trusted as a ratio only within these bounds:
#: outside, it is not normalised as its title says and no ratio to the nominal can be formed.
RATIO_BOUNDS = (0.2, 5.0)
#: Runs branches scaleuq reads (``_``-suffixed spellings are accepted too).
RUNS_BRANCHES = ("genEventCount", "genEventSumw", "genEventSumw2", "LHEScaleSumw", "LHEPdfSumw")


def require_uproot() -> tuple[object, object]:
    """``(uproot, awkward)``, or the install command."""
    try:
        import awkward
        import uproot
    except ImportError:
        raise MissingDependencyError("uproot", "nanoaod", "reading NanoAOD files") from None
    return uproot, awkward


@dataclass(frozen=True)
class EventSums:
    """Sums over events of ``genWeight`` x each weight column.

    Attributes:
        n: events.
        sumw: sum of ``genWeight`` (signed).
        scale: (n_scale,) sums of ``genWeight * LHEScaleWeight[i]``.
        nominal: sum of ``genWeight`` x the nominal scale weight (``sumw`` for 8-entry files).
        shower: (n_ps,) sums of ``genWeight * PSWeight[i]`` (empty without labelled PS weights).
    """

    n: int
    sumw: float
    scale: np.ndarray
    nominal: float
    shower: np.ndarray

    def __add__(self, other: EventSums) -> EventSums:
        return EventSums(
            self.n + other.n,
            self.sumw + other.sumw,
            self.scale + other.scale,
            self.nominal + other.nominal,
            self.shower + other.shower,
        )


@dataclass(frozen=True)
class BinSums:
    """Per-bin sums of one observable (overflow and underflow left out).

    Attributes:
        edges: bin edges.
        nominal, nominal_w2: (n_bins,) sums of the nominal weight and of its square.
        scale: (n_bins, n_scale) sums of ``genWeight * LHEScaleWeight[i]``.
    """

    edges: np.ndarray
    nominal: np.ndarray
    nominal_w2: np.ndarray
    scale: np.ndarray

    def __add__(self, other: BinSums) -> BinSums:
        return BinSums(
            self.edges,
            self.nominal + other.nominal,
            self.nominal_w2 + other.nominal_w2,
            self.scale + other.scale,
        )


@dataclass(frozen=True)
class NanoAODFile:
    """What one NanoAOD file contributes to its sample (picklable; files add up).

    Attributes:
        path: the file.
        signature: what must agree between files of one sample (weight titles, Runs branch
            names and titles), as ``(what, value)`` pairs.
        scale: the decoded ``LHEScaleWeight`` title.
        runs_names: the ``Runs`` branch names found (``genEventSumw`` or ``genEventSumw_``...).
        gen_count: ``genEventCount`` summed over the ``Runs`` entries (None if absent).
        gen_sumw: ``genEventSumw`` summed over the ``Runs`` entries.
        runs_scale: (n_scale,) sum over ``Runs`` entries of ``genEventSumw`` x each entry's
            ratio to the nominal (None without ``LHEScaleSumw``).
        runs_divided: what the ``LHEScaleSumw`` values turned out to be: ``divided`` by
            ``genEventSumw`` (nominal entry 1), ``not divided`` (nominal entry far from 1), or
            None when there is no nominal entry to tell.
        pdf_range: LHA IDs of the ``LHEPdfWeight`` entries (first, last), or None.
        runs_pdf: (n_pdf,) as ``runs_scale`` for ``LHEPdfSumw`` (ratios to entry [0]), or None.
        shower: labels of the ``PSWeight`` entries (empty when the title has none).
        events: sums over all events of the file.
        selected: sums over the events passing the selection (None without one).
        bins: per-bin sums of the observable (None without one).
        nominal_off: events whose nominal scale weight strays from 1 where the title says the
            weights are ratios, and the largest deviation.
        notes: remarks (one line each).
    """

    path: str
    signature: tuple[tuple[str, str], ...]
    scale: ScaleTitle
    runs_names: tuple[str, ...]
    gen_count: float | None
    gen_sumw: float
    runs_scale: np.ndarray | None
    runs_divided: str | None
    pdf_range: tuple[int, int] | None
    runs_pdf: np.ndarray | None
    shower: tuple[str, ...]
    events: EventSums
    selected: EventSums | None
    bins: BinSums | None
    nominal_off: tuple[int, float] = (0, 0.0)
    notes: tuple[str, ...] = field(default=())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(t.strip() for t in text[:2]) if text else type(exc).__name__


def _unreadable(path: str, exc: BaseException) -> NanoAODError:
    return NanoAODError(
        f"{path}: cannot be read as a ROOT file ({type(exc).__name__}: {_first_line(exc)}); "
        "it is truncated, still being copied, or not a ROOT file"
    )


def _broken_file(exc: BaseException) -> bool:
    """An error of reading the file (short read, bad bytes), not of scaleuq's own code."""
    return isinstance(exc, (OSError, EOFError)) or type(exc).__module__.startswith("uproot")


def _runs_name(tree: object, base: str) -> str | None:
    keys = set(tree.keys())  # type: ignore[attr-defined]
    return next((n for n in (base, base + "_") if n in keys), None)


@dataclass(frozen=True)
class EventSelection:
    """A fiducial selection over ``Events`` branches, as the reader applies it.

    The reader does not parse selections (that is :mod:`scaleuq.pull.select`, a layer above
    ``io``): the caller gives the expression, the branches it reads and a picklable function
    from a DataFrame of those branches to a boolean mask (e.g.
    ``functools.partial(select_rows, expression=...)``).

    Attributes:
        expression: the selection as the user wrote it (for messages and results).
        columns: the branches it reads.
        mask: DataFrame of ``columns`` -> one bool per event.
    """

    expression: str
    columns: tuple[str, ...]
    mask: Callable[[pd.DataFrame], np.ndarray]


def _weights_matrix(
    ak: object, array: object, k: int, path: str, branch: str, first: int
) -> np.ndarray:
    """A jagged weight branch as an (n, k) float64 array; every event must have k entries."""
    counts = np.asarray(ak.num(array, axis=1))  # type: ignore[attr-defined]
    bad = np.flatnonzero(counts != k)
    if bad.size:
        i = int(bad[0])
        raise NanoAODError(
            f"{path}: {'entry' if branch.startswith('Runs') else 'event'} {first + i} has "
            f"{counts[i]} {branch} values, the LHEScaleWeight/LHEPdfWeight title announces {k}"
        )
    flat = np.asarray(ak.to_numpy(ak.flatten(array, axis=1)), dtype=np.float64)  # type: ignore[attr-defined]
    return flat.reshape(len(counts), k)


def _flat_column(ak: object, array: object, path: str, branch: str) -> np.ndarray:
    try:
        values = np.asarray(ak.to_numpy(array), dtype=np.float64)  # type: ignore[attr-defined]
    except (ValueError, TypeError):
        values = None
    if values is None or values.ndim != 1:
        raise NanoAODError(
            f"{path}: branch '{branch}' holds a list per event; select or bin on a per-event "
            "branch (e.g. nJet, LHE_HT, LHE_Vpt)"
        )
    return values


def _sums(gw: np.ndarray, scale: np.ndarray, nominal: np.ndarray, shower: np.ndarray | None,
          n_ps: int) -> EventSums:  # fmt: skip
    return EventSums(
        len(gw),
        float(gw.sum()),
        gw @ scale if len(gw) else np.zeros(scale.shape[1]),
        float(gw @ nominal) if len(gw) else 0.0,
        gw @ shower if shower is not None and len(gw) else np.zeros(n_ps),
    )


def read_nanoaod_file(
    path: str | os.PathLike[str],
    *,
    selection: EventSelection | None = None,
    observable: str | None = None,
    bins: Sequence[float] | None = None,
    step_size: str | int = STEP_SIZE,
) -> NanoAODFile:
    """Read one NanoAOD file's ``Runs`` sums and stream its ``Events`` in chunks.

    Args:
        path: the ROOT file.
        selection: a fiducial selection over ``Events`` branches (:class:`EventSelection`).
        observable, bins: a per-event branch and increasing bin edges for per-bin sums.
        step_size: ``Events`` read per chunk (uproot: ``"100 MB"`` or a number of entries).

    Raises:
        NanoAODError: an unreadable or truncated file, no ``Events``/``Runs`` tree, no
            ``genWeight`` or ``LHEScaleWeight``, a title that cannot be read, a zero nominal
            sum, an event with another number of weights than its title announces, a
            selection or observable branch that is missing or holds lists.
    """
    uproot, ak = require_uproot()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise NanoAODError(f"{path}: no such file")
    try:
        handle = uproot.open(path)  # type: ignore[attr-defined]
    except ScaleUQError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None
    try:
        return _read(handle, path, uproot, ak, selection, observable, bins, step_size)
    except ScaleUQError:
        raise
    except Exception as exc:  # uproot's deserialisation and short-read errors: a broken file
        if not _broken_file(exc):
            raise
        log.debug("reading %s failed", path, exc_info=True)
        raise _unreadable(path, exc) from None
    finally:
        handle.close()


def _tree(handle: object, name: str, path: str) -> object:
    try:
        keys = {k.split(";")[0] for k in handle.keys(recursive=False)}  # type: ignore[attr-defined]
    except Exception as exc:
        raise _unreadable(path, exc) from None
    if name not in keys:
        raise NanoAODError(
            f"{path}: no '{name}' tree (found: {', '.join(sorted(keys)) or 'nothing'}); is it a "
            "NanoAOD file?"
        )
    return handle[name]  # type: ignore[index]


def _read(handle: object, path: str, uproot: object, ak: object, selection: EventSelection | None,
          observable: str | None, bins: Sequence[float] | None,
          step_size: str | int) -> NanoAODFile:  # fmt: skip
    events = _tree(handle, "Events", path)
    runs = _tree(handle, "Runs", path)
    ev_keys = set(events.keys())  # type: ignore[attr-defined]
    if "LHEScaleWeight" not in ev_keys:
        raise NanoAODError(
            f"{path}: Events has no LHEScaleWeight branch: the sample was produced without "
            "scale weights (no band can be computed from it)"
        )
    if "genWeight" not in ev_keys:
        raise NanoAODError(f"{path}: Events has no genWeight branch")
    notes: list[str] = []
    scale = parse_scale_title(events["LHEScaleWeight"].title, f"{path}: LHEScaleWeight")  # type: ignore[index]
    k = scale.n_entries
    pdf_title = events["LHEPdfWeight"].title if "LHEPdfWeight" in ev_keys else ""  # type: ignore[index]
    ps_title = events["PSWeight"].title if "PSWeight" in ev_keys else ""  # type: ignore[index]
    labels = shower_labels(ps_title) if ps_title else ()
    names = {b: _runs_name(runs, b) for b in RUNS_BRANCHES}
    signature = [
        ("LHEScaleWeight title", scale.title),
        ("LHEPdfWeight title", pdf_title),
        ("PSWeight title", ps_title),
    ]
    for base, name in names.items():
        title = runs[name].title if name else ""  # type: ignore[index]
        signature.append((f"Runs {base}", f"{name}: {title}" if name else "(absent)"))
    if names["genEventSumw"] is None:
        raise NanoAODError(f"{path}: Runs has no genEventSumw branch (nor genEventSumw_)")
    wanted = [n for n in names.values() if n]
    table = runs.arrays(wanted, library="ak")  # type: ignore[attr-defined]
    sumw_e = np.asarray(ak.to_numpy(table[names["genEventSumw"]]), dtype=np.float64)  # type: ignore[attr-defined]
    gen_sumw = float(sumw_e.sum())
    if gen_sumw == 0:
        raise NanoAODError(f"{path}: Runs genEventSumw is zero: no ratio can be formed")
    gen_count = (
        float(np.sum(ak.to_numpy(table[names["genEventCount"]])))  # type: ignore[attr-defined]
        if names["genEventCount"]
        else None
    )
    runs_scale = None
    divided = None
    if names["LHEScaleSumw"]:
        name = names["LHEScaleSumw"]
        values = _weights_matrix(ak, table[name], k, path, f"Runs {name}", 0)
        title_divided = says_divided(runs[name].title)  # type: ignore[index]
        if scale.nominal is not None:
            nominal = values[:, scale.nominal]
            if np.any(nominal == 0):
                raise NanoAODError(
                    f"{path}: Runs {name}[{scale.nominal}] (the nominal muR=1 muF=1 entry) is "
                    "zero: no ratio to the nominal can be formed"
                )
            ratios = values / nominal[:, None]
            close = np.all(np.abs(nominal - 1) <= NOMINAL_TOLERANCE)
            divided = "divided" if close else "not divided"
            if title_divided and not close:
                notes.append(
                    f"Runs {name}: the nominal entry is {nominal[0]:.6g}, not 1 as the title "
                    "('divided by genEventSumw') says; only ratios to it are used"
                )
        else:  # 8 weights: no nominal entry; the values are ratios, or ratios x genEventSumw
            ratios, divided = _eight_weight_ratios(values, sumw_e, title_divided, path, name, notes)
        runs_scale = sumw_e @ ratios
    else:
        notes.append(
            "Runs has no LHEScaleSumw: the inclusive band comes from the events in the file "
            "(after any skim)"
        )
    pdf_range = pdf_ids(pdf_title) if pdf_title else None
    runs_pdf = None
    if names["LHEPdfSumw"] and pdf_range is not None:
        name = names["LHEPdfSumw"]
        n_pdf = pdf_range[1] - pdf_range[0] + 1
        counts = np.asarray(ak.num(table[name], axis=1))  # type: ignore[attr-defined]
        if np.all(counts == n_pdf) and n_pdf > 1:
            values = _weights_matrix(ak, table[name], n_pdf, path, f"Runs {name}", 0)
            if np.any(values[:, 0] == 0):
                raise NanoAODError(f"{path}: Runs {name}[0] (the central PDF member) is zero")
            runs_pdf = sumw_e @ (values / values[:, :1])
        else:
            notes.append(
                f"Runs {name} has {counts[0] if len(counts) else 0} entries, the LHEPdfWeight "
                f"title's LHA IDs {pdf_range[0]}-{pdf_range[1]} are {n_pdf}: no PDF band"
            )
    elif pdf_title:
        notes.append(
            "no PDF band: the LHEPdfWeight title gives no LHA IDs or Runs has no LHEPdfSumw"
        )

    columns = selection.columns if selection else ()
    for name in (*columns, *([observable] if observable else [])):
        if name not in ev_keys:
            close = sorted(b for b in ev_keys if b.lower().startswith(name.lower()[:3]))[:8]
            raise NanoAODError(
                f"{path}: Events has no branch '{name}'"
                + (f" (similar: {', '.join(close)})" if close else "")
            )
    branches = ["genWeight", "LHEScaleWeight", *(["PSWeight"] if labels else [])]
    branches += [c for c in (*columns, *([observable] if observable else [])) if c not in branches]
    edges = np.asarray(bins, dtype=np.float64) if bins is not None else None
    all_sums = sel_sums = None
    bin_sums = None
    first = 0
    off_count, off_max = 0, 0.0
    for chunk in events.iterate(branches, step_size=step_size, library="ak"):  # type: ignore[attr-defined]
        n = len(chunk)
        gw = np.asarray(ak.to_numpy(chunk["genWeight"]), dtype=np.float64)  # type: ignore[attr-defined]
        w = _weights_matrix(ak, chunk["LHEScaleWeight"], k, path, "LHEScaleWeight", first)
        nominal = w[:, scale.nominal] if scale.nominal is not None else np.ones(n)
        if scale.nominal is not None and scale.ratios:
            dev = np.abs(nominal - 1)
            off = dev > NOMINAL_TOLERANCE
            if off.any():
                off_count += int(off.sum())
                off_max = max(off_max, float(dev.max()))
        ps = None
        if labels:
            ps = _weights_matrix(ak, chunk["PSWeight"], len(labels), path, "PSWeight", first)
        sums = _sums(gw, w, nominal, ps, len(labels))
        all_sums = sums if all_sums is None else all_sums + sums
        mask = None
        if selection:
            import pandas as pd

            frame = pd.DataFrame({c: _flat_column(ak, chunk[c], path, c) for c in columns})
            mask = np.asarray(selection.mask(frame), dtype=bool)
            part = _sums(
                gw[mask], w[mask], nominal[mask], None if ps is None else ps[mask], len(labels)
            )
            sel_sums = part if sel_sums is None else sel_sums + part
        if observable and edges is not None:
            x = _flat_column(ak, chunk[observable], path, observable)
            keep = slice(None) if mask is None else mask
            part_bins = _fill(x[keep], gw[keep], nominal[keep], w[keep], edges)
            bin_sums = part_bins if bin_sums is None else bin_sums + part_bins
        first += n
    if all_sums is None:  # no events: empty sums
        empty = EventSums(0, 0.0, np.zeros(k), 0.0, np.zeros(len(labels)))
        all_sums = empty
        if selection:
            sel_sums = empty
        if observable and edges is not None:
            nb = len(edges) - 1
            bin_sums = BinSums(edges, np.zeros(nb), np.zeros(nb), np.zeros((nb, k)))
    if off_count:
        notes.append(
            f"{off_count} events have a nominal LHEScaleWeight[{scale.nominal}] that is not 1 "
            f"(largest deviation {off_max:.3g}) although the title says w_var / w_nominal; "
            "bands are ratios to that entry"
        )
    if ps_title and not labels:
        notes.append(f"PSWeight title {ps_title.strip()!r} names no variations: no shower band")
    if not says_ratios(scale.title):
        notes.append("the LHEScaleWeight title does not say the weights are ratios to the nominal")
    return NanoAODFile(
        path, tuple(signature), scale, tuple(n for n in names.values() if n), gen_count,
        gen_sumw, runs_scale, divided, pdf_range, runs_pdf, labels, all_sums, sel_sums,
        bin_sums, (off_count, off_max), tuple(notes),
    )  # fmt: skip


def _eight_weight_ratios(
    values: np.ndarray, sumw: np.ndarray, title_divided: bool, path: str, name: str,
    notes: list[str],
) -> tuple[np.ndarray, str]:  # fmt: skip
    """Ratios to the nominal of an 8-entry ``Runs`` scale sum (the nominal left out).

    Without a nominal entry the normalisation shows only in the values: divided by
    ``genEventSumw`` they are ratios near 1, not divided they are near ``genEventSumw``. The
    reading whose ratios lie within :data:`RATIO_BOUNDS` is taken (with a note when it
    contradicts the title); when both or neither do, it is an error, never a guess.
    """
    low, high = RATIO_BOUNDS
    as_is, scaled = values, values / sumw[:, None]

    def plausible(r: np.ndarray) -> bool:
        return bool(np.all((r > low) & (r < high)))

    if np.allclose(sumw, 1.0, rtol=1e-9) or plausible(as_is) != plausible(scaled):
        divided = plausible(as_is)
        if divided != title_divided and not np.allclose(sumw, 1.0, rtol=1e-9):
            notes.append(
                f"Runs {name}: the values are {'' if divided else 'not '}divided by "
                f"genEventSumw, {'unlike' if divided else 'although'} the title says; read as such"
            )
        if plausible(as_is if divided else scaled):
            return (as_is if divided else scaled), "divided" if divided else "not divided"
    what = "both as ratios and divided by genEventSumw" if plausible(as_is) else "in no reading"
    raise NanoAODError(
        f"{path}: Runs {name} has no nominal entry (8 weights) and its values (first "
        f"{float(values.flat[0]):.6g}, genEventSumw {float(sumw[0]):.6g}) are plausible ratios to "
        f"the nominal {what}: the band cannot be formed from Runs"
    )


def _fill(x: np.ndarray, gw: np.ndarray, nominal: np.ndarray, w: np.ndarray,
          edges: np.ndarray) -> BinSums:  # fmt: skip
    """Per-bin sums with ``hist`` (boost-histogram): one weighted fill per variation column."""
    try:
        import hist
    except ImportError:
        raise MissingDependencyError("hist", "nanoaod", "--observable/--bins") from None
    k = w.shape[1]
    h = hist.Hist(
        hist.axis.Variable(edges, underflow=False, overflow=False),
        hist.axis.Integer(0, k + 1, underflow=False, overflow=False),
        storage=hist.storage.Weight(),
    )
    h.fill(x, np.zeros(len(x), dtype=int), weight=gw * nominal)
    for i in range(k):  # one column at a time: memory stays at one chunk
        h.fill(x, np.full(len(x), i + 1), weight=gw * w[:, i])
    view = h.view(flow=False)
    values, variances = view.value, view.variance
    return BinSums(edges, values[:, 0].copy(), variances[:, 0].copy(), values[:, 1:].copy())

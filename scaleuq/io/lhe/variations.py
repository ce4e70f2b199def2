"""Cross sections of scale and PDF variations from an LHE file's weights (streaming).

sigma_k = sigma_0 * sum(w_k) / sum(w_0): ratios of weight sums are safe whether the weights are
normalised to sum or to average to the cross section. Envelopes over 3, 7 or 9 (k_R, k_F)
points of the run's own dynamical scale, with the points used and the points missing.
:func:`scale_weights` is the one lookup of the nominal and scale-variation weights (also used
by the decorrelation study's LHE samples).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.choices import ENVELOPES, PDF_METHODS
from scaleuq.errors import LHEError, ScaleUQError
from scaleuq.io.lhe.header import LHEHeader, WeightInfo
from scaleuq.io.lhe.reader import BLOCK_BYTES, iter_blocks


@dataclass(frozen=True)
class Envelope:
    """A scale-variation envelope.

    Attributes:
        name: ``3-point``, ``7-point`` or ``9-point``.
        points_used: the (k_R, k_F) points found in the file (the (1,1) point is the nominal).
        points_missing: points the definition asks for that the file lacks.
        up_rel, down_rel: max and min of sigma(k_R, k_F)/sigma_0 - 1 (``down_rel`` <= 0).
    """

    name: str
    points_used: tuple[tuple[float, float], ...]
    points_missing: tuple[tuple[float, float], ...]
    up_rel: float
    down_rel: float

    @property
    def complete(self) -> bool:
        """All points of the definition were found."""
        return not self.points_missing


@dataclass(frozen=True)
class LHESummary:
    """Cross sections per variation of one LHE file (see :func:`summarize_lhe`).

    Attributes:
        header: the decoded header.
        n_events: events read.
        xsec_pb, xsec_err_pb: nominal cross section and its MC error (from ``<init>``).
        nominal: id of the weight used as nominal, or ``"event weight"`` (XWGTUP).
        variation_xsec_pb: cross section per declared weight id: sigma_0 * sum(w_i)/sum(w_0).
        envelopes: the 3-, 7- and 9-point envelopes of the run's own dynamical scale.
        pdf_set: LHAPDF id of the central PDF member used for the PDF uncertainty, or None.
        pdf_members: number of error members found.
        pdf_up_rel, pdf_down_rel: PDF uncertainty (None when not computed).
        pdf_method: how it was combined.
        notes: remarks (which of several weight groups was used, ...).
        scale_group: the ``<weightgroup>`` the scale weights were read from (None: none, or
            weights outside any group); the last of several, see :func:`scale_weights`.
    """

    header: LHEHeader
    n_events: int
    xsec_pb: float
    xsec_err_pb: float | None
    nominal: str
    variation_xsec_pb: dict[str, float]
    envelopes: dict[str, Envelope]
    pdf_set: int | None
    pdf_members: int
    pdf_up_rel: float | None
    pdf_down_rel: float | None
    pdf_method: str
    notes: tuple[str, ...] = field(default=())
    scale_group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "path": self.header.path,
            "process": self.header.process,
            "order": self.header.order,
            "n_events": self.n_events,
            "xsec_pb": self.xsec_pb,
            "xsec_err_pb": self.xsec_err_pb,
            "nominal": self.nominal,
            "envelopes": {
                k: {
                    "points_used": [list(p) for p in e.points_used],
                    "points_missing": [list(p) for p in e.points_missing],
                    "up_rel": e.up_rel,
                    "down_rel": e.down_rel,
                }
                for k, e in self.envelopes.items()
            },
            "pdf": {
                "set": self.pdf_set,
                "members": self.pdf_members,
                "method": self.pdf_method,
                "up_rel": self.pdf_up_rel,
                "down_rel": self.pdf_down_rel,
            },
            "notes": list(self.notes),
            "scale_group": self.scale_group,
        }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@dataclass(frozen=True)
class ScaleWeights:
    """Where an LHE file's (k_R, k_F) scale weights are, at the run's own dynamical scale and
    central PDF (see :func:`scale_weights`).

    Attributes:
        central_pdf: LHAPDF id taken as the central member: ``<init>``'s PDFSUP, else the one
            PDF id all scale weights share, else None (then any PDF id is accepted).
        points: (k_R, k_F) -> index into ``header.weights`` (and the weight columns of
            :class:`~scaleuq.io.lhe.reader.EventBlock`), the first declared weight of each point
            within the group used.
        group: the ``<weightgroup>`` the points come from (None: outside any group). When
            several groups hold scale weights (a file re-weighted after MadGraph wrote its own),
            the last one declared is used.
        groups: every group holding scale weights, in file order.
    """

    central_pdf: int | None
    points: dict[tuple[float, float], int]
    group: str | None = None
    groups: tuple[str | None, ...] = ()

    def column(self, k_r: float, k_f: float) -> int | None:
        """Index of the (k_R, k_F) weight (factors compared to 1e-6 relative), or None."""
        return next(
            (i for (r, f), i in self.points.items() if _close(r, k_r) and _close(f, k_f)), None
        )

    @property
    def nominal(self) -> int | None:
        """Index of the explicit (1, 1) weight, or None: then the event weight XWGTUP is the
        nominal (MadGraph 3.5 files with 44 scale weights have no (1, 1) entry at the run's
        own scale)."""
        return self.column(1.0, 1.0)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {
            "central_pdf": self.central_pdf,
            "points": [{"k_r": r, "k_f": f, "column": i} for (r, f), i in self.points.items()],
            "group": self.group,
            "groups": list(self.groups),
        }


def scale_weights(header: LHEHeader) -> ScaleWeights:
    """The one lookup of nominal and scale-variation weights in an LHE header.

    A weight counts when it is a (k_R, k_F) variation (:attr:`WeightInfo.is_scale`) at the
    run's own dynamical scale (no ``DYN_SCALE``, or ``-1``) and at the central PDF (no PDF id,
    or the central one). The central PDF is the ``<init>`` block's PDFSUP id, else the single
    PDF id shared by all scale weights. Of several weight groups holding such weights (a file
    re-weighted after generation) the last declared is used and named in
    :attr:`ScaleWeights.group`. Used by :func:`summarize_lhe` and by the decorrelation
    study's LHE samples, so both read the same columns.
    """
    central = header.pdf_id
    scale_pdfs = {w.pdf for w in header.weights if w.is_scale and w.pdf is not None}
    if central is None and len(scale_pdfs) == 1:
        central = next(iter(scale_pdfs))
    usable = [
        i for i, w in enumerate(header.weights)
        if _is_central(w, central) and w.k_r is not None and w.k_f is not None
    ]  # fmt: skip
    # groups holding a variation (a point other than (1, 1): a PDF group's central member is
    # a (1, 1) weight too, and no scale variation)
    groups = tuple(
        dict.fromkeys(
            header.weights[i].group for i in usable
            if not (_close(header.weights[i].k_r, 1) and _close(header.weights[i].k_f, 1))
        )
    ) or tuple(dict.fromkeys(header.weights[i].group for i in usable))  # fmt: skip
    group = groups[-1] if groups else None
    points: dict[tuple[float, float], int] = {}
    for i in usable:
        w = header.weights[i]
        if w.group != group:
            continue
        if not any(_close(w.k_r, r) and _close(w.k_f, f) for r, f in points):
            points[(w.k_r, w.k_f)] = i
    if not any(_close(r, 1) and _close(f, 1) for r, f in points):
        # the nominal (1, 1) weight may sit in another group (MadGraph 3.5 writes it as the
        # central member of its PDF group): the first declared
        i0 = next(
            (i for i in usable
             if _close(header.weights[i].k_r, 1) and _close(header.weights[i].k_f, 1)),
            None,
        )  # fmt: skip
        if i0 is not None:
            points = {(1.0, 1.0): i0, **points}
    return ScaleWeights(central, points, group, groups)


def _is_central(w: WeightInfo, central_pdf: int | None) -> bool:
    """A scale weight at the run's own dynamical scale and the central PDF."""
    return (
        w.is_scale
        and w.dyn_scale is None
        and (w.pdf is None or central_pdf is None or w.pdf == central_pdf)
    )


def scale_envelopes(
    points: Mapping[tuple[float, float], float], sigma0: float
) -> dict[str, Envelope]:
    """The 3-, 7- and 9-point envelopes (:data:`~scaleuq.choices.ENVELOPES`) of cross sections
    (or ratios) per (k_R, k_F) point, relative to ``sigma0``; a missing (1, 1) point is
    ``sigma0`` itself. Shared by the LHE and NanoAOD readers."""
    envelopes = {}
    for name, definition in ENVELOPES.items():
        used, missing, values = [], [], []
        for pt in definition:
            found = next(
                (v for p, v in points.items() if _close(p[0], pt[0]) and _close(p[1], pt[1])), None
            )
            if found is None and pt == (1.0, 1.0):
                found = sigma0
            if found is None:
                missing.append(pt)
            else:
                used.append(pt)
                values.append(found)
        rel = np.array(values) / sigma0 - 1 if values else np.array([np.nan])
        envelopes[name] = Envelope(
            name,
            tuple(used),
            tuple(missing),
            float(max(rel.max(), 0.0)),
            float(min(rel.min(), 0.0)),
        )
    return envelopes


def pdf_spread(
    members: Sequence[float], method: str, where: str, error: type[ScaleUQError] = LHEError
) -> float:
    """The PDF uncertainty of the error members' cross sections (their unit), as the user
    states the set to be (LHAPDF's error type is not in the files): ``replicas``: standard
    deviation (ddof=1; NaN for one member); ``hessian``: sqrt(sum (w+ - w-)^2)/2 over
    consecutive pairs. Shared by the LHE and NanoAOD readers.

    Raises:
        ``error`` (LHEError by default), naming ``where``: an odd number of Hessian members.
    """
    vals = np.asarray(members, dtype=float)
    if method == "replicas":
        return float(np.std(vals, ddof=1)) if vals.size > 1 else float("nan")
    if vals.size % 2:
        raise error(f"{where}: {vals.size} PDF members cannot form Hessian pairs")
    return 0.5 * float(np.sqrt(np.sum((vals[0::2] - vals[1::2]) ** 2)))


def summarize_lhe(
    path: str | Path,
    *,
    pdf_method: str = "replicas",
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> LHESummary:
    """Stream an LHE file once and return the cross section of every scale/PDF variation.

    Cross section per weight: sigma_0 * sum_events(w_i) / sum_events(w_0), with sigma_0 the
    ``<init>`` cross section and w_0 the (1,1) weight at the run's own scale and central PDF,
    or the event weight XWGTUP where the file has no explicit (1,1) weight (MadGraph 3.5).
    Ratios of sums are safe whether the weights are normalised to sum or to average to sigma.

    Args:
        path: the LHE file.
        pdf_method: ``replicas`` (standard deviation of the members: NNPDF-style Monte Carlo
            sets, MadGraph's default sets), ``hessian`` (symmetric eigenvector pairs:
            sqrt(sum (w+ - w-)^2)/2) or ``none``. LHAPDF's error type is not in the file, so
            this is the user's statement about the set.
        block_bytes, progress, jobs: as for :func:`iter_blocks` (``jobs``: threads parsing
            blocks; the sums do not depend on it).
    """
    if pdf_method not in PDF_METHODS:
        from scaleuq.errors import OptionError

        raise OptionError(f"unknown PDF method '{pdf_method}'; choose {', '.join(PDF_METHODS)}")
    header, blocks = iter_blocks(path, block_bytes=block_bytes, progress=progress, jobs=jobs)
    k = len(header.weights)
    sums = np.zeros(k)
    nominal_sum = 0.0
    n = 0
    for block in blocks:
        n += len(block.info)
        missing = np.isnan(block.weights)
        if missing.any():
            ev, col = np.argwhere(missing)[0]
            raise LHEError(
                f"{header.path}: event {block.first_event + ev} has no <wgt id='{header.weights[col].id}'>"
            )
        sums += block.weights.sum(axis=0)
        nominal_sum += float(block.info[:, 2].sum())
    if n == 0:
        raise LHEError(f"{header.path}: the file has no events")
    notes: list[str] = []
    sigma0 = header.xsec_pb
    if not sigma0:
        raise LHEError(f"{header.path}: the <init> block gives no cross section")
    lookup = scale_weights(header)
    central_pdf = lookup.central_pdf
    nominal = "event weight"
    if (i0 := lookup.nominal) is not None:
        nominal, nominal_sum = header.weights[i0].id, float(sums[i0])
    if nominal_sum == 0:
        raise LHEError(f"{header.path}: the nominal weights sum to zero; no ratio can be formed")
    xsec = {w.id: sigma0 * float(sums[i]) / nominal_sum for i, w in enumerate(header.weights)}
    points = {pt: xsec[header.weights[i].id] for pt, i in lookup.points.items()}
    envelopes = scale_envelopes(points, sigma0)
    if not points:
        notes.append("no scale-variation weights declared in the header")

    members = []
    if len(lookup.groups) > 1:
        notes.append(
            f"scale weights from weight group '{lookup.group}', the last of "
            f"{len(lookup.groups)} groups holding them "
            f"({', '.join(repr(g) for g in lookup.groups)})"
        )
    if central_pdf is not None and pdf_method != "none":
        candidates = [
            w for w in header.weights
            if w.pdf is not None and w.pdf != central_pdf and 0 < w.pdf - central_pdf < 1000
            and (not w.is_scale or (_close(w.k_r, 1) and _close(w.k_f, 1))) and w.dyn_scale is None
        ]  # fmt: skip
        member_groups = list(dict.fromkeys(w.group for w in candidates))
        if len(member_groups) > 1:  # the same members written twice: the last group
            notes.append(
                f"PDF members from weight group '{member_groups[-1]}', the last of "
                f"{len(member_groups)} groups holding them"
            )
        members = (
            [xsec[w.id] for w in candidates if w.group == member_groups[-1]] if candidates else []
        )
    pdf_up = pdf_dn = None
    if members:
        delta = pdf_spread(members, pdf_method, header.path)
        pdf_up, pdf_dn = delta / sigma0, -delta / sigma0
    return LHESummary(
        header, n, sigma0, header.xsec_err_pb, nominal, xsec, envelopes, central_pdf,
        len(members), pdf_up, pdf_dn, pdf_method, tuple(notes), lookup.group,
    )  # fmt: skip

"""Decoding the header of a Les Houches Event file: the ``<initrwgt>`` weight list for every
naming in use (MadGraph attributes ``MUR="0.5" MUF="2.0" DYN_SCALE="1" PDF="247000"``, text
``MUR=0.5 MUF=2.0`` where a missing one means 1, old aMC@NLO text ``muR=0.50000E+00``, MCnet
names ``MUR=0.5__MUF=2`` in the text or the id), the ``<init>`` block, the proc card's process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.util.numbers import NUMBER, parse_number

_ATTR = re.compile(r"""([A-Za-z_]\w*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TEXT_MUR = re.compile(rf"(?<![A-Za-z])mu_?r\s*=\s*({NUMBER})", re.I)
_TEXT_MUF = re.compile(rf"(?<![A-Za-z])mu_?f\s*=\s*({NUMBER})", re.I)
_TEXT_PDF = re.compile(r"(?<![A-Za-z])(?:pdf|pdfset|lhapdf)\s*=\s*(\d+)", re.I)
_TEXT_DYN = re.compile(r"dyn(?:_scale(?:_choice)?)?\s*=\s*(-?\d+)", re.I)


@dataclass(frozen=True)
class WeightInfo:
    """One declared weight of the ``<initrwgt>`` block.

    Attributes:
        id: the id used in ``<wgt id=...>``.
        k_r, k_f: mu_R and mu_F factors (None when the weight is not a scale variation).
        dyn_scale: MadGraph dynamical-scale choice, or None for the run's own choice.
        pdf: LHAPDF id of the PDF member, or None when not given.
        group: name (or type) of the enclosing ``<weightgroup>``.
        text: the weight's text, for reference.
    """

    id: str
    k_r: float | None
    k_f: float | None
    dyn_scale: int | None
    pdf: int | None
    group: str | None
    text: str

    @property
    def is_scale(self) -> bool:
        """True for a (k_R, k_F) variation."""
        return self.k_r is not None and self.k_f is not None


def _attr_number(wid: str, name: str, value: str, integer: bool = False) -> float:
    """A numeric ``<weight>`` attribute, or LHEError naming the weight and the attribute."""
    try:
        number = parse_number(value)
    except ValueError:
        raise LHEError(f"weight '{wid}' has a non-numeric {name}={value[:40]!r}") from None
    if integer and (number != int(number) or abs(number) > 2**31):
        raise LHEError(f"weight '{wid}' has {name}={value[:40]!r}, which is not an integer id")
    return number


def decode_weight(wid: str, attrs: dict[str, str], text: str, group: str | None) -> WeightInfo:
    """Decode one ``<weight>`` entry (attributes first, then text, then the id itself).

    Raises:
        LHEError: a non-numeric ``MUR``/``MUF`` or a non-integer ``DYN_SCALE``/``PDF``.
    """
    low = {k.lower(): v for k, v in attrs.items()}
    k_r = _attr_number(wid, "MUR", low["mur"]) if "mur" in low else None
    k_f = _attr_number(wid, "MUF", low["muf"]) if "muf" in low else None
    dyn = (
        int(_attr_number(wid, "DYN_SCALE", low["dyn_scale"], True)) if "dyn_scale" in low else None
    )
    pdf = int(_attr_number(wid, "PDF", low["pdf"], True)) if "pdf" in low else None
    for source in (text, wid):
        mr, mf = _TEXT_MUR.search(source), _TEXT_MUF.search(source)
        if k_r is None and k_f is None and (mr or mf):
            k_r = parse_number(mr.group(1)) if mr else 1.0
            k_f = parse_number(mf.group(1)) if mf else 1.0
        if pdf is None and (m := _TEXT_PDF.search(source)):
            pdf = int(m.group(1))
        if dyn is None and (m := _TEXT_DYN.search(source)):
            dyn = int(m.group(1))
    if (k_r is None) != (k_f is None):  # one attribute given: the other is the central one
        k_r = 1.0 if k_r is None else k_r
        k_f = 1.0 if k_f is None else k_f
    if k_r is None and dyn is not None:  # dynamical-scale weight at the central factors
        k_r = k_f = 1.0
    if dyn == -1:
        dyn = None
    return WeightInfo(wid, k_r, k_f, dyn, pdf, group, " ".join(text.split()))


@dataclass(frozen=True)
class LHEHeader:
    """What the header of an LHE file says.

    Attributes:
        path: the file.
        process: the MadGraph ``generate`` line's process, if the header has a proc card.
        generator: generator name and version from ``<generator>``, if any.
        xsec_pb, xsec_err_pb: sum of XSECUP and quadratic sum of XERRUP of the ``<init>`` block.
        integrated_weight_pb: ``Integrated weight (pb)`` of ``<MGGenerationInfo>``, if any.
        pdf_id: the beams' LHAPDF id from ``<init>`` (PDFSUP), if positive.
        weights: the declared weights in header order.
        header_bytes: where the events start.
        warnings: problems that did not stop reading (e.g. a repeated ``<initrwgt>``).
    """

    path: str
    process: str | None
    generator: str | None
    xsec_pb: float | None
    xsec_err_pb: float | None
    integrated_weight_pb: float | None
    pdf_id: int | None
    weights: tuple[WeightInfo, ...]
    header_bytes: int
    warnings: tuple[str, ...] = ()

    @property
    def order(self) -> str:
        """``NLO`` when the process carries an NLO tag such as ``[QCD]``, else ``LO``."""
        return (
            "NLO"
            if self.process
            and re.search(r"\[\s*(?:real\s*=\s*|virt\s*=\s*)?QCD", self.process, re.I)
            else "LO"
        )


def parse_header(text: bytes, path: Path) -> LHEHeader:
    """Decode an LHE header (everything up to ``</init>``)."""
    head = text.decode("utf-8", errors="replace")
    if "<LesHouchesEvents" not in head:
        raise LHEError(f"{path}: not a Les Houches Event file (no <LesHouchesEvents> tag)")
    warnings: list[str] = []
    blocks = re.findall(r"<initrwgt>(.*?)</initrwgt>", head, re.S)
    if len(blocks) > 1:
        if len({" ".join(b.split()) for b in blocks}) > 1:
            raise LHEError(
                f"{path}: the header has {len(blocks)} <initrwgt> blocks with different weight "
                "lists; cannot tell which one the events use"
            )
        warnings.append(
            f"{path}: <initrwgt> appears {len(blocks)} times (identical); using the first"
        )
    weights: list[WeightInfo] = []
    if blocks:
        group = None
        for m in re.finditer(
            r"<weightgroup\b([^>]*)>|<weight\b([^>]*)>(.*?)</weight>|</weightgroup>",
            blocks[0],
            re.S,
        ):
            if m.group(0).startswith("</weightgroup"):
                group = None
            elif m.group(0).startswith("<weightgroup"):
                attrs = {a: b or c for a, b, c in _ATTR.findall(m.group(1))}
                group = attrs.get("name") or attrs.get("type")
            else:
                attrs = {a: b or c for a, b, c in _ATTR.findall(m.group(2))}
                if "id" not in attrs:
                    raise LHEError(f"{path}: a <weight> in <initrwgt> has no id")
                try:
                    weights.append(decode_weight(attrs["id"].strip(), attrs, m.group(3), group))
                except LHEError as exc:
                    raise LHEError(f"{path}: <initrwgt>: {exc}") from None
    ids = [w.id for w in weights]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise LHEError(f"{path}: weight id '{dup}' is declared twice in <initrwgt>")

    process = None
    for card in re.findall(r"<MG5?ProcCard>(.*?)</MG5?ProcCard>", head, re.S | re.I) or [head]:
        m = re.search(r"^\s*generate\s+(.+?)\s*$", card, re.M)
        if m:
            process = m.group(1).split("#")[0].strip()
            break
    generator = None
    m = re.search(r"<generator\b([^>]*)>([^<]*)</generator>", head)
    if m:
        attrs = {a: b or c for a, b, c in _ATTR.findall(m.group(1))}
        generator = (
            " ".join(filter(None, [attrs.get("name"), attrs.get("version")])) or m.group(2).strip()
        )
    m = re.search(r"Integrated weight \(pb\)\s*:\s*(" + NUMBER + ")", head)
    integrated = parse_number(m.group(1)) if m else None

    xsec = err = None
    pdf_id = None
    m = re.search(r"<init\b[^>]*>(.*?)</init>", head, re.S)
    if not m:
        raise LHEError(f"{path}: no <init> block")
    lines = [
        ln.split()
        for ln in m.group(1).strip().splitlines()
        if ln.strip() and not ln.lstrip().startswith(("<", "#"))
    ]
    try:
        first = lines[0]
        nprup = int(first[9])
        pdf_id = int(first[6]) if int(first[6]) > 0 else None
    except (IndexError, ValueError):
        raise LHEError(f"{path}: malformed <init> block (the beam line needs 10 numbers)") from None
    try:
        procs = np.array(
            [[parse_number(v) for v in ln[:4]] for ln in lines[1 : 1 + nprup]], dtype=float
        )
        if procs.shape != (nprup, 4):
            raise ValueError
        xsec = float(procs[:, 0].sum())
        err = float(np.sqrt((procs[:, 1] ** 2).sum()))
    except (IndexError, ValueError):
        warnings.append(
            f"{path}: the <init> block lacks its {nprup} process lines: no cross section"
        )
    return LHEHeader(
        str(path),
        process,
        generator,
        xsec,
        err,
        integrated,
        pdf_id,
        tuple(weights),
        len(text),
        tuple(warnings),
    )

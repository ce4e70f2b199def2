"""Parsers for each kind of MadGraph5_aMC@NLO output (formats as MadGraph 2.x/3.x writes them).

* :func:`parse_systematics` / :func:`parse_systematics_log`: the summary of the systematics
  module (``parton_systematics.log`` or its console copy). Percentages are printed with
  ``%2.3g``, so ``+ 0%`` and ``+8.43e-09%`` occur; ``PDF variation: missing combination``
  means no PDF uncertainty.
* :func:`parse_run_summary` / :func:`parse_summary`: aMC@NLO's run summaries, fixed-order
  (``Final results and run summary``; ``Scale variation (computed from histogram
  information)``) and event generation (``Summary:``; ``computed from LHE events``), and the
  older ``Total cross-section:`` / ``Ren. and fac. scale uncertainty:`` form.
* :func:`parse_banner`: a run banner (or an LHE header): proc card, the order a fixed-order
  run was made at (``<run_settings>`` ``order = LO|NLO``, ``fixed_order = ON``), which program
  ran it (MadEvent or aMC@NLO), the ``<init>`` cross section and ``Integrated weight (pb)``.
* :func:`console_cross_section`: MadEvent's console line ``Cross-section : X +- Y pb``.
* :func:`parse_html`: MadEvent's HTML result pages, ``crossx.html`` (one row per run,
  ``0.224 ± 0.00059`` in pb, and the process in its title) and ``HTML/run_N/results.html``
  (``s= 0.22403 ± 0.000591 (pb)``).

Every number keeps the line it came from, for the provenance of each table row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from scaleuq.errors import MadGraphError
from scaleuq.io.lhe.reader import HEADER_LIMIT, open_decompressed
from scaleuq.io.madgraph.detect import (
    CONSOLE_LO,
    TextBlock,
    find_blocks,
    read_text,
)
from scaleuq.io.process import ProcCard, parse_proc_card
from scaleuq.util.numbers import NUMBER, parse_number
from scaleuq.util.units import xsec_to_pb

_PAIR = re.compile(rf"\+\s*({NUMBER})\s*%\s*-\s*({NUMBER})\s*%")
#: One cross section after a colon: a number and an optional unit, nothing else.
_QUANTITY = re.compile(rf"\s*({NUMBER})\s*(?:([a-zµ]{{1,3}}))?\s*")
_BEAMS = re.compile(rf"run at\s+(\S+)\s+collider\s*\(\s*({NUMBER})\s*\+\s*({NUMBER})\s*gev", re.I)


def _to_pb(value: float, unit: str, where: str) -> float:
    try:
        return xsec_to_pb(value, unit)
    except ValueError as exc:
        raise MadGraphError(f"{where}: {exc}") from None


def _quantity(text: str, where: str, what: str) -> float:
    """One cross section in pb from the text after a colon (``30775.0``, ``2.045e+07 fb``);
    anything else (``2,045e+04``, ``20 450``, trailing words) is an error naming the line."""
    m = _QUANTITY.fullmatch(text)
    if not m:
        raise MadGraphError(
            f"{where}: cannot read the {what} {text.strip()[:60]!r} as one number (with an "
            "optional unit such as pb or fb)"
        )
    return _to_pb(_num(m.group(1), where), m.group(2) or "pb", where)


def _num(text: str, where: str) -> float:
    try:
        return parse_number(text)
    except ValueError as exc:
        raise MadGraphError(f"{where}: {exc}") from None


def _pair(text: str, where: str) -> tuple[float, float] | None:
    """``+a% -b%`` -> (a, -b) in percent, or None when the text has no such pair."""
    m = _PAIR.search(text)
    if not m:
        return None
    return _num(m.group(1), where), -abs(_num(m.group(2), where))


def _after_colon(text: str, where: str, what: str) -> str:
    if ":" not in text:
        raise MadGraphError(f"{where}: the {what} line has no ':' before its value: {text!r}")
    return text.split(":", 1)[1]


@dataclass(frozen=True)
class Variation:
    """An uncertainty ``+up% -down%`` (``dn_pct`` <= 0) and the ``file:line`` it was read from."""

    up_pct: float
    dn_pct: float
    source: str


@dataclass(frozen=True)
class SystematicsSummary:
    """The summary of MadGraph's systematics module (LO runs with ``use_syst``).

    Attributes:
        source: ``file:line`` of the ``original cross-section`` line.
        xsec_pb: the original cross-section (pb), or None.
        scale, pdf: the scale and PDF variations, or None (``missing combination`` or absent).
        pdf_missing: the log says ``PDF variation: missing combination``.
        emission, central_scheme: the other variations it prints, or None.
        dynamical: (scheme, cross section in pb, variation, label) per dynamical scheme.
        pdf_sets: (name, cross section in pb, variation) per additional PDF set.
    """

    source: str
    xsec_pb: float | None
    scale: Variation | None
    pdf: Variation | None
    pdf_missing: bool
    emission: Variation | None
    central_scheme: Variation | None
    dynamical: tuple[tuple[int, float, Variation, str], ...]
    pdf_sets: tuple[tuple[str, float, Variation], ...]


def parse_systematics(block: TextBlock) -> SystematicsSummary:
    """Read a ``systematics`` block (see :func:`~scaleuq.io.madgraph.detect.find_blocks`).

    Raises:
        MadGraphError: a line it must read (cross section, scale variation) is malformed, or
            appears twice.
    """
    xsec = scale = pdf = emission = central = None
    pdf_missing = False
    dynamical: list[tuple[int, float, Variation, str]] = []
    pdf_sets: list[tuple[str, float, Variation]] = []
    for number, body in block.lines:
        where = f"{block.path}:{number}"
        low = body.lower()
        if low.startswith("original cross-section"):
            if xsec is not None:
                raise MadGraphError(
                    f"{where}: a second 'original cross-section' line in the systematics "
                    f"summary at {block.where}"
                )
            xsec = _quantity(
                _after_colon(body, where, "original cross-section"), where,
                "original cross-section",
            )  # fmt: skip
        elif low.startswith("scale variation:"):
            if scale is not None:
                raise MadGraphError(
                    f"{where}: a second 'scale variation' line in the systematics summary at "
                    f"{block.where}"
                )
            pair = _pair(body, where)
            if pair is None:
                raise MadGraphError(f"{where}: cannot read the scale variation {body!r}")
            scale = Variation(*pair, where)
        elif low.startswith("emission scale variation") and (pair := _pair(body, where)):
            emission = Variation(*pair, where)
        elif low.startswith("central scheme variation") and (pair := _pair(body, where)):
            central = Variation(*pair, where)
        elif low.startswith("pdf variation"):
            if "missing" in low:
                pdf_missing = True
            elif pair := _pair(body, where):
                pdf = Variation(*pair, where)
        elif low.startswith("pdf ") and ":" in body:
            name, rest = body[3:].split(":", 1)
            m = re.match(rf"\s*({NUMBER})", rest)
            if m and (pair := _pair(rest, where)):
                pdf_sets.append((name.strip(), _num(m.group(1), where), Variation(*pair, where)))
        elif low.startswith("dynamical scheme"):
            m = re.match(rf"dynamical scheme\s*#\s*(-?\d+)\s*:\s*({NUMBER})(.*)", body, re.I)
            if m and (pair := _pair(m.group(3), where)):
                label = m.group(3).split("#", 1)[1].strip() if "#" in m.group(3) else ""
                dynamical.append(
                    (int(m.group(1)), _num(m.group(2), where), Variation(*pair, where), label)
                )
    return SystematicsSummary(
        block.where, xsec, scale, pdf, pdf_missing, emission, central,
        tuple(dynamical), tuple(pdf_sets),
    )  # fmt: skip


@dataclass(frozen=True)
class RunSummary:
    """An aMC@NLO run summary block.

    Attributes:
        kind: ``fixed_order`` or ``event_generation``.
        source: ``file:line`` where the block starts.
        process: the ``Process`` line's process, or None; ``process_source`` its line.
        xsec_pb, xsec_err_pb: ``Total cross section`` (pb) and its MC error; ``xsec_source``.
        scale: the scale variation of the run's own dynamical scale (``Dynamical_scale_choice
            -1``, else the first listed), or of the old ``Ren. and fac. scale uncertainty``.
        scale_values: how many (mu_R, mu_F) values the envelope took (9 for the standard
            band), or None when not printed.
        pdf: the first PDF set's variation; ``pdf_set`` its name.
        n_events: ``Number of events generated`` (event generation), or None.
        beams: (collider, beam 1 GeV, beam 2 GeV) of ``Run at p-p collider (6500.0 + 6500.0
            GeV)``, or None.
    """

    kind: str
    source: str
    process: str | None
    process_source: str | None
    xsec_pb: float | None
    xsec_err_pb: float | None
    xsec_source: str | None
    scale: Variation | None
    scale_values: int | None
    pdf: Variation | None
    pdf_set: str | None
    n_events: int | None
    beams: tuple[str, float, float] | None = None


def parse_run_summary(block: TextBlock) -> RunSummary:
    """Read a ``fixed_order`` or ``event_generation`` block.

    Raises:
        MadGraphError: two ``Total cross section`` lines in one block, a cross-section line
            without its colon or numbers, a decay width or a biased (``DO NOT USE``) result.
    """
    process = process_src = xsec = err = xsec_src = scale = pdf = pdf_set = None
    n_events = None
    beams = None
    section = None
    scales: dict[int, tuple[Variation, int | None]] = {}
    current: tuple[int, int | None] | None = None
    for number, body in block.lines:
        where = f"{block.path}:{number}"
        low = body.lower()
        if low.startswith("process") and process is None:
            parts = body.split(None, 1)
            process, process_src = (parts[1].strip(), where) if len(parts) > 1 else (None, None)
        elif low.startswith("run at") and (b := _BEAMS.match(body)):
            beams = (b.group(1).lower(), _num(b.group(2), where), _num(b.group(3), where))
        elif low.startswith("number of events"):
            m = re.search(r"(\d+)\s*$", body)
            n_events = int(m.group(1)) if m else None
        elif low.startswith("total"):
            if "decay width" in low:
                raise MadGraphError(
                    f"{where}: this run computed a decay width (GeV), not a cross section"
                )
            if xsec_src is not None:
                raise MadGraphError(
                    f"{where}: a second 'Total cross section' line in the run summary starting at "
                    f"{block.where} (the first is at {xsec_src}); keep one run per block"
                )
            if "do not use" in low:
                raise MadGraphError(
                    f"{where}: MadGraph marks this cross section 'DO NOT USE' (a biased run)"
                )
            m = re.match(
                rf"\s*({NUMBER})\s*\+-\s*({NUMBER})\s*([a-zµ]{{1,3}})\b",
                _after_colon(body, where, "total cross section"),
                re.I,
            )
            if not m:
                raise MadGraphError(f"{where}: cannot read the cross section in {body[:80]!r}")
            unit = m.group(3)
            xsec = _to_pb(_num(m.group(1), where), unit, where)
            err = _to_pb(_num(m.group(2), where), unit, where)
            xsec_src = where
        elif low.startswith("ren. and fac. scale uncertainty"):
            pair = _pair(body, where)
            if pair is None:
                raise MadGraphError(f"{where}: cannot read the scale uncertainty {body!r}")
            scale = Variation(*pair, where)
        elif low.startswith("pdf uncertainty"):
            if pair := _pair(body, where):
                pdf = pdf or Variation(*pair, where)
        elif low.startswith("scale variation"):
            section = "scale"
        elif low.startswith("pdf variation"):
            section = "pdf"
            if pair := _pair(body, where):
                pdf = pdf or Variation(*pair, where)
        elif low.startswith("soft and hard"):
            section = "other"
        elif low.startswith("dynamical_scale_choice") and section == "scale":
            m = re.match(r"dynamical_scale_choice\s+(-?\d+)(?:.*?envelope of\s+(\d+))?", low)
            current = (int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else None
        elif re.search(r"\(\d+ members", low) and section == "pdf" and pdf_set is None:
            pdf_set = body.split("(", 1)[0].strip()
        elif re.match(rf"{NUMBER}\s*pb", body) and (pair := _pair(body, where)):
            if section == "scale" and current is not None and current[0] not in scales:
                scales[current[0]] = (Variation(*pair, where), current[1])
            elif section == "pdf" and pdf is None:
                pdf = Variation(*pair, where)
    values = None
    if scales:
        scale, values = scales.get(-1, next(iter(scales.values())))
    return RunSummary(
        block.kind, block.where, process, process_src, xsec, err, xsec_src, scale, values,
        pdf, pdf_set, n_events, beams,
    )  # fmt: skip


def console_cross_section(block: TextBlock) -> tuple[float, float, str]:
    """(cross section, MC error, ``file:line``) in pb of a ``console_lo`` block."""
    number, body = block.lines[0]
    where = f"{block.path}:{number}"
    m = CONSOLE_LO.match(body)
    if not m:  # find_blocks only makes console_lo blocks of matching lines
        raise MadGraphError(f"{where}: cannot read the cross section in {body!r}")
    unit = m.group(3)
    return (
        _to_pb(_num(m.group(1), where), unit, where),
        _to_pb(_num(m.group(2), where), unit, where),
        where,
    )


@dataclass(frozen=True)
class HtmlResult:
    """One run's result on a MadEvent HTML page.

    Attributes:
        path: the page; ``line`` the line of the number.
        run: the run's name (``run_01``) when the page says it, else None.
        xsec_pb, xsec_err_pb: the cross section and its MC error (pb).
        process: the process named in the page's title (``crossx.html``), or None.
    """

    path: str
    line: int
    run: str | None
    xsec_pb: float
    xsec_err_pb: float
    process: str | None

    @property
    def where(self) -> str:
        """``file:line`` of the number."""
        return f"{self.path}:{self.line}"


_TAG = re.compile(r"<[^<>]{0,2000}>")
_HTML_XSEC = re.compile(
    rf"({NUMBER})\s*(?:±|\+-|\+/-)\s*({NUMBER})(?:\s*\(\s*([a-zµ]{{1,3}})\s*\))?"
)
_HTML_PROCESS = re.compile(r"results\s+in\s+the\s+\S+\s+for\s+(\S[^\n]*?>[^\n]*?)\s*$", re.I)
_HTML_RUN = re.compile(r"^\s*(run_\w+)\s*$")


def parse_html(text: str, path: str | Path) -> list[HtmlResult]:
    """The results on a MadEvent HTML page (see the module docstring), one per run; the same
    result printed twice on a page counts once.

    Raises:
        MadGraphError: a malformed number or an unknown unit.
    """
    import html

    default_run = (
        Path(path).parent.name if re.fullmatch(r"run_\w+", Path(path).parent.name) else None
    )
    plain = _TAG.sub(lambda m: "\n" * m.group(0).count("\n") + " ", text)
    results: dict[tuple[str | None, float, float], HtmlResult] = {}
    process = None
    run = default_run
    for number, line in enumerate(plain.splitlines(), start=1):
        clean = html.unescape(line).replace("\xa0", " ").strip()
        if not clean:
            continue
        if process is None and (m := _HTML_PROCESS.search(clean)):
            process = " ".join(m.group(1).split())
        if m := _HTML_RUN.match(clean):
            run = m.group(1)
            continue
        m = _HTML_XSEC.search(clean)
        if not m or not (clean.lower().startswith("s=") or run is not None):
            continue
        where = f"{path}:{number}"
        unit = m.group(3) or "pb"
        xsec = _to_pb(_num(m.group(1), where), unit, where)
        err = _to_pb(_num(m.group(2), where), unit, where)
        results.setdefault((run, xsec, err), HtmlResult(str(path), number, run, xsec, err, None))
    return [
        HtmlResult(r.path, r.line, r.run, r.xsec_pb, r.xsec_err_pb, process)
        for r in results.values()
    ]


@dataclass(frozen=True)
class BannerInfo:
    """What a run banner (or the header of an LHE file) says about its run.

    Attributes:
        path: the file.
        proc_card: the ``<MG5ProcCard>`` (or the first ``generate`` line), or None.
        program: ``MadEvent`` (LO event generation, also loop-induced) or ``aMC@NLO``, from
            the run card's title or ``<run_settings>``; None when the banner does not say.
        order: ``LO`` or ``NLO`` from ``<run_settings>`` (aMC@NLO runs), else None.
        fixed_order: ``fixed_order = ON`` in ``<run_settings>``; None when absent.
        xsec_pb, xsec_err_pb: the ``<init>`` block's summed cross section and MC error.
        integrated_weight_pb: ``Integrated weight (pb)`` of ``<MGGenerationInfo>``.
        version: ``<MGVersion>``.
        beams: (``lpp1/lpp2``, ``ebeam1``, ``ebeam2`` in GeV) of the run card, or None.
    """

    path: str
    proc_card: ProcCard | None
    proc_card_line: int | None
    program: str | None
    order: str | None
    fixed_order: bool | None
    xsec_pb: float | None
    xsec_err_pb: float | None
    init_line: int | None
    integrated_weight_pb: float | None
    integrated_line: int | None
    version: str | None
    beams: tuple[str, float, float] | None = None

    @property
    def process(self) -> str | None:
        """The proc card's process (merged samples joined with `` | ``)."""
        return self.proc_card.process if self.proc_card else None


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def parse_banner(text: str, path: str | Path) -> BannerInfo:
    """Read a banner's proc card, run settings, ``<init>`` and generation info.

    Raises:
        MadGraphError: a malformed ``<init>`` block or number.
    """
    where = str(path)
    card = card_line = None
    m = re.search(r"<MG5ProcCard>(.*?)</MG5ProcCard>", text, re.S | re.I)
    if m:
        body = m.group(1)
        card_line = _line_of(text, m.start(1))
        card = parse_proc_card(body, first_line=card_line)
    if card is None or not card.processes:
        g = re.search(r"^[ \t]*generate[ \t]+\S.*$", text, re.M)
        if g:
            card_line = _line_of(text, g.start())
            card = parse_proc_card(g.group(0), first_line=card_line)
    settings = {}
    m = re.search(r"<run_settings>(.*?)</run_settings>", text, re.S | re.I)
    if m:
        for line in m.group(1).splitlines():
            key, sep, value = line.partition("=")
            if sep:
                settings[key.strip().lower()] = value.strip()
    order = settings.get("order", "").upper() or None
    if order not in (None, "LO", "NLO"):
        order = None
    fixed = {"on": True, "off": False}.get(settings.get("fixed_order", "").lower())
    program = None
    if m or re.search(r"run_card\.dat\s+aMC@NLO", text, re.I):
        program = "aMC@NLO"
    elif re.search(r"run_card\.dat\s+MadEvent", text, re.I):
        program = "MadEvent"
    integrated = integrated_line = None
    m = re.search(rf"Integrated weight \(pb\)\s*:\s*({NUMBER})", text)
    if m:
        integrated_line = _line_of(text, m.start())
        integrated = _num(m.group(1), f"{where}:{integrated_line}")
    xsec = err = init_line = None
    m = re.search(r"<init\b[^>]*>(.*?)</init>", text, re.S)
    if m:
        init_line = _line_of(text, m.start())
        rows = [
            ln.split() for ln in m.group(1).strip().splitlines()
            if ln.strip() and not ln.lstrip().startswith(("<", "#"))
        ]  # fmt: skip
        try:
            nprup = int(rows[0][9])
            procs = [[parse_number(v) for v in r[:2]] for r in rows[1 : 1 + nprup]]
            if len(procs) != nprup or any(len(p) != 2 for p in procs):
                raise ValueError
        except (IndexError, ValueError):
            raise MadGraphError(
                f"{where}:{init_line}: malformed <init> block (a beam line of 10 numbers, then "
                "one line per process)"
            ) from None
        xsec = sum(p[0] for p in procs)
        err = math.sqrt(sum(p[1] ** 2 for p in procs))
    version = None
    m = re.search(r"<MGVersion>\s*([^<\s]+)", text)
    if m:
        version = m.group(1)
    card_values = {
        k: v for v, k in re.findall(
            rf"^[ \t]*({NUMBER}|-?\d+)[ \t]*=[ \t]*(lpp1|lpp2|ebeam1|ebeam2)\b", text, re.M
        )
    }  # fmt: skip
    beams = None
    if "ebeam1" in card_values and "ebeam2" in card_values:
        lpp = f"{card_values.get('lpp1', '?')}/{card_values.get('lpp2', '?')}"
        beams = (
            f"lpp {lpp}",
            _num(card_values["ebeam1"], where),
            _num(card_values["ebeam2"], where),
        )
    return BannerInfo(
        where, card, card_line, program, order, fixed, xsec, err, init_line, integrated,
        integrated_line, version, beams,
    )  # fmt: skip


def read_banner(path: str | Path) -> BannerInfo:
    """:func:`parse_banner` of a banner file."""
    return parse_banner(read_text(path), path)


def read_lhe_banner(path: str | Path, limit: int = HEADER_LIMIT) -> BannerInfo:
    """:func:`parse_banner` of an LHE file's header (everything before the first event).

    Raises:
        MadGraphError: no ``<event`` within ``limit`` bytes of header.
    """
    path = Path(path)
    buf = b""
    try:
        with open_decompressed(path) as handle:
            while len(buf) < limit:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                buf += chunk
                if b"<event" in buf[-len(chunk) - 16 :]:
                    break
    except (OSError, EOFError) as exc:
        raise MadGraphError(f"{path}: cannot read the LHE header ({exc})") from None
    cut = buf.find(b"<event")
    head = buf if cut < 0 else buf[:cut]
    return parse_banner(head.decode("utf-8", errors="replace"), path)


def parse_systematics_log(path: str | Path) -> SystematicsSummary:
    """The systematics summary of a file (``parton_systematics.log``, any name).

    Raises:
        MadGraphError: the file holds no systematics summary, or more than one.
    """
    blocks = [b for b in find_blocks(read_text(path), path) if b.kind == "systematics"]
    if len(blocks) != 1:
        raise MadGraphError(
            f"{path}: {'no' if not blocks else len(blocks)} systematics summaries "
            "('original cross-section' ...); expected one"
        )
    return parse_systematics(blocks[0])


def parse_summary(path: str | Path) -> RunSummary:
    """The aMC@NLO run summary of a file (``summary.txt``, any name).

    Raises:
        MadGraphError: the file holds no run summary, or more than one.
    """
    blocks = [
        b
        for b in find_blocks(read_text(path), path)
        if b.kind in ("fixed_order", "event_generation")
    ]
    if len(blocks) != 1:
        raise MadGraphError(
            f"{path}: {'no' if not blocks else len(blocks)} run summaries ('Total cross "
            "section' ...); expected one"
        )
    return parse_run_summary(blocks[0])

"""Recognise MadGraph5_aMC@NLO output by what it contains, whatever the file is called.

A file is one of:

* ``lhe``: a Les Houches Event file (plain or gzip, recognised by its bytes);
* ``banner``: a run banner (``<MGVersion>``, ``<MG5ProcCard>``, ``<MGRunCard>`` ... without
  events), whatever its name (``run_01_tag_1_banner.txt``, ``sm_50-ptj_banner.txt``);
* ``hwu``: HwU histograms (``<histogram>`` blocks);
* ``proc_card``: MadGraph commands with a ``generate`` line and no result block;
* ``text``: any other text (logs, ``summary.txt``, console captures, markdown notes), split by
  :func:`find_blocks` into the result blocks it holds.

* ``html``: MadEvent's HTML result pages (``crossx.html``, ``HTML/run_N/results.html``);
Result blocks (:class:`TextBlock` kinds), read line by line after dropping, the same way
everywhere, console prefixes (``INFO:``, ``MG5_aMC>``), comment marks (``#``, ``##``, ``//``)
and block quotes (``>``, ``> >``):

* ``systematics``: the summary of MadGraph's systematics module (``original cross-section``,
  ``scale variation: +a% -b%``, ``PDF variation`` ...), from ``parton_systematics.log`` or the
  console;
* ``console_lo``: MadEvent's ``Cross-section :  X +- Y pb`` (an LO run);
* ``fixed_order``: aMC@NLO's ``Final results and run summary`` (LO or NLO: the block does not
  say which), also a bare ``summary.txt`` starting at ``Process``;
* ``event_generation``: aMC@NLO's event-generation ``Summary:`` block (``Number of events
  generated``, scale variation ``computed from LHE events``);
* ``width``: MadEvent's width summary (``Width :  3.0e-19 +- 4.3e-22 GeV``): a decay width,
  refused with the decay-width message (as aMC@NLO's ``Total decay width``);
* ``intermediate``: ``Current results``, ``Results after grid setup``, ``Updating the number of
  unweighted events``: progress printouts whose numbers are never used.

Each block remembers the heading right before it (``### NLO``, ``LO+PS``, ``**LO**``, ``## NLO,
HT/2 (...)`` of any length when marked as a heading by ``#`` or ``**``; unmarked lines up to 40
characters), which may name its order when the run itself does not, and the process echoed
before it in the same text (the last ``generate`` line and the ``add process`` lines after it,
also as ``MG5_aMC>generate ...``), for runs whose block names no process.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from scaleuq.errors import MadGraphError
from scaleuq.io.lhe.reader import is_gzip, open_decompressed
from scaleuq.util.numbers import NUMBER

SNIFF_BYTES = 1 << 16
MAX_TEXT_BYTES = 256 << 20  # a result text beyond this is not a log a user pasted

#: Console prefixes, comment marks and block quotes, stripped from the start of every line.
_PREFIX = re.compile(
    r"^\s*(?:(?:(?:INFO|DEBUG|WARNING|STDOUT)\s*:|MG5(?:_aMC)?>|>|#+|//)[ \t]*)+", re.I
)
#: Console prefixes and block quotes only (a comment mark may be a markdown heading's).
_OUTER = re.compile(r"^\s*(?:(?:(?:INFO|DEBUG|WARNING|STDOUT)\s*:|MG5(?:_aMC)?>|>)[ \t]*)+", re.I)
_MARKED_HEADING = re.compile(r"^(?:#{1,6}[ \t]|//[ \t]*\S|\*\*.+\*\*:?$|__.+__:?$)")
_BANNER_TAGS = re.compile(
    rb"<(?:MGVersion|MG5ProcCard|MGProcCard|MGRunCard|MGGenerationInfo|run_settings)>"
)
_INTERMEDIATE = re.compile(
    r"^(?:current results|results after grid setup|intermediate results|"
    r"(?:determining|updating) the number of unweighted events)",
    re.I,
)
CONSOLE_LO = re.compile(rf"^cross-section\s*:\s*({NUMBER})\s*\+-\s*({NUMBER})\s*(\w+)", re.I)
WIDTH = re.compile(rf"^width\s*:\s*({NUMBER})\s*\+-\s*({NUMBER})\s*(\w+)", re.I)
_ECHO = re.compile(r"^(generate|add\s+process)\s+(\S[^#]*>[^#]*)", re.I)
_TOTAL = re.compile(
    r"^total\s+(?:cross[\s-]section|(?:\(partial\)\s*)?(?:abs\()?decay width)", re.I
)
_SYST_LINE = re.compile(
    r"^(?:original cross-section|scale variation:|emission scale variation|central scheme "
    r"variation|pdf variation|pdf\s+\S+\s*:|dynamical scheme|alpsfact|\*+$|$)",
    re.I,
)
_SUMMARY_LINE = re.compile(
    rf"^(?:process\b|run at\b|number of events|total\s+|scale variation|pdf variation|pdf "
    rf"uncertainty|ren\. and fac\.|dynamical_scale_choice|soft and hard|{NUMBER}\s*(?:pb|fb|gev)|"
    r".*\(\d+ members|emission scale|central scheme|-{3,}$|={3,}$|\*{3,}$|$)",
    re.I,
)
_HEADING_ORDER = re.compile(r"(?<![A-Za-z])(NNLO|NLO|LO)(?![A-Za-z])")
_WORD_ORDER = re.compile(r"\b(next-to-leading order|leading order)\b", re.I)


@dataclass(frozen=True)
class TextBlock:
    """One result block found in a text file.

    Attributes:
        kind: ``systematics``, ``console_lo``, ``fixed_order``, ``event_generation`` or
            ``intermediate`` (see the module docstring).
        path: the file.
        start, end: first and last line of the block (1-based).
        lines: (line number, cleaned text) of each line of the block.
        heading: the heading right before the block (``LO+PS``), or None.
        heading_order: ``LO`` or ``NLO`` when the heading names one order, else None.
        heading_line: the heading's line number, or None.
        echoed: (process, line) echoed before the block in the same text (``generate`` and
            the ``add process`` lines after it, merged with `` | ``), or None.
    """

    kind: str
    path: str
    start: int
    end: int
    lines: tuple[tuple[int, str], ...]
    heading: str | None = None
    heading_order: str | None = None
    heading_line: int | None = None
    echoed: tuple[str, int] | None = None

    @property
    def where(self) -> str:
        """``file:line`` of the block's first line."""
        return f"{self.path}:{self.start}"


def clean_line(raw: str) -> str:
    """A line without console prefixes (``INFO: ``, ``MG5_aMC>``), comment marks (``#``,
    ``//``), block quotes (``> >``) and outer space."""
    return _PREFIX.sub("", raw).strip()


def _read_start(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            if not is_gzip(head):
                return head
        with open_decompressed(path) as handle:
            return handle.read(SNIFF_BYTES)
    except PermissionError:
        raise MadGraphError(f"{path}: cannot read this file (permission denied)") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise MadGraphError(f"{path}: cannot read this file ({exc})") from None


def _has_events(path: Path, head: bytes) -> bool:
    """True when the file holds an ``<event`` tag (scanned in blocks, stops at the first)."""
    if b"<event" in head:
        return True
    tail = b""
    try:
        with open_decompressed(path) as handle:
            while chunk := handle.read(1 << 20):
                if b"<event" in tail + chunk:
                    return True
                tail = chunk[-16:]
    except (OSError, EOFError, zlib.error):
        return False
    return False


def sniff(path: str | Path) -> str | None:
    """The kind of MadGraph output ``path`` holds (see the module docstring), or None for
    binary files that are not gzip-compressed LHE."""
    path = Path(path)
    head = _read_start(path)
    with path.open("rb") as raw:
        gz = is_gzip(raw.read(2))
    if b"\x00" in head:
        return None
    if b"<LesHouchesEvents" in head or b"<header>" in head or _BANNER_TAGS.search(head):
        return "lhe" if _has_events(path, head) else "banner"
    if gz:
        return None
    if re.search(rb"<(?:html|head|body)\b|<!doctype\s+html", head[:4096], re.I):
        return "html"
    if b"<histogram>" in head and b"&" in head:
        return "hwu"
    return "text"


def read_text(path: str | Path) -> str:
    """The text of a result file (UTF-8, undecodable bytes replaced), size-checked."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise MadGraphError(
                f"{path}: {size / 2**20:.0f} MB of text is not a MadGraph log or summary; "
                "pass the run's summary or systematics file instead"
            )
        return path.read_bytes().decode("utf-8", errors="replace")
    except PermissionError:
        raise MadGraphError(f"{path}: cannot read this file (permission denied)") from None
    except OSError as exc:
        raise MadGraphError(f"{path}: cannot read this file ({exc.strerror or exc})") from None


def heading_order(text: str) -> str | None:
    """``LO`` or ``NLO`` when a heading's text names exactly one of them (``LO+PS`` is LO)."""
    found = {m.group(1) for m in _HEADING_ORDER.finditer(text)}
    for m in _WORD_ORDER.finditer(text):
        found.add("NLO" if m.group(1).lower().startswith("next") else "LO")
    if len(found) != 1 or "NNLO" in found:
        return None
    return found.pop()


def _is_filler(clean: str) -> bool:
    """Blank lines, code fences, rules and Carpentries' ``{: .output}`` between a heading and
    its block."""
    return (
        not clean
        or clean.startswith(("```", "~~~"))
        or bool(re.fullmatch(r"[-=*_~#`]{3,}", clean))
        or bool(re.fullmatch(r"\{:[^}]*\}", clean))
    )


def _heading_before(lines: list[str], index: int) -> tuple[str, int] | None:
    """The heading right before line ``index`` (0-based): the first line above it that is not
    blank, a code fence or a rule, if it reads like a heading: marked as one (``#``, ``**``) at
    any length, or an unmarked line of at most 40 characters."""
    i = index - 1
    while i >= 0 and _is_filler(clean_line(lines[i])):
        i -= 1
    if i < 0:
        return None
    clean = clean_line(lines[i])
    marked = bool(_MARKED_HEADING.match(_OUTER.sub("", lines[i]).strip()))
    text = clean.strip("#*_>`: \t").strip()
    if not text or (not marked and len(text) > 40) or _TOTAL.match(clean):
        return None
    if not re.search(r"[A-Za-z]", text) or _ECHO.match(clean):
        return None  # a row of numbers or a command, not a heading
    if _start_kind(lines, i, clean) is not None or (_SUMMARY_LINE.match(clean) and not marked):
        return None  # the last line of another block, not a heading
    return text, i + 1


def _start_kind(lines: list[str], i: int, clean: str) -> str | None:
    low = clean.lower()
    if low.startswith("final results and run summary"):
        return "fixed_order"
    if low.rstrip(":") == "summary":
        return "event_generation"
    if _INTERMEDIATE.match(low):
        return "intermediate"
    if low.startswith("original cross-section"):
        return "systematics"
    if CONSOLE_LO.match(clean):
        return "console_lo"
    if WIDTH.match(clean):
        return "width"
    if low.startswith("process ") or low == "process":
        ahead = [clean_line(x).lower() for x in lines[i + 1 : i + 5]]
        if any(_TOTAL.match(a) for a in ahead):
            return "fixed_order"
    if _TOTAL.match(clean):
        return "fixed_order"
    return None


def find_blocks(text: str, path: str | Path) -> list[TextBlock]:
    """Every result block of a text, in order (see the module docstring).

    A block runs from its first line to the line before the next block, heading or line that
    belongs to no block of its kind.
    """
    lines = text.splitlines()
    cleaned = [clean_line(x) for x in lines]
    blocks: list[TextBlock] = []
    echoed: list[str] = []
    echoed_line = 0
    i = 0
    while i < len(lines):
        kind = _start_kind(lines, i, cleaned[i])
        if kind is None:
            m = _ECHO.match(cleaned[i])
            if m and m.group(1).lower() == "generate":
                echoed, echoed_line = [m.group(2).strip()], i + 1
            elif m and echoed:
                echoed.append(m.group(2).strip())
            i += 1
            continue
        start = i
        body = [(i + 1, cleaned[i])]
        i += 1
        if kind not in ("console_lo", "width"):
            pattern = _SYST_LINE if kind == "systematics" else _SUMMARY_LINE
            while i < len(lines):
                raw = cleaned[i]
                starts = _start_kind(lines, i, cleaned[i])
                continues = kind != "systematics" and (
                    _TOTAL.match(cleaned[i]) or cleaned[i].lower().startswith("process")
                )
                if raw.startswith(("```", "~~~")) or (starts is not None and not continues):
                    break
                if (
                    kind == "fixed_order"
                    and cleaned[i].lower().startswith("process")
                    and any(t.lower().startswith("process") for _, t in body)
                ):
                    break
                if not pattern.match(cleaned[i]):
                    break
                body.append((i + 1, cleaned[i]))
                i += 1
        while len(body) > 1 and not body[-1][1].strip("-=* "):
            body.pop()
        heading = _heading_before(lines, start)
        order = heading_order(heading[0]) if heading else None
        blocks.append(
            TextBlock(
                kind,
                str(path),
                start + 1,
                body[-1][0],
                tuple(body),
                heading[0] if heading else None,
                order,
                heading[1] if heading else None,
                (" | ".join(echoed), echoed_line) if echoed else None,
            ),
        )
    return blocks


def looks_like_proc_card(text: str) -> bool:
    """MadGraph commands: a ``generate`` line plus ``import model``, ``output``, ``define`` or
    ``add process`` lines."""
    return bool(re.search(r"^\s*generate\s+\S.*>", text, re.M)) and bool(
        re.search(r"^\s*(?:import\s+model|output|define|add\s+process|launch)\b", text, re.M)
    )

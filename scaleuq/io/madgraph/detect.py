"""Recognise MadGraph5_aMC@NLO output by what it contains, whatever the file is called.

A file is one of:

* ``lhe``: a Les Houches Event file (plain or gzip, recognised by its bytes);
* ``banner``: a run banner (``<MGVersion>``, ``<MG5ProcCard>``, ``<MGRunCard>`` ... without
  events), whatever its name (``run_01_tag_1_banner.txt``, ``sm_50-ptj_banner.txt``);
* ``hwu``: HwU histograms (``<histogram>`` blocks);
* ``proc_card``: MadGraph commands with a ``generate`` line and no result block;
* ``text``: any other text (logs, ``summary.txt``, console captures, markdown notes), split by
  :func:`find_blocks` into the result blocks it holds.

Result blocks (:class:`TextBlock` kinds), read line by line after dropping console prefixes
(``INFO: ``) and comment hashes:

* ``systematics``: the summary of MadGraph's systematics module (``original cross-section``,
  ``scale variation: +a% -b%``, ``PDF variation`` ...), from ``parton_systematics.log`` or the
  console;
* ``console_lo``: MadEvent's ``Cross-section :  X +- Y pb`` (an LO run);
* ``fixed_order``: aMC@NLO's ``Final results and run summary`` (LO or NLO: the block does not
  say which), also a bare ``summary.txt`` starting at ``Process``;
* ``event_generation``: aMC@NLO's event-generation ``Summary:`` block (``Number of events
  generated``, scale variation ``computed from LHE events``);
* ``intermediate``: ``Current results``, ``Results after grid setup``, ``Updating the number of
  unweighted events``: progress printouts whose numbers are never used.

Each block remembers the heading right before it (``### NLO``, ``LO+PS``, ``**LO**``), which
may name its order when the run itself does not.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from scaleuq.errors import MadGraphError
from scaleuq.util.numbers import NUMBER

SNIFF_BYTES = 1 << 16
MAX_TEXT_BYTES = 256 << 20  # a result text beyond this is not a log a user pasted

_PREFIX = re.compile(r"^\s*(?:(?:INFO|DEBUG|WARNING|STDOUT)\s*:\s?)+", re.I)
_BANNER_TAGS = re.compile(
    rb"<(?:MGVersion|MG5ProcCard|MGProcCard|MGRunCard|MGGenerationInfo|run_settings)>"
)
_INTERMEDIATE = re.compile(
    r"^(?:current results|results after grid setup|intermediate results|"
    r"(?:determining|updating) the number of unweighted events)",
    re.I,
)
CONSOLE_LO = re.compile(rf"^cross-section\s*:\s*({NUMBER})\s*\+-\s*({NUMBER})\s*(\w+)", re.I)
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
    """

    kind: str
    path: str
    start: int
    end: int
    lines: tuple[tuple[int, str], ...]
    heading: str | None = None
    heading_order: str | None = None
    heading_line: int | None = None

    @property
    def where(self) -> str:
        """``file:line`` of the block's first line."""
        return f"{self.path}:{self.start}"


def clean_line(raw: str) -> str:
    """A line without console prefixes (``INFO: ``), leading comment hashes and outer space."""
    return _PREFIX.sub("", raw).strip().lstrip("#").strip()


def _read_start(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            if head[:2] != b"\x1f\x8b":
                return head
        with gzip.open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except PermissionError:
        raise MadGraphError(f"{path}: cannot read this file (permission denied)") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise MadGraphError(f"{path}: cannot read this file ({exc})") from None


def _has_events(path: Path, head: bytes) -> bool:
    """True when the file holds an ``<event`` tag (scanned in blocks, stops at the first)."""
    if b"<event" in head:
        return True
    with path.open("rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    tail = b""
    try:
        with opener(path, "rb") as handle:
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
        gz = raw.read(2) == b"\x1f\x8b"
    if b"\x00" in head:
        return None
    if b"<LesHouchesEvents" in head or b"<header>" in head or _BANNER_TAGS.search(head):
        return "lhe" if _has_events(path, head) else "banner"
    if gz:
        return None
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


def _heading_before(lines: list[str], index: int) -> tuple[str, int] | None:
    """The heading right before line ``index`` (0-based): the first line above it that is not
    blank, a code fence or a rule, if it is short and reads like a heading."""
    i = index - 1
    while i >= 0:
        raw = _PREFIX.sub("", lines[i]).strip()
        if raw and not raw.startswith("```") and not re.fullmatch(r"[-=*_~#`]{3,}", raw):
            break
        i -= 1
    if i < 0:
        return None
    text = _PREFIX.sub("", lines[i]).strip().strip("#*_>`: \t").strip()
    if (
        not text
        or len(text) > 40
        or clean_line(lines[i]) == ""
        or _TOTAL.match(clean_line(lines[i]))
    ):
        return None
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
    i = 0
    while i < len(lines):
        kind = _start_kind(lines, i, cleaned[i])
        if kind is None:
            i += 1
            continue
        start = i
        body = [(i + 1, cleaned[i])]
        i += 1
        if kind != "console_lo":
            pattern = _SYST_LINE if kind == "systematics" else _SUMMARY_LINE
            while i < len(lines):
                raw = _PREFIX.sub("", lines[i]).strip()
                starts = _start_kind(lines, i, cleaned[i])
                continues = kind != "systematics" and (
                    _TOTAL.match(cleaned[i]) or cleaned[i].lower().startswith("process")
                )
                if raw.startswith("```") or (starts is not None and not continues):
                    break
                if kind != "systematics" and re.match(r"#{1,6}\s", raw):
                    break  # a markdown heading ends a pasted block
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
            ),
        )
    return blocks


def looks_like_proc_card(text: str) -> bool:
    """MadGraph commands: a ``generate`` line plus ``import model``, ``output``, ``define`` or
    ``add process`` lines."""
    return bool(re.search(r"^\s*generate\s+\S.*>", text, re.M)) and bool(
        re.search(r"^\s*(?:import\s+model|output|define|add\s+process|launch)\b", text, re.M)
    )

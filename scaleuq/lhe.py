"""Fast, streaming reader of Les Houches Event files (``.lhe`` and ``.lhe.gz``).

The file is read in blocks of complete events (default 8 MB of text, bounded memory whatever
the file size). Within a block nothing is parsed event by event in Python: regular expressions
cut out the event-info lines, particle blocks and ``<rwgt>`` blocks, and pandas' C tokenizer turns
them into arrays in one call each; weights are scattered into an events x weights matrix by
their declared id (never by position).

Header: the ``<initrwgt>`` weight list is decoded into (k_R, k_F, dynamical scale, PDF) for every
naming in use: MadGraph attributes ``MUR="0.5" MUF="2.0" DYN_SCALE="1" PDF="247000"``, text
``MUR=0.5 MUF=2.0`` (a missing one means 1), old aMC@NLO text ``muR=0.50000E+00 muF=...``, and
MCnet names ``MUR=0.5__MUF=2`` (arXiv:2203.08230) in the text or the id.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import math
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import Any, BinaryIO

import numpy as np

from .errors import LHEError

log = logging.getLogger(__name__)

BLOCK_BYTES = 8 * 2**20
_EVENT_OPEN = re.compile(rb"<event\b")
_EVENT_HEAD = re.compile(rb"<event\b[^>]*>[ \t]*\r?\n\s*([^\n]*)\n")
_EVENT_FULL = re.compile(rb"<event\b[^>]*>[ \t]*\r?\n\s*([^\n]*)\n([^<]*)")
_COMMENT_LINE = re.compile(rb"(?m)^[ \t]*#[^\n]*\n?")
_ATTR = re.compile(r"""([A-Za-z_]\w*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?"
_TEXT_MUR = re.compile(rf"(?<![A-Za-z])mu_?r\s*=\s*({_NUM})", re.I)
_TEXT_MUF = re.compile(rf"(?<![A-Za-z])mu_?f\s*=\s*({_NUM})", re.I)
_TEXT_PDF = re.compile(r"(?<![A-Za-z])(?:pdf|pdfset|lhapdf)\s*=\s*(\d+)", re.I)
_TEXT_DYN = re.compile(r"dyn(?:_scale(?:_choice)?)?\s*=\s*(-?\d+)", re.I)


def _float(text: str) -> float:
    return float(text.replace("d", "e").replace("D", "e"))


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


def decode_weight(wid: str, attrs: dict[str, str], text: str, group: str | None) -> WeightInfo:
    """Decode one ``<weight>`` entry (attributes first, then text, then the id itself)."""
    low = {k.lower(): v for k, v in attrs.items()}
    k_r = _float(low["mur"]) if "mur" in low else None
    k_f = _float(low["muf"]) if "muf" in low else None
    dyn = int(float(low["dyn_scale"])) if "dyn_scale" in low else None
    pdf = int(float(low["pdf"])) if "pdf" in low else None
    for source in (text, wid):
        mr, mf = _TEXT_MUR.search(source), _TEXT_MUF.search(source)
        if k_r is None and k_f is None and (mr or mf):
            k_r = _float(mr.group(1)) if mr else 1.0
            k_f = _float(mf.group(1)) if mf else 1.0
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


class _GzipReader:
    """Streaming gzip decompression with zlib (faster than ``gzip.GzipFile`` for big reads).

    Handles multi-member files; raises EOFError on a truncated stream and zlib.error on
    corrupt data, like the gzip module.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.fileobj = raw
        self._z = zlib.decompressobj(wbits=31)
        self._input = b""
        self._done = False

    def read(self, size: int) -> bytes:
        out: list[bytes] = []
        have = 0
        while have < size and not self._done:
            if not self._input:
                self._input = self.fileobj.read(4 * 2**20)
                if not self._input:
                    if not self._z.eof:
                        raise EOFError("compressed file ended before the end-of-stream marker")
                    self._done = True
                    break
            piece = self._z.decompress(self._input, size - have)
            self._input = self._z.unconsumed_tail
            if self._z.eof:
                rest = self._z.unused_data + self._input
                self._z = zlib.decompressobj(wbits=31)
                self._input = rest.lstrip(b"\0")
                if not self._input and not (more := self.fileobj.read(4 * 2**20)):
                    self._done = True
                elif not self._input:
                    self._input = more
            out.append(piece)
            have += len(piece)
        return b"".join(out)

    def close(self) -> None:
        self.fileobj.close()

    def __enter__(self) -> _GzipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(path: Path) -> Any:
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    return _GzipReader(raw) if magic == b"\x1f\x8b" else raw


def _read_failed(exc: BaseException, path: Path, events_done: int) -> None:
    if isinstance(exc, EOFError):
        raise LHEError(
            f"{path}: the gzip stream is truncated after {events_done} complete events; "
            "the file was cut short (re-copy or regenerate it)"
        ) from None
    raise LHEError(
        f"{path}: corrupt gzip data after {events_done} complete events ({exc})"
    ) from None


def _read(stream: BinaryIO, size: int, path: Path, events_done: int) -> bytes:
    try:
        return stream.read(size)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        _read_failed(exc, path, events_done)
        raise  # unreachable


def _header_text(stream: BinaryIO, path: Path) -> tuple[bytes, bytes]:
    """Read up to and including ``</init>``; return (header, rest of what was read)."""
    data = b""
    while True:
        end = data.find(b"</init>")
        if end >= 0:
            cut = end + len(b"</init>")
            return data[:cut], data[cut:]
        chunk = _read(stream, 1 << 20, path, 0)
        if not chunk:
            if b"<LesHouchesEvents" not in data[:4096] and b"<LesHouchesEvents" not in data:
                raise LHEError(f"{path}: not a Les Houches Event file (no <LesHouchesEvents> tag)")
            raise LHEError(f"{path}: the header has no </init>: truncated or not an LHE file")
        data += chunk
        if len(data) > 256 * 2**20:
            raise LHEError(f"{path}: no </init> in the first 256 MB: not an LHE file")


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
                weights.append(decode_weight(attrs["id"].strip(), attrs, m.group(3), group))
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
    m = re.search(r"Integrated weight \(pb\)\s*:\s*(" + _NUM + ")", head)
    integrated = _float(m.group(1)) if m else None

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
        procs = np.array([[_float(v) for v in ln[:4]] for ln in lines[1 : 1 + nprup]], dtype=float)
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


def read_header(path: str | Path) -> LHEHeader:
    """Read only the header of an LHE file (fast: stops at ``</init>``)."""
    path = Path(path)
    if not path.is_file():
        raise LHEError(f"{path}: no such file")
    with _open(path) as stream:
        head, _ = _header_text(stream, path)
    return parse_header(head, path)


@dataclass
class EventBlock:
    """Arrays of one block of events.

    Attributes:
        first_event: 1-based number of the block's first event in the file.
        info: (n, 6) event-info lines: NUP, IDPRUP, XWGTUP, SCALUP, AQEDUP, AQCDUP.
        weights: (n, k) weights in the order of the header's declared ids (NaN if absent).
        particles: (sum NUP, 13) particle lines (IDUP, ISTUP, MOTHUP1-2, ICOLUP1-2, PUP1-5,
            VTIMUP, SPINUP), or None when not asked for.
    """

    first_event: int
    info: np.ndarray
    weights: np.ndarray
    particles: np.ndarray | None = None


def _parse_numbers(text: bytes, ncols: int, what: str, path: Path, first: int) -> np.ndarray:
    """Whitespace-separated numbers -> (rows, ncols) array through pandas' C tokenizer."""
    import pandas as pd

    if not text.strip():
        return np.empty((0, ncols))
    try:
        frame = pd.read_csv(
            io.BytesIO(text),
            sep=r"\s+",
            header=None,
            engine="c",
            dtype=np.float64,
            names=range(ncols),
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise LHEError(
            f"{path}: non-numeric or malformed {what} in events {first} and after ({str(exc).splitlines()[0]})"
        ) from None
    arr = frame.to_numpy()
    if np.isnan(arr).any():
        bad = int(np.flatnonzero(np.isnan(arr).any(axis=1))[0])
        raise LHEError(
            f"{path}: {what} line {bad + 1} of the block starting at event {first} has too few fields"
        )
    return arr


def _rwgt_blocks(buf: bytes) -> list[bytes]:
    """The contents of every ``<rwgt>...</rwgt>`` block, in order."""
    pieces: list[bytes] = []
    find, append, pos = buf.find, pieces.append, 0
    while (start := find(b"<rwgt>", pos)) >= 0:
        end = find(b"</rwgt>", start)
        if end < 0:
            break
        append(buf[start + 6 : end])
        pos = end
    return pieces


def _weight_table(text: bytes, path: Path, first: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Parse ``<wgt id='X'> value </wgt>`` entries in one pandas call.

    Returns ``(tags, codes, values)``: the distinct ids, the index into ``tags`` per entry, and
    the values.
    """
    import pandas as pd

    text = text.replace(b'"', b"'").replace(b"</wgt>", b"\n")
    try:
        frame = pd.read_csv(
            io.BytesIO(text), sep=">", header=None, names=["tag", "value"], engine="c",
            dtype={"tag": "category", "value": np.float64}, skipinitialspace=True,
        )  # fmt: skip
    except (ValueError, pd.errors.ParserError) as exc:
        raise LHEError(
            f"{path}: a non-numeric or malformed <wgt> in events {first} and after "
            f"({str(exc).splitlines()[0]})"
        ) from None
    tags = []
    for tag in frame["tag"].cat.categories:
        m = re.match(r"\s*<wgt\s+id\s*=\s*'([^']*)'", str(tag))
        if not m:
            raise LHEError(f"{path}: malformed weight tag {str(tag)!r} in events {first} and after")
        tags.append(m.group(1).strip())
    codes = frame["tag"].cat.codes.to_numpy(np.int64)
    values = frame["value"].to_numpy(np.float64)
    if (codes < 0).any() or np.isnan(values).any():
        raise LHEError(f"{path}: an empty or non-numeric <wgt> value in events {first} and after")
    return tags, codes, values


def _parse_block(
    buf: bytes, first: int, ids: dict[str, int], path: Path, particles: bool
) -> EventBlock:
    n = buf.count(b"</event>")
    if particles:
        heads = _EVENT_FULL.findall(buf)
        info_lines = [h[0] for h in heads]
    else:
        info_lines = _EVENT_HEAD.findall(buf)
    if len(info_lines) != n:  # an <event> without </event>, or without an event-info line
        for i, piece in enumerate(buf.split(b"</event>")):
            if len(_EVENT_OPEN.findall(piece)) > 1:
                raise LHEError(f"{path}: event {first + i} has no </event> before the next <event>")
            if len(_EVENT_OPEN.findall(piece)) == 1 and not _EVENT_HEAD.search(piece):
                raise LHEError(f"{path}: event {first + i} has no event-info line")
        raise LHEError(f"{path}: unbalanced <event> tags in events {first} to {first + n}")
    info = _parse_numbers(b"\n".join(info_lines), 6, "event-info line", path, first)

    k = len(ids)
    weights = np.full((n, k), np.nan)
    rwgt = _rwgt_blocks(buf) if b"<rwgt>" in buf else []
    if rwgt:
        if len(rwgt) != n:
            raise LHEError(
                f"{path}: {n - len(rwgt)} of events {first}-{first + n - 1} have no <rwgt> block"
            )
        tags, codes, values = _weight_table(b"".join(rwgt), path, first)
        for tag in tags:
            if tag not in ids:
                where = first + _event_of_tag(rwgt, tag)
                raise LHEError(
                    f"{path}: event {where} has <wgt id='{tag}'>, which the header's <initrwgt> "
                    "does not declare"
                )
        columns = np.array([ids[t] for t in tags], dtype=np.int64)[codes]
        per_event = len(codes) // n if n else 0
        if (
            per_event * n == len(codes)
            and per_event
            and (codes.reshape(n, per_event) == codes[:per_event]).all()
        ):
            event_index = np.repeat(np.arange(n), per_event)  # every event lists the same ids
        else:
            counts = np.fromiter((r.count(b"<wgt") for r in rwgt), dtype=np.int64, count=n)
            if counts.sum() != len(codes):
                raise LHEError(f"{path}: a malformed <wgt> tag in events {first}-{first + n - 1}")
            event_index = np.repeat(np.arange(n), counts)
        dup = np.bincount(event_index * k + columns, minlength=n * k) > 1
        if dup.any():
            bad = int(np.flatnonzero(dup)[0])
            raise LHEError(f"{path}: event {first + bad // k} repeats a <wgt> id")
        weights[event_index, columns] = values
    parts = None
    if particles:
        text = b"".join(h[1] for h in heads)
        if b"#" in text:
            text = _COMMENT_LINE.sub(b"", text)
        parts = _parse_numbers(text, 13, "particle", path, first)
        nup = info[:, 0].astype(np.int64)
        if parts.shape[0] != nup.sum():
            listed = np.array([len(_COMMENT_LINE.sub(b"", h[1]).split(b"\n")) - 1 for h in heads])
            bad = int(np.flatnonzero(listed != nup)[0]) if (listed != nup).any() else 0
            raise LHEError(
                f"{path}: event {first + bad} declares {nup[bad]} particles but lists {listed[bad]}"
            )
    return EventBlock(first, info, weights, parts)


def _event_of_tag(rwgt: list[bytes], tag: str) -> int:
    """Index of the first event whose <rwgt> block holds the weight id ``tag``."""
    pattern = re.compile(rb"<wgt\s+id\s*=\s*['\"]\s*" + re.escape(tag.encode()) + rb"\s*['\"]")
    return next(i for i, r in enumerate(rwgt) if pattern.search(r))


def iter_blocks(
    path: str | Path,
    *,
    particles: bool = False,
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
) -> tuple[LHEHeader, Iterator[EventBlock]]:
    """Header and a generator of :class:`EventBlock` s (bounded memory: one block at a time).

    Args:
        path: ``.lhe`` or ``.lhe.gz`` (gzip is recognised by its magic bytes).
        particles: also parse the particle lines.
        block_bytes: decompressed bytes read per block.
        progress: called with the number of (compressed) bytes consumed so far.
    """
    path = Path(path)
    if not path.is_file():
        raise LHEError(f"{path}: no such file")
    stream = _open(path)
    try:
        head, rest = _header_text(stream, path)
        header = parse_header(head, path)
    except BaseException:
        stream.close()
        raise
    for message in header.warnings:
        log.warning(message)
    ids = {w.id: i for i, w in enumerate(header.weights)}
    raw = getattr(stream, "fileobj", stream)

    def chunks() -> Iterator[bytes]:
        """Raw blocks read (and decompressed: zlib releases the GIL) one block ahead in a
        thread, so that reading overlaps parsing; at most two blocks wait in the queue."""
        queue: Queue[Any] = Queue(maxsize=2)
        stop = threading.Event()

        def reader() -> None:
            try:
                while not stop.is_set():
                    data = stream.read(block_bytes)
                    queue.put(data)
                    if not data:
                        return
            except BaseException as exc:  # handed to the consumer
                queue.put(exc)

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        try:
            while True:
                item = queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if not item:
                    return
        finally:
            stop.set()
            while thread.is_alive():
                with contextlib.suppress(Empty):
                    queue.get_nowait()
                thread.join(timeout=0.05)

    def generate() -> Iterator[EventBlock]:
        done = 0
        pending = rest
        with stream:
            source = chunks()
            while True:
                try:
                    chunk = next(source)
                except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                    _read_failed(exc, path, done)
                cut = chunk.rfind(b"</event>")
                if chunk and cut < 0:
                    pending += chunk
                    continue
                if chunk:
                    cut += len(b"</event>")
                    block, pending = pending + memoryview(chunk)[:cut], chunk[cut:]
                else:  # end of file: whatever complete events are left
                    cut = pending.rfind(b"</event>") + len(b"</event>")
                    block, pending = pending[:cut], pending[cut:]
                if b"</event>" in block:
                    parsed = _parse_block(block, done + 1, ids, path, particles)
                    done += len(parsed.info)
                    if progress is not None:
                        progress(raw.tell())
                    yield parsed
                if not chunk:
                    break
        if _EVENT_OPEN.search(pending):
            raise LHEError(f"{path}: event {done + 1} has no </event>: the file is truncated")

    return header, generate()


@dataclass
class LHEArrays:
    """A whole file as arrays (memory grows with the file; see :func:`summarize_lhe` for a
    streaming reduction).

    Attributes:
        header: the decoded header.
        info: (n, 6) event-info lines.
        weights: (n, k) weights by declared id.
        particles: (sum NUP, 13) particle lines, or None.
        offsets: (n + 1,) start of each event's particles in ``particles``, or None.
    """

    header: LHEHeader
    info: np.ndarray
    weights: np.ndarray
    particles: np.ndarray | None = None
    offsets: np.ndarray | None = None

    @property
    def n_events(self) -> int:
        """Number of events."""
        return len(self.info)


def read_lhe(path: str | Path, *, particles: bool = False, **kwargs: Any) -> LHEArrays:
    """Read a whole LHE file into arrays (event info, weights by id, optionally particles)."""
    header, blocks = iter_blocks(path, particles=particles, **kwargs)
    infos, weights, parts = [], [], []
    for block in blocks:
        infos.append(block.info)
        weights.append(block.weights)
        if particles:
            parts.append(block.particles)
    k = len(header.weights)
    info = np.concatenate(infos) if infos else np.empty((0, 6))
    out = LHEArrays(header, info, np.concatenate(weights) if weights else np.empty((0, k)))
    if particles:
        out.particles = np.concatenate(parts) if parts else np.empty((0, 13))
        out.offsets = np.concatenate([[0], np.cumsum(info[:, 0].astype(np.int64))])
    return out


# --- scale and PDF variations -------------------------------------------------------------

ENVELOPES: dict[str, tuple[tuple[float, float], ...]] = {
    "3-point": ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0)),
    "7-point": tuple(
        (r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0) if {r, f} != {0.5, 2.0}
    ),
    "9-point": tuple((r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0)),
}
PDF_METHODS = ("replicas", "hessian", "none")


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
        }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def summarize_lhe(
    path: str | Path,
    *,
    pdf_method: str = "replicas",
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
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
        block_bytes, progress: as for :func:`iter_blocks`.
    """
    if pdf_method not in PDF_METHODS:
        from .errors import OptionError

        raise OptionError(f"unknown PDF method '{pdf_method}'; choose {', '.join(PDF_METHODS)}")
    header, blocks = iter_blocks(path, block_bytes=block_bytes, progress=progress)
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
    central_pdf = header.pdf_id
    scale_pdfs = {w.pdf for w in header.weights if w.is_scale and w.pdf is not None}
    if central_pdf is None and len(scale_pdfs) == 1:
        central_pdf = scale_pdfs.pop()

    def is_central(w: WeightInfo) -> bool:
        return w.dyn_scale is None and (
            w.pdf is None or central_pdf is None or w.pdf == central_pdf
        )

    nominal = "event weight"
    for i, w in enumerate(header.weights):
        if w.is_scale and is_central(w) and _close(w.k_r, 1) and _close(w.k_f, 1):
            nominal, nominal_sum = w.id, float(sums[i])
            break
    if nominal_sum == 0:
        raise LHEError(f"{header.path}: the nominal weights sum to zero; no ratio can be formed")
    xsec = {w.id: sigma0 * float(sums[i]) / nominal_sum for i, w in enumerate(header.weights)}
    points: dict[tuple[float, float], float] = {}
    for w in header.weights:
        if w.is_scale and is_central(w):
            points.setdefault((w.k_r, w.k_f), xsec[w.id])
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
    if not points:
        notes.append("no scale-variation weights declared in the header")

    members = []
    if central_pdf is not None and pdf_method != "none":
        members = [
            xsec[w.id] for w in header.weights
            if w.pdf is not None and w.pdf != central_pdf and 0 < w.pdf - central_pdf < 1000
            and (not w.is_scale or (_close(w.k_r, 1) and _close(w.k_f, 1))) and w.dyn_scale is None
        ]  # fmt: skip
    pdf_up = pdf_dn = None
    if members:
        vals = np.array(members)
        if pdf_method == "replicas":
            delta = float(np.std(vals, ddof=1)) if vals.size > 1 else float("nan")
        else:
            if vals.size % 2:
                raise LHEError(f"{header.path}: {vals.size} PDF members cannot form Hessian pairs")
            delta = 0.5 * float(np.sqrt(np.sum((vals[0::2] - vals[1::2]) ** 2)))
        pdf_up, pdf_dn = delta / sigma0, -delta / sigma0
    return LHESummary(
        header, n, sigma0, header.xsec_err_pb, nominal, xsec, envelopes, central_pdf,
        len(members), pdf_up, pdf_dn, pdf_method, tuple(notes),
    )  # fmt: skip

"""Fast, streaming reader of Les Houches Event files (``.lhe`` and ``.lhe.gz``).

The file is read in blocks of complete events (default 8 MB of text, bounded memory whatever
the file size). Within a block nothing is parsed event by event in Python: regular expressions
cut out the event-info lines, particle blocks and ``<rwgt>`` blocks, and pandas' C tokenizer turns
them into arrays in one call each; weights are scattered into an events x weights matrix by
their declared id (never by position).

The header is decoded in :mod:`scaleuq.io.lhe.header`; cross sections of the variations are
summed in :mod:`scaleuq.io.lhe.variations`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import Any, BinaryIO

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe.header import LHEHeader, parse_header

log = logging.getLogger(__name__)

BLOCK_BYTES = 8 * 2**20
_EVENT_OPEN = re.compile(rb"<event\b")
_EVENT_HEAD = re.compile(rb"<event\b[^>]*>[ \t]*\r?\n\s*([^\n]*)\n")
_EVENT_FULL = re.compile(rb"<event\b[^>]*>[ \t]*\r?\n\s*([^\n]*)\n([^<]*)")
_COMMENT_LINE = re.compile(rb"(?m)^[ \t]*#[^\n]*\n?")


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

"""Fast, streaming reader of Les Houches Event files (``.lhe`` and ``.lhe.gz``).

The file is read in blocks of complete events (default 8 MB of text, bounded memory whatever
the file size): decompression runs one piece ahead in a reader thread (python-isal's
``isal_zlib`` when installed, else zlib; both release the GIL), every block is cut at its last
``</event>`` and parsed in one pass over its bytes by the compiled kernel of
:mod:`scaleuq.io.lhe.kernel` (event-info lines, particles when asked, ``<rwgt>`` weights
scattered by declared id). With ``jobs > 1`` blocks are parsed on that many threads at once and
handed out in file order, so the result is identical to a single-core read.

Completeness is checked: every event closed, the file ending in ``</LesHouchesEvents>`` (a file
cut inside an event is an error naming the last complete event; a missing closing tag after
complete events is a warning naming it), every gzip member read exactly once (``cat a.gz b.gz``
and bgzip-style files), the header scanned once (linear in its size).

The header is decoded in :mod:`scaleuq.io.lhe.header`; cross sections of the variations are
summed in :mod:`scaleuq.io.lhe.variations`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import BinaryIO

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe.header import LHEHeader, parse_header

try:  # python-isal: igzip decompression, 2-3x zlib's speed
    from isal import isal_zlib as _zlib_impl  # type: ignore[import-not-found]

    _ZLIB_ERRORS: tuple[type[BaseException], ...] = (zlib.error, _zlib_impl.error)
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback
    _zlib_impl = zlib
    _ZLIB_ERRORS = (zlib.error,)

log = logging.getLogger(__name__)

BLOCK_BYTES = 8 * 2**20
#: compressed bytes decompressed per piece (a piece is about 4-8x bigger)
_GZIP_CHUNK = 2**20
#: plain bytes read per piece
_PLAIN_CHUNK = 4 * 2**20
#: the header may not be longer than this
HEADER_LIMIT = 256 * 2**20
#: ``<LesHouchesEvents`` must appear within this many bytes
_TAG_LIMIT = 2**20
_EVENT_TAG = re.compile(rb"<event[\s>]")
_NUMBER = re.compile(rb"[+-]?(?:nan|inf|infinity|(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?)", re.I)
_END = b"</event>"


def decompressor_name() -> str:
    """``isal`` when python-isal decompresses gzip files, else ``zlib``."""
    return "isal" if _zlib_impl is not zlib else "zlib"


class _Source:
    """Pieces of the decompressed text of a file, in order (plain or gzip, multi-member).

    A gzip file may hold several members one after another (``cat a.gz b.gz``, bgzip); each is
    decompressed exactly once: the bytes after a member's end (``unused_data``) start the next
    member, and nothing else does (no ``max_length`` is used, so there is no unconsumed tail).
    Zero bytes between members are skipped. Raises EOFError on a member cut short and the
    decompressor's error on corrupt data.
    """

    def __init__(self, path: Path, block_bytes: int = BLOCK_BYTES) -> None:
        self.raw: BinaryIO = path.open("rb")
        self._plain_chunk = max(4096, min(_PLAIN_CHUNK, block_bytes))
        self._gzip_chunk = max(4096, min(_GZIP_CHUNK, block_bytes // 4))
        self.gzip = self.raw.read(2) == b"\x1f\x8b"
        self.raw.seek(0)
        self._z = _zlib_impl.decompressobj(wbits=31) if self.gzip else None
        self._started = False
        self._pending = b""

    def piece(self) -> bytes:
        """The next piece of text; ``b""`` at the end of the file."""
        if self._z is None:
            return self.raw.read(self._plain_chunk)
        while True:
            data = self._pending or self.raw.read(self._gzip_chunk)
            self._pending = b""
            if not data:
                if self._started:
                    raise EOFError("compressed file ended before the end-of-stream marker")
                return b""
            if not self._started:
                data = data.lstrip(b"\0")  # padding between members
                if not data:
                    continue
                self._started = True
            out = self._z.decompress(data)
            if self._z.eof:  # member complete: what follows starts the next one
                self._pending = self._z.unused_data
                self._z = _zlib_impl.decompressobj(wbits=31)
                self._started = False
            if out:
                return out

    def tell(self) -> int:
        """Bytes of the file (compressed) consumed so far."""
        return self.raw.tell()

    def close(self) -> None:
        """Close the file."""
        self.raw.close()


def _read_failed(exc: BaseException, path: Path, events_done: int) -> LHEError:
    if isinstance(exc, EOFError):
        return LHEError(
            f"{path}: the gzip stream is truncated after {events_done} complete events (the last "
            f"complete event is {events_done}); the file was cut short (re-copy or regenerate it)"
        )
    return LHEError(f"{path}: corrupt gzip data after {events_done} complete events ({exc})")


_READ_ERRORS = (EOFError, OSError, *_ZLIB_ERRORS)


def _header_text(source: _Source, path: Path) -> tuple[bytes, bytes]:
    """Read up to and including ``</init>``; return (header, rest of what was read).

    One pass: each piece is searched once (with a few bytes of overlap), so a file without
    ``</init>`` fails after reading at most :data:`HEADER_LIMIT` bytes in linear time, and at
    once when an ``<event>`` comes first or no ``<LesHouchesEvents`` tag opens the file.
    """
    pieces: list[bytes] = []
    size = 0
    tail = b""
    tagged = False
    while True:
        try:
            piece = source.piece()
        except _READ_ERRORS as exc:
            raise _read_failed(exc, path, 0) from None
        if not piece:
            if not tagged and b"<LesHouchesEvents" not in b"".join(pieces)[:_TAG_LIMIT]:
                raise LHEError(f"{path}: not a Les Houches Event file (no <LesHouchesEvents> tag)")
            raise LHEError(f"{path}: the header has no </init>: truncated or not an LHE file")
        window = tail + piece
        end = window.find(b"</init>")
        if not tagged and size < _TAG_LIMIT:
            tagged = b"<LesHouchesEvents" in (b"".join(pieces) + piece)[:_TAG_LIMIT]
        if end >= 0:
            start = size - len(tail)
            cut = start + end + len(b"</init>")
            text = b"".join(pieces) + piece
            if not tagged and b"<LesHouchesEvents" not in text[:cut]:
                raise LHEError(f"{path}: not a Les Houches Event file (no <LesHouchesEvents> tag)")
            return text[:cut], text[cut:]
        pieces.append(piece)
        size += len(piece)
        if not tagged and size >= _TAG_LIMIT:
            raise LHEError(
                f"{path}: not a Les Houches Event file (no <LesHouchesEvents> tag in the first "
                f"{_TAG_LIMIT >> 20} MB)"
            )
        if _EVENT_TAG.search(window):
            raise LHEError(f"{path}: the header has no </init> before the first <event>")
        if size > HEADER_LIMIT:
            raise LHEError(
                f"{path}: no </init> in the first {HEADER_LIMIT >> 20} MB: not an LHE file"
            )
        tail = piece[-16:]


def read_header(path: str | Path) -> LHEHeader:
    """Read only the header of an LHE file (fast: stops at ``</init>``)."""
    path = Path(path)
    if not path.is_file():
        raise LHEError(f"{path}: no such file")
    source = _Source(path)
    try:
        head, _ = _header_text(source, path)
    finally:
        source.close()
    return parse_header(head, path)


@dataclass(frozen=True)
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


def _id_table(header: LHEHeader) -> tuple[np.ndarray, np.ndarray]:
    """The declared weight ids as one byte array and (k + 1,) offsets (for the kernel)."""
    encoded = [w.id.encode() for w in header.weights]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    return data, offsets


def _token(buf: bytes, start: int, end: int) -> str:
    return buf[start:end].decode("ascii", "replace")


def _convert_slow(
    buf: bytes, slow: np.ndarray, info: np.ndarray, weights: np.ndarray, parts: np.ndarray,
    path: Path, first: int, offsets: np.ndarray | None,
) -> None:  # fmt: skip
    """Convert the tokens the kernel left (many digits, big exponents, nan/inf) with float()."""
    from scaleuq.io.lhe import kernel

    for kind, row, col, start, end in slow.tolist():
        text = buf[start:end]
        if not _NUMBER.fullmatch(text):
            if kind == kernel.SLOW_WEIGHT:
                raise LHEError(
                    f"{path}: event {first + row} has a non-numeric <wgt> value "
                    f"'{_token(buf, start, end)}'"
                )
            if kind == kernel.SLOW_INFO:
                raise LHEError(
                    f"{path}: event {first + row} has a non-numeric event-info line (field "
                    f"{col + 1}: '{_token(buf, start, end)}')"
                )
            event = (
                int(np.searchsorted(offsets, row, side="right")) - 1 if offsets is not None else 0
            )
            raise LHEError(
                f"{path}: event {first + event} has a non-numeric particle line (field "
                f"{col + 1}: '{_token(buf, start, end)}')"
            )
        value = float(text.replace(b"d", b"e").replace(b"D", b"e"))
        target = (
            info if kind == kernel.SLOW_INFO else weights if kind == kernel.SLOW_WEIGHT else parts
        )
        target[row, col] = value


def _parse_block(
    buf: bytes, cut: int, n: int, first: int, ids: tuple[np.ndarray, np.ndarray],
    header: LHEHeader, path: Path, particles: bool,
) -> EventBlock:  # fmt: skip
    """Parse the ``n`` complete events of ``buf[:cut]`` (events ``first`` to ``first + n - 1``)."""
    from scaleuq.io.lhe import kernel

    data = np.frombuffer(buf, dtype=np.uint8, count=cut)
    info = np.empty((n, 6))
    weights = np.full((n, len(header.weights)), np.nan)
    parts = np.empty((max(64, 16 * n) if particles else 0, 13))
    slow = np.empty((64, 5), dtype=np.int64)
    out = np.zeros(5, dtype=np.int64)
    while True:  # more room and again in the rare case that the particles or slow tokens overflow
        status = kernel.parse_events(
            data, n, ids[0], ids[1], particles, info, weights, parts, slow, out
        )
        if status == kernel.NEED_PARTS:
            parts = np.empty((2 * len(parts), 13))
        elif status == kernel.NEED_SLOW:
            slow = np.empty((4 * len(slow), 5), dtype=np.int64)
        else:
            break
        weights.fill(np.nan)
    ev, pos, aux, n_parts, n_slow = (int(v) for v in out)
    parts = parts[:n_parts].copy() if particles else parts
    slow = slow[:n_slow]
    event = first + ev
    if status == kernel.ERR_NO_CLOSE:
        raise LHEError(f"{path}: event {event} has no </event> before the next <event>")
    if status == kernel.ERR_NO_INFO:
        raise LHEError(f"{path}: event {event} has no event-info line")
    if status == kernel.ERR_INFO:
        raise LHEError(
            f"{path}: event {event} has a malformed event-info line (it needs 6 numbers: NUP "
            "IDPRUP XWGTUP SCALUP AQEDUP AQCDUP)"
        )
    if status == kernel.ERR_WGT_TAG:
        raise LHEError(
            f"{path}: event {event} has a malformed <wgt> tag or <rwgt> block near "
            f"'{_token(buf, pos, min(pos + 40, cut)).splitlines()[0]}'"
        )
    if status == kernel.ERR_WGT_ID:
        raise LHEError(
            f"{path}: event {event} has <wgt id='{_token(buf, pos, aux)}'>, which the header's "
            "<initrwgt> does not declare"
        )
    if status == kernel.ERR_WGT_VALUE:
        raise LHEError(
            f"{path}: event {event} has an empty or non-numeric <wgt> value (a number must be "
            "followed by </wgt>)"
        )
    if status == kernel.ERR_WGT_DUP:
        raise LHEError(f"{path}: event {event} repeats a <wgt> id ('{header.weights[aux].id}')")
    if status == kernel.ERR_PARTICLE:
        raise LHEError(
            f"{path}: event {event} has a malformed particle line {aux + 1} (it needs 13 numbers)"
        )
    if status == kernel.ERR_NPART:
        raise LHEError(f"{path}: event {event} declares {info[ev, 0]:g} particles but lists {aux}")
    if status == kernel.ERR_UNBALANCED:
        raise LHEError(f"{path}: a </event> without its <event> after event {event - 1}")
    offsets = None
    if len(slow):
        if particles and (slow[:, 0] == kernel.SLOW_PARTICLE).any():
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(info[:, 0].astype(np.int64), out=offsets[1:])
        _convert_slow(buf, slow, info, weights, parts, path, first, offsets)
    if particles and len(parts) != info[:, 0].sum():  # only after nan/inf NUP conversions
        raise LHEError(
            f"{path}: events {first}-{first + n - 1} declare another number of particles than they list"
        )
    return EventBlock(first, info, weights, parts if particles else None)


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def check_tail(tail: bytes, path: str | Path, done: int) -> None:
    """What follows the last complete event: ``</LesHouchesEvents>``, or a clear message."""
    close = tail.find(b"</LesHouchesEvents>")
    before = tail if close < 0 else tail[:close]
    if _EVENT_TAG.search(before) or before.rstrip().endswith(b"<event"):
        raise LHEError(
            f"{path}: event {done + 1} has no </event>: the file is truncated (the last complete "
            f"event is {done})"
        )
    if close >= 0:
        return
    rest = tail.strip()
    if not rest or b"</LesHouchesEvents>".startswith(rest):
        log.warning(
            "%s: no </LesHouchesEvents> after event %d (the last complete event): the file may "
            "have been cut short; using the %d complete events",
            path, done, done,
        )  # fmt: skip
        return
    raise LHEError(
        f"{path}: the file ends in {rest[:40].decode('utf-8', 'replace')!r} after event {done} "
        "(the last complete event) instead of </LesHouchesEvents>: it is truncated or malformed"
    )


def iter_blocks(
    path: str | Path,
    *,
    particles: bool = False,
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> tuple[LHEHeader, Iterator[EventBlock]]:
    """Header and a generator of :class:`EventBlock` s, in file order (bounded memory).

    Args:
        path: ``.lhe`` or ``.lhe.gz`` (gzip is recognised by its magic bytes).
        particles: also parse the particle lines.
        block_bytes: decompressed bytes read per block.
        progress: called with the number of (compressed) bytes consumed so far.
        jobs: threads parsing blocks at once (None: all cores). The blocks and their arrays do
            not depend on it; memory grows by about ``jobs`` blocks.

    Raises:
        LHEError: no such file, a malformed header (right away), or, while iterating, a
            malformed or truncated event (naming it, or the last complete one).
    """
    path = Path(path)
    if not path.is_file():
        raise LHEError(f"{path}: no such file")
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    source = _Source(path, block_bytes)
    try:
        head, rest = _header_text(source, path)
        header = parse_header(head, path)
    except BaseException:
        source.close()
        raise
    for message in header.warnings:
        log.warning(message)
    ids = _id_table(header)

    def pieces() -> Iterator[bytes]:
        """Decompressed pieces, read one ahead in a thread (zlib/isal release the GIL, so
        decompression overlaps parsing); at most three wait in the queue."""
        queue: Queue[bytes | BaseException] = Queue(maxsize=3)
        stop = threading.Event()

        def reader() -> None:
            try:
                while not stop.is_set():
                    data = source.piece()
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
                if not item:
                    return
                yield item
        finally:
            stop.set()
            while thread.is_alive():
                with contextlib.suppress(Empty):
                    queue.get_nowait()
                thread.join(timeout=0.05)

    def blocks(state: dict[str, int]) -> Iterator[tuple[bytes, int, int, int]]:
        """(text, cut, n, first): blocks of complete events, cut at their last </event>."""
        pending = [rest]
        size = len(rest)
        source_pieces = pieces()
        while True:
            try:
                piece = next(source_pieces, b"")
            except _READ_ERRORS as exc:
                counted = state["done"] + b"".join(pending).count(_END)
                raise _read_failed(exc, path, counted) from None
            if piece:
                pending.append(piece)
                size += len(piece)
                if size < block_bytes:
                    continue
            text = b"".join(pending) if len(pending) > 1 else pending[0]
            cut = text.rfind(_END)
            if cut >= 0:
                cut += len(_END)
                n = text.count(_END, 0, cut)
                yield text, cut, n, state["done"] + 1
                state["done"] += n
                pending = [text[cut:]]
            else:
                pending = [text]
            size = len(pending[0])
            if not piece:
                check_tail(pending[0], path, state["done"])
                return

    def generate() -> Iterator[EventBlock]:
        state = {"done": 0}

        def parse(text: bytes, cut: int, n: int, first: int) -> EventBlock:
            return _parse_block(text, cut, n, first, ids, header, path, particles)

        try:
            if jobs == 1:
                for text, cut, n, first in blocks(state):
                    block = parse(text, cut, n, first)
                    if progress is not None:
                        progress(source.tell())
                    yield block
                return
            with ThreadPoolExecutor(jobs, thread_name_prefix="scaleuq-lhe") as pool:
                inflight: deque[Future[EventBlock]] = deque()
                try:
                    for item in blocks(state):
                        inflight.append(pool.submit(parse, *item))
                        while len(inflight) > jobs:
                            yield inflight.popleft().result()
                            if progress is not None:
                                progress(source.tell())
                except LHEError:
                    # an earlier block's error comes first, as in a single-core read
                    while inflight:
                        inflight.popleft().result()
                    raise
                while inflight:
                    yield inflight.popleft().result()
                    if progress is not None:
                        progress(source.tell())
        finally:
            source.close()

    return header, generate()


@dataclass(frozen=True)
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

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary: the header, the array shapes and the event count (the arrays
        themselves are too big for JSON; use them directly)."""
        return {
            "path": self.header.path,
            "process": self.header.process,
            "xsec_pb": self.header.xsec_pb,
            "weight_ids": [w.id for w in self.header.weights],
            "n_events": self.n_events,
            "info_shape": list(self.info.shape),
            "weights_shape": list(self.weights.shape),
            "particles_shape": None if self.particles is None else list(self.particles.shape),
        }


class _Growing:
    """A 2-d array filled block by block, grown in place (``ndarray.resize``: realloc, which
    for big arrays remaps pages instead of copying), so the peak stays near the final size."""

    def __init__(self, columns: int, capacity: int) -> None:
        self.array = np.empty((max(capacity, 1), columns))
        self.size = 0

    def append(self, rows: np.ndarray, estimate: int) -> None:
        need = self.size + len(rows)
        if need > len(self.array):
            new = max(need, estimate, int(len(self.array) * 1.5))
            self.array.resize((new, self.array.shape[1]), refcheck=False)
        self.array[self.size : need] = rows
        self.size = need

    def finish(self) -> np.ndarray:
        self.array.resize((self.size, self.array.shape[1]), refcheck=False)
        return self.array


def read_lhe(
    path: str | Path,
    *,
    particles: bool = False,
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = None,
) -> LHEArrays:
    """Read a whole LHE file into arrays (event info, weights by id, optionally particles).

    Blocks are parsed on ``jobs`` threads (None: all cores; the arrays do not depend on it) and
    copied into arrays that grow in place, sized from the first block's events per byte, so
    peak memory stays close to the output arrays plus ``jobs`` blocks.
    """
    path = Path(path)
    header, blocks = iter_blocks(
        path, particles=particles, block_bytes=block_bytes, progress=progress, jobs=jobs
    )
    k = len(header.weights)
    total = path.stat().st_size * (5 if _is_gzip(path) else 1)
    info = weights = parts = None
    estimate = estimate_parts = 0
    for block in blocks:
        n = len(block.info)
        if info is None:  # first block: events (and particles) per byte of the file
            scale = max(total / max(block_bytes, 1), 1.0)
            estimate = int(n * scale * 1.05) + 1
            info, weights = _Growing(6, estimate), _Growing(k, estimate)
            if particles:
                estimate_parts = int(len(block.particles) * scale * 1.05) + 1
                parts = _Growing(13, estimate_parts)
        info.append(block.info, estimate)
        weights.append(block.weights, estimate)
        if parts is not None:
            parts.append(block.particles, estimate_parts)
    if info is None:
        out = LHEArrays(header, np.empty((0, 6)), np.empty((0, k)))
        if particles:
            out = LHEArrays(header, out.info, out.weights, np.empty((0, 13)), np.zeros(1, np.int64))
        return out
    info_arr = info.finish()
    weight_arr = weights.finish()
    if parts is None:
        return LHEArrays(header, info_arr, weight_arr)
    offsets = np.zeros(len(info_arr) + 1, dtype=np.int64)
    np.cumsum(info_arr[:, 0].astype(np.int64), out=offsets[1:])
    return LHEArrays(header, info_arr, weight_arr, parts.finish(), offsets)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"

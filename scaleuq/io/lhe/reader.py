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

One byte stream for the whole package: :class:`LHEStream` (decompression, multi-member gzip,
the header up to ``</init>`` with one size limit, blocks of complete events, the checks of what
follows the last event and the truncation messages) serves :func:`iter_blocks` (``ingest lhe``,
``decorrelation from-lhe``, ``export pyhf --lhe``), :func:`read_header` and ``reweight``; gzip is
recognised in one place, :func:`is_gzip`.

Start-up: a file of less than :data:`SMALL_BYTES` of text (:data:`SMALL_BYTES_FEW` with few
weights) is parsed in Python (:func:`parse_block`: whole-block regular-expression passes for the
common layout, else a loop over events; ``float()``, the kernel's numbers bit for bit), so
a small file never imports numba; a block the Python path cannot vouch for (an unusual layout or
any error) goes to the compiled kernel, which gives the same numbers and the error messages.
``SCALEUQ_LHE_ENGINE=kernel|python|auto`` (or ``engine=``) forces a path.

The header is decoded in :mod:`scaleuq.io.lhe.header`; cross sections of the variations are
summed in :mod:`scaleuq.io.lhe.variations`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
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
#: the two bytes that start every gzip member (RFC 1952)
GZIP_MAGIC = b"\x1f\x8b"
#: files with less text than this (decompressed; gzip counted as 5x its size) are parsed in
#: Python, without importing numba (see the module docstring and benchmarks/bench_startup.py)
#: below this much text (gzip: 5x its size) a file is parsed in Python, so numba is never
#: loaded: the Python path costs about 1 s less start-up and 6x more per byte with 145 weights
#: per event (break-even near 40 MB), 2.5x more with 9 weights (break-even near 140 MB;
#: ``benchmarks/README.md``, issue 21)
SMALL_BYTES = 32 * 2**20
#: the same for files whose header declares at most :data:`FEW_WEIGHTS` weights
SMALL_BYTES_FEW = 96 * 2**20
FEW_WEIGHTS = 32
ENGINES = ("auto", "kernel", "python")


def is_gzip(source: str | os.PathLike[str] | bytes) -> bool:
    """Whether a file (a path) or its first bytes start with the gzip magic: the one place the
    package tells gzip from plain text (by content, never by the file name)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:2]) == GZIP_MAGIC
    with open(source, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


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
        self._plain_chunk = max(256, min(_PLAIN_CHUNK, block_bytes))
        self._gzip_chunk = max(256, min(_GZIP_CHUNK, block_bytes // 4))
        self.gzip = is_gzip(self.raw.read(2))
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


class DecompressedFile:
    """The decompressed bytes of a file (plain, or gzip with every member), read like a binary
    file: the one gzip reader of the package (``ingest madgraph`` sniffing banners and folders
    reads through it). Truncation raises EOFError, corrupt data OSError."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._source = _Source(Path(path))
        self._buf = b""
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); ``b""`` at the end."""
        while not self._eof and (size < 0 or len(self._buf) < size):
            try:
                piece = self._source.piece()
            except EOFError:
                raise
            except _ZLIB_ERRORS as exc:
                raise OSError(f"corrupt gzip data ({exc})") from None
            if not piece:
                self._eof = True
                break
            self._buf += piece
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def close(self) -> None:
        """Close the file."""
        self._source.close()

    def __enter__(self) -> DecompressedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_decompressed(path: str | os.PathLike[str]) -> DecompressedFile:
    """:class:`DecompressedFile` of ``path`` (gzip recognised by content)."""
    return DecompressedFile(path)


def gzip_writer(handle: BinaryIO, *, level: int = 2, threads: int = 1) -> BinaryIO:
    """A gzip writer over an open binary ``handle`` (the package's one gzip compressor).

    ``threads >= 1``: python-isal's ``igzip_threaded`` (compression in that many background
    threads, releasing the GIL, so it overlaps the caller's work; flushed every 4 MB, so its
    bytes differ from a one-thread gzip of the same text, its content does not), else isal's
    or the standard library's gzip in this thread. ``threads=0``: the standard library's
    gzip with ``mtime=0`` (byte-for-byte reproducible output). Close it before the handle.
    """
    if threads >= 1:
        try:
            from isal import igzip_threaded  # type: ignore[import-not-found]

            return igzip_threaded.open(
                handle, "wb", compresslevel=level, threads=threads, block_size=2**22
            )
        except ImportError:  # pragma: no cover - isal is a core dependency (>= 1.4)
            pass
        try:
            from isal import igzip  # type: ignore[import-not-found]

            return igzip.IGzipFile(fileobj=handle, mode="wb", compresslevel=level)
        except ImportError:  # pragma: no cover
            pass
    import gzip

    return gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=max(level, 1), mtime=0)


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
    with LHEStream(path) as stream:
        return parse_header(stream.header, path)


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


_KERNEL_READY = threading.Event()
_KERNEL_LOCK = threading.Lock()


def _kernel() -> object:
    """The compiled kernel module; its first call (cache load or compilation) runs here once,
    without numba's entry-point extensions (:mod:`scaleuq.io.lhe.jit`)."""
    from scaleuq.io.lhe import kernel

    if not _KERNEL_READY.is_set():
        from scaleuq.io.lhe.jit import numba_without_extensions

        with _KERNEL_LOCK, numba_without_extensions():
            if not _KERNEL_READY.is_set():
                empty = np.frombuffer(b" ", dtype=np.uint8, count=0)
                kernel.parse_events(
                    empty, 0, np.zeros(0, np.uint8), np.zeros(1, np.int64), False, True,
                    np.empty((0, 6)), np.empty((0, 0)), np.empty((0, 13)),
                    np.empty((1, 5), np.int64), np.zeros(5, np.int64),
                )  # fmt: skip
                _KERNEL_READY.set()
    return kernel


def choose_engine(
    path: str | os.PathLike[str] | None, engine: str | None = None, weights: int | None = None
) -> str:
    """``kernel`` or ``python`` for a file: ``engine`` (or ``$SCALEUQ_LHE_ENGINE``) when it
    names one; else the kernel when it is already loaded in this process or the file holds
    :data:`SMALL_BYTES` of text or more (gzip counted as 5x; :data:`SMALL_BYTES_FEW` when the
    header declares at most :data:`FEW_WEIGHTS` ``weights``), Python below."""
    engine = engine or os.environ.get("SCALEUQ_LHE_ENGINE") or "auto"
    if engine not in ENGINES:
        raise LHEError(f"unknown LHE engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if _KERNEL_READY.is_set() or path is None:
        return "kernel"
    try:
        size = os.stat(path).st_size * (5 if is_gzip(path) else 1)
    except OSError:
        return "kernel"
    limit = SMALL_BYTES_FEW if weights is not None and weights <= FEW_WEIGHTS else SMALL_BYTES
    return "python" if size < limit else "kernel"


_PY_EVENT = re.compile(rb"<event(?:[ \t\n][^>]*)?>")
_PY_EVENT_TAG = re.compile(rb"<event[\s>]")
#: one ``<wgt id='X'> value </wgt>`` (whole match, quote, id, value)
_PY_WGT = re.compile(rb"(\s*<wgt\s+id\s*=\s*(['\"])([^'\"<>\s]*)\2\s*>\s*([^\s<]+)\s*</wgt>)")
_PY_MARKS = re.compile(rb"<event|<rwgt>|</rwgt>|</event>")
_PY_MARKS_NOWGT = re.compile(rb"<event|</event>")
#: one field of an info line or one <wgt> value: no whitespace, no tag, ASCII without "_"
#: (``float()`` would read "1_0" as 10; the kernel refuses it)
_PY_FIELD = rb"([^\s<_\x80-\xff]+)"
#: an event tag and its info line: six fields, the first non-blank line after the tag
_PY_INFO_LINE = rb"<event(?:[ \t\n][^>]*)?>\s*" + rb"[ \t]+".join([_PY_FIELD] * 6) + rb"[ \t]*\n"
#: text without the marks of :data:`_PY_MARKS` (other tags, such as ``<mgrwt>``, allowed)
_PY_FREE = rb"[^<]*(?:<(?!event|/event>|/?rwgt>)[^<]*)*"
#: the ``id='X'>`` of a ``<wgt`` tag (the entry as written, quote, id)
_PY_WGT_ID = re.compile(rb"<wgt\s+(id=(['\"])([^'\"<>\s]*)\2>)")
_PY_INFO_LINES = re.compile(_PY_INFO_LINE)


@functools.lru_cache(maxsize=16)
def _py_events(entries: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """One whole event of the common layout whose ``<rwgt>`` block lists ``entries`` (the
    ``id='X'>`` of each ``<wgt`` tag, as the block's first event writes them), in that order:
    groups are the six info fields, then one value per entry."""
    wgt = b"".join(
        (rb"\s+" if i else rb"\s*") + rb"<wgt\s+" + re.escape(entry) + rb"\s+" + _PY_FIELD
        + rb"\s+</wgt>"
        for i, entry in enumerate(entries)
    )  # fmt: skip
    return re.compile(
        _PY_INFO_LINE + _PY_FREE + rb"<rwgt>" + wgt + rb"\s*</rwgt>" + _PY_FREE + rb"</event>"
    )


def _parse_python_block(
    buf: bytes, n: int, ids: dict[bytes, int], k: int, weights: bool, cut: int | None = None
) -> EventBlock | None:
    """The common layout parsed with one regular-expression split of the whole block (no loop
    over events): every event is ``<event ...>``, its info line (six fields), anything without
    the marks ``<event``, ``<rwgt>``, ``</rwgt>``, ``</event>``, (with ``weights``) one
    ``<rwgt>`` block of ``<wgt id='X'> value </wgt>`` entries with the ids of the block's first
    event in the same order, anything without the marks, ``</event>``; nothing but unmarked
    text between events. None for anything else: the per-event loop of :func:`_parse_python`
    decides then. The split hands every field and value to one ``float()`` pass (tokens as the
    loop sees them), so the arrays are the kernel's bit for bit. ``buf[:cut]`` holds the
    events (the whole of ``buf`` when ``cut`` is None; read in place, not copied)."""
    cut = len(buf) if cut is None else cut
    text = buf if cut == len(buf) else memoryview(buf)[:cut]  # regular expressions take both
    cols: list[int] = []
    if weights:
        start = buf.find(b"<rwgt>", 0, cut)
        stop = buf.find(b"</rwgt>", start, cut)
        if start < 0 or stop < 0:
            return None
        found = list(_PY_WGT_ID.finditer(text, start, stop))
        cols = [ids.get(m.group(3), -1) for m in found]
        if not cols or -1 in cols or len(set(cols)) != len(cols):
            return None
        pattern = _py_events(tuple(m.group(1) for m in found))
    else:  # the info lines only: the marks in order, then one search for the lines
        if _PY_MARKS_NOWGT.findall(text) != [b"<event", b"</event>"] * n:
            return None
        lines = _PY_INFO_LINES.findall(text)
        if len(lines) != n:
            return None
        try:
            info = np.fromiter(map(float, itertools.chain.from_iterable(lines)), float, 6 * n)
        except ValueError:
            return None
        return EventBlock(0, info.reshape(n, 6), np.empty((n, 0)), None)
    parts = pattern.split(text)
    period = 7 + len(cols)  # the text before an event, then its groups
    if len(parts) != period * n + 1:
        return None  # an event the pattern does not take
    if _PY_MARKS.search(b"".join(parts[::period])):
        return None  # a tag of an event between events
    del parts[::period]
    try:
        values = np.fromiter(map(float, parts), float, len(parts)).reshape(n, period - 1)
    except ValueError:  # 1.0D+00 and the like: the kernel knows them
        return None
    table = np.full((n, k), np.nan)
    if cols:
        table[:, cols] = values[:, 6:]
    return EventBlock(0, np.ascontiguousarray(values[:, :6]), table, None)


def _parse_python(
    buf: bytes, cut: int, n: int, ids: dict[bytes, int], k: int, particles: bool, weights: bool
) -> EventBlock | None:
    """The events of ``buf[:cut]`` parsed in Python, or None when this path cannot vouch for the
    block (any layout it does not know, any error): the kernel then parses it. Numbers go
    through ``float()``, which the kernel's conversion equals (correctly rounded), so both
    paths give the same arrays bit for bit (tests/test_lhe_engines.py checks the real files)."""
    if (
        buf.find(b"\r", 0, cut) >= 0
        or buf.find(b"\x0b", 0, cut) >= 0
        or buf.find(b"\x0c", 0, cut) >= 0
    ):
        return None  # memchr: 30x a regex search
    if not particles:
        block = _parse_python_block(buf, n, ids, k, weights, cut)
        if block is not None:
            return block
    text = buf[:cut] if cut < len(buf) else buf
    pieces = text.split(_END)
    if len(pieces) != n + 1:
        return None
    info_tokens: list[bytes] = []
    part_tokens: list[bytes] = []
    n_parts: list[int] = []
    w_rows: list[int] = []
    w_cols: list[int] = []
    w_tokens: list[bytes] = []
    last_names: tuple[bytes, ...] | None = None
    last_cols: list[int] = []
    for row in range(n):
        piece = pieces[row]
        opened = _PY_EVENT.search(piece)
        if opened is None:
            return None
        body = piece[opened.end() :]
        lt = body.find(b"<")
        pre = body if lt < 0 else body[:lt]
        tags = b"" if lt < 0 else body[lt:]
        if b"<event" in tags and _PY_EVENT_TAG.search(tags):
            return None
        pre = pre.lstrip()
        nl = pre.find(b"\n")
        if nl < 0:
            return None
        fields = pre[:nl].split()
        if len(fields) != 6:
            return None
        info_tokens += fields
        if particles:
            listed = 0
            for line in pre[nl + 1 :].split(b"\n"):
                line = line.strip()
                if not line or line[:1] == b"#":
                    continue
                cols = line.split()
                if len(cols) != 13:
                    return None
                part_tokens += cols
                listed += 1
            n_parts.append(listed)
        if not weights:
            continue
        start = tags.find(b"<rwgt>")
        blocks = 0
        while start >= 0:
            stop = tags.find(b"</rwgt>", start)
            if stop < 0:
                return None
            content = tags[start + 6 : stop]
            found = _PY_WGT.findall(content)
            if found:
                wholes, _, names, values = zip(*found)
                # the matches cover the block (nothing but <wgt> entries and whitespace)
                if sum(map(len, wholes)) != len(content.rstrip()):
                    return None
                if names != last_names:
                    cols_now = [ids.get(name, -1) for name in names]
                    if -1 in cols_now or len(set(cols_now)) != len(cols_now):
                        return None
                    last_names, last_cols = names, cols_now
                if blocks and len(set(w_cols[len(w_cols) - blocks :] + last_cols)) != blocks + len(
                    last_cols
                ):
                    return None  # an id repeated in a second <rwgt> block of the event
                blocks += len(found)
                w_rows += [row] * len(found)
                w_cols += last_cols
                w_tokens += values
            elif content.strip():
                return None
            start = tags.find(b"<rwgt>", stop)
    try:
        for tokens in (info_tokens, part_tokens, w_tokens):
            joined = b" ".join(tokens)
            if b"_" in joined or not joined.isascii():
                return None
        info = np.fromiter(map(float, info_tokens), float, len(info_tokens)).reshape(n, 6)
        parts = (
            np.fromiter(map(float, part_tokens), float, len(part_tokens)).reshape(-1, 13)
            if particles
            else None
        )
        wvals = np.fromiter(map(float, w_tokens), float, len(w_tokens))
    except ValueError:  # 1.0D+00 and the like: the kernel knows them
        return None
    if particles and not np.array_equal(info[:, 0], np.array(n_parts, dtype=float)):
        return None
    table = np.full((n, k), np.nan)
    if w_tokens:
        table[np.array(w_rows, dtype=np.int64), np.array(w_cols, dtype=np.int64)] = wvals
    return EventBlock(0, info, table, parts)


def parse_block(
    buf: bytes, cut: int, n: int, first: int, header: LHEHeader | None,
    path: str | os.PathLike[str], *, particles: bool = False, weights: bool = True, engine: str = "kernel",
    ids: tuple[np.ndarray, np.ndarray] | None = None,
) -> EventBlock:  # fmt: skip
    """Parse the ``n`` complete events of ``buf[:cut]`` (events ``first`` to ``first + n - 1``).

    Args:
        buf, cut, n, first: a block of :meth:`LHEStream.blocks`.
        header: the file's decoded header (its declared weight ids; None with ``weights=False``).
        path: the file, for messages.
        particles: also parse the particle lines.
        weights: parse the ``<rwgt>`` weights (else ``weights`` is (n, 0)).
        engine: ``kernel`` (compiled) or ``python`` (no numba; a block it cannot vouch for goes
            to the kernel). Both give the same arrays bit for bit.
        ids: the kernel's id table (computed from ``header`` when None).

    Raises:
        LHEError: a malformed event, named by its number.
    """
    path = Path(path)
    if header is None and weights:
        raise ValueError("parse_block needs the header to read weights")
    k = len(header.weights) if weights else 0
    if engine == "python":
        table = {w.id.encode(): j for j, w in enumerate(header.weights)} if weights else {}
        block = _parse_python(buf, cut, n, table, k, particles, weights)
        if block is not None:
            return EventBlock(first, block.info, block.weights, block.particles)
    if ids is None or not weights:
        ids = _id_table(header) if weights else (np.zeros(0, np.uint8), np.zeros(1, np.int64))
    return _parse_kernel(buf, cut, n, first, ids, header, path, particles, weights)


def _parse_kernel(
    buf: bytes, cut: int, n: int, first: int, ids: tuple[np.ndarray, np.ndarray],
    header: LHEHeader, path: Path, particles: bool, want_weights: bool = True,
) -> EventBlock:  # fmt: skip
    """Parse the ``n`` complete events of ``buf[:cut]`` with the compiled kernel."""
    kernel = _kernel()
    k = len(ids[1]) - 1

    data = np.frombuffer(buf, dtype=np.uint8, count=cut)
    info = np.empty((n, 6))
    weights = np.full((n, k), np.nan)
    parts = np.empty((max(64, 16 * n) if particles else 0, 13))
    slow = np.empty((64, 5), dtype=np.int64)
    out = np.zeros(5, dtype=np.int64)
    while True:  # more room and again in the rare case that the particles or slow tokens overflow
        status = kernel.parse_events(
            data, n, ids[0], ids[1], particles, want_weights, info, weights, parts, slow, out
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


class LHEStream:
    """The one LHE byte stream: header, then blocks of complete events, then the tail.

    Decompression (isal or zlib, every gzip member once) runs one piece ahead in a thread;
    :attr:`header` is the text up to and including ``</init>`` (read at construction, at most
    :data:`HEADER_LIMIT` bytes); :meth:`blocks` yields ``(text, cut, n, first)``: ``text[:cut]``
    holds the ``n`` complete events ``first`` to ``first + n - 1`` (the bytes after ``cut`` start
    the next block, so the header, the blocks' ``text[:cut]`` and :attr:`rest` concatenate back
    to the file); when the file ends, what follows the last event is checked
    (:func:`check_tail`) and kept in :attr:`rest`. Errors are :class:`LHEError` s naming the
    file and the last complete event. Close it (or use it as a context manager).

    Args:
        path: ``.lhe`` or ``.lhe.gz`` (gzip recognised by content, :func:`is_gzip`).
        block_bytes: decompressed bytes per block.
        progress: called with the compressed bytes consumed after each block.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        block_bytes: int = BLOCK_BYTES,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise LHEError(f"{self.path}: no such file")
        self.block_bytes = block_bytes
        self.progress = progress
        self.n_events = 0
        self.rest = b""
        self._source = _Source(self.path, block_bytes)
        try:
            self.header, self._rest = _header_text(self._source, self.path)
        except BaseException:
            self._source.close()
            raise

    def __enter__(self) -> LHEStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._source.close()

    def tell(self) -> int:
        """Compressed bytes consumed so far."""
        return self._source.tell()

    def _pieces(self) -> Iterator[tuple[bytes, int]]:
        """Decompressed pieces and their number of ``</event>``, read and counted one ahead in a
        thread (zlib/isal and ``bytes.count`` release the GIL or run outside the parser's
        thread, so both overlap parsing); at most three wait in the queue."""
        queue: Queue[tuple[bytes, int] | BaseException] = Queue(maxsize=3)
        stop = threading.Event()
        source = self._source

        def reader() -> None:
            try:
                while not stop.is_set():
                    data = source.piece()
                    queue.put((data, data.count(_END)))
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
                if not item[0]:
                    return
                yield item
        finally:
            stop.set()
            while thread.is_alive():
                with contextlib.suppress(Empty):
                    queue.get_nowait()
                thread.join(timeout=0.05)

    def blocks(self) -> Iterator[tuple[bytes, int, int, int]]:
        """``(text, cut, n, first)``: blocks of complete events, cut at their last ``</event>``,
        in file order, until the file ends (then :attr:`rest` is set)."""
        pending = [self._rest]
        self._rest = b""
        size = len(pending[0])
        # </event> in pending: counted piece by piece in the reader thread, plus those across
        # the joins (pieces shorter than a tag: counted again here)
        ends = pending[0].count(_END)
        width = len(_END) - 1
        tail = pending[0][-width:]  # the last bytes of pending: a </event> may start there
        source_pieces = self._pieces()
        block_bytes = self.block_bytes
        while True:
            try:
                piece, count = next(source_pieces, (b"", 0))
            except _READ_ERRORS as exc:
                counted = self.n_events + b"".join(pending).count(_END)
                raise _read_failed(exc, self.path, counted) from None
            if piece:
                if ends >= 0 and len(piece) >= width:
                    ends += count + (tail + piece[:width]).count(_END)
                    tail = piece[-width:]
                else:  # a piece shorter than the tag: count the block here
                    ends = -1
                pending.append(piece)
                size += len(piece)
                if size < block_bytes:
                    continue
            text = b"".join(pending) if len(pending) > 1 else pending[0]
            cut = text.rfind(_END)
            if cut >= 0:
                cut += len(_END)
                n = ends if ends >= 0 else text.count(_END, 0, cut)
                first = self.n_events + 1
                self.n_events += n
                yield text, cut, n, first
                if self.progress is not None:
                    self.progress(self._source.tell())
                pending = [text[cut:]]
                ends, tail = 0, pending[0][-width:]  # </event> has no border: none across cut
            else:
                pending = [text]
            size = len(pending[0])
            if not piece:
                check_tail(pending[0], self.path, self.n_events)
                self.rest = pending[0]
                return


def iter_blocks(
    path: str | Path,
    *,
    particles: bool = False,
    block_bytes: int = BLOCK_BYTES,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
    engine: str | None = None,
) -> tuple[LHEHeader, Iterator[EventBlock]]:
    """Header and a generator of :class:`EventBlock` s, in file order (bounded memory).

    Args:
        path: ``.lhe`` or ``.lhe.gz`` (gzip is recognised by its magic bytes).
        particles: also parse the particle lines.
        block_bytes: decompressed bytes read per block.
        progress: called with the number of (compressed) bytes consumed so far.
        jobs: threads parsing blocks at once (None: all cores). The blocks and their arrays do
            not depend on it; memory grows by about ``jobs`` blocks.
        engine: ``auto`` (default; ``$SCALEUQ_LHE_ENGINE``), ``kernel`` or ``python``: see
            :func:`choose_engine`. The arrays do not depend on it.

    Raises:
        LHEError: no such file, a malformed header (right away), or, while iterating, a
            malformed or truncated event (naming it, or the last complete one).
    """
    path = Path(path)
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    mode = choose_engine(path, engine) if path.is_file() else "kernel"
    stream = LHEStream(path, block_bytes=block_bytes, progress=progress)
    try:
        header = parse_header(stream.header, path)
    except BaseException:
        stream.close()
        raise
    if mode != "kernel" or (engine is None and path.is_file()):  # now that the weights are known
        mode = choose_engine(path, engine, weights=len(header.weights))
    for message in header.warnings:
        log.warning(message)
    ids = _id_table(header)
    if mode == "python":
        jobs = 1  # small files: threads would only add start-up

    def parse(text: bytes, cut: int, n: int, first: int) -> EventBlock:
        return parse_block(
            text, cut, n, first, header, path, particles=particles, engine=mode, ids=ids
        )

    def generate() -> Iterator[EventBlock]:
        try:
            if jobs == 1:
                for item in stream.blocks():
                    yield parse(*item)
                return
            with ThreadPoolExecutor(jobs, thread_name_prefix="scaleuq-lhe") as pool:
                inflight: deque[Future[EventBlock]] = deque()
                try:
                    for item in stream.blocks():
                        inflight.append(pool.submit(parse, *item))
                        while len(inflight) > jobs:
                            yield inflight.popleft().result()
                except LHEError:
                    # an earlier block's error comes first, as in a single-core read
                    while inflight:
                        inflight.popleft().result()
                    raise
                while inflight:
                    yield inflight.popleft().result()
        finally:
            stream.close()

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
    engine: str | None = None,
) -> LHEArrays:
    """Read a whole LHE file into arrays (event info, weights by id, optionally particles).

    Blocks are parsed on ``jobs`` threads (None: all cores; the arrays do not depend on it) and
    copied into arrays that grow in place, sized from the first block's events per byte, so
    peak memory stays close to the output arrays plus ``jobs`` blocks.
    """
    path = Path(path)
    header, blocks = iter_blocks(
        path,
        particles=particles,
        block_bytes=block_bytes,
        progress=progress,
        jobs=jobs,
        engine=engine,
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


_is_gzip = is_gzip

"""Streaming rewrite of an LHE file with new weights, MadGraph style.

The file is read once, block by block (bounded memory) by :class:`EventStream` (gzip inflated
by isal when installed): from the raw bytes of each block of complete events,
:func:`event_arrays` takes the event weights (and the particle lines when a dynamical scale
needs them), :func:`scaleuq.reweight.mgrwt.parse_mgrwt` the ``<mgrwt>`` blocks, and
:func:`splice` inserts the new ``<wgt>`` entries (appended to each event's ``<rwgt>`` block, or
in a new one before ``</event>``) in one compiled pass into one buffer. Everything else in the
file is kept byte for byte; the header gains a ``<weightgroup>`` per kind of variation in
``<initrwgt>`` (created inside ``<header>`` when missing). Output is written atomically, gzip
compressed (isal, in a background thread) when its name ends in ``.gz``.
"""

from __future__ import annotations

import gzip
import logging
import re
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe.reader import check_tail

log = logging.getLogger(__name__)

_ID = re.compile(r"""<weight\b[^>]*\bid\s*=\s*["']([^"']*)["']""")


_EVENT_TAG = re.compile(rb"<event[\s>]")
#: the first three numbers of each event's first line (NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP)
_INFO = re.compile(rb"<event(?:\s[^>]*)?>[ \t\r]*\n[ \t]*(\S+[ \t]+\S+[ \t]+\S+)")
#: each event's text up to its first tag (the event line, the particle lines, comments)
_BODY = re.compile(rb"<event(?:\s[^>]*)?>([^<]*)")
HEADER_LIMIT = 64 * 2**20


def _inflate_module() -> Any:
    """isal's zlib (igzip, 2-3x faster) when installed, else the standard library's."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found]

        return isal_zlib
    except ImportError:  # pragma: no cover - isal is a core dependency
        return zlib


class EventStream:
    """An LHE file read once, in blocks of complete events (bounded memory).

    :attr:`header` is everything up to and including ``</init>``; :meth:`blocks` yields the raw
    bytes of consecutive blocks of complete events (each ending in ``</event>``, so the blocks
    and :attr:`rest` concatenate back to the file); :attr:`rest` is what follows the last event.
    Gzip input is inflated with isal when it is installed (multi-member streams included).
    """

    def __init__(
        self,
        path: Path,
        block_bytes: int = 8 * 2**20,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.path = path
        raw = path.open("rb")
        magic = raw.read(2)
        raw.seek(0)
        self._raw = raw
        self._zmod = _inflate_module() if magic == b"\x1f\x8b" else None
        self._z = self._zmod.decompressobj(wbits=31) if self._zmod is not None else None
        self._chunk = max(block_bytes // 4, 1024) if self._z is not None else max(block_bytes, 1024)
        self._block = block_bytes
        self._progress = progress
        self._buf = b""
        self._eof = False
        self._started = False
        self.rest = b""
        self.n_events = 0
        try:
            self._read_header()
        except BaseException:
            raw.close()
            raise

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            try:
                out.append(self._z.decompress(data))
            except self._zmod.error as exc:
                raise LHEError(f"{self.path}: corrupt gzip data ({exc})") from None
            self._started = True
            if self._z.eof:  # multi-member gzip: start the next member
                data = self._z.unused_data.lstrip(b"\0")
                self._z = self._zmod.decompressobj(wbits=31)
                self._started = False
            else:
                data = b""
        return b"".join(out)

    def _more(self) -> bytes:
        """The next decompressed piece; b"" at the end of the file."""
        while not self._eof:
            try:
                data = self._raw.read(self._chunk)
            except OSError as exc:
                raise LHEError(f"{self.path}: read failed ({exc})") from None
            if self._progress is not None:
                self._progress(self._raw.tell())
            if not data:
                if self._z is not None and self._started:
                    raise LHEError(f"{self.path}: the gzip stream is truncated")
                self._eof = True
                return b""
            out = data if self._z is None else self._decompress(data)
            if out:
                return out
        return b""

    def _read_header(self) -> None:
        pieces: list[bytes] = []
        size = 0
        tail = b""
        while True:
            piece = self._more()
            if not piece:
                raise LHEError(
                    f"{self.path}: the header has no </init>: truncated or not an LHE file"
                )
            window = tail + piece
            end = window.find(b"</init>")
            if end >= 0:
                text = b"".join(pieces) + piece
                cut = size - len(tail) + end + len(b"</init>")
                self.header, self._buf = text[:cut], text[cut:]
                return
            if _EVENT_TAG.search(window):
                raise LHEError(f"{self.path}: the header has no </init> before the first <event>")
            pieces.append(piece)
            size += len(piece)
            if size > HEADER_LIMIT:
                raise LHEError(
                    f"{self.path}: no </init> in the first {HEADER_LIMIT >> 20} MB: not an LHE file"
                )
            tail = piece[-16:]

    def blocks(self) -> Iterator[tuple[bytes, int]]:
        """(raw text of the next complete events, their number), until the file ends; then
        :attr:`rest` holds what follows the last event (checked: ``</LesHouchesEvents>``)."""
        buf = self._buf
        self._buf = b""
        while True:
            more = b""
            if len(buf) < self._block:
                more = self._more()
                if more:
                    buf += more
                    continue
            cut = buf.rfind(b"</event>")
            if cut < 0:
                if self._eof:
                    break
                more = self._more()
                if not more:
                    break
                buf += more
                continue
            cut += len(b"</event>")
            block, buf = buf[:cut], buf[cut:]
            n = block.count(b"</event>")
            self.n_events += n
            yield block, n
        check_tail(buf, self.path, self.n_events)
        self.rest = buf

    def close(self) -> None:
        """Close the file."""
        self._raw.close()


def _floats(text: bytes) -> np.ndarray | None:
    """All whitespace-separated numbers of ``text`` (C parsing); None if one is not a number."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.fromstring(text, dtype=np.float64, sep=" ")
    except ValueError:
        return None


def event_arrays(
    events: bytes, n: int, *, particles: bool, first_event: int = 1, path: Path | str = ""
) -> tuple[np.ndarray, np.ndarray | None]:
    """NUP, IDPRUP and XWGTUP of the events, (n, 3), and with ``particles`` the (sum NUP, 13)
    particle lines of a block of complete events (the columns of :mod:`scaleuq.io.lhe.reader`).
    Only what the weights need is converted (text to float is the costly part).

    Raises:
        LHEError: an event line or particle line that is malformed, named by event number.
    """
    lines = _INFO.findall(events)
    vals = _floats(b"\n".join(lines)) if len(lines) == n else None
    if vals is None or len(vals) != 3 * n:
        _bad_event(events, first_event, path)
    info = vals.reshape(n, 3)
    nup = info[:, 0]
    if (nup != np.rint(nup)).any() or (nup < 0).any():
        i = int(np.flatnonzero((nup != np.rint(nup)) | (nup < 0))[0])
        raise LHEError(f"{path}: event {first_event + i}: NUP = {nup[i]:g} is not a count")
    if not particles:
        return info, None
    counts = nup.astype(np.int64)
    size = 6 + 13 * counts
    bodies = _BODY.findall(events)
    flat = _floats(b"\n".join(bodies)) if len(bodies) == n else None
    if flat is None or len(flat) != int(size.sum()):
        return info, _particles_slow(events, counts, first_event, path)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    if not np.array_equal(flat[starts], nup):
        return info, _particles_slow(events, counts, first_event, path)
    keep = np.ones(len(flat), dtype=bool)
    keep[(starts[:, None] + np.arange(6)).ravel()] = False
    return info, flat[keep].reshape(-1, 13)


def _bad_event(events: bytes, first: int, path: Path | str) -> None:
    """Name the first event whose event line does not start with three numbers (error path)."""
    for i, piece in enumerate(events.split(b"</event>")[:-1]):
        found = _INFO.findall(piece)
        vals = _floats(found[0]) if len(found) == 1 else None
        if vals is None or len(vals) != 3:
            raise LHEError(
                f"{path}: event {first + i}: malformed event line (NUP IDPRUP XWGTUP ... expected)"
            )
    raise LHEError(f"{path}: events {first}-{first + events.count(b'</event>') - 1}: malformed")


def _particles_slow(events: bytes, counts: np.ndarray, first: int, path: Path | str) -> np.ndarray:
    """Particle lines event by event, skipping ``#`` comment lines (rare layouts, errors)."""
    rows: list[np.ndarray] = []
    for i, body in enumerate(_BODY.findall(events)):
        lines = [ln for ln in body.split(b"\n") if ln.strip() and not ln.lstrip().startswith(b"#")]
        vals = _floats(b"\n".join(lines[1:]))
        if len(lines) != counts[i] + 1 or vals is None or len(vals) != 13 * counts[i]:
            raise LHEError(
                f"{path}: event {first + i}: expected {counts[i]} particle lines of 13 numbers"
            )
        rows.append(vals.reshape(-1, 13))
    return np.concatenate(rows) if rows else np.empty((0, 13))


def beam_signs(header: bytes) -> tuple[int, int]:
    """+1/-1 for a proton/antiproton beam (IDBMUP of ``<init>``), 0 for any other beam."""
    m = re.search(rb"<init\b[^>]*>\s*([^\n]*)", header)
    try:
        ids = [int(v) for v in m.group(1).split()[:2]] if m else []
    except ValueError:
        ids = []
    if len(ids) != 2:
        raise LHEError("malformed <init> block: no beam ids")
    return tuple(1 if i == 2212 else -1 if i == -2212 else 0 for i in ids)  # type: ignore[return-value]


def next_weight_id(header: bytes) -> int:
    """First free numeric weight id (MadGraph numbers its weights 1, 2, ...)."""
    text = header.decode("utf-8", "replace")
    nums = [int(i) for i in _ID.findall(text) if i.strip().isdigit()]
    return max(nums, default=0) + 1


def new_header(header: bytes, groups: Sequence[tuple[str, str, Sequence[str]]]) -> bytes:
    """The header with new ``<weightgroup>`` blocks (name, combine, weight lines) appended to
    ``<initrwgt>`` (created inside ``<header>``, or before ``<init>``, when missing)."""
    text = "".join(
        f'<weightgroup name="{name}" combine="{combine}">\n' + "".join(lines) + "</weightgroup>\n"
        for name, combine, lines in groups
    ).encode()
    end = header.find(b"</initrwgt>")
    if end >= 0:
        return header[:end] + text + header[end:]
    block = b"<initrwgt>\n" + text + b"</initrwgt>\n"
    end = header.find(b"</header>")
    if end >= 0:
        return header[:end] + block + header[end:]
    start = header.find(b"<init")
    return header[:start] + b"<header>\n" + block + b"</header>\n" + header[start:]


def splice(
    events: bytes, ids: Sequence[str], weights: np.ndarray, path: Path | str, first: int
) -> np.ndarray:
    """The events with ``<wgt id='...'> w </wgt>`` lines added for every event (rows of
    ``weights``): appended to each event's ``<rwgt>`` block, or in a new one before
    ``</event>``; returned as a uint8 array (written without a copy)."""
    from scaleuq.reweight.formatting import splice_weights

    n, _ = weights.shape
    bad = ~np.isfinite(weights)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise LHEError(
            f"{path}: event {first + int(i)}: weight {ids[int(j)]} is not finite ({weights[i, j]})"
        )
    n_rwgt = events.count(b"</rwgt>")
    if n_rwgt == n:
        return splice_weights(events, b"</rwgt>", b"", b"", ids, weights)
    if n_rwgt:
        raise LHEError(
            f"{path}: some of events {first}-{first + n - 1} have a <rwgt> block and some not"
        )
    return splice_weights(events, b"</event>", b"<rwgt>\n", b"</rwgt>\n", ids, weights)


def open_output(handle: IO[bytes], gz: bool) -> Any:
    """A writer over the (temporary, atomic) output: plain, or gzip compressed by isal in a
    background thread (``igzip_threaded``, whose compressor releases the GIL: compression
    overlaps the next block's computation where a core is free; the stream is flushed every
    4 MB, so its bytes differ from a one-thread gzip of the same text, its content does not),
    else isal's or the standard library's gzip in this thread. Close it (also on error: it
    owns a thread) before the handle."""
    if not gz:
        return handle
    try:
        from isal import igzip_threaded  # type: ignore[import-not-found]

        return igzip_threaded.open(handle, "wb", compresslevel=2, threads=1, block_size=2**22)
    except ImportError:  # pragma: no cover - isal is a core dependency (>= 1.4 has threads)
        pass
    try:
        from isal import igzip  # type: ignore[import-not-found]

        return igzip.IGzipFile(fileobj=handle, mode="wb", compresslevel=2)
    except ImportError:  # pragma: no cover
        return gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6, mtime=0)

"""Streaming rewrite of an LHE file with new weights, MadGraph style.

The file is read once, block by block (bounded memory) by the package's one LHE byte stream
(:class:`scaleuq.io.lhe.reader.LHEStream`: decompression, multi-member gzip, one header limit, the
same truncation messages as ``ingest lhe``); from each block of complete events the one event
parser (:func:`scaleuq.io.lhe.reader.parse_block`) takes the event info and, when a dynamical
scale needs them, the particle lines; :func:`scaleuq.reweight.mgrwt.parse_mgrwt` the
``<mgrwt>`` blocks, and :func:`splice` inserts the new ``<wgt>`` entries (appended to each
event's ``<rwgt>`` block, or in a new one before ``</event>``) in one compiled pass into one
buffer. Everything else in the file is kept byte for byte; the header gains a ``<weightgroup>``
per kind of variation in ``<initrwgt>`` (created inside ``<header>`` when missing). Output is
written atomically, gzip compressed (in a background thread) when its name ends in ``.gz``, else
by a background thread (:class:`BackgroundWriter`) that also pushes the bytes to disk as it goes,
so that writing and the final ``fsync`` of the atomic output overlap the computation.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe.reader import HEADER_LIMIT, LHEStream, gzip_writer, parse_block

if TYPE_CHECKING:
    from scaleuq.io.lhe.header import LHEHeader

log = logging.getLogger(__name__)

__all__ = ["HEADER_LIMIT", "BackgroundWriter", "BufferPool", "EventStream", "event_arrays"]

_ID = re.compile(r"""<weight\b[^>]*\bid\s*=\s*["']([^"']*)["']""")


class EventStream(LHEStream):
    """:class:`~scaleuq.io.lhe.reader.LHEStream` yielding ``(events, n)``: the raw bytes of the
    next ``n`` complete events (each block ends in ``</event>``, so :attr:`header`, the blocks
    and :attr:`rest` concatenate back to the file)."""

    def blocks(self) -> Iterator[tuple[bytes, int]]:  # type: ignore[override]
        for text, cut, n, _ in super().blocks():
            yield (text if cut == len(text) else text[:cut]), n


def event_arrays(
    events: bytes, n: int, *, particles: bool, first_event: int = 1, path: Path | str = "",
    header: LHEHeader | None = None, engine: str = "kernel",
) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """NUP, IDPRUP and XWGTUP of the events, (n, 3), and with ``particles`` the (sum NUP, 13)
    particle lines of a block of complete events (the columns of :mod:`scaleuq.io.lhe.reader`),
    parsed by the package's one event parser (weights skipped).

    Raises:
        LHEError: an event line or particle line that is malformed, named by event number.
    """
    block = parse_block(
        events, len(events), n, first_event, header, path, particles=particles, weights=False,
        engine=engine,
    )  # fmt: skip
    nup = block.info[:, 0]
    bad = (nup != np.rint(nup)) | (nup < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LHEError(f"{path}: event {first_event + i}: NUP = {nup[i]:g} is not a count")
    return block.info[:, :3], block.particles


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
    events: bytes,
    ids: Sequence[str],
    weights: np.ndarray,
    path: Path | str,
    first: int,
    *,
    engine: str | None = None,
    buffer: Callable[[int], np.ndarray] | None = None,
) -> np.ndarray:
    """The events with ``<wgt id='...'> w </wgt>`` lines added for every event (rows of
    ``weights``): appended to each event's ``<rwgt>`` block, or in a new one before
    ``</event>``; returned as a uint8 array (written without a copy). ``engine`` and
    ``buffer``: see :func:`scaleuq.reweight.formatting.splice_weights`."""
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
        return splice_weights(
            events, b"</rwgt>", b"", b"", ids, weights, engine=engine, buffer=buffer
        )
    if n_rwgt:
        raise LHEError(
            f"{path}: some of events {first}-{first + n - 1} have a <rwgt> block and some not"
        )
    return splice_weights(
        events, b"</event>", b"<rwgt>\n", b"</rwgt>\n", ids, weights, engine=engine, buffer=buffer
    )


class BufferPool:
    """uint8 buffers used again once written: :meth:`take` gives a free one of at least the
    size asked (a new one when none is free, so it never waits), :meth:`give` takes back a
    buffer or a view of one. Fresh memory costs a page fault per 4 kB (0.6 s per 500 MB on the
    benchmark machine), a buffer used again none; the number of buffers is bounded by the
    writing pipeline's depth."""

    def __init__(self) -> None:
        self._free: list[np.ndarray] = []
        self._lock = threading.Lock()

    def take(self, size: int) -> np.ndarray:
        """A free buffer of at least ``size`` bytes."""
        with self._lock:
            for i, buf in enumerate(self._free):
                if len(buf) >= size:
                    return self._free.pop(i)
            if self._free:  # too small: replaced by a larger one
                self._free.pop()
        return np.empty(int(size * 1.1) + 4096, dtype=np.uint8)

    def give(self, data: Any) -> None:
        """Take back the buffer under ``data`` (a :meth:`take` buffer or a view of one)."""
        base = data.base if isinstance(data, np.ndarray) and data.base is not None else data
        if isinstance(base, np.ndarray) and base.dtype == np.uint8 and base.ndim == 1:
            with self._lock:
                self._free.append(base)


class BackgroundWriter:
    """Writes buffers to an open binary file in a background thread (``write`` releases the
    GIL), so that the copy into the page cache overlaps the caller's next block; every
    ``sync_bytes`` written it calls ``fdatasync`` there too, so the data is on disk by the time
    the caller's final ``fsync`` (:func:`scaleuq.util.atomic.atomic_open`) runs, which then
    waits only for the last blocks. At most ``depth`` buffers wait in the queue (memory stays
    bounded); the buffers must not be changed after :meth:`write` (``release``, when given, is
    called with each one once it is written: a :class:`BufferPool` takes it back). An error in
    the thread is raised by the next :meth:`write` or by :meth:`close`. Close it (also on
    error) before the handle."""

    def __init__(
        self,
        handle: IO[bytes],
        *,
        sync_bytes: int = 64 * 2**20,
        depth: int = 2,
        release: Callable[[Any], None] | None = None,
    ) -> None:
        self._handle = handle
        self._release = release
        self._sync_bytes = sync_bytes
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(depth, 1))
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="scaleuq-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        unsynced = 0
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is not None:
                continue  # drain: the caller learns of the error at its next call
            try:
                self._handle.write(data)
                unsynced += len(memoryview(data).cast("B"))
                if self._release is not None:
                    self._release(data)
                if self._sync_bytes and unsynced >= self._sync_bytes:
                    self._handle.flush()
                    os.fdatasync(self._handle.fileno())
                    unsynced = 0
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc

    def write(self, data: Any) -> int:
        """Queue ``data`` (bytes or a uint8 array) for writing; its length."""
        if self._error is not None:
            raise self._error
        self._queue.put(data)
        return len(memoryview(data).cast("B"))

    def close(self) -> None:
        """Wait for every queued buffer to be written; raise the thread's error, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def open_output(handle: IO[bytes], gz: bool, pool: BufferPool | None = None) -> Any:
    """A writer over the (temporary, atomic) output: gzip compressed in background threads
    (:func:`scaleuq.io.lhe.reader.gzip_writer`, isal level 1, two threads where the machine has
    two cores: compression overlaps the next block's computation and itself; level 1 writes
    about 1% more than level 2 of this text in 15-25% less time, see
    benchmarks/bench_reweight.py), or plain through a :class:`BackgroundWriter`.
    ``$SCALEUQ_GZIP_LEVEL`` (isal: 0-3) and ``$SCALEUQ_GZIP_THREADS`` (0: the standard library
    in this thread) change the first; ``$SCALEUQ_WRITE_THREAD=0`` writes plain output in this
    thread, ``$SCALEUQ_SYNC_MB`` sets how often the background writer syncs (0: only the final
    ``fsync``). ``pool``: the background writer gives each buffer back to it once written
    (the gzip writers may keep a buffer after ``write``: not given back). Close it (also on
    error: it owns a thread) before the handle."""
    try:
        level = int(os.environ.get("SCALEUQ_GZIP_LEVEL", "1"))
        threads = int(os.environ.get("SCALEUQ_GZIP_THREADS", str(min(2, os.cpu_count() or 1))))
        thread = int(os.environ.get("SCALEUQ_WRITE_THREAD", "1"))
        sync_mb = int(os.environ.get("SCALEUQ_SYNC_MB", "64"))
    except ValueError:
        raise LHEError(
            "SCALEUQ_GZIP_LEVEL, SCALEUQ_GZIP_THREADS, SCALEUQ_WRITE_THREAD and SCALEUQ_SYNC_MB "
            "must be integers"
        ) from None
    if gz:
        return gzip_writer(handle, level=level, threads=max(threads, 0))
    if not thread:
        return handle
    return BackgroundWriter(
        handle, sync_bytes=max(sync_mb, 0) * 2**20, release=None if pool is None else pool.give
    )

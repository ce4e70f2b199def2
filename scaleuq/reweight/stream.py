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
written atomically, gzip compressed (in a background thread) when its name ends in ``.gz``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe.reader import HEADER_LIMIT, LHEStream, gzip_writer, parse_block

if TYPE_CHECKING:
    from scaleuq.io.lhe.header import LHEHeader

log = logging.getLogger(__name__)

__all__ = ["HEADER_LIMIT", "EventStream", "event_arrays"]

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
    """A writer over the (temporary, atomic) output: plain, or gzip compressed in a background
    thread (:func:`scaleuq.io.lhe.reader.gzip_writer`, level 2: compression overlaps the next
    block's computation where a core is free). ``$SCALEUQ_GZIP_LEVEL`` (isal: 0-3) and
    ``$SCALEUQ_GZIP_THREADS`` (0: the standard library in this thread) change both. Close it
    (also on error: it owns a thread) before the handle."""
    if not gz:
        return handle
    try:
        level = int(os.environ.get("SCALEUQ_GZIP_LEVEL", "2"))
        threads = int(os.environ.get("SCALEUQ_GZIP_THREADS", "1"))
    except ValueError:
        raise LHEError("SCALEUQ_GZIP_LEVEL and SCALEUQ_GZIP_THREADS must be integers") from None
    return gzip_writer(handle, level=level, threads=max(threads, 0))

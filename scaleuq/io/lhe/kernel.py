"""The compiled (numba) single-pass parser of a block of complete LHE events.

:func:`parse_events` walks the bytes of a block once, with no per-event Python and no text
copies: for each ``<event>`` it reads the event-info line (NUP, IDPRUP, XWGTUP, SCALUP, AQEDUP,
AQCDUP), the particle lines when asked (comment lines starting with ``#`` skipped), and the
``<wgt id='X'> value </wgt>`` entries of ``<rwgt>``, which it scatters into the row of the
event by the declared id (never by position: a per-slot guess of the column is checked byte by
byte and corrected by a search of all ids when wrong). Other tags (``<mgrwt>``, ``<scales>``,
``<weights>``, ...) are skipped. It is the one event parser of the package: :mod:`.reader`
calls it for ``ingest lhe``, ``decorrelation from-lhe`` and ``reweight`` (which asks for the
event info and particles, without weights).

Numbers: a token of at most 19 significant digits whose decimal exponent keeps it exact in
binary64 (Clinger's fast path: integer mantissa < 2^53, power of ten <= 1e22) is converted in the
kernel, correctly rounded, so the result equals Python's ``float()``; every other token (more
digits, a big exponent, ``nan``, ``inf``) is handed back by position and converted by the caller
with ``float()``. Fortran exponents (``1.0D+00``) are read as ``e``.

Errors come back as a status code with the event (0-based within the block) and a byte
position; :mod:`scaleuq.io.lhe.reader` turns them into messages. Compiled on first use and
cached on disk (``cache=True``); ``nogil=True`` lets blocks be parsed on several threads. This
module imports numba: import it only when a file is big enough to need it (the reader parses
small files in Python with the same results, see :func:`scaleuq.io.lhe.reader.parse_block`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

OK = 0
ERR_NO_CLOSE = 1  # an <event> without </event> before the next <event> (or the block's end)
ERR_NO_INFO = 2  # no event-info line
ERR_INFO = 3  # malformed event-info line (non-numeric or wrong number of fields)
ERR_WGT_TAG = 4  # a malformed <wgt> tag or <rwgt> block
ERR_WGT_ID = 5  # a <wgt> id the header does not declare (pos: start of the id, aux: its end)
ERR_WGT_VALUE = 6  # an empty or non-numeric <wgt> value
ERR_WGT_DUP = 7  # an event repeats a <wgt> id (aux: the column)
ERR_PARTICLE = 8  # malformed particle line
ERR_NPART = 9  # NUP differs from the particle lines listed (aux: lines listed)
ERR_UNBALANCED = 10  # a </event> without its <event>
NEED_PARTS = 20  # the particle array is full
NEED_SLOW = 21  # the slow-token array is full

#: kinds of a slow token (converted by the caller): where its value goes
SLOW_INFO, SLOW_WEIGHT, SLOW_PARTICLE = 0, 1, 2

_POW10 = np.array([10.0**i for i in range(23)])
_TWO53 = 2**53
# byte patterns (module-level arrays are compile-time constants of the kernel)
_P_EVENT = np.frombuffer(b"<event", dtype=np.uint8).copy()
_P_END = np.frombuffer(b"</event>", dtype=np.uint8).copy()
_P_RWGT = np.frombuffer(b"<rwgt>", dtype=np.uint8).copy()
_P_RWGT_END = np.frombuffer(b"</rwgt>", dtype=np.uint8).copy()
_P_WGT = np.frombuffer(b"<wgt", dtype=np.uint8).copy()
_P_WGT_END = np.frombuffer(b"</wgt>", dtype=np.uint8).copy()


@njit(cache=True, nogil=True)
def _is_ws(c: np.uint8) -> bool:
    return c == 32 or c == 10 or c == 9 or c == 13 or c == 12 or c == 11


@njit(cache=True, nogil=True)
def _find(buf: np.ndarray, pat: np.ndarray, start: int, end: int) -> int:
    """First index >= start of ``pat`` in ``buf[:end]``, or -1."""
    m = pat.shape[0]
    first = pat[0]
    i = start
    last = end - m
    while i <= last:
        if buf[i] == first:
            ok = True
            for j in range(1, m):
                if buf[i + j] != pat[j]:
                    ok = False
                    break
            if ok:
                return i
        i += 1
    return -1


@njit(cache=True, nogil=True)
def _startswith(buf: np.ndarray, pos: int, end: int, pat: np.ndarray) -> bool:
    m = pat.shape[0]
    if pos + m > end:
        return False
    for j in range(m):  # noqa: SIM110 - a loop compiles to straight code; all() does not
        if buf[pos + j] != pat[j]:
            return False
    return True


@njit(cache=True, nogil=True)
def _token_end(buf: np.ndarray, i: int, end: int) -> int:
    """End of the token starting at i (whitespace or '<' ends it)."""
    while i < end:
        c = buf[i]
        if _is_ws(c) or c == 60:
            break
        i += 1
    return i


@njit(cache=True, nogil=True)
def _fast_float(buf: np.ndarray, i: int, stop: int) -> tuple[float, bool, int]:
    """Convert the token at ``buf[i]`` (ended by whitespace, '<' or ``stop``) when it is a
    plain decimal number on the exact fast path: (value, True, end of the token); else
    (nan, False, anything): the caller finds the token's end and converts it."""
    neg = False
    if i < stop and (buf[i] == 43 or buf[i] == 45):
        neg = buf[i] == 45
        i += 1
    mant = np.int64(0)
    nd = 0  # significant digits kept
    ndig = 0  # digits seen
    scale = 0  # decimal exponent correction
    while i < stop and 48 <= buf[i] <= 57:
        d = buf[i] - 48
        if nd > 0 or d != 0:
            if nd >= 18:
                return np.nan, False, i
            mant = mant * 10 + d
            nd += 1
        ndig += 1
        i += 1
    if i < stop and buf[i] == 46:
        i += 1
        while i < stop and 48 <= buf[i] <= 57:
            d = buf[i] - 48
            if nd > 0 or d != 0:
                if nd >= 18:
                    return np.nan, False, i
                mant = mant * 10 + d
                nd += 1
            scale -= 1
            ndig += 1
            i += 1
    if ndig == 0:
        return np.nan, False, i
    if i < stop:
        c = buf[i]
        if c == 101 or c == 69 or c == 100 or c == 68:  # e E d D
            i += 1
            eneg = False
            if i < stop and (buf[i] == 43 or buf[i] == 45):
                eneg = buf[i] == 45
                i += 1
            e = 0
            ne = 0
            while i < stop and 48 <= buf[i] <= 57:
                if e < 100000:
                    e = e * 10 + (buf[i] - 48)
                ne += 1
                i += 1
            if ne == 0:
                return np.nan, False, i
            scale += -e if eneg else e
    if i < stop and not (_is_ws(buf[i]) or buf[i] == 60):
        return np.nan, False, i
    if mant == 0:
        return (-0.0 if neg else 0.0), True, i
    if mant >= _TWO53:
        return np.nan, False, i
    v = float(mant)
    if scale < 0:
        if scale < -22:
            return np.nan, False, i
        v = v / _POW10[-scale]
    elif scale > 0:
        if scale > 22:
            return np.nan, False, i
        v = v * _POW10[scale]
    return (-v if neg else v), True, i


@njit(cache=True, nogil=True)
def _match_id(
    buf: np.ndarray, a: int, b: int, id_bytes: np.ndarray, id_off: np.ndarray, col: int
) -> bool:
    s = id_off[col]
    n = id_off[col + 1] - s
    if n != b - a:
        return False
    for j in range(n):  # noqa: SIM110
        if buf[a + j] != id_bytes[s + j]:
            return False
    return True


@njit(cache=True, nogil=True)
def _fail(
    out: np.ndarray, code: int, ev: int, pos: int, aux: int, n_parts: int, n_slow: int
) -> int:
    out[0] = ev
    out[1] = pos
    out[2] = aux
    out[3] = n_parts
    out[4] = n_slow
    return code


@njit(cache=True, nogil=True)
def parse_events(
    buf: np.ndarray,
    n_events: int,
    id_bytes: np.ndarray,
    id_off: np.ndarray,
    want_particles: bool,
    want_weights: bool,
    info: np.ndarray,
    weights: np.ndarray,
    parts: np.ndarray,
    slow: np.ndarray,
    out: np.ndarray,
) -> int:
    """Parse the ``n_events`` complete events of ``buf`` (uint8) into the given arrays.

    Args:
        buf: the bytes of a block of complete events.
        n_events: the number of ``</event>`` in ``buf``.
        id_bytes, id_off: the declared weight ids, concatenated, and their (k + 1,) offsets.
        want_particles: also parse the particle lines.
        want_weights: parse the ``<rwgt>`` weights (else they are skipped like other tags).
        info: (n_events, 6) output, event-info lines.
        weights: (n_events, k) output, NaN-filled by the caller (NaN stays where absent).
        parts: (capacity, 13) output, particle lines (unused unless asked).
        slow: (capacity, 5) int64 output: (kind, row, column, start, end) of the tokens the
            caller converts.
        out: (5,) int64 output: event (0-based), byte position, an auxiliary number, particles
            written, slow tokens written.

    Returns:
        A status: OK, an ERR_* code, or NEED_PARTS / NEED_SLOW when ``parts`` / ``slow`` is
        full (the caller retries with more room).
    """
    k = id_off.shape[0] - 1
    end = buf.shape[0]
    n_slow = 0
    seen = np.zeros(k, dtype=np.int64)  # event stamp + 1 of each column
    guess = np.zeros(max(k, 1) * 4, dtype=np.int64)  # column guessed for the j-th <wgt>
    for j in range(guess.shape[0]):
        guess[j] = j % max(k, 1)
    p_event, p_end, p_rwgt, p_rwgt_end = _P_EVENT, _P_END, _P_RWGT, _P_RWGT_END
    p_wgt, p_wgt_end = _P_WGT, _P_WGT_END
    np_ = 0
    i = 0
    ev = 0
    while True:
        s = _find(buf, p_event, i, end)
        while s >= 0 and s + 6 < end and not (_is_ws(buf[s + 6]) or buf[s + 6] == 62):
            s = _find(buf, p_event, s + 6, end)  # <eventgroup> and the like
        if s < 0:
            break
        if ev >= n_events:
            return _fail(out, ERR_NO_CLOSE, ev, s, 0, np_, n_slow)
        # a </event> between the previous event and this one has no <event>
        if _find(buf, p_end, i, s) >= 0:
            return _fail(out, ERR_UNBALANCED, ev, i, 0, np_, n_slow)
        p = s + 6
        while p < end and buf[p] != 62:
            p += 1
        p += 1
        while p < end and _is_ws(buf[p]):
            p += 1
        if p >= end or buf[p] == 60:
            if p < end and _startswith(buf, p, end, p_event):
                return _fail(out, ERR_NO_CLOSE, ev, s, 0, np_, n_slow)
            return _fail(out, ERR_NO_INFO, ev, s, 0, np_, n_slow)
        # event-info line: six numbers up to the end of the line
        for c in range(6):
            while p < end and (buf[p] == 32 or buf[p] == 9):
                p += 1
            if p >= end or buf[p] == 10 or buf[p] == 13 or buf[p] == 60:
                return _fail(out, ERR_INFO, ev, s, c, np_, n_slow)
            v, good, t = _fast_float(buf, p, end)
            if not good:
                t = _token_end(buf, p, end)
                if n_slow == slow.shape[0]:
                    return _fail(out, NEED_SLOW, ev, 0, 0, np_, n_slow)
                slow[n_slow, 0] = SLOW_INFO
                slow[n_slow, 1] = ev
                slow[n_slow, 2] = c
                slow[n_slow, 3] = p
                slow[n_slow, 4] = t
                n_slow += 1
            info[ev, c] = v
            p = t
        while p < end and (buf[p] == 32 or buf[p] == 9 or buf[p] == 13):
            p += 1
        if p < end and buf[p] != 10:
            return _fail(out, ERR_INFO, ev, s, 6, np_, n_slow)
        # particle lines: up to the first tag of the event
        listed = 0
        if want_particles:
            while True:
                while p < end and _is_ws(buf[p]):
                    p += 1
                if p >= end or buf[p] == 60:
                    break
                if buf[p] == 35:  # comment line
                    while p < end and buf[p] != 10:
                        p += 1
                    continue
                if np_ == parts.shape[0]:
                    return _fail(out, NEED_PARTS, ev, 0, 0, np_, n_slow)
                for c in range(13):
                    while p < end and (buf[p] == 32 or buf[p] == 9):
                        p += 1
                    if p >= end or buf[p] == 10 or buf[p] == 13 or buf[p] == 60:
                        return _fail(out, ERR_PARTICLE, ev, s, listed, np_, n_slow)
                    v, good, t = _fast_float(buf, p, end)
                    if not good:
                        t = _token_end(buf, p, end)
                        if n_slow == slow.shape[0]:
                            return _fail(out, NEED_SLOW, ev, 0, 0, np_, n_slow)
                        slow[n_slow, 0] = SLOW_PARTICLE
                        slow[n_slow, 1] = np_
                        slow[n_slow, 2] = c
                        slow[n_slow, 3] = p
                        slow[n_slow, 4] = t
                        n_slow += 1
                    parts[np_, c] = v
                    p = t
                while p < end and (buf[p] == 32 or buf[p] == 9 or buf[p] == 13):
                    p += 1
                if p < end and buf[p] != 10 and buf[p] != 60:
                    return _fail(out, ERR_PARTICLE, ev, s, listed, np_, n_slow)
                np_ += 1
                listed += 1
            nup = info[ev, 0]
            if nup != listed:
                return _fail(out, ERR_NPART, ev, s, listed, np_, n_slow)
        # the tags of the event, up to </event>
        closed = False
        while p < end:
            while p < end and buf[p] != 60:
                p += 1
            if p >= end:
                break
            if _startswith(buf, p, end, p_end):
                p += 8
                closed = True
                break
            if (
                _startswith(buf, p, end, p_event)
                and p + 6 < end
                and (_is_ws(buf[p + 6]) or buf[p + 6] == 62)
            ):
                return _fail(out, ERR_NO_CLOSE, ev, s, 0, np_, n_slow)
            if not want_weights or not _startswith(buf, p, end, p_rwgt):
                p += 1
                continue
            p += 6
            slot = 0
            while True:
                while p < end and _is_ws(buf[p]):
                    p += 1
                if _startswith(buf, p, end, p_rwgt_end):
                    p += 7
                    break
                if not _startswith(buf, p, end, p_wgt) or p + 4 >= end or not (_is_ws(buf[p + 4])):
                    return _fail(out, ERR_WGT_TAG, ev, p, 0, np_, n_slow)
                # the id attribute: first the fast path <wgt id='X'> with X the column guessed
                # for this slot, else any layout: id = 'X' or "X", spaces, other attributes
                if slot >= guess.shape[0]:
                    guess = np.concatenate((guess, guess))
                col = guess[slot] if k > 0 else -1
                fast = False
                if (
                    col >= 0
                    and p + 9 < end
                    and buf[p + 4] == 32
                    and buf[p + 5] == 105
                    and buf[p + 6] == 100
                    and buf[p + 7] == 61
                    and (buf[p + 8] == 39 or buf[p + 8] == 34)
                ):
                    a = p + 9
                    b = a + id_off[col + 1] - id_off[col]
                    if (
                        b + 1 < end
                        and buf[b] == buf[p + 8]
                        and buf[b + 1] == 62
                        and _match_id(buf, a, b, id_bytes, id_off, col)
                    ):
                        q = b + 1
                        fast = True
                if not fast:
                    q = p + 4
                    a = -1
                    b = -1
                    while q < end and buf[q] != 62:
                        if (
                            q + 1 < end
                            and (buf[q] == 105 or buf[q] == 73)
                            and (buf[q + 1] == 100 or buf[q + 1] == 68)
                            and _is_ws(buf[q - 1])
                        ):
                            r = q + 2
                            while r < end and _is_ws(buf[r]):
                                r += 1
                            if r < end and buf[r] == 61:
                                r += 1
                                while r < end and _is_ws(buf[r]):
                                    r += 1
                                if r < end and (buf[r] == 39 or buf[r] == 34):
                                    quote = buf[r]
                                    a = r + 1
                                    b = a
                                    while b < end and buf[b] != quote and buf[b] != 62:
                                        b += 1
                                    if b >= end or buf[b] != quote:
                                        return _fail(out, ERR_WGT_TAG, ev, p, 0, np_, n_slow)
                                    q = b
                        q += 1
                    if a < 0 or q >= end:
                        return _fail(out, ERR_WGT_TAG, ev, p, 0, np_, n_slow)
                    while a < b and _is_ws(buf[a]):
                        a += 1
                    while b > a and _is_ws(buf[b - 1]):
                        b -= 1
                    if k == 0 or not _match_id(buf, a, b, id_bytes, id_off, col):
                        col = -1
                        for cc in range(k):
                            if _match_id(buf, a, b, id_bytes, id_off, cc):
                                col = cc
                                break
                        if col < 0:
                            return _fail(out, ERR_WGT_ID, ev, a, b, np_, n_slow)
                        guess[slot] = col
                if seen[col] == ev + 1:
                    return _fail(out, ERR_WGT_DUP, ev, p, col, np_, n_slow)
                seen[col] = ev + 1
                p = q + 1
                while p < end and _is_ws(buf[p]):
                    p += 1
                if p >= end or buf[p] == 60:
                    return _fail(out, ERR_WGT_VALUE, ev, p, 0, np_, n_slow)
                v, good, t = _fast_float(buf, p, end)
                if not good:
                    t = _token_end(buf, p, end)
                    if n_slow == slow.shape[0]:
                        return _fail(out, NEED_SLOW, ev, 0, 0, np_, n_slow)
                    slow[n_slow, 0] = SLOW_WEIGHT
                    slow[n_slow, 1] = ev
                    slow[n_slow, 2] = col
                    slow[n_slow, 3] = p
                    slow[n_slow, 4] = t
                    n_slow += 1
                weights[ev, col] = v
                p = t
                while p < end and _is_ws(buf[p]):
                    p += 1
                if not _startswith(buf, p, end, p_wgt_end):
                    return _fail(out, ERR_WGT_VALUE, ev, p, 0, np_, n_slow)
                p += 6
                slot += 1
        if not closed:
            return _fail(out, ERR_NO_CLOSE, ev, s, 0, np_, n_slow)
        ev += 1
        i = p
    if ev != n_events:
        return _fail(out, ERR_UNBALANCED, ev, i, 0, np_, n_slow)
    return _fail(out, OK, ev, 0, 0, np_, n_slow)

"""Fast text of the ``<wgt>`` lines: a compiled writer of ``%+.7e`` numbers (MadGraph's layout,
``<wgt id='1'> +7.5079318e+08 </wgt>``), because Python's ``%`` formatting of ~10^7 numbers
dominates the rewrite otherwise.

The digits are the value scaled by a power of ten and rounded to eight significant digits in
double precision; printf rounds the exact binary value instead, so the last digit can differ by
one in rare near-tie cases (a relative difference below 1e-7 of the printed value; the test
measures how often). Without numba, Python's formatting is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover
    njit = None

_WIDTH = 16  # sign, digit, '.', 7 digits, 'e', sign, up to 3 exponent digits, slack
#: 10^k for k = -330..330, each the correctly rounded double (from the decimal literal)
_POW10 = np.array([float(f"1e{k}") for k in range(-330, 331)])


if njit is not None:

    @njit(cache=True, nogil=True)
    def _write(v: float, buf: np.ndarray, pos: int, pow10: np.ndarray) -> int:  # pragma: no cover
        if math.copysign(1.0, v) < 0:
            buf[pos] = 45  # '-'
        else:
            buf[pos] = 43  # '+'
        pos += 1
        a = abs(v)
        e = 0
        r = 0.0
        shift = 0
        if 0 < a < 1e-290:  # subnormal range: scale up first, the digits are exact either way
            a *= 1e300
            shift = 300
        if a > 0:
            e = math.floor(math.log10(a))
            for _ in range(3):
                s = 7 - e
                r = np.rint(a * pow10[s + 330]) if s >= 0 else np.rint(a / pow10[330 - s])
                if r >= 1e8:
                    e += 1
                elif r < 1e7:
                    e -= 1
                else:
                    break
        e -= shift
        # eight digits, a '.' after the first; unsigned division by constants (compiled to
        # multiplications)
        d = np.uint64(r)
        hi = d // np.uint64(10_000)
        lo = d - hi * np.uint64(10_000)
        buf[pos] = 48 + hi // np.uint64(1_000)
        buf[pos + 1] = 46  # '.'
        buf[pos + 2] = 48 + (hi // np.uint64(100)) % np.uint64(10)
        buf[pos + 3] = 48 + (hi // np.uint64(10)) % np.uint64(10)
        buf[pos + 4] = 48 + hi % np.uint64(10)
        buf[pos + 5] = 48 + lo // np.uint64(1_000)
        buf[pos + 6] = 48 + (lo // np.uint64(100)) % np.uint64(10)
        buf[pos + 7] = 48 + (lo // np.uint64(10)) % np.uint64(10)
        buf[pos + 8] = 48 + lo % np.uint64(10)
        pos += 9
        buf[pos] = 101  # 'e'
        buf[pos + 1] = 45 if e < 0 else 43
        pos += 2
        ae = abs(e)
        if ae >= 100:
            buf[pos] = 48 + ae // 100
            pos += 1
            ae = ae % 100
        buf[pos] = 48 + ae // 10
        buf[pos + 1] = 48 + ae % 10
        return pos + 2

    @njit(cache=True, nogil=True)
    def _lines(values, prefix, pre_off, suffix, out, ev_off, pow10):  # type: ignore[no-untyped-def]
        n, k = values.shape
        pos = 0
        for i in range(n):
            ev_off[i] = pos
            for j in range(k):
                for c in range(pre_off[j], pre_off[j + 1]):
                    out[pos] = prefix[c]
                    pos += 1
                pos = _write(values[i, j], out, pos, pow10)
                for c in range(suffix.shape[0]):
                    out[pos] = suffix[c]
                    pos += 1
        ev_off[n] = pos
        return pos

    @njit(cache=True, nogil=True)
    def _find_all(src, needle, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        """Start of every occurrence of ``needle`` in ``src`` (non-overlapping), into ``out``."""
        m = needle.shape[0]
        first = needle[0]
        count = 0
        i = 0
        end = src.shape[0] - m + 1
        while i < end and count < out.shape[0]:
            if src[i] == first:
                match = True
                for j in range(1, m):
                    if src[i + j] != needle[j]:
                        match = False
                        break
                if match:
                    out[count] = i
                    count += 1
                    i += m
                    continue
            i += 1
        return count

    @njit(cache=True, nogil=True)
    def _splice(src, cuts, head, tail, values, prefix, pre_off, suffix, out, pow10):  # type: ignore[no-untyped-def]  # pragma: no cover
        n, k = values.shape
        pos = 0
        prev = 0
        for i in range(n):
            c = cuts[i]
            out[pos : pos + c - prev] = src[prev:c]
            pos += c - prev
            prev = c
            out[pos : pos + head.shape[0]] = head
            pos += head.shape[0]
            for j in range(k):
                for b in range(pre_off[j], pre_off[j + 1]):
                    out[pos] = prefix[b]
                    pos += 1
                pos = _write(values[i, j], out, pos, pow10)
                for b in range(suffix.shape[0]):
                    out[pos] = suffix[b]
                    pos += 1
            out[pos : pos + tail.shape[0]] = tail
            pos += tail.shape[0]
        m = src.shape[0] - prev
        out[pos : pos + m] = src[prev:]
        return pos + m


def splice_weights(
    events: bytes, before: bytes, head: bytes, tail: bytes, ids: Sequence[str], weights: np.ndarray
) -> np.ndarray:
    """``events`` with, in front of the i-th ``before`` (e.g. ``</event>``), ``head``, the
    ``<wgt id='ID'> value </wgt>`` lines of row i of ``weights``, and ``tail``: one pass into
    one uint8 buffer. ``events`` must hold exactly ``len(weights)`` occurrences of ``before``."""
    n, k = weights.shape
    if njit is None or n == 0:
        texts = wgt_lines(ids, weights)
        pieces = events.split(before)
        out: list[bytes] = [b""] * (2 * n + 1)
        out[0::2] = pieces
        out[1::2] = [head + t + tail + before for t in texts]
        return np.frombuffer(b"".join(out), dtype=np.uint8)
    src = np.frombuffer(events, dtype=np.uint8)
    cuts = np.empty(n, dtype=np.int64)
    found = _find_all(src, np.frombuffer(before, dtype=np.uint8), cuts)
    if found != n:  # pragma: no cover - callers count first
        raise ValueError(f"expected {n} occurrences of {before!r}, found {found}")
    pre = [f"<wgt id='{i}'> ".encode() for i in ids]
    prefix = np.frombuffer(b"".join(pre), dtype=np.uint8)
    pre_off = np.concatenate([[0], np.cumsum([len(p) for p in pre])]).astype(np.int64)
    suffix = np.frombuffer(b" </wgt>\n", dtype=np.uint8)
    size = len(events) + n * (len(head) + len(tail) + int(pre_off[-1]) + k * (_WIDTH + len(suffix)))
    out_buf = np.empty(size, dtype=np.uint8)
    end = _splice(
        src,
        cuts,
        np.frombuffer(head, dtype=np.uint8),
        np.frombuffer(tail, dtype=np.uint8),
        np.ascontiguousarray(weights, dtype=np.float64),
        prefix,
        pre_off,
        suffix,
        out_buf,
        _POW10,
    )
    return out_buf[:end]


def wgt_lines(ids: Sequence[str], weights: np.ndarray) -> list[bytes]:
    """Per event, the ``<wgt id='ID'> value </wgt>`` lines of its weights (rows of ``weights``)."""
    n, k = weights.shape
    if njit is None or n == 0:
        line = "".join(f"<wgt id='{i}'> %+.7e </wgt>\n" for i in ids) + "\x1e"
        return ((line * n) % tuple(weights.ravel())).encode().split(b"\x1e")[:n]
    pre = [f"<wgt id='{i}'> ".encode() for i in ids]
    prefix = np.frombuffer(b"".join(pre), dtype=np.uint8)
    pre_off = np.concatenate([[0], np.cumsum([len(p) for p in pre])]).astype(np.int64)
    suffix = np.frombuffer(b" </wgt>\n", dtype=np.uint8)
    size = n * (int(pre_off[-1]) + k * (_WIDTH + len(suffix)))
    out = np.empty(size, dtype=np.uint8)
    ev_off = np.empty(n + 1, dtype=np.int64)
    _lines(
        np.ascontiguousarray(weights, dtype=np.float64),
        prefix,
        pre_off,
        suffix,
        out,
        ev_off,
        _POW10,
    )
    data = out.tobytes()
    return [data[ev_off[i] : ev_off[i + 1]] for i in range(n)]

"""The compiled (numba) engine of :mod:`scaleuq.reweight.formatting`: ``%+.7e`` numbers written
as bytes, and the one-pass splice of ``<wgt>`` lines into a block of events.

Importing this module imports numba (about a second with its set-up): only
:mod:`scaleuq.reweight.formatting` imports it, when a file is big enough to need it. Its numpy
twin there performs the same floating-point operations, so both give the same bytes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: log10(2), for the first guess of the decimal exponent
LOG10_2 = 0.30102999566398120
#: "00", "01", .., "99" as bytes
LUT = np.frombuffer(b"".join(f"{i:02d}".encode() for i in range(100)), dtype=np.uint8).copy()


@njit(cache=True, nogil=True, inline="always")
def write_number(
    v: float, buf: np.ndarray, pos: int, pow10: np.ndarray, lut: np.ndarray
) -> int:  # pragma: no cover
    """``%+.7e`` of ``v`` into buf[pos:]; the position after it. The exponent starts from
    floor((e2 - 1) log10 2) (``frexp``'s e2: the decimal exponent or one below it) and at most
    three roundings correct it; the digits come in pairs from ``lut`` ("00".."99")."""
    if math.copysign(1.0, v) < 0:
        buf[pos] = 45  # '-'
    else:
        buf[pos] = 43  # '+'
    a = abs(v)
    e = 0
    r = 0.0
    shift = 0
    if 0 < a < 1e-290:  # subnormal range: scale up first, the digits are exact either way
        a *= 1e300
        shift = 300
    if a > 0:
        e = math.floor((math.frexp(a)[1] - 1) * LOG10_2)
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
    # eight digits in four pairs, a '.' after the first digit
    d = np.int64(r)
    hi = d // 10_000
    lo = d - hi * 10_000
    h1 = hi // 100
    h2 = hi - h1 * 100
    l1 = lo // 100
    l2 = lo - l1 * 100
    buf[pos + 1] = lut[2 * h1]
    buf[pos + 2] = 46  # '.'
    buf[pos + 3] = lut[2 * h1 + 1]
    buf[pos + 4] = lut[2 * h2]
    buf[pos + 5] = lut[2 * h2 + 1]
    buf[pos + 6] = lut[2 * l1]
    buf[pos + 7] = lut[2 * l1 + 1]
    buf[pos + 8] = lut[2 * l2]
    buf[pos + 9] = lut[2 * l2 + 1]
    buf[pos + 10] = 101  # 'e'
    if e < 0:
        buf[pos + 11] = 45
        ae = -e
    else:
        buf[pos + 11] = 43
        ae = e
    pos += 12
    if ae >= 100:
        q = ae // 100
        buf[pos] = 48 + q
        pos += 1
        ae = ae - q * 100
    buf[pos] = lut[2 * ae]
    buf[pos + 1] = lut[2 * ae + 1]
    return pos + 2


@njit(cache=True, nogil=True)
def lines(values, prefix, pre_off, suffix, out, ev_off, pow10):  # type: ignore[no-untyped-def]
    n, k = values.shape
    pos = 0
    for i in range(n):
        ev_off[i] = pos
        for j in range(k):
            for c in range(pre_off[j], pre_off[j + 1]):
                out[pos] = prefix[c]
                pos += 1
            pos = write_number(values[i, j], out, pos, pow10, LUT)
            for c in range(suffix.shape[0]):
                out[pos] = suffix[c]
                pos += 1
    ev_off[n] = pos
    return pos


@njit(cache=True, nogil=True)
def find_all(src, needle, out):  # type: ignore[no-untyped-def]  # pragma: no cover
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
def splice(src, cuts, head, tail, values, prefix, pre_off, suffix, out, pow10):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``src`` with, before each cut, ``head``, the ``<wgt>`` lines of a row of ``values`` and
    ``tail``, into ``out``; the length written. An event whose numbers all have two exponent
    digits (all but |v| >= 9.9e99 or < 1.1e-99) gets its lines as one copy of a template and
    the numbers written into their places; any other, byte by byte (the same bytes)."""
    n, k = values.shape
    ns = suffix.shape[0]
    size = pre_off[k] + k * (14 + ns)
    tmpl = np.empty(size, dtype=np.uint8)
    at = np.empty(k, dtype=np.int64)
    t = 0
    for j in range(k):
        for b in range(pre_off[j], pre_off[j + 1]):
            tmpl[t] = prefix[b]
            t += 1
        at[j] = t
        tmpl[t : t + 14] = 32  # the number's place
        t += 14
        for b in range(ns):
            tmpl[t] = suffix[b]
            t += 1
    pos = 0
    prev = 0
    for i in range(n):
        c = cuts[i]
        out[pos : pos + c - prev] = src[prev:c]
        pos += c - prev
        prev = c
        out[pos : pos + head.shape[0]] = head
        pos += head.shape[0]
        narrow = True
        for j in range(k):
            a = abs(values[i, j])
            if a >= 9.9e99 or (a != 0.0 and a < 1.1e-99):
                narrow = False
                break
        if narrow:
            out[pos : pos + size] = tmpl
            for j in range(k):
                write_number(values[i, j], out, pos + at[j], pow10, LUT)
            pos += size
        else:
            for j in range(k):
                for b in range(pre_off[j], pre_off[j + 1]):
                    out[pos] = prefix[b]
                    pos += 1
                pos = write_number(values[i, j], out, pos, pow10, LUT)
                for b in range(ns):
                    out[pos] = suffix[b]
                    pos += 1
        out[pos : pos + tail.shape[0]] = tail
        pos += tail.shape[0]
    m = src.shape[0] - prev
    out[pos : pos + m] = src[prev:]
    return pos + m

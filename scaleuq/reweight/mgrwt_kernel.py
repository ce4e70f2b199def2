"""The compiled (numba) pass over MadEvent's plain ``<mgrwt>`` blocks, for big files.

:func:`plain_values` reads, from every ``<mgrwt>`` of a block of events, the eleven numbers that
:func:`scaleuq.reweight.mgrwt.parse_mgrwt`'s one-regex path reads (``<rscale>``'s two, each
``<pdfrwt>``'s beam, then its parton id, x and scale, ``<totfact>``) in one pass, without the
regex and the text-to-float conversion of the joined text. A number is converted only when
the conversion is exact: at most 15 significant digits and a decimal exponent of at most 22
(Clinger's fast path: the digits, an exact integer, times or divided by an exact power of
ten, rounded once), so the values equal those of C's correctly rounded ``strtod`` bit for bit.
Anything else (another layout, a CKKW history, a longer number, ``d`` exponents) makes the
pass give up, and the regex path runs.

Importing this module imports numba: :mod:`scaleuq.reweight.mgrwt` imports it only for the
``compiled`` engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: 10^0 .. 10^22, exact doubles
_EXACT = np.array([10.0**k for k in range(23)])


@njit(cache=True, nogil=True, inline="always")
def _space(c: int) -> bool:  # pragma: no cover - compiled
    return c == 32 or 9 <= c <= 13


@njit(cache=True, nogil=True, inline="always")
def _skip(src, i):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    while i < src.shape[0] and _space(src[i]):
        i += 1
    return i


@njit(cache=True, nogil=True, inline="always")
def _literal(src, i, word):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Position after ``word`` at ``i``, or -1."""
    if i + word.shape[0] > src.shape[0]:
        return -1
    for k in range(word.shape[0]):
        if src[i + k] != word[k]:
            return -1
    return i + word.shape[0]


@njit(cache=True, nogil=True)
def _number(src, i, exact, out, slot):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Parse the number at ``i`` into out[slot]; the position after it, or -1 (not a plain
    decimal number ending at white space or '<', or not exactly convertible)."""
    n = src.shape[0]
    neg = False
    if i < n and (src[i] == 43 or src[i] == 45):
        neg = src[i] == 45
        i += 1
    mant = 0
    sig = 0
    digits = 0
    point = -1
    scale = 0
    while i < n:
        c = src[i]
        if 48 <= c <= 57:
            digits += 1
            if sig > 0 or c != 48:
                sig += 1
                if sig > 15:
                    return -1
                mant = mant * 10 + (c - 48)
            if point >= 0:
                scale += 1
        elif c == 46 and point < 0:
            point = i
        else:
            break
        i += 1
    if digits == 0:
        return -1
    exp = 0
    if i < n and (src[i] == 69 or src[i] == 101):
        i += 1
        eneg = False
        if i < n and (src[i] == 43 or src[i] == 45):
            eneg = src[i] == 45
            i += 1
        edigits = 0
        while i < n and 48 <= src[i] <= 57:
            exp = exp * 10 + (src[i] - 48)
            edigits += 1
            if exp > 10000:
                return -1
            i += 1
        if edigits == 0:
            return -1
        if eneg:
            exp = -exp
    if i < n and not (_space(src[i]) or src[i] == 60):
        return -1
    p = exp - scale
    if mant == 0:
        v = 0.0
    elif 0 <= p <= 22:
        v = float(mant) * exact[p]
    elif -22 <= p < 0:
        v = float(mant) / exact[-p]
    else:
        return -1
    out[slot] = -v if neg else v
    return i


@njit(cache=True, nogil=True)
def _numbers(src, i, k, exact, out, slot):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``k`` numbers separated by white space (leading white space skipped), or -1."""
    for j in range(k):
        i = _skip(src, i)
        i = _number(src, i, exact, out, slot + j)
        if i < 0:
            return -1
    return _skip(src, i)


@njit(cache=True, nogil=True)
def _pdfrwt(src, i, words, exact, out, slot):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """``<pdfrwt beam="B">  1 ID X Q</pdfrwt>`` at ``i`` (the layout of the regex path): beam,
    id, x, q into out[slot:slot + 4]; the position after it and its white space, or -1."""
    i = _literal(src, i, words[3])
    if i < 0 or i >= src.shape[0] or not _space(src[i]):
        return -1
    i = _skip(src, i)
    i = _literal(src, i, words[4])  # beam
    if i < 0:
        return -1
    i = _skip(src, i)
    if i >= src.shape[0] or src[i] != 61:  # '='
        return -1
    i = _skip(src, i + 1)
    quote = 0
    if i < src.shape[0] and (src[i] == 34 or src[i] == 39):
        quote = src[i]
        i += 1
    if i >= src.shape[0] or not (src[i] == 49 or src[i] == 50):
        return -1
    out[slot] = float(src[i] - 48)
    i += 1
    if quote and (i >= src.shape[0] or src[i] != quote):
        return -1
    if quote:
        i += 1
    i = _skip(src, i)
    if i >= src.shape[0] or src[i] != 62:  # '>'
        return -1
    i = _skip(src, i + 1)
    # the entry count: exactly "1" and a white space (no CKKW history)
    if i + 1 >= src.shape[0] or src[i] != 49 or not _space(src[i + 1]):
        return -1
    i = _numbers(src, i + 1, 3, exact, out, slot + 1)
    if i < 0:
        return -1
    i = _literal(src, i, words[5])
    return -1 if i < 0 else _skip(src, i)


@njit(cache=True, nogil=True)
def _plain(src, n, words, exact, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """out (n, 11) from the n ``<mgrwt>`` blocks of ``src``; False when one is not plain or
    their number is not n."""
    opening = words[0]
    m = opening.shape[0]
    end = src.shape[0] - m + 1
    found = 0
    i = 0
    while i < end:
        if src[i] != 60 or src[i + 1] != 109:  # "<m"
            i += 1
            continue
        j = _literal(src, i, opening)
        if j < 0:
            i += 1
            continue
        if found >= n:
            return False
        row = out[found]
        j = _skip(src, j)
        j = _literal(src, j, words[1])  # <rscale>
        if j < 0:
            return False
        j = _numbers(src, j, 2, exact, row, 0)
        if j < 0:
            return False
        j = _literal(src, j, words[2])  # </rscale>
        if j < 0:
            return False
        j = _skip(src, j)
        j = _literal(src, j, words[6])  # <asrwt>
        if j < 0:
            return False
        j = _skip(src, j)
        if j >= src.shape[0] or src[j] != 48:  # "0"
            return False
        j = _skip(src, j + 1)
        j = _literal(src, j, words[7])  # </asrwt>
        if j < 0:
            return False
        j = _skip(src, j)
        j = _pdfrwt(src, j, words, exact, row, 2)
        if j < 0:
            return False
        j = _pdfrwt(src, j, words, exact, row, 6)
        if j < 0:
            return False
        j = _literal(src, j, words[8])  # <totfact>
        if j < 0:
            return False
        j = _numbers(src, j, 1, exact, row, 10)
        if j < 0:
            return False
        j = _literal(src, j, words[9])  # </totfact>
        if j < 0:
            return False
        j = _skip(src, j)
        j = _literal(src, j, words[10])  # </mgrwt>
        if j < 0:
            return False
        found += 1
        i = j
    return found == n


_WORDS = [
    b"<mgrwt>", b"<rscale>", b"</rscale>", b"<pdfrwt", b"beam", b"</pdfrwt>", b"<asrwt>",
    b"</asrwt>", b"<totfact>", b"</totfact>", b"</mgrwt>",
]  # fmt: skip


def plain_values(buf: bytes, n: int) -> np.ndarray | None:
    """(n, 11) numbers of the n plain ``<mgrwt>`` blocks of ``buf`` (see the module
    docstring), or None when the regex path must read them."""
    words = tuple(np.frombuffer(w, dtype=np.uint8) for w in _WORDS)
    out = np.empty((n, 11))
    ok = _plain(np.frombuffer(buf, dtype=np.uint8), n, words, _EXACT, out)
    return out if ok else None

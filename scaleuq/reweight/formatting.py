"""Fast text of the ``<wgt>`` lines: ``%+.7e`` numbers (MadGraph's layout,
``<wgt id='1'> +7.5079318e+08 </wgt>``) written as bytes, because Python's ``%`` formatting of
~10^7 numbers dominates the rewrite otherwise.

The digits are the value scaled by a power of ten and rounded to eight significant digits in
double precision; printf rounds the exact binary value instead, so the last digit can differ by
one in rare near-tie cases (a relative difference below 1e-7 of the printed value; the tests
compare with printf). Two engines write the same bytes (``tests/test_reweight_engines.py``):

* ``compiled``: one numba pass (:mod:`scaleuq.reweight.formatting_kernel`, imported only when
  this engine runs);
* ``numpy``: the same floating-point operations vectorised over all numbers (the same first
  guess of the decimal exponent, ``floor((e2 - 1) log10 2)`` from ``frexp``, corrected by the same
  rounding steps), assembled column by column; for small files, where numba's start-up costs
  more than the formatting, and where numba is not installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence

import numpy as np

#: the engines: ``compiled`` (numba) and ``numpy``
ENGINES = ("compiled", "numpy")
_WIDTH = 16  # sign, digit, '.', 7 digits, 'e', sign, up to 3 exponent digits, slack
#: 10^k for k = -330..330, each the correctly rounded double (from the decimal literal)
_POW10 = np.array([float(f"1e{k}") for k in range(-330, 331)])
_SUFFIX = b" </wgt>\n"
_LOG10_2 = 0.30102999566398120
_HAVE_NUMBA: list[bool] = []


def _engine(engine: str | None) -> str:
    """``engine``, or ``compiled`` when numba is installed (else ``numpy``) for None."""
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"unknown formatting engine '{engine}'; choose one of {ENGINES}")
    if not _HAVE_NUMBA:
        _HAVE_NUMBA.append(importlib.util.find_spec("numba") is not None)
    if engine == "numpy" or not _HAVE_NUMBA[0]:
        return "numpy"
    return "compiled"


def _prefixes(ids: Sequence[str]) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    pre = [f"<wgt id='{i}'> ".encode() for i in ids]
    prefix = np.frombuffer(b"".join(pre), dtype=np.uint8)
    pre_off = np.concatenate([[0], np.cumsum([len(p) for p in pre])]).astype(np.int64)
    return pre, prefix, pre_off


def format_numbers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``%+.7e`` text of every value (the compiled writer's arithmetic, vectorised).

    Returns:
        (N, 15) uint8 characters and (N,) widths (14, or 15 with a three-digit exponent).
    """
    v = np.ascontiguousarray(values, dtype=np.float64).ravel()
    n = v.size
    neg = np.signbit(v)
    a = np.abs(v)
    sub = (a > 0) & (a < 1e-290)  # subnormal range: scaled up first, as the compiled writer
    if sub.any():
        a[sub] *= 1e300
    pos = a > 0
    # the compiled writer's first guess: floor((e2 - 1) log10 2), e2 from frexp
    e = np.floor((np.frexp(a)[1] - 1) * _LOG10_2).astype(np.int64)
    e[~pos] = 0
    r = np.zeros(n)
    todo = np.flatnonzero(pos)
    for _ in range(3):
        if not todo.size:
            break
        s = 7 - e[todo]
        at = a[todo]
        rt = np.where(
            s >= 0,
            np.rint(at * _POW10[np.clip(s + 330, 0, 660)]),
            np.rint(at / _POW10[np.clip(330 - s, 0, 660)]),
        )
        r[todo] = rt
        up = rt >= 1e8
        down = rt < 1e7
        e[todo] += up.astype(np.int64) - down.astype(np.int64)
        todo = todo[up | down]
    if sub.any():
        e[sub] -= 300
    d = r.astype(np.uint64)
    hi = d // np.uint64(10_000)
    lo = d - hi * np.uint64(10_000)
    out = np.empty((n, 15), dtype=np.uint8)
    out[:, 0] = np.where(neg, 45, 43)
    out[:, 1] = 48 + hi // np.uint64(1_000)
    out[:, 2] = 46
    out[:, 3] = 48 + (hi // np.uint64(100)) % np.uint64(10)
    out[:, 4] = 48 + (hi // np.uint64(10)) % np.uint64(10)
    out[:, 5] = 48 + hi % np.uint64(10)
    out[:, 6] = 48 + lo // np.uint64(1_000)
    out[:, 7] = 48 + (lo // np.uint64(100)) % np.uint64(10)
    out[:, 8] = 48 + (lo // np.uint64(10)) % np.uint64(10)
    out[:, 9] = 48 + lo % np.uint64(10)
    out[:, 10] = 101  # 'e'
    out[:, 11] = np.where(e < 0, 45, 43)
    ae = np.abs(e)
    three = ae >= 100
    out[:, 12] = np.where(three, 48 + ae // 100, 48 + ae // 10)
    out[:, 13] = np.where(three, 48 + (ae % 100) // 10, 48 + ae % 10)
    out[:, 14] = 48 + ae % 10
    return out, np.where(three, 15, 14)


def _blocks_numpy(ids: Sequence[str], weights: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The ``<wgt>`` lines of every event, concatenated, and the (n + 1,) event offsets."""
    n, k = weights.shape
    pre, _, _ = _prefixes(ids)
    chars, width = format_numbers(weights)
    wide = bool((width == 15).any())
    w = 15 if wide else 14
    # one event's text as columns: prefix_j, w value characters, suffix, for each j
    template = bytearray()
    value_cols = np.empty((k, w), dtype=np.int64)
    for j, p in enumerate(pre):
        template += p
        value_cols[j] = np.arange(len(template), len(template) + w)
        template += b"\x00" * w + _SUFFIX
    rows = np.empty((n, len(template)), dtype=np.uint8)
    rows[:] = np.frombuffer(bytes(template), dtype=np.uint8)
    rows[:, value_cols.ravel()] = chars[:, :w].reshape(n, k * w)
    if not wide:
        return rows.tobytes(), np.arange(n + 1, dtype=np.int64) * len(template)
    keep = np.ones(rows.shape, dtype=bool)
    keep[:, value_cols[:, 14]] = width.reshape(n, k) == 15
    lengths = keep.sum(axis=1)
    return rows[keep].tobytes(), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def splice_weights(
    events: bytes,
    before: bytes,
    head: bytes,
    tail: bytes,
    ids: Sequence[str],
    weights: np.ndarray,
    *,
    engine: str | None = None,
    buffer: Callable[[int], np.ndarray] | None = None,
) -> np.ndarray:
    """``events`` with, in front of the i-th ``before`` (e.g. ``</event>``), ``head``, the
    ``<wgt id='ID'> value </wgt>`` lines of row i of ``weights``, and ``tail``, as one uint8
    buffer. ``events`` must hold exactly ``len(weights)`` occurrences of ``before``.
    ``buffer(size)``: where the compiled engine writes (a uint8 array of at least ``size``
    bytes, e.g. a recycled one: fresh memory costs a page fault per 4 kB, 0.6 s per 500 MB
    here); default a new array. The result is a view of it.
    ``engine``: ``compiled`` (one numba pass; the default where numba is installed) or
    ``numpy``; the same bytes either way."""
    n, k = weights.shape
    if _engine(engine) == "numpy" or n == 0:
        pieces = events.split(before)
        if len(pieces) != n + 1:
            raise ValueError(f"expected {n} occurrences of {before!r}, found {len(pieces) - 1}")
        text, off = _blocks_numpy(ids, weights) if n else (b"", np.zeros(1, dtype=np.int64))
        out: list[bytes] = [b""] * (2 * n + 1)
        out[0::2] = pieces
        join = head
        out[1::2] = [join + text[off[i] : off[i + 1]] + tail + before for i in range(n)]
        return np.frombuffer(b"".join(out), dtype=np.uint8)
    from scaleuq.reweight import formatting_kernel as kernel

    src = np.frombuffer(events, dtype=np.uint8)
    cuts = np.empty(n, dtype=np.int64)
    found = kernel.find_all(src, np.frombuffer(before, dtype=np.uint8), cuts)
    if found != n:  # pragma: no cover - callers count first
        raise ValueError(f"expected {n} occurrences of {before!r}, found {found}")
    _, prefix, pre_off = _prefixes(ids)
    suffix = np.frombuffer(_SUFFIX, dtype=np.uint8)
    size = len(events) + n * (len(head) + len(tail) + int(pre_off[-1]) + k * (_WIDTH + len(suffix)))
    out_buf = np.empty(size, dtype=np.uint8) if buffer is None else buffer(size)
    end = kernel.splice(
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


def wgt_lines(ids: Sequence[str], weights: np.ndarray, *, engine: str | None = None) -> list[bytes]:
    """Per event, the ``<wgt id='ID'> value </wgt>`` lines of its weights (rows of ``weights``);
    ``engine`` as for :func:`splice_weights`."""
    n, k = weights.shape
    if n == 0:
        return []
    if _engine(engine) == "numpy":
        text, off = _blocks_numpy(ids, weights)
        return [text[off[i] : off[i + 1]] for i in range(n)]
    from scaleuq.reweight import formatting_kernel as kernel

    _, prefix, pre_off = _prefixes(ids)
    suffix = np.frombuffer(_SUFFIX, dtype=np.uint8)
    size = n * (int(pre_off[-1]) + k * (_WIDTH + len(suffix)))
    out = np.empty(size, dtype=np.uint8)
    ev_off = np.empty(n + 1, dtype=np.int64)
    kernel.lines(
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

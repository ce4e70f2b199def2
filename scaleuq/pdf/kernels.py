"""Interpolation kernels for points inside the grid, compiled (numba) or numpy, with the same
arithmetic.

The same arithmetic as the numpy path in :mod:`scaleuq.pdf.grid` (LHAPDF's log-bicubic, or
Pythia's LHAGrid1 Lagrange): per point, the 4 x 4 knot weights computed once and applied to every
member. Two engines give the same numbers bit for bit (``tests/test_reweight_engines.py``):

* ``compiled``: one numba loop over points, compiled on first use and cached on disk
  (``cache=True``). numba is imported only then (its import and set-up cost about a second),
  never when this module is imported;
* ``numpy``: the same operations in the same order, vectorised over points (the sum over the 16
  knots accumulated knot by knot, a knot of weight 0 skipped), for small inputs, where numba's
  start-up would cost more than the interpolation, and when numba is not installed.

:func:`use_engine` chooses the engine for the current thread (context); the default is
``compiled`` where numba is installed.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

#: the engines: ``compiled`` (numba) and ``numpy``
ENGINES = ("compiled", "numpy")
_ENGINE: ContextVar[str | None] = ContextVar("scaleuq_pdf_kernel_engine", default=None)
_LOCK = threading.Lock()
_COMPILED: dict[str, Callable[..., Any]] = {}
_HAVE_NUMBA: list[bool] = []
#: the compiled binary search, called by the compiled kernels (set by :func:`_compiled`)
_below: Any = None


def available() -> bool:
    """True when the compiled kernels can be used (numba is installed; not imported here)."""
    if not _HAVE_NUMBA:
        _HAVE_NUMBA.append(importlib.util.find_spec("numba") is not None)
    return _HAVE_NUMBA[0]


@contextmanager
def use_engine(engine: str) -> Iterator[None]:
    """Interpolate with ``engine`` (``compiled`` or ``numpy``) inside the block (this thread's
    context only); ``compiled`` falls back to numpy where numba is not installed."""
    if engine not in ENGINES:
        raise ValueError(f"unknown kernel engine '{engine}'; choose one of {', '.join(ENGINES)}")
    token = _ENGINE.set(engine)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def current_engine() -> str:
    """The engine interpolation uses here and now."""
    engine = _ENGINE.get() or "compiled"
    return "compiled" if engine == "compiled" and available() else "numpy"


def _compiled() -> dict[str, Callable[..., Any]]:
    """The numba kernels, compiled (or loaded from numba's cache) on first use."""
    global _below
    with _LOCK:
        if not _COMPILED:
            from numba import njit

            _below = njit(cache=True, nogil=True, inline="always")(_below_src)
            _COMPILED["hermite"] = njit(cache=True, nogil=True)(_hermite_src)
            _COMPILED["lagrange"] = njit(cache=True, nogil=True)(_lagrange_src)
    return _COMPILED


def hermite(vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out) -> None:  # type: ignore[no-untyped-def]
    """LHAPDF logcubic interpolation into ``out`` (see :func:`_hermite_src` for the arguments),
    with the engine of :func:`current_engine`."""
    if current_engine() == "compiled":
        _compiled()["hermite"](vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out)
    else:
        _hermite_numpy(vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out)


def lagrange(vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out) -> None:  # type: ignore[no-untyped-def]
    """Pythia's LHAGrid1 interpolation into ``out`` (see :func:`_lagrange_src`), with the engine
    of :func:`current_engine`."""
    if current_engine() == "compiled":
        _compiled()["lagrange"](
            vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out
        )
    else:
        _lagrange_numpy(vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out)


# --- the numpy engine: the compiled loops' operations, in their order, over all points at once


def _below_numpy(knots: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`_below_src` for every point: largest i with knots[i] <= v, clipped to
    [0, len(knots) - 2]."""
    return np.clip(np.searchsorted(knots, v, side="right") - 1, 0, len(knots) - 2)


def _below_sub(
    lq: np.ndarray, sub_start: np.ndarray, sub_len: np.ndarray, s: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """:func:`_below_numpy` inside each point's subgrid ``s``."""
    out = np.zeros(len(v), dtype=np.int64)
    for k in range(len(sub_start)):
        sel = s == k
        if sel.any():
            st, n = int(sub_start[k]), int(sub_len[k])
            out[sel] = _below_numpy(lq[st : st + n], v[sel])
    return out


def _accumulate(
    vt: np.ndarray,
    cols: np.ndarray,
    xi0: np.ndarray,
    qi0: np.ndarray,
    wx: list[np.ndarray],
    wq: list[np.ndarray],
    nqx: int,
    out: np.ndarray,
) -> None:
    """out[:, p] = sum over a, b of wx[a] wq[b] vt[cols, xi0 + a, qi0 + b] in the compiled
    loops' order, knots whose weight is 0 skipped (adding 0.0 leaves a sum that started at +0.0
    as it is); points with ``cols`` < 0 give 0."""
    nx, nq = vt.shape[1], vt.shape[2]
    c = np.maximum(cols, 0)
    acc = np.zeros((len(cols), vt.shape[3]))
    for a in range(4):
        xi = np.clip(xi0 + a, 0, nx - 1)
        for b in range(nqx):
            w = wx[a] * wq[b]
            used = w != 0.0
            if not used.any():
                continue
            qi = np.clip(qi0 + b, 0, nq - 1)
            acc += np.where(used[:, None], w[:, None] * vt[c, xi, qi], 0.0)
    acc[cols < 0] = 0.0
    out[...] = acc.T


def _hermite_numpy(vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out) -> None:  # type: ignore[no-untyped-def]
    """:func:`_hermite_src` vectorised over points."""
    n = logx.shape[0]
    if n == 0:
        return
    nx = lx.shape[0]
    s = np.zeros(n, dtype=np.int64)
    for j in range(1, sub_start.shape[0]):
        s = np.where(lq[sub_start[j]] <= logq2, j, s)
    st = sub_start[s]
    nq = sub_len[s]
    ix = _below_numpy(lx, logx)
    dx1 = lx[ix + 1] - lx[ix]
    t = (logx - lx[ix]) / dx1
    t2 = t * t
    t3 = t2 * t
    h00 = 2 * t3 - 3 * t2 + 1
    h10 = t3 - 2 * t2 + t
    h01 = -2 * t3 + 3 * t2
    h11 = t3 - t2
    first = ix == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        dl = lx[ix] - lx[np.maximum(ix - 1, 0)]
        a_m1 = np.where(first, 0.0, -0.5 / dl)
        a_0 = np.where(first, -1.0 / dx1, 0.5 / dl - 0.5 / dx1)
        a_p1 = np.where(first, 1.0 / dx1, 0.5 / dx1)
        last = ix + 1 == nx - 1
        dr = lx[np.minimum(ix + 2, nx - 1)] - lx[ix + 1]
        b_0 = np.where(last, -1.0 / dx1, -0.5 / dx1)
        b_p1 = np.where(last, 1.0 / dx1, 0.5 / dx1 - 0.5 / dr)
        b_p2 = np.where(last, 0.0, 0.5 / dr)
    sx = h10 * dx1
    ux = h11 * dx1
    wx = [sx * a_m1, h00 + sx * a_0 + ux * b_0, h01 + sx * a_p1 + ux * b_p1, ux * b_p2]
    iq = _below_sub(lq, sub_start, sub_len, s, logq2)
    dq1 = lq[st + iq + 1] - lq[st + iq]
    u = (logq2 - lq[st + iq]) / dq1
    u2 = u * u
    u3 = u2 * u
    g00 = 2 * u3 - 3 * u2 + 1
    g10 = u3 - 2 * u2 + u
    g01 = -2 * u3 + 3 * u2
    g11 = u3 - u2
    lower = iq == 0
    upper = iq + 1 == nq - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        r0 = dq1 / (lq[st + iq] - lq[np.maximum(st + iq - 1, 0)])
        r2 = dq1 / (lq[np.minimum(st + iq + 2, lq.shape[0] - 1)] - lq[st + iq + 1])
    dl_m1 = np.where(lower, 0.0, -0.5 * r0)
    dl_0 = np.where(lower, -1.0, -0.5 + 0.5 * r0)
    dl_p1 = np.where(lower, 1.0, 0.5)
    dh_0 = np.where(upper, -1.0, -0.5)
    dh_p1 = np.where(upper, 1.0, 0.5 - 0.5 * r2)
    dh_p2 = np.where(upper, 0.0, 0.5 * r2)
    wq = [
        g10 * dl_m1,
        g00 + g10 * dl_0 + g11 * dh_0,
        g01 + g10 * dl_p1 + g11 * dh_p1,
        g11 * dh_p2,
    ]
    two = nq == 2  # LHAPDF's fallback: bilinear
    if two.any():
        zero = np.zeros(n)
        wq = [np.where(two, z, w) for z, w in zip((zero, 1 - u, u, zero), wq)]
        wx = [np.where(two, z, w) for z, w in zip((zero, 1 - t, t, zero), wx)]
    _accumulate(vt, cols, ix - 1, st + iq - 1, wx, wq, 4, out)


def _lagrange_weights(knots: np.ndarray, base: np.ndarray, v: np.ndarray) -> list[np.ndarray]:
    """The 4-point Lagrange weights of :func:`_lagrange_src` (products in its order)."""
    ws = []
    with np.errstate(divide="ignore", invalid="ignore"):  # rows of short subgrids: not used
        for i in range(4):
            w = np.ones(len(v))
            for j in range(4):
                if j != i:
                    w = w * ((v - knots[base + j]) / (knots[base + i] - knots[base + j]))
            ws.append(w)
    return ws


def _lagrange_numpy(
    vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out
) -> None:  # type: ignore[no-untyped-def]
    """:func:`_lagrange_src` vectorised over points."""
    n = logx.shape[0]
    if n == 0:
        return
    nx = lx.shape[0]
    s = np.zeros(n, dtype=np.int64)
    for j in range(1, sub_start.shape[0]):
        s = np.where(logq > lq[sub_start[j - 1] + sub_len[j - 1] - 1], j, s)
    st = sub_start[s]
    nq = sub_len[s]
    one, zero = np.ones(n), np.zeros(n)
    lo = _below_numpy(lx, logx)
    m3x_in = np.where(lo == 0, 0, np.where(lo + 1 == nx - 1, nx - 4, lo - 1))
    m3x_in = np.clip(m3x_in, 0, max(nx - 4, 0))
    wx_in = _lagrange_weights(lx, m3x_in, logx)
    m3x = np.where(inside_x, m3x_in, np.where(logx <= lx[0], 0, nx - 1))
    wx = [np.where(inside_x, w, z) for w, z in zip(wx_in, (one, zero, zero, zero))]
    lo_q = _below_sub(lq, sub_start, sub_len, s, logq)
    m3q = np.where(lo_q == 0, 0, np.where(lo_q + 1 == nq - 1, nq - 4, lo_q - 1))
    m3q = np.where(nq < 4, lo_q, np.maximum(m3q, 0))
    base = np.clip(st + m3q, 0, max(lq.shape[0] - 4, 0))
    wq_in = _lagrange_weights(lq, base, logq)
    short = nq < 4
    if short.any():
        k = st + lo_q
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (logq - lq[k]) / (lq[np.minimum(k + 1, lq.shape[0] - 1)] - lq[k])
        wq_in = [np.where(short, z, w) for z, w in zip((1 - u, u, zero, zero), wq_in)]
    m3q = np.where(inside_q, m3q, np.where(logq <= lq[0], 0, nq - 1))
    wq = [np.where(inside_q, w, z) for w, z in zip(wq_in, (one, zero, zero, zero))]
    _accumulate(vt, cols, m3x, st + m3q, wx, wq, 4, out)


# --- the compiled engine's source (numba-compiled by :func:`_compiled`; never run as Python)


def _below_src(knots: np.ndarray, start: int, n: int, v: float) -> int:
    """Largest i with knots[start + i] <= v among knots[start:start + n], clipped to
    [0, n - 2] (LHAPDF's upper_bound - 1)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if knots[start + mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    i = lo - 1
    if i < 0:
        i = 0
    if i > n - 2:
        i = n - 2
    return i


def _hermite_src(vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out):  # type: ignore[no-untyped-def]
    """LHAPDF logcubic interpolation; points must be inside the grid.

    vt (nf, nx, nq, m): knot values with the members last (contiguous); lx (nx,) log x knots; lq (nq,) log Q^2 knots concatenated over
    subgrids; sub_start/sub_len (ns,); cols (n,) value column (-1: zero); logx, logq2 (n,);
    out (m, n): members first (each point's sums are kept in a buffer and stored once).
    """
    m = vt.shape[3]
    nx = lx.shape[0]
    ns = sub_start.shape[0]
    acc = np.zeros(m)
    wx = np.zeros(4)
    wq = np.zeros(4)
    for p in range(logx.shape[0]):
        c = cols[p]
        if c < 0:
            for k in range(m):
                out[k, p] = 0.0
            continue
        # subgrid: the last whose first knot <= Q^2
        s = 0
        for j in range(1, ns):
            if lq[sub_start[j]] <= logq2[p]:
                s = j
        st = sub_start[s]
        nq = sub_len[s]
        # x weights on knots ix-1 .. ix+2
        ix = _below(lx, 0, nx, logx[p])
        dx1 = lx[ix + 1] - lx[ix]
        t = (logx[p] - lx[ix]) / dx1
        t2 = t * t
        t3 = t2 * t
        h00 = 2 * t3 - 3 * t2 + 1
        h10 = t3 - 2 * t2 + t
        h01 = -2 * t3 + 3 * t2
        h11 = t3 - t2
        if ix == 0:
            a_m1, a_0, a_p1 = 0.0, -1.0 / dx1, 1.0 / dx1
        else:
            dl = lx[ix] - lx[ix - 1]
            a_m1, a_0, a_p1 = -0.5 / dl, 0.5 / dl - 0.5 / dx1, 0.5 / dx1
        if ix + 1 == nx - 1:
            b_0, b_p1, b_p2 = -1.0 / dx1, 1.0 / dx1, 0.0
        else:
            dr = lx[ix + 2] - lx[ix + 1]
            b_0, b_p1, b_p2 = -0.5 / dx1, 0.5 / dx1 - 0.5 / dr, 0.5 / dr
        sx = h10 * dx1
        ux = h11 * dx1
        wx[0] = sx * a_m1
        wx[1] = h00 + sx * a_0 + ux * b_0
        wx[2] = h01 + sx * a_p1 + ux * b_p1
        wx[3] = ux * b_p2
        # Q weights on rows iq-1 .. iq+2 of the subgrid
        iq = _below(lq, st, nq, logq2[p])
        dq1 = lq[st + iq + 1] - lq[st + iq]
        u = (logq2[p] - lq[st + iq]) / dq1
        if nq == 2:  # LHAPDF's fallback: bilinear
            wq[0], wq[1], wq[2], wq[3] = 0.0, 1 - u, u, 0.0
            wx[0], wx[1], wx[2], wx[3] = 0.0, 1 - t, t, 0.0
        else:
            u2 = u * u
            u3 = u2 * u
            g00 = 2 * u3 - 3 * u2 + 1
            g10 = u3 - 2 * u2 + u
            g01 = -2 * u3 + 3 * u2
            g11 = u3 - u2
            lower = iq == 0
            upper = iq + 1 == nq - 1
            if lower:
                dl_m1, dl_0, dl_p1 = 0.0, -1.0, 1.0
            else:
                r0 = dq1 / (lq[st + iq] - lq[st + iq - 1])
                dl_m1, dl_0, dl_p1 = -0.5 * r0, -0.5 + 0.5 * r0, 0.5
            if upper:
                dh_0, dh_p1, dh_p2 = -1.0, 1.0, 0.0
            else:
                r2 = dq1 / (lq[st + iq + 2] - lq[st + iq + 1])
                dh_0, dh_p1, dh_p2 = -0.5, 0.5 - 0.5 * r2, 0.5 * r2
            wq[0] = g10 * dl_m1
            wq[1] = g00 + g10 * dl_0 + g11 * dh_0
            wq[2] = g01 + g10 * dl_p1 + g11 * dh_p1
            wq[3] = g11 * dh_p2
        gq = st + iq - 1
        for k in range(m):
            acc[k] = 0.0
        for a in range(4):
            if wx[a] == 0.0:
                continue
            xi = ix - 1 + a
            for b in range(4):
                w = wx[a] * wq[b]
                if w != 0.0:
                    for k in range(m):
                        acc[k] += w * vt[c, xi, gq + b, k]
        for k in range(m):
            out[k, p] = acc[k]


def _lagrange_src(vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out):  # type: ignore[no-untyped-def]
    """Pythia 8 LHAGrid1 interpolation (4-point Lagrange in ln x, ln Q; frozen outside).

    As :func:`_hermite_src`, with log Q (not Q^2), Pythia's subgrid choice (Q above a subgrid's
    top goes up) and flags for points inside the x and Q range.
    """
    m = vt.shape[3]
    nx = lx.shape[0]
    ns = sub_start.shape[0]
    acc = np.zeros(m)
    wx = np.zeros(4)
    wq = np.zeros(4)
    for p in range(logx.shape[0]):
        c = cols[p]
        if c < 0:
            for k in range(m):
                out[k, p] = 0.0
            continue
        s = 0
        for j in range(1, ns):
            if logq[p] > lq[sub_start[j - 1] + sub_len[j - 1] - 1]:
                s = j
        st = sub_start[s]
        nq = sub_len[s]
        if inside_x[p]:
            lo = _below(lx, 0, nx, logx[p])
            if lo == 0:
                m3x = 0
            elif lo + 1 == nx - 1:
                m3x = nx - 4
            else:
                m3x = lo - 1
            for i in range(4):
                w = 1.0
                for j in range(4):
                    if j != i:
                        w *= (logx[p] - lx[m3x + j]) / (lx[m3x + i] - lx[m3x + j])
                wx[i] = w
        else:
            m3x = 0 if logx[p] <= lx[0] else nx - 1
            wx[0], wx[1], wx[2], wx[3] = 1.0, 0.0, 0.0, 0.0
        nqx = 4
        if inside_q[p]:
            lo = _below(lq, st, nq, logq[p])
            if nq < 4:
                m3q = lo
                u = (logq[p] - lq[st + lo]) / (lq[st + lo + 1] - lq[st + lo])
                wq[0], wq[1], wq[2], wq[3] = 1 - u, u, 0.0, 0.0
            else:
                if lo == 0:
                    m3q = 0
                elif lo + 1 == nq - 1:
                    m3q = nq - 4
                else:
                    m3q = lo - 1
                for i in range(4):
                    w = 1.0
                    for j in range(4):
                        if j != i:
                            w *= (logq[p] - lq[st + m3q + j]) / (
                                lq[st + m3q + i] - lq[st + m3q + j]
                            )
                    wq[i] = w
        else:
            m3q = 0 if logq[p] <= lq[0] else nq - 1
            wq[0], wq[1], wq[2], wq[3] = 1.0, 0.0, 0.0, 0.0
            nqx = 1
        for k in range(m):
            acc[k] = 0.0
        for a in range(4):
            if wx[a] == 0.0:
                continue
            for b in range(nqx):
                w = wx[a] * wq[b]
                if w != 0.0:
                    for k in range(m):
                        acc[k] += w * vt[c, m3x + a, st + m3q + b, k]
        for k in range(m):
            out[k, p] = acc[k]

"""The weights-on-a-knot-patch form of the PDF interpolation: an implementation of LHAPDF's
logcubic and Pythia's LHAGrid1 interpolation independent of :mod:`scaleuq.pdf.kernels` (each
point as 16 weights on a 4 x 4 patch of knots, applied to stacked member values), kept as the
reference the kernels are tested against (``tests/test_pdf.py``). It was the library's numpy
fallback until the kernels gained numpy twins of their own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scaleuq.errors import PDFError
from scaleuq.pdf.grid import INTERPOLATIONS, GridMember

#: Points per chunk when many members are evaluated at once (bounds the gathered patch array).
_CHUNK_VALUES = 4_000_000


def _hermite(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t2 = t * t
    t3 = t2 * t
    return 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, -2 * t3 + 3 * t2, t3 - t2


def _x_weights_lhapdf(lx: np.ndarray, logx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base index ix-1 and weights (n, 4) on x knots ix-1..ix+2 (LHAPDF logcubic in x)."""
    nx = len(lx)
    ix = np.clip(np.searchsorted(lx, logx, side="right") - 1, 0, nx - 2)
    dx1 = lx[ix + 1] - lx[ix]
    t = (logx - lx[ix]) / dx1
    h00, h10, h01, h11 = _hermite(t)
    w = np.zeros((len(logx), 4))
    # derivative at knot ix (times dx1): central, or forward at the first knot
    first = ix == 0
    dl = np.where(first, 1.0, lx[ix] - lx[np.maximum(ix - 1, 0)])
    a_m1 = np.where(first, 0.0, -0.5 / dl)
    a_0 = np.where(first, -1.0 / dx1, 0.5 / dl - 0.5 / dx1)
    a_p1 = np.where(first, 1.0 / dx1, 0.5 / dx1)
    # derivative at knot ix+1 (times dx1): central, or backward at the last knot
    last = ix + 1 == nx - 1
    dr = np.where(last, 1.0, lx[np.minimum(ix + 2, nx - 1)] - lx[ix + 1])
    b_0 = np.where(last, -1.0 / dx1, -0.5 / dx1)
    b_p1 = np.where(last, 1.0 / dx1, 0.5 / dx1 - 0.5 / dr)
    b_p2 = np.where(last, 0.0, 0.5 / dr)
    s = h10 * dx1
    u = h11 * dx1
    w[:, 0] = s * a_m1
    w[:, 1] = h00 + s * a_0 + u * b_0
    w[:, 2] = h01 + s * a_p1 + u * b_p1
    w[:, 3] = u * b_p2
    return ix - 1, w


def _q_weights_lhapdf(
    lq: np.ndarray, logq2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local base index iq-1, weights (n, 4) on Q rows iq-1..iq+2, and a mask of points whose
    subgrid has only two Q knots (LHAPDF then falls back to bilinear in log x and log Q^2)."""
    nq = len(lq)
    iq = np.clip(np.searchsorted(lq, logq2, side="right") - 1, 0, nq - 2)
    dq1 = lq[iq + 1] - lq[iq]
    t = (logq2 - lq[iq]) / dq1
    w = np.zeros((len(logq2), 4))
    if nq == 2:
        w[:, 1] = 1 - t
        w[:, 2] = t
        return iq - 1, w, np.ones(len(logq2), dtype=bool)
    g00, g10, g01, g11 = _hermite(t)
    lower = iq == 0
    upper = iq + 1 == nq - 1
    r0 = dq1 / np.where(lower, 1.0, lq[iq] - lq[np.maximum(iq - 1, 0)])
    r2 = dq1 / np.where(upper, 1.0, lq[np.minimum(iq + 2, nq - 1)] - lq[iq + 1])
    # vdl = forward (vh - vl) at the lower edge, else ((vh - vl) + (vl - vll) r0) / 2
    dl_m1 = np.where(lower, 0.0, -0.5 * r0)
    dl_0 = np.where(lower, -1.0, -0.5 + 0.5 * r0)
    dl_p1 = np.where(lower, 1.0, 0.5)
    # vdh = backward (vh - vl) at the upper edge, else ((vh - vl) + (vhh - vh) r2) / 2
    dh_0 = np.where(upper, -1.0, -0.5)
    dh_p1 = np.where(upper, 1.0, 0.5 - 0.5 * r2)
    dh_p2 = np.where(upper, 0.0, 0.5 * r2)
    w[:, 0] = g10 * dl_m1
    w[:, 1] = g00 + g10 * dl_0 + g11 * dh_0
    w[:, 2] = g01 + g10 * dl_p1 + g11 * dh_p1
    w[:, 3] = g11 * dh_p2
    return iq - 1, w, np.zeros(len(logq2), dtype=bool)


def _lagrange4(knots: np.ndarray, base: np.ndarray, v: np.ndarray) -> np.ndarray:
    w = np.ones((len(v), 4))
    for i in range(4):
        for j in range(4):
            if i != j:
                w[:, i] *= (v - knots[base + j]) / (knots[base + i] - knots[base + j])
    return w


@dataclass(frozen=True)
class Patch:
    """Interpolation of n points as weights on 4 x 4 knot patches (member independent).

    Attributes:
        ix: (n,) first x knot of the patch; iq: (n,) first (global) Q knot of the patch.
        weights: (n, 4, 4) weights on knots (ix + a, iq + b).
    """

    ix: np.ndarray
    iq: np.ndarray
    weights: np.ndarray


def patch(
    member: GridMember, x: np.ndarray, q2: np.ndarray, interpolation: str = "lhapdf"
) -> Patch:
    """Interpolation weights for points inside the grid (x and Q^2 clamped to it)."""
    x = np.asarray(x, dtype=np.float64)
    q2 = np.asarray(q2, dtype=np.float64)
    n = len(x)
    lx_knots = np.log(member.x)
    ix = np.zeros(n, dtype=np.int64)
    iq = np.zeros(n, dtype=np.int64)
    weights = np.zeros((n, 4, 4))
    if interpolation == "lhapdf":
        xc = np.clip(x, member.x[0], member.x[-1])
        bx, wx = _x_weights_lhapdf(lx_knots, np.log(xc))
        lows = np.array([s.q[0] ** 2 for s in member.subgrids])
        q2c = np.clip(q2, member.q_min**2, member.q_max**2)
        which = np.clip(np.searchsorted(lows, q2c, side="right") - 1, 0, len(lows) - 1)
        for k, sub in enumerate(member.subgrids):
            sel = np.flatnonzero(which == k)
            if not len(sel):
                continue
            bq, wq, linear = _q_weights_lhapdf(sub.logq2, np.log(q2c[sel]))
            wxs = wx[sel]
            if linear.any():  # LHAPDF's fallback: linear in log x too
                lx_sel = np.log(xc[sel])
                i0 = bx[sel] + 1
                t = (lx_sel - lx_knots[i0]) / (lx_knots[i0 + 1] - lx_knots[i0])
                lin = np.zeros_like(wxs)
                lin[:, 1], lin[:, 2] = 1 - t, t
                wxs = np.where(linear[:, None], lin, wxs)
            ix[sel] = bx[sel]
            iq[sel] = bq + sub.start
            weights[sel] = wxs[:, :, None] * wq[:, None, :]
        return Patch(ix, iq, weights)
    if interpolation == "pythia":
        nx = len(member.x)
        inside_x = (x > member.x[0]) & (x < member.x[-1])
        xc = np.clip(x, member.x[0], member.x[-1])
        lo = np.clip(np.searchsorted(member.x, xc, side="right") - 1, 0, nx - 2)
        m3x = np.where(lo == 0, 0, np.where(lo + 1 == nx - 1, nx - 4, lo - 1))
        wx = _lagrange4(lx_knots, m3x, np.log(xc))
        wx = np.where(inside_x[:, None], wx, 0.0)
        wx[~inside_x, 0] = 1.0  # frozen at x_min (Pythia's default without extrapolation)
        m3x = np.where(inside_x, m3x, np.where(x <= member.x[0], 0, nx - 1))
        q = np.sqrt(q2)
        divs = [s.q[-1] for s in member.subgrids[:-1]]
        which = np.zeros(n, dtype=np.int64)
        for k, d in enumerate(divs, 1):
            which = np.where(q > d, k, which)
        for k, sub in enumerate(member.subgrids):
            sel = np.flatnonzero(which == k)
            if not len(sel):
                continue
            lq = np.log(sub.q)
            nq = len(lq)
            qs = q[sel]
            inside = (qs > member.q_min) & (qs < member.q_max)
            qc = np.clip(qs, sub.q[0], sub.q[-1])
            lo_q = np.clip(np.searchsorted(sub.q, qc, side="right") - 1, 0, nq - 2)
            wq = np.zeros((len(sel), 4))
            if nq < 4:
                t = (np.log(qc) - lq[lo_q]) / (lq[lo_q + 1] - lq[lo_q])
                wq[:, 0], wq[:, 1] = 1 - t, t
                m3q = lo_q
            else:
                m3q = np.where(lo_q == 0, 0, np.where(lo_q + 1 == nq - 1, nq - 4, lo_q - 1))
                wq = _lagrange4(lq, m3q, np.log(qc))
            frozen_hi = ~inside & (qs >= member.q_max)
            frozen_lo = ~inside & (qs <= member.q_min)
            wq[~inside] = 0.0
            wq[~inside, 0] = 1.0
            m3q = np.where(frozen_hi, nq - 1, np.where(frozen_lo, 0, m3q))
            ix[sel] = m3x[sel]
            iq[sel] = m3q + sub.start
            weights[sel] = wx[sel][:, :, None] * wq[:, None, :]
        return Patch(ix, iq, weights)
    raise PDFError(f"unknown interpolation '{interpolation}'; choose {', '.join(INTERPOLATIONS)}")


def apply_patch(values: np.ndarray, cols: np.ndarray, p: Patch) -> np.ndarray:
    """x f at the patch points for stacked member values.

    Args:
        values: (n_members, n_pids, n_x, n_q) knot values.
        cols: (n,) value column per point (-1: flavour absent, gives 0).
        p: the interpolation patch of the n points.

    Returns:
        (n_members, n) array.
    """
    m, _, nx, nq = values.shape
    n = len(cols)
    out = np.zeros((m, n))
    if n == 0:
        return out
    flat = values.reshape(m, -1)
    a = np.arange(4)
    chunk = max(1, _CHUNK_VALUES // (16 * m))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        c = cols[s:e]
        ok = c >= 0
        xi = np.clip(p.ix[s:e, None] + a, 0, nx - 1)  # (k, 4); clipped knots carry weight 0
        qi = np.clip(p.iq[s:e, None] + a, 0, nq - 1)
        idx = (np.maximum(c, 0)[:, None, None] * nx + xi[:, :, None]) * nq + qi[:, None, :]
        w = p.weights[s:e].reshape(e - s, 16)
        if m == 1:
            out[0, s:e] = np.einsum("nk,nk->n", flat[0][idx.reshape(e - s, 16)], w)
        else:
            out[:, s:e] = np.einsum("mnk,nk->mn", flat[:, idx.reshape(e - s, 16)], w)
        out[:, s:e][:, ~ok] = 0.0
    return out

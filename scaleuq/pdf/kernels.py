"""Compiled (numba) interpolation kernels for points inside the grid.

The same arithmetic as the numpy path in :mod:`scaleuq.pdf.grid` (LHAPDF's log-bicubic, or
Pythia's LHAGrid1 Lagrange), one loop over points with the 4 x 4 knot weights computed once per
point and applied to every member. Compiled on first use and cached on disk (``cache=True``).
:func:`available` is False when numba is not installed; the numpy path is used then.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; keep a working fallback
    njit = None


def available() -> bool:
    """True when the compiled kernels can be used."""
    return njit is not None


if njit is not None:

    @njit(cache=True, nogil=True, inline="always")
    def _below(knots: np.ndarray, start: int, n: int, v: float) -> int:
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

    @njit(cache=True, nogil=True)
    def hermite(vt, lx, lq, sub_start, sub_len, cols, logx, logq2, out):  # type: ignore[no-untyped-def]
        """LHAPDF logcubic interpolation; points must be inside the grid.

        vt (nf, nx, nq, m): knot values with the members last (contiguous); lx (nx,) log x knots; lq (nq,) log Q^2 knots concatenated over
        subgrids; sub_start/sub_len (ns,); cols (n,) value column (-1: zero); logx, logq2 (n,);
        out (n, m).
        """
        m = vt.shape[3]
        nx = lx.shape[0]
        ns = sub_start.shape[0]
        wx = np.zeros(4)
        wq = np.zeros(4)
        for p in range(logx.shape[0]):
            c = cols[p]
            if c < 0:
                for k in range(m):
                    out[p, k] = 0.0
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
                out[p, k] = 0.0
            for a in range(4):
                if wx[a] == 0.0:
                    continue
                xi = ix - 1 + a
                for b in range(4):
                    w = wx[a] * wq[b]
                    if w != 0.0:
                        for k in range(m):
                            out[p, k] += w * vt[c, xi, gq + b, k]

    @njit(cache=True, nogil=True)
    def lagrange(vt, lx, lq, sub_start, sub_len, cols, logx, logq, inside_x, inside_q, out):  # type: ignore[no-untyped-def]
        """Pythia 8 LHAGrid1 interpolation (4-point Lagrange in ln x, ln Q; frozen outside).

        As :func:`hermite`, with log Q (not Q^2), Pythia's subgrid choice (Q above a subgrid's
        top goes up) and flags for points inside the x and Q range.
        """
        m = vt.shape[3]
        nx = lx.shape[0]
        ns = sub_start.shape[0]
        wx = np.zeros(4)
        wq = np.zeros(4)
        for p in range(logx.shape[0]):
            c = cols[p]
            if c < 0:
                for k in range(m):
                    out[p, k] = 0.0
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
                out[p, k] = 0.0
            for a in range(4):
                if wx[a] == 0.0:
                    continue
                for b in range(nqx):
                    w = wx[a] * wq[b]
                    if w != 0.0:
                        for k in range(m):
                            out[p, k] += w * vt[c, m3x + a, st + m3q + b, k]

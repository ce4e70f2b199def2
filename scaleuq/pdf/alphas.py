"""The strong coupling alpha_s(Q) as LHAPDF 6 provides it, vectorised.

Three kinds, chosen by a set's ``.info`` (``AlphaS_Type``), as in LHAPDF 6.4 (``AlphaS_Ipol.cc``,
``AlphaS_ODE.cc``, ``AlphaS_Analytic.cc``):

* ``ipol``: cubic Hermite interpolation in log Q^2 of the tabulated ``AlphaS_Qs``/``AlphaS_Vals``
  (central-difference derivatives, one-sided at the ends of each subgrid; a repeated Q starts a
  new subgrid at a flavour threshold), a power law below the first knot, frozen above the last.
* ``ode``: the renormalisation-group equation d alpha_s / d ln Q^2 = -sum_i beta_i alpha_s^(i+2),
  with LHAPDF's beta_i (beta_0 = (33 - 2 n_f)/(12 pi), beta_1 = (153 - 19 n_f)/(24 pi^2), beta_2 =
  (2857 - 5033 n_f/9 + 325 n_f^2/27)/(128 pi^3)), started from alpha_s(M_Z), n_f changing at the
  quark masses with LHAPDF's decoupling factors. At one loop the solution is closed form (exact);
  above, it is integrated here to 1e-12 relative accuracy (LHAPDF itself takes adaptive RK4 steps
  of at most 1% change in alpha_s and interpolates the resulting table with ``ipol``, so the two
  differ at that table's interpolation accuracy; not measured here, LHAPDF is not installed).
* ``analytic``: the PDG expansion in 1/ln(Q^2/Lambda^2) (PDG Review of Particle Physics, QCD
  section, eq. for alpha_s(mu^2) to four loops), truncated at the set's order, with Lambda per n_f
  from ``AlphaS_Lambda3..5``.

``AlphaS_OrderQCD`` counts as in LHAPDF: 0 is one-loop (LO) running, 1 two-loop, 2 three-loop.

When a grid has no ``.info`` (the grids that ``pythia8mc`` ships), alpha_s comes from options:
:data:`DEFAULTS` states the values used when nothing is given, each with its source.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleuq.pdf.grid import PDFError

#: Defaults for alpha_s without an ``.info`` file. Sources: M_Z = 91.1876 GeV and
#: alpha_s(M_Z) = 0.1180 (PDG 2024 world average); quark masses m_c = 1.27, m_b = 4.18 GeV
#: (PDG 2024 MS-bar m_c(m_c), m_b(m_b)), m_t = 172.57 GeV (PDG 2024 direct measurements).
#: Order 0 (one-loop running) is what LO sets such as NNPDF2.3 LO use; give ``order``
#: explicitly for NLO/NNLO sets.
DEFAULTS: dict[str, Any] = {
    "mz": 91.1876,
    "alphas_mz": 0.1180,
    "order": 0,
    "masses": {4: 1.27, 5: 4.18, 6: 172.57},
}

KINDS = ("ipol", "ode", "analytic")


def beta_coefficients(nf: int) -> tuple[float, float, float]:
    """(beta_0, beta_1, beta_2) in LHAPDF's normalisation (d a/d ln Q^2 = -sum beta_i a^(i+2))."""
    pi = math.pi
    return (
        (33 - 2 * nf) / (12 * pi),
        (153 - 19 * nf) / (24 * pi**2),
        (2857 - 5033 / 9 * nf + 325 / 27 * nf**2) / (128 * pi**3),
    )


@dataclass(frozen=True)
class AlphaS:
    """alpha_s(Q) of one kind.

    Attributes:
        kind: ``ipol``, ``ode`` or ``analytic``.
        order: LHAPDF's ``AlphaS_OrderQCD`` (0: one loop).
        mz, alphas_mz: reference point (``ode``).
        masses: quark masses (GeV) by id 4, 5, 6: flavour thresholds (``ode``, ``analytic``).
        nf_max: largest number of active flavours (LHAPDF's ``AlphaS_NumFlavors``/
            ``NumFlavors``), None for no cap.
        qs, vals: the ``ipol`` table.
        lambdas: Lambda_QCD by n_f (``analytic``).
        source: where the parameters came from (``.info`` path, options, defaults).
    """

    kind: str
    order: int = 0
    mz: float = DEFAULTS["mz"]
    alphas_mz: float = DEFAULTS["alphas_mz"]
    masses: dict[int, float] = field(default_factory=lambda: dict(DEFAULTS["masses"]))
    nf_max: int | None = None
    qs: tuple[float, ...] = ()
    vals: tuple[float, ...] = ()
    lambdas: dict[int, float] = field(default_factory=dict)
    source: str = "defaults"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PDFError(f"unknown alpha_s type '{self.kind}'; choose {', '.join(KINDS)}")
        if self.kind == "ode":
            if not 0 <= self.order <= 2:
                raise PDFError(
                    f"alpha_s ODE running at AlphaS_OrderQCD = {self.order} is not implemented (0-2)"
                )
            if not 0 < self.alphas_mz < 1:
                raise PDFError(f"alpha_s(M_Z) = {self.alphas_mz} is not in (0, 1)")
            if not (math.isfinite(self.mz) and self.mz > 0):
                raise PDFError(f"{self.source}: M_Z = {self.mz!r} is not a positive mass in GeV")
        bad = [(k, m) for k, m in self.masses.items() if not (math.isfinite(m) and m > 0)]
        if bad:
            raise PDFError(
                f"{self.source}: quark mass m_{bad[0][0]} = {bad[0][1]!r} is not a positive mass "
                "in GeV"
            )
        if self.kind == "ipol":
            _check_table(self.qs, self.vals, self.source)
        if self.kind == "analytic":
            if not self.lambdas or not 0 <= self.order <= 2:
                raise PDFError(
                    f"{self.source}: analytic alpha_s needs AlphaS_Lambda4/5 and AlphaS_OrderQCD 0-2"
                )
            for n, lam in self.lambdas.items():
                if not (math.isfinite(lam) and lam > 0):
                    raise PDFError(
                        f"{self.source}: field AlphaS_Lambda{n}: expected a positive number of "
                        f"GeV, got {lam!r}"
                    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description."""
        return {
            "kind": self.kind,
            "order": self.order,
            "mz": self.mz,
            "alphas_mz": self.alphas_mz,
            "masses": {str(k): v for k, v in self.masses.items()},
            "nf_max": self.nf_max,
            "source": self.source,
        }

    def nf(self, q: np.ndarray) -> np.ndarray:
        """Active flavours at Q (GeV): 3 plus one per quark mass below Q (LHAPDF numFlavorsQ2)."""
        q = np.asarray(q, dtype=np.float64)
        n = np.full(q.shape, 3, dtype=np.int64)
        for qid, m in sorted(self.masses.items()):
            if qid >= 4:
                n = np.where(q > m, np.maximum(n, qid), n)
        if self.nf_max is not None:
            n = np.minimum(n, self.nf_max)
        return n

    def __call__(self, q: np.ndarray | float) -> np.ndarray:
        """alpha_s at Q (GeV); array in, array out."""
        q = np.asarray(q, dtype=np.float64)
        if (~np.isfinite(q) | (q <= 0)).any():
            raise PDFError("alpha_s asked at a non-positive or non-finite scale")
        if self.kind == "ipol":
            return _ipol(np.array(self.qs) ** 2, np.array(self.vals), q * q)
        if self.kind == "analytic":
            return self._analytic(q)
        return self._ode(q)

    # -- analytic -------------------------------------------------------------------------
    def _analytic(self, q: np.ndarray) -> np.ndarray:
        nf = self.nf(q)
        out = np.empty(q.shape)
        for n in np.unique(nf):
            sel = nf == n
            lam = self.lambdas.get(int(n))
            if lam is None:
                raise PDFError(
                    f"{self.source}: analytic alpha_s: no AlphaS_Lambda{int(n)} for {int(n)} flavours"
                )
            b0, b1, b2 = beta_coefficients(int(n))
            if (q[sel] <= lam).any():
                low = float(q[sel][q[sel] <= lam].min())
                hint = " (AlphaS_LambdaN is in GeV: was it typed in MeV?)" if lam > 10 else ""
                raise PDFError(
                    f"{self.source}: analytic alpha_s at Q = {low:.6g} GeV is at or below "
                    f"Lambda_QCD = {lam:.6g} GeV for {int(n)} flavours: there is no perturbative "
                    f"value{hint}"
                )
            t = np.log(q[sel] ** 2 / lam**2)
            y = 1.0 / (b0 * t)
            corr = np.ones_like(t)
            lt = np.log(t)
            if self.order >= 1:
                corr -= b1 / b0**2 * lt / t
            if self.order >= 2:
                corr += (b1**2 * (lt**2 - lt - 1) + b0 * b2) / (b0**4 * t**2)
            out[sel] = y * corr
        if (~np.isfinite(out) | (out <= 0)).any():
            bad = float(q[~np.isfinite(out) | (out <= 0)].min())
            raise PDFError(
                f"{self.source}: analytic alpha_s is not positive at Q = {bad:.6g} GeV (too close "
                "to Lambda_QCD for the truncated expansion)"
            )
        return out

    # -- ODE ------------------------------------------------------------------------------
    @functools.cached_property
    def _table(self) -> _ODETable:
        return _ODETable(self)

    def _thresholds(self) -> list[tuple[float, int, int]]:
        """(mass, nf below, nf above) for the thresholds that change n_f."""
        out = []
        for qid in (4, 5, 6):
            m = self.masses.get(qid)
            if m is None:
                continue
            below = int(self.nf(np.array(m * (1 - 1e-12))))
            above = int(self.nf(np.array(m * (1 + 1e-12))))
            if above != below:
                out.append((m, below, above))
        return out

    def _ode(self, q: np.ndarray) -> np.ndarray:
        return self._table(q)


def _check_table(qs: tuple[float, ...], vals: tuple[float, ...], source: str) -> None:
    """An ``ipol`` table LHAPDF can interpolate: equal lengths >= 2, positive finite scales
    that increase (a scale repeated once starts a subgrid at a flavour threshold), positive
    finite values."""
    if len(qs) != len(vals) or len(qs) < 2:
        raise PDFError(
            f"{source}: fields AlphaS_Qs and AlphaS_Vals: an ipol alpha_s needs two lists of "
            f"equal length >= 2 (got {len(qs)} scales and {len(vals)} values)"
        )
    q = np.asarray(qs, dtype=np.float64)
    v = np.asarray(vals, dtype=np.float64)
    if not (np.isfinite(q).all() and (q > 0).all()):
        raise PDFError(f"{source}: field AlphaS_Qs: the scales must be positive numbers")
    if not (np.isfinite(v).all() and (v > 0).all()):
        raise PDFError(f"{source}: field AlphaS_Vals: the values must be positive numbers")
    step = np.diff(q)
    if (step < 0).any():
        i = int(np.flatnonzero(step < 0)[0])
        raise PDFError(
            f"{source}: field AlphaS_Qs: the scales must increase, but entry {i + 2} "
            f"({q[i + 1]:g}) is below entry {i + 1} ({q[i]:g})"
        )
    same = step == 0
    if same[0] or same[-1] or (same[1:] & same[:-1]).any():
        raise PDFError(
            f"{source}: field AlphaS_Qs: a scale may repeat only once, at a flavour threshold "
            "inside the table (each subgrid needs two distinct scales)"
        )


def _ipol(q2s: np.ndarray, vals: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """LHAPDF AlphaS_Ipol::alphasQ2, vectorised."""
    out = np.empty(q2.shape)
    first = q2 < q2s[0]
    if first.any():
        nxt = 1
        while q2s[nxt] == q2s[0]:
            nxt += 1
        grad = math.log10(vals[nxt] / vals[0]) / math.log10(q2s[nxt] / q2s[0])
        out[first] = vals[0] * (q2[first] / q2s[0]) ** grad
    above = q2 > q2s[-1]
    out[above] = vals[-1]
    mid = ~first & ~above
    # subgrids split where a Q knot repeats
    starts = [0] + [i for i in range(1, len(q2s)) if abs(q2s[i] - q2s[i - 1]) < np.finfo(float).eps]
    bounds = [*starts, len(q2s)]
    lows = np.array([q2s[s] for s in starts])
    which = np.clip(np.searchsorted(lows, q2, side="right") - 1, 0, len(starts) - 1)
    for k, s in enumerate(starts):
        sel = mid & (which == k)
        if not sel.any():
            continue
        lq = np.log(q2s[s : bounds[k + 1]])
        a = vals[s : bounds[k + 1]]
        n = len(lq)
        if n < 2:
            out[sel] = a[0]
            continue
        x = np.log(q2[sel])
        i = np.clip(np.searchsorted(lq, x, side="right") - 1, 0, n - 2)
        fwd = (a[1:] - a[:-1]) / (lq[1:] - lq[:-1])
        d = np.empty(n)
        d[0], d[-1] = fwd[0], fwd[-1]
        d[1:-1] = 0.5 * (fwd[:-1] + fwd[1:])
        # LHAPDF: forward difference at the first knot, backward at the last, else central
        dl = lq[i + 1] - lq[i]
        t = (x - lq[i]) / dl
        t2, t3 = t * t, t * t * t
        v = (2 * t3 - 3 * t2 + 1) * a[i] + (t3 - 2 * t2 + t) * d[i] * dl
        v += (-2 * t3 + 3 * t2) * a[i + 1] + (t3 - t2) * d[i + 1] * dl
        out[sel] = np.where(np.abs(v) < 2.0, v, np.finfo(float).max)
    return out


def _decouple(a: float, order: int, ni: int, nf: int) -> float:
    """LHAPDF AlphaS_ODE::_decouple at Q = m (ln(Q^2/m^2) = 0): alpha_s^(nf) / alpha_s^(ni)."""
    if ni == nf or order == 0:
        return 1.0
    x = a / math.pi
    if ni > nf:  # going down through the threshold
        terms = [0.0, 0.152778 * x * x, (0.972057 - 0.0846515 * nf) * x**3]
    else:
        terms = [0.0, -0.152778 * x * x, (-0.972057 + 0.0846515 * ni) * x**3]
    return 1.0 + sum(terms[: order + 1])


class _ODETable:
    """alpha_s from the ODE: closed form at one loop, else an accurate numerical solution per
    flavour region, started from the matched values at the thresholds."""

    def __init__(self, spec: AlphaS) -> None:
        self.spec = spec
        self.order = spec.order
        self.thr = spec._thresholds()

    def _rhs(self, nf: int) -> Any:
        b = beta_coefficients(nf)[: self.order + 1]

        def f(_t: float, y: np.ndarray) -> np.ndarray:
            a = y[0]
            return np.array([-sum(bi * a ** (i + 2) for i, bi in enumerate(b))])

        return f

    def _run(self, a0: float, l0: float, l1: np.ndarray | float, nf: int) -> np.ndarray:
        """Solve from ln Q^2 = l0 (alpha_s = a0) to the ln Q^2 values l1 (same n_f)."""
        l1 = np.atleast_1d(np.asarray(l1, dtype=np.float64))
        if self.order == 0:
            b0 = beta_coefficients(nf)[0]
            return 1.0 / (1.0 / a0 + b0 * (l1 - l0))
        from scipy.integrate import solve_ivp

        out = np.empty(l1.shape)
        for sign in (1, -1):
            sel = (l1 - l0) * sign >= 0
            if not sel.any():
                continue
            targets = l1[sel]
            order = np.argsort(targets * sign)
            ts = targets[order]
            end = ts[-1]
            if end == l0:
                out[np.flatnonzero(sel)[order]] = a0
                continue
            sol = solve_ivp(
                self._rhs(nf), (l0, end), [a0], t_eval=ts, rtol=1e-12, atol=1e-14, method="DOP853"
            )
            if not sol.success or sol.y.shape[1] != len(ts):
                raise PDFError(f"alpha_s running failed ({sol.message}); the scale is too low")
            out[np.flatnonzero(sel)[order]] = sol.y[0]
        return out

    @functools.cached_property
    def starts(self) -> dict[int, tuple[float, float]]:
        """(alpha_s, ln Q^2) at the start of each flavour region, walking away from M_Z."""
        spec = self.spec
        lz = 2 * math.log(spec.mz)
        nfz = int(spec.nf(np.array(spec.mz)))
        start: dict[int, tuple[float, float]] = {nfz: (spec.alphas_mz, lz)}
        up = [t for t in self.thr if t[0] > spec.mz]
        down = [t for t in reversed(self.thr) if t[0] <= spec.mz]
        a, lv, n = spec.alphas_mz, lz, nfz
        for m, below, above in up:
            lm = 2 * math.log(m)
            a = float(self._run(a, lv, lm, n)[0])
            a *= _decouple(a, self.order, below, above)
            a, lv, n = a, lm, above
            start[n] = (a, lv)
        a, lv, n = spec.alphas_mz, lz, nfz
        for m, below, above in down:
            lm = 2 * math.log(m)
            a = float(self._run(a, lv, lm, n)[0])
            a *= _decouple(a, self.order, above, below)
            a, lv, n = a, lm, below
            start[n] = (a, lv)
        return start

    def __call__(self, q: np.ndarray) -> np.ndarray:
        spec = self.spec
        lnq2 = 2 * np.log(q)
        out = np.empty(q.shape)
        region = spec.nf(q)
        start = self.starts
        for n in np.unique(region):
            sel = region == n
            if int(n) not in start:
                raise PDFError(f"alpha_s: no path to {int(n)} flavours")
            a0, l0 = start[int(n)]
            vals = self._run(a0, l0, lnq2[sel], int(n))
            out[sel] = vals
        if (~np.isfinite(out) | (out <= 0)).any():
            raise PDFError("alpha_s diverges at a requested scale (below the Landau pole?)")
        return out


def from_info(info: dict[str, Any], source: str) -> AlphaS:
    """The alpha_s an LHAPDF ``.info`` describes (keys as in LHAPDF's ``mkAlphaS``).

    Raises:
        PDFError: a field of the wrong type or range, or a table LHAPDF could not interpolate;
            the message names ``source`` (the file) and the field.
    """
    from scaleuq.pdf.info import check_info

    info = check_info(info, source)
    kind = str(info.get("AlphaS_Type", "ode")).lower()
    masses = {}
    for qid, key in ((4, "MCharm"), (5, "MBottom"), (6, "MTop")):
        if key in info:
            masses[qid] = float(info[key])
    nf_max = info.get("AlphaS_NumFlavors", info.get("NumFlavors"))
    kw: dict[str, Any] = {
        "kind": kind,
        "order": int(info.get("AlphaS_OrderQCD", info.get("OrderQCD", 0))),
        "masses": masses or dict(DEFAULTS["masses"]),
        "nf_max": int(nf_max) if nf_max is not None else None,
        "source": source,
    }
    if "MZ" in info:
        kw["mz"] = float(info["MZ"])
    if "AlphaS_MZ" in info:
        kw["alphas_mz"] = float(info["AlphaS_MZ"])
    elif kind == "ode":
        raise PDFError(f"{source}: AlphaS_Type ode needs AlphaS_MZ")
    if kind == "ipol":
        qs = info.get("AlphaS_Qs")
        vals = info.get("AlphaS_Vals")
        if not qs or not vals:
            raise PDFError(f"{source}: AlphaS_Type ipol needs AlphaS_Qs and AlphaS_Vals")
        kw["qs"] = tuple(float(v) for v in qs)
        kw["vals"] = tuple(float(v) for v in vals)
        _check_table(kw["qs"], kw["vals"], source)
    if kind == "analytic":
        kw["lambdas"] = {
            n: float(info[f"AlphaS_Lambda{n}"]) for n in (3, 4, 5, 6) if f"AlphaS_Lambda{n}" in info
        }
    return AlphaS(**kw)

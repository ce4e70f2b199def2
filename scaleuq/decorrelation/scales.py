"""Per-event LO scale weights for the decorrelation study, computed by scaleuq's re-weighting
engine (:mod:`scaleuq.reweight.weights`, the formula of MadGraph's systematics module):

    new/old = [alpha_s(k_R mu_R) / alpha_s(mu_R)]^n
              * f1(x1, k_F mu_F) f2(x2, k_F mu_F) / (f1(x1, mu_F) f2(x2, mu_F))

with n the LO power of alpha_s, mu_R and mu_F the generator's scales (or, for the central
weight and the variations around it, mu0 = H_T/2 in place of both), and alpha_s and the PDFs
from the generating set.

The PDF is scaleuq's LHAPDF6 reader (:mod:`scaleuq.pdf`): give a set name, a path, a
:class:`scaleuq.pdf.PDFSet`, or Pythia's ``PDF:pSet`` word ``LHAGrid1:FILE.dat`` (read with
Pythia's own LHAGrid1 interpolation, which the reader reproduces to 1e-13, so that the weights
are those of the generator's PDF). Any other object with Pythia's ``xf(id, x, Q2)`` is accepted
too and called point by point. alpha_s runs at ``order`` loops from alpha_s(M_Z) with Pythia's
``AlphaStrong`` conventions (M_Z = 91.188 GeV, thresholds 1.5, 4.8, 171.0 GeV, up to 6 flavours;
Pythia 8.3 ``StandardModel.cc``), so it equals the coupling of Pythia's hard process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.pdf.alphas import AlphaS
from scaleuq.reweight.mgrwt import MGRWT, BeamHistory, Ragged
from scaleuq.reweight.weights import EventKinematics, Variation, weight_ratios

#: The nine (k_R, k_F) points, in the column order of the sample arrays; (1, 1) first.
SCALE_POINTS = (
    (1.0, 1.0),
    *tuple((r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0) if (r, f) != (1.0, 1.0)),
)

#: Pythia 8.3 AlphaStrong: M_Z and default flavour thresholds (StandardModel.cc, setThresholds).
PYTHIA_ALPHAS_MZ_GEV = 91.188
PYTHIA_THRESHOLDS_GEV = {4: 1.5, 5: 4.8, 6: 171.0}
_MU0_SLOT = 3  # the engine's slot for an external scale: mu0 = H_T/2, as MadGraph's dyn 3


def _pdf_source(pdf: Any, alphas: AlphaS) -> Any:
    import dataclasses

    from scaleuq.pdf.sets import PDFSet, from_xf, load_pset

    if isinstance(pdf, PDFSet):
        return dataclasses.replace(pdf, alphas=alphas)
    if isinstance(pdf, (str, Path)):
        return load_pset(pdf, alphas=alphas)
    if hasattr(pdf, "xf"):
        return from_xf(pdf, alphas)
    raise TypeError(f"unsupported PDF object {pdf!r}: give a set name, a PDFSet or an xf() object")


class ScaleReweighter:
    """Scale weights for one PDF set and alpha_s.

    Args:
        pdf: a PDF set name or path, ``LHAGrid1:FILE.dat``, a :class:`scaleuq.pdf.PDFSet`, or
            an object with ``xf(id, x, Q2)``.
        alphas_mz: alpha_s(M_Z) of the hard process.
        n_alphas: LO power of alpha_s of the process.
        order: running order of alpha_s in loops (1: one loop, as Pythia's hard process here;
            at most 3).
    """

    def __init__(self, pdf: Any, alphas_mz: float, n_alphas: int, order: int = 1) -> None:
        self.n = n_alphas
        self._alphas = AlphaS(
            "ode",
            order=max(0, min(order, 3) - 1),
            mz=PYTHIA_ALPHAS_MZ_GEV,
            alphas_mz=alphas_mz,
            masses=dict(PYTHIA_THRESHOLDS_GEV),
            source="Pythia AlphaStrong conventions",
        )
        self.pdf = _pdf_source(pdf, self._alphas)

    def alphas(self, q: float) -> float:
        """alpha_s at the scale q (GeV)."""
        return float(self._alphas(np.asarray(q, dtype=np.float64)))

    def weights_array(
        self, id1: Any, id2: Any, x1: Any, x2: Any, mur: Any, muf: Any, mu0: Any | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`weights`: arrays of n events in; (central (n,), variations (n, 9)).

        An event whose PDF product vanishes at the generator's scale gets zeros.
        """
        id1, id2, x1, x2, mur, muf = (
            np.atleast_1d(np.asarray(a)) for a in (id1, id2, x1, x2, mur, muf)
        )
        n = len(x1)
        offs = np.arange(n + 1, dtype=np.int64)

        def beam(pid: np.ndarray, x: np.ndarray, q: np.ndarray) -> BeamHistory:
            return BeamHistory(
                Ragged(pid.astype(np.float64), offs),
                Ragged(x.astype(np.float64), offs),
                Ragged(q.astype(np.float64), offs),
            )

        mg = MGRWT(
            np.full(n, self.n, dtype=np.int64),
            mur.astype(np.float64),
            Ragged(np.empty(0), np.zeros(n + 1, dtype=np.int64)),
            (beam(id1, x1, muf), beam(id2, x2, muf)),
            np.ones(n),
        )
        slot = -1
        scales: dict[int, np.ndarray] = {}
        if mu0 is not None:
            slot = _MU0_SLOT
            scales[slot] = np.broadcast_to(np.asarray(mu0, dtype=np.float64), (n,)).copy()
        ev = EventKinematics(mg, np.ones(n), scales)
        base_pdf = self.pdf.xfxq(
            np.concatenate([id1, id2]),
            np.concatenate([x1, x2]),
            np.concatenate([muf, muf]),
            rows=[0],
        )[0]
        ok = (base_pdf[:n] * base_pdf[n:]) > 0
        out = np.zeros((n, len(SCALE_POINTS)))
        if ok.any():
            sub = _subset(ev, ok)
            variations = [Variation(kr, kf, slot) for kr, kf in SCALE_POINTS]
            out[ok] = weight_ratios(sub, [self.pdf], variations)
        return out[:, 0].copy(), out

    def weights(
        self, id1: int, id2: int, x1: float, x2: float, mur: float, muf: float, mu0: float | None
    ) -> tuple[float, np.ndarray]:
        """(central, variations): the weight moving the event from Pythia's (mu_R, mu_F) to the
        central scale mu0 (None: keep Pythia's), and the nine variations around it.

        One event at a time (inside a generator loop): the same PDF and alpha_s as
        :meth:`weights_array` in two array calls, without the per-block bookkeeping of
        :func:`scaleuq.reweight.weights.weight_ratios` (equal to it to rounding; tested).
        """
        r0, f0 = (mur, muf) if mu0 is None else (mu0, mu0)
        kf = np.array([0.5, 1.0, 2.0])
        q = np.concatenate([[muf, muf], f0 * kf, f0 * kf])
        ids = np.array([id1, id2, id1, id1, id1, id2, id2, id2])
        xs = np.array([x1, x2, x1, x1, x1, x2, x2, x2])
        f = self.pdf.xfxq(ids, xs, q, rows=[0])[0]
        base = f[0] * f[1]
        if not base > 0:
            return 0.0, np.zeros(len(SCALE_POINTS))
        a = self._alphas(np.array([mur, 0.5 * r0, r0, 2.0 * r0]))
        ratio_as = {
            0.5: (a[1] / a[0]) ** self.n,
            1.0: (a[2] / a[0]) ** self.n,
            2.0: (a[3] / a[0]) ** self.n,
        }
        ratio_f = {k: f[2 + i] * f[5 + i] / base for i, k in enumerate((0.5, 1.0, 2.0))}
        out = np.array([ratio_as[kr] * ratio_f[kf_] for kr, kf_ in SCALE_POINTS])
        return float(out[0]), out


def _subset(ev: EventKinematics, keep: np.ndarray) -> EventKinematics:
    """The events of ``ev`` where ``keep`` (one parton per beam, as built above)."""
    mg = ev.mg
    k = int(keep.sum())
    offs = np.arange(k + 1, dtype=np.int64)

    def cut(b: BeamHistory) -> BeamHistory:
        return BeamHistory(
            Ragged(b.pid.values[keep], offs),
            Ragged(b.x.values[keep], offs),
            Ragged(b.q.values[keep], offs),
        )

    sub = MGRWT(
        mg.n_qcd[keep],
        mg.mur[keep],
        Ragged(np.empty(0), np.zeros(k + 1, dtype=np.int64)),
        (cut(mg.beams[0]), cut(mg.beams[1])),
        mg.totfact[keep],
    )
    return EventKinematics(sub, ev.xwgtup[keep], {d: s[keep] for d, s in ev.dyn_scales.items()})

"""Per-event LO scale weights, computed as MadGraph's systematics module does (DOMAIN.md):

    new/old = [alpha_s(k_R mu_R) / alpha_s(mu_R)]^n
              * f1(x1, k_F mu_F) f2(x2, k_F mu_F) / (f1(x1, mu_F) f2(x2, mu_F))

with n the LO power of alpha_s and alpha_s and the PDFs from the generating set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The nine (k_R, k_F) points, in the column order of the sample arrays; (1, 1) first.
SCALE_POINTS = (
    (1.0, 1.0),
    *tuple((r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0) if (r, f) != (1.0, 1.0)),
)


class ScaleReweighter:
    """Scale weights for one PDF set and alpha_s.

    Args:
        pdf: an object with ``xf(id, x, Q2)`` (Pythia's PDF pointer, or LHAPDF's).
        alphas_mz: alpha_s(M_Z) of the hard process.
        n_alphas: LO power of alpha_s of the process.
        order: running order of alpha_s (1: one loop, as Pythia's hard process here).
    """

    def __init__(self, pdf: Any, alphas_mz: float, n_alphas: int, order: int = 1) -> None:
        import pythia8mc

        self.pdf = pdf
        self.n = n_alphas
        self._as = pythia8mc.AlphaStrong()
        self._as.init(alphas_mz, order, 6, False)

    def alphas(self, q: float) -> float:
        """alpha_s at the scale q (GeV)."""
        return self._as.alphaS(q * q)

    def _f(self, pid: int, x: float, q: float) -> float:
        return self.pdf.xf(pid, x, q * q)

    def weights(
        self, id1: int, id2: int, x1: float, x2: float, mur: float, muf: float, mu0: float | None
    ) -> tuple[float, np.ndarray]:
        """(central, variations): the weight moving the event from Pythia's (mu_R, mu_F) to the
        central scale mu0 (None: keep Pythia's), and the nine variations around it."""
        r0, f0 = (mur, muf) if mu0 is None else (mu0, mu0)
        base_as = self.alphas(mur)
        base_f = self._f(id1, x1, muf) * self._f(id2, x2, muf)
        if base_f <= 0:
            return 0.0, np.zeros(len(SCALE_POINTS))
        out = np.empty(len(SCALE_POINTS))
        for k, (kr, kf) in enumerate(SCALE_POINTS):
            ratio_as = (self.alphas(kr * r0) / base_as) ** self.n
            ratio_f = self._f(id1, x1, kf * f0) * self._f(id2, x2, kf * f0) / base_f
            out[k] = ratio_as * ratio_f
        return float(out[0]), out

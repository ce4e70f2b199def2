"""An object with Pythia's ``xf(id, x, Q2)`` (a ``PDFPtr``) seen as a PDF backend, so that code
written for :class:`scaleuq.pdf.PDFSet` runs on it (:func:`scaleuq.pdf.sets.from_xf`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.pdf.backend import PDFBackend

if TYPE_CHECKING:
    from scaleuq.pdf.alphas import AlphaS

#: parton ids Pythia's PDF objects answer for
XF_FLAVOURS = (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 21, 22)


class XfBackend(PDFBackend):
    """One member: ``pdf.xf(id, x, Q2)`` called point by point; alpha_s from ``alphas``.

    Not registered by name: it wraps an object, it does not open sets.
    """

    name = "xf"
    description = "an object with Pythia's xf(id, x, Q2)"

    def __init__(self, pdf: Any, alphas: AlphaS) -> None:
        self.pdf = pdf
        self.alphas = alphas
        self.members = (0,)

    @property
    def flavours(self) -> tuple[int, ...]:
        return XF_FLAVOURS

    @property
    def x_range(self) -> tuple[float, float]:
        return 0.0, 1.0

    @property
    def q_range(self) -> tuple[float, float]:
        return 0.0, float("inf")

    def xfxq2(self, pid: np.ndarray, x: np.ndarray, q2: np.ndarray, rows: np.ndarray) -> np.ndarray:
        vals = [self.pdf.xf(p, a, b) for p, a, b in zip(pid.tolist(), x.tolist(), q2.tolist())]
        return np.tile(np.array(vals, dtype=np.float64), (len(rows), 1))

    def alphas_q(self, q: Any) -> np.ndarray:
        return self.alphas(np.asarray(q, dtype=np.float64))

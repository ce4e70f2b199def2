"""Parton distributions from LHAPDF6 grids, in numpy (no LHAPDF needed).

* :mod:`.grid`: ``lhagrid1`` member files, LHAPDF's log-bicubic interpolation (and Pythia's
  LHAGrid1 variant for cross-checks), LHAPDF's extrapolation rules;
* :mod:`.alphas`: alpha_s as LHAPDF computes it (``ipol``, ``ode``, ``analytic``);
* :mod:`.sets`: finding sets (``LHAPDF_DATA_PATH``, ``--pdf-path``, pythia8mc's ``pdfdata``),
  loading members, the optional ``lhapdf`` backend.

Arrays of (parton id, x, Q) in, arrays out: ``load_pdf("NNPDF23_lo_as_0130_qed").xfxq(21, x, q)``.
"""

from __future__ import annotations

from scaleuq.pdf.alphas import DEFAULTS as ALPHAS_DEFAULTS
from scaleuq.pdf.alphas import AlphaS
from scaleuq.pdf.grid import EXTRAPOLATIONS, INTERPOLATIONS, GridMember, PDFError, read_member
from scaleuq.pdf.sets import BACKENDS, PDFSet, load_pdf, locate, pythia_pdfdata, search_path

__all__ = [
    "ALPHAS_DEFAULTS", "BACKENDS", "EXTRAPOLATIONS", "INTERPOLATIONS", "AlphaS", "GridMember",
    "PDFError", "PDFSet", "load_pdf", "locate", "pythia_pdfdata", "read_member", "search_path",
]  # fmt: skip

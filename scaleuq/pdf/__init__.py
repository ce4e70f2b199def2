"""Parton distributions from LHAPDF6 grids: one reader, one set search, pluggable backends.

* :mod:`.grid`: ``lhagrid1`` member files, LHAPDF's log-bicubic interpolation (and Pythia's
  LHAGrid1 variant for cross-checks), LHAPDF's extrapolation rules;
* :mod:`.info`: ``.info`` files, every field scaleuq reads checked;
* :mod:`.alphas`: alpha_s as LHAPDF computes it (``ipol``, ``ode``, ``analytic``);
* :mod:`.sets`: finding sets (``LHAPDF_DATA_PATH``, ``--pdf-path``, pythia8mc's ``pdfdata``)
  and loading members into a :class:`PDFSet`;
* :mod:`.cache`: the checked cache of parsed grids;
* :mod:`.backend`: the backend interface (:class:`PDFBackend`); :mod:`.registry`: the named
  backends (:mod:`.backend_builtin`, numpy; :mod:`.backend_lhapdf`, the LHAPDF module), chosen
  as pyhf chooses tensor backends; :mod:`.backend_xf`: an object with Pythia's ``xf``.

Arrays of (parton id, x, Q) in, arrays out: ``load_pdf("NNPDF23_lo_as_0130_qed").xfxq(21, x, q)``.
Names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, tuple[str, str]] = {
    "ALPHAS_DEFAULTS": ("alphas", "DEFAULTS"),
    "AlphaS": ("alphas", "AlphaS"),
    "EXTRAPOLATIONS": ("grid", "EXTRAPOLATIONS"),
    "INTERPOLATIONS": ("grid", "INTERPOLATIONS"),
    "GridMember": ("grid", "GridMember"),
    "read_member": ("grid", "read_member"),
    "PDFError": ("grid", "PDFError"),
    "read_info": ("info", "read_info"),
    "check_info": ("info", "check_info"),
    "BACKENDS": ("sets", "BACKENDS"),
    "PDFSet": ("sets", "PDFSet"),
    "load_pdf": ("sets", "load_pdf"),
    "load_pset": ("sets", "load_pset"),
    "from_xf": ("sets", "from_xf"),
    "locate": ("sets", "locate"),
    "member_file": ("sets", "member_file"),
    "pythia_pdfdata": ("sets", "pythia_pdfdata"),
    "search_path": ("sets", "search_path"),
    "grid_cache_dir": ("cache", "grid_cache_dir"),
    "PDFBackend": ("backend", "PDFBackend"),
    "PDFSource": ("backend", "PDFSource"),
    "PDF_BACKENDS": ("registry", "PDF_BACKENDS"),
    "backend_names": ("registry", "backend_names"),
    "get_backend": ("registry", "get_backend"),
    "set_backend": ("registry", "set_backend"),
    "register_backend": ("registry", "register_backend"),
    "unregister_backend": ("registry", "unregister_backend"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

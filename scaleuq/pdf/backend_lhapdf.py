"""The ``lhapdf`` PDF backend: the LHAPDF 6 Python module evaluates the set.

LHAPDF is built with its C++ library (https://lhapdf.hepforge.org/install.html), not by pip, so
the backend is available only where ``import lhapdf`` works. The calls used are the few every
LHAPDF 6 Python binding has: ``setVerbosity``, ``pathsPrepend``, ``mkPDF(name, member)`` and,
on a member, ``xfxQ2``, ``alphasQ``, ``flavors``, ``xMin``/``xMax``/``q2Min``/``q2Max``.
The set is found by scaleuq's search (:func:`scaleuq.pdf.sets.locate`), and its folder's parent
is put first on LHAPDF's path, so ``--pdf-path`` works for both backends alike.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import LHAPDFMissingError, PDFError
from scaleuq.pdf.backend import PDFBackend

if TYPE_CHECKING:
    from scaleuq.pdf.alphas import AlphaS
    from scaleuq.pdf.location import SetLocation


def _value(obj: Any, attr: str) -> float:
    """A member attribute that is a property in some bindings and a method in others."""
    v = getattr(obj, attr)
    return float(v() if callable(v) else v)


class LHAPDFBackend(PDFBackend):
    """Members of a set as LHAPDF ``PDF`` objects, evaluated point by point."""

    name = "lhapdf"
    description = "the LHAPDF Python module (where importable)"

    def __init__(self, members: Sequence[int], objects: Sequence[Any], set_name: str) -> None:
        self.members = tuple(int(m) for m in members)
        self.objects = tuple(objects)
        self.set_name = set_name

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec("lhapdf") is not None

    @classmethod
    def open(
        cls,
        location: SetLocation,
        members: Sequence[int],
        *,
        info: Mapping[str, Any],
        alphas: AlphaS,
        interpolation: str,
        extrapolation: str,
    ) -> LHAPDFBackend:
        try:
            import lhapdf  # type: ignore[import-not-found]
        except ImportError:
            raise LHAPDFMissingError() from None
        if interpolation != "lhapdf":
            raise PDFError(
                f"PDF set {location.name}: the lhapdf backend interpolates as LHAPDF does; "
                f"interpolation '{interpolation}' needs --pdf-backend builtin"
            )
        own = str(info.get("Extrapolator", "continuation")).lower()
        if extrapolation != own:
            raise PDFError(
                f"PDF set {location.name}: the lhapdf backend extrapolates as the set's .info says "
                f"({own}); extrapolation '{extrapolation}' needs --pdf-backend builtin"
            )
        if location.info_path is None:
            raise PDFError(
                f"PDF set {location.name}: LHAPDF needs a set folder with {location.name}.info; "
                "a lone grid file needs --pdf-backend builtin"
            )
        if hasattr(lhapdf, "setVerbosity"):
            lhapdf.setVerbosity(0)  # no banner on stdout
        lhapdf.pathsPrepend(str(location.info_path.parent.parent))
        objects = []
        for m in members:
            try:
                objects.append(lhapdf.mkPDF(location.name, int(m)))
            except Exception as exc:
                raise PDFError(
                    f"PDF set {location.name}: LHAPDF cannot load member {m} ({exc})"
                ) from None
        return cls(members, objects, location.name)

    @property
    def flavours(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.objects[0].flavors())

    @property
    def x_range(self) -> tuple[float, float]:
        first = self.objects[0]
        return _value(first, "xMin"), _value(first, "xMax")

    @property
    def q_range(self) -> tuple[float, float]:
        first = self.objects[0]
        return math.sqrt(_value(first, "q2Min")), math.sqrt(_value(first, "q2Max"))

    def xfxq2(self, pid: np.ndarray, x: np.ndarray, q2: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(x)))
        points = list(zip(pid.tolist(), x.tolist(), q2.tolist()))
        for k, r in enumerate(rows.tolist()):
            member = self.objects[r]
            try:
                out[k] = [member.xfxQ2(p, a, b) for p, a, b in points]
            except Exception as exc:
                raise PDFError(f"PDF set {self.set_name}: LHAPDF: {exc}") from None
        return out

    def alphas_q(self, q: Any) -> np.ndarray:
        q = np.asarray(q, dtype=np.float64)
        first = self.objects[0]
        try:
            vals = [first.alphasQ(v) for v in np.atleast_1d(q).tolist()]
        except Exception as exc:
            raise PDFError(f"PDF set {self.set_name}: LHAPDF alpha_s: {exc}") from None
        return np.array(vals, dtype=np.float64).reshape(q.shape)

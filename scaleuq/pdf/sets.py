"""Finding and loading LHAPDF6 PDF sets: set directories, single member files, LHAPDF ids.

Search path, in order: the ``pdf_path`` argument (``--pdf-path``), the directories of the
``LHAPDF_DATA_PATH`` environment variable (colon separated, as LHAPDF reads it), and the
``share/Pythia8/pdfdata`` directory of an installed ``pythia8mc`` (found from the module's
location; the module itself is not imported). A set is named as

* ``NAME``: a directory ``NAME/`` with ``NAME.info`` and ``NAME_0000.dat``, ... (LHAPDF layout),
  or a lone ``NAME_0000.dat`` (the grids pythia8mc ships: central member only, no ``.info``);
* ``NAME/MEMBER``: one member of it;
* a path to a set directory or to a ``.dat`` member file;
* an LHAPDF id (``247000``), looked up in a ``pdfsets.index`` on the search path.

With ``backend="lhapdf"`` the ``lhapdf`` Python module evaluates the same calls instead.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.pdf.alphas import DEFAULTS, AlphaS, from_info
from scaleuq.pdf.backend import PDFBackend
from scaleuq.pdf.cache import CACHE_ENV as CACHE_ENV  # re-exported
from scaleuq.pdf.cache import grid_cache_dir as grid_cache_dir  # re-exported
from scaleuq.pdf.grid import EXTRAPOLATIONS, INTERPOLATIONS, GridMember, PDFError
from scaleuq.pdf.info import read_info
from scaleuq.pdf.location import SetLocation

log = logging.getLogger(__name__)

#: Extra directories to search for PDF sets: one path or several.
PdfPath = (
    str
    | os.PathLike[str]
    | list[str | os.PathLike[str]]
    | tuple[str | os.PathLike[str], ...]
    | None
)

#: The PDF backends that ship with scaleuq (:mod:`scaleuq.pdf.registry` holds every one).
BACKENDS = ("builtin", "lhapdf")


_NNPDF_AS = re.compile(r"_as_(\d{4})(?:_|$)")


def pythia_pdfdata() -> Path | None:
    """The ``share/Pythia8/pdfdata`` directory of an installed pythia8mc, if any."""
    spec = importlib.util.find_spec("pythia8mc")
    candidates = []
    if spec is not None and spec.origin:
        here = Path(spec.origin).resolve().parent
        candidates += [p / "share" / "Pythia8" / "pdfdata" for p in [here, *here.parents][:5]]
    candidates.append(Path(sys.prefix) / "share" / "Pythia8" / "pdfdata")
    if os.environ.get("PYTHIA8DATA"):  # Pythia's xmldoc folder; pdfdata is beside it
        candidates.append(Path(os.environ["PYTHIA8DATA"]).parent / "pdfdata")
    return next((c for c in candidates if c.is_dir()), None)


def search_path(
    pdf_path: PdfPath = None,
) -> list[Path]:
    """The directories searched for PDF sets, in order (see the module docstring)."""
    dirs: list[Path] = []
    if pdf_path:
        items = pdf_path if isinstance(pdf_path, (list, tuple)) else [pdf_path]
        for item in items:
            dirs += [Path(p) for p in str(item).split(os.pathsep) if p]
    env = os.environ.get("LHAPDF_DATA_PATH", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    pythia = pythia_pdfdata()
    if pythia is not None:
        dirs.append(pythia)
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _lhapdf_id(number: int, dirs: list[Path]) -> tuple[str, int]:
    """(set name, member) of an LHAPDF id from a ``pdfsets.index`` on the path."""
    for d in dirs:
        index = d / "pdfsets.index"
        if not index.is_file():
            continue
        best: tuple[int, str] | None = None
        for line in index.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].isdigit():
                first = int(parts[0])
                if first <= number and (best is None or first > best[0]):
                    best = (first, parts[1])
        if best is not None:
            return best[1], number - best[0]
    raise PDFError(
        f"LHAPDF id {number}: no pdfsets.index on the PDF search path "
        f"({', '.join(map(str, dirs)) or 'empty'}); name the set instead (e.g. --pdf NNPDF23_lo_as_0130_qed)"
    )


def locate(spec: str | os.PathLike[str], pdf_path: PdfPath = None) -> SetLocation:
    """Find a set (see the module docstring for the forms of ``spec``)."""
    dirs = search_path(pdf_path)
    text = str(spec).strip()
    member: int | None = None
    if text.isdigit():
        name, member = _lhapdf_id(int(text), dirs)
        text = name
    path = Path(text)
    if path.is_file() and path.suffix == ".dat":
        m = re.match(r"(.*)_(\d{4})$", path.stem)
        num = int(m.group(2)) if m else 0
        info = path.parent / f"{m.group(1) if m else path.stem}.info"
        name = m.group(1) if m else path.stem
        return SetLocation(name, info if info.is_file() else None, {num: path}, num)
    if path.is_dir():
        return _from_dir(path, path.name, member)
    if "/" in text and not path.exists():
        head, tail = text.rsplit("/", 1)
        if tail.isdigit():
            loc = locate(head, pdf_path)
            return SetLocation(loc.name, loc.info_path, loc.member_paths, int(tail))
    for d in dirs:
        if (d / text).is_dir():
            return _from_dir(d / text, text, member)
        lone = d / f"{text}_0000.dat"
        if lone.is_file():
            return SetLocation(text, None, {0: lone}, member)
        if (d / f"{text}.dat").is_file():
            return SetLocation(text, None, {0: d / f"{text}.dat"}, member)
    if not dirs:
        raise PDFError(
            f"PDF set '{spec}' not found: no folder to search (no --pdf-path, LHAPDF_DATA_PATH "
            "unset, and pythia8mc, whose wheel ships NNPDF grids, is not installed): install it "
            'with `pip install "scaleuq[mc]"`, or pass --pdf-path DIR (or set LHAPDF_DATA_PATH)'
        )
    hint = (
        ""
        if pythia_pdfdata() is not None
        else '; pythia8mc\'s grids are not on it (`pip install "scaleuq[mc]"` adds them)'
    )
    raise PDFError(
        f"PDF set '{spec}' not found in {', '.join(map(str, dirs))}{hint} "
        "(set LHAPDF_DATA_PATH or pass --pdf-path)"
    )


def member_file(spec: str | os.PathLike[str], member: int = 0, *, pdf_path: PdfPath = None) -> Path:
    """The ``.dat`` file of one member of a set found by :func:`locate` (e.g. the central grid
    that ``scaleuq series dis`` evolves; read it with :func:`scaleuq.pdf.read_member`).

    Raises:
        PDFError: the set is not on the search path, or that member is not on disk.
    """
    loc = locate(spec, pdf_path)
    if member not in loc.member_paths:
        raise PDFError(f"PDF set {loc.name}: member {member} is not on disk")
    return loc.member_paths[member]


def _from_dir(d: Path, name: str, member: int | None) -> SetLocation:
    info = d / f"{name}.info"
    members: dict[int, Path] = {}
    for f in sorted(d.glob(f"{name}_*.dat")):
        m = re.match(rf"{re.escape(name)}_(\d{{4}})$", f.stem)
        if m:
            members[int(m.group(1))] = f
    if not members:
        raise PDFError(f"{d}: no member files {name}_NNNN.dat")
    return SetLocation(name, info if info.is_file() else None, members, member)


def default_alphas(
    name: str,
    *,
    alphas_mz: float | None = None,
    order: int | None = None,
    masses: dict[int, float] | None = None,
    mz: float | None = None,
    nf_max: int | None = None,
) -> AlphaS:
    """alpha_s for a set without ``.info``: the options given, else the NNPDF naming convention
    (``..._as_0130...`` means alpha_s(M_Z) = 0.130; ``_lo_``/``_nlo_``/``_nnlo_`` the order),
    else :data:`scaleuq.pdf.alphas.DEFAULTS`."""
    source = []
    if alphas_mz is None and (m := _NNPDF_AS.search(name)):
        alphas_mz = int(m.group(1)) / 1000
        source.append(f"alpha_s(M_Z) = {alphas_mz} from the set name")
    if order is None:
        low = f"_{name.lower()}_"
        for tag, value in (("_nnlo_", 2), ("_nlo_", 1), ("_lo_", 0)):
            if tag in low:
                order = value
                source.append(f"order {value} from '{tag.strip('_')}' in the set name")
                break
    used_default = [
        k
        for k, v in (("alpha_s(M_Z)", alphas_mz), ("order", order), ("masses", masses), ("M_Z", mz))
        if v is None
    ]
    if used_default:
        source.append("defaults (PDG 2024) for " + ", ".join(used_default))
    return AlphaS(
        "ode",
        order=DEFAULTS["order"] if order is None else order,
        mz=DEFAULTS["mz"] if mz is None else mz,
        alphas_mz=DEFAULTS["alphas_mz"] if alphas_mz is None else alphas_mz,
        masses=dict(DEFAULTS["masses"]) if masses is None else dict(masses),
        nf_max=nf_max,
        source="; ".join(source) or "options",
    )


def _is_physical(x: np.ndarray, q2: np.ndarray) -> None:
    bad = ~np.isfinite(x) | ~np.isfinite(q2) | (x <= 0) | (x > 1) | (q2 < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PDFError(
            f"x = {x[i]!r}, Q^2 = {q2[i]!r} is not a physical point (0 < x <= 1, Q^2 >= 0)"
        )


@dataclass(frozen=True)
class PDFSet:
    """An LHAPDF6 set (or the members of it asked for), evaluated by a backend.

    Attributes:
        name: set name.
        info: the checked ``.info`` contents ({} when there is none).
        members: member numbers loaded, in order (row order of :meth:`xfxq`).
        lhapdf_id: ``SetIndex`` of the ``.info`` (LHAPDF id of member 0), or None.
        error_type: ``ErrorType`` of the ``.info`` (``replicas``, ``hessian``, ``symmhessian``),
            or None.
        alphas: the set's alpha_s. Replacing it (``dataclasses.replace(pdf, alphas=...)``)
            makes :meth:`alphas_q` use the new one, whatever the backend.
        interpolation, extrapolation: see :mod:`scaleuq.pdf.grid`.
        backend: the backend's registry name (``builtin``, ``lhapdf``, ...).
        engine: the :class:`scaleuq.pdf.backend.PDFBackend` that evaluates the members.
        location: where the set's files are (None for a wrapped object).
    """

    name: str
    info: dict[str, Any]
    members: tuple[int, ...]
    lhapdf_id: int | None
    error_type: str | None
    alphas: AlphaS
    interpolation: str = "lhapdf"
    extrapolation: str = "continuation"
    backend: str = "builtin"
    engine: PDFBackend | None = field(default=None, repr=False, compare=False)
    location: SetLocation | None = field(default=None, repr=False, compare=False)
    _native_alphas: AlphaS | None = field(default=None, repr=False, compare=False)

    def _engine(self) -> PDFBackend:
        if self.engine is None:
            raise PDFError(f"PDF set {self.name} has no backend to evaluate it")
        return self.engine

    # the builtin backend's arrays (kept for code that reads them)
    @property
    def _grid(self) -> GridMember | None:
        return getattr(self.engine, "grid", None)

    @property
    def _values(self) -> np.ndarray | None:
        return getattr(self.engine, "values", None)

    @property
    def _values_t(self) -> np.ndarray | None:
        return getattr(self.engine, "values_t", None)

    @property
    def x_range(self) -> tuple[float, float]:
        """(x_min, x_max) of the grid."""
        return self._engine().x_range

    @property
    def q_range(self) -> tuple[float, float]:
        """(Q_min, Q_max) of the grid in GeV."""
        return self._engine().q_range

    @property
    def pids(self) -> tuple[int, ...]:
        """Parton ids the grid holds (the backend's ``flavours``)."""
        return self._engine().flavours

    @property
    def files(self) -> tuple[Path, ...]:
        """The files this set was read from (its ``.info`` and the loaded members' grids):
        inputs that no output may overwrite."""
        if self.location is None:
            return ()
        info = () if self.location.info_path is None else (self.location.info_path,)
        return (*info, *(self.location.member_paths[m] for m in self.members))

    def lhapdf_ids(self) -> list[int | None]:
        """LHAPDF id of each loaded member (None when the set has no ``SetIndex``)."""
        return [None if self.lhapdf_id is None else self.lhapdf_id + m for m in self.members]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description."""
        return {
            "name": self.name,
            "members": list(self.members),
            "lhapdf_id": self.lhapdf_id,
            "error_type": self.error_type,
            "alphas": self.alphas.to_dict(),
            "interpolation": self.interpolation,
            "extrapolation": self.extrapolation,
            "backend": self.backend,
            "x_range": list(self.x_range),
            "q_range": list(self.q_range),
        }

    def xfxq2(self, pid: Any, x: Any, q2: Any, *, rows: Any = None) -> np.ndarray:
        """x f(x, Q^2) for the loaded members: arrays of (pid, x, Q^2 in GeV^2) in, an
        (n_members, n) array out (``rows``: only these positions of :attr:`members`).

        Raises:
            PDFError: a point outside 0 < x <= 1, Q^2 >= 0, or one the backend refuses.
        """
        pid = np.atleast_1d(np.asarray(pid, dtype=np.int64))
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        q2 = np.atleast_1d(np.asarray(q2, dtype=np.float64))
        pid, x, q2 = np.broadcast_arrays(pid, x, q2)
        _is_physical(x, q2)
        which = (
            np.arange(len(self.members), dtype=np.int64)
            if rows is None
            else np.atleast_1d(np.asarray(rows, dtype=np.int64))
        )
        return self._engine().xfxq2(pid, x, q2, which)

    def xfxq(self, pid: Any, x: Any, q: Any, *, rows: Any = None) -> np.ndarray:
        """As :meth:`xfxq2` with Q in GeV."""
        q = np.asarray(q, dtype=np.float64)
        return self.xfxq2(pid, x, q * q, rows=rows)

    def alphas_q(self, q: Any) -> np.ndarray:
        """alpha_s at Q (GeV): the backend's own (LHAPDF's ``alphasQ`` for ``lhapdf``) while
        :attr:`alphas` is the set's, else :attr:`alphas`."""
        q = np.asarray(q, dtype=np.float64)
        if self.engine is not None and self.alphas is self._native_alphas:
            return self.engine.alphas_q(q)
        return self.alphas(q)


def from_xf(pdf: Any, alphas: AlphaS, *, name: str = "external xf") -> PDFSet:
    """An object with Pythia's ``xf(id, x, Q2)`` (e.g. ``pythia.getPDFPtr(2212)``) as a
    one-member :class:`PDFSet` (backend ``xf``, called point by point), alpha_s from ``alphas``."""
    from scaleuq.pdf.backend_xf import XfBackend

    if not callable(getattr(pdf, "xf", None)):
        raise PDFError(f"{pdf!r} has no xf(id, x, Q2) method")
    engine = XfBackend(pdf, alphas)
    return PDFSet(name, {}, (0,), None, None, alphas, "external", "external", XfBackend.name,
                  engine, None, alphas)  # fmt: skip


def load_pset(
    word: str | os.PathLike[str], *, alphas: AlphaS | None = None, pdf_path: PdfPath = None
) -> PDFSet:
    """A set named as Pythia's ``PDF:pSet`` names it, ``LHAGrid1:FILE.dat`` (read with Pythia's
    LHAGrid1 interpolation, so that values are the generator's), or as :func:`load_pdf` names
    it (a set name, ``NAME/MEMBER``, a path, an LHAPDF id; LHAPDF's interpolation)."""
    text = str(word)
    if not text.lower().startswith("lhagrid1:"):
        return load_pdf(text, alphas=alphas, pdf_path=pdf_path)
    name = text.split(":", 1)[1].strip()
    stem = name[: -len("_0000.dat")] if name.endswith("_0000.dat") else name
    return load_pdf(stem, interpolation="pythia", alphas=alphas, pdf_path=pdf_path)


def _info_alphas(
    loc: SetLocation, info: dict[str, Any], alphas_mz: float | None, alphas_order: int | None
) -> AlphaS:
    """The set's alpha_s from its ``.info`` and the options: ``alphas_mz`` changes alpha_s(M_Z)
    only (the set's order, masses and M_Z stay); what would change more is refused."""
    source = str(loc.info_path)
    if "AlphaS_Type" in info or "AlphaS_MZ" in info:
        alphas = from_info(info, source)
        if alphas_order is not None and alphas_order != alphas.order:
            raise PDFError(
                f"{source}: the set's alpha_s runs at AlphaS_OrderQCD = {alphas.order}; "
                f"--alphas-order {alphas_order} is for sets without an .info"
            )
        if alphas_mz is None:
            return alphas
        if alphas.kind != "ode":
            raise PDFError(
                f"{source}: the set's alpha_s is an AlphaS_Type {alphas.kind} "
                f"{'table' if alphas.kind == 'ipol' else 'formula'}, which --alphas-mz cannot "
                "change; for an alpha_s variation use --alphas VALUE (or the set fitted at it)"
            )
        if not 0 < float(alphas_mz) < 1:
            raise PDFError(f"alpha_s(M_Z) = {alphas_mz} is not in (0, 1)")
        return dataclasses.replace(
            alphas,
            alphas_mz=float(alphas_mz),
            source=f"{source} (order, masses, M_Z) with alpha_s(M_Z) = {alphas_mz} given",
        )
    # an .info without alpha_s: its order, masses and M_Z still count
    order = alphas_order
    if order is None:
        order = info.get("AlphaS_OrderQCD", info.get("OrderQCD"))
    masses = {
        qid: info[key] for qid, key in ((4, "MCharm"), (5, "MBottom"), (6, "MTop")) if key in info
    }
    return default_alphas(
        loc.name,
        alphas_mz=alphas_mz,
        order=order,
        masses=masses or None,
        mz=info.get("MZ"),
        nf_max=info.get("AlphaS_NumFlavors", info.get("NumFlavors")),
    )


def load_pdf(
    spec: str | os.PathLike[str],
    *,
    members: str | list[int] | None = None,
    pdf_path: PdfPath = None,
    backend: str | None = None,
    interpolation: str = "lhapdf",
    extrapolation: str | None = None,
    alphas: AlphaS | None = None,
    alphas_mz: float | None = None,
    alphas_order: int | None = None,
) -> PDFSet:
    """Load a PDF set (or some of its members).

    Args:
        spec: ``NAME``, ``NAME/MEMBER``, a path, or an LHAPDF id (see the module docstring).
        members: ``central`` (member 0), ``all``, or a list of member numbers; default: the
            member named in ``spec``, else the central one.
        pdf_path: extra directories to search first.
        backend: a name in the backend registry (:mod:`scaleuq.pdf.registry`): ``builtin``
            (this package) or ``lhapdf`` (the LHAPDF Python module), or a registered one;
            None: the default (:func:`scaleuq.pdf.registry.set_backend`, ``builtin``).
        interpolation: ``lhapdf`` (LHAPDF's log-bicubic) or ``pythia`` (Pythia's LHAGrid1).
        extrapolation: ``continuation``/``nearest``/``error``; default the ``.info``'s
            ``Extrapolator``, else ``continuation`` (LHAPDF 6's default).
        alphas: an explicit alpha_s (overrides the set's).
        alphas_mz: alpha_s(M_Z): for a set without ``.info``, with its order (``alphas_order``);
            for a set whose ``.info`` has an ``ode`` alpha_s, it changes alpha_s(M_Z) only
            (the set's order, masses and M_Z stay); refused for ``ipol``/``analytic`` ones.
        alphas_order: LHAPDF order of alpha_s for a set without ``.info`` alpha_s (refused when
            it contradicts the ``.info``).

    Parsed grids of five or more members are cached (:mod:`scaleuq.pdf.cache`): the second load
    of the same members reads one checked ``.npz``.

    Raises:
        PDFError: the set is not found, a file or field is malformed, or an option does not
            apply (each message names the file or option).
    """
    from scaleuq.pdf.registry import get_backend

    engine_cls = get_backend(backend)
    if interpolation not in INTERPOLATIONS:
        raise PDFError(
            f"unknown interpolation '{interpolation}'; choose {', '.join(INTERPOLATIONS)}"
        )
    loc = locate(spec, pdf_path)
    info = read_info(loc.info_path) if loc.info_path else {}
    if members is None:
        wanted = [loc.member if loc.member is not None else 0]
    elif members == "central":
        wanted = [0]
    elif members == "all":
        wanted = sorted(loc.member_paths)
    elif isinstance(members, str):
        raise PDFError(f"unknown member choice '{members}'; choose central, all or a list")
    else:
        wanted = [int(m) for m in members]
    missing = [m for m in wanted if m not in loc.member_paths]
    if missing:
        have = sorted(loc.member_paths)
        raise PDFError(
            f"PDF set {loc.name}: member {missing[0]} is not on disk (members found: "
            f"{have[0]}-{have[-1]})"
            if have
            else f"PDF set {loc.name}: no members on disk"
        )
    xpol = extrapolation or str(info.get("Extrapolator", "continuation")).lower()
    if xpol not in EXTRAPOLATIONS:
        raise PDFError(f"unknown extrapolation '{xpol}'; choose {', '.join(EXTRAPOLATIONS)}")
    if alphas is None:
        if info:
            alphas = _info_alphas(loc, info, alphas_mz, alphas_order)
        else:
            alphas = default_alphas(loc.name, alphas_mz=alphas_mz, order=alphas_order)
        log.info("alpha_s for %s: %s", loc.name, alphas.source)
    engine = engine_cls.open(
        loc, wanted, info=info, alphas=alphas, interpolation=interpolation, extrapolation=xpol
    )
    set_index = info.get("SetIndex")
    grid = getattr(engine, "grid", None)
    if set_index is None and grid is not None and grid.header.get("SetIndex"):
        try:
            set_index = int(grid.header["SetIndex"])
        except ValueError:
            raise PDFError(
                f"{grid.path}: SetIndex '{grid.header['SetIndex']}' is not an integer"
            ) from None
    error_type = info.get("ErrorType")
    return PDFSet(
        loc.name,
        info,
        tuple(wanted),
        int(set_index) if set_index is not None else None,
        str(error_type) if error_type else None,
        alphas,
        interpolation,
        xpol,
        engine_cls.name,
        engine,
        loc,
        alphas,
    )

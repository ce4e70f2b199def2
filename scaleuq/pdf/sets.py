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

import importlib.util
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scaleuq.errors import LHAPDFMissingError
from scaleuq.pdf.alphas import DEFAULTS, AlphaS, from_info
from scaleuq.pdf.grid import (
    EXTRAPOLATIONS,
    INTERPOLATIONS,
    GridMember,
    PDFError,
    evaluate,
    members_last,
    read_member,
)

log = logging.getLogger(__name__)

#: Extra directories to search for PDF sets: one path or several.
PdfPath = (
    str
    | os.PathLike[str]
    | list[str | os.PathLike[str]]
    | tuple[str | os.PathLike[str], ...]
    | None
)

#: Extra directories to search for PDF sets: one path or several.
PdfPath = (
    str
    | os.PathLike[str]
    | list[str | os.PathLike[str]]
    | tuple[str | os.PathLike[str], ...]
    | None
)

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


@dataclass(frozen=True)
class SetLocation:
    """Where a set's files are.

    Attributes:
        name: the set name.
        info_path: the ``.info`` file, or None (a lone grid file).
        member_paths: member files by member number.
        member: the member asked for (``NAME/MEMBER``), or None for the whole set.
    """

    name: str
    info_path: Path | None
    member_paths: dict[int, Path]
    member: int | None


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
    raise PDFError(
        f"PDF set '{spec}' not found in {', '.join(map(str, dirs)) or 'an empty search path'} "
        "(set LHAPDF_DATA_PATH or pass --pdf-path)"
    )


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


def read_info(path: Path) -> dict[str, Any]:
    """Parse an LHAPDF ``.info`` file (YAML)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError as exc:
        raise PDFError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise PDFError(f"{path}: not an LHAPDF .info file")
    return data


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


@dataclass(frozen=True)
class PDFSet:
    """An LHAPDF6 set (or the members of it asked for), evaluated in numpy.

    Attributes:
        name: set name.
        info: the ``.info`` contents ({} when there is none).
        members: member numbers loaded, in order (row order of :meth:`xfxq`).
        lhapdf_id: ``SetIndex`` of the ``.info`` (LHAPDF id of member 0), or None.
        error_type: ``ErrorType`` of the ``.info`` (``replicas``, ``hessian``, ``symmhessian``),
            or None.
        alphas: the set's alpha_s.
        interpolation, extrapolation: see :mod:`scaleuq.pdf.grid`.
        backend: ``builtin`` or ``lhapdf``.
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
    _grid: GridMember | None = field(default=None, repr=False)
    _values: np.ndarray | None = field(default=None, repr=False)
    _values_t: np.ndarray | None = field(default=None, repr=False)
    _lhapdf: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def x_range(self) -> tuple[float, float]:
        """(x_min, x_max) of the grid."""
        if self._grid is not None:
            return float(self._grid.x[0]), float(self._grid.x[-1])
        return float(self.info.get("XMin", 0.0)), float(self.info.get("XMax", 1.0))

    @property
    def q_range(self) -> tuple[float, float]:
        """(Q_min, Q_max) of the grid in GeV."""
        if self._grid is not None:
            return self._grid.q_min, self._grid.q_max
        return float(self.info.get("QMin", 0.0)), float(self.info.get("QMax", np.inf))

    @property
    def pids(self) -> tuple[int, ...]:
        """Parton ids the grid holds."""
        if self._grid is not None:
            return self._grid.pids
        return tuple(int(v) for v in self.info.get("Flavors", ()))

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
        (n_members, n) array out (``rows``: only these positions of :attr:`members`)."""
        pid = np.atleast_1d(np.asarray(pid, dtype=np.int64))
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        q2 = np.atleast_1d(np.asarray(q2, dtype=np.float64))
        pid, x, q2 = np.broadcast_arrays(pid, x, q2)
        which = (
            list(range(len(self.members)))
            if rows is None
            else [int(r) for r in np.atleast_1d(rows)]
        )
        if self.backend == "lhapdf":
            out = np.empty((len(which), len(x)))
            for k, r in enumerate(which):
                member = self._lhapdf[r]
                out[k] = [member.xfxQ2(int(p), float(a), float(b)) for p, a, b in zip(pid, x, q2)]
            return out
        assert self._grid is not None and self._values is not None
        force = int(self.info.get("ForcePositive", 0) or 0)
        if self.interpolation == "pythia":
            force = max(force, 1)  # Pythia's PDF::xf returns max(0, x f)
        return evaluate(
            self._grid,
            self._values,
            pid,
            x,
            q2,
            interpolation=self.interpolation,
            extrapolation=self.extrapolation,
            force_positive=force,
            rows=np.array(which, dtype=np.int64),
            values_t=self._values_t,
        )

    def xfxq(self, pid: Any, x: Any, q: Any, *, rows: Any = None) -> np.ndarray:
        """As :meth:`xfxq2` with Q in GeV."""
        q = np.asarray(q, dtype=np.float64)
        return self.xfxq2(pid, x, q * q, rows=rows)

    def alphas_q(self, q: Any) -> np.ndarray:
        """alpha_s at Q (GeV) (LHAPDF's ``alphasQ``; the lhapdf backend asks LHAPDF)."""
        q = np.asarray(q, dtype=np.float64)
        if self.backend == "lhapdf":
            first = self._lhapdf[0]
            return np.array([first.alphasQ(float(v)) for v in np.atleast_1d(q)]).reshape(q.shape)
        return self.alphas(q)


#: environment variable naming the cache directory of parsed grids (``off``: no cache)
CACHE_ENV = "SCALEUQ_CACHE_DIR"
_CACHE_FORMAT = 2


def grid_cache_dir() -> Path | None:
    """Where parsed member grids are kept: ``$SCALEUQ_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/scaleuq``, else ``~/.cache/scaleuq`` (a ``pdf-grids`` folder in it);
    None when ``SCALEUQ_CACHE_DIR`` is ``off`` (or empty)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env) / "pdf-grids"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scaleuq" / "pdf-grids"


#: files modified less than this long ago (s) are not cached (a rewrite within the file
#: system's timestamp resolution could keep size and mtime: git's "racy" rule)
_RACY_S = 2.0
#: loads of fewer members are not cached
_CACHE_MIN_MEMBERS = 5


def _cache_file(paths: list[Path]) -> tuple[Path, float] | None:
    """The cache entry of these member files, keyed by their absolute paths, sizes, inodes and
    modification and change times (an edited or replaced file gets a new entry), and the
    newest of their modification times (s since the epoch)."""
    import hashlib

    d = grid_cache_dir()
    if d is None:
        return None
    h = hashlib.sha256(f"scaleuq-grid-cache {_CACHE_FORMAT}\n".encode())
    newest = 0.0
    for p in paths:
        st = p.stat()
        newest = max(newest, st.st_mtime)
        h.update(
            f"{p.resolve()}\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n".encode()
        )
    return d / f"{paths[0].stem}-{len(paths)}-{h.hexdigest()[:24]}.npz", newest


def _load_cached(entry: Path, path0: Path) -> tuple[GridMember, np.ndarray] | None:
    import json

    from scaleuq.pdf.grid import Subgrid

    try:
        with np.load(entry, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != _CACHE_FORMAT:
                return None
            # stored members last (the compiled kernels' layout, :func:`members_last`); the
            # (n_members, ...) view of it costs no copy, nor does members_last of that view
            values = np.moveaxis(z["values_t"], -1, 0)
            x = z["x"]
            qs = [z[f"q{k}"] for k in range(len(meta["starts"]))]
    except (OSError, ValueError, KeyError) as exc:
        log.debug("grid cache %s unreadable (%s); parsing the member files", entry, exc)
        return None
    subgrids = tuple(Subgrid(q, int(s)) for q, s in zip(qs, meta["starts"]))
    first = GridMember(str(path0), x, subgrids, tuple(meta["pids"]), values[0], meta["header"])
    return first, values


def _store_cached(entry: Path, first: GridMember, values: np.ndarray) -> None:
    import io
    import json

    from scaleuq.util.atomic import atomic_write_bytes

    meta = {
        "format": _CACHE_FORMAT,
        "pids": list(first.pids),
        "starts": [s.start for s in first.subgrids],
        "header": first.header,
    }
    arrays = {f"q{k}": s.q for k, s in enumerate(first.subgrids)}
    buf = io.BytesIO()
    np.savez(
        buf,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        values_t=members_last(values),
        x=first.x,
        **arrays,
    )
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(entry, buf.getvalue())
    except OSError as exc:  # a read-only home is no error: the grids are just parsed again
        log.debug("cannot write the grid cache %s (%s)", entry, exc)


def _read_members(paths: list[Path], wanted: list[int]) -> tuple[GridMember, np.ndarray]:
    """The first member's grid and the (n_members, n_pids, n_x, n_q) stack of all members'
    values: from the grid cache (:func:`grid_cache_dir`) when the files are unchanged, else
    parsed (and cached when there are at least five: parsing 100 members takes seconds,
    loading them from the cache a fraction of a second)."""
    import time

    try:  # only sets of several members: one member parses in milliseconds
        keyed = _cache_file(paths) if len(paths) >= _CACHE_MIN_MEMBERS else None
    except OSError:
        keyed = None
    entry = keyed[0] if keyed is not None else None
    if entry is not None and entry.is_file():
        got = _load_cached(entry, paths[0])
        if got is not None:
            return got
    if len(paths) > 4:  # pandas' C tokenizer releases the GIL: read members side by side
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            grids = list(pool.map(read_member, paths))
    else:
        grids = [read_member(p) for p in paths]
    first = grids[0]
    for g in grids[1:]:
        if (
            g.pids != first.pids
            or g.values.shape != first.values.shape
            or not np.array_equal(g.x, first.x)
            or any(not np.array_equal(a.q, b.q) for a, b in zip(g.subgrids, first.subgrids))
        ):
            raise PDFError(f"{g.path}: its grid differs from member {wanted[0]}'s")
    values = np.stack([g.values for g in grids]) if len(grids) > 1 else first.values[None]
    if keyed is not None and time.time() - keyed[1] > _RACY_S:
        _store_cached(keyed[0], first, values)
    return first, values


def load_pdf(
    spec: str | os.PathLike[str],
    *,
    members: str | list[int] | None = None,
    pdf_path: PdfPath = None,
    backend: str = "builtin",
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
        backend: ``builtin`` (this package) or ``lhapdf`` (the LHAPDF Python module).
        interpolation: ``lhapdf`` (LHAPDF's log-bicubic) or ``pythia`` (Pythia's LHAGrid1).
        extrapolation: ``continuation``/``nearest``/``error``; default the ``.info``'s
            ``Extrapolator``, else ``continuation`` (LHAPDF 6's default).
        alphas: an explicit alpha_s (overrides the set's).
        alphas_mz, alphas_order: alpha_s(M_Z) and LHAPDF order for a set without ``.info``.

    Parsed grids of five or more members are cached (:func:`grid_cache_dir`): the second load
    of the same members reads one ``.npz``.
    """
    if backend not in BACKENDS:
        raise PDFError(f"unknown PDF backend '{backend}'; choose {', '.join(BACKENDS)}")
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
        if info and ("AlphaS_Type" in info or "AlphaS_MZ" in info) and alphas_mz is None:
            alphas = from_info(info, str(loc.info_path))
        else:
            alphas = default_alphas(loc.name, alphas_mz=alphas_mz, order=alphas_order)
            log.info("alpha_s for %s: %s", loc.name, alphas.source)
    set_index = info.get("SetIndex")
    error_type = info.get("ErrorType")
    if backend == "lhapdf":
        try:
            import lhapdf  # type: ignore[import-not-found]
        except ImportError:
            raise LHAPDFMissingError() from None
        objs = tuple(lhapdf.mkPDF(loc.name, m) for m in wanted)
        return PDFSet(
            loc.name,
            info,
            tuple(wanted),
            set_index,
            error_type,
            alphas,
            interpolation,
            xpol,
            backend,
            None,
            None,
            None,
            objs,
        )
    paths = [loc.member_paths[m] for m in wanted]
    first, values = _read_members(paths, wanted)
    if set_index is None and first.header.get("SetIndex"):
        set_index = first.header["SetIndex"]
    return PDFSet(
        loc.name,
        info,
        tuple(wanted),
        int(set_index) if set_index is not None else None,
        str(error_type) if error_type else None,
        alphas,
        interpolation,
        xpol,
        backend,
        first,
        values,
        members_last(values),
    )

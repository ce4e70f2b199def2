"""Deep-inelastic structure functions order by order, LO to N3LO, at the 9 scale points.

The one perturbative series computable offline to N3LO. For every data point of the chosen
NNPDF datasets (kinematics x, Q^2, y from ``nnpdf_data``'s ``commondata/<set>/kinematics_*.yaml``;
no theory predictions are taken from there) and every (k_R, k_F) in {1/2, 1, 2}^2, hoppet
(Salam, Rojo, Karlberg et al., arXiv:0804.3755, arXiv:2509.xxxx for the structure functions; GPL,
optional extra ``series``) gives the contribution of each order; the value at an order is the sum
of the contributions up to it, all evaluated with alpha_s(k_R Q) and the PDF at k_F Q.

Observables (columns of the long format, :mod:`scaleuq.io.longformat`):

=================  ============================================================================
``F2``, ``FL``     neutral-current photon-exchange structure functions, F_L = F_2 - 2x F_1;
                   F_L has no O(alpha_s^0) term: its LO value is written as exactly 0
``sigma_red``      the photon-exchange NC reduced cross section F_2 - y^2/Y_+ F_L,
                   Y_+ = 1 + (1 - y)^2, y from the data point
``F2_Wp``, ``xF3_Wp``  charged current, W+ exchange (the e+ p points of a CC set), in hoppet's
                   normalisation: at LO F_2 = x(d + s + ubar + cbar), xF_3 = x(d + s - ubar - cbar)
                   (no b -> t: the top is decoupled)
``F2_Wm``, ``xF3_Wm``  charged current, W- exchange (the e- p points): u, c, dbar, sbar
=================  ============================================================================

Choices and why:

- **One PDF for all orders** (and one alpha_s): the PDF is evolved once (NNLO DGLAP, which makes
  the mu_F dependence of the N3LO structure functions cancel to O(alpha_s^4)), so the series
  isolates the missing higher orders of the coefficient functions, not PDF differences.
  ``toy``: the Les Houches benchmark PDF built into hoppet (Giele et al., hep-ph/0204316:
  x f at Q0 = sqrt(2) GeV, alpha_s(Q0) = 0.35, m_c = sqrt(2), m_b = 4.5 GeV);
  ``nnpdf31``: the central member of NNPDF3.1 NNLO (``NNPDF31_nnlo_as_0118_luxqed``, the
  LHAPDF grid shipped in the pythia8mc wheel), read at its Q0 = 1.65 GeV and evolved by hoppet
  with alpha_s(M_Z) = 0.118, m_c = 1.51, m_b = 4.92 GeV (its photon is dropped).
- **Heavy quarks**: variable flavour number with pole-mass thresholds, the top decoupled
  (n_f <= 5); hoppet is re-initialised per (k_R, k_F) (its arbitrary-scale mode is refused with
  a variable flavour number). Points need Q^2 >= ``q2_min`` (default 10 GeV^2) so that
  mu_F = k_F Q >= 1.58 GeV stays above the charm threshold.
- **Below the b threshold (Q < m_b) n_f = 4 throughout.** In variable-flavour mode hoppet takes
  the coefficient functions and beta_0 at n_f(Q) but its DGLAP holder, which supplies the
  splitting functions of the mu_F log terms, stays at n_f = 5, while the PDF below m_b evolves
  with 4 flavours: the mu_F variation of those points mixed n_f = 5 splitting functions with an
  n_f = 4 evolution. Points with Q < m_b are therefore computed in hoppet's fixed-flavour mode
  with n_f = 4 (:func:`_setup_ffn4`), from the same PDF and alpha_s: both are taken over from
  the variable-flavour evolution at Q1 = sqrt(m_c m_b) (where n_f = 4 in both) and evolved with
  4 flavours, so they equal the variable-flavour ones everywhere below m_b (PDFs to 1e-7);
  above m_b (k_F Q or k_R Q > m_b for k = 2) PDF, alpha_s and coefficient functions stay at
  n_f = 4 together, the consistent 4-flavour calculation of a point below the threshold.
  :attr:`DISSeries.n_ffn4` counts these points.
- **Z exchange**: the NC observables are photon exchange only, so NC points are kept up to
  ``nc_q2_max`` (default 1000 GeV^2), where the Z propagator factor Q^2/(Q^2 + M_Z^2) is at
  most 0.107 and the gamma-Z interference in F_2 comes with the small electron vector coupling
  (-1/2 + 2 sin^2 theta_W). The size of the neglected terms is not computed here.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleuq.choices import ENVELOPES, ORDERS, SERIES_PDFS
from scaleuq.errors import MissingDependencyError, OptionError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "DEFAULT_DATASETS",
    "DISPoint",
    "DISSeries",
    "dis_points",
    "series_dis",
]

logger = logging.getLogger(__name__)
# Unbuffered Fortran output, so that _quiet_stdout can silence hoppet's banner and warnings
# (read by the gfortran runtime when hoppet is first loaded).
os.environ.setdefault("GFORTRAN_UNBUFFERED_ALL", "1")

#: Datasets computed by default: the combined HERA I+II NC and CC data at sqrt(s) = 318 GeV.
DEFAULT_DATASETS = ("HERA_NC_318GEV", "HERA_CC_318GEV")
#: W and Z masses in GeV (PDG 2024) handed to hoppet's structure-function set-up.
MW, MZ = 80.369, 91.1876
#: PDF set-ups: (Q0 of the input, alpha_s reference value, its scale, m_c, m_b) in GeV.
_PDF_SETUP = {
    "toy": (math.sqrt(2.0), 0.35, math.sqrt(2.0), math.sqrt(2.0), 4.5),
    "nnpdf31": (1.65, 0.118, MZ, 1.51, 4.92),
}
_PDF_LABELS = {
    "toy": "Les Houches benchmark toy PDF (hep-ph/0204316), NNLO evolution, one PDF for all orders",
    "nnpdf31": "NNPDF3.1 NNLO central member (NNPDF31_nnlo_as_0118_luxqed, Q0 = 1.65 GeV), "
    "evolved by hoppet at NNLO, one PDF for all orders",
}
_NNPDF31_SET = "NNPDF31_nnlo_as_0118_luxqed"
#: Evolution order (loops) of the one PDF: NNLO.
EVOLUTION_LOOPS = 3
_TOP_DECOUPLED = 1.0e5  # a top mass far above every scale: n_f <= 5


@dataclass(frozen=True)
class DISPoint:
    """One data point: where it comes from and its kinematics.

    Attributes:
        dataset: NNPDF set name, e.g. ``HERA_NC_318GEV``.
        process_type: ``DIS_NC`` or ``DIS_CC`` (from the set's metadata).
        boson: ``gamma`` for NC, ``Wp`` or ``Wm`` for CC (e+ p or e- p).
        x, Q2, y: Bjorken x, Q^2 in GeV^2, inelasticity y.
    """

    dataset: str
    process_type: str
    boson: str
    x: float
    Q2: float
    y: float

    @property
    def name(self) -> str:
        """The point's name in the long format, ``<dataset>:x=<x>:Q2=<Q2>``."""
        return f"{self.dataset}:x={self.x:.6g}:Q2={self.Q2:.6g}"

    @property
    def observables(self) -> tuple[str, ...]:
        """The observables computed at this point."""
        if self.boson == "gamma":
            return ("F2", "FL", "sigma_red")
        return (f"F2_{self.boson}", f"xF3_{self.boson}")


def _commondata() -> Path:
    try:
        import nnpdf_data
    except ImportError:
        raise MissingDependencyError("nnpdf_data", "series", "the DIS kinematics") from None
    return Path(nnpdf_data.__file__).parent / "commondata"


def _check_cuts(q2_min: Any, nc_q2_max: Any) -> None:
    """Every numeric option must be a finite number (checked before hoppet is called: a NaN
    cut silently selected wrong points or stopped the process inside hoppet)."""
    for name, value in (("q2_min", q2_min), ("nc_q2_max", nc_q2_max)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            flag = name.replace("_", "-")
            raise OptionError(f"--{flag} {value!r}: give a finite number of GeV^2")
    if nc_q2_max <= 0:
        raise OptionError(f"--nc-q2-max {nc_q2_max!r}: give a positive number of GeV^2")


def dis_points(
    datasets: Sequence[str] = DEFAULT_DATASETS,
    *,
    q2_min: float = 10.0,
    nc_q2_max: float = 1000.0,
) -> tuple[DISPoint, ...]:
    """The data points of ``datasets`` inside the cuts, from ``nnpdf_data``'s commondata.

    NC points of a set that occur in several of its observables (e+ p and e- p at the same x,
    Q^2) are one point, since photon exchange does not see the lepton charge.

    Raises:
        OptionError: an unknown set, a set that is not DIS NC/CC, or a CC set whose observables
            do not say the lepton charge (``EP-*``/``EM-*``).
    """
    import yaml

    _check_cuts(q2_min, nc_q2_max)
    if q2_min < 10.0:
        raise OptionError(
            f"q2_min = {q2_min:g} GeV^2: keep Q^2 >= 10 GeV^2 so that mu_F = Q/2 stays above the "
            "charm threshold"
        )
    root = _commondata()
    points: list[DISPoint] = []
    for name in datasets:
        meta_path = root / name / "metadata.yaml"
        if not meta_path.is_file():
            known = sorted(p.name for p in root.iterdir() if p.name.startswith(("HERA", "NMC")))
            raise OptionError(f"unknown dataset '{name}' in nnpdf_data; e.g. {', '.join(known)}")
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        seen: set[tuple[float, float, str]] = set()
        for obs in meta["implemented_observables"]:
            ptype = str(obs["process_type"])
            if ptype not in {"DIS_NC", "DIS_CC"}:
                raise OptionError(f"{name}: process type {ptype} is not DIS NC or CC")
            oname = str(obs["observable_name"])
            if ptype == "DIS_NC":
                boson = "gamma"
            elif oname.startswith("EP"):
                boson = "Wp"
            elif oname.startswith("EM"):
                boson = "Wm"
            else:
                raise OptionError(
                    f"{name}: CC observable {oname} does not say the lepton charge (EP/EM)"
                )
            kin_file = root / name / obs["kinematics"]["file"]
            bins = yaml.safe_load(kin_file.read_text(encoding="utf-8"))["bins"]
            for b in bins:
                x, q2, y = (float(b[k]["mid"]) for k in ("x", "Q2", "y"))
                if q2 < q2_min or (boson == "gamma" and q2 > nc_q2_max):
                    continue
                key = (x, q2, boson)
                if key in seen:
                    continue
                seen.add(key)
                points.append(DISPoint(name, ptype, boson, x, q2, y))
    if not points:
        raise OptionError("no data point passes the Q^2 cuts")
    return tuple(points)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence hoppet's Fortran banners and warnings (file descriptors 1 and 2): its
    structure-function tables span the whole Q grid and warn about k_F Q beyond the grid's end,
    a region no data point uses (the grid ends at 4 Q_max)."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no real file descriptors (some notebook kernels): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _nnpdf31_path() -> Path:
    """The central NNPDF3.1 grid, found by :func:`scaleuq.pdf.member_file` (LHAPDF_DATA_PATH,
    then the PDF grids shipped in the pythia8mc wheel)."""
    from scaleuq.pdf import PDFError, member_file

    try:
        return member_file(_NNPDF31_SET, 0)
    except PDFError:
        raise MissingDependencyError(
            "pythia8mc", "mc", f"the NNPDF3.1 grid ({_NNPDF31_SET})"
        ) from None


def _lhagrid_at_q0(path: Path) -> Callable[[float, float], list[float]]:
    """x f(x) at the first Q knot of an LHAPDF grid member (read by
    :func:`scaleuq.pdf.read_member`), as a hoppet input callback (cubic spline in ln x; hoppet
    order tbar..t; the photon dropped)."""
    import numpy as np
    from scipy.interpolate import CubicSpline

    from scaleuq.pdf import read_member

    grid = read_member(path)
    xs = np.asarray(grid.x, float)
    at_q0 = np.asarray(grid.values, float)[:, :, 0]  # (pids, x) at the first Q knot
    inside = xs < 1.0
    splines = {
        pid: CubicSpline(np.log(xs[inside]), at_q0[j, inside]) for j, pid in enumerate(grid.pids)
    }
    order = (-6, -5, -4, -3, -2, -1, 21, 1, 2, 3, 4, 5, 6)
    xmin = float(xs[0])

    def pdf(x: float, _q: float) -> list[float]:
        if x >= 1.0:
            return [0.0] * 13
        lx = math.log(max(x, xmin))
        return [float(splines[p](lx)) if p in splines else 0.0 for p in order]

    return pdf


def _setup_hoppet(pdf: str, qmin: float, qmax: float, max_order: int) -> Any:
    try:
        import hoppet as hp
    except ImportError:
        raise MissingDependencyError("hoppet", "series", "scaleuq series dis") from None
    q0, alphas, alphas_q, mc, mb = _PDF_SETUP[pdf]
    with _quiet_stdout():
        hp.SetPoleMassVFN(mc, mb, _TOP_DECOUPLED)
        hp.StartExtended(12.0, 0.1, min(qmin, q0), qmax, 0.025, EVOLUTION_LOOPS, -6,
                         hp.factscheme_MSbar)  # fmt: skip
        callback = hp.BenchmarkPDFunpol if pdf == "toy" else _lhagrid_at_q0(_nnpdf31_path())
        hp.Evolve(alphas, alphas_q, EVOLUTION_LOOPS, 1.0, callback, q0)
        hp.StartStrFctExtended(max_order, -5, hp.scale_choice_Q, 1.0, True, MW, MZ)
    return hp


def _tabulate_at(hp: Any, q: float) -> Callable[[float, float], list[float]]:
    """The current hoppet PDF at scale q as an input callback (cubic splines in ln 1/x on a
    grid 10 times finer than hoppet's own)."""
    import numpy as np
    from scipy.interpolate import CubicSpline

    ys = np.linspace(0.0, 12.0, 1201)
    table = np.array([hp.Eval(float(x), q) for x in np.exp(-ys)])
    splines = [CubicSpline(ys, table[:, j]) for j in range(table.shape[1])]

    def pdf(x: float, _q: float) -> list[float]:
        if x >= 1.0:
            return [0.0] * len(splines)
        y = min(-math.log(x), 12.0)
        return [float(s(y)) for s in splines]

    return pdf


def _setup_ffn4(hp: Any, pdf: str, qmin: float, qmax: float, max_order: int) -> float:
    """Re-initialise hoppet with n_f = 4 fixed, from the variable-flavour PDF and alpha_s at
    Q1 = sqrt(m_c m_b) (module docstring). Returns Q1."""
    _, _, _, mc, mb = _PDF_SETUP[pdf]
    q1 = math.sqrt(mc * mb)
    callback = _tabulate_at(hp, q1)
    alphas_q1 = float(hp.AlphaS(q1))
    with _quiet_stdout():
        hp.SetFFN(4)
        hp.StartExtended(12.0, 0.1, min(qmin, q1), max(qmax, q1), 0.025, EVOLUTION_LOOPS, -6,
                         hp.factscheme_MSbar)  # fmt: skip
        hp.Evolve(alphas_q1, q1, EVOLUTION_LOOPS, 1.0, callback, q1)
        hp.StartStrFctExtended(max_order, -5, hp.scale_choice_Q, 1.0, True, MW, MZ)
    return q1


@dataclass(frozen=True)
class DISSeries:
    """The DIS series in the long format.

    Attributes:
        table: long-format DataFrame (``point, observable, order, k_R, k_F, value,
            alphas, process_type, dataset, x, Q2, y``; ``alphas`` is alpha_s(k_R Q) of the one
            coupling), see :mod:`scaleuq.io.longformat`.
        pdf: ``toy`` or ``nnpdf31``; ``pdf_label`` says what it is.
        orders: the orders computed.
        datasets: the NNPDF sets.
        n_points: data points; ``n_rows``: rows of the wide table (point x observable).
        q2_min, nc_q2_max: the cuts in GeV^2.
        n_ffn4: points with Q < m_b, computed with n_f = 4 throughout (module docstring).
        seconds: wall time of the computation.
    """

    table: pd.DataFrame
    pdf: str
    pdf_label: str
    orders: tuple[str, ...]
    datasets: tuple[str, ...]
    n_points: int
    n_rows: int
    q2_min: float
    nc_q2_max: float
    n_ffn4: int
    seconds: float = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (the table itself is written as CSV)."""
        return {
            "pdf": self.pdf,
            "pdf_label": self.pdf_label,
            "orders": list(self.orders),
            "datasets": list(self.datasets),
            "n_points": self.n_points,
            "n_rows": self.n_rows,
            "n_long_rows": len(self.table),
            "q2_min": self.q2_min,
            "nc_q2_max": self.nc_q2_max,
            "n_ffn4": self.n_ffn4,
            "seconds": self.seconds,
        }


def _observables(hp: Any, pieces: np.ndarray, p: DISPoint) -> dict[str, np.ndarray]:
    """Observables from per-order hoppet arrays ``pieces`` (n_orders, 14), cumulated."""
    import numpy as np

    total = np.cumsum(pieces, axis=0)
    if p.boson == "gamma":
        f2 = total[:, hp.iF2EM]
        fl = f2 - 2.0 * p.x * total[:, hp.iF1EM]
        fl[0] = 0.0  # F_L has no O(alpha_s^0) term (hoppet's LO F2 - 2xF1 is interpolation noise)
        yplus = 1.0 + (1.0 - p.y) ** 2
        return {"F2": f2, "FL": fl, "sigma_red": f2 - p.y**2 / yplus * fl}
    f2_idx, f3_idx = (hp.iF2Wp, hp.iF3Wp) if p.boson == "Wp" else (hp.iF2Wm, hp.iF3Wm)
    return {f"F2_{p.boson}": total[:, f2_idx], f"xF3_{p.boson}": p.x * total[:, f3_idx]}


def series_dis(
    *,
    pdf: str = "toy",
    datasets: Sequence[str] = DEFAULT_DATASETS,
    orders: Sequence[str] = ORDERS,
    q2_min: float = 10.0,
    nc_q2_max: float = 1000.0,
    progress: Callable[[str], None] | None = None,
) -> DISSeries:
    """Compute the DIS series at every data point, order and scale (see the module docstring).

    Args:
        pdf: ``toy`` (hoppet's Les Houches benchmark) or ``nnpdf31`` (needs the pythia8mc wheel's
            grid).
        datasets: NNPDF DIS set names (``HERA_NC_318GEV``, ``HERA_CC_318GEV``, ...).
        orders: orders to write (a subset of lo, nlo, nnlo, n3lo); hoppet computes up to the
            highest.
        q2_min: lowest Q^2 in GeV^2 (>= 10); nc_q2_max: highest Q^2 of NC points.
        progress: called with a label once per (scheme, k_R, k_F) before it is computed (9
            times, 18 when some point lies below m_b).

    Returns:
        A :class:`DISSeries`.

    Raises:
        MissingDependencyError: hoppet or nnpdf_data is not installed.
        OptionError: an unknown PDF, order or dataset, a cut that is not a finite number, or
            cuts that select nothing (all checked before hoppet is called).
    """
    import time

    import numpy as np
    import pandas as pd

    start = time.perf_counter()
    if pdf not in SERIES_PDFS:
        raise OptionError(f"unknown PDF '{pdf}'; choose one of {', '.join(SERIES_PDFS)}")
    if isinstance(orders, str) or not all(isinstance(o, str) for o in orders):
        raise OptionError(f"orders {orders!r}: give a sequence of order names")
    bad = [o for o in orders if o not in ORDERS]
    if bad or not orders:
        raise OptionError(f"unknown order(s) {', '.join(bad) or '(none)'}; use {', '.join(ORDERS)}")
    _check_cuts(q2_min, nc_q2_max)
    wanted = [o for o in ORDERS if o in orders]
    max_order = ORDERS.index(wanted[-1]) + 1
    points = dis_points(datasets, q2_min=q2_min, nc_q2_max=nc_q2_max)
    mb = _PDF_SETUP[pdf][4]
    above = [p for p in points if math.sqrt(p.Q2) >= mb]
    below = [p for p in points if math.sqrt(p.Q2) < mb]
    keep = [ORDERS.index(o) for o in wanted]
    columns: dict[str, list[Any]] = {
        c: [] for c in ("point", "observable", "order", "k_R", "k_F", "alphas")
    }
    values: list[np.ndarray] = []

    def compute(hp: Any, chosen: list[DISPoint], scheme: str) -> None:
        functions = (hp.StrFctLO, hp.StrFctNLO, hp.StrFctNNLO, hp.StrFctN3LO)[:max_order]
        for kr, kf in ENVELOPES["9-point"]:
            if progress is not None:
                progress(f"{scheme} k_R={kr:g} k_F={kf:g}")
            with _quiet_stdout():
                hp.InitStrFct(max_order, True, kr, kf)
                for p in chosen:
                    q = math.sqrt(p.Q2)
                    pieces = np.array([f(p.x, q, kr * q, kf * q) for f in functions])
                    alphas = float(hp.AlphaS(kr * q))
                    for obs, series in _observables(hp, pieces, p).items():
                        values.append(series[keep])
                        columns["point"].extend([p.name] * len(keep))
                        columns["observable"].extend([obs] * len(keep))
                        columns["order"].extend(wanted)
                        columns["k_R"].extend([kr] * len(keep))
                        columns["k_F"].extend([kf] * len(keep))
                        columns["alphas"].extend([alphas] * len(keep))

    qmax = 4.0 * math.sqrt(max(p.Q2 for p in points))  # k_F Q <= 2 Q stays inside the grid
    # the grid reaches well below the lowest mu_F = Q/2: hoppet's structure-function tables
    # are inaccurate within a few grid steps of its lower end (LO F2 at k_F = 1/2, Q^2 = 10
    # was 1.8e-3 below the parton model with the grid starting at 0.98 Q/2; 1e-7 from 0.7 Q/2)
    qmin = 0.7 * 0.5 * math.sqrt(min(p.Q2 for p in points))
    hp = _setup_hoppet(pdf, qmin, qmax, max_order)
    if below:  # n_f = 4 first, then the variable-flavour set-up again: hoppet is left with it
        _setup_ffn4(hp, pdf, qmin, 4.0 * math.sqrt(max(p.Q2 for p in below)), max_order)
        compute(hp, below, "nf=4")
        if above:
            hp = _setup_hoppet(pdf, qmin, qmax, max_order)
    if above:
        compute(hp, above, "VFN")
    if below and not above:
        _setup_hoppet(pdf, qmin, qmax, max_order)
    frame = pd.DataFrame(columns)
    frame["value"] = np.concatenate(values)
    meta = pd.DataFrame(
        {
            "point": [p.name for p in points],
            "process_type": [p.process_type for p in points],
            "dataset": [p.dataset for p in points],
            "x": [p.x for p in points],
            "Q2": [p.Q2 for p in points],
            "y": [p.y for p in points],
        }
    ).drop_duplicates("point")
    frame = frame.merge(meta, on="point", how="left", sort=False)
    if not np.isfinite(frame["value"].to_numpy(float)).all():
        raise OptionError("hoppet returned a non-finite structure function; check the cuts")
    n_rows = int(frame[["point", "observable"]].drop_duplicates().shape[0])
    return DISSeries(
        table=frame,
        pdf=pdf,
        pdf_label=_PDF_LABELS[pdf],
        orders=tuple(wanted),
        datasets=tuple(datasets),
        n_points=len({p.name for p in points}),
        n_rows=n_rows,
        q2_min=q2_min,
        nc_q2_max=nc_q2_max,
        n_ffn4=len({p.name for p in below}),
        seconds=time.perf_counter() - start,
    )

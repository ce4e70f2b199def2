"""MadGraph HwU histograms (``MADatNLO.HwU`` and LO fixed-order histograms) and bin-by-bin pulls.

Format: one header line ``##& xmin & xmax & central value & dy & ... & dyn=-1 muR= 2.000 muF=
1.000 & ...`` naming the columns, then blocks ``<histogram> NBINS "title |X_AXIS@LIN |Y_AXIS@LOG
|TYPE@NLO|#1"`` with one row per bin, each closed by a literal ``<\\histogram>``. The
scale-variation columns are found by name (``dyn=``, ``muR=``, ``muF=``), never by position.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scaleuq.errors import HwUError, OptionError
from scaleuq.util.numbers import NUMBER, parse_number

log = logging.getLogger(__name__)

_SCALE_COL = re.compile(
    rf"(?:dyn\s*=\s*(-?\d+)\s+)?mu_?r\s*=\s*({NUMBER})\s+mu_?f\s*=\s*({NUMBER})(?![\w.+-])", re.I
)
#: Anything that looks like a scale column, to refuse one whose numbers cannot be read.
_SCALE_LIKE = re.compile(r"mu_?[rf]\s*=", re.I)
#: Bin values that MadGraph writes for a failed bin; kept (the pull of such a bin is undefined).
_NON_FINITE = {"nan": np.nan, "inf": np.inf, "infinity": np.inf}
#: An NLO histogram whose total rate is below this fraction of the LO one is flagged: it is
#: probably not a full NLO prediction (e.g. only the virtual or real part, or a TYPE@NLO that
#: holds the correction alone).
NLO_RATE_MIN_K = 0.2


@dataclass(frozen=True)
class Histogram:
    """One HwU histogram.

    Attributes:
        name: the title before the first ``|``.
        type: the ``TYPE@`` tag (``NLO``, ``LO``, ...) or ``""``.
        edges: bin edges (NBINS + 1).
        central, stat: central value and statistical error per bin.
        scales: {(dyn, k_R, k_F): values per bin} from the named columns.
        source: ``file:line`` of the ``<histogram>`` line.
    """

    name: str
    type: str
    edges: np.ndarray
    central: np.ndarray
    stat: np.ndarray
    scales: dict[tuple[int | None, float, float], np.ndarray]
    source: str

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation (non-finite bin values become None)."""
        from scaleuq.util.jsonio import to_jsonable

        return {
            "name": self.name,
            "type": self.type,
            "source": self.source,
            "edges": to_jsonable(self.edges),
            "central": to_jsonable(self.central),
            "stat": to_jsonable(self.stat),
            "scales": [
                {"dyn": d, "k_r": r, "k_f": f, "values": to_jsonable(v)}
                for (d, r, f), v in self.scales.items()
            ],
        }

    def envelope(
        self, points: str = "9-point", dyn: int | None = "auto"
    ) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[assignment]
        """Per-bin (up, down) of the scale envelope relative to the central value.

        ``dyn="auto"`` takes the dynamical-scale choice of the first scale column (MadGraph lists
        the run's own choice first). Returns fractions; NaN where the central value is zero.
        """
        from scaleuq.io.lhe import ENVELOPES

        if not self.scales:
            raise HwUError(f"{self.source}: histogram '{self.name}' has no scale-variation columns")
        if dyn == "auto":
            dyn = next(iter(self.scales))[0]
        wanted = ENVELOPES[points]
        values = [
            v
            for (d, r, f), v in self.scales.items()
            if d == dyn and any(np.isclose([r, f], p).all() for p in wanted)
        ]
        if len(values) < 2:
            raise HwUError(f"{self.source}: fewer than two {points} scale columns for dyn={dyn}")
        stack = np.vstack([self.central, *values])
        with np.errstate(invalid="ignore", divide="ignore"):
            up = stack.max(axis=0) / self.central - 1
            dn = stack.min(axis=0) / self.central - 1
        bad = self.central == 0
        up[bad] = dn[bad] = np.nan
        return up, dn


def read_hwu(path: str | Path) -> list[Histogram]:
    """Read every histogram of a HwU file."""
    path = Path(path)
    if not path.is_file():
        raise HwUError(f"{path}: no such file")
    columns: list[str] | None = None
    hists: list[Histogram] = []
    first_seen: dict[tuple[str, str], int] = {}
    block: list[list[float]] | None = None
    title = ""
    start = 0
    nbins = 0
    for number, raw in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("##&") or (columns is None and line.startswith("#") and "&" in line):
            columns = [c.strip() for c in line.lstrip("#").strip().lstrip("&").split("&")]
            continue
        if line.startswith("<histogram>"):
            if block is not None:
                raise HwUError(
                    f"{path}:{number}: <histogram> opened before the previous one was closed"
                )
            m = re.match(r'<histogram>\s*(\d+)\s*"(.*)"', line)
            if not m:
                raise HwUError(f"{path}:{number}: malformed <histogram> line")
            if columns is None:
                raise HwUError(
                    f"{path}:{number}: histogram before the '##&' header line naming the columns"
                )
            nbins, title, block, start = int(m.group(1)), m.group(2), [], number
            continue
        if line.startswith("<\\histogram>") or line.startswith("</histogram>"):
            if block is None:
                raise HwUError(f"{path}:{number}: <\\histogram> without <histogram>")
            hist = _make(path, start, title, nbins, block, columns)
            key = (hist.name, hist.type.upper())
            if key in first_seen:
                raise HwUError(
                    f"{path}:{start}: histogram '{hist.name}'"
                    + (f" (TYPE@{hist.type})" if hist.type else "")
                    + f" appears twice (first at line {first_seen[key]}); give each a name of its own"
                )
            first_seen[key] = start
            hists.append(hist)
            block = None
            continue
        if block is not None and line and not line.startswith("#"):
            try:
                block.append([_bin_value(v) for v in line.split()])
            except ValueError as exc:
                raise HwUError(f"{path}:{number}: non-numeric bin row ({exc})") from None
    if block is not None:
        raise HwUError(f"{path}: histogram at line {start} is not closed (no <\\histogram>)")
    if not hists:
        raise HwUError(f"{path}: no histograms")
    return hists


def _bin_value(token: str) -> float:
    """One bin value: a number (Fortran ``D`` exponents too) or MadGraph's NaN/Infinity."""
    special = _NON_FINITE.get(token.lower().lstrip("+-"))
    if special is not None:
        return -special if token.startswith("-") else special
    return parse_number(token)


def _make(
    path: Path, start: int, title: str, nbins: int, rows: list[list[float]], columns: list[str]
) -> Histogram:
    where = f"{path}:{start}"
    if nbins == 0:
        raise HwUError(f"{where}: the histogram has no bins")
    if len(rows) != nbins:
        raise HwUError(f"{where}: {len(rows)} bin rows, the <histogram> line says {nbins}")
    if any(len(r) < len(columns) for r in rows):
        raise HwUError(
            f"{where}: a bin row has fewer values than the {len(columns)} header columns"
        )
    data = np.array([r[: len(columns)] for r in rows])
    lower = [c.lower() for c in columns]
    try:
        ix0, ix1, ic, idy = (
            lower.index("xmin"),
            lower.index("xmax"),
            lower.index("central value"),
            lower.index("dy"),
        )
    except ValueError:
        raise HwUError(f"{where}: header lacks xmin, xmax, central value or dy") from None
    if len(data) > 1 and not np.allclose(data[1:, ix0], data[:-1, ix1]):
        raise HwUError(f"{where}: bins are not contiguous")
    scales = {}
    for i, col in enumerate(columns):
        m = _SCALE_COL.search(col)
        if m is None and _SCALE_LIKE.search(col) and "pdf" not in col.lower():
            raise HwUError(f"{where}: cannot read the scales of column {col.strip()[:60]!r}")
        if m and "pdf" not in col.lower():
            key = (
                int(m.group(1)) if m.group(1) else None,
                parse_number(m.group(2)),
                parse_number(m.group(3)),
            )
            scales.setdefault(key, data[:, i])
    parts = [p.strip() for p in title.split("|")]
    htype = next(
        (p.split("@", 1)[1].split("#")[0].strip() for p in parts if p.upper().startswith("TYPE@")),
        "",
    )
    edges = np.append(data[:, ix0], data[-1, ix1])
    return Histogram(parts[0], htype, edges, data[:, ic], data[:, idy], scales, where)


def pair_histograms(
    lo_file: list[Histogram], nlo_file: list[Histogram] | None, name: str | None
) -> list[tuple[Histogram, Histogram]]:
    """Match LO and NLO histograms by name (two files), or by TYPE@LO/TYPE@NLO (one file)."""
    if nlo_file is None:
        lo_h = {h.name: h for h in lo_file if h.type.upper() == "LO"}
        nlo_h = {h.name: h for h in lo_file if h.type.upper() == "NLO"}
    else:
        lo_h = {h.name: h for h in lo_file}
        nlo_h = {h.name: h for h in nlo_file}
    common = [n for n in lo_h if n in nlo_h]
    if name is not None:
        if name not in common:
            raise OptionError(
                f"no histogram '{name}' in both inputs; common ones: {', '.join(common) or 'none'}"
            )
        common = [name]
    if not common:
        raise OptionError("no histogram name appears in both the LO and the NLO input")
    pairs = [(lo_h[n], nlo_h[n]) for n in common]
    for lo, nlo in pairs:
        if (warning := nlo_rate_warning(lo, nlo)) is not None:
            log.warning("%s", warning)
    return pairs


def total_rate(hist: Histogram) -> float:
    """Sum over the finite bins of value times bin width (the histogram's total rate when its
    values are per unit of the observable, as MadGraph writes them; a ratio of two such rates
    does not depend on that normalisation)."""
    widths = np.diff(hist.edges)
    ok = np.isfinite(hist.central)
    return float(np.sum(hist.central[ok] * widths[ok]))


def nlo_rate_warning(lo: Histogram, nlo: Histogram) -> str | None:
    """A warning when the NLO histogram's total rate is below :data:`NLO_RATE_MIN_K` times the
    LO one: such a ``TYPE@NLO`` histogram is probably not a full NLO prediction, and its pulls
    (of order -1/band) would be meaningless. None otherwise."""
    lo_rate, nlo_rate = total_rate(lo), total_rate(nlo)
    if lo_rate <= 0 or nlo_rate >= NLO_RATE_MIN_K * lo_rate:
        return None
    return (
        f"{nlo.source}: the NLO histogram '{nlo.name}' has {nlo_rate / lo_rate:.2g} times the "
        f"total rate of the LO one ({lo.source}); it may not be a full NLO prediction (only a "
        "correction, or one part of it), so its pulls would not mean what they say"
    )

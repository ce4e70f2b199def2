"""LHAPDF6 ``lhagrid1`` member files and their interpolation, vectorised in numpy.

A member file (``NAME_NNNN.dat``) holds a header (``PdfType: ...``, ``Format: lhagrid1``), then
one block per Q subgrid separated by ``---`` lines: the x knots, the Q knots (GeV), the parton
ids, and ``nx * nq`` lines of x f(x, Q) values (x outer, Q inner), one column per parton id.
Subgrids meet at the heavy-quark thresholds, where the boundary Q knot appears in both.

Interpolation (``interpolation="lhapdf"``, the default) is LHAPDF 6's ``logcubic``
(LogBicubicInterpolator; A. Buckley et al., Eur. Phys. J. C75 (2015) 132, arXiv:1412.7420, as in
the LHAPDF 6.4 sources ``GridPDF.cc`` and ``LogBicubicInterpolator.cc``): a cubic Hermite spline in
log x whose knot derivatives are central differences (one-sided at the grid edges), evaluated on
the four Q rows around the point, then a cubic Hermite spline in log Q^2 whose derivatives are
central differences of those values (one-sided at a subgrid edge; bilinear when a subgrid has only
two Q knots). Q on a subgrid boundary belongs to the upper subgrid. Because every step is linear
in the grid values, each point is 16 weights on a 4 x 4 patch of knots, computed once and applied
to all members and flavours.

``interpolation="pythia"`` is the ``LHAGrid1`` class of Pythia 8.3 (PartonDistributions.cc): 4-point
Lagrange polynomials in ln x and ln Q inside the grid, frozen at the Q and small-x borders
(:class:`scaleuq.pdf.PDFSet` then also returns max(0, x f), as Pythia's ``PDF::xf`` does). It is
kept to validate the reader against Pythia (Pythia's manual notes that "results are not exactly
identical with LHAPDF6, owing to a different interpolation").

Outside the grid (``extrapolation``): ``continuation`` (LHAPDF's ContinuationExtrapolator, the
MSTW scheme of G. Watt: log-linear in x at small x, in Q^2 at large Q^2, anomalous-dimension
continuation below the lowest Q), ``nearest`` (the value at the nearest grid point), or ``error``.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scaleuq.errors import PDFError

log = logging.getLogger(__name__)

INTERPOLATIONS = ("lhapdf", "pythia")
EXTRAPOLATIONS = ("continuation", "nearest", "error")


@dataclass(frozen=True)
class Subgrid:
    """One Q subgrid of a member.

    Attributes:
        q: Q knots in GeV, increasing.
        start: index of the subgrid's first Q knot in the member's concatenated Q axis.
    """

    q: np.ndarray
    start: int

    @property
    def logq2(self) -> np.ndarray:
        """log(Q^2) of the knots."""
        return 2.0 * np.log(self.q)


@dataclass(frozen=True)
class GridMember:
    """One member's knots and values.

    Attributes:
        path: the ``.dat`` file.
        x: x knots (shared by all subgrids).
        subgrids: the Q subgrids, in increasing Q.
        pids: parton ids of the value columns (LHAPDF numbering; 21 the gluon, 22 the photon).
        values: (n_pids, n_x, n_q_total) x f(x, Q) on the knots, Q axis concatenated over
            subgrids (a boundary knot appears once per subgrid).
        header: the ``key: value`` lines before the first ``---``.
    """

    path: str
    x: np.ndarray
    subgrids: tuple[Subgrid, ...]
    pids: tuple[int, ...]
    values: np.ndarray
    header: dict[str, str] = field(default_factory=dict)

    @property
    def q_min(self) -> float:
        """Lowest Q knot (GeV)."""
        return float(self.subgrids[0].q[0])

    @property
    def q_max(self) -> float:
        """Highest Q knot (GeV)."""
        return float(self.subgrids[-1].q[-1])


#: whole-line comments; the newline stays, so line numbers in messages are the file's
_COMMENT = re.compile(rb"(?m)^[ \t]*#[^\n]*")


def _split_blocks(raw: bytes) -> list[tuple[int, bytes]]:
    """Split at lines that are ``---`` (surrounding blanks allowed), without a regex scan of
    every line (a member file has ~5000 lines and 2-4 separators): (byte offset, block)."""
    parts: list[tuple[int, bytes]] = []
    start = pos = 0
    while (i := raw.find(b"---", pos)) >= 0:
        line_start = raw.rfind(b"\n", 0, i) + 1
        line_end = raw.find(b"\n", i)
        line_end = len(raw) if line_end < 0 else line_end
        pos = i + 3
        if raw[line_start:line_end].strip() == b"---":
            parts.append((start, raw[start:line_start]))
            start = pos = line_end + 1
    parts.append((start, raw[start:]))
    return parts


def _lines(block: bytes, first_line: int, n: int) -> tuple[list[tuple[int, bytes]], int, bytes]:
    """The first ``n`` non-blank lines of a block with their line numbers, the line number
    where the rest starts, and the rest."""
    out: list[tuple[int, bytes]] = []
    pos, line = 0, first_line
    while len(out) < n and pos < len(block):
        end = block.find(b"\n", pos)
        end = len(block) if end < 0 else end
        if block[pos:end].strip():
            out.append((line, block[pos:end]))
        pos, line = end + 1, line + 1
    return out, line, block[pos:]


def _numbers(text: bytes, where: str, what: str) -> np.ndarray:
    try:
        values = np.array(text.split(), dtype=np.float64)
    except ValueError:
        raise PDFError(f"{where}: non-numeric {what}") from None
    if not np.isfinite(values).all():
        raise PDFError(f"{where}: {what} must be finite numbers (found nan or inf)")
    return values


def _data_line(rest: bytes, first_line: int, row: int) -> int:
    """Line number of the ``row``-th non-blank line of ``rest`` (which starts at first_line)."""
    k = -1
    for i, line in enumerate(rest.split(b"\n")):
        if line.strip():
            k += 1
            if k == row:
                return first_line + i
    return first_line


def read_member(path: str | Path) -> GridMember:
    """Read one LHAPDF6 ``lhagrid1`` member file.

    Every knot and value must be a finite number: a ``nan`` or ``inf`` is refused with the
    file and line (LHAPDF would interpolate it into every point near it).

    Raises:
        PDFError: the file is missing, not ``lhagrid1``, or its blocks are inconsistent.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise PDFError(f"{path}: no such PDF member file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PDFError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"#" in raw:
        raw = _COMMENT.sub(b"", raw)
    parts = _split_blocks(raw)
    header: dict[str, str] = {}
    for line in parts[0][1].decode("utf-8", "replace").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    fmt = header.get("Format", "lhagrid1")
    if fmt != "lhagrid1":
        raise PDFError(f"{path}: grid format '{fmt}' is not supported (only lhagrid1)")
    if len(parts) < 3:
        raise PDFError(f"{path}: not an LHAPDF6 grid file (no '---' separated blocks)")
    blocks = [(raw.count(b"\n", 0, off) + 1, b) for off, b in parts[1:] if b.strip()]
    if not blocks:
        raise PDFError(f"{path}: no subgrid blocks")
    x_knots: np.ndarray | None = None
    pids: tuple[int, ...] | None = None
    subgrids: list[Subgrid] = []
    arrays: list[np.ndarray] = []
    start = 0
    for k, (first_line, block) in enumerate(blocks, 1):
        heads, data_start, rest = _lines(block, first_line, 3)
        if len(heads) < 3 or not rest.strip():
            raise PDFError(
                f"{path}:{first_line}: subgrid {k} lacks its x, Q, flavour or data lines"
            )
        (lx, x_line), (lq, q_line), (lf, f_line) = heads
        xs = _numbers(x_line, f"{path}:{lx}", f"x knots in subgrid {k}")
        qs = _numbers(q_line, f"{path}:{lq}", f"Q knots in subgrid {k}")
        try:
            ids = tuple(int(v) for v in f_line.split())
        except ValueError:
            raise PDFError(f"{path}:{lf}: non-integer parton ids in subgrid {k}") from None
        if x_knots is None:
            x_knots, pids = xs, ids
        elif xs.shape != x_knots.shape or not np.array_equal(xs, x_knots):
            raise PDFError(
                f"{path}:{lx}: subgrid {k} has different x knots (LHAPDF needs them equal)"
            )
        elif ids != pids:
            raise PDFError(f"{path}:{lf}: subgrid {k} lists different parton ids")
        if not ids or len(set(ids)) != len(ids):
            raise PDFError(f"{path}:{lf}: subgrid {k} needs distinct parton ids")
        if len(xs) < 4 or len(qs) < 2:
            raise PDFError(f"{path}:{lx}: subgrid {k} needs at least 4 x knots and 2 Q knots")
        if np.any(np.diff(xs) <= 0) or xs[0] <= 0 or xs[-1] > 1:
            raise PDFError(f"{path}:{lx}: x knots of subgrid {k} are not increasing in (0, 1]")
        if np.any(np.diff(qs) <= 0) or qs[0] <= 0:
            raise PDFError(f"{path}:{lq}: Q knots of subgrid {k} are not positive and increasing")
        try:
            data = pd.read_csv(
                io.BytesIO(rest), sep=r"\s+", header=None, engine="c", dtype=np.float64
            ).to_numpy()
        except (ValueError, pd.errors.ParserError) as exc:
            raise PDFError(
                f"{path}:{data_start}: malformed values in subgrid {k} "
                f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
            ) from None
        if data.shape != (len(xs) * len(qs), len(ids)):
            raise PDFError(
                f"{path}:{data_start}: subgrid {k} should have {len(xs) * len(qs)} lines of "
                f"{len(ids)} values, found {data.shape[0]} lines of {data.shape[1]}"
            )
        if not np.isfinite(data).all():
            row = int(np.flatnonzero(~np.isfinite(data).all(axis=1))[0])
            raise PDFError(
                f"{path}:{_data_line(rest, data_start, row)}: subgrid {k} has a value that is "
                "not a finite number (nan, inf or a missing column)"
            )
        arrays.append(data.reshape(len(xs), len(qs), len(ids)).transpose(2, 0, 1))
        subgrids.append(Subgrid(qs, start))
        start += len(qs)
    for a, b in itertools.pairwise(subgrids):
        if b.q[0] < a.q[-1] * (1 - 1e-9):
            raise PDFError(f"{path}: Q subgrids overlap ({a.q[-1]} > {b.q[0]} GeV)")
    assert x_knots is not None and pids is not None
    values = np.ascontiguousarray(np.concatenate(arrays, axis=2))
    return GridMember(str(path), x_knots, tuple(subgrids), pids, values, header)


def pid_columns(pids: tuple[int, ...], query: np.ndarray) -> np.ndarray:
    """Column of each queried parton id in ``pids`` (-1 where the grid lacks it).

    LHAPDF conventions: 0 and 21 are the gluon; MadGraph's -21/-22 mean 21/22.
    """
    q = np.asarray(query, dtype=np.int64)
    q = np.where(q == 0, 21, q)
    q = np.where((q == -21) | (q == -22), -q, q)
    lookup = {p: i for i, p in enumerate(pids)}
    if 0 in lookup and 21 not in lookup:
        lookup[21] = lookup[0]
    keys = np.array(sorted(lookup), dtype=np.int64)
    cols = np.array([lookup[k] for k in keys], dtype=np.int64)
    pos = np.clip(np.searchsorted(keys, q), 0, len(keys) - 1)
    return np.where(keys[pos] == q, cols[pos], -1)


def members_last(values: np.ndarray) -> np.ndarray:
    """(n_members, n_pids, n_x, n_q) -> contiguous (n_pids, n_x, n_q, n_members), the layout of
    the compiled kernels (all members of a knot side by side)."""
    return np.ascontiguousarray(np.moveaxis(values, 0, -1), dtype=np.float64)


def _interp(
    member: GridMember,
    values: np.ndarray,
    cols: np.ndarray,
    x: np.ndarray,
    q2: np.ndarray,
    interpolation: str,
    rows: np.ndarray | None = None,
    values_t: np.ndarray | None = None,
) -> np.ndarray:
    """Interpolate (points clamped to the grid; ``pythia``: frozen outside it) -> (n_rows, n)."""
    from scaleuq.pdf import kernels

    every = np.arange(values.shape[0])
    rows = every if rows is None else np.asarray(rows, dtype=np.int64)
    all_rows = len(rows) == len(every) and bool((rows == every).all())
    n = len(x)
    if values_t is None:
        vt = members_last(values if all_rows else values[rows])
    else:
        vt = values_t if all_rows else np.ascontiguousarray(values_t[..., rows])
    out = np.empty((len(rows), n))  # the kernels write members first
    if n == 0:
        return out
    starts = np.array([s.start for s in member.subgrids], dtype=np.int64)
    lens = np.array([len(s.q) for s in member.subgrids], dtype=np.int64)
    lx = np.log(member.x)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    if interpolation == "lhapdf":
        lq2 = np.concatenate([s.logq2 for s in member.subgrids])
        xc = np.clip(x, member.x[0], member.x[-1])
        q2c = np.clip(q2, member.q_min**2, member.q_max**2)
        kernels.hermite(vt, lx, lq2, starts, lens, cols, np.log(xc), np.log(q2c), out)
    elif interpolation == "pythia":
        lq = np.concatenate([np.log(s.q) for s in member.subgrids])
        q = np.sqrt(q2)
        inside_x = (x > member.x[0]) & (x < member.x[-1])
        inside_q = (q > member.q_min) & (q < member.q_max)
        xc = np.clip(x, member.x[0], member.x[-1])
        qc = np.clip(q, member.q_min, member.q_max)
        kernels.lagrange(
            vt, lx, lq, starts, lens, cols, np.log(xc), np.log(qc), inside_x, inside_q, out
        )
    else:
        raise PDFError(
            f"unknown interpolation '{interpolation}'; choose {', '.join(INTERPOLATIONS)}"
        )
    return out


def _extrapolate_linear(
    v: np.ndarray, vl: float | np.ndarray, vh: float | np.ndarray, yl: np.ndarray, yh: np.ndarray
) -> np.ndarray:
    """LHAPDF ContinuationExtrapolator's ``_extrapolateLinear``: linear in log of the abscissa,
    and in log y where both values exceed 1e-3."""
    frac = (np.log(v) - np.log(vl)) / (np.log(vh) - np.log(vl))
    positive = (yl > 1e-3) & (yh > 1e-3)
    with np.errstate(divide="ignore", invalid="ignore"):
        logy = np.exp(
            np.log(np.where(positive, yl, 1.0))
            + frac * (np.log(np.where(positive, yh, 1.0)) - np.log(np.where(positive, yl, 1.0)))
        )
    return np.where(positive, logy, yl + frac * (yh - yl))


def evaluate(
    member: GridMember,
    values: np.ndarray,
    pid: np.ndarray,
    x: np.ndarray,
    q2: np.ndarray,
    *,
    interpolation: str = "lhapdf",
    extrapolation: str = "continuation",
    force_positive: int = 0,
    rows: np.ndarray | None = None,
    values_t: np.ndarray | None = None,
) -> np.ndarray:
    """x f(x, Q^2) of stacked members at arrays of points.

    Args:
        member: the grid layout (knots, subgrids, parton ids) shared by the members.
        values: (n_members, n_pids, n_x, n_q) knot values (``member.values[None]`` for one).
        pid, x, q2: equal-length arrays of parton id, momentum fraction and Q^2 (GeV^2).
        interpolation: ``lhapdf`` or ``pythia`` (see the module docstring).
        extrapolation: ``continuation``, ``nearest`` or ``error`` (``pythia``: always frozen).
        force_positive: LHAPDF's ``ForcePositive``: 0 none, 1 negatives to 0, 2 to >= 1e-10.
        rows: which members (first axis of ``values``) to evaluate; default all.
        values_t: ``members_last(values)``, when the caller keeps it (saves a copy per call).

    Returns:
        (n_rows, n) x f values.
    """
    pid = np.atleast_1d(np.asarray(pid))
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    q2 = np.atleast_1d(np.asarray(q2, dtype=np.float64))
    pid, x, q2 = np.broadcast_arrays(pid, x, q2)
    if extrapolation not in EXTRAPOLATIONS:
        raise PDFError(
            f"unknown extrapolation '{extrapolation}'; choose {', '.join(EXTRAPOLATIONS)}"
        )
    bad = ~np.isfinite(x) | ~np.isfinite(q2) | (x <= 0) | (x > 1) | (q2 < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PDFError(
            f"x = {x[i]!r}, Q^2 = {q2[i]!r} is not a physical point (0 < x <= 1, Q^2 >= 0)"
        )
    cols = pid_columns(member.pids, pid)
    xmin, xmax = float(member.x[0]), float(member.x[-1])
    q2min, q2max = member.q_min**2, member.q_max**2
    inside = (x >= xmin) & (x <= xmax) & (q2 >= q2min) & (q2 <= q2max)
    rows = np.arange(values.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    if interpolation == "pythia" or extrapolation == "nearest" or inside.all():
        out = _interp(member, values, cols, x, q2, interpolation, rows, values_t)
    elif extrapolation == "error":
        i = int(np.flatnonzero(~inside)[0])
        raise PDFError(
            f"{member.path}: x = {x[i]:.6g}, Q = {np.sqrt(q2[i]):.6g} GeV is outside the grid "
            f"(x in [{xmin:.3g}, {xmax:.3g}], Q in [{member.q_min:.4g}, {member.q_max:.4g}] GeV)"
        )
    else:
        out = np.empty((len(rows), len(x)))
        out[:, inside] = _interp(
            member, values, cols[inside], x[inside], q2[inside], interpolation, rows, values_t
        )
        out[:, ~inside] = _continuation(
            member, values[rows], cols[~inside], x[~inside], q2[~inside]
        )
    if force_positive == 1:
        out = np.maximum(out, 0.0)
    elif force_positive == 2:
        out = np.maximum(out, 1e-10)
    return out


def _continuation(
    member: GridMember, values: np.ndarray, cols: np.ndarray, x: np.ndarray, q2: np.ndarray
) -> np.ndarray:
    """LHAPDF 6 ContinuationExtrapolator (MSTW scheme, G. Watt 2014), vectorised."""
    xmin, xmin1, xmax = float(member.x[0]), float(member.x[1]), float(member.x[-1])
    q2min, q2max = member.q_min**2, member.q_max**2
    last = member.subgrids[-1].q
    q2max1 = float(last[-2] ** 2)
    if (x > xmax).any():
        i = int(np.flatnonzero(x > xmax)[0])
        raise PDFError(f"{member.path}: x = {x[i]!r} is above the last x knot {xmax}")

    def ip(xx: np.ndarray | float, qq: np.ndarray | float, sel: np.ndarray) -> np.ndarray:
        xx = np.broadcast_to(xx, sel.shape)
        qq = np.broadcast_to(qq, sel.shape)
        return _interp(member, values, cols[sel], xx[sel], qq[sel], "lhapdf")

    out = np.full((values.shape[0], len(x)), np.nan)  # every point is set below
    small_x = x < xmin
    high = q2 > q2max
    low = q2 < q2min
    # small x only
    s = small_x & ~high & ~low
    if s.any():
        out[:, s] = _extrapolate_linear(x[s], xmin, xmin1, ip(xmin, q2, s), ip(xmin1, q2, s))
    # large Q^2 only
    s = ~small_x & high
    if s.any():
        out[:, s] = _extrapolate_linear(q2[s], q2max, q2max1, ip(x, q2max, s), ip(x, q2max1, s))
    # both
    s = small_x & high
    if s.any():
        f0 = _extrapolate_linear(q2[s], q2max, q2max1, ip(xmin, q2max, s), ip(xmin, q2max1, s))
        f1 = _extrapolate_linear(q2[s], q2max, q2max1, ip(xmin1, q2max, s), ip(xmin1, q2max1, s))
        out[:, s] = _extrapolate_linear(x[s], xmin, xmin1, f0, f1)
    # small Q^2 (anomalous-dimension continuation)
    s = low
    if s.any():
        sx = small_x[s]
        xs = x[s]
        fq = np.empty((values.shape[0], int(s.sum())))
        fq1 = np.empty_like(fq)
        both = s & small_x
        only = s & ~small_x
        if both.any():
            fq[:, sx] = _extrapolate_linear(
                x[both], xmin, xmin1, ip(xmin, q2min, both), ip(xmin1, q2min, both)
            )
            fq1[:, sx] = _extrapolate_linear(
                x[both], xmin, xmin1, ip(xmin, 1.01 * q2min, both), ip(xmin1, 1.01 * q2min, both)
            )
        if only.any():
            fq[:, ~sx] = ip(x, q2min, only)
            fq1[:, ~sx] = ip(x, 1.01 * q2min, only)
        del xs
        with np.errstate(divide="ignore", invalid="ignore"):
            anom = np.where(np.abs(fq) >= 1e-5, np.maximum(-2.5, (fq1 - fq) / fq / 0.01), 1.0)
        r = q2[s] / q2min
        out[:, s] = fq * r ** (anom * r + 1.0 - r)
    return out

"""The long format of a perturbative series and its wide (one row per point) table.

Long format: one row per (point, observable, order, k_R, k_F) with the observable's value
there, as ``scaleuq series dis`` writes it and any other code can::

    point,observable,order,k_R,k_F,value[,process_type,dataset,x,Q2,y]
    HERA_NC_318GEV:x=0.0002:Q2=12,F2,nnlo,2,1,1.0374

=================  =============================================================================
column             meaning
=================  =============================================================================
``point``          the data point (kinematics), e.g. ``HERA_NC_318GEV:x=0.0002:Q2=12``
``observable``     ``F2``, ``FL``, ``sigma_red``, a histogram name, ...
``order``          ``lo``, ``nlo``, ``nnlo`` or ``n3lo`` (:data:`scaleuq.choices.ORDERS`)
``k_R``, ``k_F``   mu_R / mu0 and mu_F / mu0 (positive)
``value``          the observable at that order and scale (any finite number; 0 where the order
                   has no term, e.g. F_L at LO); in the observable's own unit
``alphas``         optional: alpha_s(k_R mu0) of the row (the Cacciari-Houdeau estimate needs it,
                   :mod:`scaleuq.stats.mhou`)
``process_type``   optional: the NNPDF process type (``DIS_NC``, ``DIS_CC``, ...) whose points
                   share mu_R in the theory covariance (:mod:`scaleuq.pull.covariance`)
=================  =============================================================================

Other columns are kept (``dataset``, ``x``, ``Q2``, ``y``) or ignored. Every (point,
observable, order) needs its central scale (1, 1); a key given twice is an error.

Wide table: one row per (point, observable) in the cross-section schema of
:mod:`scaleuq.io.tables`, process name ``<first part of point>:<observable>:<rest of point>``
(``HERA_NC_318GEV:F2:x=0.0002:Q2=12``), ``{order}_value`` the central value and
``{order}_scale_{up,dn}_rel`` the scale envelope (default 7-point) relative to it; the envelope
is left empty where the central value vanishes or the order has only its central scale.
``n_final`` is 1 (it only matters for the reference correction, which has no meaning for a
series). :func:`scaleuq.io.tables.read_table` reads a long-format CSV through
:func:`long_records`.

This module sits below :mod:`scaleuq.io.tables` (it imports neither it nor pandas at import
time).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleuq.choices import ENVELOPES, ORDERS
from scaleuq.errors import OptionError, TableError, location

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "LONG_COLUMNS",
    "ScaleGrid",
    "is_long_format",
    "long_records",
    "process_name",
    "read_long",
    "scale_grid",
    "validate_long",
    "write_long",
]

#: The required columns of the long format, in order.
LONG_COLUMNS = ("point", "observable", "order", "k_R", "k_F", "value")
#: Optional columns carried along (in this order after the required ones when written).
EXTRA_COLUMNS = ("alphas", "process_type", "dataset", "x", "Q2", "y")


def process_name(point: str, observable: str) -> str:
    """The row name of (point, observable): the observable after the point's first part.

    >>> process_name("HERA_NC_318GEV:x=0.0002:Q2=12", "F2")
    'HERA_NC_318GEV:F2:x=0.0002:Q2=12'
    """
    head, sep, tail = point.partition(":")
    return f"{head}:{observable}:{tail}" if sep else f"{point}:{observable}"


def _header(path: Path) -> tuple[int, list[str]] | None:
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    return number, [
                        c.strip() for c in next(csv.reader([line], delimiter=delimiter))
                    ]
    except UnicodeDecodeError:
        return None
    return None


def is_long_format(path: str | Path) -> bool:
    """True when the delimited file's header has ``point`` and ``order`` (then :func:`read_long`
    names any other long-format column that is missing)."""
    found = _header(Path(path))
    return found is not None and {"point", "order"} <= set(found[1])


def _parse_float(text: str, where: str, column: str) -> float:
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        raise TableError(
            f"{where}: column '{column}' holds {text!r}, which is not a number"
        ) from None
    if not math.isfinite(value):
        raise TableError(f"{where}: column '{column}' holds {text!r}, which is not finite")
    return value


def read_long(path: str | Path) -> pd.DataFrame:
    """Read and validate a long-format CSV/TSV (see the module docstring).

    Returns:
        A DataFrame with :data:`LONG_COLUMNS`, any optional columns present, and ``source``
        (``file:line``), in file order.

    Raises:
        TableError: a missing column, a bad number or order, a repeated key, or a (point,
            observable, order) without its central scale; the message names the file and line.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    found = _header(path)
    if found is None:
        raise TableError(f"{path}: the file is empty or not text")
    start, header = found
    missing = [c for c in LONG_COLUMNS if c not in header]
    if missing:
        raise TableError(
            f"{location(path, start)}: missing column(s) {', '.join(missing)} of the long format "
            f"({', '.join(LONG_COLUMNS)})"
        )
    if len(set(header)) != len(header):
        raise TableError(f"{location(path, start)}: repeated column names in the header")
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = [
            (n, line) for n, line in enumerate(handle, start=1)
            if n > start and line.strip() and not line.lstrip().startswith("#")
        ]  # fmt: skip
    for (number, _), cells in zip(lines, csv.reader([t for _, t in lines], delimiter=delimiter)):
        where = location(path, number)
        if len(cells) != len(header):
            raise TableError(f"{where}: {len(cells)} fields, the header has {len(header)}")
        rows.append({**dict(zip(header, cells, strict=True)), "source": where})
    if not rows:
        raise TableError(f"{path}: the table has a header but no rows")
    frame = pd.DataFrame.from_records(rows)
    return validate_long(frame, str(path))


def validate_long(frame: pd.DataFrame, where: str = "long table") -> pd.DataFrame:
    """Check and normalise a long-format frame (types, orders, scales, keys, central scales).

    ``where`` names the table in messages; a ``source`` column, when present, names each row.
    """
    import pandas as pd

    missing = [c for c in LONG_COLUMNS if c not in frame.columns]
    if missing:
        raise TableError(f"{where}: missing column(s) {', '.join(missing)} of the long format")
    out = frame.copy()
    if "source" not in out.columns:
        out["source"] = [f"{where}: row {i + 1}" for i in range(len(out))]
    sources = out["source"].astype(str).tolist()
    for col in ("point", "observable", "order"):
        out[col] = out[col].astype(str).str.strip()
        empty = out[col].isin(["", "nan", "None"])
        if empty.any():
            raise TableError(f"{sources[int(empty.to_numpy().argmax())]}: empty '{col}'")
    out["order"] = out["order"].str.lower()
    bad = ~out["order"].isin(ORDERS)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise TableError(
            f"{sources[i]}: unknown order {out['order'].iloc[i]!r}; use one of {', '.join(ORDERS)}"
        )
    for col in ("k_R", "k_F", "value"):
        values = out[col].tolist()
        out[col] = [
            v if isinstance(v, float) and math.isfinite(v) else _parse_float(str(v), s, col)
            for v, s in zip(values, sources, strict=True)
        ]
        if col != "value":
            nonpos = out[col] <= 0
            if nonpos.any():
                i = int(nonpos.to_numpy().argmax())
                raise TableError(
                    f"{sources[i]}: '{col}' is {out[col].iloc[i]:g}; it must be positive"
                )
    for col in ("alphas", "x", "Q2", "y"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    key = ["point", "observable", "order", "k_R", "k_F"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        lines = out.loc[(out[key] == first[key]).all(axis=1), "source"].tolist()
        raise TableError(
            f"{lines[-1]}: ({first['point']}, {first['observable']}, {first['order']}, "
            f"k_R={first['k_R']:g}, k_F={first['k_F']:g}) is given twice (also {lines[0]})"
        )
    central = (out["k_R"] == 1.0) & (out["k_F"] == 1.0)
    groups = out.groupby(["point", "observable", "order"], sort=False)
    has_central = central.groupby([out["point"], out["observable"], out["order"]], sort=False).any()
    if not has_central.all():
        point, observable, order = has_central.index[int((~has_central.to_numpy()).argmax())]
        source = groups.get_group((point, observable, order))["source"].iloc[0]
        raise TableError(
            f"{source}: ({point}, {observable}, {order}) has no central scale k_R = k_F = 1"
        )
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class ScaleGrid:
    """The values of one order of a long table on a set of scale points, per (point, observable).

    Attributes:
        processes: row names (:func:`process_name`), in first-appearance order.
        points, observables: the point and observable of each row.
        process_types: the ``process_type`` of each row (``""`` where the table has none).
        scales: the (k_R, k_F) pairs, the columns of ``values``.
        values: array (n rows, n scales); NaN where the table lacks that scale.
        central: the value at (1, 1) per row.
    """

    processes: tuple[str, ...]
    points: tuple[str, ...]
    observables: tuple[str, ...]
    process_types: tuple[str, ...]
    scales: tuple[tuple[float, float], ...]
    values: np.ndarray
    central: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "processes": list(self.processes),
            "scales": [list(s) for s in self.scales],
            "values": self.values.tolist(),
            "central": self.central.tolist(),
        }


def scale_grid(
    frame: pd.DataFrame,
    order: str,
    scales: Sequence[tuple[float, float]] = ENVELOPES["9-point"],
    *,
    process_column: str | None = "process_type",
) -> ScaleGrid:
    """The values of ``order`` on ``scales`` ((k_R, k_F) pairs) for every (point, observable).

    Args:
        frame: a validated long frame (:func:`validate_long`).
        order: one of :data:`scaleuq.choices.ORDERS`.
        scales: the (k_R, k_F) points wanted.
        process_column: the column naming each row's process type (None or absent: one type).
    """
    import numpy as np

    if order not in ORDERS:
        raise OptionError(f"unknown order '{order}'; use one of {', '.join(ORDERS)}")
    part = frame[frame["order"] == order]
    if part.empty:
        raise OptionError(f"the table has no '{order}' values")
    rows = part[["point", "observable"]].drop_duplicates()
    index = {key: i for i, key in enumerate(zip(rows["point"], rows["observable"], strict=True))}
    values = np.full((len(index), len(scales)), np.nan)
    central = np.full(len(index), np.nan)
    r = part["k_R"].to_numpy(float)
    f = part["k_F"].to_numpy(float)
    v = part["value"].to_numpy(float)
    i_row = np.array([index[k] for k in zip(part["point"], part["observable"], strict=True)])
    for j, (kr, kf) in enumerate(scales):
        sel = np.isclose(r, kr) & np.isclose(f, kf)
        values[i_row[sel], j] = v[sel]
    sel = (r == 1.0) & (f == 1.0)
    central[i_row[sel]] = v[sel]
    if process_column and process_column not in frame.columns and process_column != "process_type":
        raise OptionError(
            f"no column '{process_column}' in the table; columns: {', '.join(frame.columns)}"
        )
    if process_column and process_column in part.columns:
        first = part.drop_duplicates(["point", "observable"])
        types = tuple(str(t) if t == t else "" for t in first[process_column])
    else:
        types = ("",) * len(index)
    points = tuple(str(p) for p in rows["point"])
    observables = tuple(str(o) for o in rows["observable"])
    return ScaleGrid(
        processes=tuple(process_name(p, o) for p, o in zip(points, observables, strict=True)),
        points=points,
        observables=observables,
        process_types=types,
        scales=tuple((float(a), float(b)) for a, b in scales),
        values=values,
        central=central,
    )


def wide_records(
    frame: pd.DataFrame, *, envelope: str = "7-point"
) -> list[tuple[str, dict[str, Any]]]:
    """One record per (point, observable) in the input schema of :mod:`scaleuq.io.tables`.

    Returns:
        ``(source, record)`` pairs; ``source`` is the first line of the row's long entries.
    """
    import numpy as np

    if envelope not in ENVELOPES:
        raise OptionError(f"unknown envelope '{envelope}'; use one of {', '.join(ENVELOPES)}")
    scales = ENVELOPES[envelope]
    first = frame.drop_duplicates(["point", "observable"])
    records: dict[tuple[str, str], dict[str, Any]] = {
        (p, o): {"process": process_name(p, o), "n_final": 1}
        for p, o in zip(first["point"], first["observable"], strict=True)
    }
    sources = dict(
        zip(zip(first["point"], first["observable"], strict=True), first["source"], strict=True)
    )
    for order in ORDERS:
        if not (frame["order"] == order).any():
            continue
        grid = scale_grid(frame, order, scales, process_column=None)
        for p, o, row, c in zip(
            grid.points, grid.observables, grid.values, grid.central, strict=True
        ):
            record = records[(p, o)]
            record[f"{order}_value"] = float(c)
            present = np.isfinite(row)
            if present.sum() <= 1 or c == 0:
                continue  # only the central scale, or a vanishing order: no band
            if not present.all():
                lacking = [s for s, ok in zip(scales, present, strict=True) if not ok]
                raise TableError(
                    f"{sources[(p, o)]}: ({p}, {o}, {order}) lacks the {envelope} scale(s) "
                    + ", ".join(f"(k_R={a:g}, k_F={b:g})" for a, b in lacking)
                )
            record[f"{order}_scale_up_rel"] = float((row.max() - c) / abs(c))
            record[f"{order}_scale_dn_rel"] = float((c - row.min()) / abs(c))
    return [(sources[key], rec) for key, rec in records.items()]


def long_records(
    path: str | Path, *, envelope: str = "7-point"
) -> list[tuple[int, dict[str, Any]]]:
    """Read a long-format file as ``(line, record)`` pairs of the wide table (for
    :func:`scaleuq.io.tables.read_table`); ``line`` is each row's first line in the file."""
    frame = read_long(path)
    out = []
    for source, record in wide_records(frame, envelope=envelope):
        line = source.rsplit(":", 1)[-1]
        out.append((int(line) if line.isdigit() else 0, record))
    return out


def write_long(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a long frame as CSV (atomically): the required columns, then any optional ones."""
    from scaleuq.util.atomic import atomic_write_text

    columns = [*LONG_COLUMNS, *(c for c in EXTRA_COLUMNS if c in frame.columns)]
    atomic_write_text(path, frame[columns].to_csv(index=False, float_format="%.10g"))

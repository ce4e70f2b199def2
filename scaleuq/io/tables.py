"""The cross-section table: one schema, readers for CSV/TSV, JSON, YAML and paper notation.

Input schema (one row per process; column names carry their units)
--------------------------------------------------------------------
==========================================  =====================================================
column                                      meaning
==========================================  =====================================================
``process`` (required)                      MadGraph process string, e.g. ``p p > wpm j j``
``n_final`` (required)                      number of final-state particles (jet, photon, W, Z: 1)
``id``                                      optional label, e.g. the paper's row id ``a.1``
``alphas_power``                            optional LO power of alpha_s (integer)
``lo_xsec_<u>``, ``nlo_xsec_<u>``           central cross sections, unit ``<u>`` in
                                            ab, fb, pb, nb, ub, mb (e.g. ``lo_xsec_pb``)
``lo_mc_err_<u>``, ``nlo_mc_err_<u>``       Monte Carlo integration errors, same units
``{lo,nlo}_{scale,pdf}_{up,dn}_pct``        uncertainties in percent of the central value;
                                            ``up`` must be >= 0, ``dn`` may be written negative
``{lo,nlo}_{scale,pdf}_{up,dn}_rel``        the same as fractions (0.154 for 15.4%)
``lo_scale_rel`` / ``lo_scale_pct``         relative-only rows: the LO scale uncertainty in the
                                            direction of the NLO shift (as in Ghosh et al.)
``k_minus_1`` / ``nlo_minus_lo_over_lo``    relative-only rows: (sigma_NLO - sigma_LO)/sigma_LO
``k_factor``                                relative-only rows: sigma_NLO/sigma_LO
==========================================  =====================================================

Instead of a unit suffix, cross-section columns may be named ``lo_xsec``/``nlo_xsec``/
``lo_mc_err``/``nlo_mc_err`` with the unit in a ``unit`` column (per row) or, in JSON/YAML, a
top-level ``"unit"`` key. Other columns that do not start with ``lo_``, ``nlo_`` or ``k_`` are
ignored (``row``, ``notes``, ...); an unknown ``lo_``/``nlo_`` column is an error, so that a
typo never silently drops an uncertainty.

JSON and YAML files hold either a list of row objects or ``{"processes": [...], "unit": "pb"}``.
Text files (``.txt``) hold rows in paper notation (:mod:`scaleuq.notation`).

Canonical table (what the readers return)
-----------------------------------------
A :class:`pandas.DataFrame` with the columns :data:`CANONICAL_COLUMNS`: cross sections in pb,
all uncertainties as non-negative fractions (``lo_scale_dn_rel = 0.166`` for -16.6%), missing
values as NaN, plus ``source`` (``file:line``) and ``dataset`` (file stem). Written out as CSV it
is itself a valid input table.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleuq.errors import DuplicateProcessError, TableError, UnitError, location
from scaleuq.io.notation import XSEC_UNITS_TO_PB, read_paper_notation
from scaleuq.io.process import normalize_process

if TYPE_CHECKING:
    import pandas as pd

UNC_COLUMNS = tuple(
    f"{order}_{kind}_{side}_rel"
    for order in ("lo", "nlo")
    for kind in ("scale", "pdf")
    for side in ("up", "dn")
)
CANONICAL_COLUMNS = (
    "process", "id", "n_final", "alphas_power",
    "lo_xsec_pb", "lo_mc_err_pb", "nlo_xsec_pb", "nlo_mc_err_pb",
    *UNC_COLUMNS,
    "k_minus_1", "source", "dataset",
)  # fmt: skip
FLOAT_COLUMNS = ("lo_xsec_pb", "lo_mc_err_pb", "nlo_xsec_pb", "nlo_mc_err_pb", *UNC_COLUMNS)
SUPPORTED_SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json",
    ".yaml": "yaml", ".yml": "yaml", ".txt": "paper", ".dat": "paper",
}  # fmt: skip

_XSEC_COL = re.compile(r"^(lo|nlo)_(xsec|mc_err)(?:_(\w+))?$")
_UNC_COL = re.compile(r"^(lo|nlo)_(scale|pdf)_(up|dn)_(\w+)$")
_DIR_COL = re.compile(r"^lo_scale_(\w+)$")
_REL_UNITS = {"pct": 0.01, "rel": 1.0}
_K_COLUMNS = ("k_minus_1", "nlo_minus_lo_over_lo", "k_factor")
_PLAIN_COLUMNS = ("process", "id", "n_final", "alphas_power", "unit", "xsec_unit")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "nan", "NaN", "NA", "n/a", "null"}


def _number(value: Any, where: str, column: str) -> float:
    """Parse one cell as a float (accepting a trailing '%' and unicode minus)."""
    if isinstance(value, bool):
        raise TableError(f"{where}: column '{column}' holds {value!r}, expected a number")
    if isinstance(value, int | float):
        result = float(value)
    else:
        text = str(value).strip().replace("−", "-").replace("–", "-").rstrip("%").strip()
        try:
            result = float(text)
        except ValueError:
            raise TableError(
                f"{where}: column '{column}' holds {value!r}, which is not a number"
            ) from None
    if not math.isfinite(result):
        raise TableError(f"{where}: column '{column}' holds {value!r}, which is not finite")
    return result


def _integer(value: Any, where: str, column: str) -> int:
    number = _number(value, where, column)
    if number != int(number) or number < 0:
        raise TableError(
            f"{where}: column '{column}' holds {value!r}, expected a non-negative integer"
        )
    return int(number)


def _classify_columns(columns: Iterable[str], where: str) -> None:
    """Reject unknown lo_/nlo_/k_ columns and unknown units before reading any row."""
    for col in columns:
        if col in _PLAIN_COLUMNS or col in _K_COLUMNS:
            continue
        m = _XSEC_COL.match(col)
        if m:
            unit = m.group(3)
            if unit is not None and unit.lower() not in XSEC_UNITS_TO_PB:
                raise UnitError(
                    f"{where}: unknown unit '{unit}' in column '{col}'; cross sections take "
                    + ", ".join(XSEC_UNITS_TO_PB)
                )
            continue
        if re.fullmatch(r"(lo|nlo)_(scale|pdf)_(up|dn)", col):
            raise UnitError(
                f"{where}: column '{col}' has no unit; name it '{col}_pct' or '{col}_rel'"
            )
        m = _UNC_COL.match(col) or _DIR_COL.match(col)
        if m:
            unit = m.groups()[-1]
            if unit not in _REL_UNITS:
                raise UnitError(
                    f"{where}: unknown unit '{unit}' in column '{col}'; uncertainties take "
                    "'_pct' (percent) or '_rel' (fraction)"
                )
            continue
        if col.startswith(("lo_", "nlo_", "k_")):
            raise TableError(
                f"{where}: unknown column '{col}'; see the table schema in `scaleuq.tables`"
            )


def _record_to_row(record: dict[str, Any], where: str, default_unit: str | None) -> dict[str, Any]:
    """Validate one raw record and convert it to a canonical row."""
    row: dict[str, Any] = {c: math.nan for c in FLOAT_COLUMNS}
    process = record.get("process")
    if _missing(process):
        raise TableError(f"{where}: empty 'process'")
    row["process"] = normalize_process(str(process))
    pwhere = f"{where} ({row['process']})"
    row["id"] = None if _missing(record.get("id")) else str(record["id"]).strip()
    if _missing(record.get("n_final")):
        raise TableError(f"{pwhere}: 'n_final' is missing")
    row["n_final"] = _integer(record["n_final"], pwhere, "n_final")
    if row["n_final"] == 0:
        raise TableError(f"{pwhere}: 'n_final' must be at least 1")
    ap = record.get("alphas_power")
    row["alphas_power"] = None if _missing(ap) else _integer(ap, pwhere, "alphas_power")

    unit = record.get("unit", record.get("xsec_unit"))
    unit = default_unit if _missing(unit) else str(unit).strip()
    for col, value in record.items():
        if _missing(value):
            continue
        m = _XSEC_COL.match(col)
        if m:
            order, what, col_unit = m.groups()
            col_unit = col_unit or unit
            if col_unit is None:
                raise UnitError(f"{pwhere}: column '{col}' has no unit; name it '{col}_pb'")
            if col_unit.lower() not in XSEC_UNITS_TO_PB:
                raise UnitError(
                    f"{pwhere}: unknown unit '{col_unit}'; use one of "
                    + ", ".join(XSEC_UNITS_TO_PB)
                )
            number = _number(value, pwhere, col) * XSEC_UNITS_TO_PB[col_unit.lower()]
            if what == "xsec" and number <= 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {value}, but a cross section must be positive"
                )
            if what == "mc_err" and number < 0:
                raise TableError(f"{pwhere}: '{col}' is {value}, but an MC error must be >= 0")
            row[f"{order}_{what}_pb"] = number
            continue
        m = _UNC_COL.match(col)
        if m:
            order, kind, side, u = m.groups()
            number = _number(value, pwhere, col) * _REL_UNITS[u]
            if side == "up" and number < 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {value}; the '+' uncertainty must not be negative"
                )
            row[f"{order}_{kind}_{side}_rel"] = abs(number)
    shift = _relative_shift(record, row, pwhere)
    row["k_minus_1"] = shift if math.isnan(row["lo_xsec_pb"]) else math.nan
    for col in ("lo_scale_rel", "lo_scale_pct"):
        if col in record and not _missing(record[col]):
            number = _number(record[col], pwhere, col) * _REL_UNITS[col.rsplit("_", 1)[1]]
            if number < 0:
                raise TableError(f"{pwhere}: '{col}' is {record[col]}; it must not be negative")
            if math.isnan(shift):
                raise TableError(
                    f"{pwhere}: '{col}' is the uncertainty in the direction of the NLO shift, "
                    "but the row has no NLO information (k_minus_1 or nlo_xsec)"
                )
            side = "up" if shift > 0 else "dn"
            row[f"lo_scale_{side}_rel"] = number
    return row


def _relative_shift(record: dict[str, Any], row: dict[str, Any], where: str) -> float:
    given = [c for c in _K_COLUMNS if c in record and not _missing(record[c])]
    if len(given) > 1:
        raise TableError(f"{where}: give only one of {', '.join(given)}")
    if given:
        col = given[0]
        number = _number(record[col], where, col)
        if col == "k_factor":
            if number <= 0:
                raise TableError(f"{where}: 'k_factor' is {number}; it must be positive")
            number -= 1.0
        elif number <= -1:
            raise TableError(f"{where}: '{col}' is {number}; sigma_NLO would not be positive")
        return number
    if not math.isnan(row["nlo_xsec_pb"]) and not math.isnan(row["lo_xsec_pb"]):
        return row["nlo_xsec_pb"] / row["lo_xsec_pb"] - 1.0
    return math.nan


def _read_delimited(path: Path, delimiter: str) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = (
            (n, line) for n, line in enumerate(handle, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        )  # fmt: skip
        numbered = list(lines)
    if not numbered:
        raise TableError(f"{path}: the table is empty")
    reader = csv.reader([line for _, line in numbered], delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    if "process" not in header:
        raise TableError(
            f"{location(path, numbered[0][0])}: missing column 'process' in the header {header}"
        )
    if "n_final" not in header:
        raise TableError(f"{location(path, numbered[0][0])}: missing column 'n_final'")
    if len(set(header)) != len(header):
        raise TableError(f"{location(path, numbered[0][0])}: repeated column names in the header")
    _classify_columns(header, location(path, numbered[0][0]))
    for (number, _), cells in zip(numbered[1:], reader, strict=False):
        if len(cells) != len(header):
            raise TableError(
                f"{location(path, number)}: {len(cells)} fields, the header has {len(header)}"
            )
        rows.append((number, dict(zip(header, cells, strict=True))))
    if not rows:
        raise TableError(f"{path}: the table has a header but no rows")
    return rows


def _read_structured(path: Path, kind: str) -> tuple[list[tuple[None, dict]], str | None]:
    text = path.read_text(encoding="utf-8")
    if kind == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TableError(f"{path}: not valid JSON: {exc}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            detail = " ".join(str(exc).split())
            raise TableError(f"{path}: not valid YAML: {detail}") from None
    unit = None
    if isinstance(data, dict):
        unit = data.get("unit")
        data = data.get("processes")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise TableError(f'{path}: expected a list of process objects or {{"processes": [...]}}')
    if not data:
        raise TableError(f"{path}: the table has no processes")
    for i, record in enumerate(data, start=1):
        for col in ("process", "n_final"):
            if col not in record:
                raise TableError(f"{path}: process #{i}: missing column '{col}'")
        _classify_columns(record.keys(), f"{path}: process #{i}")
    return [(None, r) for r in data], unit


def read_table(path: str | Path, *, format: str | None = None) -> pd.DataFrame:
    """Read one cross-section table into the canonical schema.

    Args:
        path: a ``.csv``, ``.tsv``, ``.json``, ``.yaml``/``.yml`` or ``.txt`` (paper notation) file.
        format: override the format guessed from the suffix: ``csv``, ``tsv``, ``json``,
            ``yaml`` or ``paper``.

    Returns:
        The canonical table (see the module docstring), one row per process.

    Raises:
        TableError: the file is malformed; the message names the file, line and column.
    """
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    kind = format or SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise TableError(
            f"{path}: unknown table format '{path.suffix}'; use one of "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    unit: str | None = None
    if kind in {"csv", "tsv"}:
        raw = _read_delimited(path, "," if kind == "csv" else "\t")
    elif kind in {"json", "yaml"}:
        raw, unit = _read_structured(path, kind)
    elif kind == "paper":
        raw = read_paper_notation(path)
    else:
        raise TableError(f"{path}: unknown format {kind!r}")
    records = []
    for i, (line, record) in enumerate(raw, start=1):
        where = location(path, line) if line is not None else f"{path}: process #{i}"
        row = _record_to_row(record, where, unit)
        row["source"] = where if line is not None else f"{path}#{i}"
        row["dataset"] = path.stem
        records.append(row)
    return _frame(records)


def from_records(
    records: Sequence[dict[str, Any]], *, dataset: str, sources: Sequence[str]
) -> pd.DataFrame:
    """Validate records in the input schema (see module docstring) into a canonical table.

    Used by the MadGraph and LHE ingestion so that generated rows pass the same checks as a
    user's table. ``sources`` names each record in error messages.
    """
    rows = []
    for record, source in zip(records, sources, strict=True):
        clean = {k: v for k, v in record.items() if v is not None}
        _classify_columns(clean.keys(), source)
        row = _record_to_row(clean, source, None)
        row["source"], row["dataset"] = source, dataset
        rows.append(row)
    return _frame(rows)


def _frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(list(records), columns=list(CANONICAL_COLUMNS))
    frame["n_final"] = frame["n_final"].astype(int)
    frame["alphas_power"] = frame["alphas_power"].astype("Int64")
    for col in (*FLOAT_COLUMNS, "k_minus_1"):
        frame[col] = frame[col].astype(float)
    check_duplicates(frame)
    return frame


def check_duplicates(frame: pd.DataFrame) -> None:
    """Raise :class:`DuplicateProcessError` if a process name occurs twice."""
    dup = frame["process"].duplicated(keep=False)
    if dup.any():
        name = frame.loc[dup, "process"].iloc[0]
        where = ", ".join(frame.loc[frame["process"] == name, "source"].astype(str))
        raise DuplicateProcessError(
            f"process '{name}' appears more than once ({where}); keep one row per process"
        )


def read_tables(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read several tables and concatenate them; a process may appear only once overall."""
    import pandas as pd

    if not paths:
        raise TableError("no table given")
    frames = [read_table(p) for p in paths]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    check_duplicates(frame)
    return frame


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a canonical table as CSV (atomically); it reads back with :func:`read_table`."""
    from scaleuq.util.atomic import atomic_write_text

    out = frame.drop(columns=["source", "dataset"], errors="ignore")
    atomic_write_text(path, out.to_csv(index=False, float_format="%.10g"))

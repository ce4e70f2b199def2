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
``nnlo_*``, ``n3lo_*``                       the same columns for NNLO and N3LO
``{lo,nlo,nnlo,n3lo}_value``                central value of a dimensionless observable (any
                                            finite number; 0 where the order has no term)
==========================================  =====================================================

Instead of a unit suffix, cross-section columns may be named ``lo_xsec``/``nlo_xsec``/
``lo_mc_err``/``nlo_mc_err`` with the unit in a ``unit`` column (per row) or, in JSON/YAML, a
top-level ``"unit"`` key. Other columns that do not start with ``lo_``, ``nlo_`` or ``k_`` are
ignored (``row``, ``notes``, ...); an unknown ``lo_``/``nlo_`` column is an error, so that a
typo never silently drops an uncertainty. So is a near miss of a schema column
(``LO_SCALE_UP_PCT``, ``nlo-xsec-pb``, ``nl0_xsec_pb``: the message names the right spelling),
two columns for one quantity (``lo_xsec_pb`` and ``lo_xsec_fb``, ``_pct`` and ``_rel``) and a
key given twice in one JSON/YAML object: nothing is ever decided by "the last one wins".
Column names are compared after stripping surrounding spaces.

Cells: a trailing ``%`` means percent in every relative column (uncertainties, ``k_minus_1``,
``nlo_minus_lo_over_lo``), whatever its suffix: ``10%`` is 0.10 in a ``_rel`` column too; in any
other column it is an error. ``n_final`` and ``alphas_power`` are counts up to
:data:`MAX_COUNT`. Files are UTF-8 (a byte-order mark is dropped).

JSON and YAML files hold either a list of row objects or ``{"processes": [...], "unit": "pb"}``.
YAML is read with YAML 1.2 core-schema scalars (``0100`` is 100, ``1:30`` and ``yes`` are text,
where PyYAML's YAML 1.1 would give 64, 90 and True); aliases (``*name``) are refused, so that a
few hundred bytes cannot expand to gigabytes; nesting deeper than :data:`MAX_DEPTH` is refused.
Text files (``.txt``) hold rows in paper notation (:mod:`scaleuq.io.notation`).

Canonical table (what the readers return)
-----------------------------------------
A :class:`pandas.DataFrame` with the columns :data:`CANONICAL_COLUMNS`: cross sections in pb,
all uncertainties as non-negative fractions (``lo_scale_dn_rel = 0.166`` for -16.6%), missing
values as NaN, plus ``source`` (``file:line``) and ``dataset`` (file stem). Written out as CSV it
is itself a valid input table.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleuq.errors import DuplicateProcessError, TableError, UnitError, location
from scaleuq.io.longformat import (
    LONG_COLUMNS,
    is_long_format,
    long_records,
    validate_long,
    wide_records,
)
from scaleuq.io.notation import XSEC_UNITS_TO_PB, read_paper_notation
from scaleuq.io.process import normalize_process
from scaleuq.util.numbers import parse_number
from scaleuq.util.registry import Registry
from scaleuq.util.text import read_utf8

if TYPE_CHECKING:
    import pandas as pd

from scaleuq.choices import ORDERS

#: Central values of the orders beyond NLO, and of dimensionless observables (any order).
HIGHER_COLUMNS = (
    "nnlo_xsec_pb", "nnlo_mc_err_pb", "n3lo_xsec_pb", "n3lo_mc_err_pb",
    *(f"{order}_value" for order in ORDERS),
)  # fmt: skip
UNC_COLUMNS = tuple(
    f"{order}_{kind}_{side}_rel"
    for order in ORDERS
    for kind in ("scale", "pdf")
    for side in ("up", "dn")
)
CANONICAL_COLUMNS = (
    "process", "id", "n_final", "alphas_power",
    "lo_xsec_pb", "lo_mc_err_pb", "nlo_xsec_pb", "nlo_mc_err_pb", *HIGHER_COLUMNS,
    *UNC_COLUMNS,
    "k_minus_1", "source", "dataset",
)  # fmt: skip
FLOAT_COLUMNS = (
    "lo_xsec_pb", "lo_mc_err_pb", "nlo_xsec_pb", "nlo_mc_err_pb", *HIGHER_COLUMNS, *UNC_COLUMNS,
)  # fmt: skip
#: Largest accepted ``n_final`` and ``alphas_power``: a count beyond this is a typo, not a process.
MAX_COUNT = 1000
#: Deepest nesting of JSON/YAML containers accepted (a table needs 3 levels).
MAX_DEPTH = 50

_XSEC_COL = re.compile(r"^(lo|nlo|nnlo|n3lo)_(xsec|mc_err)(?:_(\w+))?$")
_UNC_COL = re.compile(r"^(lo|nlo|nnlo|n3lo)_(scale|pdf)_(up|dn)_(\w+)$")
# A dimensionless observable (a structure function): any finite number, zero where the order
# has no term (F_L at LO); see scaleuq.series.
_VALUE_COL = re.compile(r"^(lo|nlo|nnlo|n3lo)_value$")
_DIR_COL = re.compile(r"^lo_scale_(\w+)$")
_REL_UNITS = {"pct": 0.01, "rel": 1.0}
_K_COLUMNS = ("k_minus_1", "nlo_minus_lo_over_lo", "k_factor")
_NON_FINITE = ("inf", "infinity", "nan")
_PLAIN_COLUMNS = ("process", "id", "n_final", "alphas_power", "unit", "xsec_unit")
# Columns where a trailing '%' is accepted and means percent (10% = 0.10), whatever the
# column's own unit: the relative uncertainties and the relative NLO shift.
_PERCENT_OK = re.compile(r"^((lo|nlo|nnlo|n3lo)_(scale|pdf)_(up|dn)_(pct|rel)|lo_scale_(pct|rel)|k_minus_1|nlo_minus_lo_over_lo)$")  # fmt: skip


def _schema_columns() -> frozenset[str]:
    """Every column name the schema knows (used to catch near-miss spellings)."""
    names = set(_PLAIN_COLUMNS) | set(_K_COLUMNS) | {"lo_scale_rel", "lo_scale_pct"}
    names.update(f"{order}_value" for order in ORDERS)
    for order in ORDERS:
        for what in ("xsec", "mc_err"):
            names.add(f"{order}_{what}")
            names.update(f"{order}_{what}_{u}" for u in XSEC_UNITS_TO_PB if u.isascii())
        for kind in ("scale", "pdf"):
            for side in ("up", "dn"):
                names.update(f"{order}_{kind}_{side}_{u}" for u in _REL_UNITS)
    return frozenset(names)


_SCHEMA_COLUMNS = _schema_columns()


def _short(value: Any, limit: int = 40) -> str:
    """repr of a cell, cut to ``limit`` characters for one-line messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cut(value: Any, limit: int = 40) -> str:
    """str of a cell, cut to ``limit`` characters for one-line messages."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "nan", "NaN", "NA", "n/a", "null"}


def _scalar(value: Any, where: str, column: str) -> Any:
    if isinstance(value, list | dict | tuple | set):
        kind = "a mapping" if isinstance(value, dict) else "a list"
        raise TableError(f"{where}: column '{column}' holds {kind}, expected a single value")
    return value


def _parse_cell(value: Any, where: str, column: str) -> tuple[float, bool]:
    """One cell as a finite float, and whether it carried a trailing '%' sign."""
    value = _scalar(value, where, column)
    if isinstance(value, bool):
        raise TableError(f"{where}: column '{column}' holds {value!r}, expected a number")
    percent = False
    if isinstance(value, int):
        try:
            result = float(value)
        except OverflowError:
            raise TableError(
                f"{where}: column '{column}' holds an integer with {len(str(abs(value)))} "
                "digits, which is out of range"
            ) from None
    elif isinstance(value, float):
        result = value
    else:
        text = str(value).strip().replace("−", "-").replace("–", "-")
        if text.endswith("%"):
            percent, text = True, text[:-1].strip()
        try:
            result = parse_number(text)
        except ValueError as exc:
            infinite = "out of range" in str(exc) or text.lstrip("+-").lower() in _NON_FINITE
            raise TableError(
                f"{where}: column '{column}' holds {_short(value)}, which is "
                + ("not finite" if infinite else "not a number")
            ) from None
    if not math.isfinite(result):
        raise TableError(f"{where}: column '{column}' holds {_short(value)}, which is not finite")
    if percent and not _PERCENT_OK.match(column):
        raise TableError(
            f"{where}: column '{column}' holds {_short(value)}; a '%' sign is only allowed in "
            "relative columns (uncertainties, k_minus_1)"
        )
    return result, percent


def _number(value: Any, where: str, column: str) -> float:
    """Parse one cell as a float ('%' only where :data:`_PERCENT_OK`, see :func:`_relative`)."""
    return _parse_cell(value, where, column)[0]


def _relative(value: Any, where: str, column: str, factor: float) -> float:
    """A relative cell as a fraction: ``factor`` is the column's unit (0.01 for ``_pct``).

    A trailing '%' always means percent, in a ``_rel`` column too: ``10%`` is 0.10.
    """
    number, percent = _parse_cell(value, where, column)
    return number * (0.01 if percent else factor)


def _integer(value: Any, where: str, column: str) -> int:
    number = _number(value, where, column)
    if number != int(number) or number < 0:
        raise TableError(
            f"{where}: column '{column}' holds {_short(value)}, expected a non-negative integer"
        )
    if number > MAX_COUNT:
        raise TableError(
            f"{where}: column '{column}' holds {_short(value)}; expected a count up to {MAX_COUNT}"
        )
    return int(number)


def _field_of(col: str) -> str | None:
    """The canonical quantity a known column gives (two columns for one quantity clash)."""
    if col in ("unit", "xsec_unit"):
        return "unit"
    if col in _K_COLUMNS:
        return "NLO shift"
    m = _XSEC_COL.match(col)
    if m:
        return f"{m.group(1)}_{m.group(2)}"
    m = _UNC_COL.match(col)
    if m:
        return "_".join(m.groups()[:3])
    if _DIR_COL.match(col):
        return "lo_scale"
    if _VALUE_COL.match(col):
        return col
    return None


def _classify_columns(columns: Iterable[Any], where: str) -> None:
    """Reject unknown or near-miss lo_/nlo_/k_ columns, unknown units and two columns for one
    quantity before reading any row."""
    fields: dict[str, str] = {}
    for col in columns:
        if not isinstance(col, str):
            raise TableError(f"{where}: column names must be text, found {_short(col)}")
        if col in _PLAIN_COLUMNS or col in _K_COLUMNS or _VALUE_COL.match(col):
            pass
        elif m := _XSEC_COL.match(col):
            unit = m.group(3)
            if unit is not None and unit.lower() not in XSEC_UNITS_TO_PB:
                raise UnitError(
                    f"{where}: unknown unit '{unit}' in column '{col}'; cross sections take "
                    + ", ".join(XSEC_UNITS_TO_PB)
                )
        elif re.fullmatch(r"(lo|nlo|nnlo|n3lo)_(scale|pdf)_(up|dn)", col):
            raise UnitError(
                f"{where}: column '{col}' has no unit; name it '{col}_pct' or '{col}_rel'"
            )
        elif m := (_UNC_COL.match(col) or _DIR_COL.match(col)):
            unit = m.groups()[-1]
            if unit not in _REL_UNITS:
                raise UnitError(
                    f"{where}: unknown unit '{unit}' in column '{col}'; uncertainties take "
                    "'_pct' (percent) or '_rel' (fraction)"
                )
        else:
            _reject_unknown(col, where)
            continue
        field = _field_of(col)
        if field is not None:
            if field in fields:
                raise TableError(
                    f"{where}: columns '{fields[field]}' and '{col}' both give {field}; keep one"
                )
            fields[field] = col


def _reject_unknown(col: str, where: str) -> None:
    """Unknown columns are ignored (``row``, ``notes``) unless they look like schema columns."""
    folded = re.sub(r"[\s\-]+", "_", col.strip()).lower()
    if folded in _SCHEMA_COLUMNS:
        raise TableError(
            f"{where}: column '{col}' should be written '{folded}' (lower case, underscores)"
        )
    close = difflib.get_close_matches(folded, _SCHEMA_COLUMNS, n=1, cutoff=0.85)
    if close:
        raise TableError(f"{where}: unknown column '{col}'; did you mean '{close[0]}'?")
    if folded.startswith(("lo_", "nlo_", "nnlo_", "n3lo_", "k_")):
        raise TableError(
            f"{where}: unknown column '{col}'; see the table schema in `scaleuq.io.tables`"
        )


def _record_to_row(record: dict[str, Any], where: str, default_unit: str | None) -> dict[str, Any]:
    """Validate one raw record and convert it to a canonical row."""
    row: dict[str, Any] = {c: math.nan for c in FLOAT_COLUMNS}
    process = _scalar(record.get("process"), where, "process")
    if _missing(process):
        raise TableError(f"{where}: empty 'process'")
    row["process"] = normalize_process(str(process).replace("\ufeff", ""))
    if not row["process"]:
        raise TableError(f"{where}: empty 'process'")
    pwhere = f"{where} ({row['process']})"
    row_id = _scalar(record.get("id"), pwhere, "id")
    row["id"] = None if _missing(row_id) else str(row_id).strip()
    if _missing(record.get("n_final")):
        raise TableError(f"{pwhere}: 'n_final' is missing")
    row["n_final"] = _integer(record["n_final"], pwhere, "n_final")
    if row["n_final"] == 0:
        raise TableError(f"{pwhere}: 'n_final' must be at least 1")
    ap = record.get("alphas_power")
    row["alphas_power"] = None if _missing(ap) else _integer(ap, pwhere, "alphas_power")

    unit_col = "unit" if "unit" in record else "xsec_unit"
    unit = _scalar(record.get(unit_col), pwhere, unit_col)
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
                    f"{pwhere}: unknown unit {_short(col_unit)}; use one of "
                    + ", ".join(XSEC_UNITS_TO_PB)
                )
            number = _number(value, pwhere, col) * XSEC_UNITS_TO_PB[col_unit.lower()]
            if what == "xsec" and number <= 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {_cut(value)}, but a cross section must be positive"
                )
            if what == "mc_err" and number < 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {_cut(value)}, but an MC error must be >= 0"
                )
            if not math.isfinite(number):
                raise TableError(f"{pwhere}: '{col}' is {_cut(value)}, out of range in pb")
            row[f"{order}_{what}_pb"] = number
            continue
        if _VALUE_COL.match(col):
            row[col] = _number(value, pwhere, col)
            continue
        m = _UNC_COL.match(col)
        if m:
            order, kind, side, u = m.groups()
            number = _relative(value, pwhere, col, _REL_UNITS[u])
            if side == "up" and number < 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {_cut(value)}; the '+' uncertainty must not be negative"
                )
            row[f"{order}_{kind}_{side}_rel"] = abs(number)
    shift = _relative_shift(record, row, pwhere)
    row["k_minus_1"] = shift if math.isnan(row["lo_xsec_pb"]) else math.nan
    for col in ("lo_scale_rel", "lo_scale_pct"):
        if col in record and not _missing(record[col]):
            number = _relative(record[col], pwhere, col, _REL_UNITS[col.rsplit("_", 1)[1]])
            if number < 0:
                raise TableError(
                    f"{pwhere}: '{col}' is {_cut(record[col])}; it must not be negative"
                )
            if math.isnan(shift):
                raise TableError(
                    f"{pwhere}: '{col}' is the uncertainty in the direction of the NLO shift, "
                    "but the row has no NLO information (k_minus_1 or nlo_xsec)"
                )
            side = "up" if shift > 0 else "dn"
            if not math.isnan(row[f"lo_scale_{side}_rel"]):
                raise TableError(
                    f"{pwhere}: '{col}' and 'lo_scale_{side}_*' both give the LO scale "
                    f"uncertainty in the direction of the NLO shift; keep one"
                )
            row[f"lo_scale_{side}_rel"] = number
    return row


def _relative_shift(record: dict[str, Any], row: dict[str, Any], where: str) -> float:
    given = [c for c in _K_COLUMNS if c in record and not _missing(record[c])]
    if len(given) > 1:
        raise TableError(f"{where}: give only one of {', '.join(given)}")
    if given:
        col = given[0]
        if col == "k_factor":
            number = _number(record[col], where, col)
            if number <= 0:
                raise TableError(f"{where}: 'k_factor' is {number}; it must be positive")
            number -= 1.0
        else:
            number = _relative(record[col], where, col, 1.0)
            if number <= -1:
                raise TableError(f"{where}: '{col}' is {number}; sigma_NLO would not be positive")
        return number
    if not math.isnan(row["nlo_xsec_pb"]) and not math.isnan(row["lo_xsec_pb"]):
        ratio = row["nlo_xsec_pb"] / row["lo_xsec_pb"]
        if not math.isfinite(ratio) or ratio == 0:
            raise TableError(
                f"{where}: sigma_NLO/sigma_LO = {row['nlo_xsec_pb']:g}/{row['lo_xsec_pb']:g} "
                "is out of the range of a double"
            )
        return ratio - 1.0
    return math.nan


def _decode(path: Path) -> str:
    return read_utf8(path, TableError, "table")


class _Lines:
    """Physical lines for :mod:`csv` that skip blank and ``#`` comment lines between records
    (never inside a quoted multi-line field) and remember where each record starts."""

    def __init__(self, text: str) -> None:
        self._lines = enumerate(io.StringIO(text, newline=""), start=1)
        self.at_boundary = True
        self.start = 0
        self.current = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in self._lines:
            self.current = number
            if self.at_boundary:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                self.start, self.at_boundary = number, False
            yield line


def _read_delimited(path: Path, delimiter: str) -> list[tuple[int, dict[str, Any]]]:
    lines = _Lines(_decode(path))
    reader = csv.reader(iter(lines), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            text = str(exc)
            if "field limit" in text:
                text = f"a field is longer than {csv.field_size_limit()} characters"
            elif "end of data" in text:
                text = f"a quoted field opened on line {lines.start} is never closed"
            raise TableError(f"{location(path, lines.current)}: malformed CSV: {text}") from None
        records.append((lines.start, cells))
        lines.at_boundary = True
    if not records:
        raise TableError(f"{path}: the table is empty")
    first, header = records[0][0], [h.strip() for h in records[0][1]]
    where = location(path, first)
    if "process" not in header:
        raise TableError(f"{where}: missing column 'process' in the header {header}")
    if "n_final" not in header:
        raise TableError(f"{where}: missing column 'n_final'")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise TableError(f"{where}: repeated column names in the header: {', '.join(repeated)}")
    _classify_columns(header, where)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in records[1:]:
        if len(cells) != len(header):
            raise TableError(
                f"{location(path, number)}: {len(cells)} fields, the header has {len(header)}"
            )
        rows.append((number, dict(zip(header, cells, strict=True))))
    if not rows:
        raise TableError(f"{path}: the table has a header but no rows")
    return rows


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON object hook: a key given twice is an error, never last-wins."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key, out.get("process"))
        out[key] = value
    return out


class _RepeatedKey(Exception):
    def __init__(self, key: str, process: Any) -> None:
        super().__init__(key)
        self.key, self.process = key, process


@functools.cache
def _yaml_loader() -> type:
    """A safe YAML loader that reads YAML 1.2 core-schema scalars, refuses aliases and
    repeated keys.

    PyYAML implements YAML 1.1, where ``0100`` is octal 64, ``1:30`` is sexagesimal 90 and
    ``yes``/``no`` are booleans; in YAML 1.2 (and to a reader of the table) they are 100, the
    text ``1:30`` and the text ``yes``. Aliases are refused so that a few hundred bytes cannot
    expand to gigabytes (the "billion laughs" attack); a table never needs them.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if not tag.endswith((":int", ":float", ":bool", ":timestamp"))
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    core = {
        "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        "tag:yaml.org,2002:int": (
            r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789",
        ),
        "tag:yaml.org,2002:float": (
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+.0123456789",
        ),
    }  # fmt: skip
    for tag, (pattern, first) in core.items():
        Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))

    def construct_int(loader: Any, node: Any) -> int:
        text = loader.construct_scalar(node)
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        if len(text) > 400:
            return text  # a string: the table reader then names the cell
        return int(text, 10)

    def construct_float(loader: Any, node: Any) -> float:
        text = loader.construct_scalar(node)
        if text.lstrip("+-").lower() == ".inf":
            return -math.inf if text.startswith("-") else math.inf
        if text.lower() == ".nan":
            return math.nan
        return text if len(text) > 400 else float(text)

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:
                repeated = False
            if repeated:
                raise TableError(
                    f"line {key_node.start_mark.line + 1}: key '{key}' appears twice in one "
                    "mapping; keep one"
                )
            if not isinstance(key, list | dict):
                seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    def compose_node(loader: Any, parent: Any, index: Any) -> Any:
        if loader.check_event(yaml.AliasEvent):
            event = loader.peek_event()
            raise TableError(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not "
                "accepted in tables; write the values out"
            )
        return yaml.SafeLoader.compose_node(loader, parent, index)

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    Loader.add_constructor("tag:yaml.org,2002:bool", yaml.SafeLoader.construct_yaml_bool)
    Loader.construct_mapping = construct_mapping  # type: ignore[method-assign]
    Loader.compose_node = compose_node  # type: ignore[method-assign]
    return Loader


def _depth(text: str) -> int:
    """Deepest bracket nesting of JSON/flow-YAML text, ignoring quoted strings (cheap pre-check
    so that a deeply nested file fails with a clear message instead of a RecursionError)."""
    depth = best = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        c = token.group()
        if c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth -= 1
    return best


def _read_structured(path: Path, kind: str) -> tuple[list[tuple[int | None, dict]], str | None]:
    text = _decode(path)
    if _depth(text) > MAX_DEPTH:
        raise TableError(f"{path}: nested more than {MAX_DEPTH} levels deep; not a table")
    if kind == "json":
        try:
            data = json.loads(text, object_pairs_hook=_json_pairs)
        except _RepeatedKey as exc:
            owner = f" (process {exc.process!r})" if isinstance(exc.process, str) else ""
            raise TableError(
                f"{path}: key '{exc.key}' appears twice in one object{owner}; keep one"
            ) from None
        except RecursionError:
            raise TableError(f"{path}: nested too deeply; not a table") from None
        except ValueError as exc:
            raise TableError(f"{path}: not valid JSON: {exc}") from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=_yaml_loader())
        except TableError as exc:
            raise TableError(f"{path}:{exc}".replace(":line ", ":", 1)) from None
        except RecursionError:
            raise TableError(f"{path}: nested too deeply; not a table") from None
        except (yaml.YAMLError, ValueError) as exc:
            detail = " ".join(str(exc).split())
            raise TableError(f"{path}: not valid YAML: {detail}") from None
    unit = None
    if isinstance(data, dict):
        unit = data.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise TableError(f"{path}: top-level 'unit' is {_cut(unit)}; expected a unit name")
        data = data.get("processes")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise TableError(f'{path}: expected a list of process objects or {{"processes": [...]}}')
    if not data:
        raise TableError(f"{path}: the table has no processes")
    records = []
    for i, record in enumerate(data, start=1):
        where = f"{path}: process #{i}"
        stripped: dict[str, Any] = {}
        for key, value in record.items():
            if not isinstance(key, str):
                raise TableError(f"{where}: column names must be text, found {_short(key)}")
            name = key.strip()
            if name in stripped:
                raise TableError(f"{where}: key '{name}' appears twice; keep one")
            stripped[name] = value
        for col in ("process", "n_final"):
            if col not in stripped:
                raise TableError(f"{where}: missing column '{col}'")
        _classify_columns(stripped.keys(), where)
        records.append((None, stripped))
    return records, unit


@dataclass(frozen=True)
class TableReader:
    """A registered table format (:data:`TABLE_READERS`).

    Attributes:
        suffixes: file suffixes read with it when no format is given (``.csv``).
        read: ``read(path) -> (rows, unit)``: rows as ``(line or None, record)`` pairs in the
            input schema of the module docstring, and the cross-section unit the file declares
            for all rows (or None); the records are then validated like every other table's.
    """

    suffixes: tuple[str, ...]
    read: Callable[[Path], tuple[list[tuple[int | None, dict[str, Any]]], str | None]]


def _delimited(delimiter: str) -> Callable[[Path], tuple[list[Any], str | None]]:
    def read(path: Path) -> tuple[list[Any], str | None]:
        if is_long_format(path):  # (point, observable, order, k_R, ...)
            return long_records(path), None
        return _read_delimited(path, delimiter), None

    return read


#: The table formats, by name (:class:`scaleuq.util.registry.Registry`): ``--table-format``
#: lists them, and :func:`register_table_reader` adds one.
TABLE_READERS: Registry[TableReader] = Registry("table format")
for _name, _reader in {
    "csv": TableReader((".csv",), _delimited(",")),
    "tsv": TableReader((".tsv", ".tab"), _delimited("\t")),
    "json": TableReader((".json",), lambda path: _read_structured(path, "json")),
    "yaml": TableReader((".yaml", ".yml"), lambda path: _read_structured(path, "yaml")),
    "paper": TableReader((".txt", ".dat"), lambda path: (read_paper_notation(path), None)),
}.items():
    TABLE_READERS.register(_name, _reader)
del _name, _reader


def register_table_reader(name: str, reader: TableReader, *, replace: bool = False) -> None:
    """Add a table format: files with its suffixes (or ``--table-format NAME``) are read with it."""
    TABLE_READERS.register(name, reader, replace=replace)


def table_format_of(path: Path) -> str:
    """The registered format whose suffixes include ``path``'s (the first registered wins).

    Raises:
        TableError: no format reads that suffix.
    """
    suffix = path.suffix.lower()
    for name, reader in TABLE_READERS.items():
        if suffix in reader.suffixes:
            return name
    known = sorted(s for r in TABLE_READERS.values() for s in r.suffixes)
    raise TableError(f"{path}: unknown table format '{path.suffix}'; use one of {', '.join(known)}")


def read_table(path: str | Path, *, format: str | None = None) -> pd.DataFrame:
    """Read one cross-section table into the canonical schema.

    Args:
        path: a ``.csv``, ``.tsv``, ``.json``, ``.yaml``/``.yml`` or ``.txt`` (paper notation) file.
        format: override the format guessed from the suffix: a name of
            :data:`TABLE_READERS` (``csv``, ``tsv``, ``json``, ``yaml``, ``paper`` or one
            registered with :func:`register_table_reader`).

    Returns:
        The canonical table (see the module docstring), one row per process.

    Raises:
        TableError: the file is malformed; the message names the file, line and column.
    """
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    kind = format or table_format_of(path)
    if kind not in TABLE_READERS:
        raise TableError(
            f"{path}: unknown table format {kind!r}; use one of {', '.join(TABLE_READERS)}"
        )
    raw, unit = TABLE_READERS.get(kind).read(path)
    if not raw:
        raise TableError(f"{path}: the table has no rows")
    records = []
    for i, (line, record) in enumerate(raw, start=1):
        where = location(path, line) if line is not None else f"{path}: process #{i}"
        row = _record_to_row(record, where, unit)
        row["source"] = where if line is not None else f"{path}#{i}"
        row["dataset"] = path.stem
        records.append(row)
    return _frame(records)


def canonical_rows(
    records: Sequence[dict[str, Any]], *, dataset: str, sources: Sequence[str]
) -> list[dict[str, Any]]:
    """Validate records in the input schema (see module docstring) into canonical rows, without
    pandas: one dict per record over :data:`CANONICAL_COLUMNS` (NaN or None where empty).

    Used by the MadGraph and LHE ingestion so that generated rows pass the same checks as a
    user's table. ``sources`` names each record in error messages.

    Raises:
        TableError: a record outside the schema. DuplicateProcessError: a process named twice.
    """
    rows = []
    for record, source in zip(records, sources, strict=True):
        clean = {k: v for k, v in record.items() if v is not None}
        _classify_columns(clean.keys(), source)
        row = _record_to_row(clean, source, None)
        row["source"], row["dataset"] = source, dataset
        rows.append(row)
    names = [row["process"] for row in rows]
    for name in names:
        if names.count(name) > 1:
            where = ", ".join(str(row["source"]) for row in rows if row["process"] == name)
            raise DuplicateProcessError(
                f"process '{name}' appears more than once ({where}); keep one row per process"
            )
    return rows


def from_records(
    records: Sequence[dict[str, Any]], *, dataset: str, sources: Sequence[str]
) -> pd.DataFrame:
    """:func:`canonical_rows` as a canonical table (a DataFrame)."""
    return frame_of(canonical_rows(records, dataset=dataset, sources=sources))


def frame_of(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Canonical rows (:func:`canonical_rows`) as the canonical table: a DataFrame with the
    columns :data:`CANONICAL_COLUMNS` and their dtypes."""
    return _frame(rows)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a canonical table as plain Python values (None where missing): what
    :func:`canonical_rows` gives, for :func:`table_csv` and :func:`table_records`."""
    rows = []
    for values in frame.itertuples(index=False, name=None):
        row = {}
        for col, value in zip(frame.columns, values, strict=True):
            item = value.item() if hasattr(value, "item") else value
            row[col] = None if _is_na(item) else item
        rows.append(row)
    return rows


def _cell(value: Any, column: str) -> str:
    if not _present(value):
        return ""
    if column in FLOAT_COLUMNS or column == "k_minus_1":
        return f"{value:.10g}"  # what float_format="%.10g" writes
    return str(value)


def table_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The CSV of an ingested table: the canonical columns but ``dataset``, of them
    ``process``, ``n_final`` and those with a value in some row; floats as ``%.10g``, missing
    values empty: byte for byte what ``DataFrame.to_csv(index=False, float_format="%.10g")``
    writes for the same table (a test compares them), without pandas."""
    columns = [
        col for col in CANONICAL_COLUMNS
        if col != "dataset"
        and (col in ("process", "n_final") or any(_present(row.get(col)) for row in rows))
    ]  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(col), col) for col in columns])
    return out.getvalue()


def table_records(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-safe rows of an ingested table: every canonical column but ``dataset``, None where
    missing (the ``processes`` of an ingest command's JSON)."""
    return [
        {col: row.get(col) if _present(row.get(col)) else None for col in CANONICAL_COLUMNS
         if col != "dataset"}
        for row in rows
    ]  # fmt: skip


def as_table(
    table: pd.DataFrame | Sequence[dict[str, object]], *, dataset: str = "dataframe"
) -> pd.DataFrame:
    """An in-memory table in any documented format, as the canonical table.

    The API's entry points (:func:`scaleuq.pulls`, :func:`scaleuq.reference_correct`,
    :func:`scaleuq.fit`, :func:`scaleuq.recommend`, ...) pass their DataFrames through here, so
    a DataFrame gets the validation and normalisation a file gets from :func:`read_table`: the
    input schema's columns (``_pct`` or ``_rel`` uncertainties, ``lo_xsec_fb``, a ``unit``
    column, ``k_factor``, ``lo_scale_rel``, the long format of :mod:`scaleuq.io.longformat`,
    ...), the same errors for bad cells (naming the row as ``<dataset> row N (process)``) and
    duplicates. A table that already has every canonical column (what the readers return) is
    checked column-wise and returned as it is.

    Args:
        table: a :class:`pandas.DataFrame` (or a list of row dicts) in the input schema.
        dataset: the name used in error messages and the ``dataset`` column.

    Raises:
        TableError: the table is not a DataFrame, has no rows, or a cell or column is invalid.
    """
    import pandas as pd

    if isinstance(table, list | tuple) and all(isinstance(r, dict) for r in table):
        table = pd.DataFrame.from_records(list(table))
    if not isinstance(table, pd.DataFrame):
        raise TableError(
            f"expected a table (a pandas DataFrame in the table schema), got "
            f"{type(table).__name__}; read files with scaleuq.read_table"
        )
    if table.columns.duplicated().any():
        name = table.columns[table.columns.duplicated()][0]
        raise TableError(f"{dataset}: column '{name}' appears more than once")
    if len(table) == 0:
        raise TableError(f"{dataset}: the table has no rows")
    if set(CANONICAL_COLUMNS) <= set(table.columns):
        _check_canonical(table, dataset)
        return table
    if "process" not in table.columns and set(LONG_COLUMNS) <= set(table.columns):
        # the long format (point, observable, order, k_R, k_F, value), as read_table reads it
        long = validate_long(table, dataset)
        rows = []
        for i, (source, record) in enumerate(wide_records(long), start=1):
            row = _record_to_row(record, source, None)
            row["source"], row["dataset"] = source or f"{dataset}#{i}", dataset
            rows.append(row)
        return _frame(rows)
    where0 = f"{dataset}: columns"
    for col in ("process", "n_final"):
        if col not in table.columns:
            raise TableError(f"{where0}: missing column '{col}'")
    stripped = [c.strip() if isinstance(c, str) else c for c in table.columns]
    _classify_columns(stripped, where0)
    has_source = "source" in table.columns
    rows = []
    for i, values in enumerate(table.itertuples(index=False, name=None), start=1):
        record = {
            col: (None if _is_na(value) else value)
            for col, value in zip(stripped, values, strict=True)
        }
        where = f"{dataset} row {i}"
        row = _record_to_row(record, where, None)
        source = record.get("source") if has_source else None
        row["source"] = str(source) if source is not None else f"{dataset}#{i}"
        row["dataset"] = dataset
        rows.append(row)
    return _frame(rows)


def _is_na(value: Any) -> bool:
    """pandas' missing values (NaN, None, pd.NA, NaT) in one cell; containers are not."""
    import pandas as pd

    if isinstance(value, list | dict | tuple | set):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_canonical(table: pd.DataFrame, dataset: str) -> None:
    """Column-wise checks of a table in the canonical schema (the readers' output)."""
    import numpy as np

    def bad(mask: Any, col: str, what: str) -> None:
        if mask.any():
            i = int(np.flatnonzero(np.asarray(mask))[0])
            process = table["process"].iloc[i]
            raise TableError(
                f"{dataset} row {i + 1} ({process}): '{col}' is {table[col].iloc[i]!r}; {what}"
            )

    process = table["process"]
    bad(process.isna() | (process.astype(str).str.strip() == ""), "process", "empty 'process'")
    try:
        n_final = _as_floats(table["n_final"])
        numbers = {c: _as_floats(table[c]) for c in (*FLOAT_COLUMNS, "k_minus_1")}
    except (TypeError, ValueError) as exc:
        raise TableError(f"{dataset}: a numeric column holds text ({exc})") from None
    bad(~(n_final >= 1) | (n_final != np.floor(n_final)), "n_final", "expected a count >= 1")
    for col, values in numbers.items():
        bad(np.isinf(values), col, "not finite")
        if "_xsec_" in col:
            bad(values <= 0, col, "a cross section must be positive")
        elif "_mc_err_" in col or col.endswith("_rel"):
            bad(values < 0, col, "it must not be negative (uncertainties are positive fractions)")
    check_duplicates(table)


def _as_floats(column: Any) -> Any:
    """A column as a float array (NA as NaN); text raises ``ValueError``."""
    import numpy as np

    return np.asarray(column.astype("Float64").to_numpy(dtype=float, na_value=np.nan))


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


def read_tables(paths: Sequence[str | Path], *, format: str | None = None) -> pd.DataFrame:
    """Read several tables (each in ``format``, default from its suffix) and concatenate them;
    a process may appear only once overall."""
    import pandas as pd

    if not paths:
        raise TableError("no table given")
    frames = [read_table(p, format=format) for p in paths]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    check_duplicates(frame)
    return frame


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a canonical table as CSV (atomically); it reads back with :func:`read_table`."""
    from scaleuq.util.atomic import atomic_write_text

    out = frame.drop(columns=["source", "dataset"], errors="ignore")
    atomic_write_text(path, out.to_csv(index=False, float_format="%.10g"))

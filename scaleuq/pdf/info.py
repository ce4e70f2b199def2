"""LHAPDF ``.info`` files: YAML read safely, the fields scaleuq uses checked and converted.

An ``.info`` is a flat YAML mapping (LHAPDF 6 ``Info``/``PDFInfo``: ``SetIndex``, ``NumMembers``,
``ErrorType``, ``Flavors``, ``AlphaS_*``, quark masses, ...). LHAPDF converts each field when it
is asked for (``lexical_cast``), so a quoted number (``AlphaS_MZ: "0.118"``) is a number, and
so is ``1e-3`` (a string to PyYAML, which reads only ``1.0e-3`` as a float). Every field this
package reads is checked here, once, with a one-line error naming the file and the field;
fields it does not read are kept as they are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scaleuq.errors import PDFError

#: Largest ``.info`` read (real ones are a few kB; an ``ipol`` table some tens of kB).
MAX_INFO_BYTES = 16 * 2**20
#: Deepest ``[``/``{`` nesting accepted (LHAPDF's fields are at most lists of numbers).
MAX_DEPTH = 16

_QUOTED = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|#[^\n]*")
_BRACKET = re.compile(r"[\[\]{}]")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        out = float(value.strip())
    else:
        raise ValueError
    if not math.isfinite(out):
        raise ValueError
    return out


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError


def _real(lo: float, hi: float, *, lo_open: bool = True, hi_open: bool = False) -> Callable:
    def check(value: Any) -> tuple[float, str]:
        v = _number(value)
        low_ok = v > lo if lo_open else v >= lo
        high_ok = v < hi if hi_open else v <= hi
        bounds = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
        return v, "" if low_ok and high_ok else f"a number in {bounds}"

    return check


def _int_in(lo: int, hi: int) -> Callable:
    def check(value: Any) -> tuple[int, str]:
        v = _integer(value)
        return v, "" if lo <= v <= hi else f"an integer in [{lo}, {hi}]"

    return check


def _text(choices: tuple[str, ...] | None = None) -> Callable:
    def check(value: Any) -> tuple[str, str]:
        if isinstance(value, (list, tuple, dict)) or value is None:
            raise ValueError
        v = str(value).strip()
        if choices is not None and v.lower() not in choices:
            return v, "one of " + ", ".join(choices)
        return v, ""

    return check


def _number_list(value: Any) -> tuple[tuple[float, ...], str]:
    if not isinstance(value, (list, tuple)):
        raise ValueError
    out = tuple(_number(v) for v in value)
    return out, "" if out else "a non-empty list of numbers"


def _int_list(value: Any) -> tuple[tuple[int, ...], str]:
    if not isinstance(value, (list, tuple)):
        raise ValueError
    out = tuple(_integer(v) for v in value)
    return out, "" if out else "a non-empty list of integers"


_POSITIVE = _real(0.0, math.inf)
_NON_NEGATIVE = _real(0.0, math.inf, lo_open=False)

#: field -> (checker, what it should be). A checker returns (value, "") or (value, reason).
FIELDS: dict[str, tuple[Callable[[Any], tuple[Any, str]], str]] = {
    "SetIndex": (_int_in(0, 2**31 - 1), "an integer"),
    "NumMembers": (_int_in(1, 10**6), "an integer"),
    "DataVersion": (_int_in(-1, 10**6), "an integer"),
    "OrderQCD": (_int_in(0, 4), "an integer (0 = LO)"),
    "AlphaS_OrderQCD": (_int_in(0, 4), "an integer (0 = LO)"),
    "NumFlavors": (_int_in(1, 6), "an integer"),
    "AlphaS_NumFlavors": (_int_in(1, 6), "an integer"),
    "ForcePositive": (_int_in(0, 2), "an integer"),
    "AlphaS_MZ": (_real(0.0, 1.0, hi_open=True), "a number"),
    "MZ": (_POSITIVE, "a number"),
    "MUp": (_NON_NEGATIVE, "a number"),
    "MDown": (_NON_NEGATIVE, "a number"),
    "MStrange": (_NON_NEGATIVE, "a number"),
    "MCharm": (_POSITIVE, "a number"),
    "MBottom": (_POSITIVE, "a number"),
    "MTop": (_POSITIVE, "a number"),
    "XMin": (_real(0.0, 1.0), "a number"),
    "XMax": (_real(0.0, 1.0), "a number"),
    "QMin": (_NON_NEGATIVE, "a number"),
    "QMax": (_POSITIVE, "a number"),
    **{f"AlphaS_Lambda{n}": (_POSITIVE, "a number") for n in (3, 4, 5, 6)},
    "AlphaS_Type": (_text(("ipol", "ode", "analytic")), "a word"),
    "Extrapolator": (_text(("continuation", "nearest", "error")), "a word"),
    "ErrorType": (_text(), "a word"),
    "Format": (_text(), "a word"),
    "AlphaS_Qs": (_number_list, "a list of numbers"),
    "AlphaS_Vals": (_number_list, "a list of numbers"),
    "Flavors": (_int_list, "a list of integers"),
}


def _depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting outside quotes and comments."""
    depth = worst = 0
    for m in _BRACKET.finditer(_QUOTED.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        worst = max(worst, depth)
    return worst


def check_info(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The fields of an ``.info`` mapping with the ones scaleuq reads checked and converted
    (numbers to float/int, lists to tuples, words stripped).

    Raises:
        PDFError: ``{source}: field X: expected ..., got ...`` for the first bad field.
    """
    out = dict(data)
    for key, (checker, what) in FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        try:
            converted, problem = checker(value)
        except (ValueError, TypeError, OverflowError):
            raise PDFError(f"{source}: field {key}: expected {what}, got {_show(value)}") from None
        if problem:
            raise PDFError(f"{source}: field {key}: expected {problem}, got {_show(value)}")
        out[key] = converted
    qs, vals = out.get("AlphaS_Qs"), out.get("AlphaS_Vals")
    if qs is not None and vals is not None and len(qs) != len(vals):
        raise PDFError(
            f"{source}: fields AlphaS_Qs and AlphaS_Vals: {len(qs)} scales but {len(vals)} values"
        )
    if "XMin" in out and "XMax" in out and out["XMin"] >= out["XMax"]:
        raise PDFError(f"{source}: fields XMin, XMax: XMin = {out['XMin']} is not below XMax")
    return out


def read_info(path: str | Path) -> dict[str, Any]:
    """Read and check an LHAPDF ``.info`` file (see :func:`check_info`).

    Raises:
        PDFError: unreadable, too large, nested too deeply, not YAML, not a mapping, or a
            field of the wrong type or range (named).
    """
    import yaml

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_INFO_BYTES:
            raise PDFError(f"{path}: {size} bytes is too large for an LHAPDF .info file")
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PDFError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if _depth(text) > MAX_DEPTH:
        raise PDFError(f"{path}: nested more than {MAX_DEPTH} levels deep (not an LHAPDF .info)")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PDFError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise PDFError(f"{path}: nested too deeply (not an LHAPDF .info)") from None
    if not isinstance(data, dict):
        raise PDFError(f"{path}: not an LHAPDF .info file (no 'key: value' mapping)")
    data = {str(k): v for k, v in data.items()}
    return check_info(data, str(path))

"""Parser for the notation printed in MadGraph's paper tables (arXiv:1405.0301, Table 1ff).

A user pastes rows such as::

    a.1  pp → W±  1.375 ± 0.002 · 10^5  +15.4% −16.6%  +2.0% −1.6%
         1.773 ± 0.007 · 10^5  +5.2% −9.4%  +1.9% −1.6%

(one line per row in the file)

into a text file and :func:`read_paper_notation` turns them into table records. Per row: an
optional id (``a.1``), the process, the LO cross section ``value ± error · 10^k`` followed by its
scale uncertainty ``+a% -b%`` and optionally its PDF uncertainty, then the same for NLO
(optional). Powers of ten may be written ``· 10^5``, ``× 10^{5}``, ``x 10^5``, ``\\cdot 10^{5}``
or with superscript digits; minus signs may be unicode (``−``, ``–``). Cross sections are in pb
unless a line ``# unit: fb`` (or a unit after the number) says otherwise. An explicit final-state
count may end the row as ``n_final=3`` (needed for decay chains). Lines starting with ``#`` are
comments; blank lines are skipped.

A sign written before a value belongs to the value (``-4.248 ± ...`` is read as -4.248, which
the table then refuses as a cross section), never to the process name; a number-like token where
the process name should be, a value out of the range of a double (``10^400``, ``10^-400``), an
over-long number or row are errors naming the file and line, never a silent change.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from scaleuq.errors import NotationError, UnitError, location
from scaleuq.io.process import count_final_state, normalize_process
from scaleuq.util.numbers import parse_number
from scaleuq.util.text import read_utf8
from scaleuq.util.units import XSEC_UNITS_TO_PB  # the one unit table (re-exported for tables.py)

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_NUM = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # one way to match: no backtracking
_MAX_LINE = 10_000  # characters; a paper row is a few hundred
_XSEC = re.compile(
    rf"\(?\s*(?<![^\s(])(?P<val>-?{_NUM})\s*(?:±|\+/-|\+-|\\pm)\s*(?P<err>{_NUM})\s*\)?"
    rf"(?:\s*(?:·|⋅|×|\*|\\cdot|\\times|x)\s*10\s*\^\s*\{{?\s*(?P<exp>[+-]?\d+)\s*\}}?)?"
    rf"(?:\s*(?P<unit>[a-zµ]*b)\b)?"
)
_PAIR = re.compile(rf"\+\s*(?P<up>{_NUM})\s*%\s*-\s*(?P<dn>{_NUM})\s*%")
_ID = re.compile(r"^[A-Za-z]\.\d+[a-z]?$|^\d+$")
_STRAY = re.compile(r"^[-+]?[.0-9]")  # a number-like token where the process name should be
_NFINAL = re.compile(r"\bn_final\s*=\s*(\d+)\s*$")
_MAX_EXPONENT_DIGITS = 4  # 10^9999 is already far outside a double
_UNIT_DIRECTIVE = re.compile(r"^#\s*unit\s*:\s*(\S+)\s*$", re.IGNORECASE)


def _clean(line: str) -> str:
    line = re.sub(
        r"10\s*([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), line
    )
    for dash in ("−", "–", "—"):
        line = line.replace(dash, "-")
    line = line.replace("$", " ").replace("&", " ").replace("\\\\", " ")
    return line.replace("\ufeff", "").replace("\u200b", "")


def _unit_factor(unit: str, where: str) -> float:
    key = unit.lower().replace("μ", "µ")
    if key not in XSEC_UNITS_TO_PB:
        raise UnitError(
            f"{where}: unknown cross-section unit '{unit}'; use one of "
            + ", ".join(XSEC_UNITS_TO_PB)
        )
    return XSEC_UNITS_TO_PB[key]


def parse_paper_row(text: str, where: str = "<row>", unit: str = "pb") -> dict[str, object]:
    """Parse one table row in paper notation into a record of the scaleuq table schema.

    Args:
        text: the row as printed in the paper.
        where: ``file:line`` used in error messages.
        unit: cross-section unit of values that carry none.

    Returns:
        A dict with ``process``, ``id``, ``n_final``, ``lo_xsec_pb``, ``lo_mc_err_pb``,
        ``lo_scale_up_pct``, ``lo_scale_dn_pct`` (negative), optionally the PDF and NLO fields.

    Raises:
        NotationError: the row does not follow the notation.
    """
    if len(text) > _MAX_LINE:
        raise NotationError(f"{where}: the row is {len(text)} characters long; not a table row")
    line = _clean(text)
    n_final = None
    m = _NFINAL.search(line)
    if m:
        if len(m.group(1)) > 4:
            raise NotationError(f"{where}: n_final={m.group(1)[:12]}... is not a particle count")
        n_final = int(m.group(1))
        line = line[: m.start()]
    blocks = list(_XSEC.finditer(line))
    if not blocks:
        raise NotationError(
            f"{where}: no cross section like '1.375 ± 0.002 · 10^5' in {text.strip()[:80]!r}"
        )
    if len(blocks) > 2:
        raise NotationError(f"{where}: found {len(blocks)} cross sections, expected LO and NLO")
    head = line[: blocks[0].start()].split()
    if not head:
        raise NotationError(f"{where}: the row has no process name before the cross section")
    row_id = head.pop(0) if len(head) > 1 and _ID.match(head[0]) else None
    stray = next((t for t in head if _STRAY.match(t)), None)
    if stray is not None:
        raise NotationError(
            f"{where}: cannot read {stray[:40]!r} before the LO cross section; "
            "particle names do not start with a digit"
        )
    process = normalize_process(" ".join(head))
    if n_final is None:
        n_final = count_final_state(process)
        if n_final is None:
            raise NotationError(
                f"{where}: cannot count the final state of {process!r}; end the row with n_final=N"
            )
    record: dict[str, object] = {"process": process, "id": row_id, "n_final": n_final}
    for order, block, nxt in zip(("lo", "nlo"), blocks, [*blocks[1:], None], strict=False):
        factor = _unit_factor(block.group("unit") or unit, where)
        exp = block.group("exp") or "0"
        for name in ("val", "err"):
            number = _scaled(block.group(name), exp, factor, where, order)
            record[f"{order}_{'xsec' if name == 'val' else 'mc_err'}_pb"] = number
        tail = line[block.end() : nxt.start() if nxt is not None else len(line)]
        pairs = list(_PAIR.finditer(tail))
        leftover = _PAIR.sub(" ", tail).strip()
        if leftover:
            raise NotationError(
                f"{where}: cannot read {leftover!r} after the {order.upper()} cross section; "
                "uncertainties must look like '+15.4% -16.6%'"
            )
        if not pairs:
            raise NotationError(
                f"{where}: the {order.upper()} cross section has no scale uncertainty '+a% -b%'"
            )
        if len(pairs) > 2:
            raise NotationError(
                f"{where}: {len(pairs)} uncertainty pairs after the {order.upper()} value; "
                "expected scale and optionally PDF"
            )
        for kind, pair in zip(("scale", "pdf"), pairs, strict=False):
            record[f"{order}_{kind}_up_pct"] = _plain(pair.group("up"), where)
            record[f"{order}_{kind}_dn_pct"] = -_plain(pair.group("dn"), where)
    return record


def _plain(text: str, where: str) -> float:
    try:
        return parse_number(text)
    except ValueError as exc:
        raise NotationError(f"{where}: {exc}") from None


def _scaled(mantissa: str, exp: str, factor: float, where: str, order: str) -> float:
    """``mantissa · 10^exp`` in pb, refusing what a double cannot hold (no overflow, no
    silent 0 for a non-zero number)."""
    if len(exp.lstrip("+-")) > _MAX_EXPONENT_DIGITS:
        raise NotationError(
            f"{where}: the {order.upper()} power of ten 10^{exp[:12]}... is out of range"
        )
    value = _plain(f"{mantissa}e{int(exp)}", where) * factor
    if not math.isfinite(value) or (value == 0 and _plain(mantissa, where) != 0):
        raise NotationError(
            f"{where}: the {order.upper()} value {mantissa} · 10^{exp} is out of the range of a "
            "double"
        )
    return value


def read_paper_notation(path: str | Path) -> list[tuple[int, dict[str, object]]]:
    """Read a text file of rows in paper notation.

    Returns:
        ``(line_number, record)`` pairs, one per non-comment row.
    """
    path = Path(path)
    unit = "pb"
    rows: list[tuple[int, dict[str, object]]] = []
    text = _decode(path)
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = _UNIT_DIRECTIVE.match(stripped)
            if m:
                unit = m.group(1)
                _unit_factor(unit, location(path, number))
            continue
        rows.append((number, parse_paper_row(raw, location(path, number), unit)))
    return rows


def _decode(path: Path) -> str:
    return read_utf8(path, NotationError, "file")

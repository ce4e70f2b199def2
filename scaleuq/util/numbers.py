"""One number grammar for every text format scaleuq reads.

MadGraph, its Fortran logs and hand-written notes write numbers as ``1.375``, ``.5``, ``5.``,
``1.2e+03``, ``0.10000E+01`` and Fortran double precision ``0.10000D+01``. :data:`NUMBER` is the
regular expression for all of them (optionally signed, no surrounding space);
:func:`parse_number` turns one such string into a float and rejects anything else (``nan``,
``inf``, ``1e400``, digits beyond what a double can hold) with ``ValueError``, so that callers
can wrap it in an error that names the file and line.
"""

from __future__ import annotations

import math
import re

#: Unsigned decimal with optional exponent (``e``, ``E``, ``d`` or ``D``). One way to match any
#: text (the integer and fraction digits cannot trade places), possessive quantifiers (nothing
#: to backtrack into) and no start inside a run of digits: a search over a long line of digits
#: is linear, not cubic (a 60 KB console line took 69 s with the old ``\d+\.?\d*``).
UNSIGNED = r"(?<![\d.])(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eEdD][-+]?+\d++)?+"
#: Optionally signed decimal with optional exponent.
NUMBER = rf"[-+]?{UNSIGNED}"

_FULL = re.compile(rf"\s*({NUMBER})\s*")
_MAX_DIGITS = 400  # a longer mantissa is not a measured number: refuse it rather than hang on it


def parse_number(text: str) -> float:
    """A finite float from ``text`` in :data:`NUMBER` form (Fortran ``D`` exponents included).

    Raises:
        ValueError: ``text`` is not one number, or it is not finite as a double.
    """
    if len(text) > _MAX_DIGITS:
        raise ValueError(f"number too long ({len(text)} characters)")
    m = _FULL.fullmatch(text)
    if m is None:
        raise ValueError(f"not a number: {text.strip()[:40]!r}")
    value = float(m.group(1).replace("d", "e").replace("D", "e"))
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text.strip()[:40]!r}")
    return value

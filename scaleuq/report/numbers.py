"""The one number formatter of the renderers: every table cell that shows a number or a
percentage goes through :func:`num` or :func:`pct`, so that a missing or non-finite value is
shown the same way everywhere (``undef`` for numbers, ``-`` for percentages, unless the table
says otherwise)."""

from __future__ import annotations

import math


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(float(value))


def num(value: float | None, digits: int = 4, missing: str = "undef") -> str:
    """``value`` to ``digits`` significant digits, or ``missing`` for None/NaN/inf."""
    return missing if _missing(value) else f"{float(value):.{digits}g}"  # type: ignore[arg-type]


def pct(value: float | None, spec: str = ".3g", missing: str = "-") -> str:
    """A fraction as a percentage (``0.123`` -> ``12.3%``) with format ``spec``, or ``missing``
    for None/NaN/inf."""
    return missing if _missing(value) else f"{100 * float(value):{spec}}%"  # type: ignore[arg-type]

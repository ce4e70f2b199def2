"""The one unit table for cross sections, shared by every reader (paper notation, tables,
MadGraph logs and summaries).

:data:`XSEC_UNITS_TO_PB` maps a unit as printed (``ab``, ``fb``, ``pb``, ``nb``, ``ub`` or
``µb``, ``mb``) to its value in picobarn; :func:`xsec_to_pb` converts a value and names the
unit it does not know.
"""

from __future__ import annotations

__all__ = ["XSEC_UNITS_TO_PB", "xsec_to_pb"]

#: Cross-section units -> picobarn (1 pb = 1e3 fb = 1e-3 nb).
XSEC_UNITS_TO_PB = {"ab": 1e-6, "fb": 1e-3, "pb": 1.0, "nb": 1e3, "ub": 1e6, "µb": 1e6, "mb": 1e9}


def xsec_to_pb(value: float, unit: str) -> float:
    """``value`` in ``unit`` (case-insensitive) converted to pb.

    Raises:
        ValueError: ``unit`` is not a cross-section unit (the message lists the known ones).
    """
    factor = XSEC_UNITS_TO_PB.get(unit.strip().lower())
    if factor is None:
        raise ValueError(
            f"unexpected unit '{unit.strip()}' for a cross section (known: "
            + ", ".join(XSEC_UNITS_TO_PB)
            + ")"
        )
    return value * factor

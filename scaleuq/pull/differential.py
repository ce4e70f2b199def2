"""Bin-by-bin scale pulls of one observable from LO and NLO histograms (HwU)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleuq.io.hwu import Histogram, HwUError
from scaleuq.pull.pulls import pull_values, select_uncertainty


def differential_pulls(
    lo: Histogram, nlo: Histogram, *, convention: str = "directional", points: str = "9-point"
) -> Any:
    """Bin-by-bin pulls t = (NLO - LO)/Delta_LO of one observable.

    Returns a DataFrame: ``xmin``, ``xmax``, ``lo``, ``lo_stat``, ``lo_up_rel``, ``lo_dn_rel``
    (positive fractions), ``nlo``, ``nlo_stat``, ``nlo_up_rel``, ``nlo_dn_rel``, ``k_factor``,
    ``delta_rel``, ``pull`` (NaN where undefined) and ``reason``.
    """
    import pandas as pd

    if lo.edges.shape != nlo.edges.shape or not np.allclose(lo.edges, nlo.edges):
        raise HwUError(
            f"{lo.source} and {nlo.source}: '{lo.name}' and '{nlo.name}' have different bins"
        )
    up, dn = lo.envelope(points)
    try:
        nup, ndn = nlo.envelope(points)
    except HwUError:
        nup = ndn = np.full_like(up, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(lo.central != 0, nlo.central / lo.central - 1, np.nan)
    scale, _ = select_uncertainty(shift, up, -dn, convention)
    delta, pull, reason = pull_values(shift, scale)
    reason = ["LO bin is empty" if c == 0 else r for c, r in zip(lo.central, reason, strict=True)]
    return pd.DataFrame({
        "xmin": lo.edges[:-1], "xmax": lo.edges[1:], "lo": lo.central, "lo_stat": lo.stat,
        "lo_up_rel": up, "lo_dn_rel": -dn, "nlo": nlo.central, "nlo_stat": nlo.stat,
        "nlo_up_rel": nup, "nlo_dn_rel": -ndn, "k_factor": 1 + shift, "delta_rel": delta,
        "pull": pull, "reason": reason,
    })  # fmt: skip

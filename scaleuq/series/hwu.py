"""MadGraph HwU histograms (LO and NLO, with scale-variation columns) as a long-format series,
so that the theory-covariance validation and the MHOU comparison run on histogram bins too.

Each bin is a point ``<histogram>:bin=<i>:<xmin>-<xmax>``, observable ``dsigma`` (the bin value
in the file's unit), orders ``lo`` and ``nlo``, one row per (k_R, k_F) column of the chosen
dynamical-scale choice; the process type is the histogram name (mu_R correlated within one
distribution). Bins whose central value is not finite are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["hwu_long"]


def hwu_long(
    lo_path: str | Path,
    nlo_path: str | Path | None = None,
    *,
    histogram: str | None = None,
    dyn: int | None = None,
) -> pd.DataFrame:
    """Read LO and NLO HwU histograms into a validated long frame.

    Args:
        lo_path: the LO ``MADatNLO.HwU`` (or one file holding ``TYPE@LO`` and ``TYPE@NLO``).
        nlo_path: the NLO file, if separate.
        histogram: one histogram name (default: every name in both).
        dyn: the dynamical-scale choice of the scale columns (default: the only one, or the
            first column's when there are several; see :meth:`scaleuq.io.hwu.Histogram.envelope`).

    Raises:
        OptionError / HwUError: no common histogram, no scale columns, an unknown ``dyn``.
    """
    import pandas as pd

    from scaleuq.io.hwu import HwUError, pair_histograms, read_hwu
    from scaleuq.io.longformat import validate_long

    lo_file = read_hwu(lo_path)
    pairs = pair_histograms(lo_file, read_hwu(nlo_path) if nlo_path else None, histogram)
    rows: list[dict[str, object]] = []
    for pair in pairs:
        for order, hist in zip(("lo", "nlo"), pair, strict=True):
            if not hist.scales:
                raise HwUError(f"{hist.source}: histogram '{hist.name}' has no scale columns")
            choices = list(dict.fromkeys(d for d, _, _ in hist.scales))
            use = choices[0] if dyn is None else dyn
            if use not in choices:
                raise OptionError(
                    f"{hist.source}: no scale columns with dyn={dyn}; found {choices}"
                )
            grid = {(r, f): v for (d, r, f), v in hist.scales.items() if d == use}
            grid.setdefault((1.0, 1.0), hist.central)
            for i, (low, high) in enumerate(zip(hist.edges[:-1], hist.edges[1:], strict=True)):
                if not np.isfinite(hist.central[i]):
                    continue
                point = f"{hist.name}:bin={i}:{low:g}-{high:g}"
                for (kr, kf), values in grid.items():
                    if np.isfinite(values[i]):
                        rows.append(
                            dict(
                                point=point,
                                observable="dsigma",
                                order=order,
                                k_R=kr,
                                k_F=kf,
                                value=float(values[i]),
                                process_type=hist.name,
                                source=hist.source,
                            )
                        )
    if not rows:
        raise OptionError("no finite histogram bin to convert")
    frame = pd.DataFrame(rows)
    frame = frame[frame.groupby("point")["order"].transform("nunique") == 2]
    return validate_long(frame.reset_index(drop=True), str(lo_path))

"""Bin-by-bin scale pulls of observables from LO and NLO histograms (MadGraph HwU files).

Per bin, t = (NLO - LO) / Delta_LO with Delta_LO the LO scale envelope of the bin in the chosen
convention (:mod:`scaleuq.pull.pulls`), exactly as for total rates (Ghosh et al.,
arXiv:2210.15167), so a differential K-factor is judged against its own LO band.

:func:`compute_differential` reads the files, pairs the histograms and computes every table;
:func:`scaleuq.workflows.differential.differential_pulls` adds the figures (drawing lives in
``report/``, which this module must not import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.choices import ENVELOPES
from scaleuq.errors import OptionError
from scaleuq.io.hwu import Histogram, HwUError, pair_histograms, read_hwu
from scaleuq.pull.pulls import check_convention, pull_values, records, select_uncertainty

if TYPE_CHECKING:
    import pandas as pd

#: Columns of :attr:`HistogramPulls.table`, in order (``DifferentialResult.table`` puts
#: ``histogram`` first).
DIFFERENTIAL_COLUMNS = (
    "xmin", "xmax", "lo", "lo_stat", "lo_up_rel", "lo_dn_rel", "nlo", "nlo_stat", "nlo_up_rel",
    "nlo_dn_rel", "k_factor", "delta_rel", "pull", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class HistogramPulls:
    """Bin-by-bin pulls of one observable.

    Attributes:
        name: the histogram's title (before the first ``|``).
        lo_source, nlo_source: ``file:line`` of the LO and NLO histograms.
        table: DataFrame with :data:`DIFFERENTIAL_COLUMNS`: bin edges ``xmin``/``xmax`` (the
            observable's unit), ``lo``/``nlo`` and their MC errors ``*_stat`` (cross section per
            bin as the HwU file gives it, pb), envelopes ``*_up_rel``/``*_dn_rel`` (positive
            fractions; NLO ones NaN when the NLO histogram has no scale columns),
            ``k_factor`` = NLO/LO, ``delta_rel`` (the Delta/LO used), ``pull`` (NaN where
            undefined) and ``reason`` (why undefined, else None).
    """

    name: str
    lo_source: str
    nlo_source: str
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation (NaN becomes None)."""
        return {
            "histogram": self.name,
            "lo_source": self.lo_source,
            "nlo_source": self.nlo_source,
            "bins": records(self.table),
        }


@dataclass(frozen=True)
class DifferentialResult:
    """Bin-by-bin pulls of every observable found in both inputs.

    Attributes:
        inputs: the files read (one file holding ``TYPE@LO`` and ``TYPE@NLO``, or LO and NLO).
        convention: the Delta convention (:data:`scaleuq.choices.CONVENTIONS`).
        envelope: the scale envelope (:data:`scaleuq.choices.ENVELOPES`).
        histograms: one :class:`HistogramPulls` per observable, in the LO file's order.
        table: all bins of all observables: column ``histogram``, then :data:`DIFFERENTIAL_COLUMNS`.
        figures: files written (PNG, PDF and JSON sidecar per observable); empty when no figure
            folder was asked for.
    """

    inputs: tuple[str, ...]
    convention: str
    envelope: str
    histograms: tuple[HistogramPulls, ...]
    table: pd.DataFrame
    figures: tuple[Path, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation: options, the observables, every bin (NaN becomes None)."""
        return {
            "inputs": list(self.inputs),
            "convention": self.convention,
            "envelope": self.envelope,
            "histograms": [h.name for h in self.histograms],
            "figures": [str(f) for f in self.figures],
            "bins": records(self.table),
        }


def check_envelope(envelope: str) -> str:
    """Validate an envelope name (:data:`scaleuq.choices.ENVELOPES`)."""
    if envelope not in ENVELOPES:
        raise OptionError(f"unknown envelope '{envelope}'; choose one of {', '.join(ENVELOPES)}")
    return envelope


def histogram_pulls(
    lo: Histogram,
    nlo: Histogram,
    *,
    convention: str = "directional",
    envelope: str = "9-point",
) -> HistogramPulls:
    """Bin-by-bin pulls t = (NLO - LO)/Delta_LO of one observable.

    Args:
        lo, nlo: the LO and NLO histograms (same bins; the LO one needs scale columns).
        convention: which side of the LO envelope is Delta (default ``directional``: upward when
            NLO > LO, as in Ghosh et al., arXiv:2210.15167).
        envelope: ``3-point``, ``7-point`` or ``9-point`` (k_R, k_F) envelope of the run's own
            dynamical scale.

    Raises:
        HwUError: different bins, or the LO histogram has no scale-variation columns.
    """
    import pandas as pd

    check_convention(convention)
    check_envelope(envelope)
    if lo.edges.shape != nlo.edges.shape or not np.allclose(lo.edges, nlo.edges):
        raise HwUError(
            f"{lo.source} and {nlo.source}: '{lo.name}' and '{nlo.name}' have different bins"
        )
    up, dn = lo.envelope(envelope)
    try:
        nup, ndn = nlo.envelope(envelope)
    except HwUError:
        nup = ndn = np.full_like(up, np.nan)
    lo_ok = np.isfinite(lo.central)
    nlo_ok = np.isfinite(nlo.central)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where((lo.central != 0) & lo_ok & nlo_ok, nlo.central / lo.central - 1, np.nan)
    scale, _ = select_uncertainty(shift, up, -dn, convention)
    delta, pull, reason = pull_values(shift, scale)
    for i in range(len(reason)):
        if not lo_ok[i]:
            reason[i] = "LO bin is not finite"
        elif lo.central[i] == 0:
            reason[i] = "LO bin is empty"
        elif not nlo_ok[i]:
            reason[i] = "NLO bin is not finite"
    pull = np.where([r is None for r in reason], pull, np.nan)
    table = pd.DataFrame({
        "xmin": lo.edges[:-1], "xmax": lo.edges[1:], "lo": lo.central, "lo_stat": lo.stat,
        "lo_up_rel": up, "lo_dn_rel": -dn, "nlo": nlo.central, "nlo_stat": nlo.stat,
        "nlo_up_rel": nup, "nlo_dn_rel": -ndn, "k_factor": 1 + shift, "delta_rel": delta,
        "pull": pull, "reason": reason,
    })  # fmt: skip
    return HistogramPulls(lo.name, lo.source, nlo.source, table[list(DIFFERENTIAL_COLUMNS)])


def compute_differential(
    lo_file: str | Path,
    nlo_file: str | Path | None = None,
    *,
    histogram: str | None = None,
    convention: str = "directional",
    envelope: str = "9-point",
) -> DifferentialResult:
    """Read HwU files and compute the bin-by-bin pulls of every observable in both (no figures).

    Args:
        lo_file: the LO run's HwU file, or one file holding ``TYPE@LO`` and ``TYPE@NLO``
            histograms (``MADatNLO.HwU`` of an NLO run).
        nlo_file: the NLO run's HwU file (histograms matched to the LO ones by name).
        histogram: only this observable (its title before the first ``|``); default all.
        convention, envelope: as for :func:`histogram_pulls`.

    Raises:
        HwUError: a malformed file; OptionError: an unknown option or histogram name.
    """
    import pandas as pd

    check_convention(convention)
    check_envelope(envelope)
    lo_hists = read_hwu(lo_file)
    nlo_hists = read_hwu(nlo_file) if nlo_file is not None else None
    pairs = pair_histograms(lo_hists, nlo_hists, histogram)
    results = tuple(
        histogram_pulls(lo, nlo, convention=convention, envelope=envelope) for lo, nlo in pairs
    )
    table = pd.concat(
        [h.table.assign(histogram=h.name)[["histogram", *DIFFERENTIAL_COLUMNS]] for h in results],
        ignore_index=True,
    )
    inputs = (str(lo_file),) if nlo_file is None else (str(lo_file), str(nlo_file))
    return DifferentialResult(inputs, convention, envelope, results, table)

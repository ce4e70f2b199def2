"""The ``scaleuq differential`` workflow: bin-by-bin pulls of HwU histograms
(:mod:`scaleuq.pull.differential`), then, optionally, a figure each (drawn by
:mod:`scaleuq.report.plotting`, which the computation layer must not import)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from scaleuq._version import __version__
from scaleuq.errors import OptionError
from scaleuq.pull.differential import DifferentialResult, compute_differential
from scaleuq.pull.pulls import records


def figure_stem(name: str, taken: set[str]) -> str:
    """File stem ``differential_<name>`` (non-alphanumerics as ``_``), unique within ``taken``."""
    safe = "".join(c if c.isalnum() else "_" for c in name).strip("_") or "histogram"
    stem, k = f"differential_{safe}", 2
    while stem in taken:
        stem, k = f"differential_{safe}_{k}", k + 1
    taken.add(stem)
    return stem


def differential_pulls(
    lo_file: str | Path,
    nlo_file: str | Path | None = None,
    *,
    histogram: str | None = None,
    convention: str = "directional",
    envelope: str = "9-point",
    figure_dir: str | Path | None = None,
) -> DifferentialResult:
    """Bin-by-bin scale pulls of LO and NLO HwU histograms, optionally with a figure each.

    Every observable is computed first; only then, when ``figure_dir`` is given, are the
    figures drawn and written there (``differential_<name>.png``/``.pdf`` and a ``.json``
    sidecar with the inputs, options, version and the plotted bins), each file atomically, so
    a bad histogram stops the call before anything is written.

    Args:
        lo_file, nlo_file, histogram, convention, envelope: as for
            :func:`scaleuq.pull.differential.compute_differential`.
        figure_dir: folder for the figures (created if missing); None draws nothing.

    Returns:
        A :class:`~scaleuq.pull.differential.DifferentialResult` whose ``figures`` lists the
        files written.
    """
    if figure_dir is not None and Path(figure_dir).exists() and not Path(figure_dir).is_dir():
        raise OptionError(f"{figure_dir}: the figure folder exists and is not a folder")
    result = compute_differential(
        lo_file, nlo_file, histogram=histogram, convention=convention, envelope=envelope
    )
    if figure_dir is None:
        return result

    from scaleuq.report.plotting import plot_differential, save_figure

    base: dict[str, Any] = {
        "scaleuq_version": __version__,
        "inputs": list(result.inputs),
        "options": {"convention": convention, "envelope": envelope, "histogram": histogram},
    }
    taken: set[str] = set()
    drawn = [
        (plot_differential(h.table, h.name), figure_stem(h.name, taken), h)
        for h in result.histograms
    ]
    files: list[Path] = []
    for fig, stem, h in drawn:
        sidecar = {**base, "figure": stem, "data": {"histogram": h.name, "bins": records(h.table)}}
        files.extend(save_figure(fig, Path(figure_dir) / stem, sidecar))
    return dataclasses.replace(result, figures=tuple(files))

"""The series figures as one workflow: compute the pulls, the covariance validation and the
MHOU comparison of a long-format series, and hand them to :mod:`scaleuq.report.plot_series`
for drawing (``scaleuq series figures``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.covariance import CovarianceValidation
    from scaleuq.pull.pulls import PullResult
    from scaleuq.stats.mhou import MHOUResult

__all__ = ["SeriesFigures", "series_figures"]


@dataclass(frozen=True)
class SeriesFigures:
    """What :func:`series_figures` wrote and the results behind it.

    Attributes:
        files: the written paths (PNG, PDF and a JSON sidecar per figure).
        pulls: one :class:`~scaleuq.pull.pulls.PullResult` per transition.
        validation: the covariance validation drawn.
        mhou: the MHOU comparison drawn.
    """

    files: tuple[Path, ...]
    pulls: tuple[PullResult, ...]
    validation: CovarianceValidation
    mhou: MHOUResult

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary."""
        return {
            "files": [str(f) for f in self.files],
            "pulls": [
                {"from_order": p.from_order, "to_order": p.to_order, **p.summary.to_dict()}
                for p in self.pulls
            ],
            "validation": {
                k: v for k, v in self.validation.to_dict().items() if k not in {"points", "eigen"}
            },
            "mhou": {k: v for k, v in self.mhou.to_dict().items() if k != "points"},
        }


def series_figures(
    long: pd.DataFrame,
    output_dir: str | Path,
    *,
    from_order: str = "nlo",
    to_order: str = "nnlo",
    prescription: str = "7",
    envelope: str = "7-point",
    convention: str = "directional",
    process_column: str | None = "process_type",
    inputs: Sequence[str] = (),
) -> SeriesFigures:
    """Write the series figures into ``output_dir``: ``series_pulls`` (every consecutive
    transition), ``covariance_eigen`` and ``covariance_points`` (``from_order`` ->
    ``to_order`` with ``prescription``), ``mhou_coverage`` (every method and transition).

    Args:
        long: a validated long frame (:func:`scaleuq.io.longformat.read_long`).
        envelope, convention: the band of the pulls (:func:`scaleuq.pull.pulls.pulls`).
        inputs: names of the input files, for the JSON sidecars.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scaleuq._version import __version__
    from scaleuq.io.longformat import wide_records
    from scaleuq.io.tables import from_records
    from scaleuq.pull.covariance import validate_covariance
    from scaleuq.pull.pulls import pulls
    from scaleuq.report.plot_series import (
        plot_eigen,
        plot_mhou_coverage,
        plot_series_pulls,
        plot_shift_vs_sigma,
    )
    from scaleuq.report.plotting import save_figure
    from scaleuq.stats.mhou import mhou

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = wide_records(long, envelope=envelope)
    table = from_records([r for _, r in pairs], dataset="series", sources=[s for s, _ in pairs])
    orders = [o for o in ("lo", "nlo", "nnlo", "n3lo") if (long["order"] == o).any()]
    results = tuple(
        pulls(table, convention=convention, from_order=a, to_order=b) for a, b in pairwise(orders)
    )
    validation = validate_covariance(
        long, from_order=from_order, to_order=to_order, prescription=prescription,
        process_column=process_column,
    )  # fmt: skip
    comparison = mhou(long)
    base = {"inputs": list(inputs), "scaleuq_version": __version__}
    files: list[Path] = []
    drawn = [
        ("series_pulls", plot_series_pulls(results),
         {"transitions": [{"from": r.from_order, "to": r.to_order, "pulls": r.defined.tolist()}
                          for r in results], "envelope": envelope, "convention": convention}),
        ("covariance_eigen", plot_eigen(validation),
         {k: v for k, v in validation.to_dict().items() if k != "points"}),
        ("covariance_points", plot_shift_vs_sigma(validation), validation.to_dict()),
        ("mhou_coverage", plot_mhou_coverage(comparison),
         {k: v for k, v in comparison.to_dict().items() if k != "points"}),
    ]  # fmt: skip
    for name, fig, data in drawn:
        files.extend(save_figure(fig, out / name, {**base, "figure": name, **data}))
        plt.close(fig)
    return SeriesFigures(tuple(files), results, validation, comparison)

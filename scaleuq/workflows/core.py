"""The table workflows: ``scaleuq pulls``, ``reference-correct`` and ``fit``.

Each takes the user's table files (none: the bundled published processes with LO and NLO
information) and one :class:`~scaleuq.options.PullOptions`, and returns the computation's typed
result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scaleuq.io.datasets import load_bundled
from scaleuq.io.tables import read_tables
from scaleuq.options import PullOptions
from scaleuq.pull.pulls import PullResult, pulls
from scaleuq.pull.reference import ReferenceCorrection, reference_correct

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.stats.study import FitStudy


def load_tables(tables: Sequence[str], table_format: str | None = None) -> pd.DataFrame:
    """The user's tables read together (:func:`scaleuq.io.tables.read_tables`, in
    ``table_format`` or by suffix), or every bundled table with LO and NLO information when
    ``tables`` is empty."""
    return read_tables(list(tables), format=table_format) if tables else load_bundled("pulls")


def pulls_workflow(
    tables: Sequence[str], options: PullOptions, *, table_format: str | None = None
) -> PullResult:
    """``scaleuq pulls``: the scale pull of every process of ``tables``."""
    return pulls(
        load_tables(tables, table_format),
        convention=options.convention,
        include_pdf=options.include_pdf,
        from_order=options.from_order,
        to_order=options.to_order,
    )


def reference_workflow(
    tables: Sequence[str],
    options: PullOptions,
    *,
    threshold: float = 3.0,
    table_format: str | None = None,
) -> ReferenceCorrection:
    """``scaleuq reference-correct``: Tilman Plehn's reference-process correction of every
    process of ``tables``, flagging |t_ref| above ``threshold``."""
    return reference_correct(
        load_tables(tables, table_format),
        reference=options.reference,
        reference_select=options.reference_select,
        convention=options.convention,
        include_pdf=options.include_pdf,
        n_mode=options.n_mode,
        threshold=threshold,
        from_order=options.from_order,
        to_order=options.to_order,
    )


def fit_workflow(
    tables: Sequence[str],
    options: PullOptions,
    *,
    stage: str = "before",
    models: Sequence[str] | None = None,
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
    table_format: str | None = None,
) -> FitStudy:
    """``scaleuq fit``: the pull-distribution study of ``tables`` at ``stage`` (``before``: the
    raw pulls, no reference correction computed; ``after``: the reference-corrected ones)."""
    from scaleuq.stats.study import fit  # scipy.stats: only the fit pays for it

    return fit(
        load_tables(tables, table_format),
        stage=stage,
        convention=options.convention,
        include_pdf=options.include_pdf,
        reference=options.reference,
        reference_select=options.reference_select,
        n_mode=options.n_mode,
        models=tuple(models) if models else None,
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
        from_order=options.from_order,
        to_order=options.to_order,
    )

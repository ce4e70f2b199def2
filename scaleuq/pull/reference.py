"""Tilman Plehn's reference-process correction (Ghosh et al., arXiv:2210.15167, Sec. 4).

For processes with only QCD particles in the final state, the LO relative scale uncertainty per
final-state particle, Delta sigma / (n sigma_0), is nearly universal. Every process is assigned
the uncertainty of a QCD reference process with the same n,

    Delta sigma_ref / sigma_0 = n * < Delta sigma / (n sigma_0) >_QCD ,

averaged over the reference set separately for the upward and the downward direction, and its
pull is recomputed with Delta sigma_ref. Processes whose corrected pull stays above a threshold
are flagged as tail processes.

Choices (all keyword options of :func:`reference_correct`):

* the reference set: by default the bundled QCD table (Table 1 of Ghosh et al.), or any table,
  or a selection from the input tables (:func:`select_reference`, parsed by the grammar of
  :mod:`scaleuq.pull.select`, never evaluated as Python); :func:`resolve_reference` turns the
  command-line options into one of these;
* how n is counted (:data:`N_MODES`): ``final-state`` (default, as published) or
  ``alphas-power``, the LO power of alpha_s, taken from the ``alphas_power`` column and, where
  that is empty, inferred as the number of final-state QCD partons (valid for tree-level QCD
  production; give ``alphas_power`` explicitly for loop-induced processes such as gg -> h);
* the tail threshold on |t_ref| (default 3).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import OptionError
from scaleuq.pull.pulls import (
    PullResult,
    PullSummary,
    check_convention,
    lo_missing,
    pdf_uncertainty,
    pull_values,
    pulls,
    records,
)

if TYPE_CHECKING:
    import pandas as pd

from scaleuq.choices import N_MODES

#: Columns added by the correction to the pull table (see :class:`ReferenceCorrection`).
REFERENCE_COLUMNS = (
    "n_counted",
    "n_inferred",
    "delta_ref_rel",
    "pull_ref",
    "reason_ref",
    "flagged",
)


def count_n(
    table: pd.DataFrame, n_mode: str, *, qcd_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The n of each row by ``n_mode``; returns ``(n, inferred)`` (inferred: bool per row).

    In ``alphas-power`` mode a missing ``alphas_power`` is inferred as the number of final-state
    QCD partons. With ``qcd_only`` (a reference set, QCD-only by construction) a row whose
    process string cannot be read takes ``n_final``, which equals the LO power of alpha_s for
    tree-level QCD production.
    """
    from scaleuq.io.process import count_qcd_partons

    if n_mode not in N_MODES:
        raise OptionError(f"unknown n counting '{n_mode}'; choose one of {', '.join(N_MODES)}")
    if n_mode == "final-state":
        return table["n_final"].to_numpy(float), np.zeros(len(table), dtype=bool)
    given = table["alphas_power"].astype(object).where(table["alphas_power"].notna(), None)
    n = np.empty(len(table))
    inferred = np.zeros(len(table), dtype=bool)
    for i, (process, power) in enumerate(zip(table["process"], given, strict=True)):
        if power is not None:
            n[i] = float(power)
        else:
            guess = count_qcd_partons(process)
            if guess is None and qcd_only:
                guess = table["n_final"].iloc[i]
            n[i] = np.nan if guess is None else guess
            inferred[i] = True
    return n, inferred


@dataclass(frozen=True)
class ReferenceAverage:
    """The per-particle LO scale uncertainty of a reference set.

    Attributes:
        per_particle_up: < Delta sigma_up / (n sigma_0) > over the reference set (fraction).
        per_particle_dn: the same for the downward variation (a positive fraction).
        std_up, std_dn: standard deviation of the per-particle values over the set.
        n_processes: size of the reference set.
        processes: their names.
        n_mode: how n was counted.
    """

    per_particle_up: float
    per_particle_dn: float
    std_up: float
    std_dn: float
    n_processes: int
    processes: tuple[str, ...]
    n_mode: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {**self.__dict__, "processes": list(self.processes)}


def reference_average(reference: pd.DataFrame, *, n_mode: str = "final-state") -> ReferenceAverage:
    """Average Delta sigma / (n sigma_0) over a reference set, upward and downward separately.

    Args:
        reference: canonical table whose rows all have ``lo_scale_up_rel`` and
            ``lo_scale_dn_rel``.
        n_mode: ``final-state`` (default, as in Ghosh et al.) or ``alphas-power``.

    Raises:
        OptionError: the set is empty, or a process lacks an uncertainty or has n = 0.
    """
    from scaleuq.io.tables import as_table

    if len(reference) == 0:
        raise OptionError("the reference set is empty; select at least one process")
    reference = as_table(reference, dataset="reference")  # a DataFrame in any table format
    n, _ = count_n(reference, n_mode, qcd_only=True)
    up = reference["lo_scale_up_rel"].to_numpy(float)
    dn = reference["lo_scale_dn_rel"].to_numpy(float)
    for name, ni, u, d in zip(reference["process"], n, up, dn, strict=True):
        if not (np.isfinite(u) and np.isfinite(d)):
            raise OptionError(
                f"reference process '{name}' lacks an upward or downward LO scale uncertainty; "
                "remove it from the reference set"
            )
        if not np.isfinite(ni) or ni <= 0:
            raise OptionError(
                f"reference process '{name}' has n = {ni:g} with n counted as {n_mode}; "
                "it cannot define a per-particle uncertainty"
            )
    ddof = 1 if len(reference) > 1 else 0
    return ReferenceAverage(
        per_particle_up=float(np.mean(up / n)),
        per_particle_dn=float(np.mean(dn / n)),
        std_up=float(np.std(up / n, ddof=ddof)),
        std_dn=float(np.std(dn / n, ddof=ddof)),
        n_processes=len(reference),
        processes=tuple(reference["process"]),
        n_mode=n_mode,
    )


def select_reference(table: pd.DataFrame, expression: str) -> pd.DataFrame:
    """Select reference processes from a table with a selection expression.

    The expression is parsed by the grammar of :mod:`scaleuq.pull.select` (comparisons
    ``== != < <= > >=``, ``in [...]``, ``and``/``or``/``not``, parentheses, numbers and quoted
    strings) and evaluated as boolean masks, never as Python. It may use every canonical column
    plus ``process_class`` (see :mod:`scaleuq.io.process`); the shortcut ``qcd`` means
    ``process_class == 'qcd'``, i.e. only QCD final states. Example:
    ``"process_class == 'qcd' and n_final <= 3"``.

    Raises:
        OptionError: the expression is not in the grammar or names an unknown column (one line
            with the character position).
    """
    from scaleuq.io.process import classify_process
    from scaleuq.pull.select import parse_selection, select_rows

    parse_selection(expression)  # syntax errors first, before any work on the table
    frame = table.assign(process_class=[classify_process(p) for p in table["process"]])
    mask = select_rows(frame, expression)
    return table.loc[mask]


def resolve_reference(
    table: pd.DataFrame,
    reference: pd.DataFrame | ReferenceAverage | str | os.PathLike[str] | None = None,
    reference_select: str | None = None,
) -> pd.DataFrame | ReferenceAverage:
    """The reference set that the options name, as the commands take them.

    Args:
        table: the input table (the processes to correct), from which ``reference_select``
            selects.
        reference: a table, a precomputed average, a path to a table file, or None for the
            bundled QCD table of Ghosh et al. (arXiv:2210.15167, Table 1).
        reference_select: a selection expression over ``table`` (:func:`select_reference`).

    Raises:
        OptionError: both ``reference`` and ``reference_select`` are given.
    """
    if reference is not None and reference_select is not None:
        raise OptionError("give --reference or --reference-select, not both")
    if reference_select is not None:
        return select_reference(table, reference_select)
    if reference is None:
        from scaleuq.io.datasets import load_bundled

        return load_bundled("reference")
    if isinstance(reference, (str, os.PathLike)):
        from scaleuq.io.tables import read_table

        return read_table(reference)
    if isinstance(reference, ReferenceAverage) or len(reference) == 0:
        return reference
    from scaleuq.io.tables import as_table

    return as_table(reference, dataset="reference")  # a DataFrame in any table format


def reference_label(reference: str | os.PathLike[str] | None, reference_select: str | None) -> str:
    """How the provenance records a reference choice: the file, the selection or the default."""
    if reference_select is not None:
        return reference_select
    if reference is None:
        return "bundled:ghosh2022_qcd_reference"
    return str(reference)


@dataclass(frozen=True)
class ReferenceCorrection:
    """Pulls before and after the reference-process correction.

    Attributes:
        table: the pull table (:data:`scaleuq.pull.PULL_COLUMNS`) plus
            :data:`REFERENCE_COLUMNS`: ``n_counted`` (the n used), ``n_inferred`` (n taken from
            the process string in ``alphas-power`` mode), ``delta_ref_rel`` (Delta sigma_ref /
            sigma_0, PDF added if asked), ``pull_ref`` (NaN when undefined), ``reason_ref``,
            ``flagged`` (|pull_ref| > threshold).
        reference: the reference average used.
        before: the uncorrected pulls.
        threshold: the tail threshold on |pull_ref|.
    """

    table: pd.DataFrame
    reference: ReferenceAverage
    before: PullResult
    threshold: float

    @property
    def summary_before(self) -> PullSummary:
        """Summary of the uncorrected pulls."""
        return self.before.summary

    @property
    def summary_after(self) -> PullSummary:
        """Summary of the corrected pulls."""
        return PullSummary.from_pulls(self.table["pull_ref"].to_numpy(float))

    @property
    def flagged(self) -> list[str]:
        """Processes that stay in the tail after the correction."""
        return list(self.table.loc[self.table["flagged"], "process"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "convention": self.before.convention,
            "include_pdf": self.before.include_pdf,
            "n_mode": self.reference.n_mode,
            "threshold": self.threshold,
            "reference": self.reference.to_dict(),
            "summary_before": self.summary_before.to_dict(),
            "summary_after": self.summary_after.to_dict(),
            "flagged": self.flagged,
            "processes": records(self.table),
        }


def reference_correct(
    table: pd.DataFrame,
    *,
    reference: pd.DataFrame | ReferenceAverage | str | os.PathLike[str] | None = None,
    reference_select: str | None = None,
    convention: str = "directional",
    include_pdf: bool = False,
    n_mode: str = "final-state",
    threshold: float = 3.0,
    from_order: str = "lo",
    to_order: str = "nlo",
) -> ReferenceCorrection:
    """Recompute pulls with the reference-process uncertainty and flag the tail.

    Args:
        table: canonical cross-section table of the processes to correct.
        reference: the reference set (a table, a precomputed average, or the path of a table
            file); default the bundled QCD table of Ghosh et al. (arXiv:2210.15167, Table 1).
        reference_select: instead of ``reference``, select the reference set from ``table``
            with an expression (:func:`select_reference`).
        convention: Delta sigma convention (:data:`scaleuq.pull.CONVENTIONS`), applied to the
            reference uncertainties n * <up> and n * <dn> as to the original ones.
        include_pdf: add each process's own LO PDF uncertainty in quadrature.
        n_mode: how n is counted, for the reference set and the processes alike.
        threshold: processes with |t_ref| above this are flagged (default 3).
        from_order, to_order: the orders of the pulls (:func:`scaleuq.pull.pulls.pulls`); the
            reference bands are LO bands, so the correction is meant for LO -> NLO.

    Returns:
        A :class:`ReferenceCorrection`.
    """
    from scaleuq.io.tables import as_table
    from scaleuq.pull.pulls import select_uncertainty

    check_convention(convention)
    table = as_table(table, dataset="table")  # a DataFrame in any table format, as read_table
    if not threshold > 0:
        raise OptionError(f"the tail threshold must be positive, got {threshold}")
    reference = resolve_reference(table, reference, reference_select)
    average = (
        reference
        if isinstance(reference, ReferenceAverage)
        else reference_average(reference, n_mode=n_mode)
    )
    if average.n_mode != n_mode:
        raise OptionError(f"the reference average counts n as {average.n_mode}, not {n_mode}")
    before = pulls(
        table, convention=convention, include_pdf=include_pdf, from_order=from_order,
        to_order=to_order,
    )  # fmt: skip
    out = before.table.copy()
    shift = out["k_minus_1"].to_numpy(float)
    n, inferred = count_n(table, n_mode)
    ref_up, ref_dn = n * average.per_particle_up, n * average.per_particle_dn
    scale, _ = select_uncertainty(shift, ref_up, ref_dn, convention)
    pdf = pdf_uncertainty(out, shift, convention) if include_pdf else None
    delta, pull_ref, reason = pull_values(
        shift, scale, pdf, lo_missing(table, from_order, to_order)
    )
    reason = [
        "n is unknown (cannot read the final state)"
        if not np.isfinite(ni)
        else f"n = 0 with n counted as {n_mode}: the reference uncertainty vanishes"
        if ni == 0
        else r
        for ni, r in zip(n, reason, strict=True)
    ]
    out["n_counted"] = n
    out["n_inferred"] = inferred
    out["delta_ref_rel"] = delta
    out["pull_ref"] = pull_ref
    out["reason_ref"] = reason
    out["flagged"] = np.isfinite(pull_ref) & (np.abs(np.nan_to_num(pull_ref)) > threshold)
    return ReferenceCorrection(out, average, before, float(threshold))

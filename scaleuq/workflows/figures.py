"""The ``scaleuq figures`` workflow: compute the pull study and write every paper figure and the
numbers behind it into a report folder (drawing by :mod:`scaleuq.report.plotting`, the folder's
README by :mod:`scaleuq.report.summary`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq._version import __version__
from scaleuq.errors import OptionError
from scaleuq.util.atomic import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.pull.reference import ReferenceCorrection
    from scaleuq.stats.study import FitStudy


def coverage_toys_step(
    correction: ReferenceCorrection,
    studies: dict[str, FitStudy],
    output_dir: str | Path,
    sidecar: dict[str, Any],
    seed: int,
) -> list[Path]:
    """The ``scaleuq figures`` step: toys on the report's own corpus, figure and table.

    Uses the report's reference correction and its fit after the correction (pulls and s68),
    so the toys follow the report's options and seed; the number of pseudo-experiments is the
    report's number of bootstrap resamples (2000 by default, at least 10).
    """
    from scaleuq.analysis.recommend import calibrate_correction
    from scaleuq.analysis.toys import coverage_toys
    from scaleuq.report.plot_analysis import write_toy_report

    c68 = studies["after"].calibration[0]
    calibration = calibrate_correction(
        correction, corpus_names=tuple(sidecar.get("inputs", ["report corpus"])),
        reference_name="the report's reference set", n_bootstrap=c68.n_bootstrap, seed=seed,
    )  # fmt: skip
    n_toys = max(int(c68.n_bootstrap), 10)
    result = coverage_toys(calibration, correction=correction, n_toys=n_toys, seed=seed)
    return write_toy_report(result, output_dir, sidecar)


#: Further report steps after the paper figures: name -> function(correction, studies,
#: output_dir, sidecar_base, seed) returning the files it wrote.
REPORT_STEPS: dict[str, Callable[..., list[Path]]] = {"coverage toys": coverage_toys_step}
#: Steps of :func:`figures`, for progress bars.
STEPS = ("pulls and reference correction", "fits before", "fits after", "figures",
         *REPORT_STEPS, "summary")  # fmt: skip


@dataclass(frozen=True)
class FiguresResult:
    """What :func:`figures` wrote and the numbers behind it.

    Attributes:
        output_dir: the report folder.
        files: every file written (figures as PNG, PDF and JSON sidecar; the summaries).
        correction: the reference-corrected pulls.
        studies: the fit study per stage (``before``, ``after``).
    """

    output_dir: Path
    files: tuple[Path, ...]
    correction: ReferenceCorrection
    studies: dict[str, FitStudy] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "output_dir": str(self.output_dir),
            "files": [str(f) for f in self.files],
            "reference": self.correction.reference.to_dict(),
            "flagged": self.correction.flagged,
            "studies": {k: v.to_dict() for k, v in self.studies.items()},
        }


def figures(
    table: pd.DataFrame | None = None,
    *,
    output_dir: str | Path = "reports",
    convention: str = "directional",
    include_pdf: bool = False,
    reference: pd.DataFrame | str | os.PathLike[str] | None = None,
    reference_select: str | None = None,
    n_mode: str = "final-state",
    threshold: float = 3.0,
    n_bootstrap: int = 2000,
    n_gof: int = 1000,
    seed: int = 0,
    inputs: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FiguresResult:
    """Compute the pull study and write every paper figure into ``output_dir``.

    Figures (each as PNG, PDF and a JSON sidecar with inputs, options and version):
    ``pull_histogram_before``/``_after`` (fitted densities and a unit Gaussian, linear and log
    y), ``pulls_per_process`` (before and after the reference correction, by class),
    ``reference_per_particle`` (the QCD reference set against n with the average band),
    ``calibration`` (coverage against the inflation factor). Also ``README.md`` (the numbers
    behind each figure) and ``summary.json``.

    Args:
        table: canonical table; default the bundled published processes.
        output_dir: where to write.
        convention, include_pdf, reference, reference_select, n_mode, threshold: as for
            :func:`scaleuq.pull.reference.reference_correct` (``reference`` a table or the
            path of one; the reference figure needs the table, so not a precomputed average).
            ``n_mode`` counts n for the correction and for the reference figure alike.
        n_bootstrap, n_gof, seed: as for :func:`scaleuq.stats.study.fit`.
        inputs: names of the input files, recorded in the sidecars.
        progress: called with the name of each step as it starts.
    """
    from scaleuq.io.datasets import load_bundled
    from scaleuq.io.tables import as_table
    from scaleuq.pull.reference import (
        ReferenceAverage,
        count_n,
        reference_correct,
        reference_label,
        resolve_reference,
    )
    from scaleuq.report import plotting
    from scaleuq.report.render import dumps
    from scaleuq.report.summary import summary_markdown
    from scaleuq.stats.coverage import coverage_curve
    from scaleuq.stats.study import fit_stage

    step = progress or (lambda _name: None)
    out = Path(output_dir)
    table = load_bundled("pulls") if table is None else as_table(table, dataset="table")
    if isinstance(reference, ReferenceAverage):
        raise OptionError("figures needs the reference table (it plots each reference process)")
    if reference is None or isinstance(reference, (str, os.PathLike)):
        label = reference_label(reference, reference_select)
    else:
        label = "table given by the caller"
    reference = resolve_reference(table, reference, reference_select)
    options = dict(
        convention=convention, include_pdf=include_pdf, threshold=threshold,
        n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed,
    )  # fmt: skip
    # The published defaults (n counted as final-state particles, the bundled QCD reference
    # set) are not listed, so that the default report stays byte for byte as it was; any
    # other choice is recorded in the options of every sidecar.
    if n_mode != "final-state":
        options["n_mode"] = n_mode
    if label != reference_label(None, None):
        options["reference"] = label
    sidecar_base = {
        "scaleuq_version": __version__,
        "inputs": inputs or ["bundled:pulls"],
        "options": options,
    }

    step(STEPS[0])
    correction = reference_correct(
        table,
        reference=reference,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        threshold=threshold,
    )
    studies: dict[str, FitStudy] = {}
    for i, stage in enumerate(("before", "after")):
        step(STEPS[1 + i])
        studies[stage] = fit_stage(
            correction, stage, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed
        )  # fmt: skip

    step(STEPS[3])
    files: list[Path] = []

    def save(fig: Any, name: str, data: dict[str, Any]) -> None:
        sidecar = {**sidecar_base, "figure": name, "data": data}
        files.extend(plotting.save_figure(fig, out / name, sidecar))

    titles = {"before": "raw LO scale bands", "after": "reference-process corrected"}
    for stage, study in studies.items():
        fits = {f.model: f.theta() for f in study.fits}
        fig = plotting.plot_pull_histogram(study, title=titles[stage])
        save(fig, f"pull_histogram_{stage}", {"pulls": study.pulls, "fits": fits})
    frame = correction.table
    processes = list(frame["process"])
    before, after = frame["pull"].to_numpy(float), frame["pull_ref"].to_numpy(float)
    fig = plotting.plot_pulls_per_process(
        processes, list(frame["process_class"]), before, after, threshold=threshold
    )
    save(fig, "pulls_per_process", {"process": processes, "before": before, "after": after})

    n_ref, _ = count_n(reference, n_mode, qcd_only=True)
    up = reference["lo_scale_up_rel"].to_numpy(float)
    dn = reference["lo_scale_dn_rel"].to_numpy(float)
    fig = plotting.plot_reference(n_ref, up, dn, correction.reference)
    save(
        fig,
        "reference_per_particle",
        {"n": n_ref, "up_per_particle": up / n_ref, "dn_per_particle": dn / n_ref,
         "average": correction.reference.to_dict()},
    )  # fmt: skip
    finite = np.abs(np.concatenate([before[np.isfinite(before)], after[np.isfinite(after)]]))
    factors = np.geomspace(0.1, max(10.0, 2 * float(finite.max())), 400)
    curves = {
        stage: coverage_curve(s.pulls, factors, n_bootstrap=n_bootstrap, seed=seed)
        for stage, s in studies.items()
    }
    fig = plotting.plot_calibration(curves, {k: v.calibration for k, v in studies.items()})
    save(fig, "calibration", {k: c.to_dict() for k, c in curves.items()})

    for name, run_step in REPORT_STEPS.items():
        step(name)
        files.extend(run_step(correction, studies, out, sidecar_base, seed))
    step(STEPS[-1])
    result = FiguresResult(out, tuple(files), correction, studies)
    summary_json = out / "summary.json"
    atomic_write_text(summary_json, dumps({**sidecar_base, **result.to_dict()}))
    readme = out / "README.md"
    atomic_write_text(readme, summary_markdown(result, sidecar_base))
    return FiguresResult(out, (*files, summary_json, readme), correction, studies)

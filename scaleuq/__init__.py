"""scaleuq: how much to trust scale-variation theory uncertainties.

The public API, for notebooks and scripts (every name is imported lazily on first use, so that
``import scaleuq`` and the command line start fast; ``dir(scaleuq)`` lists them). Each command of
the ``scaleuq`` CLI is one of these calls; results are frozen dataclasses with ``to_dict()`` (or
tidy DataFrames with documented columns).

Tables
    :func:`read_table`, :func:`read_tables`, :func:`write_table` (the scaleuq schema, paper
    notation); :func:`load_bundled`, :func:`load_dataset`, :data:`DATASETS` (published tables).
Generator output
    :func:`ingest_madgraph` (run directories to a table), :func:`ingest_lhe` (LHE files with
    scale weights to a table), :func:`read_lhe` (events as arrays), :func:`summarize_lhe`
    (cross section per variation), :func:`scale_weights` (where the nominal and scale weights
    are), :func:`read_hwu` (HwU histograms); :func:`ingest_nanoaod` (CMS NanoAOD samples to a
    table, fiducial and binned bands), :func:`write_nanoaod` (a synthetic NanoAOD file).
Pulls
    :func:`pulls` -> :class:`PullResult`; :func:`reference_correct` ->
    :class:`ReferenceCorrection` (Tilman Plehn's reference-process correction), with
    :func:`reference_average` and :func:`select_reference`; :func:`differential_pulls` ->
    :class:`DifferentialResult` (bin-by-bin pulls of HwU histograms, optional figures).
Statistics and report
    :func:`fit` -> :class:`FitStudy` (distribution fits, coverage, calibration);
    :func:`figures` -> :class:`FiguresResult` (every paper figure into a folder); the
    ``plot_*`` functions return matplotlib figures.
Beyond NLO
    :func:`series_dis` -> :class:`DISSeries` (DIS structure functions LO to N3LO),
    :func:`read_long`, :func:`write_long` (the long format), :func:`validate_covariance` ->
    :class:`CovarianceValidation` (the NNPDF theory covariance), :func:`mhou` ->
    :class:`MHOUResult` (missing-higher-order methods), :func:`abc_estimate` ->
    :class:`ABCEstimate` (MiHO's abc model; :class:`ABCParameters`).
Into a user's analysis
    :func:`recommend`, :func:`recommend_files` -> :class:`Recommendation`;
    :func:`export_pyhf` -> :class:`ExportResult`; :func:`fit_workspace` ->
    :class:`WorkspaceFit`; :func:`coverage_toys` -> :class:`ToyCoverage`.
Re-weighting and PDFs
    :func:`reweight_lhe` -> :class:`ReweightResult` (scale/PDF/alpha_s weights of LO events from
    ``<mgrwt>``), :func:`load_pdf` -> :class:`PDFSet` (LHAPDF6 grids in numpy).
Decorrelation study
    :func:`run_decorrelation` -> :class:`DecorrelationRun`, :func:`decorrelation_closure` ->
    :class:`ClosureResult`, :func:`decorrelation_toy` -> :class:`ToyResult`.
Choices and errors
    :data:`CONVENTIONS`, :data:`N_MODES`, :data:`ENVELOPES`, :data:`PDF_METHODS`;
    :class:`ScaleUQError` (every error scaleuq raises) and its subclasses.
"""

from __future__ import annotations

import importlib

from scaleuq._version import __version__ as __version__

# public name -> (module under scaleuq, attribute); a public name never equals a subpackage's
# name (importing ``scaleuq.reweight`` would shadow a function ``scaleuq.reweight``)
_LAZY: dict[str, tuple[str, str]] = {
    # tables
    "read_table": ("io.tables", "read_table"),
    "read_tables": ("io.tables", "read_tables"),
    "as_table": ("io.tables", "as_table"),
    "write_table": ("io.tables", "write_table"),
    "load_bundled": ("io.datasets", "load_bundled"),
    "load_dataset": ("io.datasets", "load_dataset"),
    "DATASETS": ("io.datasets", "DATASETS"),
    "Dataset": ("io.datasets", "Dataset"),
    # generator output
    "ingest_madgraph": ("io.madgraph", "ingest"),
    "ingest_lhe": ("io.madgraph", "ingest_lhe"),
    "ingest_nanoaod": ("workflows.nanoaod", "ingest_nanoaod"),
    "write_nanoaod": ("io.nanoaod", "write_nanoaod"),
    "IngestResult": ("io.madgraph", "IngestResult"),
    "read_lhe": ("io.lhe", "read_lhe"),
    "LHEArrays": ("io.lhe", "LHEArrays"),
    "summarize_lhe": ("io.lhe", "summarize_lhe"),
    "LHESummary": ("io.lhe", "LHESummary"),
    "scale_weights": ("io.lhe", "scale_weights"),
    "ScaleWeights": ("io.lhe", "ScaleWeights"),
    "LHEStream": ("io.lhe", "LHEStream"),
    "read_hwu": ("io.hwu", "read_hwu"),
    "Histogram": ("io.hwu", "Histogram"),
    # pulls
    "pulls": ("pull.pulls", "pulls"),
    "PullResult": ("pull.pulls", "PullResult"),
    "PullSummary": ("pull.pulls", "PullSummary"),
    "reference_correct": ("pull.reference", "reference_correct"),
    "reference_average": ("pull.reference", "reference_average"),
    "select_reference": ("pull.reference", "select_reference"),
    "ReferenceCorrection": ("pull.reference", "ReferenceCorrection"),
    "ReferenceAverage": ("pull.reference", "ReferenceAverage"),
    "differential_pulls": ("workflows.differential", "differential_pulls"),
    "DifferentialResult": ("pull.differential", "DifferentialResult"),
    "HistogramPulls": ("pull.differential", "HistogramPulls"),
    # statistics
    "fit": ("stats.study", "fit"),
    "FitStudy": ("stats.study", "FitStudy"),
    "ModelFit": ("stats.fitting", "ModelFit"),
    "CoverageRow": ("stats.coverage", "CoverageRow"),
    "Calibration": ("stats.coverage", "Calibration"),
    # report
    "figures": ("workflows.figures", "figures"),
    "FiguresResult": ("workflows.figures", "FiguresResult"),
    "plot_pull_histogram": ("report.plotting", "plot_pull_histogram"),
    "plot_pulls_per_process": ("report.plotting", "plot_pulls_per_process"),
    "plot_reference": ("report.plotting", "plot_reference"),
    "plot_calibration": ("report.plotting", "plot_calibration"),
    "plot_differential": ("report.plotting", "plot_differential"),
    # beyond NLO: perturbative series, theory covariance, missing-higher-order methods
    "series_dis": ("series.dis", "series_dis"),
    "DISSeries": ("series.dis", "DISSeries"),
    "read_long": ("io.longformat", "read_long"),
    "write_long": ("io.longformat", "write_long"),
    "validate_covariance": ("pull.covariance", "validate_covariance"),
    "CovarianceValidation": ("pull.covariance", "CovarianceValidation"),
    "mhou": ("stats.mhou", "mhou"),
    "MHOUResult": ("stats.mhou", "MHOUResult"),
    "abc_estimate": ("stats.miho", "abc_estimate"),
    "ABCEstimate": ("stats.miho", "ABCEstimate"),
    "ABCParameters": ("stats.miho", "ABCParameters"),
    "plot_eigen": ("report.plot_series", "plot_eigen"),
    "plot_shift_vs_sigma": ("report.plot_series", "plot_shift_vs_sigma"),
    "plot_mhou_coverage": ("report.plot_series", "plot_mhou_coverage"),
    # into a user's analysis
    "recommend": ("analysis.recommend", "recommend"),
    "recommend_files": ("analysis.recommend", "recommend_files"),
    "Recommendation": ("analysis.recommend", "Recommendation"),
    "calibrate_corpus": ("analysis.recommend", "calibrate_corpus"),
    "CorpusCalibration": ("analysis.recommend", "CorpusCalibration"),
    "out_of_sample": ("stats.coverage", "out_of_sample"),
    "OutOfSample": ("stats.coverage", "OutOfSample"),
    "export_pyhf": ("analysis.export", "export_pyhf"),
    "ExportResult": ("analysis.export", "ExportResult"),
    "fit_workspace": ("analysis.workspace_fit", "fit_workspace"),
    "WorkspaceFit": ("analysis.workspace_fit", "WorkspaceFit"),
    "coverage_toys": ("analysis.toys", "coverage_toys"),
    "ToyCoverage": ("analysis.toys", "ToyCoverage"),
    "plot_toy_coverage": ("report.plot_analysis", "plot_toy_coverage"),
    "plot_workspace_fit": ("report.plot_analysis", "plot_workspace_fit"),
    # re-weighting LO events, PDFs
    "reweight_lhe": ("reweight.run", "reweight"),
    "ReweightResult": ("reweight.run", "ReweightResult"),
    "load_pdf": ("pdf.sets", "load_pdf"),
    "PDFSet": ("pdf.sets", "PDFSet"),
    "PDFBackend": ("pdf.backend", "PDFBackend"),
    "register_pdf_backend": ("pdf.registry", "register_backend"),
    "set_pdf_backend": ("pdf.registry", "set_backend"),
    "get_pdf_backend": ("pdf.registry", "get_backend"),
    # ---- decorrelation study: entry points owned by the decorrelation engineer -------------
    # (scaleuq/decorrelation/api.py; its owner adds further names here)
    "run_decorrelation": ("decorrelation.api", "run_decorrelation"),
    "decorrelation_closure": ("decorrelation.api", "decorrelation_closure"),
    "decorrelation_toy": ("decorrelation.api", "decorrelation_toy"),
    "DecorrelationRun": ("decorrelation.api", "DecorrelationRun"),
    "ClosureResult": ("decorrelation.api", "ClosureResult"),
    "ToyResult": ("decorrelation.api", "ToyResult"),
    "decorrelation_generate": ("decorrelation.api", "decorrelation_generate"),
    "GeneratedSamples": ("decorrelation.api", "GeneratedSamples"),
    "require_extras": ("decorrelation.api", "require_extras"),
    "stdout_to_stderr": ("util.quiet", "stdout_to_stderr"),
    # ---- end of the decorrelation entry points ----------------------------------------------
    # choices
    "CONVENTIONS": ("choices", "CONVENTIONS"),
    "N_MODES": ("choices", "N_MODES"),
    "ENVELOPES": ("choices", "ENVELOPES"),
    "PDF_METHODS": ("choices", "PDF_METHODS"),
    # errors (every exception class of scaleuq.errors)
    "ScaleUQError": ("errors", "ScaleUQError"),
    "TableError": ("errors", "TableError"),
    "UnitError": ("errors", "UnitError"),
    "DuplicateProcessError": ("errors", "DuplicateProcessError"),
    "NotationError": ("errors", "NotationError"),
    "OptionError": ("errors", "OptionError"),
    "OutputPathError": ("errors", "OutputPathError"),
    "LHEError": ("errors", "LHEError"),
    "MadGraphError": ("errors", "MadGraphError"),
    "ProcessSyntaxError": ("errors", "ProcessSyntaxError"),
    "HwUError": ("errors", "HwUError"),
    "PDFError": ("errors", "PDFError"),
    "SampleError": ("errors", "SampleError"),
    "ExportError": ("errors", "ExportError"),
    "ClusterError": ("errors", "ClusterError"),
    "NanoAODError": ("errors", "NanoAODError"),
    "MissingDependencyError": ("errors", "MissingDependencyError"),
    "LHAPDFMissingError": ("errors", "LHAPDFMissingError"),
}

# every public name, declared once: the table above drives ``__all__``, ``__dir__`` and
# ``__getattr__`` (type checkers and IDEs resolve the names through ``__getattr__``)
__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> object:
    """Import a public name on first use (PEP 562) and keep it in the module."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'scaleuq' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"scaleuq.{module_name}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (:data:`__all__`)."""
    return sorted(__all__)

"""From pulls to a user's analysis: recommended bands, pyhf export, heavy-tailed fits, toys.

* :mod:`.recommend`: ``scaleuq recommend``: raw, reference and calibrated bands per process;
* :mod:`.export`: ``scaleuq export pyhf``: a pyhf workspace or patch with the scale modifier;
* :mod:`.constraints`: Gaussian, Student-t and Cauchy constraints fitted to the pulls;
* :mod:`.workspace_fit`: ``scaleuq fit-workspace``: pyhf's likelihood with those constraints;
* :mod:`.toys`: the coverage of mu on pseudo-experiments.

pyhf is needed only for export and fits (extra ``fit``).
"""

from __future__ import annotations

from scaleuq.analysis.constraints import CONSTRAINTS, Constraint, fit_constraints
from scaleuq.analysis.export import (
    BANDS,
    ExportError,
    ExportResult,
    ScaleTemplate,
    export_patch,
    export_pyhf,
    export_workspace,
    template_from_hwu,
    template_from_lhe,
    template_from_table,
)
from scaleuq.analysis.recommend import (
    CorpusCalibration,
    Recommendation,
    calibrate_corpus,
    calibration_from_files,
    recommend,
    recommend_files,
)
from scaleuq.analysis.toys import ToyCoverage, coverage_toys
from scaleuq.analysis.workspace_fit import WorkspaceFit, fit_workspace

__all__ = [
    "BANDS", "CONSTRAINTS", "Constraint", "CorpusCalibration", "ExportError", "ExportResult",
    "Recommendation", "ScaleTemplate", "ToyCoverage", "WorkspaceFit", "calibrate_corpus",
    "calibration_from_files", "coverage_toys", "export_patch", "export_pyhf", "export_workspace",
    "fit_constraints", "fit_workspace", "recommend", "recommend_files", "template_from_hwu",
    "template_from_lhe", "template_from_table",
]  # fmt: skip

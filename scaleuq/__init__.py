"""scaleuq: how much to trust scale-variation theory uncertainties.

Public API (imported lazily, so that ``import scaleuq`` and the command line start fast):

* :func:`read_table`, :func:`read_tables`: cross-section tables in the scaleuq schema;
* :func:`load_bundled`, :func:`load_dataset`: the bundled published tables;
* :func:`pulls`: scale pulls t = (sigma_NLO - sigma_LO) / Delta sigma_LO;
* :func:`reference_correct`, :func:`reference_average`, :func:`select_reference`: Tilman Plehn's
  reference-process correction.
"""

from __future__ import annotations

import importlib
from typing import Any

from scaleuq._version import __version__

_LAZY = {
    "read_table": "io.tables",
    "read_tables": "io.tables",
    "write_table": "io.tables",
    "load_bundled": "io.datasets",
    "load_dataset": "io.datasets",
    "DATASETS": "io.datasets",
    "pulls": "pull.pulls",
    "PullResult": "pull.pulls",
    "CONVENTIONS": "pull.pulls",
    "reference_correct": "pull.reference",
    "reference_average": "pull.reference",
    "select_reference": "pull.reference",
    "ReferenceCorrection": "pull.reference",
    "ScaleUQError": "errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'scaleuq' has no attribute {name!r}")

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

from ._version import __version__

_LAZY = {
    "read_table": "tables",
    "read_tables": "tables",
    "write_table": "tables",
    "load_bundled": "datasets",
    "load_dataset": "datasets",
    "DATASETS": "datasets",
    "pulls": "pull",
    "PullResult": "pull",
    "CONVENTIONS": "pull",
    "reference_correct": "reference",
    "reference_average": "reference",
    "select_reference": "reference",
    "ReferenceCorrection": "reference",
    "ScaleUQError": "errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'scaleuq' has no attribute {name!r}")

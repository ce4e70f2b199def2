"""CMS NanoAOD samples (ROOT files read with uproot): scale, PDF and shower bands, inclusive
(``Runs`` sums), fiducial and per bin (``Events``), into the scaleuq table.

* :mod:`.titles`: what the branch titles say (scale-weight order, LHA IDs, shower labels);
* :mod:`.reader`: one file -> its weight sums (chunked, bounded memory);
* :mod:`.ingest`: the files of a sample combined, bands, the table (:func:`read_samples`);
* :mod:`.synthetic`: a synthetic NanoAOD file in any of the conventions.

The public entry point, which also parses ``--selection`` and computes per-bin pulls (both in
:mod:`scaleuq.pull`, a layer above ``io``), is :func:`scaleuq.workflows.nanoaod.ingest_nanoaod`.
Needs the optional extra ``nanoaod`` (``pip install "scaleuq[nanoaod]"``: uproot, awkward, hist).
"""

from __future__ import annotations

from scaleuq.io.nanoaod.ingest import (
    FiducialBand,
    NanoAODIngestResult,
    NanoAODSample,
    parse_xsec,
    read_samples,
)
from scaleuq.io.nanoaod.reader import EventSelection, NanoAODFile, read_nanoaod_file
from scaleuq.io.nanoaod.synthetic import TITLE_FORMS, write_nanoaod
from scaleuq.io.nanoaod.titles import ScaleTitle, parse_scale_title

__all__ = [
    "TITLE_FORMS", "EventSelection", "FiducialBand", "NanoAODFile", "NanoAODIngestResult",
    "NanoAODSample", "ScaleTitle", "parse_scale_title", "parse_xsec", "read_nanoaod_file",
    "read_samples", "write_nanoaod",
]  # fmt: skip

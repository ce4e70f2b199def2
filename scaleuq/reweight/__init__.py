"""Recompute the scale, PDF and alpha_s weights of LO event files from ``<mgrwt>``, as
MadGraph's systematics module does, vectorised.

* :mod:`.mgrwt`: the per-event ``<mgrwt>`` blocks, parsed into arrays;
* :mod:`.scales`: MadGraph's dynamical scale choices from the momenta;
* :mod:`.weights`: the LO weight formula for every kind of variation;
* :mod:`.stream`: the streaming, atomic LHE rewriter;
* :mod:`.run`: :func:`reweight`, what ``scaleuq reweight`` calls.
"""

from __future__ import annotations

from scaleuq.reweight.mgrwt import MGRWT, BeamHistory, Ragged, parse_mgrwt
from scaleuq.reweight.run import (
    NewWeight,
    ReweightFilesResult,
    ReweightResult,
    reweight,
    reweight_files,
)
from scaleuq.reweight.scales import DYNAMICAL_SCALES, dynamical_scale
from scaleuq.reweight.weights import EventKinematics, Variation, kinematics, weight_ratios

__all__ = [
    "DYNAMICAL_SCALES", "MGRWT", "BeamHistory", "EventKinematics", "NewWeight", "Ragged",
    "ReweightFilesResult", "ReweightResult", "Variation", "dynamical_scale", "kinematics",
    "parse_mgrwt", "reweight", "reweight_files", "weight_ratios",
]  # fmt: skip

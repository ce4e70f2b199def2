"""Samples for the decorrelation study from a user's own LHE files (MadGraph LO with scale
weights, and NLO), at parton level.

Objects from the outgoing particles (status 1) of each event: the leading charged lepton (e, mu),
missing E_T from the neutrinos, and "jets" = outgoing quarks and gluons with pT > 25 GeV and
|eta| < 4.5 (no shower or clustering: this is a parton-level study); a b quark with |eta| < 2.5
counts as b-tagged with probability ``btag_eff``. Features: :data:`.generate.FEATURES`, as for
the Pythia samples (m(l nu b) with the neutrino p_z from the W mass). Events without a lepton or
with fewer than two jets are dropped.

Weights: the event weight XWGTUP; the nine (k_R, k_F) columns are the LHE weights at the run's
own dynamical scale and central PDF, mapped by id from ``<initrwgt>``; the (1,1) column is the
explicit central weight when the file has one, else the event weight. A file without scale
weights (an NLO sample used as the reference) gets no ``variations``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from scaleuq.errors import LHEError
from scaleuq.io.lhe import read_lhe

from .generate import FEATURES, feature_vector, pt_eta_phi
from .samples import Sample
from .scales import SCALE_POINTS

_LEPTONS = (11, 13)
_NEUTRINOS = (12, 14, 16)


def _event_features(
    parts: np.ndarray, rng: np.random.Generator, btag_eff: float
) -> list[float] | None:
    out = parts[parts[:, 1] == 1]
    ids = np.abs(out[:, 0]).astype(int)
    leps = out[np.isin(ids, _LEPTONS)]
    if len(leps) == 0:
        return None
    lep = leps[np.argmax(np.hypot(leps[:, 6], leps[:, 7]))]
    nus = out[np.isin(ids, _NEUTRINOS)]
    jets = []
    for row, pid in zip(out, ids, strict=True):
        if pid <= 5 or pid == 21:
            pt, eta, _ = pt_eta_phi(row[6], row[7], row[8])
            if pt > 25 and abs(eta) < 4.5:
                tagged = pid == 5 and abs(eta) < 2.5 and rng.random() < btag_eff
                jets.append((pt, (row[6], row[7], row[8], row[9], tagged)))
    if len(jets) < 2:
        return None
    jets.sort(key=lambda j: -j[0])
    missing = (float(nus[:, 6].sum()), float(nus[:, 7].sum()))
    return feature_vector((lep[6], lep[7], lep[8], lep[9]), missing, [j[1] for j in jets])


def sample_from_lhe(path: str | Path, *, btag_eff: float = 0.7, seed: int = 0) -> Sample:
    """Read an LHE file into a :class:`.samples.Sample` (see module docstring)."""
    arr = read_lhe(path, particles=True)
    header = arr.header
    rng = np.random.default_rng(seed)
    central = header.pdf_id
    columns: list[int | None] = []
    for kr, kf in SCALE_POINTS:
        idx = next(
            (i for i, w in enumerate(header.weights)
             if w.is_scale and w.dyn_scale is None and math.isclose(w.k_r, kr) and math.isclose(w.k_f, kf)
             and (w.pdf is None or central is None or w.pdf == central)),
            None,
        )  # fmt: skip
        columns.append(idx)
    has_scale = sum(c is not None for c in columns[1:]) == len(SCALE_POINTS) - 1
    feats, keep = [], []
    for i in range(arr.n_events):
        f = _event_features(arr.particles[arr.offsets[i] : arr.offsets[i + 1]], rng, btag_eff)
        if f is not None:
            feats.append(f)
            keep.append(i)
    if not keep:
        raise LHEError(f"{path}: no event has a charged lepton and two partons with pT > 25 GeV")
    keep_idx = np.array(keep)
    weights = arr.info[keep_idx, 2]
    variations = None
    if has_scale:
        nominal = arr.weights[keep_idx, columns[0]] if columns[0] is not None else weights
        variations = np.column_stack([nominal, *(arr.weights[keep_idx, c] for c in columns[1:])])
    meta = {"source": str(path), "process": header.process, "order": header.order,
            "n_generated": arr.n_events, "n_selected": len(keep), "sigma_pb": header.xsec_pb,
            "level": "parton", "scale_weights": has_scale}  # fmt: skip
    return Sample(np.array(feats), FEATURES, weights, variations, {}, meta)

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
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scaleuq.errors import LHEError, OptionError
from scaleuq.io.lhe import read_lhe
from scaleuq.io.lhe.parallel import FileFailure

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


def sample_from_lhe(
    path: str | Path, *, btag_eff: float = 0.7, seed: int | Sequence[int] = 0
) -> Sample:
    """Read an LHE file into a :class:`.samples.Sample` (see module docstring).

    ``seed`` seeds the b-tagging draws (an int, or a sequence for :func:`numpy.random.default_rng`).
    """
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


@dataclass(frozen=True)
class LHESamplesResult:
    """What :func:`samples_from_lhe` did.

    Attributes:
        sample: the merged sample of the files that succeeded (None when every file failed).
        paths: those files, in input order.
        failures: the files that failed, by name, with their one-line errors.
        where: where the files ran (``this process``, ``N threads`` or the Dask scheduler).
    """

    sample: Sample | None
    paths: tuple[str, ...]
    failures: tuple[FileFailure, ...]
    where: str

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation (the sample's metadata, not its arrays)."""
        return {
            "meta": dict(self.sample.meta) if self.sample is not None else None,
            "paths": list(self.paths),
            "failures": [f.to_dict() for f in self.failures],
            "where": self.where,
        }


def _one_file(path: str, *, btag_eff: float, seed: int | Sequence[int]) -> Sample:
    """Per-file task (module level so that Dask can pickle it)."""
    return sample_from_lhe(path, btag_eff=btag_eff, seed=seed)


def _seeded(path: str, *, btag_eff: float, seeds: dict[str, tuple[int, int]]) -> Sample:
    return sample_from_lhe(path, btag_eff=btag_eff, seed=seeds[path])


def merge_samples(samples: Sequence[Sample], paths: Sequence[str]) -> Sample:
    """Concatenate per-file samples of one process and order (see module docstring).

    Raises:
        LHEError: files of different processes or orders, or with and without scale weights,
            naming the files.
    """
    if len(samples) == 1:
        return samples[0]
    first, name0 = samples[0], paths[0]
    for s, name in zip(samples[1:], paths[1:], strict=True):
        for key in ("process", "order"):
            if s.meta.get(key) != first.meta.get(key):
                raise LHEError(
                    f"{name0} ({key} {first.meta.get(key)}) and {name} ({key} "
                    f"{s.meta.get(key)}) differ; one sample takes files of one process and order"
                )
        if (s.variations is None) != (first.variations is None):
            with_w, without = (name0, name) if first.variations is not None else (name, name0)
            raise LHEError(
                f"{with_w} has scale weights and {without} has none; they cannot make one sample"
            )
    n_gen = np.array([s.meta["n_generated"] for s in samples], dtype=float)
    sigmas = [s.meta.get("sigma_pb") for s in samples]
    sigma = (
        float(np.average(np.array(sigmas, dtype=float), weights=n_gen))
        if all(v is not None for v in sigmas)
        else None
    )
    meta = {
        **first.meta,
        "source": ", ".join(paths),
        "sources": list(paths),
        "n_generated": int(n_gen.sum()),
        "n_selected": int(sum(len(s) for s in samples)),
        "sigma_pb": sigma,
        "sigma_pb_files": sigmas,
    }
    variations = None
    if first.variations is not None:
        variations = np.concatenate([s.variations for s in samples if s.variations is not None])
    return Sample(
        np.concatenate([s.features for s in samples]),
        first.feature_names,
        np.concatenate([s.weights for s in samples]),
        variations,
        {},
        meta,
    )


def samples_from_lhe(
    paths: Sequence[str | os.PathLike[str]],
    *,
    btag_eff: float = 0.7,
    seed: int = 0,
    jobs: int | None = None,
    scheduler: str | None = None,
) -> LHESamplesResult:
    """One sample from several LHE files of one process and order (see module docstring).

    The files are read by :func:`scaleuq.io.lhe.parallel.map_files` (``jobs`` threads, None:
    all cores, or the Dask cluster at ``scheduler``). A file that fails is reported in
    ``failures`` and the others are merged; when every file fails the first error is raised.

    Raises:
        OptionError: no files, or a file given twice.
        LHEError: files of different processes or orders (naming them), or every file failed.
    """
    from scaleuq.io.lhe.parallel import map_files

    names = [str(p) for p in paths]
    if not names:
        raise OptionError("give at least one LHE file")
    if len({Path(p).resolve() for p in names}) != len(names):
        raise OptionError("a file is given twice; its events would count twice")
    if len(names) == 1:
        mapped = map_files(_one_file, names, jobs=jobs, scheduler=scheduler,
                           btag_eff=btag_eff, seed=seed)  # fmt: skip
    else:
        seeds = {p: (int(seed), i) for i, p in enumerate(names)}
        mapped = map_files(_seeded, names, jobs=jobs, scheduler=scheduler,
                           btag_eff=btag_eff, seeds=seeds)  # fmt: skip
    mapped.raise_if_none()
    sample = merge_samples(mapped.results, mapped.paths)
    return LHESamplesResult(sample, mapped.paths, mapped.failures, mapped.where)

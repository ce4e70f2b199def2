"""Event samples from Pythia 8 (``pythia8mc``) for the decorrelation study.

Processes (13 TeV pp, leptonic W decays to e or mu):

* signal: t-channel single top, ``Top:qq2tq(t:W)`` (LO: alpha_s^0, so n = 0 below);
* background: W + parton, ``WeakBosonAndParton:qqbar2Wg`` and ``qg2Wq`` (alpha_s^1, n = 1),
  with pT-hat > 30 GeV.

PDF and alpha_s: the NNPDF3.1 LO grid with alpha_s(M_Z) = 0.118 that ships with Pythia
(``LHAGrid1:NNPDF31_lo_as_0118_0000.dat``), one-loop running for the hard process
(``SigmaProcess:alphaSvalue = 0.118``, ``alphaSorder = 1``); alpha_EM does not run with mu_R
(``SigmaProcess:alphaEMorder = 0``).

Scales: Pythia generates at mu_R = mu_F = sqrt(mT3 mT4) (``renormScale2 = factorScale2 = 2``);
every event is then reweighted to the central scale mu0 = H_T/2 = (mT3 + mT4)/2 and to the nine
(k_R, k_F) variations around it with the formula of MadGraph's systematics module
(:mod:`.scales`), using Pythia's own PDF and an alpha_s with the same settings.

Shower and hadronisation are Pythia's defaults (multiple interactions off by default, for speed;
``mpi=True`` turns them on). The higher-order proxy "radiation" is Pythia's UncertaintyBands
weights for ISR and FSR renormalisation-scale factors 0.5 and 2 on the *same* events; it is a
proxy for a change of the QCD-radiation description, not an NLO prediction.

Objects: leptons e/mu from W decays with pT > 25 GeV, |eta| < 2.5; missing E_T from the
neutrinos; anti-kT R = 0.4 jets (fastjet) of the visible final state without the lepton, pT > 25
GeV, |eta| < 4.5; a jet with |eta| < 2.5 within Delta R < 0.4 of a B hadron with pT > 5 GeV is
b-tagged with probability ``btag_eff`` (0.7). Selection: one lepton, at least two jets.
Features: :data:`FEATURES`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np

from scaleuq.errors import ClusterError, MissingDependencyError
from scaleuq.util.jsonio import FieldsDict

from .scales import SCALE_POINTS, ScaleReweighter

log = logging.getLogger(__name__)

PDF_SET = "LHAGrid1:NNPDF31_lo_as_0118_0000.dat"
ALPHAS_MZ = 0.118
FEATURES = (
    "lep_pt", "lep_eta", "met", "mt_w", "n_jets", "j1_pt", "j1_eta", "j2_pt", "j2_eta",
    "fwd_abs_eta", "n_btag", "m_lvb", "ht",
)  # fmt: skip
PROCESSES = {
    "single_top": (["Top:qq2tq(t:W) = on"], 0),
    "wjets": (
        [
            "WeakBosonAndParton:qqbar2Wg = on",
            "WeakBosonAndParton:qg2Wq = on",
            "PhaseSpace:pTHatMin = 30.",
        ],
        1,
    ),
}
RADIATION = ("isrfsrlo", "isrfsrhi")


@dataclass(frozen=True)
class GenConfig(FieldsDict):
    """Generator settings (part of a sample's cache key).

    Attributes:
        mpi: multiple parton interactions on.
        btag_eff: b-tagging efficiency.
        radiation: add Pythia's ISR+FSR muR x2 / x0.5 shower-variation weights.
        hard_only: stop after the hard process (closure tests).
        renorm_mult, factor_mult: Pythia's scale multipliers of mu^2 (closure tests).
    """

    mpi: bool = False
    btag_eff: float = 0.7
    radiation: bool = True
    hard_only: bool = False
    renorm_mult: float = 1.0
    factor_mult: float = 1.0


def _pythia(process: str, seed: int, cfg: GenConfig) -> Any:
    try:
        import pythia8mc
    except ImportError:
        raise MissingDependencyError("pythia8mc", "mc", "event generation") from None
    settings, _ = PROCESSES[process]
    pythia = pythia8mc.Pythia("", False)
    lines = [
        "Beams:eCM = 13000.", *settings, "24:onMode = off", "24:onIfAny = 11 13",
        f"PDF:pSet = {PDF_SET}", "SigmaProcess:alphaEMorder = 0",
        f"SigmaProcess:alphaSvalue = {ALPHAS_MZ}", "SigmaProcess:alphaSorder = 1",
        "SigmaProcess:renormScale2 = 2", "SigmaProcess:factorScale2 = 2",
        f"SigmaProcess:renormMultFac = {cfg.renorm_mult}", f"SigmaProcess:factorMultFac = {cfg.factor_mult}",
        f"PartonLevel:MPI = {'on' if cfg.mpi else 'off'}", "Print:quiet = on",
        "Random:setSeed = on", f"Random:seed = {seed % 900_000_000 + 1}",
    ]  # fmt: skip
    if cfg.hard_only:
        lines += [
            "PartonLevel:all = off",
            "HadronLevel:all = off",
            "ProcessLevel:resonanceDecays = off",
        ]
    if cfg.radiation and not cfg.hard_only:
        lines += [
            "UncertaintyBands:doVariations = on",
            "UncertaintyBands:List = {isrfsrlo isr:muRfac=2.0 fsr:muRfac=2.0, isrfsrhi isr:muRfac=0.5 fsr:muRfac=0.5}",
        ]
    for line in lines:
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise for {process}")
    return pythia


def _hard_kinematics(pythia: Any) -> tuple[float, float, float, float, int, int, float, float]:
    info = pythia.infoPython()
    proc = pythia.process
    mts = [
        proc[i].mT()
        for i in range(proc.size())
        if proc[i].status() in (-22, 22, 23) and proc[i].mother1() == 3
    ]
    ht2 = 0.5 * sum(mts[:2])
    return (
        info.x1(),
        info.x2(),
        info.QFac(),
        info.QRen(),
        info.id1(),
        info.id2(),
        ht2,
        info.alphaS(),
    )


def _delta_r(eta1: float, phi1: float, eta2: float, phi2: float) -> float:
    dphi = (phi1 - phi2 + math.pi) % (2 * math.pi) - math.pi
    return math.hypot(eta1 - eta2, dphi)


def _neutrino_pz(lep: tuple[float, float, float, float], mx: float, my: float) -> float:
    """Neutrino p_z from the W-mass constraint (the smaller |p_z| root; real part if none)."""
    mw = 80.4
    lx, ly, lz, le = lep
    mu = 0.5 * mw**2 + lx * mx + ly * my
    pt2 = lx**2 + ly**2
    a = mu * lz / pt2
    disc = a**2 - (le**2 * (mx**2 + my**2) - mu**2) / pt2
    if disc < 0:
        return a
    r = math.sqrt(disc)
    return a - r if abs(a - r) < abs(a + r) else a + r


def _features(
    pythia: Any, rng: np.random.Generator, cfg: GenConfig, jetdef: Any
) -> list[float] | None:
    import fastjet

    ev = pythia.event
    leptons, nus, visible, bhad = [], [0.0, 0.0], [], []
    for i in range(ev.size()):
        p = ev[i]
        aid = abs(p.id())
        if p.isFinal():
            if aid in (12, 14, 16):
                nus[0] += p.px()
                nus[1] += p.py()
                continue
            if aid in (11, 13) and p.pT() > 25 and abs(p.eta()) < 2.5:
                leptons.append((p.pT(), i))
            if p.isVisible():
                visible.append(i)
        elif p.isHadron() and (aid // 100 % 10 == 5 or aid // 1000 % 10 == 5) and p.pT() > 5:
            bhad.append((p.eta(), p.phi()))
    if not leptons:
        return None
    _, il = max(leptons)
    lep = ev[il]
    parts = [
        fastjet.PseudoJet(ev[i].px(), ev[i].py(), ev[i].pz(), ev[i].e()) for i in visible if i != il
    ]
    jets = [
        j for j in fastjet.ClusterSequence(parts, jetdef).inclusive_jets(25.0) if abs(j.eta()) < 4.5
    ]
    if len(jets) < 2:
        return None
    jets.sort(key=lambda j: -j.pt())
    tagged = [
        abs(j.eta()) < 2.5
        and any(_delta_r(j.eta(), j.phi_std(), e, f) < 0.4 for e, f in bhad)
        and rng.random() < cfg.btag_eff
        for j in jets
    ]
    jet_p4 = [(j.px(), j.py(), j.pz(), j.e(), t) for j, t in zip(jets, tagged, strict=True)]
    return feature_vector((lep.px(), lep.py(), lep.pz(), lep.e()), (nus[0], nus[1]), jet_p4)


def pt_eta_phi(px: float, py: float, pz: float) -> tuple[float, float, float]:
    """Transverse momentum, pseudorapidity and azimuth of a momentum."""
    pt = math.hypot(px, py)
    eta = math.asinh(pz / pt) if pt > 0 else math.copysign(10.0, pz)
    return pt, eta, math.atan2(py, px)


def feature_vector(
    lep: tuple[float, float, float, float],
    missing: tuple[float, float],
    jets: list[tuple[float, float, float, float, bool]],
) -> list[float]:
    """:data:`FEATURES` of one event, shared by the Pythia and the LHE samples.

    Args:
        lep: the charged lepton's (px, py, pz, E).
        missing: the missing transverse momentum (px, py).
        jets: (px, py, pz, E, b-tagged) of the selected jets, ordered by decreasing pT (>= 2).
    """
    mx, my = missing
    lpt, leta, lphi = pt_eta_phi(*lep[:3])
    kin = [pt_eta_phi(*j[:3]) for j in jets]
    met = math.hypot(mx, my)
    mt_w = math.sqrt(max(0.0, 2 * lpt * met * (1 - math.cos(lphi - math.atan2(my, mx)))))
    untagged = [abs(k[1]) for k, j in zip(kin, jets, strict=True) if not j[4]]
    b = next((j for j in jets if j[4]), jets[0])
    nz = _neutrino_pz(lep, mx, my)
    ne = math.sqrt(mx**2 + my**2 + nz**2)
    px, py = lep[0] + mx + b[0], lep[1] + my + b[1]
    pz, e = lep[2] + nz + b[2], lep[3] + ne + b[3]
    m_lvb = math.sqrt(max(0.0, e**2 - px**2 - py**2 - pz**2))
    ht = sum(k[0] for k in kin) + lpt + met
    return [
        lpt, leta, met, mt_w, float(len(jets)), kin[0][0], kin[0][1], kin[1][0], kin[1][1],
        max(untagged) if untagged else 0.0, float(sum(j[4] for j in jets)), m_lvb, ht,
    ]  # fmt: skip


def generate_chunk(process: str, n_events: int, seed: int, cfg: GenConfig) -> dict[str, Any]:
    """Generate ``n_events`` events in this process; return arrays of the selected ones.

    Returns a dict with ``features`` (n_sel, F), ``weights`` (n_sel,): the event weight
    reweighted to mu0 = H_T/2, ``variations`` (n_sel, 9) in the order of
    :data:`.scales.SCALE_POINTS`, ``radiation`` (n_sel, 2) when asked, ``pythia_scale``
    (n_sel, 9): variations around Pythia's own scale (closure tests), plus ``n_generated``,
    ``sum_weights`` (nominal weights of all generated events), ``sigma_pb``, ``sigma_err_pb``.
    """
    import fastjet

    _, n_alphas = PROCESSES[process]
    pythia = _pythia(process, seed, cfg)
    reweighter = ScaleReweighter(pythia.getPDFPtr(2212), ALPHAS_MZ, n_alphas)
    rng = np.random.default_rng(seed)
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, 0.4)
    names = None
    feats, weights, variations, radiation, own, sum_w, sum_var = (
        [],
        [],
        [],
        [],
        [],
        0.0,
        np.zeros(len(SCALE_POINTS)),
    )
    worst = 0.0
    n_done = 0
    while n_done < n_events:
        if not pythia.next():
            continue
        n_done += 1
        x1, x2, qf, qr, id1, id2, mu0, alphas = _hard_kinematics(pythia)
        worst = max(worst, abs(reweighter.alphas(qr) / alphas - 1) if alphas > 0 else 0.0)
        central, var = reweighter.weights(id1, id2, x1, x2, qr, qf, mu0)
        sum_w += central
        sum_var += var
        if cfg.hard_only:
            own.append(reweighter.weights(id1, id2, x1, x2, qr, qf, None)[1])
            continue
        f = _features(pythia, rng, cfg, jetdef)
        if f is None:
            continue
        feats.append(f)
        weights.append(central)
        variations.append(var)
        if cfg.radiation:
            info = pythia.infoPython()  # a snapshot: read it for every event
            if names is None:
                names = [info.weightNameByIndex(k) for k in range(info.numberOfWeights())]
            radiation.append([info.weightValueByIndex(names.index(r)) for r in RADIATION])
    info = pythia.infoPython()
    if worst > 1e-3:
        log.warning(
            "%s: alpha_s differs from Pythia's by up to %.2g (check the alpha_s settings)",
            process,
            worst,
        )
    return {
        "features": np.array(feats, dtype=np.float64).reshape(-1, len(FEATURES)),
        "weights": np.array(weights, dtype=np.float64),
        "variations": np.array(variations, dtype=np.float64).reshape(-1, len(SCALE_POINTS)),
        "radiation": np.array(radiation, dtype=np.float64).reshape(-1, len(RADIATION)),
        "pythia_scale": np.array(own, dtype=np.float64).reshape(-1, len(SCALE_POINTS)),
        "n_generated": n_done,
        "sum_weights": sum_w,
        "sum_variations": sum_var,
        "sigma_pb": info.sigmaGen() * 1e9,
        "sigma_err_pb": info.sigmaErr() * 1e9,
        "alphas_mismatch": worst,
    }


def generate(
    process: str,
    n_events: int,
    *,
    seed: int = 0,
    config: GenConfig | None = None,
    chunk: int = 1000,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
    first_chunk: int = 0,
) -> dict[str, Any]:
    """Generate a sample in parallel over cores (chunks with seeds derived from ``seed``).

    The result is the concatenation of :func:`generate_chunk` outputs in chunk order; cross
    sections are the average of the chunks' (equal-size) estimates. ``progress`` is called with
    events done. The chunks run in this process (``workers`` = 1), in ``workers`` forked
    processes, or as one task each on the Dask cluster at ``scheduler`` (``tcp://host:8786``,
    optional extra ``dask``; the workers need the ``mc`` extra): the seeds depend only on
    ``seed``, the process and the chunk's position, so the sample is the same in every case.
    ``first_chunk`` > 0 generates only the chunks from that position on: the rest of a sample
    whose first ``first_chunk`` chunks are already on disk (:func:`.study.generate_samples`).
    The result also holds ``chunks``: each chunk's :func:`chunk_summary`, from which
    :func:`combine_chunks` gives the totals.
    """
    import os

    cfg = config or GenConfig()
    sizes = [min(chunk, n_events - i) for i in range(0, n_events, chunk)]
    seeds = [
        int(s.generate_state(1)[0])
        for s in np.random.SeedSequence([seed, len(process)]).spawn(len(sizes))
    ]
    if not 0 <= first_chunk < len(sizes):
        raise ValueError(f"first_chunk {first_chunk} outside the {len(sizes)} chunks")
    sizes, seeds = sizes[first_chunk:], seeds[first_chunk:]
    workers = workers or min(len(sizes), os.cpu_count() or 1)
    results: list[dict[str, Any]] = [None] * len(sizes)  # type: ignore[list-item]
    if scheduler is not None:
        _generate_dask(process, sizes, seeds, cfg, scheduler, results, progress)
    elif workers == 1:
        for i, (n, s) in enumerate(zip(sizes, seeds, strict=True)):
            results[i] = generate_chunk(process, n, s, cfg)
            if progress:
                progress(n)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            futures = {
                pool.submit(generate_chunk, process, n, s, cfg): i
                for i, (n, s) in enumerate(zip(sizes, seeds, strict=True))
            }
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                i = futures[fut]
                results[i] = fut.result()
                if progress:
                    progress(sizes[i])
    out: dict[str, Any] = {}
    for key in ("features", "weights", "variations", "radiation", "pythia_scale"):
        out[key] = np.concatenate([r[key] for r in results])
    out["chunks"] = [chunk_summary(r, n) for r, n in zip(results, sizes, strict=True)]
    out.update(combine_chunks(out["chunks"]))
    return out


#: The totals of a chunk that :func:`combine_chunks` adds up (JSON-safe: a sample's meta keeps
#: them, so that a longer sample can be built on it with the same totals).
SUMMARY_KEYS = (
    "size", "n_generated", "sum_weights", "sum_variations", "sigma_pb", "sigma_err_pb",
    "alphas_mismatch",
)  # fmt: skip


def chunk_summary(result: dict[str, Any], size: int) -> dict[str, Any]:
    """The totals of one :func:`generate_chunk` result of ``size`` events, as plain numbers."""
    summary = {"size": int(size)}
    for key in SUMMARY_KEYS[1:]:
        value = result[key]
        summary[key] = np.asarray(value).tolist() if key == "sum_variations" else value
    summary["n_generated"] = int(summary["n_generated"])
    return summary


def combine_chunks(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of consecutive chunks: events and weights summed in chunk order, the cross
    section averaged with the chunk sizes as weights and its errors added in quadrature."""
    sizes = np.array([s["size"] for s in summaries], dtype=np.float64)
    sig = np.array([s["sigma_pb"] for s in summaries])
    err = np.array([s["sigma_err_pb"] for s in summaries])
    return {
        "n_generated": sum(s["n_generated"] for s in summaries),
        "sum_weights": sum(s["sum_weights"] for s in summaries),
        "sum_variations": np.sum([s["sum_variations"] for s in summaries], axis=0),
        "sigma_pb": float(np.average(sig, weights=sizes)),
        "sigma_err_pb": float(np.sqrt(np.sum((sizes * err) ** 2)) / sizes.sum()),
        "alphas_mismatch": max(s["alphas_mismatch"] for s in summaries),
    }


def _generate_dask(
    process: str,
    sizes: list[int],
    seeds: list[int],
    cfg: GenConfig,
    scheduler: str,
    results: list[dict[str, Any]],
    progress: Callable[[int], None] | None,
) -> None:
    """Run the chunks as tasks on the Dask cluster at ``scheduler``; fill ``results`` in chunk
    order."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingDependencyError(
            "distributed", "dask", "--scheduler (a Dask cluster)"
        ) from None
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    try:
        futures = {
            client.submit(
                generate_chunk, process, n, s, cfg, pure=False, key=f"scaleuq-gen-{process}-{i}-{s}"
            ): i
            for i, (n, s) in enumerate(zip(sizes, seeds, strict=True))
        }
        for fut, i in futures.items():  # in chunk order; each waits for its own chunk
            try:
                results[i] = fut.result()
            except Exception as exc:  # a worker without the mc extra, or a dead worker
                raise ClusterError(
                    f"chunk {i} of {process} failed on the Dask cluster at {scheduler}: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            if progress:
                progress(sizes[i])
    finally:
        client.close()

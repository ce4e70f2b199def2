"""The LO weight of an event under a change of scales, PDF or alpha_s, as MadGraph computes it.

MadGraph's systematics module (``madgraph/various/systematics.py``, ``Systematics.get_lo_wgt``
and ``run``) gives each event, for a variation v = (k_R, k_F, k_alps, dyn, PDF member),

    W(v) = alpha_s(k_R mu_R)^n_qcd                                  [alpha_s of v's PDF member]
           * f_1(x_1, k_F mu_F1) / x_1 * f_2(x_2, k_F mu_F2) / x_2  [v's PDF member]
           * prod_{s in asrwt} alpha_s(k_alps s)
           * prod_beams prod_{i < n-1} f(id_i, x_i, m_i) / f(id_i, x_(i+1), m_i),
             m_i = min(k_alps q_i, k_F mu_F)                        [CKKW history, if any]

with (mu_R, mu_F1, mu_F2) from ``<rscale>``/``<pdfrwt>`` for dyn = -1, or all three equal to
the dynamical scale of :mod:`scaleuq.reweight.scales`; and writes the new weight

    w(v) = XWGTUP * W(v) / W(default),  default = (1, 1, 1, -1, the generating PDF's member 0).

Parton ids are multiplied by the beam's sign (+1 proton, -1 antiproton) and -21/-22 read as
21/22. The 1/x factors cancel in the ratio and are left out. ``<totfact>`` cancels too (MadGraph
does not use it in the ratio either).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaleuq.errors import LHEError, OptionError
from scaleuq.pdf.backend import PDFSource  # what the weights need of a PDF set
from scaleuq.reweight.mgrwt import MGRWT
from scaleuq.reweight.scales import DYNAMICAL_SCALES, dynamical_scale


@dataclass(frozen=True)
class Variation:
    """One weight to compute.

    Attributes:
        k_r, k_f: factors of mu_R and mu_F.
        dyn: dynamical scale choice (-1: as generated).
        source: index of the PDF set in the list given to :func:`weight_ratios` (0: the set the
            events were generated with).
        row: position of the member among that set's loaded members.
        k_alps: factor of the CKKW alpha_s scales (MadGraph's ``alps``).
    """

    k_r: float = 1.0
    k_f: float = 1.0
    dyn: int = -1
    source: int = 0
    row: int = 0
    k_alps: float = 1.0

    def __post_init__(self) -> None:
        if self.dyn not in DYNAMICAL_SCALES:
            raise OptionError(f"dynamical scale choice {self.dyn} is not one of -1, 1, 2, 3, 4")
        if not (self.k_r > 0 and self.k_f > 0 and self.k_alps > 0):
            raise OptionError("scale factors must be positive")


@dataclass(frozen=True)
class EventKinematics:
    """What the weights need of n events.

    Attributes:
        mg: the ``<mgrwt>`` contents.
        xwgtup: (n,) event weights.
        dyn_scales: {dyn: (n,) scale} for the dynamical choices asked for (dyn >= 1).
        first_event: number of the first event, for messages.
        path: the file, for messages.
    """

    mg: MGRWT
    xwgtup: np.ndarray
    dyn_scales: dict[int, np.ndarray]
    first_event: int = 1
    path: str = ""


def kinematics(
    mg: MGRWT,
    info: np.ndarray,
    particles: np.ndarray | None,
    dyns: Sequence[int],
    *,
    first_event: int = 1,
    path: str = "",
) -> EventKinematics:
    """Bundle a block's arrays and compute the dynamical scales asked for."""
    scales: dict[int, np.ndarray] = {}
    wanted = sorted({d for d in dyns if d != -1})
    if wanted:
        if particles is None:
            raise OptionError("dynamical scale choices need the particle lines")
        nup = info[:, 0].astype(np.int64)
        for d in wanted:
            s = dynamical_scale(particles, nup, d)
            bad = ~np.isfinite(s) | (s <= 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise LHEError(
                    f"{path}: event {first_event + i}: dynamical scale {d} "
                    f"({DYNAMICAL_SCALES[d][0]}) is undefined or zero; leave it out with --dyn "
                    "(e.g. --dyn=-1 for the scale the events were generated with)"
                )
            scales[d] = s
    return EventKinematics(mg, info[:, 2].copy(), scales, first_event, path)


def _check_ranges(
    ev: EventKinematics, pdfs: Sequence[PDFSource], beam_sign: tuple[int, int]
) -> None:
    """Parton ids and x inside every PDF set used: a clear error otherwise."""
    for b, beam in enumerate(ev.mg.beams):
        if not beam.present or beam_sign[b] == 0:
            continue
        pid = beam.pid.values.astype(np.int64) * beam_sign[b]
        x = beam.x.values
        for pdf in pdfs:
            lo, hi = pdf.x_range
            bad = ~((x >= lo) & (x <= hi))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                ev_no = ev.first_event + int(beam.x.event_index()[i])
                raise LHEError(
                    f"{ev.path}: event {ev_no}: x = {x[i]:.6g} of beam {b + 1} is outside the "
                    f"range of PDF set {pdf.name} [{lo:.3g}, {hi:.3g}]"
                )
            known = set(pdf.pids) | {0, -21, -22}
            if 21 in known:
                known.add(0)
            norm = np.where((pid == -21) | (pid == -22), -pid, pid)
            bad = ~np.isin(norm, np.array(sorted(known)))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                ev_no = ev.first_event + int(beam.pid.event_index()[i])
                raise LHEError(
                    f"{ev.path}: event {ev_no}: parton id {int(pid[i])} of beam {b + 1} is not in "
                    f"PDF set {pdf.name} (its flavours: {', '.join(map(str, pdf.pids))})"
                )


class _Cache:
    """Factors shared between variations, computed once per block."""

    def __init__(
        self,
        ev: EventKinematics,
        pdfs: Sequence[PDFSource],
        beam_sign: tuple[int, int],
        rows_needed: dict[tuple[int, int, float], list[int]],
    ) -> None:
        self.ev, self.pdfs, self.sign = ev, pdfs, beam_sign
        self.rows_needed = rows_needed
        self.alphas: dict[tuple[int, int, float], np.ndarray] = {}
        self.pdf: dict[tuple[int, int, float], dict[int, np.ndarray]] = {}
        self.asrwt: dict[tuple[int, float], np.ndarray] = {}
        self.history: dict[tuple[int, int, int, float, float], np.ndarray] = {}
        self.has_asrwt = len(ev.mg.asrwt.values) > 0
        self.has_history = any(b.present and (b.pid.counts > 1).any() for b in ev.mg.beams)

    def prefetch(self) -> None:
        """Evaluate the PDF products of all (dyn, k_F) keys that share a set and members in one
        call per set (fewer, larger calls)."""
        mg = self.ev.mg
        n = len(mg)
        beams = [b for b in range(2) if mg.beams[b].present and self.sign[b] != 0]
        groups: dict[tuple[int, tuple[int, ...]], list[tuple[int, float]]] = {}
        for (src, dyn, k_f), rows in self.rows_needed.items():
            groups.setdefault((src, tuple(rows)), []).append((dyn, k_f))
        for (src, rows), keys in groups.items():
            if not rows or not beams:
                continue
            pids, xs, qs = [], [], []
            for dyn, k_f in keys:
                mufs = self.scales(dyn)[1:]
                for b in beams:
                    beam = mg.beams[b]
                    pids.append(beam.hard_pid * self.sign[b])
                    xs.append(beam.hard_x)
                    qs.append(k_f * mufs[b])
            vals = self.pdfs[src].xfxq(
                np.concatenate(pids), np.concatenate(xs), np.concatenate(qs), rows=list(rows)
            )
            for j, (dyn, k_f) in enumerate(keys):
                seg = j * len(beams) * n
                prod = vals[:, seg : seg + n].copy()  # = 1.0 * the first beam's, exactly
                for i in range(1, len(beams)):
                    prod *= vals[:, seg + i * n : seg + (i + 1) * n]
                got = self.pdf.setdefault((src, dyn, k_f), {})
                for k, r in enumerate(rows):
                    got[r] = prod[k]

    def scales(self, dyn: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mg = self.ev.mg
        if dyn == -1:
            return mg.mur, mg.beams[0].hard_q, mg.beams[1].hard_q
        s = self.ev.dyn_scales[dyn]
        return s, s, s

    def alphas_factor(self, src: int, dyn: int, k_r: float) -> np.ndarray:
        key = (src, dyn, k_r)
        if key not in self.alphas:
            mur = self.scales(dyn)[0]
            n = self.ev.mg.n_qcd
            a = self.pdfs[src].alphas_q(k_r * mur)
            self.alphas[key] = np.where(n == 0, 1.0, a**n)
        return self.alphas[key]

    def pdf_factor(self, src: int, dyn: int, k_f: float, row: int) -> np.ndarray:
        key = (src, dyn, k_f)
        got = self.pdf.setdefault(key, {})
        if row not in got:
            rows = [r for r in self.rows_needed.get(key, [row]) if r not in got] or [row]
            if row not in rows:
                rows.append(row)
            mg = self.ev.mg
            _, muf1, muf2 = self.scales(dyn)
            prod = np.ones((len(rows), len(mg)))
            pids, xs, qs, beam_of = [], [], [], []
            for b, (beam, muf) in enumerate(zip(mg.beams, (muf1, muf2))):
                if beam.present and self.sign[b] != 0:
                    pids.append(beam.hard_pid * self.sign[b])
                    xs.append(beam.hard_x)
                    qs.append(k_f * muf)
                    beam_of.append(b)
            if pids:
                vals = self.pdfs[src].xfxq(
                    np.concatenate(pids), np.concatenate(xs), np.concatenate(qs), rows=rows
                )
                n = len(mg)
                for j in range(len(pids)):
                    prod *= vals[:, j * n : (j + 1) * n]
            for k, r in enumerate(rows):
                got[r] = prod[k]
        return got[row]

    def asrwt_factor(self, src: int, k_alps: float) -> np.ndarray:
        key = (src, k_alps)
        if key not in self.asrwt:
            r = self.ev.mg.asrwt
            out = np.ones(len(self.ev.mg))
            if len(r.values):
                a = self.pdfs[src].alphas_q(k_alps * r.values)
                np.multiply.at(out, r.event_index(), a)
            self.asrwt[key] = out
        return self.asrwt[key]

    def history_factor(self, src: int, row: int, dyn: int, k_f: float, k_alps: float) -> np.ndarray:
        key = (src, row, dyn, k_f, k_alps)
        if key in self.history:
            return self.history[key]
        mg = self.ev.mg
        out = np.ones(len(mg))
        mufs = self.scales(dyn)[1:]
        for b, beam in enumerate(mg.beams):
            if not beam.present or self.sign[b] == 0:
                continue
            counts = beam.pid.counts
            if (counts <= 1).all():
                continue
            ev_idx = beam.pid.event_index()
            offs = beam.pid.offsets
            # entries i < n-1 of each event
            pos = np.arange(len(beam.pid.values))
            last = offs[1:][ev_idx] - 1
            use = pos < last
            if not use.any():
                continue
            e = ev_idx[use]
            i = pos[use]
            scale = np.minimum(k_alps * beam.q.values[i], k_f * mufs[b][e])
            pid = beam.pid.values[i].astype(np.int64) * self.sign[b]
            pdf = self.pdfs[src]
            num = pdf.xfxq(pid, beam.x.values[i], scale, rows=[row])[0] / beam.x.values[i]
            den = pdf.xfxq(pid, beam.x.values[i + 1], scale, rows=[row])[0] / beam.x.values[i + 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                np.multiply.at(out, e, num / den)
        self.history[key] = out
        return out

    def weight(self, v: Variation) -> np.ndarray:
        w = self.alphas_factor(v.source, v.dyn, v.k_r) * self.pdf_factor(
            v.source, v.dyn, v.k_f, v.row
        )
        if self.has_asrwt:
            w = w * self.asrwt_factor(v.source, v.k_alps)
        if self.has_history:
            w = w * self.history_factor(v.source, v.row, v.dyn, v.k_f, v.k_alps)
        return w


def weight_ratios(
    ev: EventKinematics,
    pdfs: Sequence[PDFSource],
    variations: Sequence[Variation],
    *,
    central_row: int = 0,
    beam_sign: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """W(v)/W(default) for every event and variation (see the module docstring).

    Args:
        ev: the events.
        pdfs: PDF sets; ``pdfs[0]`` is the one the events were generated with.
        variations: the weights to compute.
        central_row: row of ``pdfs[0]``'s member that generated the events (its member 0).
        beam_sign: +1 for a proton beam, -1 for an antiproton, 0 for a beam without PDF.

    Returns:
        (n_events, n_variations) ratios; multiply by XWGTUP for MadGraph's weights.
    """
    if not pdfs:
        raise OptionError("no PDF set given")
    for v in variations:
        if not 0 <= v.source < len(pdfs) or not 0 <= v.row < len(pdfs[v.source].members):
            raise OptionError(f"variation {v} names a PDF member that is not loaded")
        if v.dyn != -1 and v.dyn not in ev.dyn_scales:
            raise OptionError(f"dynamical scale {v.dyn} was not computed")
    _check_ranges(ev, pdfs, beam_sign)
    rows_needed: dict[tuple[int, int, float], list[int]] = {}
    for v in variations:
        rows_needed.setdefault((v.source, v.dyn, v.k_f), [])
        if v.row not in rows_needed[(v.source, v.dyn, v.k_f)]:
            rows_needed[(v.source, v.dyn, v.k_f)].append(v.row)
    rows_needed.setdefault((0, -1, 1.0), [])
    if central_row not in rows_needed[(0, -1, 1.0)]:
        rows_needed[(0, -1, 1.0)].append(central_row)
    cache = _Cache(ev, pdfs, beam_sign, rows_needed)
    cache.prefetch()
    base = cache.weight(Variation(row=central_row))
    bad = ~np.isfinite(base) | (base == 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        mg = ev.mg
        raise LHEError(
            f"{ev.path}: event {ev.first_event + i}: the PDF/alpha_s weight at the event's own "
            f"scales is {base[i]:g} (partons {mg.beams[0].hard_pid[i] if mg.beams[0].present else '-'}, "
            f"{mg.beams[1].hard_pid[i] if mg.beams[1].present else '-'}; is {pdfs[0].name} the set "
            "the events were generated with?)"
        )
    out = np.empty((len(ev.mg), len(variations)))
    for k, v in enumerate(variations):
        out[:, k] = cache.weight(v) / base
    return out


def describe(v: Variation, pdfs: Sequence[PDFSource]) -> dict[str, Any]:
    """MadGraph-style attributes of a variation's ``<weight>`` tag."""
    pdf = pdfs[v.source]
    lhaid = pdf.lhapdf_ids()[v.row]
    return {
        "MUR": v.k_r,
        "MUF": v.k_f,
        "DYN_SCALE": v.dyn,
        "ALPSFACT": v.k_alps,
        "PDF": lhaid if lhaid is not None else f"{pdf.name}/{pdf.members[v.row]}",
    }

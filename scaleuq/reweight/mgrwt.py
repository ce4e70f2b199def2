"""Vectorised parsing of MadGraph's per-event ``<mgrwt>`` blocks (LO runs with ``use_syst``).

An LO event written by MadEvent with ``use_syst = True`` carries::

    <mgrwt>
    <rscale>  2 0.24387465E+02</rscale>            n_qcd (power of alpha_s), mu_R (GeV)
    <asrwt>0</asrwt>                               n, then n scales of extra alpha_s factors
    <pdfrwt beam="1">  1  21 0.10425685E-01 0.24387465E+02</pdfrwt>
                                                   n, then n parton ids, n x values, n scales
    <pdfrwt beam="2">  1  21 0.14749479E-02 0.24387465E+02</pdfrwt>
    <totfact> 0.10532089E+08</totfact>             the rest of the weight
    </mgrwt>

(the layout MadGraph's ``lhe_parser.Event.parse_lo_weight`` reads). With ``n > 1`` the
``pdfrwt`` lists hold the CKKW clustering history of that beam; the last entry is the hard
process's parton, x and mu_F.

:func:`parse_mgrwt` takes the raw bytes of a block of complete events (or a list of event
texts) and returns arrays; regular expressions and numpy do the work, with no Python loop over
events (one runs only to name the event at fault in an error).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np

from scaleuq.errors import LHEError

_MGRWT = re.compile(rb"<mgrwt>(.*?)</mgrwt>", re.S)
_RSCALE = re.compile(rb"<rscale>([^<]*)</rscale>")
_ASRWT = re.compile(rb"<asrwt>([^<]*)</asrwt>")
_PDFRWT = {
    beam: re.compile(
        rb"<pdfrwt\s+beam\s*=\s*[\"']?" + str(beam).encode() + rb"[\"']?\s*>([^<]*)</pdfrwt>"
    )
    for beam in (1, 2)
}
_TOTFACT = re.compile(rb"<totfact>([^<]*)</totfact>")
#: MadEvent's usual block (no CKKW history; the beams in either order): one match per event,
#: parsed in one C call
_PDF1 = rb"<pdfrwt\s+beam\s*=\s*[\"']?([12])[\"']?\s*>\s*1\s([^<]*)</pdfrwt>\s*"
_PLAIN = re.compile(
    rb"<mgrwt>\s*<rscale>([^<]*)</rscale>\s*<asrwt>\s*0\s*</asrwt>\s*"
    + _PDF1
    + _PDF1
    + rb"<totfact>([^<]*)</totfact>\s*</mgrwt>"
)


@dataclass(frozen=True)
class Ragged:
    """A ragged array: entries ``values[offsets[i]:offsets[i + 1]]`` for event i."""

    values: np.ndarray
    offsets: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """Entries per event."""
        return np.diff(self.offsets)

    def event_index(self) -> np.ndarray:
        """Event of each entry."""
        return np.repeat(np.arange(len(self.offsets) - 1), self.counts)


@dataclass(frozen=True)
class BeamHistory:
    """One beam's ``<pdfrwt>`` of every event.

    Attributes:
        pid, x, q: ragged parton ids, momentum fractions and scales (GeV), hard process last.
        present: False when the file has no ``<pdfrwt>`` for this beam (no PDF on it, e.g. a
            lepton beam); then the arrays are empty.
    """

    pid: Ragged
    x: Ragged
    q: Ragged
    present: bool = True

    def _hard(self, r: Ragged) -> np.ndarray:
        if not self.present:  # no PDF on this beam (a lepton): NaN, never read
            return np.full(len(r.offsets) - 1, np.nan)
        return r.values[r.offsets[1:] - 1]

    @property
    def hard_pid(self) -> np.ndarray:
        """Parton id entering the hard process (0 on a beam without ``<pdfrwt>``)."""
        if not self.present:
            return np.zeros(len(self.pid.offsets) - 1, dtype=np.int64)
        return self._hard(self.pid).astype(np.int64)

    @property
    def hard_x(self) -> np.ndarray:
        """Its momentum fraction (NaN on a beam without ``<pdfrwt>``)."""
        return self._hard(self.x)

    @property
    def hard_q(self) -> np.ndarray:
        """Its factorisation scale mu_F (GeV; NaN on a beam without ``<pdfrwt>``)."""
        return self._hard(self.q)


@dataclass(frozen=True)
class MGRWT:
    """The ``<mgrwt>`` contents of n events.

    Attributes:
        n_qcd: (n,) power of alpha_s of the hard process.
        mur: (n,) renormalisation scale (GeV).
        asrwt: ragged scales of extra alpha_s factors (CKKW), usually empty.
        beams: the two beams' histories.
        totfact: (n,) the remaining factor of the weight.
    """

    n_qcd: np.ndarray
    mur: np.ndarray
    asrwt: Ragged
    beams: tuple[BeamHistory, BeamHistory]
    totfact: np.ndarray

    def __len__(self) -> int:
        return len(self.mur)


def _event_without(buf: bytes, pattern: re.Pattern[bytes], first: int) -> int:
    """Number of the first event whose text lacks ``pattern`` (error path only)."""
    for i, piece in enumerate(buf.split(b"</event>")):
        if b"<event" in piece and not pattern.search(piece):
            return first + i
    return first


def _tokens(entries: list[bytes], what: str, where: str) -> Ragged:
    """All numbers of each entry as one ragged float array (no per-entry Python loop)."""
    n = len(entries)
    if n == 0:
        return Ragged(np.empty(0), np.zeros(1, dtype=np.int64))
    toks = np.array(b" | ".join(entries).replace(b"d", b"e").replace(b"D", b"e").split())
    mark = toks == b"|"
    entry = np.cumsum(mark)
    try:
        vals = toks[~mark].astype(np.float64)
    except ValueError:
        raise LHEError(f"{where}: a non-numeric value in an <mgrwt> {what}") from None
    counts = np.bincount(entry[~mark], minlength=n)
    return Ragged(vals, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))


def _fixed(entries: list[bytes], k: int, what: str, where: str, first: int) -> np.ndarray:
    r = _tokens(entries, what, where)
    bad = r.counts != k
    if bad.any():
        raise LHEError(
            f"{where}: event {first + int(np.flatnonzero(bad)[0])} has a malformed <{what}> "
            f"(expected {k} number{'s' if k > 1 else ''})"
        )
    return r.values.reshape(len(entries), k)


def _counted(
    entries: list[bytes], per: int, what: str, where: str, first: int
) -> tuple[np.ndarray, np.ndarray]:
    """Entries of the form ``n v_1..v_(per*n)``: (n per event, (n,) , flat values)."""
    r = _tokens(entries, what, where)
    empty = r.counts == 0
    if empty.any():
        raise LHEError(
            f"{where}: event {first + int(np.flatnonzero(empty)[0])} has an empty <{what}>"
        )
    lead = r.values[r.offsets[:-1]]
    nums = np.rint(lead).astype(np.int64)
    bad = (nums < 0) | (lead != nums) | (r.counts != 1 + per * nums)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LHEError(
            f"{where}: event {first + i} has a malformed <{what}> (declares {lead[i]:g} entries, "
            f"lists {r.counts[i] - 1} numbers)"
        )
    keep = np.ones(len(r.values), dtype=bool)
    keep[r.offsets[:-1]] = False
    return nums, r.values[keep]


def _split(nums: np.ndarray, flat: np.ndarray, per: int) -> list[Ragged]:
    """Cut each event's ``per * n`` values into ``per`` ragged arrays of n."""
    offsets = np.concatenate([[0], np.cumsum(nums)]).astype(np.int64)
    total = int(offsets[-1])
    ev = np.repeat(np.arange(len(nums)), nums)
    k = np.arange(total) - offsets[:-1][ev]
    base = per * offsets[:-1][ev]
    return [Ragged(flat[base + j * nums[ev] + k], offsets) for j in range(per)]


def _check_values(mg: MGRWT, where: str, first: int) -> MGRWT:
    """Scales positive and finite: a negative mu_F or mu_R is never read as its absolute
    value, but named with its event."""
    bad = ~(np.isfinite(mg.mur) & (mg.mur > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LHEError(
            f"{where}: event {first + i} has mu_R = {mg.mur[i]:g} GeV in <rscale> (a scale must "
            "be a positive number)"
        )
    for b, beam in enumerate(mg.beams):
        if not beam.present:
            continue
        q = beam.q.values
        bad = ~(np.isfinite(q) & (q > 0))  # x is checked against the PDF's range later
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            event = first + int(beam.q.event_index()[i])
            raise LHEError(
                f'{where}: event {event} has mu_F = {q[i]:g} GeV in <pdfrwt beam="{b + 1}"> (a '
                "scale must be a positive number)"
            )
    return mg


def _plain_values(buf: bytes, n: int) -> np.ndarray | None:
    """The (n, 11) numbers of :data:`_PLAIN` (rscale (2), beam, pid x q, beam, pid x q,
    totfact) by regex and one text-to-float conversion; None when a block is not plain."""
    found = _PLAIN.findall(buf)
    if len(found) != n or n == 0:
        return None
    text = b" ".join(b" ".join(groups) for groups in found)
    if b"d" in text or b"D" in text:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vals = np.fromstring(text, dtype=np.float64, sep=" ")
    except ValueError:
        return None
    if len(vals) != 11 * n:
        return None
    return vals.reshape(n, 11)


def _parse_plain(buf: bytes, n: int, engine: str = "numpy") -> MGRWT | None:
    """The fast path: every event has the plain layout of :data:`_PLAIN` with well-formed
    numbers (n_qcd and parton ids integers); None otherwise (then the general parser runs and
    names the event at fault). Same values as the general parser (both parse with C's
    correctly rounded conversion; the ``compiled`` engine's pass,
    :mod:`scaleuq.reweight.mgrwt_kernel`, converts only what it converts exactly, and leaves
    the rest to the regex)."""
    if n == 0:
        return None
    raw = None
    if engine == "compiled":
        from scaleuq.reweight.mgrwt_kernel import plain_values

        raw = plain_values(buf, n)
    if raw is None:
        raw = _plain_values(buf, n)
    if raw is None:
        return None
    swap = raw[:, 2] == 2
    if (
        not np.array_equal(raw[:, 6], np.where(swap, 1.0, 2.0))
        or not ((raw[:, 2] == 1) | swap).all()
    ):
        return None
    vals = np.empty((n, 9))
    vals[:, :2] = raw[:, :2]
    vals[:, 8] = raw[:, 10]
    vals[:, 2:5] = np.where(swap[:, None], raw[:, 7:10], raw[:, 3:6])
    vals[:, 5:8] = np.where(swap[:, None], raw[:, 3:6], raw[:, 7:10])
    n_qcd = np.rint(vals[:, 0]).astype(np.int64)
    pids = vals[:, [2, 5]]
    if (vals[:, 0] != n_qcd).any() or (n_qcd < 0).any() or (pids != np.rint(pids)).any():
        return None
    one = np.arange(n + 1, dtype=np.int64)
    beams = tuple(
        BeamHistory(
            Ragged(np.ascontiguousarray(vals[:, c]), one),
            Ragged(np.ascontiguousarray(vals[:, c + 1]), one),
            Ragged(np.ascontiguousarray(vals[:, c + 2]), one),
        )
        for c in (2, 5)
    )
    empty = Ragged(np.empty(0), np.zeros(n + 1, dtype=np.int64))
    return MGRWT(n_qcd, np.ascontiguousarray(vals[:, 1]), empty, beams, vals[:, 8].copy())  # type: ignore[arg-type]


def parse_mgrwt(
    events: bytes | list[bytes], *, first_event: int = 1, path: str = "", engine: str = "numpy"
) -> MGRWT:
    """Parse the ``<mgrwt>`` blocks of a block of complete events.

    Args:
        events: raw bytes of complete ``<event>...</event>`` texts, or a list of event texts.
        first_event: number of the first event (1-based), for messages.
        path: the file, for messages.
        engine: ``compiled`` reads MadEvent's plain blocks in one numba pass
            (:mod:`scaleuq.reweight.mgrwt_kernel`), ``numpy`` by regex; the same arrays.

    Raises:
        LHEError: an event without ``<mgrwt>`` (or without one of its parts), or a malformed one.
    """
    buf = b"".join(events) if isinstance(events, list) else bytes(events)
    where = path or "LHE events"
    n = buf.count(b"</event>")
    plain = _parse_plain(buf, n, engine)
    if plain is not None:
        return _check_values(plain, where, first_event)
    blocks = _MGRWT.findall(buf)
    if len(blocks) != n:
        if len(blocks) == 0:
            raise LHEError(
                f"{where}: events {first_event}-{first_event + n - 1} have no <mgrwt> block: the "
                "file was not generated with use_syst = True (LO MadEvent), so its weights cannot "
                "be recomputed"
            )
        bad = _event_without(buf, _MGRWT, first_event)
        raise LHEError(f"{where}: event {bad} has no <mgrwt> block")
    text = b"\n".join(blocks)
    parts = {"rscale": _RSCALE.findall(text), "totfact": _TOTFACT.findall(text)}
    for name, found in parts.items():
        if len(found) != n:
            pattern = re.compile(rb"<" + name.encode() + rb">")
            raise LHEError(
                f"{where}: event {_event_without(buf, pattern, first_event)} has no <{name}> in <mgrwt>"
            )
    rs = _fixed(parts["rscale"], 2, "rscale", where, first_event)
    tot = _fixed(parts["totfact"], 1, "totfact", where, first_event)[:, 0]
    n_qcd = np.rint(rs[:, 0]).astype(np.int64)
    if (rs[:, 0] != n_qcd).any() or (n_qcd < 0).any():
        i = int(np.flatnonzero((rs[:, 0] != n_qcd) | (n_qcd < 0))[0])
        raise LHEError(
            f"{where}: event {first_event + i} has a non-integer alpha_s power in <rscale>"
        )
    asrwt_found = _ASRWT.findall(text)
    if asrwt_found and len(asrwt_found) != n:
        raise LHEError(
            f"{where}: event {_event_without(buf, _ASRWT, first_event)} has no <asrwt> in <mgrwt>"
        )
    if asrwt_found:
        nums, flat = _counted(asrwt_found, 1, "asrwt", where, first_event)
        asrwt = _split(nums, flat, 1)[0]
    else:
        asrwt = Ragged(np.empty(0), np.zeros(n + 1, dtype=np.int64))
    beams = []
    for beam in (1, 2):
        found = _PDFRWT[beam].findall(text)
        if not found:
            empty = Ragged(np.empty(0), np.zeros(n + 1, dtype=np.int64))
            beams.append(BeamHistory(empty, empty, empty, present=False))
            continue
        if len(found) != n:
            bad = _event_without(buf, _PDFRWT[beam], first_event)
            raise LHEError(f'{where}: event {bad} has no <pdfrwt beam="{beam}"> in <mgrwt>')
        nums, flat = _counted(found, 3, f'pdfrwt beam="{beam}"', where, first_event)
        if (nums == 0).any():
            bad = first_event + int(np.flatnonzero(nums == 0)[0])
            raise LHEError(f'{where}: event {bad} has an empty <pdfrwt beam="{beam}">')
        pid, x, q = _split(nums, flat, 3)
        if (pid.values != np.rint(pid.values)).any():
            raise LHEError(f'{where}: a non-integer parton id in <pdfrwt beam="{beam}">')
        beams.append(BeamHistory(pid, x, q))
    return _check_values(
        MGRWT(n_qcd, rs[:, 1], asrwt, (beams[0], beams[1]), tot), where, first_event
    )

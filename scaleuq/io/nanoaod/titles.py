"""What the branch titles of a CMS NanoAOD file say: the order of the scale weights, the LHA IDs
of the PDF weights, the labels of the shower weights, and how the ``Runs`` sums are normalised.

NanoAOD stores the scale weights per event as an array whose order is given only by the
branch title. The productions in use write it in several forms, all read here:

* ``[0] is mur=0.5 muf=0.5 ; [1] is mur=0.5 muf=1 ; ...`` (plain numbers, lower case);
* ``[0] is muR=0.50000E+00 muF=0.50000E+00 ; ...`` (Fortran exponents, ``E`` or ``D``);
* ``[0] is MUF="0.5" MUR="0.5"; ...`` (quoted attributes, mu_F first);
* ``[0] is renscfact=0.5d0 facscfact=0.5d0 ; ...`` (MadGraph run-card names);
* 9 entries with the nominal (1, 1) among them, or 8 with the nominal left out (then the
  weights are ratios w_var / w_nominal and the nominal is 1 by construction);
* any order of the entries: each entry's (k_R, k_F) is decoded from its own text by the LHE
  reader's :func:`~scaleuq.io.lhe.header.decode_weight` (the same rules as LHE ``<weight>``
  texts), never from its position.

A title scaleuq cannot read (no ``[i] is ...`` entries, an entry with no mu_R/mu_F, indices
out of order, a point given twice, no nominal without the ``w_var / w_nominal`` statement) is a
:class:`~scaleuq.errors.NanoAODError` that quotes it; nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaleuq.errors import NanoAODError, ScaleUQError

_ENTRY = re.compile(r"^\[(\d+)\]\s*is\s+(.+)$", re.S)
_RATIO = re.compile(r"w_?var\s*/\s*w_?nom(?:inal)?", re.I)
_QUOTED = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_RUNCARD = (
    (re.compile(r"(?<![A-Za-z])renscfact(?=\s*=)", re.I), "muR"),
    (re.compile(r"(?<![A-Za-z])facscfact(?=\s*=)", re.I), "muF"),
)
_LHA_RANGE = re.compile(r"LHA\s*IDs?\s*(\d+)\s*-\s*(\d+)", re.I)
_DIVIDED = re.compile(r"divided\s+by\s+genEventSumw", re.I)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-9)


def _quote(title: str) -> str:
    short = " ".join(title.split())
    return repr(short if len(short) <= 300 else short[:297] + "...")


def title_entries(title: str) -> list[tuple[int, str]]:
    """The ``[i] is TEXT`` entries of a weight branch title, in title order (empty when the
    title has none). Entries are separated by ``;``; the text before the first ``[`` is the
    description."""
    start = title.find("[")
    if start < 0:
        return []
    entries = []
    for part in title[start:].split(";"):
        part = part.strip()
        if not part:
            continue
        match = _ENTRY.match(part)
        if match is None:
            raise NanoAODError(f"cannot read the entry {part[:80]!r} of the title {_quote(title)}")
        entries.append((int(match.group(1)), " ".join(match.group(2).split())))
    return entries


def says_ratios(title: str) -> bool:
    """The title states that the weights are ratios ``w_var / w_nominal``."""
    return bool(_RATIO.search(title))


@dataclass(frozen=True)
class ScaleTitle:
    """The scale weights' order decoded from the ``LHEScaleWeight`` title.

    Attributes:
        title: the branch title as stored.
        points: (k_R, k_F) of each entry, in the branch's order.
        nominal: index of the (1, 1) entry, or None when the production left it out (8 entries).
        ratios: the title says the weights are ratios w_var / w_nominal.
        form: how the entries are written (for the user: ``mur=0.5 muf=0.5``,
            ``muR=0.50000E+00 muF=...``, ``MUF="0.5" MUR="0.5"``, ``renscfact=...``).
        ignored: entries that are not (k_R, k_F) variations at the run's own scale (another
            dynamical scale or PDF), by index.
    """

    title: str
    points: tuple[tuple[float, float] | None, ...]
    nominal: int | None
    ratios: bool
    form: str
    ignored: tuple[int, ...] = ()

    @property
    def n_entries(self) -> int:
        """Entries per event the title announces."""
        return len(self.points)

    def describe(self) -> str:
        """One line: the form, the number of entries and where the nominal is."""
        where = (
            f"nominal at [{self.nominal}]"
            if self.nominal is not None
            else "nominal left out (w_var / w_nominal: it is 1)"
        )
        return f"{self.n_entries} entries written as '{self.form}', {where}"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {
            "title": self.title,
            "points": [list(p) if p else None for p in self.points],
            "nominal": self.nominal,
            "ratios": self.ratios,
            "form": self.form,
            "ignored": list(self.ignored),
        }


def _form(text: str) -> str:
    """A short name for how an entry is written."""
    if re.search(r"renscfact", text, re.I):
        return "renscfact=... facscfact=..."
    if _QUOTED.search(text):
        first = re.search(r"mu_?[rf]", text, re.I)
        key = first.group(0) if first else "MUR"
        return f'{key}="..." (quoted attributes)'
    if re.search(r"\d[eEdD][-+]?\d", text):
        return "muR=0.50000E+00 muF=... (Fortran exponents)"
    keys = re.findall(r"mu_?[rf]", text, re.I)
    return " ".join(f"{k}=..." for k in keys) or text


def parse_scale_title(title: str, where: str = "LHEScaleWeight") -> ScaleTitle:
    """Decode the order of the scale weights from the ``LHEScaleWeight`` branch title.

    Args:
        title: the title.
        where: ``file: branch`` for messages.

    Raises:
        NanoAODError: a title without readable entries (quoted), an entry without mu_R/mu_F,
            indices not 0, 1, 2, ... in order, a (k_R, k_F) point given twice, or no (1, 1)
            entry where the title does not say the weights are ratios to the nominal.
    """
    from scaleuq.io.lhe.header import decode_weight

    try:
        entries = title_entries(title)
    except NanoAODError as exc:
        raise NanoAODError(f"{where}: {exc}") from None
    if not entries:
        raise NanoAODError(
            f"{where}: the title {_quote(title)} does not give the order of the scale weights "
            "('[0] is mur=0.5 muf=0.5 ; ...'): scaleuq does not guess it"
        )
    points: list[tuple[float, float] | None] = []
    ignored: list[int] = []
    for expected, (index, text) in enumerate(entries):
        if index != expected:
            raise NanoAODError(
                f"{where}: entry [{index}] stands where [{expected}] belongs in the title "
                f"{_quote(title)}"
            )
        clean = _QUOTED.sub(lambda m: "=" + (m.group(1) or m.group(2) or ""), text)
        for pattern, name in _RUNCARD:
            clean = pattern.sub(name, clean)
        try:
            info = decode_weight(f"[{index}]", {}, clean, None)
        except (ScaleUQError, ValueError):
            info = None
        if info is None or not info.is_scale:
            raise NanoAODError(
                f"{where}: entry [{index}] ({text!r}) names no mu_R/mu_F factors in the title "
                f"{_quote(title)}"
            )
        if info.dyn_scale is not None or info.pdf is not None:
            ignored.append(index)
            points.append(None)
            continue
        point = (float(info.k_r), float(info.k_f))  # type: ignore[arg-type]
        if any(p is not None and _close(p[0], point[0]) and _close(p[1], point[1]) for p in points):
            raise NanoAODError(
                f"{where}: the point muR={point[0]:g} muF={point[1]:g} appears twice in the title "
                f"{_quote(title)}"
            )
        points.append(point)
    nominal = next(
        (i for i, p in enumerate(points) if p is not None and _close(p[0], 1) and _close(p[1], 1)),
        None,
    )
    ratios = says_ratios(title)
    if nominal is None and not ratios:
        raise NanoAODError(
            f"{where}: the title {_quote(title)} has no muR=1 muF=1 entry and does not say the "
            "weights are ratios to the nominal (w_var / w_nominal): the nominal is unknown"
        )
    return ScaleTitle(title, tuple(points), nominal, ratios, _form(entries[0][1]), tuple(ignored))


def pdf_ids(title: str) -> tuple[int, int] | None:
    """The LHA ID range ``(first, last)`` of the ``LHEPdfWeight`` title ("... for LHA IDs
    262000 - 262100"), or None when the title gives none."""
    match = _LHA_RANGE.search(title)
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    return (first, last) if last >= first else None


def shower_labels(title: str) -> tuple[str, ...]:
    """The labels of the ``PSWeight`` entries ("[0] is ISR=2 FSR=1 ; ..."), in order; empty for
    a title without entries (e.g. "dummy PS weight (1.0)")."""
    try:
        entries = title_entries(title)
    except NanoAODError:
        return ()
    if [i for i, _ in entries] != list(range(len(entries))):
        return ()
    return tuple(text for _, text in entries)


def says_divided(title: str) -> bool:
    """A ``Runs`` sum's title says it is divided by ``genEventSumw``."""
    return bool(_DIVIDED.search(title))

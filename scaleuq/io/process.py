"""MadGraph process strings: syntax, final-state counting, process classes and proc cards.

A process is written in MadGraph syntax, e.g. ``p p > wpm j j`` ("wpm" is the sum of W+ and W-,
"a" a photon, "j" a light jet). Paper notation such as ``pp → W± j`` or ``pp → γ j`` is mapped to
that syntax by :func:`normalize_process`.

:func:`parse_process` reads the whole syntax that MadGraph5_aMC@NLO accepts in ``generate`` and
``add process`` (J. Alwall et al., arXiv:1405.0301, and the MG5_aMC command help): required
s-channel particles (``p p > z > e+ e-``: the ``z`` is not final), decay chains with commas and
parentheses (``p p > t t~, (t > b w+, w+ > l+ vl)``: the decay products are final, the decayed
particle is not; a decay applies to every occurrence of its particle), exclusions ``$``, ``$$``
and ``/``, coupling orders (``QED=3``, ``QCD^2<=4``), ``@N`` tags, ``--options`` and NLO brackets
(``[QCD]``, ``[virt=QCD]``, ``[noborn=QCD]``: loop-induced). :func:`parse_proc_card` reads a
``proc_card_mg5.dat`` (or a banner's ``<MG5ProcCard>``): ``define`` multiparticles, every
``generate``/``add process`` line (a merged sample), ``\\`` line continuations.

Process classes (used for coverage tables and reference-set selection):

``qcd``
    only QCD partons (light jets, gluons, quarks including b and t) in the final state;
``boson+jets``
    electroweak bosons or leptons together with QCD partons;
``electroweak``
    only electroweak bosons (W, Z, photon) and leptons;
``higgs``
    a Higgs boson in the final state;
``other``
    anything with a particle name scaleuq does not recognise.

A merged sample is named by its processes joined with `` | ``; its final state is that of the
lowest multiplicity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from scaleuq.errors import ProcessSyntaxError

QCD_PARTONS = frozenset(
    {"j", "g", "u", "d", "s", "c", "b", "t", "u~", "d~", "s~", "c~", "b~", "t~", "q", "q~"}
)
EW_PARTICLES = frozenset(
    {
        "w+", "w-", "wpm", "w", "z", "a",
        "e+", "e-", "mu+", "mu-", "ta+", "ta-", "l+", "l-", "lpm",
        "ve", "vm", "vt", "ve~", "vm~", "vt~", "vl", "vl~",
    }
)  # fmt: skip
HIGGS = frozenset({"h", "h1", "h2", "h3", "h+", "h-"})
PROCESS_CLASSES = ("qcd", "boson+jets", "electroweak", "higgs", "other")
MERGED_SEPARATOR = " | "

_PAPER_TOKENS = [
    ("W±", "wpm"), ("W^±", "wpm"), ("W+-", "wpm"), ("W^+", "w+"), ("W^-", "w-"),
    ("W⁺", "w+"), ("W⁻", "w-"), ("γ", "a"), ("t̄", "t~"), ("b̄", "b~"), ("tbar", "t~"),
    ("bbar", "b~"), ("τ", "ta"), ("μ", "mu"), ("ν", "v"),
]  # fmt: skip

# coupling-order constraints: QED=3, QCD<=2, QCD^2==4, QED^2>2, WEIGHTED<=5
_ORDER = re.compile(r"(?<![\w~+-])[a-z][a-z0-9_]*(?:\^2)?\s*(?:==|<=|>=|=|<|>)\s*-?\d+\b", re.I)
_BRACKET = re.compile(r"\[([^\]]*)\]")
_TAG = re.compile(r"@\s*-?\d+")
_OPTION = re.compile(r"(?<!\S)--?[a-z_]+(?:=\S*)?", re.I)


def normalize_process(text: str) -> str:
    """Return ``text`` in canonical MadGraph syntax with single spaces.

    Handles the notation printed in papers: arrows (``→``, ``->``), ``pp`` for ``p p``,
    ``W±`` for ``wpm``, ``γ`` for the photon ``a``, barred quarks, unicode signs, upper case.

    Examples:
        >>> normalize_process("pp → W± j j")
        'p p > wpm j j'
    """
    s = unicodedata.normalize("NFC", text.strip())
    for old, new in _PAPER_TOKENS:
        s = s.replace(old, f" {new} ")
    s = s.replace("→", " > ").replace("->", " > ").replace("−", "-").replace("⁺", "+")
    s = s.replace("⁻", "-")
    s = s.lower()
    s = re.sub(r"(?<![a-z~])pp(?![a-z~])", "p p", s)
    s = re.sub(r"\s*>\s*", " > ", s)
    return " ".join(s.split())


@dataclass(frozen=True)
class ProcessInfo:
    """One MadGraph process, read by :func:`parse_process`.

    Attributes:
        text: the process as given (normalised spacing, lower case).
        key: the process without NLO brackets, coupling orders, ``@N``, options and exclusions:
            what an LO and an NLO run of the same process share.
        initial: initial-state labels.
        s_channel: required s-channel particles (``p p > z > e+ e-`` gives ``("z",)``).
        final_state: final-state labels after all decay chains.
        decayed: particles that decay in a chain (not final).
        nlo: the bracket's content (``qcd``, ``virt=qcd``, ``noborn=qcd``) or None.
        loop_induced: ``[noborn=...]``: a loop-induced process, computed at LO by MadEvent.
    """

    text: str
    key: str
    initial: tuple[str, ...]
    s_channel: tuple[str, ...]
    final_state: tuple[str, ...]
    decayed: tuple[str, ...]
    nlo: str | None
    loop_induced: bool

    @property
    def n_final(self) -> int:
        """Number of final-state particles (a jet, photon, W or Z counts 1)."""
        return len(self.final_state)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {
            "text": self.text, "key": self.key, "initial": list(self.initial),
            "s_channel": list(self.s_channel), "final_state": list(self.final_state),
            "n_final": self.n_final, "decayed": list(self.decayed), "nlo": self.nlo,
            "loop_induced": self.loop_induced,
        }  # fmt: skip


def _split_top(text: str, where: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ProcessSyntaxError(f"{where}: unbalanced ')'")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise ProcessSyntaxError(f"{where}: unbalanced '('")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _arrow_parts(text: str, where: str) -> list[list[str]]:
    """``a b > x > c d`` -> [[a, b], [x], [c, d]], exclusions (``$``, ``$$``, ``/``) dropped."""
    parts = [p.split() for p in text.split(">")]
    for i, tokens in enumerate(parts):
        for j, tok in enumerate(tokens):
            if tok.startswith(("$", "/")):
                if i != len(parts) - 1:
                    raise ProcessSyntaxError(f"{where}: an exclusion ('{tok}') before '>'")
                parts[i] = tokens[:j]
                break
    if len(parts) < 2 or any(not p for p in parts):
        raise ProcessSyntaxError(f"{where}: expected 'initial > final' with particles on each side")
    return parts


def _decays(item: str, where: str) -> list[tuple[str, list[str]]]:
    """Decays of one chain element ``t > b w+`` or ``(t > b w+, w+ > l+ vl)``, in order."""
    if item.startswith("(") and item.endswith(")"):
        out = []
        for sub in _split_top(item[1:-1], where):
            out.extend(_decays(sub, where))
        return out
    if "(" in item or ")" in item:
        raise ProcessSyntaxError(f"{where}: cannot read the decay '{item}'")
    parts = _arrow_parts(item, where)
    if len(parts[0]) != 1:
        raise ProcessSyntaxError(f"{where}: a decay must start with one particle: '{item}'")
    return [(parts[0][0], parts[-1])]


def parse_process(text: str, *, where: str | None = None) -> ProcessInfo:
    """Read one process in MadGraph syntax (see the module docstring).

    Args:
        text: e.g. ``"p p > t t~, (t > b w+, w+ > l+ vl) QED=2 [QCD] @1"``; a leading
            ``generate`` or ``add process`` is dropped.
        where: file and line for error messages.

    Raises:
        ProcessSyntaxError: not a process (no ``>``), unbalanced parentheses, a decay of a
            particle that is not in the final state.
    """
    where = where or f"process '{text}'"
    s = normalize_process(text.split("#", 1)[0])
    s = re.sub(r"^(?:generate|add\s+process)\s+", "", s)
    brackets = _BRACKET.findall(s)
    nlo = " ".join(b.strip() for b in brackets) or None
    core = _BRACKET.sub(" ", s)
    core = _TAG.sub(" ", core)
    core = _OPTION.sub(" ", core)
    core = _ORDER.sub(" ", core)
    core = " ".join(core.split())
    if ">" not in core:
        raise ProcessSyntaxError(f"{where}: not a process (no '>')")
    elements = _split_top(core, where)
    main = _arrow_parts(elements[0], where)
    final = list(main[-1])
    decayed: list[str] = []
    for element in elements[1:]:
        for particle, products in _decays(element, where):
            if particle not in final:
                raise ProcessSyntaxError(
                    f"{where}: the decay of '{particle}' names a particle that is not in the "
                    f"final state ({' '.join(final)})"
                )
            final = [p for tok in final for p in (products if tok == particle else [tok])]
            decayed.append(particle)
    key_elements = [" > ".join(" ".join(p) for p in main)]
    for element in elements[1:]:
        key_elements.append(" ".join(_ORDER.sub(" ", element).split()))
    key = re.sub(r"\s*([$/]+\s*\S+)", "", ", ".join(key_elements))
    return ProcessInfo(
        text=s,
        key=" ".join(key.split()),
        initial=tuple(main[0]),
        s_channel=tuple(tok for part in main[1:-1] for tok in part),
        final_state=tuple(final),
        decayed=tuple(decayed),
        nlo=nlo,
        loop_induced=bool(nlo and re.search(r"\bnoborn\s*=", nlo)),
    )


def process_key(process: str) -> str:
    """The process without NLO tags, options, exclusions or coupling orders, for matching LO
    to NLO runs (:attr:`ProcessInfo.key`). A merged sample's processes are each reduced."""
    return MERGED_SEPARATOR.join(
        parse_process(p).key for p in process.split(MERGED_SEPARATOR.strip())
    )


def final_state(process: str) -> list[str] | None:
    """Final-state particle names of a process, or None if it cannot be read.

    Decay chains, s-channel requirements, exclusions and coupling orders are understood (see
    :func:`parse_process`). For a merged sample (``a | b``), the lowest multiplicity.
    """
    try:
        infos = [parse_process(p) for p in process.split(MERGED_SEPARATOR.strip())]
    except ProcessSyntaxError:
        return None
    return list(min(infos, key=lambda i: i.n_final).final_state)


def count_final_state(process: str) -> int | None:
    """Number of final-state particles (a jet, photon, W or Z counts 1), or None if unknown."""
    tokens = final_state(process)
    return None if tokens is None else len(tokens)


def count_qcd_partons(process: str) -> int | None:
    """Number of final-state QCD partons, or None if the final state cannot be read.

    For a tree-level process generated with QCD couplings only, this is the LO power of alpha_s
    (each extra parton adds one power; p p > t t~ is alpha_s^2). It is *wrong* for loop-induced
    processes such as gluon-fusion p p > h (alpha_s^2, no parton): give ``alphas_power``
    explicitly for those.
    """
    tokens = final_state(process)
    if tokens is None:
        return None
    return sum(tok in QCD_PARTONS for tok in tokens)


def classify_process(process: str) -> str:
    """Class of a process by its final state: one of :data:`PROCESS_CLASSES`."""
    tokens = final_state(process)
    if tokens is None:
        return "other"
    known = QCD_PARTONS | EW_PARTICLES | HIGGS
    if any(tok not in known for tok in tokens):
        return "other"
    if any(tok in HIGGS for tok in tokens):
        return "higgs"
    has_qcd = any(tok in QCD_PARTONS for tok in tokens)
    has_ew = any(tok in EW_PARTICLES for tok in tokens)
    if has_qcd and has_ew:
        return "boson+jets"
    return "qcd" if has_qcd else "electroweak"


@dataclass(frozen=True)
class ProcCard:
    """What a MadGraph proc card (``proc_card_mg5.dat`` or a banner's ``<MG5ProcCard>``) says.

    Attributes:
        processes: every ``generate`` / ``add process`` line's process, in order (several make
            a merged sample).
        lines: the line number (1-based, in the text given) of each process.
        defines: ``define`` multiparticles, label -> members (the last definition wins, as in
            MadGraph).
        model: the last ``import model`` argument, or None.
    """

    processes: tuple[str, ...]
    lines: tuple[int, ...]
    defines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    model: str | None = None

    @property
    def process(self) -> str | None:
        """The processes joined with :data:`MERGED_SEPARATOR`, or None when there is none."""
        return MERGED_SEPARATOR.join(self.processes) if self.processes else None

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {
            "processes": list(self.processes), "lines": list(self.lines),
            "defines": {k: list(v) for k, v in self.defines.items()}, "model": self.model,
        }  # fmt: skip


def parse_proc_card(text: str, *, first_line: int = 1) -> ProcCard:
    """Read the commands of a proc card: ``define``, ``generate``, ``add process``,
    ``import model``; ``\\`` continues a line, ``#`` starts a comment.

    A new ``generate`` starts a new process list (MadGraph discards the earlier ones).
    """
    processes: list[str] = []
    lines: list[int] = []
    defines: dict[str, tuple[str, ...]] = {}
    model = None
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=first_line):
        line = raw.split("#", 1)[0].rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        line, pending = (pending + line).strip(), ""
        words = line.split(None, 1)
        if not words:
            continue
        command, rest = words[0].lower(), words[1] if len(words) > 1 else ""
        if command == "generate" and rest:
            processes, lines = [rest.strip()], [start]
        elif command == "add" and rest.lower().startswith("process"):
            processes.append(rest.split(None, 1)[1].strip() if len(rest.split()) > 1 else "")
            lines.append(start)
        elif command == "define" and rest:
            label, _, members = rest.partition("=") if "=" in rest else rest.partition(" ")
            if label.strip():
                defines[label.strip().lower()] = tuple(members.lower().split())
        elif command == "import" and rest.lower().startswith("model"):
            parts = rest.split(None, 1)
            model = parts[1].strip() if len(parts) > 1 else None
    return ProcCard(tuple(p for p in processes if p), tuple(lines), defines, model)

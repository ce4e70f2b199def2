"""MadGraph process strings: normalisation, final-state counting and process classes.

A process is written in MadGraph syntax, e.g. ``p p > wpm j j`` ("wpm" is the sum of W+ and W-,
"a" a photon, "j" a light jet). Paper notation such as ``pp → W± j`` or ``pp → γ j`` is mapped to
that syntax by :func:`normalize_process`.

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
"""

from __future__ import annotations

import re
import unicodedata

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

_PAPER_TOKENS = [
    ("W±", "wpm"), ("W^±", "wpm"), ("W+-", "wpm"), ("W^+", "w+"), ("W^-", "w-"),
    ("W⁺", "w+"), ("W⁻", "w-"), ("γ", "a"), ("t̄", "t~"), ("b̄", "b~"), ("tbar", "t~"),
    ("bbar", "b~"), ("τ", "ta"), ("μ", "mu"), ("ν", "v"),
]  # fmt: skip


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


def final_state(process: str) -> list[str] | None:
    """Final-state particle names of a process, or None if it cannot be read safely.

    Anything after ``[`` (NLO tags), ``@``, ``/``, ``$`` or ``QCD=``-style order constraints is
    dropped. Decay chains (``,`` or parentheses) return None: count those by hand.
    """
    s = normalize_process(process)
    if ">" not in s:
        return None
    rhs = s.split(">", 1)[1]
    rhs = re.split(r"[\[@/$]", rhs, maxsplit=1)[0]
    if "," in rhs or "(" in rhs or ">" in rhs:
        return None
    tokens = [tok for tok in rhs.split() if "=" not in tok]
    return tokens or None


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

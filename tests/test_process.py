"""MadGraph process syntax: final states, keys for LO/NLO matching, proc cards."""

from __future__ import annotations

import pytest

from scaleuq.io.process import (
    ProcessSyntaxError,
    classify_process,
    count_final_state,
    count_qcd_partons,
    normalize_process,
    parse_proc_card,
    parse_process,
    process_key,
)


@pytest.mark.parametrize(
    "process, final",
    [
        ("p p > z j j", ("z", "j", "j")),
        # s-channel requirements: the intermediate is not final
        ("p p > g > j j", ("j", "j")),
        ("p p > zp > h a0", ("h", "a0")),
        ("p p > z > e+ e- j", ("e+", "e-", "j")),
        # decay chains: the products are final, the decayed particle is not
        ("e+ e- > a ap, ap > e+ e-", ("a", "e+", "e-")),
        ("p p > t t~, t > b w+, t~ > b~ w-", ("b", "w+", "b~", "w-")),
        ("p p > t t~, (t > b w+, w+ > l+ vl), t~ > b~ w-", ("b", "l+", "vl", "b~", "w-")),
        # a decay applies to every occurrence of its particle
        ("p p > z z, z > e+ e-", ("e+", "e-", "e+", "e-")),
        # exclusions, coupling orders, tags, options, NLO brackets
        ("p p > w+ b j $$ w+ w- z a QED=3 QCD=0 [QCD]", ("w+", "b", "j")),
        ("p p > z j / h QCD^2<=4 @2", ("z", "j")),
        ("p p > e+ e- $ a QED<=2 --no_warning=duplicate", ("e+", "e-")),
        ("generate g g > z z [noborn=QCD]", ("z", "z")),
        ("add process p p > w+ j [QCD] @1", ("w+", "j")),
        ("pp → W± j", ("wpm", "j")),
    ],
)
def test_final_state(process, final) -> None:
    info = parse_process(process)
    assert info.final_state == final and info.n_final == len(final)
    assert count_final_state(process) == len(final)


def test_parts_and_key() -> None:
    info = parse_process("p p > z > e+ e- QED=2 [virt=QCD] @3")
    assert info.initial == ("p", "p") and info.s_channel == ("z",) and info.nlo == "virt=qcd"
    assert info.key == "p p > z > e+ e-" and not info.loop_induced
    assert parse_process("g g > h h [noborn=QCD]").loop_induced
    chain = parse_process("p p > t t~ QED=0, (t > b w+, w+ > l+ vl) [QCD]")
    assert chain.key == "p p > t t~, (t > b w+, w+ > l+ vl)" and chain.decayed == ("t", "w+")
    assert process_key("p p > t t~ [QCD]") == process_key("p p > t t~")
    assert process_key("p p > e+ ve [QCD] @0 | p p > e+ ve j [QCD] @1") == (
        "p p > e+ ve | p p > e+ ve j"
    )


def test_merged_sample_counts_the_lowest_multiplicity() -> None:
    merged = "p p > e+ ve j j | p p > e+ ve | p p > e+ ve j"
    assert count_final_state(merged) == 2
    assert classify_process(merged) == "electroweak"


@pytest.mark.parametrize(
    "process, message",
    [
        ("p p z", "no '>'"),
        ("p p > t t~, (t > b w+", "unbalanced"),
        ("p p > t t~, w+ > l+ vl", "decay of 'w\\+'"),
        ("p p > t t~, t b > w+", "must start with one particle"),
        ("p p > $ z", "particles on each side"),
    ],
)
def test_syntax_errors(process, message) -> None:
    with pytest.raises(ProcessSyntaxError, match=message):
        parse_process(process)
    assert count_final_state(process) is None


def test_classes_and_qcd_partons() -> None:
    assert classify_process("p p > t t~, t > b w+, t~ > b~ w-") == "boson+jets"
    assert classify_process("p p > z z, z > e+ e-") == "electroweak"
    assert classify_process("p p > g > j j") == "qcd"
    assert classify_process("g g > h") == "higgs"
    assert classify_process("p p > zp > h a0") == "other"
    assert count_qcd_partons("p p > z j j QCD=2") == 2
    assert normalize_process("pp → W± j j") == "p p > wpm j j"


def test_proc_card() -> None:
    text = """import model sm
# a comment
define p = g u c d s u~ c~ d~ s~
define lep e+ e- mu+ mu-
import model /home/user/MG5_aMC/models/RPVMSSM_\\
UFO
generate p p > e+ ve [QCD] @0  # inclusive
add process p p > e+ ve j [QCD] @1
output fxfx
"""
    card = parse_proc_card(text)
    assert card.processes == ("p p > e+ ve [QCD] @0", "p p > e+ ve j [QCD] @1")
    assert card.lines == (7, 8)
    assert card.defines["p"] == ("g", "u", "c", "d", "s", "u~", "c~", "d~", "s~")
    assert card.defines["lep"] == ("e+", "e-", "mu+", "mu-")
    assert card.model == "/home/user/MG5_aMC/models/RPVMSSM_UFO"
    assert card.process == "p p > e+ ve [QCD] @0 | p p > e+ ve j [QCD] @1"
    # a new generate discards the earlier process list, as in MadGraph
    again = parse_proc_card("generate p p > z\nadd process p p > z j\ngenerate p p > w+\n")
    assert again.processes == ("p p > w+",)

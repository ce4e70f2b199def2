"""Property tests of the MadGraph summary reader (``summary.txt`` of fixed-order and event
generation runs, old and new layouts): generated summaries, cut at random offsets and mutated.

"A clean MadGraphError, or the summary of the unmutated file": no changed number, and no
second "Total cross section" line silently winning.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleuq.errors import MadGraphError, ScaleUQError
from scaleuq.io.madgraph import parse_summary

from ._fuzz import examples

PROCESSES = ["p p > t t~ [QCD]", "p p > z [QCD]", "p p > w+ j [QCD]", "p p > z z z [QCD]"]


@st.composite
def summaries(draw: st.DrawFn) -> dict:
    return {
        "layout": draw(st.sampled_from(["new", "old"])),
        "process": draw(st.sampled_from(PROCESSES)),
        "xsec": f"{draw(st.integers(1000, 9999)) / 1000:.3f}e{draw(st.integers(-5, 5)):+03d}",
        "err": f"{draw(st.integers(100, 999)) / 100:.2f}e{draw(st.integers(-8, 0)):+03d}",
        "up": f"{draw(st.integers(0, 500)) / 10}",
        "dn": f"{draw(st.integers(0, 500)) / 10}",
        "pdf": f"{draw(st.integers(0, 99)) / 10}",
    }


def render(s: dict) -> str:
    if s["layout"] == "old":
        return (
            f"\n  Process {s['process']}\n"
            f"  Total cross-section: {s['xsec']} +- {s['err']} pb\n"
            f"  Ren. and fac. scale uncertainty: +{s['up']}% -{s['dn']}%\n"
            f"  PDF uncertainty: +{s['pdf']}% -{s['pdf']}%\n"
        )
    return (
        "  --------------------------------------------------------------\n"
        "  Final results and run summary:\n"
        f"  Process  {s['process']}\n"
        "  Run at p-p collider (6500.0 + 6500.0 GeV)\n"
        f"  Total cross section: {s['xsec']} +- {s['err']} pb\n"
        "  --------------------------------------------------------------\n"
        "  Scale variation (computed from histogram information):\n"
        "      Dynamical_scale_choice -1 (envelope of 9 values):\n"
        f"          {s['xsec']} pb  +{s['up']}% -{s['dn']}%\n"
        "  --------------------------------------------------------------\n"
    )


def key(summary) -> tuple:
    """The numbers a summary hands on (cross section, error, scale and PDF variations)."""
    return (
        summary.process, summary.xsec_pb, summary.xsec_err_pb,
        None if summary.scale is None else (summary.scale.up_pct, summary.scale.dn_pct),
        None if summary.pdf is None else (summary.pdf.up_pct, summary.pdf.dn_pct),
    )  # fmt: skip


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@examples()
@given(s=summaries())
def test_generated_summaries_read_as_written(tmp_path_factory, s) -> None:
    got = parse_summary(write(tmp_path_factory.mktemp("s") / "summary.txt", render(s)))
    assert got.xsec_pb == float(s["xsec"]) and got.xsec_err_pb == float(s["err"])


@examples()
@given(s=summaries(), cut_frac=st.floats(0, 1))
def test_a_cut_summary_is_refused_or_keeps_its_numbers(tmp_path_factory, s, cut_frac) -> None:
    """A cut may drop trailing lines (the scale or PDF line) but never change a number."""
    tmp = tmp_path_factory.mktemp("cut")
    text = render(s)
    full = key(parse_summary(write(tmp / "full.txt", text)))
    cut = int(cut_frac * len(text))
    try:
        got = key(parse_summary(write(tmp / "summary.txt", text[:cut])))
    except MadGraphError as exc:
        assert "\n" not in str(exc)
        return
    if got[1] is None:  # no cross section read: the (possibly cut) process line hands nothing on
        got = (None, *got[1:])
    for a, b in zip(got, full):
        assert a is None or a == b, (text[:cut], got, full)


@examples(0.5)
@given(s=summaries(), t=summaries())
def test_two_total_cross_sections_are_refused(tmp_path_factory, s, t) -> None:
    s["layout"] = t["layout"] = "new"
    line = f"  Total cross section: {t['xsec']} +- {t['err']} pb\n"
    text = render(s).replace("  ----", line + "  ----", 2).replace(line, "", 1)
    assert text.count("Total cross section") == 2
    with pytest.raises(MadGraphError):
        parse_summary(write(tmp_path_factory.mktemp("two") / "summary.txt", text))


GARBAGE = st.sampled_from(
    [b"", b":", b"+-", b"%", b"-", b"+", b"pb", b"fb", b"nan", b"inf", b"1e999", b"D+02", b"\n",
     b" ", b"\x00", b"\xff", b"Total cross section: ", b"Process ", b"[QCD]", b"9" * 40]
)  # fmt: skip


@examples(2)
@given(s=summaries(), data=st.data())
def test_random_mutations_never_crash(tmp_path_factory, s, data) -> None:
    text = render(s).encode()
    for _ in range(data.draw(st.integers(1, 3), label="n")):
        at = data.draw(st.integers(0, len(text)), label="at")
        piece = data.draw(GARBAGE, label="piece")
        span = data.draw(st.integers(0, 15), label="span")
        text = text[:at] + piece + text[at + span :]
    path = tmp_path_factory.mktemp("mut") / "summary.txt"
    path.write_bytes(text)
    try:
        got = parse_summary(path)
    except ScaleUQError as exc:
        assert "\n" not in str(exc)
        return
    for value in (got.xsec_pb, got.xsec_err_pb):
        assert value is None or math.isfinite(value)


def test_a_cross_section_line_cut_mid_number_is_refused(tmp_path) -> None:
    s = {"layout": "new", "process": "p p > t t~ [QCD]", "xsec": "1.000e+00", "err": "1.00e-01",
         "up": "0.0", "dn": "0.0", "pdf": "0.0"}  # fmt: skip
    text = render(s)
    cut = text.index("+- 1.0") + len("+- 1.0")  # '1.00e-01' cut to '1.0'
    with pytest.raises(MadGraphError):
        parse_summary(write(tmp_path / "summary.txt", text[:cut]))


# --- issue 19 item 10: the systematics summary's cross section is one number or an error -----

PIECES = st.sampled_from(
    ["2", "0", "45", ".", ",", " ", "e", "E", "d", "+", "-", "07", "pb", "fb", "nb", "gb", "x"]
)


@examples(2)
@given(pieces=st.lists(PIECES, min_size=1, max_size=8))
def test_original_cross_section_is_one_number_in_pb_or_an_error(tmp_path_factory, pieces) -> None:
    """Never a prefix of the text (``2,045e+04`` read as 2, ``20 450`` as 20), never a unit
    dropped (``2.045e+07 fb`` read as pb): the value, converted, or an error naming the line."""
    import re

    from scaleuq.io.madgraph import parse_systematics_log
    from scaleuq.util.numbers import NUMBER, parse_number
    from scaleuq.util.units import XSEC_UNITS_TO_PB

    value = "".join(pieces)
    path = write(
        tmp_path_factory.mktemp("syst") / "syst.log",
        f"# original cross-section: {value}\n#     scale variation: +1% -2%\n",
    )
    m = re.fullmatch(rf"\s*({NUMBER})\s*([a-z]*)\s*", value)
    try:
        expected = parse_number(m.group(1)) * XSEC_UNITS_TO_PB[m.group(2) or "pb"] if m else None
    except (ValueError, KeyError):
        expected = None
    try:
        got = parse_systematics_log(path).xsec_pb
    except MadGraphError as exc:
        assert str(exc).startswith(f"{path}:1: ") and "\n" not in str(exc)
        assert expected is None, (value, str(exc))
        return
    assert expected is not None and got == expected, (value, got)

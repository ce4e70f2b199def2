"""Property tests of the HwU reader: generated files of 1-3 histograms with the 9 named scale
columns, cut at random offsets and mutated at random.

"A clean HwUError, or histograms equal to those of the unmutated file": a cut may only drop
whole trailing histograms (the format has no end-of-file marker), never change a bin.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleuq.errors import ScaleUQError
from scaleuq.io.hwu import HwUError, read_hwu

from ._fuzz import examples

POINTS = [(1.0, 1.0), (2.0, 1.0), (0.5, 1.0), (1.0, 2.0), (2.0, 2.0), (0.5, 2.0), (1.0, 0.5),
          (2.0, 0.5), (0.5, 0.5)]  # fmt: skip
HEAD = "##& xmin & xmax & central value & dy & " + " & ".join(
    f"dyn= -1 muR={r:6.3f} muF={f:6.3f}" for r, f in POINTS
)
NAMES = ["pt(Z)", "y(Z)", "m(ll)", "HT", "N jets"]


@st.composite
def histograms(draw: st.DrawFn) -> list[tuple[str, list[list[float]]]]:
    """1-3 histograms, each 1-4 bins of (central, 9 scale factors)."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    value = st.integers(1, 99999).map(lambda v: v / 100)
    factor = st.integers(50, 150).map(lambda v: v / 100)
    return [
        (name, draw(st.lists(st.tuples(value, st.lists(factor, min_size=9, max_size=9)), min_size=1, max_size=4)))
        for name in names
    ]  # fmt: skip


def render(hists) -> str:
    parts = [HEAD, ""]
    for name, bins in hists:
        rows = []
        for i, (c, factors) in enumerate(bins):
            vals = [i * 10.0, (i + 1) * 10.0, c, 0.01 * c] + [c * f for f in factors]
            rows.append(" ".join(f"{v:+.7e}" for v in vals))
        parts.append(f'<histogram> {len(bins)} "{name} |X_AXIS@LIN |Y_AXIS@LOG |TYPE@LO|#1"')
        parts.extend(rows)
        parts.append("<\\histogram>")
        parts.append("")
    return "\n".join(parts) + "\n"


def same(a, b) -> None:
    assert a.name == b.name and a.type == b.type
    np.testing.assert_array_equal(a.edges, b.edges)
    np.testing.assert_array_equal(a.central, b.central)
    np.testing.assert_array_equal(a.stat, b.stat)
    assert a.scales.keys() == b.scales.keys()
    for key in a.scales:
        np.testing.assert_array_equal(a.scales[key], b.scales[key])


@examples()
@given(hists=histograms(), cut_frac=st.floats(0, 1))
def test_a_cut_file_is_refused_or_whole_histograms(tmp_path_factory, hists, cut_frac) -> None:
    tmp = tmp_path_factory.mktemp("hwu")
    text = render(hists)
    full = read_hwu(write(tmp / "full.HwU", text))
    cut = int(cut_frac * len(text))
    try:
        got = read_hwu(write(tmp / "cut.HwU", text[:cut]))
    except HwUError as exc:
        assert "\n" not in str(exc)
        return
    assert len(got) == text[:cut].count("<\\histogram>")
    for a, b in zip(got, full):
        same(a, b)


@examples(0.5)
@given(hists=histograms())
def test_a_repeated_histogram_name_is_refused(tmp_path_factory, hists) -> None:
    tmp = tmp_path_factory.mktemp("rep")
    name, bins = hists[0]
    other = [(name, [(c * 2, f) for c, f in bins])]
    with pytest.raises(HwUError):
        read_hwu(write(tmp / "rep.HwU", render([*hists, *other])))


@examples(0.5)
@given(hists=histograms(), which=st.integers(0, 2))
def test_a_histogram_without_bins_is_refused(tmp_path_factory, hists, which) -> None:
    tmp = tmp_path_factory.mktemp("zero")
    i = which % len(hists)
    hists[i] = (hists[i][0], [])
    with pytest.raises(HwUError):
        read_hwu(write(tmp / "zero.HwU", render(hists)))


GARBAGE = st.sampled_from(
    [b"", b"<histogram>", b"<\\histogram>", b'"', b"|", b"#", b"&", b"nan", b"inf", b"-", b"e",
     b"D+01", b"\x00", b"\n", b" ", b"9" * 30, b"##&", b"muR=", b"dyn=", b"1e999",
     "\ufeff".encode(), b"\xff"]
)  # fmt: skip


@examples(2)
@given(hists=histograms(), data=st.data())
def test_random_mutations_never_crash(tmp_path_factory, hists, data) -> None:
    tmp = tmp_path_factory.mktemp("mut")
    text = render(hists).encode()
    for _ in range(data.draw(st.integers(1, 3), label="n")):
        at = data.draw(st.integers(0, len(text)), label="at")
        piece = data.draw(GARBAGE, label="piece")
        span = data.draw(st.integers(0, 20), label="span")
        text = text[:at] + piece + text[at + span :]
    path = tmp / "mut.HwU"
    path.write_bytes(text)
    try:
        got = read_hwu(path)
    except ScaleUQError as exc:
        assert "\n" not in str(exc)
        return
    assert got and all(len(h.edges) == len(h.central) + 1 for h in got)


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_scale_in_the_header_is_a_hwu_error(tmp_path) -> None:
    text = render([("pt(Z)", [(0.01, [0.5] * 9)])]).encode()
    path = tmp_path / "g.HwU"
    path.write_bytes(text[:96] + b"D+01" + text[96:])  # 'muF= 1D+01.000'
    with pytest.raises(HwUError):
        read_hwu(path)

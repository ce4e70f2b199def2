"""Property tests of the paper-notation reader: generated rows of arXiv:1405.0301's tables
("1.375 ± 0.002 · 10^5  +15.4% −16.6%"), written in every accepted style, must read to the same
record; a mangled number must be refused; any text gives a record or a NotationError/TableError.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from scaleuq.errors import NotationError, ScaleUQError, TableError
from scaleuq.io.notation import parse_paper_row, read_paper_notation

from ._fuzz import examples

PROCESSES = ["pp → W±", "pp → Z j", "pp → γ j j", "pp → t t̄", "p p > z z z", "pp → W± j j j",
             "pp → H", "pp → W+ W- W±"]  # fmt: skip
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@st.composite
def blocks(draw: st.DrawFn) -> dict:
    """One order's numbers: mantissa, error, power of ten, scale (and PDF) pairs in percent."""
    return {
        "val": draw(st.integers(1000, 9999)),  # 1.375 is written from 1375
        "err": draw(st.integers(1, 999)),
        "exp": draw(st.integers(-3, 9)),
        "pairs": draw(st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)), min_size=1, max_size=2)),
    }  # fmt: skip


@st.composite
def rows(draw: st.DrawFn) -> dict:
    return {
        "id": draw(st.sampled_from([None, "a.1", "b.12", "3"])),
        "process": draw(st.sampled_from(PROCESSES)),
        "orders": draw(st.lists(blocks(), min_size=1, max_size=2)),
    }


@st.composite
def styles(draw: st.DrawFn) -> dict:
    return {
        "pm": draw(st.sampled_from(["±", "+-", "+/-", "\\pm"])),
        "times": draw(st.sampled_from(["·", "×", "x", "*", "\\cdot", "⋅", "\\times"])),
        "power": draw(st.sampled_from(["^{}", "^", "sup"])),
        "minus": draw(st.sampled_from(["-", "−", "–"])),
        "space": draw(st.sampled_from([" ", "  ", "\t"])),
        "paren": draw(st.booleans()),
        "latex": draw(st.booleans()),
    }


def render(row: dict, style: dict | None = None) -> str:
    s = style or {"pm": "±", "times": "·", "power": "^", "minus": "-", "space": " ",
                  "paren": False, "latex": False}  # fmt: skip
    sp = s["space"]
    parts = [row["id"]] if row["id"] else []
    parts.append(row["process"])
    for b in row["orders"]:
        val, err = f"{b['val'] / 1000:.3f}", f"{b['err'] / 1000:.3f}"
        core = f"{val} {s['pm']} {err}"
        if s["paren"]:
            core = f"({core})"
        exp = b["exp"]
        if s["power"] == "sup":
            power = "10" + str(exp).translate(SUPERSCRIPT)
        elif s["power"] == "^{}":
            power = f"10^{{{exp}}}".replace("-", s["minus"])
        else:
            power = f"10^{exp}".replace("-", s["minus"])
        text = f"{core} {s['times']} {power}"
        if s["latex"]:
            text = f"${text}$"
        parts.append(text)
        for up, dn in b["pairs"]:
            parts.append(f"+{up / 10}%{sp}{s['minus']}{dn / 10}%")
    return sp.join(parts)


def expected(row: dict) -> dict:
    out: dict = {}
    for order, b in zip(("lo", "nlo"), row["orders"]):
        out[f"{order}_xsec_pb"] = float(f"{b['val'] / 1000:.3f}e{b['exp']}")
        out[f"{order}_mc_err_pb"] = float(f"{b['err'] / 1000:.3f}e{b['exp']}")
        for kind, (up, dn) in zip(("scale", "pdf"), b["pairs"]):
            out[f"{order}_{kind}_up_pct"] = up / 10
            out[f"{order}_{kind}_dn_pct"] = -(dn / 10)
    return out


@examples(2)
@given(row=rows(), style=styles())
def test_every_style_reads_to_the_same_numbers(row, style) -> None:
    record = parse_paper_row(render(row, style))
    assert record["id"] == row["id"]
    for key, value in expected(row).items():
        assert record[key] == value, key
    assert record == parse_paper_row(render(row))


BAD_TOKENS = ["1.2.3", "1e", "abc", "1,5", "--1", "+", "±", "1e99999", "10^", "%", ".", "1 1"]


@examples(2)
@given(row=rows(), data=st.data())
def test_a_mangled_number_is_refused(row, data) -> None:
    text = render(row)
    numbers = [
        t for t in text.split() if any(c.isdigit() for c in t) and t not in (row["id"] or "")
    ]
    victim = data.draw(st.sampled_from(numbers), label="token")
    bad = data.draw(st.sampled_from(BAD_TOKENS), label="bad")
    mangled = text.replace(victim, victim + bad, 1)
    try:
        record = parse_paper_row(mangled)
    except NotationError:
        return
    # the only acceptable reading of a mangled row is the original one (e.g. a '%' doubled
    # into a place the grammar skips is impossible: it must not change any number)
    assert record == parse_paper_row(text), mangled


ALPHABET = st.sampled_from(
    [*"0123456789.+-−±·×^{}()%$&\\ eExpbfmnu→>W±γjZ|,;#\ufeff\u200b", "t̄", "10^", "n_final=", " · 10^", "+1% -1%"]
)  # fmt: skip


@examples(3)
@given(text=st.lists(ALPHABET, max_size=60).map("".join))
def test_any_text_is_a_record_or_a_clean_error(text) -> None:
    try:
        record = parse_paper_row(text, where="f.txt:1")
    except ScaleUQError as exc:
        assert str(exc).startswith("f.txt:1") and "\n" not in str(exc)
        return
    for key, value in record.items():
        if key.endswith(("_pb", "_pct")):
            assert isinstance(value, float) and math.isfinite(value), key


@examples()
@given(lines=st.lists(rows(), min_size=1, max_size=4), data=st.data())
def test_truncated_file_is_refused_or_a_prefix(tmp_path_factory, lines, data) -> None:
    """A file cut anywhere: rows before the cut read as before; the cut row is refused, or (when
    the cut falls just after a complete uncertainty pair) reads without its trailing optional
    parts (PDF pair, NLO block) but with no number changed."""
    path = tmp_path_factory.mktemp("pn") / "rows.txt"
    text = "".join(render(r) + "\n" for r in lines)
    path.write_text(text, encoding="utf-8")
    full = [rec for _, rec in read_paper_notation(path)]
    cut = data.draw(st.integers(0, len(text)), label="cut")
    path.write_text(text[:cut], encoding="utf-8")
    try:
        got = [rec for _, rec in read_paper_notation(path)]
    except TableError:
        return
    complete = text[:cut].count("\n")
    assert got[:complete] == full[:complete]
    assert len(got) <= complete + 1
    if len(got) == complete + 1:
        changed = {k: v for k, v in got[-1].items() if full[complete].get(k) != v}
        assert not changed, f"the cut row {text[:cut]!r} changed {changed}"

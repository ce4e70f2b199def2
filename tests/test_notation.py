"""Paper-notation reader, checked on rows of data/madgraph2014_13tev_vjets.csv written out in
the notation of arXiv:1405.0301 ("1.375 ± 0.002 · 10^5  +15.4% -16.6%")."""

from __future__ import annotations

import csv
import math

import pytest

from scaleuq.errors import NotationError, UnitError
from scaleuq.io.notation import parse_paper_row
from scaleuq.io.tables import read_table

from .conftest import DATA, write

PAPER_NAMES = {"wpm": "W±", "a": "γ", "z": "Z"}


def _mantissa(value: float, err: float) -> tuple[str, str, int]:
    exp = math.floor(math.log10(value))
    return f"{value / 10**exp:.3f}", f"{err / 10**exp:.3f}", exp


def _paper_line(row: dict[str, str], style: int) -> str:
    """Write a CSV row the way the paper (or a LaTeX copy of it) prints it."""
    proc = "pp → " + " ".join(PAPER_NAMES.get(t, t) for t in row["process"].split()[3:])
    parts = [row["id"], proc]
    for order in ("lo", "nlo"):
        v, e, k = _mantissa(float(row[f"{order}_xsec_pb"]), float(row[f"{order}_mc_err_pb"]))
        power = [f"· 10^{k}", f"x 10^{{{k}}}", f"× 10{'⁰¹²³⁴⁵⁶⁷⁸⁹'[k]}"][style]
        parts.append(f"{v} ± {e} {power}")
        for kind in ("scale", "pdf"):
            up, dn = row[f"{order}_{kind}_up_pct"], row[f"{order}_{kind}_dn_pct"].lstrip("-")
            minus = "−" if style != 1 else "-"
            parts.append(f"+{up}% {minus}{dn}%")
    return "  ".join(parts)


@pytest.mark.parametrize("style", [0, 1, 2])
def test_roundtrip_of_published_rows(tmp_path, style: int) -> None:
    with open(DATA / "madgraph2014_13tev_vjets.csv") as handle:
        rows = list(csv.DictReader(handle))
    text = "# rows a.1-a.10 of arXiv:1405.0301 in paper notation\n"
    text += "\n".join(_paper_line(r, style) for r in rows) + "\n"
    table = read_table(write(tmp_path / "paper.txt", text))
    reference = read_table(DATA / "madgraph2014_13tev_vjets.csv")
    assert list(table["process"]) == list(reference["process"])
    assert list(table["id"]) == list(reference["id"])
    assert list(table["n_final"]) == list(reference["n_final"])
    numeric = [c for c in reference.columns if c.endswith(("_pb", "_rel"))]
    for col in numeric:
        a, b = table[col].to_numpy(), reference[col].to_numpy()
        assert a == pytest.approx(b, rel=1e-9, nan_ok=True), col


def test_lo_only_row_and_units() -> None:
    rec = parse_paper_row("pp → t t̄  (1.2 ± 0.1)·10^{3} fb  +5% −4%")
    assert rec["process"] == "p p > t t~"
    assert rec["lo_xsec_pb"] == pytest.approx(1.2)
    assert rec["lo_mc_err_pb"] == pytest.approx(0.1)
    assert "nlo_xsec_pb" not in rec


def test_explicit_n_final_for_decay_chain() -> None:
    rec = parse_paper_row("p p > t t~, t > b w+  1.0 ± 0.1 +5% -4%  n_final=4")
    assert rec["n_final"] == 4


@pytest.mark.parametrize(
    "line, message",
    [
        ("pp → W± +15.4% −16.6%", "no cross section"),
        ("1.375 ± 0.002 · 10^5 +15.4% −16.6%", "no process name"),
        ("pp → W± 1.375 ± 0.002 · 10^5", "no scale uncertainty"),
        ("pp → W± 1.375 ± 0.002 · 10^5 +15.4% junk", "cannot read"),
        (
            "p p > t t~, w+ > l+ vl 1.0 ± 0.1 +5% -4%",
            "n_final=N",
        ),  # a decay of a particle not produced
    ],
)
def test_bad_rows(line: str, message: str) -> None:
    with pytest.raises(NotationError, match=message) as info:
        parse_paper_row(line, where="rows.txt:7")
    assert "rows.txt:7" in str(info.value)


def test_unknown_unit_directive(tmp_path) -> None:
    path = write(tmp_path / "t.txt", "# unit: furlongs\npp → Z 1.0 ± 0.1 +5% -4%\n")
    with pytest.raises(UnitError, match=r"t.txt:1.*furlongs"):
        read_table(path)


def test_readme_example_file_matches_bundled_rows() -> None:
    example = read_table(DATA.parent / "examples" / "paper_rows.txt").set_index("id")
    published = read_table(DATA / "madgraph2014_13tev_vjets.csv").set_index("id")
    assert list(example.index) == ["a.5", "a.6", "a.7", "a.8"]
    for col in (
        "lo_xsec_pb",
        "nlo_xsec_pb",
        "lo_scale_up_rel",
        "lo_scale_dn_rel",
        "nlo_pdf_dn_rel",
    ):
        assert example[col].tolist() == pytest.approx(published.loc[example.index, col].tolist())


# --- issue 10: bad input never passes silently ------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "pp → Z  -4.248 ± 0.1  +10% -10%",
        "pp → Z  −4.248 ± 0.1  +10% −10%",
        "pp → Z (-4.248 ± 0.1)·10^3 +10% -10%",
    ],
)
def test_minus_sign_belongs_to_the_number(line: str) -> None:
    # the minus used to join the process name ('p p > z -') and the value read as +4.248
    rec = parse_paper_row(line)
    assert rec["process"] == "p p > z"
    assert rec["lo_xsec_pb"] < 0


def test_minus_of_a_particle_stays_in_the_process() -> None:
    rec = parse_paper_row("p p > e+ e-  1.0 ± 0.1  +10% -10%")
    assert rec["process"] == "p p > e+ e-" and rec["lo_xsec_pb"] == 1.0


def test_byte_order_mark_inside_a_row_is_dropped() -> None:
    assert parse_paper_row("\ufeffpp → Z 1.0 ± 0.1 +10% -10%")["process"] == "p p > z"


@pytest.mark.parametrize(
    "line, message",
    [
        ("pp → Z 1.0 ± 0.1 · 10^400 +10% -10%", r"rows.txt:7: .*out of range"),
        ("pp → Z 1.0 ± 0.1 · 10^-400 +10% -10%", r"rows.txt:7: the LO value .* out of the range"),
        ("pp → Z 1.0 ± 0.1 · 10^" + "9" * 5000 + " +10% -10%", r"rows.txt:7: the LO power of ten"),
        (
            "pp → Z 1.0 ± 0.1 +10% -10% n_final=" + "9" * 5000,
            r"rows.txt:7: n_final=9+\.\.\. is not",
        ),
        ("pp → Z " + "1" * 500 + " ± 0.1 +10% -10%", r"rows.txt:7: number too long"),
        ("pp → Z " + "1" * 20_000, r"rows.txt:7: the row is 20007 characters long"),
    ],
    ids=[
        "exp400",
        "exp-400",
        "exp-5000-digits",
        "n_final-5000-digits",
        "mantissa-500",
        "row-20000",
    ],
)
def test_out_of_range_rows(line: str, message: str) -> None:
    # these used to raise OverflowError / ValueError ("internal error")
    with pytest.raises(NotationError, match=message):
        parse_paper_row(line, where="rows.txt:7")


def test_long_digit_runs_do_not_backtrack() -> None:
    # a row of 9000 digits took 6.6 s with the old number pattern (quadratic backtracking)
    import time

    start = time.perf_counter()
    with pytest.raises(NotationError):
        parse_paper_row("pp → Z " + "1" * 9000 + " x")
    assert time.perf_counter() - start < 0.5


def test_read_paper_notation_missing_file_is_a_table_error(tmp_path) -> None:
    from scaleuq.errors import TableError
    from scaleuq.io.notation import read_paper_notation

    with pytest.raises(TableError, match="cannot read"):
        read_paper_notation(tmp_path / "none.txt")

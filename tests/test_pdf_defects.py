"""PDF defects found by fuzzing (issue 19 item 10), one test each: alpha_s options against an
``.info``, analytic alpha_s below Lambda, ``AlphaS_Qs`` tables, non-finite grid knots, the grid
cache, ``.info`` fields of the wrong type, and a set searched on an empty path."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from scaleuq.errors import PDFError
from scaleuq.pdf import AlphaS, load_pdf, read_info, read_member, sets
from scaleuq.pdf import cache as grid_cache
from tests._pdfgrid import ALPHAS_INFO, bilinear, write_grid, write_set


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path_factory.mktemp("grid-cache")
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(d))
    return d / "pdf-grids"


def one_member_set(folder: Path, info: str, name: str = "s") -> Path:
    write_set(folder, name, 1, lambda k: bilinear, info)
    return folder


# -- --alphas-mz / --alphas-order against a set's .info ------------------------------------------
NLO_INFO = (
    "AlphaS_Type: ode\nAlphaS_MZ: 0.118\nAlphaS_OrderQCD: 1\nMZ: 91.2\n"
    "MCharm: 1.51\nMBottom: 4.92\nMTop: 172.5\nAlphaS_NumFlavors: 5\n"
)


def test_alphas_mz_changes_only_alphas_mz_of_an_info_set(tmp_path: Path) -> None:
    d = one_member_set(tmp_path, NLO_INFO)
    own = load_pdf("s", pdf_path=d).alphas
    got = load_pdf("s", pdf_path=d, alphas_mz=0.125).alphas
    assert (got.kind, got.order, got.mz, got.masses, got.nf_max) == (
        own.kind, own.order, own.mz, own.masses, own.nf_max,
    )  # fmt: skip
    assert got.alphas_mz == 0.125 and got(np.array([91.2]))[0] == pytest.approx(0.125, rel=1e-10)
    assert load_pdf("s", pdf_path=d, alphas_mz=0.125, alphas_order=1).alphas.order == 1
    with pytest.raises(PDFError, match=r"s\.info: the set's alpha_s runs at AlphaS_OrderQCD = 1"):
        load_pdf("s", pdf_path=d, alphas_order=0)


def test_alphas_mz_is_refused_for_an_ipol_table(tmp_path: Path) -> None:
    qs = np.geomspace(1.0, 1000.0, 30)
    vals = AlphaS("ode", order=0)(qs)
    info = (
        "AlphaS_Type: ipol\nAlphaS_OrderQCD: 1\n"
        f"AlphaS_Qs: [{', '.join(map(str, qs))}]\nAlphaS_Vals: [{', '.join(map(str, vals))}]\n"
    )
    d = one_member_set(tmp_path, info)
    assert load_pdf("s", pdf_path=d).alphas.kind == "ipol"
    with pytest.raises(PDFError, match=r"s\.info: the set's alpha_s is an AlphaS_Type ipol table"):
        load_pdf("s", pdf_path=d, alphas_mz=0.12)


def test_an_info_without_alphas_keeps_its_order_and_masses(tmp_path: Path) -> None:
    d = one_member_set(tmp_path, "OrderQCD: 2\nMZ: 91.0\nMCharm: 1.4\nMBottom: 4.5\nMTop: 173.0\n")
    a = load_pdf("s", pdf_path=d, alphas_mz=0.12).alphas
    assert (a.order, a.mz, a.masses, a.alphas_mz) == (2, 91.0, {4: 1.4, 5: 4.5, 6: 173.0}, 0.12)


# -- analytic alpha_s below Lambda, ipol tables ---------------------------------------------------
def test_analytic_alphas_at_or_below_lambda_is_an_error(tmp_path: Path) -> None:
    mev = AlphaS("analytic", order=1, lambdas={5: 226.0}, masses={4: 1.3, 5: 4.75, 6: 1e9})
    with pytest.raises(PDFError, match=r"at or below Lambda_QCD = 226 GeV.*typed in MeV"):
        mev(np.array([100.0]))
    d = one_member_set(
        tmp_path,
        "AlphaS_Type: analytic\nAlphaS_OrderQCD: 1\nAlphaS_Lambda5: 226\nAlphaS_NumFlavors: 5\n",
    )
    pdf = load_pdf("s", pdf_path=d)
    with pytest.raises(PDFError, match=r"s\.info: analytic alpha_s at Q = 50 GeV"):
        pdf.alphas_q(np.array([500.0, 50.0]))
    assert pdf.alphas_q(np.array([500.0]))[0] > 0
    with pytest.raises(PDFError, match=r"at Q = 1 GeV is at or below Lambda_QCD = 1 GeV for 3"):
        AlphaS("analytic", order=0, lambdas={3: 1.0})(np.array([1.0]))
    with pytest.raises(PDFError, match="AlphaS_Lambda5: expected a positive number"):
        AlphaS("analytic", order=0, lambdas={5: -0.2})


@pytest.mark.parametrize(
    ("qs", "match"),
    [
        ("[1, 10, 5, 100]", r"must increase, but entry 3 \(5\) is below entry 2 \(10\)"),
        ("[100, 10, 1, 0.5]", "must increase"),
        ("[1, 1, 10, 100]", "may repeat only once"),
        ("[1, 10, 10, 10, 100]", "may repeat only once"),
        ("[1, 10, 0, 100]", "positive"),
    ],
)
def test_an_alphas_table_that_does_not_increase_is_an_error(
    tmp_path: Path, qs: str, match: str
) -> None:
    n = qs.count(",") + 1
    info = f"AlphaS_Type: ipol\nAlphaS_Qs: {qs}\nAlphaS_Vals: [{', '.join(['0.2'] * n)}]\n"
    d = one_member_set(tmp_path, info)
    with pytest.raises(PDFError, match=r"s\.info: field AlphaS_Qs: .*" + match):
        load_pdf("s", pdf_path=d)


# -- grids with non-finite knots or values ----------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "token", "where"),
    [
        (4, -1, "x knots in subgrid 1 must be finite"),  # the last x knot
        (5, -1, "Q knots in subgrid 1 must be finite"),  # the last Q knot
        (7, 0, "subgrid 1 has a value that is not a finite number"),
    ],
)
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_a_non_finite_knot_or_value_is_refused_with_file_and_line(
    tmp_path: Path, line: int, token: int, where: str, bad: str
) -> None:
    path = write_grid(tmp_path / "g_0000.dat")
    lines = path.read_text().splitlines()
    words = lines[line - 1].split()
    words[token] = bad
    lines[line - 1] = " ".join(words)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PDFError, match=rf"g_0000\.dat:{line}: {where}"):
        read_member(path)
    with pytest.raises(PDFError, match=rf"g_0000\.dat:{line}:"):
        load_pdf(path)


def test_line_numbers_count_comments_and_blank_lines(tmp_path: Path) -> None:
    path = write_grid(tmp_path / "g_0000.dat")
    lines = path.read_text().splitlines()
    lines[10] = "nan " + " ".join(lines[10].split()[1:])  # file line 11
    lines.insert(2, "# a comment")
    lines.insert(8, "")  # a blank line among the values
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PDFError, match=r"g_0000\.dat:13: subgrid 1 has a value"):
        read_member(path)


# -- the grid cache validates and heals ------------------------------------------------------------
@pytest.fixture
def cached_set(tmp_path: Path, _cache_dir: Path) -> tuple[Path, np.ndarray, Path]:
    """A 6-member set whose files are old enough to be cached, its parsed values, and the
    path of its (written) cache entry."""
    d = write_set(
        tmp_path,
        "cs",
        6,
        lambda k: lambda p, lx, lq: bilinear(p, lx, lq) * (1 + 0.5 * k),
        "NumMembers: 6\n" + ALPHAS_INFO,
    )
    old = time.time() - 60
    for f in d.iterdir():
        os.utime(f, (old, old))
    values = np.array(load_pdf("cs", members="all", pdf_path=tmp_path)._values)
    (entry,) = list(_cache_dir.iterdir())
    return tmp_path, values, entry


def _load_counting(pdf_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, int]:
    parsed = []
    real = grid_cache.read_member
    monkeypatch.setattr(grid_cache, "read_member", lambda p: parsed.append(p) or real(p))
    pdf = load_pdf("cs", members="all", pdf_path=pdf_path)
    monkeypatch.setattr(grid_cache, "read_member", real)
    return np.array(pdf._values), len(parsed)


def test_a_damaged_cache_entry_is_rebuilt_not_read(
    cached_set: tuple[Path, np.ndarray, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_path, values, entry = cached_set
    got, n_parsed = _load_counting(pdf_path, monkeypatch)
    assert n_parsed == 0 and np.array_equal(got, values)  # a good entry is used
    good = entry.read_bytes()
    # values scaled by 3 inside the entry, everything else (meta, shapes) intact
    with np.load(entry) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["values_t"] = arrays["values_t"] * 3.0
    with open(entry, "wb") as f:
        np.savez(f, **arrays)
    for damage in (
        lambda: None,  # the tripled values written above
        lambda: entry.write_bytes(good[: len(good) // 2]),  # truncated
        lambda: entry.write_bytes(good[:300] + bytes(b ^ 0xFF for b in good[300:340]) + good[340:]),
        lambda: entry.write_bytes(b"not a zip file at all"),
    ):
        damage()
        got, n_parsed = _load_counting(pdf_path, monkeypatch)
        assert n_parsed == 6 and np.array_equal(got, values)
        assert entry.read_bytes() == good  # healed: the same entry written again
        got, n_parsed = _load_counting(pdf_path, monkeypatch)  # and used by the next run
        assert n_parsed == 0 and np.array_equal(got, values)
        with np.load(entry) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["values_t"] = arrays["values_t"] * 3.0
        with open(entry, "wb") as f:
            np.savez(f, **arrays)


def test_a_wrong_shape_entry_from_other_files_is_rebuilt(
    cached_set: tuple[Path, np.ndarray, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pdf_path, values, entry = cached_set
    other = tmp_path / "other"
    d = write_set(other, "cs", 5, lambda k: bilinear, "NumMembers: 5\n" + ALPHAS_INFO)
    old = time.time() - 60
    for f in d.iterdir():
        os.utime(f, (old, old))
    load_pdf("cs", members="all", pdf_path=other)
    (other_entry,) = [p for p in entry.parent.iterdir() if p != entry]
    shutil.copyfile(other_entry, entry)  # a valid entry of 5 members under this key
    got, n_parsed = _load_counting(pdf_path, monkeypatch)
    assert n_parsed == 6 and got.shape == values.shape and np.array_equal(got, values)


def test_a_cache_entry_that_is_a_folder_breaks_nothing(
    cached_set: tuple[Path, np.ndarray, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_path, values, entry = cached_set
    entry.unlink()
    entry.mkdir()
    for _ in range(2):
        got, n_parsed = _load_counting(pdf_path, monkeypatch)
        assert n_parsed == 6 and np.array_equal(got, values)


# -- .info fields of the wrong type --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("AlphaS_MZ: abc\n", "field AlphaS_MZ: expected a number, got 'abc'"),
        ("AlphaS_MZ: 1.5\n", r"field AlphaS_MZ: expected a number in \(0, 1\), got 1.5"),
        ("OrderQCD: NLO\n", "field OrderQCD: expected an integer .*got 'NLO'"),
        ("AlphaS_OrderQCD: 1.5\n", "field AlphaS_OrderQCD: expected an integer"),
        ("MZ: 0\n", r"field MZ: expected a number in \(0, inf\], got 0"),
        ("MZ: .nan\n", "field MZ: expected a number, got nan"),
        ("MCharm: true\n", "field MCharm: expected a number, got True"),
        (
            "AlphaS_Type: ipol\nAlphaS_Qs: 5\nAlphaS_Vals: [0.1]\n",
            "field AlphaS_Qs: expected a list",
        ),
        ("AlphaS_Qs: [1, [2]]\n", "field AlphaS_Qs: expected a list of numbers"),
        ("AlphaS_Qs: [1, 2]\nAlphaS_Vals: [0.1]\n", "AlphaS_Qs and AlphaS_Vals: 2 scales but 1"),
        ("Flavors: [21, gluon]\n", "field Flavors: expected a list of integers"),
        ("SetIndex: {a: 1}\n", "field SetIndex: expected an integer"),
        ("ErrorType: [replicas]\n", "field ErrorType: expected a word"),
        ("AlphaS_Type: spline\n", "field AlphaS_Type: expected one of ipol, ode, analytic"),
        ("Extrapolator: linear\n", "field Extrapolator: expected one of continuation"),
        ("ForcePositive: 3\n", r"field ForcePositive: expected an integer in \[0, 2\]"),
        ("XMin: 0.1\nXMax: 0.01\n", "XMin = 0.1 is not below XMax"),
        ("Deep: " + "[" * 40 + "]" * 40 + "\n", "nested more than 16 levels deep"),
        ("Deep: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 16 levels deep"),
        ("Deep:\n" + "".join(" " * k + f"k{k}:\n" for k in range(1, 1500)), "nested too deeply"),
        ("just a line\n", "not an LHAPDF .info file"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_info_fields_of_the_wrong_type_are_one_line_errors(
    tmp_path: Path, text: str, match: str
) -> None:
    path = tmp_path / "s.info"
    path.write_text(text)
    with pytest.raises(PDFError, match=match) as err:
        read_info(path)
    message = str(err.value)
    assert message.startswith(f"{path}:") and "\n" not in message
    d = tmp_path / "sets"
    one_member_set(d, text)
    with pytest.raises(PDFError, match=match):
        load_pdf("s", pdf_path=d)


def test_numbers_as_lhapdf_reads_them(tmp_path: Path) -> None:
    """LHAPDF converts fields on use: quoted numbers and PyYAML's string '1e-3' are numbers."""
    path = tmp_path / "s.info"
    path.write_text("AlphaS_MZ: '0.118'\nXMin: 1e-9\nOrderQCD: 2.0\nNumMembers: '3'\n")
    info = read_info(path)
    assert (info["AlphaS_MZ"], info["XMin"], info["OrderQCD"], info["NumMembers"]) == (
        0.118, 1e-9, 2, 3,
    )  # fmt: skip


# -- a set searched on an empty path -------------------------------------------------------------
def test_an_empty_search_path_names_the_extra_that_ships_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from scaleuq.cli import main
    from tests.test_reweight import make_lhe

    monkeypatch.delenv("LHAPDF_DATA_PATH", raising=False)
    monkeypatch.setattr(sets, "pythia_pdfdata", lambda: None)
    with pytest.raises(
        PDFError, match=r'no folder to search.*pip install "scaleuq\[mc\]".*--pdf-path'
    ):
        load_pdf("NNPDF23_lo_as_0130_qed")
    with pytest.raises(PDFError, match=r"not found in .*pip install \"scaleuq\[mc\]\"` adds them"):
        load_pdf("NNPDF23_lo_as_0130_qed", pdf_path=tmp_path)
    lhe = make_lhe(tmp_path / "in.lhe")
    out = tmp_path / "out.lhe"
    r = CliRunner().invoke(
        main, ["reweight", str(lhe), "-o", str(out), "--pdf", "NNPDF23_lo_as_0130_qed"]
    )
    assert r.exit_code == 1 and 'pip install "scaleuq[mc]"' in r.output and not out.exists()
    assert "empty search path" not in r.output

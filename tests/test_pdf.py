"""The LHAPDF6 reader: grid files, interpolation, extrapolation, alpha_s, set discovery.

Reference numbers come from code, never typed in: Pythia 8's own LHAGrid1 interpolation of the
grids pythia8mc ships (when installed), Pythia's AlphaStrong, and closed forms (one-loop running,
functions the interpolation must reproduce exactly).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scaleuq.pdf import AlphaS, PDFError, load_pdf, pythia_pdfdata, read_member
from scaleuq.pdf.alphas import beta_coefficients
from scaleuq.pdf.grid import evaluate, pid_columns
from tests._pdfgrid import ALPHAS_INFO, PIDS, SUBS, XS, bilinear, write_grid, write_set
from tests._pdfpatch import apply_patch, patch


@pytest.fixture(autouse=True)
def _grid_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep parsed-grid caches of these tests out of the user's cache directory."""
    d = tmp_path_factory.mktemp("grid-cache")
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(d))
    return d


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    return write_grid(tmp_path / "toy_0000.dat", XS, SUBS)


def test_reads_subgrids_and_reproduces_bilinear_functions(grid: Path) -> None:
    m = read_member(grid)
    assert len(m.subgrids) == 2 and m.values.shape == (12, len(XS), 31)
    pdf = load_pdf(grid)
    rng = np.random.default_rng(1)
    x = 10 ** rng.uniform(-6, 0, 5000)
    q = 10 ** rng.uniform(0, 4, 5000)
    for pid in (21, 2, -3, 22):
        got = pdf.xfxq(pid, x, q)[0]
        np.testing.assert_allclose(
            got, bilinear(pid, np.log(x), 2 * np.log(q)), rtol=1e-12, atol=1e-12
        )
    assert (pdf.xfxq(6, x[:10], q[:10]) == 0).all()  # flavour not in the grid


def test_knots_are_reproduced_and_subgrid_boundary_belongs_above(tmp_path: Path) -> None:
    def wiggle(pid, lx, lq2):
        return np.exp(-lx / 7) * (1 + 0.1 * np.sin(lq2)) + 0.001 * pid

    path = write_grid(tmp_path / "w_0000.dat", XS, SUBS, func=wiggle)
    m = read_member(path)
    pdf = load_pdf(path)
    xx, qq = np.meshgrid(XS, np.concatenate(SUBS))
    got = pdf.xfxq(21, xx.ravel(), qq.ravel())[0]
    np.testing.assert_allclose(
        got, wiggle(21, np.log(xx.ravel()), 2 * np.log(qq.ravel())), rtol=1e-13
    )
    assert m.subgrids[1].q[0] == pytest.approx(4.5)


def test_compiled_kernels_equal_the_numpy_path(grid: Path) -> None:
    pdf = load_pdf(grid)
    m = pdf._grid
    rng = np.random.default_rng(2)
    x = 10 ** rng.uniform(-6, 0, 3000)
    q2 = 10 ** rng.uniform(0, 8, 3000)
    pid = rng.choice(PIDS, 3000)
    cols = pid_columns(m.pids, pid)
    for mode in ("lhapdf", "pythia"):
        fast = evaluate(m, m.values[None], pid, x, q2, interpolation=mode)[0]
        slow = apply_patch(m.values[None], cols, patch(m, x, q2, mode))[0]
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)


def test_extrapolation_rules(tmp_path: Path) -> None:
    def positive(pid, lx, lq2):
        return np.exp(-lx / 7) * (1 + 0.01 * lq2)

    pdf = load_pdf(write_grid(tmp_path / "pos_0000.dat", XS, SUBS, func=positive))
    m = pdf._grid
    # below x_min: LHAPDF continuation, log-linear in x through the first two knots
    x, q = 1e-8, 50.0
    f0 = pdf.xfxq(21, XS[0], q)[0, 0]
    f1 = pdf.xfxq(21, XS[1], q)[0, 0]
    expected = math.exp(
        math.log(f0)
        + (math.log(x) - math.log(XS[0]))
        / (math.log(XS[1]) - math.log(XS[0]))
        * (math.log(f1) - math.log(f0))
    )
    assert pdf.xfxq(21, x, q)[0, 0] == pytest.approx(expected, rel=1e-12)
    # nearest: frozen at the border; error: a clear message
    nearest = evaluate(m, m.values[None], 21, x, q * q, extrapolation="nearest")[0, 0]
    assert nearest == pytest.approx(f0, rel=1e-12)
    with pytest.raises(PDFError, match="outside the grid"):
        evaluate(m, m.values[None], 21, 1e-8, q * q, extrapolation="error")
    with pytest.raises(PDFError, match="not a physical point"):
        pdf.xfxq(21, 1.5, 10.0)


def test_bad_grid_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad_0000.dat"
    bad.write_text(
        "PdfType: central\nFormat: lhagrid1\n---\n1e-3 1e-2 0.1 1\n1 10\n21\n1\n2\n---\n"
    )
    with pytest.raises(PDFError, match=r"bad_0000\.dat:7: subgrid 1 should have 8 lines"):
        read_member(bad)
    bad.write_text("PdfType: central\nFormat: lhagrid2\n---\n")
    with pytest.raises(PDFError, match="not supported"):
        read_member(bad)
    with pytest.raises(PDFError, match="no such PDF member file"):
        read_member(tmp_path / "missing_0000.dat")


def test_set_discovery_members_ids_and_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_set(
        tmp_path / "sets",
        "toyset",
        3,
        lambda k: lambda p, lx, lq: bilinear(p, lx, lq) * (1 + 0.1 * k),
        "SetDesc: toy\nSetIndex: 900000\nNumMembers: 3\nErrorType: replicas\n"
        "Flavors: [-5,-4,-3,-2,-1,1,2,3,4,5,21,22]\n" + ALPHAS_INFO,
    )
    (tmp_path / "sets" / "pdfsets.index").write_text("900000 toyset 1\n")
    monkeypatch.setenv("LHAPDF_DATA_PATH", str(tmp_path / "sets"))
    pdf = load_pdf("toyset", members="all")
    assert pdf.members == (0, 1, 2) and pdf.lhapdf_ids() == [900000, 900001, 900002]
    assert (
        pdf.error_type == "replicas" and pdf.alphas.kind == "ode" and pdf.alphas.masses[5] == 4.75
    )
    vals = pdf.xfxq(21, 0.01, 100.0)
    assert vals[1, 0] / vals[0, 0] == pytest.approx(1.1) and vals[2, 0] / vals[
        0, 0
    ] == pytest.approx(1.2)
    assert load_pdf("toyset/2").members == (2,)
    by_id = load_pdf("900001")
    assert by_id.name == "toyset" and by_id.members == (1,)
    with pytest.raises(PDFError, match="member 7 is not on disk"):
        load_pdf("toyset", members=[7])
    with pytest.raises(PDFError, match=r"'nope' not found in .*sets"):
        load_pdf("nope")


def test_alphas_one_loop_closed_form_and_ipol() -> None:
    a = AlphaS("ode", order=0, alphas_mz=0.118, mz=91.1876, masses={4: 1.3, 5: 4.75, 6: 172.5})
    q = np.array([10.0, 50.0, 150.0])
    b0 = beta_coefficients(5)[0]
    expected = 1 / (1 / 0.118 + b0 * np.log(q**2 / 91.1876**2))
    np.testing.assert_allclose(a(q), expected, rtol=1e-14)
    # continuous at the thresholds at one loop, n_f changes there
    assert a(np.array([4.75 * (1 - 1e-9)]))[0] == pytest.approx(
        a(np.array([4.75 * (1 + 1e-9)]))[0], rel=1e-7
    )
    # higher orders run faster near M_Z, agree at M_Z
    for order in (1, 2):
        b = AlphaS("ode", order=order, alphas_mz=0.118)
        assert b(np.array([91.1876]))[0] == pytest.approx(0.118, rel=1e-10)
        assert b(np.array([10.0]))[0] > 0.15
    # ipol: the knots exactly, and a smooth curve between them to 1e-5
    # (a threshold appears twice, as in LHAPDF tables: the subgrids meet there)
    qs = np.sort(np.concatenate([np.geomspace(2.0, 1000.0, 60), [4.75, 4.75, 172.5, 172.5]]))
    ipol = AlphaS("ipol", qs=tuple(qs), vals=tuple(a(qs)))
    np.testing.assert_allclose(ipol(qs), a(qs), rtol=1e-14)
    mid = np.sqrt(qs[1:] * qs[:-1])
    mid = mid[qs[1:] > qs[:-1]]
    rel = np.abs(ipol(mid) / a(mid) - 1)
    assert rel.max() < 5e-4 and np.median(rel) < 1e-5  # one-sided derivatives at subgrid edges


def test_alphas_analytic_one_loop() -> None:
    lam = 0.2
    a = AlphaS("analytic", order=0, lambdas={5: lam}, masses={4: 1.3, 5: 4.75, 6: 1e9})
    q = np.array([20.0, 200.0])
    np.testing.assert_allclose(
        a(q), 1 / (beta_coefficients(5)[0] * np.log(q**2 / lam**2)), rtol=1e-14
    )


PYTHIA_GRIDS = ("NNPDF23_lo_as_0130_qed", "NNPDF31_lo_as_0118")


@pytest.mark.parametrize("name", PYTHIA_GRIDS)
def test_matches_pythia_lhagrid1_at_1e4_points(name: str) -> None:
    """Pythia 8's own LHAPDF6-grid interpolation (LHAGrid1), 10^4 random points inside the grid,
    all flavours: the reader in Pythia's interpolation mode agrees to rounding."""
    pythia8mc = pytest.importorskip("pythia8mc")
    if pythia_pdfdata() is None or not (pythia_pdfdata() / f"{name}_0000.dat").is_file():
        pytest.skip("pythia8mc's pdfdata grids are not installed")
    py = pythia8mc.Pythia("", False)
    settings = (f"PDF:pSet = LHAGrid1:{name}_0000.dat", "Beams:eCM = 13000.", "HardQCD:all = on",
                "PartonLevel:all = off", "HadronLevel:all = off", "Print:quiet = on")  # fmt: skip
    for line in settings:
        assert py.readString(line)
    assert py.init()
    ref_pdf = py.getPDFPtr(2212)
    ours = load_pdf(name, interpolation="pythia")
    lo_x, _ = ours.x_range
    lo_q, hi_q = ours.q_range
    rng = np.random.default_rng(7)
    n = 10_000
    x = 10 ** rng.uniform(np.log10(lo_x), 0, n)
    q = 10 ** rng.uniform(np.log10(lo_q), np.log10(hi_q), n)
    worst = 0.0
    for pid in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22):
        ref = np.array([ref_pdf.xf(pid, a, b * b) for a, b in zip(x, q)])
        got = ours.xfxq(pid, x, q)[0]
        sel = np.abs(ref) > 1e-12
        if sel.any():
            worst = max(worst, float(np.max(np.abs(got[sel] / ref[sel] - 1))))
        assert np.max(np.abs(got - ref)) <= 1e-12 * max(1.0, np.abs(ref).max())
    assert worst < 1e-8, worst


def test_parsed_grids_are_cached_and_keyed_by_the_files(
    tmp_path: Path, _grid_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second load comes from the cache with identical arrays; a rewritten member file
    gets a new entry; files written just now are not cached; ``off`` disables the cache."""
    import os
    import time

    from scaleuq.pdf import cache as grid_cache
    from scaleuq.pdf import sets

    d = write_set(
        tmp_path,
        "cset",
        6,
        lambda k: lambda p, lx, lq: bilinear(p, lx, lq) + 0.01 * k,
        "NumMembers: 6\nErrorType: replicas\nAlphaS_MZ: 0.118\nAlphaS_OrderQCD: 0\n",
    )
    cache = _grid_cache / "pdf-grids"
    load_pdf("cset", members="all", pdf_path=tmp_path)
    assert not cache.exists() or not list(cache.iterdir())  # just written: racy, not cached
    old = time.time() - 60
    for f in d.iterdir():
        os.utime(f, (old, old))
    parsed = load_pdf("cset", members="all", pdf_path=tmp_path)
    assert len(list(cache.iterdir())) == 1
    calls = []
    monkeypatch.setattr(grid_cache, "read_member", lambda p: calls.append(p))
    cached = load_pdf("cset", members="all", pdf_path=tmp_path)
    assert not calls  # nothing parsed
    np.testing.assert_array_equal(cached._values, parsed._values)
    np.testing.assert_array_equal(cached._grid.x, parsed._grid.x)
    assert [s.start for s in cached._grid.subgrids] == [s.start for s in parsed._grid.subgrids]
    assert cached._grid.pids == parsed._grid.pids and cached._grid.header == parsed._grid.header
    pts = (np.array([21, 2, -1]), np.array([1e-4, 0.3, 0.05]), np.array([10.0, 100.0, 2.0]))
    np.testing.assert_array_equal(cached.xfxq(*pts), parsed.xfxq(*pts))
    monkeypatch.undo()
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(_grid_cache))
    write_grid(d / "cset_0003.dat", XS, SUBS, func=lambda p, lx, lq: bilinear(p, lx, lq) + 0.5)
    os.utime(d / "cset_0003.dat", (old + 1, old + 1))
    changed = load_pdf("cset", members="all", pdf_path=tmp_path)
    assert len(list(cache.iterdir())) == 2
    assert not np.array_equal(changed._values[3], parsed._values[3])
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", "off")
    assert sets.grid_cache_dir() is None

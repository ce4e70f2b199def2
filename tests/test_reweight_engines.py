"""``scaleuq reweight``'s two engines: ``numpy`` (small files: numba never imported) and
``compiled`` (numba kernels) give the same numbers and write the same bytes, on the real
MadGraph files and on edge cases of the PDF interpolation and of the number formatting."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scaleuq.errors import OptionError
from scaleuq.pdf import kernels, pythia_pdfdata
from scaleuq.pdf.grid import evaluate, read_member
from scaleuq.reweight import reweight
from scaleuq.reweight.formatting import format_numbers, splice_weights, wgt_lines
from scaleuq.reweight.run import SMALL_BYTES, choose_engine_for
from tests._pdfgrid import ALPHAS_INFO, toy, write_grid, write_set
from tests.test_reweight import make_lhe

pytestmark = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
#: every real LO file with <mgrwt> blocks in ../shared/data (MadGraph 3.5.8 and 2.x runs)
REAL = [
    SHARED / "lhe" / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz",
    SHARED / "madgraph" / "smouns-rpvmssm" / "Events" / "run_01" / "unweighted_events.lhe.gz",
    SHARED / "madgraph" / "apapaefs-ggiota0" / "unweighted_events.lhe.gz",
    SHARED / "madgraph" / "jacanchaplais-ttbar" / "unweighted_events.lhe",
]
NNPDF = "NNPDF23_lo_as_0130_qed"


@pytest.fixture(autouse=True)
def _grid_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(tmp_path_factory.mktemp("grid-cache")))
    monkeypatch.delenv("SCALEUQ_REWEIGHT_ENGINE", raising=False)


@pytest.fixture
def toyset(tmp_path: Path) -> Path:
    write_set(
        tmp_path / "pdfs",
        "toyset",
        4,
        lambda k: lambda p, lx, lq: toy(p, lx, lq) * (1 + 0.02 * k * lx),
        "SetIndex: 910000\nNumMembers: 4\nErrorType: replicas\n" + ALPHAS_INFO,
    )
    return tmp_path / "pdfs"


def _both(path: Path, tmp_path: Path, **options: object) -> tuple[bytes, bytes, list, list]:
    """Re-weight ``path`` with each engine into plain files; (bytes, bytes, xsecs, xsecs)."""
    out = {}
    xsec = {}
    for engine in ("numpy", "compiled"):
        target = tmp_path / f"{engine}-{path.name.removesuffix('.gz')}"
        res = reweight(path, target, engine=engine, **options)  # type: ignore[arg-type]
        out[engine] = target.read_bytes()
        xsec[engine] = [w.xsec_pb for w in res.weights]
    return out["numpy"], out["compiled"], xsec["numpy"], xsec["compiled"]


@pytest.mark.parametrize(
    "path", REAL, ids=lambda p: p.parent.name if p.parent.name != "lhe" else "mg358"
)
def test_engines_write_the_same_bytes_on_the_real_files(path: Path, tmp_path: Path) -> None:
    """Every scale choice the file allows (--dyn default: the undefined ones dropped), mu_R and
    mu_F factors, an alpha_s variation and the CKKW factor: byte for byte the same file."""
    if not path.is_file():
        pytest.skip(f"{path} is not in ../shared/data")
    data = pythia_pdfdata()
    if data is None or not (data / f"{NNPDF}_0000.dat").is_file():
        pytest.skip(f"the {NNPDF} grid (shipped with pythia8mc) is not installed")
    a, b, xa, xb = _both(path, tmp_path, pdf=NNPDF, alphas=(0.118,), alps=(0.5, 1.0))
    assert a.count(b"<wgt id=") > 1000
    assert a == b
    assert xa == xb


def test_engines_agree_on_every_pdf_member(toyset: Path, tmp_path: Path) -> None:
    src = make_lhe(tmp_path / "toy.lhe", n=300, seed=11)
    # small blocks: many blocks through the formatting thread, the writer and its buffer pool
    a, b, xa, xb = _both(
        src, tmp_path, pdf="toyset", pdf_path=toyset, pdf_members="all", dyn=(-1, 3, 4),
        block_bytes=20_000,
    )  # fmt: skip
    assert a.count(b"<wgt id=") == 300 * (9 * 3 - 1 + 4)
    assert a == b and xa == xb


@pytest.mark.parametrize("interpolation", ["lhapdf", "pythia"])
def test_interpolation_engines_bit_for_bit(tmp_path: Path, interpolation: str) -> None:
    """Subgrids of 2, 3 and many Q knots (LHAPDF's bilinear fallback, Pythia's linear one),
    points on knots, between them, outside the grid (continuation, frozen) and absent flavours."""
    subs = [np.array([1.0, 1.6]), np.geomspace(1.6, 4.5, 3), np.geomspace(4.5, 1e4, 25)]
    member = read_member(write_grid(tmp_path / "g.dat", subgrids=subs, func=toy))
    values = np.stack([member.values * (1 + 0.1 * k) for k in range(3)])
    rng = np.random.default_rng(2)
    n = 4000
    x = np.concatenate([10 ** rng.uniform(-7, 0, n), member.x, [1e-7, 1.0]])
    q = np.concatenate(
        [
            10 ** rng.uniform(-0.2, 4.3, n),
            rng.choice(np.concatenate(subs), len(member.x)),
            [0.5, 2e4],
        ]
    )
    pid = rng.choice([-5, -1, 0, 1, 2, 21, 22, 6, -21], len(x))
    got = {}
    for engine in kernels.ENGINES:
        with kernels.use_engine(engine):
            assert kernels.current_engine() == engine
            got[engine] = evaluate(member, values, pid, x, q * q, interpolation=interpolation)
    assert np.isfinite(got["numpy"]).all() and (got["numpy"] != 0).any()
    np.testing.assert_array_equal(got["numpy"], got["compiled"])
    assert (np.signbit(got["numpy"]) == np.signbit(got["compiled"])).all()


def _edge_values(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal((3000, 40)) * 10.0 ** rng.uniform(-320, 300, (3000, 40))
    powers = np.array([float(f"1e{k}") for k in range(-323, 308)])
    cols = [
        powers,
        np.nextafter(powers, 0),
        np.nextafter(powers, np.inf),
        powers * 9.99999995,  # near-ties of the eighth digit
        powers * 1.00000005,
        powers * 9.999999949999,
    ]
    for j, c in enumerate(cols):
        v[: len(c), j] = c
    v[0, -8:] = [
        0.0,
        -0.0,
        5e-324,
        -1e-300,
        9.99999999e99,
        123456785.0,
        1.7976931348623157e308,
        1e-290,
    ]
    assert np.isfinite(v).all()
    return v


def test_formatting_engines_write_the_same_bytes() -> None:
    rng = np.random.default_rng(3)
    v = _edge_values(rng)
    ids = [str(i) for i in range(v.shape[1])]
    lines = wgt_lines(ids, v, engine="numpy")
    assert lines == wgt_lines(ids, v, engine="compiled")
    chars, width = format_numbers(v)
    # printf's text, apart from near-ties of the eighth digit (see the formatting module)
    text = [chars[i, : width[i]].tobytes().decode() for i in range(len(width))]
    same = np.array([t == f"{x:+.7e}" for t, x in zip(text, v.ravel())])
    assert same.mean() > 0.99
    assert all(float(t) == pytest.approx(x, rel=2e-7) for t, x in zip(text, v.ravel()))
    events = b"".join(f"<event>\n{i}\n<rwgt>\n</rwgt>\n</event>\n".encode() for i in range(len(v)))
    for before, head, tail in ((b"</rwgt>", b"", b""), (b"</event>", b"<rwgt>\n", b"</rwgt>\n")):
        a = splice_weights(events, before, head, tail, ids, v, engine="numpy")
        b = splice_weights(events, before, head, tail, ids, v, engine="compiled")
        assert a.tobytes() == b.tobytes()
    # only two-digit exponents (the fixed-width path of both engines), and rows of them mixed
    # with rows holding a three-digit exponent (the compiled splice's template and byte paths)
    w = rng.lognormal(0, 1, (50, 7))
    assert wgt_lines(ids[:7], w, engine="numpy") == wgt_lines(ids[:7], w, engine="compiled")
    mixed = rng.lognormal(0, 3, (200, 40)) * 1e5
    mixed[::7, 3] = 1e150
    mixed[::11, 5] = -9.99999996e-100
    mixed[::13, 0] = 9.99999995e99
    events = events[: events.index(b"<event>\n200\n")]
    for before, head, tail in ((b"</rwgt>", b"", b""), (b"</event>", b"<rwgt>\n", b"</rwgt>\n")):
        a = splice_weights(events, before, head, tail, ids, mixed, engine="numpy")
        b = splice_weights(events, before, head, tail, ids, mixed, engine="compiled")
        assert a.tobytes() == b.tobytes()
        assert b.tobytes().count(b"e+150 </wgt>") == len(mixed[::7])


def test_engine_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = make_lhe(tmp_path / "small.lhe", n=5)
    assert choose_engine_for(small) in ("numpy", "compiled")  # compiled once numba is loaded
    big = tmp_path / "big.lhe"
    with open(big, "wb") as f:
        f.truncate(SMALL_BYTES)
    monkeypatch.delitem(sys.modules, "numba", raising=False)  # as if numba were not loaded yet
    assert choose_engine_for(small) == "numpy"
    assert choose_engine_for(big) == "compiled"
    assert choose_engine_for(big, "numpy") == "numpy"
    monkeypatch.setenv("SCALEUQ_REWEIGHT_ENGINE", "compiled")
    assert choose_engine_for(small) == "compiled"
    with pytest.raises(OptionError, match="unknown reweight engine 'fast'"):
        choose_engine_for(small, "fast")


RUN = """
import json, sys
from scaleuq.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    mods = sorted(m for m in sys.modules if m.split(".")[0] in ("numba", "llvmlite", "scipy"))
    print(json.dumps(mods), file=sys.stderr)
"""


def _modules_after(args: list[str], env: dict[str, str]) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_small_file_never_imports_numba(toyset: Path, tmp_path: Path) -> None:
    src = make_lhe(tmp_path / "small.lhe", n=40, seed=2)
    out = tmp_path / "out.lhe.gz"
    env = {"SCALEUQ_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    args = ["reweight", str(src), "-o", str(out), "--pdf", "toyset", "--pdf-path", str(toyset)]
    assert _modules_after([*args, "--pdf-members", "all"], env) == []
    assert out.is_file()
    # the same command with the compiled engine does load numba (the test can fail)
    forced = _modules_after(args, {**env, "SCALEUQ_REWEIGHT_ENGINE": "compiled"})
    assert "numba" in forced
    # numba's set-up does not import SciPy's linear algebra (scaleuq.io.lhe.jit)
    assert "scipy.linalg" not in forced


def test_importing_the_package_does_not_import_numba() -> None:
    code = (
        "import sys, scaleuq.reweight, scaleuq.pdf.kernels, scaleuq.reweight.formatting, "
        "scaleuq.cli.reweight; print('numba' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert proc.stdout.strip() == "False"


def _mgrwt_arrays(m: object) -> list[np.ndarray]:
    out = [m.n_qcd, m.mur, m.totfact, m.asrwt.values, m.asrwt.offsets]  # type: ignore[attr-defined]
    for beam in m.beams:  # type: ignore[attr-defined]
        for part in (beam.pid, beam.x, beam.q):
            out += [part.values, part.offsets]
    return out


def test_mgrwt_engines_same_arrays(tmp_path: Path) -> None:
    """The compiled pass over plain <mgrwt> blocks gives the regex path's arrays bit for bit, and
    hands every block it cannot convert exactly to the regex path."""
    from scaleuq.io.lhe.jit import numba_without_extensions
    from scaleuq.reweight.mgrwt import parse_mgrwt
    from scaleuq.reweight.mgrwt_kernel import plain_values

    texts = []
    for path in REAL:
        if path.is_file():
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            texts.append(raw[raw.index(b"</init>") + 7 : raw.rindex(b"</event>") + 8])
    toy = make_lhe(tmp_path / "toy.lhe", n=60, seed=9).read_bytes()
    toy = toy[toy.index(b"</init>") + 7 : toy.rindex(b"</event>") + 8]
    texts.append(toy)
    plain = toy.replace(b"<totfact> 0.1E+08</totfact>", b"<totfact>\t-0.0 </totfact>", 1)
    texts.append(plain.replace(b'beam="2">', b"beam = '2' >", 1))
    odd = [
        toy.replace(b"<totfact> 0.1E+08", b"<totfact> 0.1D+08", 1),  # Fortran exponent
        toy.replace(b"<totfact> 0.1E+08", b"<totfact> 0.12345678901234567E+08", 1),  # 17 digits
        toy.replace(b"<totfact> 0.1E+08", b"<totfact> 0.1E+30", 1),  # beyond 10^22
        toy.replace(b"<asrwt>0</asrwt>", b"<asrwt>1 0.5E+02</asrwt>", 1),  # CKKW scale
    ]
    with numba_without_extensions():
        for text in texts:
            n = text.count(b"</event>")
            assert plain_values(text, n) is not None
            a = parse_mgrwt(text, engine="numpy")
            b = parse_mgrwt(text, engine="compiled")
            for x, y in zip(_mgrwt_arrays(a), _mgrwt_arrays(b), strict=True):
                np.testing.assert_array_equal(x, y)
                assert (np.signbit(x) == np.signbit(y)).all()
        for text in odd:
            assert plain_values(text, text.count(b"</event>")) is None
            a = parse_mgrwt(text, engine="numpy")
            b = parse_mgrwt(text, engine="compiled")
            for x, y in zip(_mgrwt_arrays(a), _mgrwt_arrays(b), strict=True):
                np.testing.assert_array_equal(x, y)

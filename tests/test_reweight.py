"""``scaleuq reweight``: <mgrwt> parsing, MadGraph's LO weight formula, dynamical scales, the
streaming writer, and event-by-event agreement with MadGraph's own 44 scale weights."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import LHEError
from scaleuq.io.lhe import read_lhe
from scaleuq.pdf import AlphaS, load_pdf, pythia_pdfdata
from scaleuq.reweight import (
    Variation,
    dynamical_scale,
    kinematics,
    parse_mgrwt,
    reweight,
    weight_ratios,
)
from tests._pdfgrid import ALPHAS_INFO, toy, write_set

MG_FILE = "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"


@pytest.fixture(autouse=True)
def _grid_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep parsed-grid caches of these tests out of the user's cache directory."""
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(tmp_path_factory.mktemp("grid-cache")))


@pytest.fixture
def toyset(tmp_path: Path) -> Path:
    write_set(
        tmp_path / "pdfs",
        "toyset",
        3,
        lambda k: lambda p, lx, lq: toy(p, lx, lq) * (1 + 0.02 * k * lx),
        "SetIndex: 910000\nNumMembers: 3\nErrorType: replicas\n" + ALPHAS_INFO,
    )
    return tmp_path / "pdfs"


EVENT = """<event>
 4 1 +{w:.7e} {mu:.8e} 7.54677100e-03 1.66995900e-01
 {id1} -1 0 0 503 501 +0.0e+00 +0.0e+00 +{pz1:.10e} {pz1:.10e} 0.0e+00 0.0e+00 1.0e+00
 {id2} -1 0 0 504 502 -0.0e+00 -0.0e+00 -{pz2:.10e} {pz2:.10e} 0.0e+00 0.0e+00 1.0e+00
 21 1 1 2 503 502 +{px:.10e} +0.0e+00 {pz3:+.10e} {e3:.10e} 0.0e+00 0.0e+00 1.0e+00
 21 1 1 2 504 501 -{px:.10e} -0.0e+00 {pz4:+.10e} {e4:.10e} 0.0e+00 0.0e+00 1.0e+00
<mgrwt>
<rscale>  2 {mu:.8E}</rscale>
<asrwt>0</asrwt>
<pdfrwt beam="1">  1 {id1} {x1:.8E} {mu:.8E}</pdfrwt>
<pdfrwt beam="2">  1 {id2} {x2:.8E} {mu:.8E}</pdfrwt>
<totfact> 0.1E+08</totfact>
</mgrwt>
</event>
"""


def make_lhe(path: Path, n: int = 5, *, mgrwt: bool = True, seed: int = 0) -> Path:
    """A small LO dijet file with <mgrwt> blocks, momenta consistent with x1, x2 at 13 TeV."""
    rng = np.random.default_rng(seed)
    events = []
    for _ in range(n):
        x1, x2 = 10 ** rng.uniform(-3, -1, 2)
        pz1, pz2 = 6500 * x1, 6500 * x2
        px = rng.uniform(20, 60)
        # massless final state with total pz = pz1 - pz2 and energy pz1 + pz2
        e, pz = pz1 + pz2, pz1 - pz2
        m2 = e * e - pz * pz
        # split into two back-to-back (in transverse plane) partons
        et = np.sqrt(m2) / 2
        pzl = np.sqrt(max(et**2 - px**2, 1.0))
        beta = pz / e
        gamma = 1 / np.sqrt(1 - beta**2)
        e3, pz3 = gamma * (et + beta * pzl), gamma * (pzl + beta * et)
        e4, pz4 = gamma * (et - beta * pzl), gamma * (-pzl + beta * et)
        text = EVENT.format(w=7e8, mu=px, id1=int(rng.choice([21, 1, -2])), id2=21, pz1=pz1, pz2=pz2,
                            px=px, pz3=pz3, e3=e3, pz4=pz4, e4=e4, x1=x1, x2=x2)  # fmt: skip
        if not mgrwt:
            text = text.split("<mgrwt>")[0] + "</event>\n"
        events.append(text)
    head = (
        '<LesHouchesEvents version="3.0">\n<header>\n<MGProcCard>\ngenerate p p > j j\n</MGProcCard>\n</header>\n'
        "<init>\n2212 2212 6.5e+03 6.5e+03 0 0 910000 910000 -4 1\n7.0e+08 4.0e+06 7.0e+08 1\n</init>\n"
    )
    data = (head + "".join(events) + "</LesHouchesEvents>\n").encode()
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def test_parse_mgrwt_arrays_history_and_errors() -> None:
    block = (
        b"<event>\n<mgrwt>\n<rscale>  2 0.5E+02</rscale>\n<asrwt>1 0.3E+02</asrwt>\n"
        b'<pdfrwt beam="1">  2  21 1 0.2E-01 0.1E-01 0.40E+01 0.5E+02</pdfrwt>\n'
        b'<pdfrwt beam="2">  1  -2 0.3E-01 0.5D+02</pdfrwt>\n<totfact> 0.5E+03</totfact>\n</mgrwt>\n</event>\n'
        b"<event>\n<mgrwt>\n<rscale>  3 0.8E+02</rscale>\n<asrwt>0</asrwt>\n"
        b'<pdfrwt beam="1">  1  2 0.1E+00 0.8E+02</pdfrwt>\n<pdfrwt beam="2">  1  21 0.2E+00 0.8E+02</pdfrwt>\n'
        b"<totfact> 0.7E+03</totfact>\n</mgrwt>\n</event>\n"
    )
    mg = parse_mgrwt(block)
    assert mg.n_qcd.tolist() == [2, 3] and mg.mur.tolist() == [50.0, 80.0]
    assert mg.asrwt.values.tolist() == [30.0] and mg.asrwt.counts.tolist() == [1, 0]
    b1 = mg.beams[0]
    assert b1.pid.counts.tolist() == [2, 1] and b1.pid.values.tolist() == [21, 1, 2]
    assert b1.x.values.tolist() == [0.02, 0.01, 0.1] and b1.q.values.tolist() == [4.0, 50.0, 80.0]
    assert b1.hard_pid.tolist() == [1, 2] and b1.hard_x.tolist() == [0.01, 0.1]
    assert mg.beams[1].hard_q.tolist() == [50.0, 80.0] and mg.totfact.tolist() == [500.0, 700.0]
    with pytest.raises(LHEError, match="event 9 has no <mgrwt> block"):
        parse_mgrwt(block + b"<event>\n</event>\n", first_event=7)
    with pytest.raises(LHEError, match="use_syst"):
        parse_mgrwt(b"<event>\n</event>\n")
    with pytest.raises(LHEError, match=r"event 1 has a malformed <pdfrwt beam=\"1\"> \(declares 2"):
        parse_mgrwt(block.replace(b"0.40E+01 0.5E+02</pdfrwt>", b"0.40E+01</pdfrwt>", 1))


def test_dynamical_scales_follow_madgraphs_definitions() -> None:
    # one event: two incoming partons, a massive final-state particle and a massless one,
    # a resonance (status 2) that must not count
    particles = np.zeros((5, 13))
    particles[:, 1] = [-1, -1, 1, 1, 2]
    particles[0, 8:10] = [100.0, 100.0]
    particles[1, 8:10] = [-50.0, 50.0]
    e2 = np.sqrt(30**2 + 40**2 + 10**2 + 80**2)
    particles[2, 6:10] = [30.0, 0.0, 40.0, e2]
    particles[3, 6:10] = [-30.0, 0.0, 10.0, np.sqrt(30**2 + 10**2)]
    particles[4, 6:10] = [5.0, 0.0, 0.0, 500.0]
    nup = np.array([5])
    et = e2 * 30 / np.sqrt(30**2 + 40**2) + np.sqrt(30**2 + 10**2) * 30 / np.sqrt(30**2 + 10**2)
    mt = np.sqrt(e2**2 - 40**2) + 30.0  # sqrt(m^2 + pT^2), m^2 = E^2 - |p|^2
    assert dynamical_scale(particles, nup, 1)[0] == pytest.approx(et, rel=1e-12)
    assert dynamical_scale(particles, nup, 2)[0] == pytest.approx(mt, rel=1e-12)
    assert dynamical_scale(particles, nup, 3)[0] == pytest.approx(mt / 2, rel=1e-12)
    assert dynamical_scale(particles, nup, 4)[0] == pytest.approx(
        np.sqrt(150**2 - 50**2), rel=1e-12
    )


def test_weight_formula_by_hand_including_ckkw_history(toyset: Path) -> None:
    pdf = load_pdf("toyset", pdf_path=toyset)
    block = (
        b"<event>\n<mgrwt>\n<rscale>  2 0.5E+02</rscale>\n<asrwt>1 0.3E+02</asrwt>\n"
        b'<pdfrwt beam="1">  2  21 1 0.2E-01 0.1E-01 0.40E+01 0.6E+02</pdfrwt>\n'
        b'<pdfrwt beam="2">  1  -2 0.3E-01 0.7E+02</pdfrwt>\n<totfact> 0.5E+03</totfact>\n</mgrwt>\n</event>\n'
    )
    mg = parse_mgrwt(block)
    ev = kinematics(mg, np.array([[0, 1, 2.0, 0, 0, 0]]), None, [-1])
    kr, kf, ka = 2.0, 0.5, 1.5
    got = weight_ratios(ev, [pdf], [Variation(kr, kf, -1, k_alps=ka)])[0, 0]

    def f(pid, x, q):
        return pdf.xfxq(pid, x, q)[0, 0]

    def w(kr, kf, ka):
        a = pdf.alphas_q(np.array([kr * 50.0, ka * 30.0]))
        hist = (
            f(21, 0.02, min(ka * 4.0, kf * 60.0))
            / 0.02
            / (f(21, 0.01, min(ka * 4.0, kf * 60.0)) / 0.01)
        )
        return a[0] ** 2 * f(1, 0.01, kf * 60.0) * f(-2, 0.03, kf * 70.0) * a[1] * hist

    assert got == pytest.approx(w(kr, kf, ka) / w(1, 1, 1), rel=1e-12)


def test_reweight_writes_madgraph_style_weights_and_keeps_the_rest(
    tmp_path: Path, toyset: Path
) -> None:
    src = make_lhe(tmp_path / "in.lhe.gz", n=6)
    out = tmp_path / "out.lhe.gz"
    res = reweight(
        src, out, pdf="toyset", pdf_path=toyset, pdf_members="all", dyn=(-1, 3, 4), alphas=(0.120,)
    )
    assert res.n_events == 6 and len(res.weights) == 9 * 3 - 1 + 3 + 1
    text = gzip.decompress(out.read_bytes()).decode()
    original = gzip.decompress(src.read_bytes()).decode()
    # everything of the input is kept, in order (the new blocks are insertions)
    stripped = text
    for block in ("<initrwgt>", "<rwgt>"):
        while block in stripped:
            a = stripped.index(block)
            b = stripped.index(block.replace("<", "</"), a) + len(block) + 2
            stripped = stripped[:a] + stripped[b:].lstrip("\n")
    assert stripped.replace("\n", "") == original.replace("\n", "")
    assert '<weight id="1" MUR="0.5" MUF="0.5" PDF="910000" >' in text
    assert 'DYN_SCALE="4"' in text and '<weightgroup name="toyset" combine="replicas">' in text
    arr = read_lhe(out, particles=True)
    assert [w.id for w in arr.header.weights] == [w.id for w in res.weights]
    # the file's weights equal the engine's
    pdf = load_pdf("toyset", members="all", pdf_path=toyset)
    raw = gzip.decompress(src.read_bytes())
    mg = parse_mgrwt(raw[raw.index(b"</init>") :])
    ev = kinematics(mg, arr.info, arr.particles, [3, 4])
    vs = [Variation(w.k_r, w.k_f, w.dyn) for w in res.weights[:26]]
    expect = weight_ratios(ev, [pdf], vs) * arr.info[:, 2:3]
    np.testing.assert_allclose(arr.weights[:, :26], expect, rtol=1e-7)
    # member weights: f_member / f_central at the event's own scales
    member2 = arr.weights[:, 26 + 2] / arr.info[:, 2]
    by_hand = pdf.xfxq(mg.beams[0].hard_pid, mg.beams[0].hard_x, mg.beams[0].hard_q)
    by_hand2 = pdf.xfxq(mg.beams[1].hard_pid, mg.beams[1].hard_x, mg.beams[1].hard_q)
    np.testing.assert_allclose(
        member2, by_hand[2] * by_hand2[2] / (by_hand[0] * by_hand2[0]), rtol=1e-7
    )
    # alpha_s variation: (alpha_s'(mu)/alpha_s(mu))^2 with the set's running
    other = AlphaS("ode", order=0, alphas_mz=0.120, mz=91.1876, masses={4: 1.3, 5: 4.75, 6: 172.5})
    ratio = (other(mg.mur) / pdf.alphas(mg.mur)) ** 2
    np.testing.assert_allclose(arr.weights[:, -1] / arr.info[:, 2], ratio, rtol=1e-7)
    # running again on the output appends after the existing ids, inside the same <initrwgt>
    out2 = tmp_path / "out2.lhe"
    res2 = reweight(out, out2, pdf="toyset", pdf_path=toyset, dyn=(-1,), mur=(1.0, 2.0), muf=(1.0,))
    assert res2.weights[0].id == str(len(res.weights) + 1)
    assert out2.read_text().count("<initrwgt>") == 1


def test_reweight_bad_input_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, toyset: Path
) -> None:
    runner = CliRunner()
    no_mg = make_lhe(tmp_path / "plain.lhe", n=3, mgrwt=False)
    out = tmp_path / "out.lhe"
    r = runner.invoke(
        main, ["reweight", str(no_mg), "-o", str(out), "--pdf", "toyset", "--pdf-path", str(toyset)]
    )
    assert r.exit_code == 1 and "use_syst" in r.output and not out.exists()
    good = make_lhe(tmp_path / "good.lhe", n=3)
    r = runner.invoke(
        main,
        ["reweight", str(good), "-o", str(out), "--pdf", "nosuchset", "--pdf-path", str(toyset)],
    )
    assert r.exit_code == 1 and "'nosuchset' not found" in r.output and not out.exists()
    bad_x = tmp_path / "badx.lhe"
    bad_x.write_text(
        re.sub(r'(<pdfrwt beam="2">  1 21 )\S+', r"\g<1>1.5E+00", good.read_text(), count=1)
    )
    r = runner.invoke(
        main, ["reweight", str(bad_x), "-o", str(out), "--pdf", "toyset", "--pdf-path", str(toyset)]
    )
    assert (
        r.exit_code == 1 and "outside the range of PDF set toyset" in r.output and not out.exists()
    )
    bad_id = tmp_path / "badid.lhe"
    bad_id.write_text(
        good.read_text().replace('<pdfrwt beam="2">  1 21 ', '<pdfrwt beam="2">  1 11 ', 1)
    )
    r = runner.invoke(
        main,
        ["reweight", str(bad_id), "-o", str(out), "--pdf", "toyset", "--pdf-path", str(toyset)],
    )
    assert r.exit_code == 1 and "parton id 11 of beam 2 is not in PDF set toyset" in r.output
    r = runner.invoke(
        main, ["reweight", str(good), "-o", str(good), "--pdf", "toyset", "--pdf-path", str(toyset)]
    )
    assert r.exit_code == 1 and "internal error" not in r.output


def test_summary_prints_the_ingest_row(tmp_path: Path, toyset: Path) -> None:
    good = make_lhe(tmp_path / "good.lhe", n=4)
    r = CliRunner().invoke(
        main,
        [
            "reweight",
            str(good),
            "--summary",
            "--pdf",
            "toyset",
            "--pdf-path",
            str(toyset),
            "--pdf-members",
            "all",
        ],
    )
    assert r.exit_code == 0, r.output
    lines = [
        ln for ln in r.stdout.splitlines() if ln.startswith("process") or ln.startswith("p p > j j")
    ]
    header, row = lines[0].split(","), lines[1].split(",")
    values = dict(zip(header, row))
    assert float(values["lo_scale_up_rel"]) > 0 and float(values["lo_pdf_up_rel"]) > 0
    assert str(good) in values["source"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.lhe", "pdfs"]  # no file kept


@pytest.fixture
def mg_file(shared_lhe: Path) -> Path:
    path = shared_lhe / MG_FILE
    if not path.is_file():
        pytest.skip(f"{MG_FILE} is not in ../shared/data/lhe")
    pdfdata = pythia_pdfdata()
    if pdfdata is None or not (pdfdata / "NNPDF23_lo_as_0130_qed_0000.dat").is_file():
        pytest.skip("the NNPDF23_lo_as_0130_qed grid (shipped with pythia8mc) is not installed")
    return path


def madgraph_comparison(path: Path) -> tuple[list, np.ndarray]:
    """Our recomputation of the file's 44 MadGraph scale weights; (weights, relative differences)."""
    arr = read_lhe(path, particles=True)
    raw = gzip.decompress(path.read_bytes())
    mg = parse_mgrwt(raw[raw.index(b"</init>") :], path=str(path))
    scales = [w for w in arr.header.weights if w.is_scale][:44]
    pdf = load_pdf("NNPDF23_lo_as_0130_qed")  # alpha_s(M_Z) = 0.130 at one loop (no .info shipped)
    ev = kinematics(mg, arr.info, arr.particles, [1, 2, 3, 4], path=str(path))
    vs = [Variation(w.k_r, w.k_f, -1 if w.dyn_scale is None else w.dyn_scale) for w in scales]
    ours = weight_ratios(ev, [pdf], vs) * arr.info[:, 2:3]
    cols = [i for i, w in enumerate(arr.header.weights) if w.is_scale][:44]
    return scales, np.abs(ours / arr.weights[:, cols] - 1)


def test_agrees_with_madgraphs_44_weights_event_by_event(mg_file: Path) -> None:
    """MadGraph 3.5.8's systematics module computed these 44 weights with LHAPDF and
    NNPDF23_lo_as_0130_qed. Its PDF part we reproduce to the 8 digits MadGraph prints; its
    alpha_s came from the set's .info table (AlphaS_Type ipol), which pythia8mc does not ship:
    ours is exact one-loop running, and the weights whose alpha_s argument moves away from the
    run's own scale differ by the interpolation error of that table (1e-5 typical, < 1e-3)."""
    weights, rel = madgraph_comparison(mg_file)
    assert len(weights) == 44 and rel.shape == (1000, 44)
    for k, w in enumerate(weights):
        med, p99 = np.median(rel[:, k]), np.percentile(rel[:, k], 99)
        own_alphas = (w.dyn_scale is None and w.k_r == 1.0) or (w.dyn_scale == 3 and w.k_r == 1.0)
        if own_alphas:  # alpha_s cancels: the PDF part alone
            assert rel[:, k].max() < 1e-7, (w, rel[:, k].max())
        if w.dyn_scale is None:  # the run's own scale
            assert med < 2e-5 and p99 < 2e-4, (w, med, p99)
        assert med < 2e-4 and p99 < 1e-3, (w, med, p99)


def test_weight_text_matches_printf() -> None:
    from scaleuq.reweight.formatting import wgt_lines

    rng = np.random.default_rng(3)
    v = rng.standard_normal((2000, 50)) * 10.0 ** rng.uniform(-320, 300, (2000, 50))
    v[0, :5] = [0.0, -0.0, 5e-324, 9.99999999e99, 123456785.0]
    ids = [str(i) for i in range(50)]
    line = "".join(f"<wgt id='{i}'> %+.7e </wgt>\n" for i in ids)
    expected = [(line % tuple(row)).encode() for row in v]
    assert wgt_lines(ids, v) == expected


def test_decorrelation_scale_weights_use_the_engine(toyset: Path) -> None:
    from scaleuq.decorrelation.scales import SCALE_POINTS, ScaleReweighter

    pdf = load_pdf("toyset", pdf_path=toyset)
    rw = ScaleReweighter(pdf, 0.118, n_alphas=2)
    rng = np.random.default_rng(5)
    n = 50
    ids1, ids2 = rng.choice([21, 1, -2], n), rng.choice([21, 2], n)
    x1, x2 = 10 ** rng.uniform(-3, -0.5, (2, n))
    mur, muf, mu0 = rng.uniform(20, 300, (3, n))
    central, var = rw.weights_array(ids1, ids2, x1, x2, mur, muf, mu0)
    for i in range(5):
        c, v = rw.weights(int(ids1[i]), int(ids2[i]), x1[i], x2[i], mur[i], muf[i], mu0[i])
        np.testing.assert_allclose(v, var[i], rtol=1e-13)
        assert c == pytest.approx(central[i], rel=1e-13)
        f0 = pdf.xfxq(ids1[i], x1[i], muf[i])[0, 0] * pdf.xfxq(ids2[i], x2[i], muf[i])[0, 0]
        for (kr, kf), value in zip(SCALE_POINTS, v, strict=True):
            fk = (
                pdf.xfxq(ids1[i], x1[i], kf * mu0[i])[0, 0]
                * pdf.xfxq(ids2[i], x2[i], kf * mu0[i])[0, 0]
            )
            expected = (rw.alphas(kr * mu0[i]) / rw.alphas(mur[i])) ** 2 * fk / f0
            assert value == pytest.approx(expected, rel=1e-12)


def test_fast_mgrwt_path_equals_the_general_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-regex path for MadEvent's plain blocks (beams in either order) gives the same
    arrays as the general parser."""
    from scaleuq.reweight import mgrwt

    raw = make_lhe(tmp_path / "a.lhe", n=40, seed=4).read_bytes()
    # swap the beams' order in some events, as MadEvent writes them
    raw = re.sub(
        rb'(<pdfrwt beam="1">[^<]*</pdfrwt>\n)(<pdfrwt beam="2">[^<]*</pdfrwt>\n)',
        lambda m: m.group(2) + m.group(1) if hash(m.group(1)) % 2 else m.group(0),
        raw,
    )
    assert raw.count(b'beam="2">  1 21 ') and re.search(
        rb'beam="2">[^<]*</pdfrwt>\n<pdfrwt beam="1"', raw
    )
    events = raw[raw.index(b"</init>") + 7 :]
    fast = mgrwt._parse_plain(events, events.count(b"</event>"))
    assert fast is not None
    monkeypatch.setattr(mgrwt, "_parse_plain", lambda buf, n, engine="numpy": None)
    slow = parse_mgrwt(events)
    for a, b in ((fast.n_qcd, slow.n_qcd), (fast.mur, slow.mur), (fast.totfact, slow.totfact)):
        np.testing.assert_array_equal(a, b)
    for fb, sb in zip(fast.beams, slow.beams):
        for part in ("pid", "x", "q"):
            np.testing.assert_array_equal(getattr(fb, part).values, getattr(sb, part).values)
            np.testing.assert_array_equal(getattr(fb, part).offsets, getattr(sb, part).offsets)
    np.testing.assert_array_equal(fast.asrwt.offsets, slow.asrwt.offsets)


def test_event_stream_reads_once_and_checks_the_file(tmp_path: Path) -> None:
    from scaleuq.reweight.stream import EventStream, event_arrays

    src = make_lhe(tmp_path / "a.lhe", n=30, seed=5)
    data = src.read_bytes()
    # two gzip members, small blocks: the blocks and the rest give back the file
    gz = tmp_path / "a.lhe.gz"
    half = len(data) // 2
    gz.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    stream = EventStream(gz, block_bytes=3000)
    pieces = list(stream.blocks())
    stream.close()
    assert len(pieces) > 3 and sum(n for _, n in pieces) == 30
    assert stream.header + b"".join(p for p, _ in pieces) + stream.rest == data
    # event weights and particle lines equal the LHE reader's (also with '#' comment lines)
    ref = read_lhe(src, particles=True)
    body = data[data.index(b"</init>") + 7 : data.rindex(b"</event>") + 8]
    commented = body.replace(b" 21 1 1 2", b"# a comment\n 21 1 1 2", 1)
    for text in (body, commented):
        info, parts = event_arrays(text, 30, particles=True)
        np.testing.assert_array_equal(info[:, 2], ref.info[:, 2])
        np.testing.assert_array_equal(parts, ref.particles)
    # the one event parser's message (it was reweight's own regex parser's "expected 4 lines")
    with pytest.raises(LHEError, match="event 1 has a malformed particle line 3"):
        event_arrays(body.replace(b"\n 21 1 1 2", b"\n", 1), 30, particles=True)
    cut = tmp_path / "cut.lhe"
    cut.write_bytes(data[: data.rindex(b"</event>") - 20])
    s = EventStream(cut)
    with pytest.raises(LHEError, match="event 30 has no </event>: the file is truncated"):
        list(s.blocks())
    s.close()
    trunc = tmp_path / "t.lhe.gz"
    trunc.write_bytes(gzip.compress(data)[:-30])
    s = EventStream(trunc)
    with pytest.raises(LHEError, match="gzip stream is truncated"):
        list(s.blocks())
    s.close()


def test_splice_in_one_pass_equals_line_by_line() -> None:
    from scaleuq.reweight.formatting import splice_weights, wgt_lines

    rng = np.random.default_rng(7)
    events = [
        f"<event>\nline {i}\n<rwgt>\n<wgt id='1'> +1e0 </wgt>\n</rwgt>\n</event>\n".encode()
        for i in range(50)
    ]
    text = b"".join(events)
    w = rng.standard_normal((50, 7)) * 10.0 ** rng.uniform(-300, 300, (50, 7))
    ids = [str(i) for i in range(2, 9)]
    lines = wgt_lines(ids, w)
    for before, head, tail in ((b"</rwgt>", b"", b""), (b"</event>", b"<rwgt>\n", b"</rwgt>\n")):
        got = splice_weights(text, before, head, tail, ids, w).tobytes()
        expect = b"".join(
            e.replace(before, head + t + tail + before) for e, t in zip(events, lines)
        )
        assert got == expect

"""``scaleuq reweight``: bad options, real LO files, files that already carry weights, the
reference member, beams without PDF, and the readers naming the weight group they use."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import LHEError, OptionError
from scaleuq.io.lhe import read_header, read_lhe, summarize_lhe
from scaleuq.pdf import pythia_pdfdata
from scaleuq.reweight import reweight
from tests import test_reweight
from tests._pdfgrid import ALPHAS_INFO, toy, write_grid, write_set
from tests.test_reweight import make_lhe

# the grid-cache and toy-set fixtures of test_reweight.py, shared rather than copied
_grid_cache = test_reweight._grid_cache
toyset = test_reweight.toyset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "madgraph"


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--mur", "x", "--mur: expected comma-separated numbers, got 'x'"),
        ("--muf", "1,two", "--muf: expected comma-separated numbers"),
        ("--alphas", "q", "--alphas: expected comma-separated numbers"),
        ("--dyn", "abc", "--dyn: expected comma-separated integers"),
        ("--dyn", "", "--dyn: give at least one value"),
        ("--dyn", "7", "dynamical scale choice 7 is not one of"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    tmp_path: Path, toyset: Path, option: str, value: str, message: str
) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=3)
    out = tmp_path / "out.lhe"
    code, text = _run(
        "reweight", str(src), "-o", str(out), "--pdf", "toyset", "--pdf-path", str(toyset),
        option, value,
    )  # fmt: skip
    assert code == 1 and message in text and "internal error" not in text
    assert len(text.strip().splitlines()) == 1 and not out.exists()


def test_nothing_to_compute_is_refused(tmp_path: Path, toyset: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=3)
    with pytest.raises(OptionError, match="nothing to compute"):
        reweight(
            src, tmp_path / "o.lhe", pdf="toyset", pdf_path=toyset, mur=(1,), muf=(1,), dyn=(-1,)
        )
    assert not (tmp_path / "o.lhe").exists()


def test_output_onto_a_pdf_file_it_reads_is_refused(tmp_path: Path, toyset: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=3)
    grid = toyset / "toyset" / "toyset_0000.dat"
    info = toyset / "toyset" / "toyset.info"
    before = grid.read_bytes(), info.read_bytes()
    for target, pdf in ((grid, "toyset"), (info, "toyset"), (grid, str(grid))):
        code, text = _run(
            "reweight", str(src), "-o", str(target), "--pdf", pdf, "--pdf-path", str(toyset),
            "--dyn=-1",
        )  # fmt: skip
        assert code == 1 and "internal error" not in text, text
        assert str(target.name) in text
    assert (grid.read_bytes(), info.read_bytes()) == before


def test_reference_member_and_its_lhapdf_id(tmp_path: Path, toyset: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=6, seed=3)
    sigma0 = read_header(src).xsec_pb
    res = reweight(
        src, tmp_path / "o.lhe", pdf="toyset/2", pdf_path=toyset, pdf_members="all", dyn=(-1,)
    )
    scale = [w for w in res.weights if w.group == "Central scale variation"]
    assert (
        scale
        and {w.lhapdf_id for w in scale} == {910002}
        and {w.pdf for w in scale} == {"toyset/2"}
    )
    members = {w.pdf: w for w in res.weights if w.group == "toyset"}
    assert [w.lhapdf_id for w in members.values()] == [910000, 910001, 910002]
    # member 2 is the reference: its weight is the event weight, so its cross section is sigma0
    assert members["toyset/2"].xsec_pb == pytest.approx(sigma0, rel=1e-12)
    assert members["toyset/0"].xsec_pb != pytest.approx(sigma0, rel=1e-6)
    # the same scale weights as with member 2 alone
    alone = reweight(src, tmp_path / "p.lhe", pdf="toyset/2", pdf_path=toyset, dyn=(-1,))
    assert [w.xsec_pb for w in alone.weights] == pytest.approx(
        [w.xsec_pb for w in scale], rel=1e-12
    )
    head = (tmp_path / "p.lhe").read_text().split("</initrwgt>")[0]
    assert 'PDF="910002"' in head and 'PDF="910000"' not in head


def test_all_members_needs_the_whole_set(tmp_path: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=3)
    write_set(
        tmp_path / "pdfs", "part", 3, lambda k: toy,
        "SetIndex: 920000\nNumMembers: 5\nErrorType: replicas\n" + ALPHAS_INFO,
    )  # fmt: skip
    with pytest.raises(OptionError, match=r"declares 5 members .* 2 are not on disk: members 3, 4"):
        reweight(src, tmp_path / "o.lhe", pdf="part", pdf_path=tmp_path / "pdfs", pdf_members="all")
    lone = tmp_path / "lone" / "lone"
    lone.mkdir(parents=True)
    write_grid(lone / "lone_0000.dat", func=toy)
    with pytest.raises(OptionError, match=r"has only member 0 on disk and no \.info"):
        reweight(src, tmp_path / "o.lhe", pdf="lone", pdf_path=tmp_path / "lone", pdf_members="all")
    assert not (tmp_path / "o.lhe").exists()


def test_a_beam_without_pdfrwt_and_a_negative_scale(tmp_path: Path, toyset: Path) -> None:
    text = make_lhe(tmp_path / "a.lhe", n=4).read_text()
    ep = tmp_path / "ep.lhe"  # e p: the electron beam has no <pdfrwt> (was an IndexError)
    ep.write_text(
        re.sub(r'<pdfrwt beam="2">[^\n]*\n', "", text).replace(
            "2212 2212 6.5e+03", "2212 11 6.5e+03"
        )
    )
    res = reweight(ep, tmp_path / "ep_out.lhe", pdf="toyset", pdf_path=toyset, dyn=(-1,))
    assert res.n_events == 4 and all(np.isfinite(w.xsec_pb) for w in res.weights)
    neg = tmp_path / "neg.lhe"
    neg.write_text(re.sub(r'(<pdfrwt beam="1">\s+1 \S+ \S+ )(\S+)', r"\1-\2", text, count=1))
    with pytest.raises(LHEError, match=r'event 1 has mu_F = -\S+ GeV in <pdfrwt beam="1">'):
        reweight(neg, tmp_path / "neg_out.lhe", pdf="toyset", pdf_path=toyset, dyn=(-1,))
    assert not (tmp_path / "neg_out.lhe").exists()


def _two_to_one(path: Path) -> Path:
    """Each event's two final-state partons given zero transverse momentum (sum p_T = 0, as
    for the one particle of a 2 -> 1 process)."""
    text = make_lhe(path, n=4).read_text()
    text = re.sub(r"( 21 1 1 2 \d+ \d+ )[+-]\S+ ", r"\g<1>+0.0e+00 ", text)
    path.write_text(text)
    return path


def test_default_dyn_leaves_out_undefined_scales(
    tmp_path: Path, toyset: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = _two_to_one(tmp_path / "a.lhe")
    res = reweight(src, tmp_path / "o.lhe", pdf="toyset", pdf_path=toyset)
    dyns = {w.dyn for w in res.weights}
    assert 1 not in dyns and {-1, 4} <= dyns
    assert "dynamical scale 1 (sum pt) is undefined or zero in event 1" in caplog.text
    assert "--dyn" in caplog.text
    with pytest.raises(
        LHEError, match=r"dynamical scale 1 .* undefined or zero; leave it out with --dyn"
    ):
        reweight(src, tmp_path / "p.lhe", pdf="toyset", pdf_path=toyset, dyn=(-1, 1))
    assert not (tmp_path / "p.lhe").exists()


def test_a_file_with_weights_gets_a_group_of_its_own(tmp_path: Path, toyset: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=5)
    once = tmp_path / "once.lhe"
    twice = tmp_path / "twice.lhe"
    reweight(src, once, pdf="toyset", pdf_path=toyset, dyn=(-1,))
    # the second pass computes other weights (mu_R only): the readers must use them
    res = reweight(
        once, twice, pdf="toyset", pdf_path=toyset, dyn=(-1,), muf=(1,), mur=(0.25, 1, 4)
    )
    assert {w.group for w in res.weights} == {"Central scale variation (scaleuq reweight)"}
    groups = [w.group for w in read_header(twice).weights]
    assert groups.count("Central scale variation") == 8
    summary = summarize_lhe(twice)
    assert summary.scale_group == "Central scale variation (scaleuq reweight)"
    assert any("the last of 2 groups" in n for n in summary.notes)
    assert sorted(summary.envelopes["9-point"].points_used) == [(1.0, 1.0)]
    assert (0.25, 1.0) not in summary.envelopes["9-point"].points_used
    code, text = _run("ingest", "lhe", str(twice))
    assert code == 0 and "weight group 'Central scale variation (scaleuq reweight)'" in text
    code, text = _run(
        "reweight",
        str(twice),
        "--pdf",
        "toyset",
        "--pdf-path",
        str(toyset),
        "--dyn=-1",
        "--summary",
    )
    assert (
        code == 0
        and "summary from weight group 'Central scale variation (scaleuq reweight 2)'" in text
    )


def test_quiet_silences_the_report(tmp_path: Path, toyset: Path) -> None:
    src = make_lhe(tmp_path / "a.lhe", n=3)
    r = CliRunner().invoke(
        main,
        ["--quiet", "reweight", str(src), "-o", str(tmp_path / "o.lhe"), "--pdf", "toyset",
         "--pdf-path", str(toyset), "--dyn=-1"],
    )  # fmt: skip
    assert r.exit_code == 0 and r.output == "" and (tmp_path / "o.lhe").is_file()


def test_ingest_lhe_mixed_processes_are_rows_of_their_own(tmp_path: Path) -> None:
    jj = make_lhe(tmp_path / "jj.lhe", n=3)
    zj = tmp_path / "zj.lhe"
    zj.write_text(jj.read_text().replace("generate p p > j j", "generate p p > z j"))
    wj = tmp_path / "wj.lhe"
    wj.write_text(jj.read_text().replace("generate p p > j j", "generate p p > w+ j"))
    for files in ((jj, zj), (jj, zj, wj)):
        code, text = _run("ingest", "lhe", *map(str, files))
        assert code == 0, text
        for f in files:
            assert f"LO: {f}" in text
    broken = tmp_path / "broken.lhe"
    broken.write_text(jj.read_text().replace("</event>", "", 2))
    code, text = _run("ingest", "lhe", str(jj), str(broken), str(zj))
    assert code == 1 and f"{broken}" in text and f"LO: {jj}" in text and f"LO: {zj}" in text


@pytest.mark.shared
def test_real_lo_files(tmp_path: Path) -> None:
    """The 2 -> 1 file works with the defaults; the ttbar file's own weights stay, ours are a
    group of their own and the readers say they use it; pythia8mc's one-member set refuses
    --pdf-members all naming what is missing."""
    one = SHARED / "apapaefs-ggiota0" / "unweighted_events.lhe.gz"
    tt = SHARED / "jacanchaplais-ttbar" / "unweighted_events.lhe"
    if not (one.is_file() and tt.is_file()):
        pytest.skip("../shared/data/madgraph is not present")
    pdfdata = pythia_pdfdata()
    if pdfdata is None or not (pdfdata / "NNPDF23_lo_as_0130_qed_0000.dat").is_file():
        pytest.skip("the NNPDF23_lo_as_0130_qed grid (shipped with pythia8mc) is not installed")
    res = reweight(one, tmp_path / "one.lhe.gz", pdf="NNPDF23_lo_as_0130_qed")
    assert res.n_events == 10000 and 1 not in {w.dyn for w in res.weights}
    assert read_lhe(tmp_path / "one.lhe.gz").weights.shape == (10000, len(res.weights))
    with pytest.raises(OptionError, match="has only member 0 on disk"):
        reweight(one, tmp_path / "x.lhe", pdf="NNPDF23_lo_as_0130_qed", pdf_members="all")
    res = reweight(tt, tmp_path / "tt.lhe", pdf="NNPDF23_lo_as_0130_qed")
    assert {w.group for w in res.weights} == {"Central scale variation (scaleuq reweight)"}
    summary = summarize_lhe(tmp_path / "tt.lhe")
    assert summary.scale_group == "Central scale variation (scaleuq reweight)"
    assert summarize_lhe(tt).scale_group == "Central scale variation"

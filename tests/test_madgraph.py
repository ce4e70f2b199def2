"""MadGraph outputs as users keep them -> runs -> table -> pulls.

Fixtures (inline strings and ``tests/data/madgraph/``) reproduce the formats MadGraph writes;
their numbers are made up for the tests, not physics results. The real outputs of
``../shared/data/madgraph/`` are checked against the numbers its README states.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import MadGraphError
from scaleuq.io.madgraph import (
    IngestResult,
    find_blocks,
    ingest,
    ingest_lhe,
    parse_summary,
    parse_systematics_log,
    process_key,
    sniff,
)
from scaleuq.io.synthetic import write_synthetic_lhe
from scaleuq.pull.pulls import pulls

from .conftest import ROOT, SHARED, write

FIXTURES = ROOT / "tests" / "data" / "madgraph"
REAL = SHARED / "madgraph"

SYST = """# Systematics module of MadGraph
# original cross-section: {xsec}
#     scale variation: +11.8% -12.7%
#     emission scale variation: + 0% - 0%
#     central scheme variation: +8.43e-09% -20.3%
# PDF variation: +0.918% -0.918%
#PDF MSHT20nnlo_nf4: 30286.6 +1.2% -1.56%
# dynamical scheme # 1 : 28597.7 +13.2% -14.3% # \\sum ET
"""
BANNER = """<LesHouchesEvents version="3.0">
<header>
<MG5ProcCard>
import model sm
generate {process}
output PROC
</MG5ProcCard>
<MGRunCard>
#                     run_card.dat MadEvent                          *
</MGRunCard>
<MGGenerationInfo>
#  Number of Events        :       10000
#  Integrated weight (pb)  :       {xsec}
</MGGenerationInfo>
</header>
"""
NLO_BANNER = """<LesHouchesEvents version="3.0">
<header>
<MG5ProcCard>
import model loop_sm
generate {process}
output PROC
</MG5ProcCard>
<run_settings>
order = {order}
fixed_order = ON
</run_settings>
</header>
"""
SUMMARY_NEW = """
  Process p p > t t~ t~ j [QCD]
  Run at p-p collider (6500.0 + 6500.0 GeV)
  Total cross section: 2.036e-04 +- 5.7e-07 pb
  Scale variation (computed from histogram information):
      Dynamical_scale_choice -1 (envelope of 9 values):
          2.039e-04 pb  +16.5% -13.0%
      Dynamical_scale_choice 10 (envelope of 9 values):
          2.100e-04 pb  +20.0% -15.0%
  PDF variation (computed from histogram information):
      NNPDF31_nnlo_as_0118 (101 members; using replicas method):
          2.036e-04 pb  +1.8% -1.8%
"""
SUMMARY_OLD = """
  Process p p > z [QCD]
  Total cross-section: 5.410e+04 +- 2.2e+02 pb
  Ren. and fac. scale uncertainty: +4.6% -8.6%
  PDF uncertainty: +1.9% -1.5%
"""


def fo_block(xsec: str, err: str, up: str, dn: str, process: str = "p p > t t~ [QCD]") -> str:
    return f"""  --------------------------------------------------------------
  Final results and run summary:
  Process  {process}
  Run at p-p collider (6500.0 + 6500.0 GeV)
  Total cross section: {xsec} +- {err} pb
  --------------------------------------------------------------
  Scale variation (computed from histogram information):
      Dynamical_scale_choice -1 (envelope of 9 values):
          {xsec} pb  +{up}% -{dn}%
  --------------------------------------------------------------
"""


def lo_run(root: Path, process: str, xsec: float, name: str = "run_01") -> Path:
    run = root / "Events" / name
    run.mkdir(parents=True)
    write(run / f"{name}_tag_1_banner.txt", BANNER.format(process=process, xsec=xsec))
    write(run / "parton_systematics.log", SYST.format(xsec=xsec))
    write(run / "console.log", f"  Cross-section :   {xsec} +- {xsec / 1000} pb\n")
    return run


def nlo_run(root: Path, process: str, summary: str, order: str = "NLO") -> Path:
    run = root / "Events" / "run_01"
    run.mkdir(parents=True)
    write(run / "summary.txt", summary)
    write(run / "run_01_tag_1_banner.txt", NLO_BANNER.format(process=process, order=order))
    return run


def real(name: str) -> Path:
    path = REAL / name
    if not path.is_dir():
        pytest.skip("../shared/data/madgraph is not present")
    return path


# --- parsers ---------------------------------------------------------------------------------


def test_parse_systematics_log(tmp_path) -> None:
    info = parse_systematics_log(write(tmp_path / "anything", SYST.format(xsec=30775.0)))
    assert info.xsec_pb == 30775.0
    assert (info.scale.up_pct, info.scale.dn_pct) == (11.8, -12.7)
    assert info.scale.source == f"{tmp_path / 'anything'}:3"
    assert (info.emission.up_pct, info.emission.dn_pct) == (0.0, -0.0)
    assert (info.central_scheme.up_pct, info.central_scheme.dn_pct) == (8.43e-09, -20.3)
    assert (info.pdf.up_pct, info.pdf.dn_pct) == (0.918, -0.918)
    name, xsec, var = info.pdf_sets[0]
    assert (name, xsec, var.up_pct, var.dn_pct) == ("MSHT20nnlo_nf4", 30286.6, 1.2, -1.56)
    assert info.dynamical[0][:2] == (1, 28597.7) and info.dynamical[0][3] == "\\sum ET"
    missing = parse_systematics_log(
        write(
            tmp_path / "m.log",
            "# original cross-section: 1.0\n# PDF variation: missing combination\n",
        )
    )
    assert missing.pdf is None and missing.pdf_missing


def test_parse_summary_new_and_old(tmp_path) -> None:
    new = parse_summary(write(tmp_path / "summary.txt", SUMMARY_NEW))
    assert new.process == "p p > t t~ t~ j [QCD]"
    assert (new.xsec_pb, new.xsec_err_pb) == (2.036e-04, 5.7e-07)
    # the run's own dynamical scale (-1), not choice 10
    assert (new.scale.up_pct, new.scale.dn_pct) == (16.5, -13.0) and new.scale_values == 9
    assert (new.pdf.up_pct, new.pdf.dn_pct) == (1.8, -1.8)
    assert new.pdf_set == "NNPDF31_nnlo_as_0118"
    old = parse_summary(write(tmp_path / "old.txt", SUMMARY_OLD))
    assert old.xsec_pb == 5.410e4 and (old.scale.up_pct, old.scale.dn_pct) == (4.6, -8.6)
    assert (old.pdf.up_pct, old.pdf.dn_pct) == (1.9, -1.5)


def test_fortran_exponents_in_summaries(tmp_path) -> None:
    info = parse_summary(write(tmp_path / "s", fo_block("6.819D+02", "3.6D+00", "9.8", "11.8")))
    assert info.xsec_pb == pytest.approx(681.9) and info.xsec_err_pb == pytest.approx(3.6)


def test_process_key() -> None:
    assert process_key("p p > t t~ [QCD]") == process_key("p p > t t~") == "p p > t t~"
    assert process_key("p p > w+ b j $$w+ w- z a QED=3 QCD=0 [QCD]") == "p p > w+ b j"


# --- content, not names ----------------------------------------------------------------------


def test_sniff_by_content(tmp_path) -> None:
    assert sniff(write(tmp_path / "notes", "hello\n")) == "text"
    assert sniff(write(tmp_path / "x.log", BANNER.format(process="p p > z", xsec=1.0))) == "banner"
    lhe = write_synthetic_lhe(tmp_path / "events.dat", 3, compress=True)
    assert sniff(lhe) == "lhe"
    (tmp_path / "bin").write_bytes(b"\x00\x01\x02binary")
    assert sniff(tmp_path / "bin") is None


def test_renamed_logs_and_console_captures(tmp_path) -> None:
    # a systematics log renamed by its user, with a banner renamed too, and no extension
    write(tmp_path / "sm_50-ptj_parton_systematics", SYST.format(xsec=30775.0))
    write(tmp_path / "sm_50-ptj_banner.md", BANNER.format(process="p p > z j", xsec=30790.0))
    result = ingest([tmp_path])
    run = result.runs[0]
    assert run.order == "LO" and run.process == "p p > z j"
    assert (run.scale_up_pct, run.pdf_up_pct) == (11.8, 0.918)
    # the banner's <MGGenerationInfo> is used and the differing log value is reported
    assert run.xsec_pb == 30790.0 and any("differ" in n for n in run.notes)
    # a console capture of the same run with INFO: prefixes and no banner: --process names it
    console = "".join(f"INFO: {line}\n" for line in SYST.format(xsec=30775.0).splitlines())
    path = write(
        tmp_path.parent / "capture.txt", "INFO:   Cross-section :   30775 +- 31 pb\n" + console
    )
    with pytest.raises(MadGraphError, match=r"capture.txt:1: cannot tell which process.*--process"):
        ingest([path])
    result = ingest([path], process="p p > z j")
    assert result.runs[0].xsec_err_pb == 31.0 and result.runs[0].scale_dn_pct == -12.7
    assert len(result.runs) == 1  # the console line and the systematics block are one run


def test_process_option_disagreeing_with_the_run_is_an_error(tmp_path) -> None:
    # issue 20: a plain --process applies only to runs that name nothing (the run keeps its
    # own, with a note); a per-run --process FILE:LINE=... that contradicts the run is an error
    lo_run(tmp_path, "p p > z j", 7.0)
    console = tmp_path / "Events" / "run_01" / "console.log"
    with pytest.raises(MadGraphError, match=r"'p p > z j' disagrees with --process .*=p p > z$"):
        ingest([tmp_path], process=f"{console}:1=p p > z")
    kept = ingest([tmp_path], process="p p > z").runs[0]
    assert kept.process == "p p > z j" and any(
        "--process 'p p > z' not used" in n for n in kept.notes
    )
    assert ingest([tmp_path], process="p p > z j").runs[0].process == "p p > z j"


# --- orders ----------------------------------------------------------------------------------


def test_fixed_order_lo_and_nlo_pair_by_their_banners() -> None:
    # the same "Final results" block for order = LO and order = NLO (tests/data/madgraph/README.md)
    result = ingest([FIXTURES / "fo_ttbar"])
    assert [r.order for r in result.runs] == ["LO", "NLO"]
    assert all("<run_settings>" in r.order_from for r in result.runs)
    row = result.table.iloc[0]
    assert row["process"] == "p p > t t~" and row["n_final"] == 2
    assert (row["lo_xsec_pb"], row["nlo_xsec_pb"]) == (100.0, 140.0)
    assert pulls(result.table).table["pull"][0] == pytest.approx((1.4 - 1) / 0.25)


def test_every_banner_in_a_folder_is_read_and_matched_by_cross_section() -> None:
    result = ingest([FIXTURES / "eventgen_banners"])
    by_order = {r.order: r for r in result.runs}
    assert by_order["LO"].xsec_pb == 2094.0 and by_order["LO"].scale_up_pct == 6.3
    assert by_order["NLO"].xsec_pb == 2097.0
    assert "LO_tag_1_banner.txt" in by_order["LO"].order_from
    assert "NLO_tag_1_banner.txt" in by_order["NLO"].order_from


def test_blocks_in_one_text_are_runs_of_their_own(tmp_path) -> None:
    # plain headings, a markdown heading, console prefixes; the LO block has no scale variation:
    # it must stay empty, never be taken from the NLO block
    lo = fo_block("4.569e+02", "1.9e+00", "29.7", "22.3").replace(
        "  Scale variation (computed from histogram information):\n"
        "      Dynamical_scale_choice -1 (envelope of 9 values):\n"
        "          4.569e+02 pb  +29.7% -22.3%\n",
        "",
    )
    nlo = "".join(
        f"INFO: {x}\n" for x in fo_block("6.819e+02", "3.6e+00", "9.8", "11.8").splitlines()
    )
    notes = write(tmp_path / "notes.md", f"Results\n\nNLO\n{nlo}\n**LO:**\n```\n{lo}```\n")
    result = ingest([notes])
    by_order = {r.order: r for r in result.runs}
    assert by_order["NLO"].xsec_pb == 681.9 and by_order["NLO"].scale_up_pct == 9.8
    assert by_order["LO"].xsec_pb == 456.9 and by_order["LO"].scale_up_pct is None
    assert by_order["LO"].order_from.startswith("heading 'LO'")
    assert any(m.startswith("scale variation") for m in by_order["LO"].missing)
    assert result.table["lo_scale_up_rel"].isna().all()


@pytest.mark.parametrize(
    "heading, order",
    [("### NLO", "NLO"), ("NLO", "NLO"), ("**LO**", "LO"), ("## LO+PS", "LO"), ("LO:", "LO"),
     ("Next-to-leading order", "NLO")],
)  # fmt: skip
def test_heading_forms(tmp_path, heading, order) -> None:
    path = write(tmp_path / "n.md", f"{heading}\n\n{fo_block('1.0e+02', '1.0e+00', '5', '5')}")
    assert ingest([path]).runs[0].order == order


def test_undecidable_order_is_an_error_naming_file_and_line(tmp_path) -> None:
    path = write(tmp_path / "summary.txt", "\n\n" + fo_block("1.0e+02", "1.0e+00", "5", "5"))
    with pytest.raises(MadGraphError, match=r"summary.txt:4: .*LO and NLO runs alike.*--order"):
        ingest([path])
    assert ingest([path], order="nlo").runs[0].order_from == "--order"


def test_process_without_nlo_tag_and_loop_induced_are_lo(tmp_path) -> None:
    path = write(tmp_path / "s", fo_block("1.0e+02", "1.0e+00", "5", "5", process="p p > z j"))
    assert ingest([path]).runs[0].order == "LO"
    result = ingest([FIXTURES / "loop_induced"])  # MadEvent run of g g > z z [noborn=QCD]
    run = result.runs[0]
    assert run.order == "LO" and run.process == "g g > z z [noborn=QCD]"
    assert (run.xsec_pb, run.xsec_err_pb, run.scale_up_pct) == (1.25, 0.0031, 24.1)
    assert run.pdf_up_pct is None and any("missing combination" in m for m in run.missing)


def test_two_runs_of_one_order_are_reported_and_picked(tmp_path) -> None:
    text = (
        f"### NLO\n{fo_block('6.819e+02', '3.6e+00', '9.8', '11.8')}\n"
        f"### LO+PS\n{fo_block('4.559e+02', '2.0e+00', '29.7', '22.2')}\n"
        f"### LO\n{fo_block('4.569e+02', '1.9e+00', '29.7', '22.3')}\n"
    )
    path = write(tmp_path / "README.md", text)
    with pytest.raises(MadGraphError, match=r"2 LO runs .*'LO\+PS'.*'LO'.*--pick"):
        ingest([path])
    result = ingest([path], pick=["LO+PS"])
    assert result.table["lo_xsec_pb"][0] == 455.9 and result.unused[0].label == "LO"
    result = ingest([path], pick=[f"{path}:27"])  # the LO block's first line
    assert result.table["lo_xsec_pb"][0] == 456.9
    with pytest.raises(MadGraphError, match="--pick 'NNLO' matches no run"):
        ingest([path], pick=["NNLO"])


# --- process syntax --------------------------------------------------------------------------


def test_decay_chains_s_channel_and_merged_samples(tmp_path) -> None:
    result = ingest([FIXTURES / "decay_chain"])
    assert result.table["n_final"][0] == 5  # b l+ vl b~ w-
    merged = ingest([FIXTURES / "merged_fxfx"])
    assert merged.table["process"][0] == "p p > e+ ve | p p > e+ ve j"
    assert merged.table["n_final"][0] == 2
    assert any("merged sample of 2 processes" in w for w in merged.warnings)
    expected = {"p p > g > j j": 2, "p p > zp > h a0": 2, "e+ e- > a ap, ap > e+ e-": 3}
    for process in expected:
        lo_run(tmp_path / process.replace(" ", "_"), process, 1.0)
    table = ingest([tmp_path]).table.set_index("process")
    for process, n in expected.items():
        assert table.loc[process, "n_final"] == n


def test_n_final_option(tmp_path) -> None:
    lo_run(tmp_path, "p p > z j", 7.0)
    result = ingest([tmp_path], n_final=3)
    assert result.table["n_final"][0] == 3 and any("--n-final 3" in w for w in result.warnings)


# --- the old behaviour that must stay --------------------------------------------------------


def test_two_processes_lo_and_nlo_to_pulls(tmp_path) -> None:
    lo_run(tmp_path / "ttx_LO", "p p > t t~ t~ j", 1.5e-04)
    nlo_run(tmp_path / "ttx_NLO", "p p > t t~ t~ j [QCD]", SUMMARY_NEW)
    lo_run(tmp_path / "z_LO", "p p > z", 4.248e4)
    nlo_run(tmp_path / "z_NLO", "p p > z [QCD]", SUMMARY_OLD)
    result = ingest([tmp_path])
    assert isinstance(result, IngestResult) and len(result.runs) == 4 and len(result.table) == 2
    row = result.table.set_index("process").loc["p p > t t~ t~ j"]
    assert row["lo_xsec_pb"] == 1.5e-04 and row["lo_mc_err_pb"] == pytest.approx(1.5e-07)
    assert row["lo_scale_up_rel"] == pytest.approx(0.118)
    assert row["lo_scale_dn_rel"] == pytest.approx(0.127)
    assert row["nlo_xsec_pb"] == 2.036e-04 and row["nlo_scale_up_rel"] == pytest.approx(0.165)
    assert row["n_final"] == 4
    result = pulls(result.table).table.set_index("process")
    assert result.loc["p p > t t~ t~ j", "pull"] == pytest.approx((2.036e-04 / 1.5e-04 - 1) / 0.118)
    assert result.loc["p p > z", "pull"] == pytest.approx((5.410e4 / 4.248e4 - 1) / 0.118)


def test_duplicate_runs_are_an_error(tmp_path) -> None:
    lo_run(tmp_path / "a", "p p > z", 1.0)
    lo_run(tmp_path / "b", "p p > z", 2.0)
    with pytest.raises(MadGraphError, match=r"'p p > z' has 2 LO runs"):
        ingest([tmp_path])


def test_missing_information_is_reported_not_guessed(tmp_path, caplog) -> None:
    run = tmp_path / "Events" / "run_01"
    run.mkdir(parents=True)
    write(run / "run_01_tag_1_banner.txt", BANNER.format(process="p p > z j", xsec=7.2e3))
    result = ingest([tmp_path])
    assert result.runs[0].xsec_err_pb is None and result.runs[0].scale_up_pct is None
    assert result.table["lo_scale_up_rel"].isna().all()
    assert "no NLO run" in caplog.text


def test_lo_scale_from_lhe_weights_without_systematics_log(tmp_path) -> None:
    run = tmp_path / "Events" / "run_01"
    run.mkdir(parents=True)
    write_synthetic_lhe(run / "unweighted_events.lhe.gz", 500, process="p p > z j j", xsec_pb=20.0)
    result = ingest([run])
    row = result.table.iloc[0]
    assert row["process"] == "p p > z j j" and row["lo_xsec_pb"] == 20.0
    assert row["lo_scale_up_rel"] > 0 and row["lo_scale_dn_rel"] > 0
    assert "event weights" in result.runs[0].provenance_of("scale")


def test_nothing_found(tmp_path) -> None:
    write(tmp_path / "readme.txt", "nothing here\n")
    with pytest.raises(MadGraphError, match="no MadGraph run output"):
        ingest([tmp_path])


def test_example_run_directories_reproduce_the_bundled_rows() -> None:
    # examples/madgraph_runs holds rows a.5 and a.6 of arXiv:1405.0301 in MadGraph's formats
    from scaleuq.io.datasets import load_dataset

    result = ingest([ROOT / "examples" / "madgraph_runs"])
    ours = pulls(result.table).table.set_index("process")["pull"]
    published = pulls(load_dataset("madgraph2014_13tev_vjets")).table.set_index("process")["pull"]
    for process in ("p p > z", "p p > z j"):
        assert ours[process] == pytest.approx(published[process], rel=1e-9)


# --- provenance ------------------------------------------------------------------------------


def test_provenance_per_row_and_number() -> None:
    result = ingest([FIXTURES / "fo_ttbar"])
    lo = result.runs[0]
    assert lo.provenance_of("xsec_pb").endswith("run_01/summary.txt:5")
    assert lo.provenance_of("scale").endswith("run_01/summary.txt:9")
    source = result.table["source"][0]
    assert (
        "LO: " in source and "run_01/summary.txt:2" in source and "run_02/summary.txt:2" in source
    )
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["runs"][1]["provenance"]["xsec_pb"].endswith("run_02/summary.txt:5")


# --- bad input (issue 10): one clear error, never a silently wrong number ---------------------


def test_two_total_cross_section_lines_are_an_error(tmp_path) -> None:
    text = fo_block("1.0e+02", "1.0e+00", "5", "5").replace(
        "  Total cross section: 1.0e+02 +- 1.0e+00 pb\n",
        "  Total cross section: 1.0e+02 +- 1.0e+00 pb\n  Total cross section: 2.0e+02 +- 1.0e+00 pb\n",
    )
    path = write(tmp_path / "summary.txt", text)
    with pytest.raises(MadGraphError, match=r"summary.txt:6: a second 'Total cross section'"):
        ingest([path], order="nlo")


def test_summary_line_without_its_colon(tmp_path) -> None:
    text = fo_block("1.0e+02", "1.0e+00", "5", "5").replace("cross section:", "cross section")
    path = write(tmp_path / "summary.txt", text)
    with pytest.raises(
        MadGraphError, match=r"summary.txt:5: the total cross section line has no ':'"
    ):
        ingest([path], order="nlo")
    syst = write(
        tmp_path / "syst.log", "# original cross-section 30775.0\n#     scale variation: +1% -1%\n"
    )
    with pytest.raises(MadGraphError, match=r"syst.log:1: the original cross-section line has no"):
        ingest([syst], process="p p > z")


def test_dangling_symlink_is_an_error_naming_it(tmp_path) -> None:
    run = nlo_run(tmp_path, "p p > z [QCD]", SUMMARY_OLD)
    (run / "summary.txt").unlink()
    os.symlink(tmp_path / "elsewhere" / "summary.txt", run / "summary.txt")
    with pytest.raises(MadGraphError, match=r"summary.txt: a link to .*which does not exist"):
        ingest([tmp_path])


def test_unreadable_folder_is_an_error_naming_it(tmp_path, monkeypatch) -> None:
    lo_run(tmp_path / "a", "p p > z", 1.0)
    lo_run(tmp_path / "b", "p p > z j", 1.0)
    blocked = tmp_path / "b" / "Events"
    real_scandir = os.scandir

    def scandir(path):  # what os.walk meets in a folder without read permission
        if Path(path) == blocked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    # issue 19 item 7: the unreadable folder is named, the other folder's row is kept
    result = ingest([tmp_path])
    assert list(result.table["process"]) == ["p p > z"]
    assert [Path(f.path).relative_to(tmp_path) for f in result.failed] == [Path("b/Events")]
    assert re.match(r"cannot read this folder \(Permission denied", result.failed[0].reason)
    with pytest.raises(
        MadGraphError, match=r"b/Events: cannot read this folder \(Permission denied"
    ):
        ingest([tmp_path / "b"])


def test_same_folder_given_twice_is_read_once(tmp_path) -> None:
    lo_run(tmp_path / "LO", "p p > z", 4.248e4)
    nlo_run(tmp_path / "NLO", "p p > z [QCD]", SUMMARY_OLD)
    result = ingest([tmp_path / "LO", tmp_path / "LO", tmp_path, tmp_path / "NLO" / ".." / "NLO"])
    assert len(result.runs) == 2 and len(result.table) == 1


def test_intermediate_results_are_not_runs(tmp_path) -> None:
    capture = (
        "INFO:   Current results:\n"
        "INFO:   Total cross section: 9.0e+01 +- 9.0e+00 pb\n"
        "INFO: Results after grid setup:\n"
        "INFO:   Total cross section: 9.5e+01 +- 5.0e+00 pb\n"
        + "".join(f"INFO: {x}\n" for x in fo_block("1.0e+02", "1.0e+00", "5", "5").splitlines())
    )
    path = write(tmp_path / "console.txt", capture)
    result = ingest([path], order="nlo")
    assert len(result.runs) == 1 and result.runs[0].xsec_pb == 100.0
    kinds = [b.kind for b in find_blocks(capture, path)]
    assert kinds == ["intermediate", "intermediate", "fixed_order"]


def test_decay_width_and_biased_results_are_refused(tmp_path) -> None:
    width = fo_block("1.0e+00", "1.0e-02", "5", "5").replace(
        "Total cross section", "Total decay width"
    )
    with pytest.raises(MadGraphError, match="decay width"):
        ingest([write(tmp_path / "w.txt", width)], order="lo")
    bias = fo_block("1.0e+00", "1.0e-02", "5", "5").replace(
        "1.0e-02 pb\n", "1.0e-02 pb, incl. bias (DO NOT USE)\n", 1
    )
    with pytest.raises(MadGraphError, match="DO NOT USE"):
        ingest([write(tmp_path / "b.txt", bias)], order="lo")


# --- the real outputs of ../shared/data/madgraph (numbers from its README) --------------------


def test_real_renamed_systematics_log_and_banner() -> None:
    result = ingest([real("alecandido-day3-sm50")])
    run = result.runs[0]
    assert run.order == "LO" and run.process == "p p > vl vl~ j" and result.table["n_final"][0] == 3
    assert run.xsec_pb == pytest.approx(636.055, rel=1e-9)  # banner
    assert (run.scale_up_pct, run.scale_dn_pct) == (14.7, -12.8)  # log
    assert (run.pdf_up_pct, run.pdf_dn_pct) == (0.696, -1.72)
    assert any("635.864" in n and "used the banner" in n for n in run.notes)
    log_only = ingest(
        [real("alecandido-day3-sm50") / "sm_50-ptj_parton_systematics.log"],
        process="p p > vl vl~ j",
    )
    assert log_only.runs[0].xsec_pb == pytest.approx(635.864259796, rel=1e-12)


def test_real_notes_with_pasted_lo_and_nlo_blocks() -> None:
    notes = real("edoardo-ex1.6-pptt") / "README.md"
    with pytest.raises(MadGraphError, match=r"2 LO runs .*'LO\+PS'.*'LO'"):
        ingest([notes])
    result = ingest([notes], pick=["LO"])
    row = result.table.iloc[0]
    assert row["process"] == "p p > t t~" and row["n_final"] == 2
    assert (row["nlo_xsec_pb"], row["nlo_mc_err_pb"]) == (681.9, 3.6)
    assert (row["lo_xsec_pb"], row["lo_mc_err_pb"]) == (456.9, 1.9)
    assert (row["lo_scale_up_rel"], row["lo_scale_dn_rel"]) == pytest.approx((0.297, 0.223))
    assert (row["nlo_scale_up_rel"], row["nlo_scale_dn_rel"]) == pytest.approx((0.098, 0.118))
    pull = pulls(result.table).table["pull"][0]
    assert pull == pytest.approx((681.9 / 456.9 - 1) / 0.297, rel=1e-12)
    ps = ingest([notes], pick=["LO+PS"]).table.iloc[0]
    assert (ps["lo_xsec_pb"], ps["lo_scale_dn_rel"]) == (455.9, pytest.approx(0.222))


def test_real_run_directory_without_scale_weights() -> None:
    result = ingest([real("smouns-rpvmssm")])
    run = result.runs[0]
    assert run.process == "p p > mul- mul+" and run.order == "LO"
    assert (run.xsec_pb, run.xsec_err_pb) == (0.01470549, 4.024047e-05)
    assert run.scale_up_pct is None and any("no scale-variation weights" in m for m in run.missing)


def test_real_outputs_together(tmp_path) -> None:
    result = ingest([real("alecandido-day3-sm50"), real("smouns-rpvmssm")])
    assert sorted(result.table["process"]) == ["p p > mul- mul+", "p p > vl vl~ j"]


# --- command line ----------------------------------------------------------------------------


def test_cli_ingest_then_pulls(tmp_path) -> None:
    lo_run(tmp_path / "LO", "p p > z", 4.248e4)
    nlo_run(tmp_path / "NLO", "p p > z [QCD]", SUMMARY_OLD)
    out = tmp_path / "table.csv"
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", "madgraph", str(tmp_path / "LO"), str(tmp_path / "NLO"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "source" in out.read_text().splitlines()[0]
    result = runner.invoke(main, ["pulls", str(out), "--format", "json"])
    payload = json.loads(result.output)
    assert payload["processes"][0]["process"] == "p p > z" and payload["processes"][0]["pull"] > 0


def test_cli_options_pick_order_process_and_json(tmp_path) -> None:
    text = (
        f"### NLO\n{fo_block('6.819e+02', '3.6e+00', '9.8', '11.8')}\n"
        f"### LO+PS\n{fo_block('4.559e+02', '2.0e+00', '29.7', '22.2')}\n"
        f"### LO\n{fo_block('4.569e+02', '1.9e+00', '29.7', '22.3')}\n"
    )
    notes = write(tmp_path / "notes.md", text)
    out = tmp_path / "t.json"
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", "madgraph", str(notes)])
    assert result.exit_code == 1 and "--pick" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        main, ["ingest", "madgraph", str(notes), "--pick", "LO", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["processes"][0]["lo_xsec_pb"] == 456.9
    assert payload["runs"][0]["provenance"]["xsec_pb"].endswith("notes.md:6")
    result = runner.invoke(main, ["ingest", "madgraph", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.output.strip().endswith("missing: no such file or directory")


def test_cli_ingest_lhe_different_processes(tmp_path) -> None:
    lo = write_synthetic_lhe(tmp_path / "lo.lhe.gz", 100, process="p p > z j")
    nlo = write_synthetic_lhe(tmp_path / "nlo.lhe.gz", 100, process="p p > w+ j [QCD]")
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, ["ingest", "lhe", str(lo), str(nlo), "-o", str(out)])
    assert result.exit_code == 1 and "different processes" in result.output
    assert not out.exists()


def test_cli_ingest_lhe_lo_and_nlo(tmp_path) -> None:
    lo = write_synthetic_lhe(tmp_path / "lo.lhe.gz", 200, process="p p > z j", xsec_pb=10.0, seed=1)
    nlo = write_synthetic_lhe(
        tmp_path / "nlo.lhe.gz", 200, process="p p > z j [QCD]", xsec_pb=13.0, seed=2
    )
    out = tmp_path / "x.json"
    result = CliRunner().invoke(
        main, ["ingest", "lhe", str(lo), str(nlo), "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())["processes"][0]  # --format json -o writes JSON
    assert row["lo_xsec_pb"] == 10.0 and row["nlo_xsec_pb"] == 13.0


def test_ingest_lhe_without_weights_or_process(tmp_path) -> None:
    path = write_synthetic_lhe(tmp_path / "a.lhe", 20, process="p p > z j", xsec_pb=5.0)
    text = path.read_text()
    start, end = text.index("<MG5ProcCard>"), text.index("</MG5ProcCard>") + len("</MG5ProcCard>")
    start_w, end_w = text.index("<initrwgt>"), text.index("</initrwgt>") + len("</initrwgt>")
    bare = text[:start] + text[end:start_w] + text[end_w:]
    bare = re.sub(r"<rwgt>.*?</rwgt>\n?", "", bare, flags=re.S)
    other = write(tmp_path / "other_generator.lhe", bare)
    with pytest.raises(MadGraphError, match=r"cannot tell which process.*--process"):
        ingest_lhe([other])
    tagged = ingest_lhe([other], process="p p > z j [QCD]").runs[0]
    assert tagged.order == "NLO" and "NLO tag" in tagged.order_from
    result = ingest_lhe([other], process="p p > z j", order="lo")
    assert result.runs[0].missing == ("no scale-variation weights",)
    cli = CliRunner().invoke(
        main, ["ingest", "lhe", str(other), "--process", "p p > z j", "--order", "lo"]
    )
    assert cli.exit_code == 0 and "no scale-variation weights" in cli.output
    assert "+0%" not in cli.output


def test_real_lhe_without_weights_in_cli() -> None:
    lhe = real("smouns-rpvmssm") / "Events" / "run_01" / "unweighted_events.lhe.gz"
    result = CliRunner().invoke(main, ["ingest", "lhe", str(lhe)])
    assert result.exit_code == 0, result.output
    assert "10000 events, sigma = 0.0147055 pb, no scale-variation weights" in result.output


def test_fixtures_are_not_copies_of_shared_data() -> None:
    # the shared real outputs must not be copied into the project (their README asks so)
    if not REAL.is_dir():
        pytest.skip("../shared/data/madgraph is not present")
    ours = {p.read_bytes() for p in FIXTURES.rglob("*") if p.is_file()}
    theirs = {p.read_bytes() for p in REAL.rglob("*") if p.is_file()}
    assert not ours & theirs


def test_notes_example_reproduces_the_bundled_row() -> None:
    # examples/madgraph_notes.md: row a.2 of arXiv:1405.0301 pasted as MadGraph prints it; the
    # LO console capture names no process, so --process names it (and must agree with the NLO)
    from scaleuq.io.datasets import load_dataset

    notes = ROOT / "examples" / "madgraph_notes.md"
    # issue 20: the run that names no process is left out and named, never given another's
    alone = ingest([notes])
    assert [s.path for s in alone.left_out] == [f"{notes}:11"]
    assert "cannot tell which process this run (20450 pb)" in alone.left_out[0].reason
    assert "lo_xsec_pb" not in alone.table or alone.table["lo_xsec_pb"].isna().all()
    result = ingest([notes], process="p p > wpm j")
    ours = pulls(result.table).table.set_index("process")["pull"]["p p > wpm j"]
    published = pulls(load_dataset("madgraph2014_13tev_vjets")).table.set_index("process")["pull"]
    assert ours == pytest.approx(published["p p > wpm j"], rel=1e-9)


def test_what_cannot_be_placed_is_named(tmp_path) -> None:
    write(tmp_path / "MADatNLO.HwU", '##& xmin & xmax & central value & dy\n<histogram> 1 "x"\n')
    write(tmp_path / "run_card.dat", "  10000 = nevents ! Number of unweighted events requested\n")
    with pytest.raises(MadGraphError, match=r"MADatNLO.HwU: HwU histograms: compare them with"):
        ingest([tmp_path])
    lo_run(tmp_path / "run", "p p > z", 1.0)
    skipped = {Path(s.path).name: s.reason for s in ingest([tmp_path]).skipped}
    assert skipped == {
        "MADatNLO.HwU": "HwU histograms: compare them with `scaleuq differential`",
        "run_card.dat": "no MadGraph result recognised",
    }

"""MadGraph run directories -> table -> pulls. Fixtures reproduce the formats MadGraph writes
(numbers in them are made up for the tests, not physics results)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import MadGraphError
from scaleuq.io.madgraph import ingest, parse_summary, parse_systematics_log, process_key
from scaleuq.pull.pulls import pulls
from scaleuq.io.synthetic import write_synthetic_lhe

from .conftest import write

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
<MGGenerationInfo>
#  Number of Events        :       10000
#  Integrated weight (pb)  :       {xsec}
</MGGenerationInfo>
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


def lo_run(root, process, xsec, name="run_01"):
    run = root / "Events" / name
    run.mkdir(parents=True)
    write(run / f"{name}_tag_1_banner.txt", BANNER.format(process=process, xsec=xsec))
    write(run / "parton_systematics.log", SYST.format(xsec=xsec))
    write(run / "console.log", f"  Cross-section :   {xsec} +- {xsec / 1000} pb\n")
    return run


def test_parse_systematics_log(tmp_path) -> None:
    info = parse_systematics_log(
        write(tmp_path / "parton_systematics.log", SYST.format(xsec=30775.0))
    )
    assert info["xsec_pb"] == 30775.0
    assert info["scale"] == (11.8, -12.7)
    assert info["emission"] == (0.0, -0.0)
    assert info["central_scheme"] == (8.43e-09, -20.3)
    assert info["pdf"] == (0.918, -0.918)
    assert info["pdf_sets"] == [("MSHT20nnlo_nf4", 30286.6, 1.2, -1.56)]
    assert info["dynamical"][0][:4] == (1, 28597.7, 13.2, -14.3)
    missing = parse_systematics_log(
        write(tmp_path / "m.log", "# PDF variation: missing combination\n")
    )
    assert missing["pdf"] is None


def test_parse_summary_new_and_old(tmp_path) -> None:
    new = parse_summary(write(tmp_path / "summary.txt", SUMMARY_NEW))
    assert new["process"] == "p p > t t~ t~ j [QCD]"
    assert (new["xsec_pb"], new["xsec_err_pb"]) == (2.036e-04, 5.7e-07)
    assert new["scale"] == (16.5, -13.0)  # the run's own dynamical scale (-1), not choice 10
    assert new["pdf"] == (1.8, -1.8)
    old = parse_summary(write(tmp_path / "old.txt", SUMMARY_OLD))
    assert old["xsec_pb"] == 5.410e4 and old["scale"] == (4.6, -8.6) and old["pdf"] == (1.9, -1.5)


def test_process_key() -> None:
    assert process_key("p p > t t~ [QCD]") == process_key("p p > t t~") == "p p > t t~"
    assert process_key("p p > w+ b j $$w+ w- z a QED=3 QCD=0 [QCD]") == "p p > w+ b j"


def test_two_processes_lo_and_nlo_to_pulls(tmp_path) -> None:
    lo_run(tmp_path / "ttx_LO", "p p > t t~ t~ j", 1.5e-04)
    nlo = tmp_path / "ttx_NLO" / "Events" / "run_01"
    nlo.mkdir(parents=True)
    write(nlo / "summary.txt", SUMMARY_NEW)
    lo_run(tmp_path / "z_LO", "p p > z", 4.248e4)
    nlo = tmp_path / "z_NLO" / "Events" / "run_01"
    nlo.mkdir(parents=True)
    write(nlo / "summary.txt", SUMMARY_OLD)
    table, records = ingest([tmp_path])
    assert len(records) == 4 and len(table) == 2
    row = table.set_index("process").loc["p p > t t~ t~ j"]
    assert row["lo_xsec_pb"] == 1.5e-04 and row["lo_mc_err_pb"] == pytest.approx(1.5e-07)
    assert row["lo_scale_up_rel"] == pytest.approx(0.118) and row[
        "lo_scale_dn_rel"
    ] == pytest.approx(0.127)
    assert row["nlo_xsec_pb"] == 2.036e-04 and row["nlo_scale_up_rel"] == pytest.approx(0.165)
    assert row["n_final"] == 4
    result = pulls(table).table.set_index("process")
    assert result.loc["p p > t t~ t~ j", "pull"] == pytest.approx((2.036e-04 / 1.5e-04 - 1) / 0.118)
    assert result.loc["p p > z", "pull"] == pytest.approx((5.410e4 / 4.248e4 - 1) / 0.118)


def test_duplicate_runs_are_an_error(tmp_path) -> None:
    lo_run(tmp_path / "a", "p p > z", 1.0)
    lo_run(tmp_path / "b", "p p > z", 2.0)
    with pytest.raises(MadGraphError, match=r"'p p > z' has two LO runs"):
        ingest([tmp_path])


def test_missing_information_is_reported_not_guessed(tmp_path, caplog) -> None:
    run = tmp_path / "Events" / "run_01"
    run.mkdir(parents=True)
    write(run / "run_01_tag_1_banner.txt", BANNER.format(process="p p > z j", xsec=7.2e3))
    table, records = ingest([tmp_path])
    assert "scale variation" in records[0].missing
    assert "Monte Carlo error of the cross section" in records[0].missing
    assert table["lo_scale_up_rel"].isna().all()
    assert "scale variation" in caplog.text


def test_lo_scale_from_lhe_weights_without_systematics_log(tmp_path) -> None:
    run = tmp_path / "Events" / "run_01"
    run.mkdir(parents=True)
    write_synthetic_lhe(run / "unweighted_events.lhe.gz", 500, process="p p > z j j", xsec_pb=20.0)
    table, _records = ingest([run])
    row = table.iloc[0]
    assert row["process"] == "p p > z j j" and row["lo_xsec_pb"] == 20.0
    assert row["lo_scale_up_rel"] > 0 and row["lo_scale_dn_rel"] > 0


def test_nothing_found(tmp_path) -> None:
    with pytest.raises(MadGraphError, match="no MadGraph run output"):
        ingest([tmp_path])


def test_cli_ingest_then_pulls(tmp_path) -> None:
    lo_run(tmp_path / "LO", "p p > z", 4.248e4)
    nlo = tmp_path / "NLO" / "Events" / "run_01"
    nlo.mkdir(parents=True)
    write(nlo / "summary.txt", SUMMARY_OLD)
    out = tmp_path / "table.csv"
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", "madgraph", str(tmp_path / "LO"), str(tmp_path / "NLO"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["pulls", str(out), "--format", "json"])
    payload = json.loads(result.output)
    assert payload["processes"][0]["process"] == "p p > z" and payload["processes"][0]["pull"] > 0


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
    result = CliRunner().invoke(main, ["ingest", "lhe", str(lo), str(nlo), "--format", "json"])
    assert result.exit_code == 0, result.output
    row = json.loads(
        result.output.split("\n", 2)[-1][result.output.split("\n", 2)[-1].index("{") :]
    )["processes"][0]
    assert row["lo_xsec_pb"] == 10.0 and row["nlo_xsec_pb"] == 13.0


def test_example_run_directories_reproduce_the_bundled_rows() -> None:
    # examples/madgraph_runs holds rows a.5 and a.6 of arXiv:1405.0301 in MadGraph's formats
    from scaleuq.io.datasets import load_dataset

    from .conftest import ROOT

    table, _ = ingest([ROOT / "examples" / "madgraph_runs"])
    ours = pulls(table).table.set_index("process")["pull"]
    published = pulls(load_dataset("madgraph2014_13tev_vjets")).table.set_index("process")["pull"]
    for process in ("p p > z", "p p > z j"):
        assert ours[process] == pytest.approx(published[process], rel=1e-9)

"""scaleuq export pyhf: workspaces and patches with the scale band, validated by pyhf."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from click.testing import CliRunner

pyhf = pytest.importorskip("pyhf")
jsonpatch = pytest.importorskip("jsonpatch")

from scaleuq.analysis.export import (  # noqa: E402
    LO_FLOOR,
    ExportError,
    export_patch,
    export_pyhf,
    export_workspace,
    template_from_hwu,
    template_from_lhe,
    template_from_table,
)
from scaleuq.analysis.recommend import calibrate_corpus  # noqa: E402
from scaleuq.cli import main  # noqa: E402
from scaleuq.io.datasets import load_bundled  # noqa: E402
from scaleuq.io.synthetic import write_synthetic_lhe  # noqa: E402

from .conftest import write  # noqa: E402

# pyhf 0.7 validates with jsonschema's RefResolver, deprecated in jsonschema 4.18 (not ours)
pytestmark = pytest.mark.filterwarnings("ignore:jsonschema.RefResolver:DeprecationWarning")

POINTS = [(r, f) for r in (1.0, 2.0, 0.5) for f in (1.0, 2.0, 0.5)]


def hwu(path, central, factors, htype="", name="pt(Z)"):
    """A HwU file: per bin, the central value and one factor per (muR, muF) point."""
    head = "##& xmin & xmax & central value & dy & " + " & ".join(
        f"dyn= -1 muR={r:6.3f} muF={f:6.3f}" for r, f in POINTS
    )
    rows = [
        " ".join(
            f"{v:+.7e}" for v in [10.0 * i, 10.0 * (i + 1), c, 0.01 * c, *(c * x for x in fac)]
        )
        for i, (c, fac) in enumerate(zip(central, factors, strict=True))
    ]
    tag = f"|TYPE@{htype}" if htype else ""
    body = (
        f'<histogram> {len(central)} "{name} |X_AXIS@LIN {tag}|#1"\n'
        + "\n".join(rows)
        + "\n<\\histogram>\n"
    )
    return write(path, head + "\n\n" + body)


@pytest.fixture(scope="module")
def calibration():
    return calibrate_corpus(n_bootstrap=200)


@pytest.fixture(scope="module")
def table():
    return load_bundled("pulls")


def test_table_row_raw_normsys(table) -> None:
    # arXiv:1405.0301 row a.6, p p > z j: LO 7.209e3 pb, scale +19.3% -17.0%; NLO 9.742e3 pb
    result = export_workspace(
        template_from_table(table, "p p > z j"), band="raw", lumi_fb=0.01, observed="nlo"
    )
    spec = result.document
    sample = spec["channels"][0]["samples"][0]
    assert sample["name"] == "p p > z j"
    assert sample["data"] == [pytest.approx(7.209e3 * 10)]
    mod = sample["modifiers"][1]
    assert mod == {
        "name": "scale_pp_to_z_j",
        "type": "normsys",
        "data": {"hi": pytest.approx(1.193), "lo": pytest.approx(0.830)},
    }
    # observed = NLO signal + the placeholder background (the signal's nominal LO yield)
    background = spec["channels"][0]["samples"][1]
    assert background == {"name": "placeholder_background", "data": [pytest.approx(7.209e3 * 10)],
                          "modifiers": []}  # fmt: skip
    assert spec["observations"][0]["data"] == [pytest.approx(9.742e3 * 10 + 7.209e3 * 10)]
    model = pyhf.Workspace(spec).model()
    assert model.config.par_order == ["mu", "scale_pp_to_z_j"]


def test_reference_and_calibrated_bands(table, calibration) -> None:
    tpl = template_from_table(table, "p p > z j")
    ref = export_workspace(tpl, band="reference", calibration=calibration)
    cal = export_workspace(tpl, band="calibrated", calibration=calibration)
    avg = calibration.reference
    hi_ref = ref.document["channels"][0]["samples"][0]["modifiers"][1]["data"]
    hi_cal = cal.document["channels"][0]["samples"][0]["modifiers"][1]["data"]
    assert hi_ref["hi"] == pytest.approx(1 + 2 * avg.per_particle_up)
    assert hi_ref["lo"] == pytest.approx(1 - 2 * avg.per_particle_dn)
    s68, s68_dn = calibration.up.factor_68, calibration.down.factor_68  # as `recommend`
    assert hi_cal["hi"] == pytest.approx(1 + s68 * 2 * avg.per_particle_up)
    assert hi_cal["lo"] == pytest.approx(1 - s68_dn * 2 * avg.per_particle_dn)
    assert "s68" in cal.band.source and "arXiv:2210.15167" in cal.band.source


def test_lower_variation_kept_positive(calibration) -> None:
    # a 4-particle LO-only row: calibrated downward band 1.88 x 4 x 9.3% = 70%; with n = 8, > 100%
    import pandas as pd

    frame = load_bundled("pulls").iloc[:1].copy()
    frame.loc[:, "n_final"] = 8
    tpl = template_from_table(pd.DataFrame(frame), frame["process"].iloc[0])
    res = export_workspace(tpl, band="calibrated", calibration=calibration)
    lo = res.document["channels"][0]["samples"][0]["modifiers"][1]["data"]["lo"]
    assert lo == LO_FLOOR and any("floored" in n for n in res.notes)


def test_hwu_histosys_is_the_binwise_envelope(tmp_path) -> None:
    # bin 0: (2,1) is the largest variation; bin 1: (0.5,0.5); per bin the envelope takes its own max
    fac0 = [1.0, 1.05, 0.97, 1.30, 1.10, 0.90, 1.02, 1.01, 0.95]
    fac1 = [1.0, 0.98, 1.01, 0.92, 1.00, 1.03, 1.04, 1.00, 1.25]
    lo = hwu(tmp_path / "LO.HwU", [100.0, 50.0], [fac0, fac1])
    nlo = hwu(tmp_path / "NLO.HwU", [130.0, 60.0], [[1.0] * 9, [1.0] * 9])
    tpl = template_from_hwu(lo, nlo, n_final=2)
    assert tpl.up_rel == pytest.approx([0.30, 0.25]) and tpl.down_rel == pytest.approx([0.10, 0.08])
    # inclusive: the envelope of the summed columns, smaller than the bin-wise one
    sums = 100 * np.array(fac0) + 50 * np.array(fac1)
    assert tpl.incl_up_rel == pytest.approx(sums.max() / 150 - 1)
    assert tpl.incl_up_rel < 0.25
    res = export_workspace(tpl, band="raw", lumi_fb=1e-3, observed="nlo")
    mod = res.document["channels"][0]["samples"][0]["modifiers"][1]
    assert mod["type"] == "histosys"
    assert mod["data"]["hi_data"] == pytest.approx([130.0, 62.5])
    assert mod["data"]["lo_data"] == pytest.approx([90.0, 46.0])
    # NLO per bin plus the placeholder background (the LO nominal per bin)
    assert res.document["observations"][0]["data"] == pytest.approx([130.0 + 100.0, 60.0 + 50.0])
    # the reference band rescales the bin-wise deltas so the inclusive band matches it
    ref = export_workspace(tpl, band="reference")
    cal = calibrate_corpus(n_bootstrap=50)
    expect = 2 * cal.reference.per_particle_up / tpl.incl_up_rel
    assert ref.band.up_rel == pytest.approx(tpl.up_rel * expect)
    norm = export_workspace(tpl, band="raw", modifier="normsys")
    assert norm.document["channels"][0]["samples"][0]["modifiers"][1]["data"][
        "hi"
    ] == pytest.approx(1 + tpl.incl_up_rel)


def test_hwu_errors(tmp_path) -> None:
    lo = hwu(tmp_path / "LO.HwU", [100.0, 0.0], [[1.0] * 9, [1.0] * 9])
    with pytest.raises(ExportError, match="bin 1"):
        template_from_hwu(lo)
    ok = hwu(tmp_path / "ok.HwU", [100.0], [[1.0, 1.1, 0.9, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(ExportError, match="n \\(final-state particles\\) is unknown"):
        export_workspace(template_from_hwu(ok), band="reference")


def test_lhe_summary(tmp_path) -> None:
    path = write_synthetic_lhe(tmp_path / "lo.lhe", 500, process="p p > z j", xsec_pb=50.0, seed=2)
    tpl = template_from_lhe(path)
    assert tpl.n_final == 2 and tpl.nominal_pb == pytest.approx([50.0])
    from scaleuq.io.lhe import summarize_lhe

    env = summarize_lhe(path, pdf_method="none").envelopes["9-point"]
    res = export_workspace(tpl, band="raw")
    data = res.document["channels"][0]["samples"][0]["modifiers"][1]["data"]
    assert data == {"hi": pytest.approx(1 + env.up_rel), "lo": pytest.approx(1 + env.down_rel)}


def _user_workspace() -> dict:
    return {
        "channels": [
            {"name": "SR", "samples": [
                {"name": "signal", "data": [20.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                {"name": "bkg", "data": [50.0, 40.0], "modifiers": [{"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]},
            ]},
        ],
        "observations": [{"name": "SR", "data": [70.0, 50.0]}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }  # fmt: skip


def test_patch_into_user_workspace(table, calibration, tmp_path) -> None:
    ws = _user_workspace()
    before = copy.deepcopy(ws)
    res = export_patch(
        template_from_table(table, "p p > z z z"),
        ws,
        "signal",
        band="calibrated",
        calibration=calibration,
    )
    assert ws == before  # the input is not modified
    patched = jsonpatch.apply_patch(ws, res.document)
    model = pyhf.Workspace(patched).model()
    assert "scale_pp_to_z_z_z" in model.config.par_order
    assert res.document[0]["path"] == "/channels/0/samples/0/modifiers/-"
    # histosys from a two-bin HwU applies the relative band to the workspace's own nominal
    lo = hwu(
        tmp_path / "LO.HwU",
        [100.0, 50.0],
        [[1.0, 1.2, 0.9, 1, 1, 1, 1, 1, 1], [1.0, 1.1, 0.8, 1, 1, 1, 1, 1, 1]],
    )
    hist = export_patch(template_from_hwu(lo, n_final=2), ws, "signal", band="raw")
    assert hist.document[0]["value"]["data"]["hi_data"] == pytest.approx([24.0, 11.0])
    with pytest.raises(ExportError, match="no sample 'sig'"):
        export_patch(template_from_hwu(lo), ws, "sig", band="raw")
    one_bin = hwu(tmp_path / "one.HwU", [100.0], [[1.0, 1.2, 0.9, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(ExportError, match="has 2 bins"):
        export_patch(template_from_hwu(one_bin), ws, "signal", band="raw", modifier="histosys")
    with pytest.raises(ExportError, match="already has"):
        export_patch(
            template_from_table(table, "p p > z z z"), patched, "signal", calibration=calibration
        )


def test_cli_workspace_patch_and_errors(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "ws.json"
    res = runner.invoke(
        main, ["export", "pyhf", "--process", "p p > z", "--band", "raw", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    spec = json.loads(out.read_text())
    pyhf.Workspace(spec)
    assert "normsys 'scale_pp_to_z'" in res.output
    user = write(tmp_path / "user.json", json.dumps(_user_workspace()))
    res = runner.invoke(
        main,
        ["export", "pyhf", "--process", "p p > h", "--patch-into", str(user), "--sample", "signal"],
    )
    assert res.exit_code == 0, res.output
    patch = json.loads(res.output[: res.output.rindex("]") + 1])
    assert patch[0]["value"]["name"] == "scale_pp_to_h"
    before = user.read_text()  # never written over an input
    res = runner.invoke(
        main,
        [
            "export",
            "pyhf",
            "--process",
            "p p > h",
            "--patch-into",
            str(user),
            "--sample",
            "signal",
            "-o",
            str(user),
        ],
    )
    assert res.exit_code == 1 and "also an input" in res.output and user.read_text() == before
    # a relative-only row has no yields for a standalone workspace: one line, exit 1, no file
    never = tmp_path / "never.json"
    res = runner.invoke(main, ["export", "pyhf", "--process", "p p > h", "-o", str(never)])
    assert res.exit_code == 1 and "no LO cross section" in res.output and not never.exists()
    res = runner.invoke(main, ["export", "pyhf", "--process", "p p > z", "--hwu", "x.HwU"])
    assert res.exit_code == 1 and "exactly one source" in res.output
    bad = write(tmp_path / "bad.json", '{"channels": []}')
    res = runner.invoke(
        main, ["export", "pyhf", "--process", "p p > z", "--patch-into", str(bad), "--sample", "s"]
    )
    assert res.exit_code == 1 and "not a valid pyhf workspace" in res.output


def test_export_pyhf_dispatch_matches(table, calibration) -> None:
    a = export_pyhf(process="p p > z j", band="calibrated", calibration=calibration).document
    b = export_workspace(
        template_from_table(table, "p p > z j"), band="calibrated", calibration=calibration
    ).document
    assert a == b


@pytest.mark.shared
def test_real_lhe_files(shared_lhe) -> None:
    # MadGraph 3.5.8 p p > j j (pylhe test file): 9 scale weights, n = 2 from the proc card
    tpl = template_from_lhe(shared_lhe / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz")
    assert tpl.process == "p p > j j" and tpl.n_final == 2 and tpl.incl_up_rel > 0
    # the 2.2.1 FxFx file declares no scale weights: a clear error, not a zero band
    with pytest.raises(ExportError, match="found 1 of 9 points"):
        template_from_lhe(shared_lhe / "pylhe-testfile-madgraph-2.2.1-Z-fxfx.lhe.gz")


def test_standalone_export_runs_in_pyhf_as_it_is(tmp_path) -> None:
    """`pyhf cls`, `pyhf fit` and `pyhf inspect` accept a standalone export (issue 19, item 3)."""
    import shutil
    import subprocess

    ws = tmp_path / "zj.json"
    res = CliRunner().invoke(main, ["export", "pyhf", "--process", "p p > z j", "--lumi", "0.01",
                                    "-o", str(ws)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "placeholder" in res.output  # the placeholder background is named on stderr
    exe = shutil.which("pyhf")
    if exe is None:
        pytest.skip("the pyhf command is not on PATH")
    for cmd in (["cls"], ["fit"], ["inspect"]):
        out = subprocess.run([exe, *cmd, str(ws)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (cmd, out.stderr)
    cls = json.loads(subprocess.run([exe, "cls", str(ws)], capture_output=True, text=True).stdout)
    assert 0 <= cls["CLs_obs"] <= 1


def test_background_and_bad_options(tmp_path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws.json"
    res = runner.invoke(main, ["export", "pyhf", "--process", "p p > z j", "--lumi", "0.01",
                               "--background", "500", "--background-name", "dy", "-o", str(ws)])  # fmt: skip
    assert res.exit_code == 0, res.output
    samples = json.loads(ws.read_text())["channels"][0]["samples"]
    assert samples[1] == {"name": "dy", "data": [pytest.approx(500 * 10)], "modifiers": []}
    for args, text in (
        (["--lumi", "inf"], "finite positive"),
        (["--lumi", "nan"], "finite positive"),
        (["--seed", "-1"], "-1"),
        (["--background", "-5"], "finite positive"),
    ):
        out = tmp_path / "never.json"
        res = runner.invoke(
            main, ["export", "pyhf", "--process", "p p > z j", *args, "-o", str(out)]
        )
        assert res.exit_code in (1, 2) and text in res.output, (args, res.output)
        assert "internal error" not in res.output and not out.exists()
    res = runner.invoke(main, ["recommend", "--seed", "-1"])
    assert res.exit_code == 2 and "internal error" not in res.output
    with pytest.raises(Exception, match="seed"):
        export_pyhf(process="p p > z j", seed=-1)


def test_missing_pyhf_is_said_before_reading_the_lhe(tmp_path, monkeypatch) -> None:
    """Without the `fit` extra, `export pyhf --lhe` names it before any input is read."""
    import scaleuq.analysis.export as ex
    from scaleuq.errors import MissingDependencyError

    def missing():
        raise MissingDependencyError("pyhf", "fit", "exporting and fitting pyhf workspaces")

    def never(*_a, **_k):
        raise AssertionError("the LHE file was read")

    monkeypatch.setattr(ex, "require_pyhf", missing)
    monkeypatch.setattr(ex, "template_from_lhe", never)
    res = CliRunner().invoke(main, ["export", "pyhf", "--lhe", str(tmp_path / "big.lhe.gz")])
    assert res.exit_code == 1 and 'pip install "scaleuq[fit]"' in res.output

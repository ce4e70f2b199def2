"""CMS NanoAOD ingestion: the shared real file, files written here with uproot in every title
form, the 8-weight form, un-normalised and ``_``-suffixed Runs sums, negative weights, several
files, fiducial and binned bands, per-bin pulls, and each bad input of issue 22."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("uproot")
pytest.importorskip("hist")

import uproot

from scaleuq import NanoAODError, OptionError, ingest_nanoaod, pulls, read_tables
from scaleuq.cli import main
from scaleuq.io.nanoaod import parse_scale_title, write_nanoaod
from scaleuq.io.nanoaod.synthetic import CMS_POINTS, _branch_titles, scale_title

from .conftest import SHARED

PROCESS = "p p > z j"
N = 3000


def _expected(paths, points, *, selection=None, nominal_left_out=False):
    """Ratios sum(genWeight * w_i) / sum(genWeight * w_nominal) computed here with uproot and
    numpy from the events (the synthetic files are not skimmed, so Runs gives the same)."""
    num = np.zeros(len(points))
    den = 0.0
    for path in paths:
        ev = uproot.open(path)["Events"].arrays(library="np")
        gw = ev["genWeight"].astype(float)
        w = np.stack(ev["LHEScaleWeight"]).astype(float)
        keep = selection(ev) if selection else np.ones(len(gw), bool)
        num += gw[keep] @ w[keep]
        nominal = np.ones(len(gw)) if nominal_left_out else w[:, list(points).index((1.0, 1.0))]
        den += gw[keep] @ nominal[keep]
    ratios = dict(zip(points, num / den))
    rel = np.array(list(ratios.values())) - 1
    return max(rel.max(), 0.0), min(rel.min(), 0.0), ratios


@pytest.fixture(scope="module")
def lo_file(tmp_path_factory) -> Path:
    return write_nanoaod(tmp_path_factory.mktemp("nano") / "lo.root", N, seed=11)


# ---------------------------------------------------------------------------------------------
# the shared real file


@pytest.mark.shared
def test_shared_file_inclusive_band_matches_readme() -> None:
    path = SHARED / "nanoaod" / "nano_tree.root"
    if not path.is_file():
        pytest.skip("../shared/data/nanoaod is not present")
    result = ingest_nanoaod([path], process=PROCESS, order="lo")
    env = result.nanoaod[0].envelopes["9-point"]
    # ../shared/data/nanoaod/README.md: 9-point +5.03% -4.68% from Runs/LHEScaleSumw
    assert env.up_rel == pytest.approx(0.0503, abs=5e-5)
    assert env.down_rel == pytest.approx(-0.0468, abs=5e-5)
    assert result.nanoaod[0].band_from == "Runs"
    assert result.nanoaod[0].scale.nominal == 4
    row = result.table.iloc[0]
    assert row["lo_scale_up_rel"] == pytest.approx(env.up_rel)
    assert row["lo_scale_dn_rel"] == pytest.approx(-env.down_rel)
    # the command line prints the same numbers
    res = CliRunner().invoke(
        main,
        ["ingest", "nanoaod", str(path), "--process", PROCESS, "--order", "lo", "--format", "json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["processes"][0]["lo_scale_up_rel"] == pytest.approx(env.up_rel, rel=1e-9)
    assert data["nanoaod"][0]["envelopes"]["9-point"]["down_rel"] == pytest.approx(env.down_rel)
    # fiducial and binned from Events (10 events): the bands are ratios of weight sums
    fid = ingest_nanoaod(
        [path], process=PROCESS, order="lo", selection="LHE_HT > 0", observable="LHE_HT",
        bins="0,100,200,1000",
    )  # fmt: skip
    sample = fid.nanoaod[0]
    assert sample.fiducial is not None and sample.fiducial.n_events <= 10
    assert sample.bin_bands is not None and len(sample.bin_bands) == 3


# ---------------------------------------------------------------------------------------------
# conventions


@pytest.mark.parametrize("form", ["mur", "fortran", "quoted", "runcard"])
def test_each_title_form(tmp_path, form) -> None:
    path = write_nanoaod(tmp_path / f"{form}.root", N, seed=5, form=form)
    title = uproot.open(path)["Events"]["LHEScaleWeight"].title
    assert parse_scale_title(title).points == CMS_POINTS
    up, dn, _ = _expected([path], CMS_POINTS)
    env = ingest_nanoaod([path], process=PROCESS, order="lo").nanoaod[0].envelopes["9-point"]
    assert env.up_rel == pytest.approx(up, rel=1e-6)
    assert env.down_rel == pytest.approx(dn, rel=1e-6)


def test_other_order_is_read_from_the_title(tmp_path) -> None:
    points = list(CMS_POINTS)
    random.Random(3).shuffle(points)
    path = write_nanoaod(tmp_path / "shuffled.root", N, seed=6, points=points, form="quoted")
    _, _, ratios = _expected([path], points)
    sample = ingest_nanoaod([path], process=PROCESS, order="lo").nanoaod[0]
    for point, ratio in ratios.items():
        assert sample.variations[point] == pytest.approx(ratio, rel=1e-6)
    seven = sample.envelopes["7-point"]
    rel7 = [ratios[p] - 1 for p in ratios if {p[0], p[1]} != {0.5, 2.0}]
    assert seven.up_rel == pytest.approx(max(max(rel7), 0), rel=1e-6)


def test_eight_weights_nominal_left_out(tmp_path) -> None:
    path = write_nanoaod(tmp_path / "eight.root", N, seed=7, nominal_left_out=True, form="quoted")
    points = [p for p in CMS_POINTS if p != (1.0, 1.0)]
    up, dn, _ = _expected([path], points, nominal_left_out=True)
    sample = ingest_nanoaod([path], process=PROCESS, order="lo").nanoaod[0]
    assert sample.scale.nominal is None and sample.scale.n_entries == 8
    assert sample.envelopes["9-point"].up_rel == pytest.approx(up, rel=1e-6)
    assert sample.envelopes["9-point"].down_rel == pytest.approx(dn, rel=1e-6)
    assert sample.envelopes["9-point"].complete  # (1, 1) is the nominal itself
    # the same sample with Runs sums not divided by genEventSumw (values near 3000)
    raw = write_nanoaod(
        tmp_path / "eight_raw.root",
        N,
        seed=7,
        nominal_left_out=True,
        form="quoted",
        runs_divided=False,
    )
    again = ingest_nanoaod([raw], process=PROCESS, order="lo").nanoaod[0]
    assert again.envelopes["9-point"].up_rel == pytest.approx(up, rel=1e-6)
    assert again.runs_divided == "not divided"
    assert any("not divided by genEventSumw, although the title says" in n for n in again.notes)


def test_unnormalised_and_suffixed_runs_sums_give_the_same_band(tmp_path) -> None:
    plain = write_nanoaod(tmp_path / "plain.root", N, seed=8)
    raw = write_nanoaod(tmp_path / "raw.root", N, seed=8, runs_divided=False, runs_entries=3)
    old = write_nanoaod(tmp_path / "old.root", N, seed=8, runs_suffix="_")
    a, b, c = (
        ingest_nanoaod([p], process=PROCESS, order="lo").nanoaod[0] for p in (plain, raw, old)
    )
    for other in (b, c):
        for name in ("3-point", "7-point", "9-point"):
            assert other.envelopes[name].up_rel == pytest.approx(a.envelopes[name].up_rel, rel=1e-9)
            assert other.envelopes[name].down_rel == pytest.approx(
                a.envelopes[name].down_rel, rel=1e-9
            )
        assert other.pdf_up_rel == pytest.approx(a.pdf_up_rel, rel=1e-9)
    assert a.runs_divided == "divided" and b.runs_divided == "not divided"
    assert any("not 1 as the title" in n for n in b.notes)
    assert "genEventSumw_" in c.runs_names


def test_negative_weights_are_summed_with_their_sign(tmp_path) -> None:
    path = write_nanoaod(tmp_path / "nlo.root", N, seed=9, negative_fraction=0.3)
    up, _, _ = _expected([path], CMS_POINTS)
    sample = ingest_nanoaod([path], process=PROCESS, order="nlo").nanoaod[0]
    assert sample.envelopes["9-point"].up_rel == pytest.approx(up, rel=1e-6)
    ev = uproot.open(path)["Events"].arrays(library="np")
    assert (ev["genWeight"] < 0).any()
    w = np.stack(ev["LHEScaleWeight"]).astype(float)
    unsigned = (w.sum(axis=0) / w[:, 4].sum()).max() - 1  # what ignoring the signs would give
    assert abs(unsigned - up) > 1e-4
    assert sample.events_sumw == pytest.approx(float(ev["genWeight"].sum()))


def test_several_files_combine_and_jobs_do_not_change_the_result(tmp_path) -> None:
    paths = [write_nanoaod(tmp_path / f"f{i}.root", N + 500 * i, seed=20 + i) for i in range(3)]
    up, dn, _ = _expected(paths, CMS_POINTS)
    one = ingest_nanoaod(paths, process=PROCESS, order="lo", jobs=1)
    three = ingest_nanoaod(paths, process=PROCESS, order="lo", jobs=3, step_size=1000)
    env = one.nanoaod[0].envelopes["9-point"]
    assert env.up_rel == pytest.approx(up, rel=1e-6)
    assert env.down_rel == pytest.approx(dn, rel=1e-6)
    assert three.table.equals(one.table)
    assert one.nanoaod[0].n_events == sum(N + 500 * i for i in range(3))


def test_dask_local_cluster(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    paths = [write_nanoaod(tmp_path / f"d{i}.root", N, seed=30 + i) for i in range(2)]
    local = ingest_nanoaod(paths, process=PROCESS, order="lo")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = ingest_nanoaod(
            paths, process=PROCESS, order="lo", scheduler=cluster.scheduler_address
        )
    assert remote.table.equals(local.table)


# ---------------------------------------------------------------------------------------------
# fiducial, binned, pulls


def test_fiducial_and_binned_bands(lo_file) -> None:
    def cut(ev):
        return (ev["nJet"] >= 2) & (ev["LHE_Vpt"] > 30)

    up, dn, _ = _expected([lo_file], CMS_POINTS, selection=cut)
    result = ingest_nanoaod(
        [lo_file], process=PROCESS, order="lo", xsec="50+-1", selection="nJet >= 2 and LHE_Vpt > 30",
        observable="LHE_Vpt", bins="0,40,100,400",
    )  # fmt: skip
    sample = result.nanoaod[0]
    fid = sample.fiducial
    assert fid.envelopes["9-point"].up_rel == pytest.approx(up, rel=1e-6)
    assert fid.envelopes["9-point"].down_rel == pytest.approx(dn, rel=1e-6)
    ev = uproot.open(lo_file)["Events"].arrays(library="np")
    keep = cut(ev)
    assert fid.n_events == int(keep.sum())
    assert fid.xsec_pb == pytest.approx(50 * keep.sum() / len(keep))
    assert result.table.iloc[0]["lo_xsec_pb"] == pytest.approx(fid.xsec_pb)
    # per bin: the selected events in [100, 400)
    x = ev["LHE_Vpt"]
    up_bin, _, _ = _expected(
        [lo_file], CMS_POINTS, selection=lambda e: cut(e) & (x >= 100) & (x < 400)
    )
    assert sample.bin_bands["up_rel"].iloc[2] == pytest.approx(up_bin, rel=1e-5)
    assert sample.bin_bands["value"].iloc[2] == pytest.approx(
        50 * (keep & (x >= 100) & (x < 400)).sum() / len(x), rel=1e-6
    )


def test_binned_pulls_use_differential_code(tmp_path, lo_file) -> None:
    nlo = write_nanoaod(tmp_path / "nlo.root", N, seed=12, negative_fraction=0.2, form="fortran")
    result = ingest_nanoaod(
        [lo_file], process=PROCESS, xsec=50, nlo_files=[nlo], nlo_xsec=65, observable="LHE_Vpt",
        bins=[0, 50, 150, 400],
    )  # fmt: skip
    table = result.differential.table
    lo, nlo_s = result.nanoaod
    k = nlo_s.histogram.central / lo.histogram.central
    assert np.allclose(table["k_factor"], k)
    up = lo.bin_bands["up_rel"].to_numpy()
    dn = lo.bin_bands["dn_rel"].to_numpy()
    delta = np.where(k > 1, up, dn)  # directional convention
    assert np.allclose(table["pull"], (k - 1) / delta)
    # the table pull: LO and NLO inclusive rows, pulls work on it unchanged
    row = pulls(result.table).table.iloc[0]
    k_incl = 65 / 50
    assert row["pull"] == pytest.approx((k_incl - 1) / lo.envelopes["9-point"].up_rel)
    # shape-only without cross sections: each variation normalised to its own total
    shape = ingest_nanoaod(
        [lo_file], process=PROCESS, nlo_files=[nlo], observable="LHE_Vpt", bins=[0, 50, 150, 400]
    )
    assert shape.nanoaod[0].histogram.central.sum() == pytest.approx(1.0)
    assert "shape-only" in shape.differential.table["histogram"].iloc[0]


# ---------------------------------------------------------------------------------------------
# bad input


def test_no_scale_weights(tmp_path) -> None:
    path = write_nanoaod(tmp_path / "noscale.root", 100, seed=1, scale_weights=False)
    with pytest.raises(NanoAODError, match=r"noscale.root: Events has no LHEScaleWeight"):
        ingest_nanoaod([path], process=PROCESS, order="lo")


def test_mixed_samples(tmp_path) -> None:
    a = write_nanoaod(tmp_path / "a.root", 100, seed=1)
    b = write_nanoaod(tmp_path / "b.root", 100, seed=2, form="fortran")
    c = write_nanoaod(tmp_path / "c.root", 100, seed=3, runs_suffix="_")
    with pytest.raises(
        NanoAODError, match=r"b.root and .*a.root are not of one sample.*LHEScaleWeight title"
    ):
        ingest_nanoaod([a, b], process=PROCESS, order="lo")
    with pytest.raises(NanoAODError, match=r"not of one sample.*Runs genEventSumw"):
        ingest_nanoaod([a, c], process=PROCESS, order="lo")


def _tiny(path: Path, runs_scale: list[float], sumw: float = 3.0) -> Path:
    import awkward as ak

    with uproot.recreate(path) as out:
        with _branch_titles({"LHEScaleWeight": scale_title(CMS_POINTS)}):
            ev = out.mktree("Events", {"genWeight": np.float32, "LHEScaleWeight": "var * float32"})
        ev.extend(
            {"genWeight": np.ones(3, np.float32), "LHEScaleWeight": ak.Array([[1.0] * 9] * 3)}
        )
        runs = out.mktree("Runs", {"genEventSumw": np.float64, "LHEScaleSumw": "var * float64"})
        runs.extend({"genEventSumw": np.array([sumw]), "LHEScaleSumw": ak.Array([runs_scale])})
    return path


def _custom(
    path: Path, points, weights, runs_scale=None, runs_title="divided by genEventSumw"
) -> Path:
    """Events with the given LHEScaleWeight lists (title from ``points``), Runs if asked."""
    import awkward as ak

    with uproot.recreate(path) as out:
        with _branch_titles({"LHEScaleWeight": scale_title(points)}):
            ev = out.mktree("Events", {"genWeight": np.float32, "LHEScaleWeight": "var * float32"})
        ev.extend(
            {"genWeight": np.ones(len(weights), np.float32), "LHEScaleWeight": ak.Array(weights)}
        )
        if runs_scale is not None:
            with _branch_titles(
                {"LHEScaleSumw": f"Sum of genEventWeight * LHEScaleWeight[i], {runs_title}"}
            ):
                runs = out.mktree(
                    "Runs", {"genEventSumw": np.float64, "LHEScaleSumw": "var * float64"}
                )
            runs.extend({"genEventSumw": np.array([3.0]), "LHEScaleSumw": ak.Array([runs_scale])})
    return path


def test_more_bad_files(tmp_path, lo_file) -> None:
    eight = [p for p in CMS_POINTS if p != (1.0, 1.0)]
    no_runs = _custom(tmp_path / "noruns.root", CMS_POINTS, [[1.0] * 9] * 3)
    with pytest.raises(NanoAODError, match=r"noruns.root: no 'Runs' tree"):
        ingest_nanoaod([no_runs], process=PROCESS, order="lo")
    short = _custom(
        tmp_path / "short.root", CMS_POINTS, [[1.0] * 9, [1.0] * 8, [1.0] * 9], [1.0] * 9
    )
    with pytest.raises(NanoAODError, match=r"short.root: event 1 has 8 LHEScaleWeight values"):
        ingest_nanoaod([short], process=PROCESS, order="lo")
    # 8 weights, genEventSumw 3: values near 3 could be ratios or ratios x 3: refused
    raw8 = _custom(
        tmp_path / "raw8.root", eight, [[1.0] * 8] * 3, [3.3, 3.1, 2.9, 3.2, 2.8, 3.4, 3.0, 2.7]
    )
    with pytest.raises(
        NanoAODError,
        match=r"raw8.root: Runs LHEScaleSumw has no nominal entry.*both as ratios and divided",
    ):
        ingest_nanoaod([raw8], process=PROCESS, order="lo")
    raw8 = _custom(tmp_path / "raw8b.root", eight, [[1.0] * 8] * 3, [330.0] * 8)
    with pytest.raises(
        NanoAODError, match=r"raw8b.root: Runs LHEScaleSumw has no nominal entry.*in no reading"
    ):
        ingest_nanoaod([raw8], process=PROCESS, order="lo")
    with pytest.raises(NanoAODError, match=r"keeps 0 events"):
        ingest_nanoaod([lo_file], process=PROCESS, order="lo", selection="nJet > 1000")
    with pytest.raises(OptionError, match=r"given twice"):
        ingest_nanoaod([lo_file], process=PROCESS, nlo_files=[lo_file])
    with pytest.raises(NanoAODError, match=r"nothere.root: no such file"):
        ingest_nanoaod([tmp_path / "nothere.root"], process=PROCESS, order="lo")


def test_zero_nominal_sum(tmp_path) -> None:
    path = _tiny(tmp_path / "zero.root", [1.1, 1.0, 0.9, 1.0, 0.0, 1.0, 0.9, 0.9, 0.9])
    with pytest.raises(NanoAODError, match=r"zero.root: Runs LHEScaleSumw\[4\].*is zero"):
        ingest_nanoaod([path], process=PROCESS, order="lo")
    path = _tiny(tmp_path / "zerosumw.root", [1.0] * 9, sumw=0.0)
    with pytest.raises(NanoAODError, match=r"zerosumw.root: Runs genEventSumw is zero"):
        ingest_nanoaod([path], process=PROCESS, order="lo")


def test_truncated_file(tmp_path, lo_file) -> None:
    data = lo_file.read_bytes()
    for cut in (len(data) // 2, len(data) - 200, 200):
        bad = tmp_path / "cut.root"
        bad.write_bytes(data[:cut])
        with pytest.raises(NanoAODError, match=r"cut.root: cannot be read as a ROOT file"):
            ingest_nanoaod([bad], process=PROCESS, order="lo")


def test_title_that_cannot_be_read_is_quoted(tmp_path) -> None:
    title = "LHE scale variation weights (w_var / w_nominal)"
    path = write_nanoaod(tmp_path / "t.root", 100, seed=1, scale_title_text=title)
    with pytest.raises(
        NanoAODError,
        match=r"the title 'LHE scale variation weights \(w_var / w_nominal\)' does not give the order",
    ):
        ingest_nanoaod([path], process=PROCESS, order="lo")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"process": None, "order": "lo"}, "pass --process"),
        ({"process": PROCESS}, "pass --order lo or --order nlo"),
        ({"process": PROCESS, "order": "lo", "xsec": "-3"}, "positive"),
        ({"process": PROCESS, "order": "lo", "xsec": "abc"}, "VALUE\\+-ERROR"),
        ({"process": PROCESS, "order": "lo", "observable": "LHE_Vpt", "bins": "3,1"}, "increasing"),
        ({"process": PROCESS, "order": "lo", "observable": "LHE_Vpt"}, "go together"),
        ({"process": PROCESS, "order": "lo", "selection": "nJet >"}, "position|expected|end"),
    ],
)
def test_bad_options(lo_file, kwargs, message) -> None:
    with pytest.raises(OptionError, match=message):
        ingest_nanoaod([lo_file], **kwargs)


def test_bad_branches(lo_file) -> None:
    with pytest.raises(NanoAODError, match=r"lo.root: Events has no branch 'nJets'"):
        ingest_nanoaod([lo_file], process=PROCESS, order="lo", selection="nJets > 1")
    with pytest.raises(NanoAODError, match=r"'PSWeight' holds a list per event"):
        ingest_nanoaod([lo_file], process=PROCESS, order="lo", observable="PSWeight", bins="0,1")


# ---------------------------------------------------------------------------------------------
# command line


def test_cli_table_feeds_pulls(tmp_path, lo_file) -> None:
    nlo = write_nanoaod(tmp_path / "nlo.root", N, seed=13, negative_fraction=0.2)
    out, diff = tmp_path / "t.csv", tmp_path / "bins.csv"
    res = CliRunner().invoke(main, [
        "ingest", "nanoaod", str(lo_file), "--process", PROCESS, "--xsec", "50+-0.5", "--nlo",
        str(nlo), "--nlo-xsec", "65", "--observable", "LHE_Vpt", "--bins", "0,50,400",
        "--differential-output", str(diff), "-o", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    table = read_tables([str(out)])
    assert table.iloc[0]["nlo_xsec_pb"] == pytest.approx(65)
    assert len(pulls(table).table) == 1
    assert diff.read_text().startswith("histogram,xmin,xmax,lo,")
    res = CliRunner().invoke(main, ["pulls", str(out), "--format", "csv"])
    assert res.exit_code == 0, res.output


def test_cli_failed_file_named_others_kept(tmp_path, lo_file) -> None:
    other = write_nanoaod(tmp_path / "second.root", N, seed=11)
    bad = tmp_path / "broken.root"
    bad.write_bytes(other.read_bytes()[:5000])
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(
        main,
        [
            "ingest",
            "nanoaod",
            str(lo_file),
            str(bad),
            "--process",
            PROCESS,
            "--order",
            "lo",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 1
    assert "broken.root: cannot be read as a ROOT file" in res.output
    assert out.is_file()  # the good file's row was written


def test_cli_bad_input_one_line_nothing_written(tmp_path) -> None:
    path = write_nanoaod(tmp_path / "noscale.root", 100, seed=1, scale_weights=False)
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(
        main,
        ["ingest", "nanoaod", str(path), "--process", PROCESS, "--order", "lo", "-o", str(out)],
    )
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0 and "no LHEScaleWeight" in res.output
    assert not out.exists()


def test_io_layer_does_not_import_pull() -> None:
    """io sits below pull (README "Layout"): the selection and the pulls come from the workflow."""
    root = Path(__file__).resolve().parents[1] / "scaleuq" / "io" / "nanoaod"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("scaleuq.pull", "scaleuq.workflows")), path


def test_pdf_hessian_and_shower_bands(lo_file) -> None:
    runs = uproot.open(lo_file)["Runs"].arrays(library="np")
    pdf = np.stack(runs["LHEPdfSumw"])[0]
    members = pdf[1:] / pdf[0]
    hessian = ingest_nanoaod([lo_file], process=PROCESS, order="lo", pdf_method="hessian").nanoaod[
        0
    ]
    expected = 0.5 * np.sqrt(np.sum((members[0::2] - members[1::2]) ** 2))  # pairs (+, -)
    assert hessian.pdf_up_rel == pytest.approx(expected, rel=1e-9)
    replicas = ingest_nanoaod([lo_file], process=PROCESS, order="lo").nanoaod[0]
    assert replicas.pdf_up_rel == pytest.approx(np.std(members, ddof=1), rel=1e-9)
    assert replicas.pdf_ids == (306000, 306030) and replicas.pdf_members == 30
    ev = uproot.open(lo_file)["Events"].arrays(["genWeight", "PSWeight"], library="np")
    gw = ev["genWeight"].astype(float)
    ps = gw @ np.stack(ev["PSWeight"]).astype(float) / gw.sum()
    assert list(replicas.shower.values()) == pytest.approx(list(ps), rel=1e-9)
    assert replicas.shower_up_rel == pytest.approx(max(ps.max() - 1, 0), rel=1e-9)
    assert "ISR=2 FSR=1" in replicas.shower
    # the shower band is reported apart: the table has no shower column
    assert not any("shower" in c or "ps_" in c for c in replicas_table_columns(lo_file))


def replicas_table_columns(path: Path) -> list[str]:
    return list(ingest_nanoaod([path], process=PROCESS, order="lo").table.columns)


def test_nominal_entry_not_one_is_reported(tmp_path) -> None:
    weights = [[1.1, 1.0, 0.9, 1.0, 1.5, 1.0, 0.9, 0.9, 0.9]] * 3  # [4] is the nominal: 1.5
    path = _custom(
        tmp_path / "nom.root", CMS_POINTS, weights, [1.1, 1.0, 0.9, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9]
    )
    sample = ingest_nanoaod([path], process=PROCESS, order="lo").nanoaod[0]
    assert any("3 events have a nominal LHEScaleWeight[4] that is not 1" in n for n in sample.notes)
    fid = ingest_nanoaod([path], process=PROCESS, order="lo", selection="genWeight > 0").nanoaod[0]
    assert fid.fiducial.variations[(0.5, 0.5)] == pytest.approx(1.1 / 1.5, rel=1e-6)  # ratio to [4]

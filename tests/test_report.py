"""`scaleuq fit` and `scaleuq figures`: the study on the bundled data, figure files, sidecars."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.io.datasets import load_bundled
from scaleuq.report.plotting import expected_counts, histogram_edges
from scaleuq.stats.study import fit
from scaleuq.workflows.figures import figures


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return figures(output_dir=out, n_bootstrap=100, n_gof=20, seed=1)


FIGURES = (
    "pull_histogram_before",
    "pull_histogram_after",
    "pulls_per_process",
    "reference_per_particle",
    "calibration",
)


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_written_with_sidecar(report, name) -> None:
    for ext in ("png", "pdf", "json"):
        path = report.output_dir / f"{name}.{ext}"
        assert path.is_file() and path.stat().st_size > 500, path
    sidecar = json.loads((report.output_dir / f"{name}.json").read_text())
    assert (
        sidecar["figure"] == name
        and sidecar["options"]["seed"] == 1
        and "scaleuq_version" in sidecar
    )
    png = (report.output_dir / f"{name}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_has_the_numbers(report) -> None:
    text = (report.output_dir / "README.md").read_text()
    after = report.studies["after"]
    assert f"{after.calibration[0].factor:.3g}" in text
    assert "p p > h" in text and "Clopper-Pearson" in text
    summary = json.loads((report.output_dir / "summary.json").read_text())
    assert summary["flagged"] == report.correction.flagged


def test_sidecar_data_is_what_was_plotted(report) -> None:
    sidecar = json.loads((report.output_dir / "pulls_per_process.json").read_text())
    assert sidecar["data"]["after"] == pytest.approx(report.correction.table["pull_ref"].tolist())


def test_expected_counts_sum() -> None:
    x = np.random.default_rng(0).normal(size=100)
    edges = histogram_edges(x)
    counts = expected_counts("gauss", {"mu": 0.0, "sigma": 1.0}, edges, 100)
    assert counts.sum() == pytest.approx(100, rel=0.01)


def test_reference_correction_improves_the_study() -> None:
    table = load_bundled()
    before = fit(table, stage="before", n_bootstrap=50, n_gof=0)
    after = fit(table, stage="after", n_bootstrap=50, n_gof=0)
    # the correction shrinks the inflation factor needed for 68% coverage
    assert after.calibration[0].factor < before.calibration[0].factor
    # and a Gaussian fits the corrected pulls far better than the raw ones
    assert after.fit_of("gauss").value("sigma") < before.fit_of("gauss").value("sigma")


def test_fit_cli_json_keys() -> None:
    result = CliRunner().invoke(
        main, ["fit", "--stage", "after", "--format", "json", "--bootstrap", "50", "--gof", "20"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload["fits"]) == {"gauss", "student-t", "cauchy", "gauss+cauchy"}
    for f in payload["fits"].values():
        assert {"loglike", "aic", "bic", "gof_pvalue", "params"} <= f.keys()
        for p in f["params"].values():
            assert {
                "value",
                "hesse_error",
                "minos_lower",
                "minos_upper",
                "boot_low",
                "boot_high",
            } <= p.keys()
    assert {r["threshold"] for r in payload["coverage"]} == {1.0, 2.0, 3.0}
    assert len(payload["calibration"]) == 2
    # the recommended factors are the out-of-sample (split-conformal) ones, not the quantiles
    rec = payload["recommended_calibration"]
    oos = {o["target"]: o for o in payload["out_of_sample"]}
    assert [r["target"] for r in rec] == [c["target"] for c in payload["calibration"]]
    for r in rec:
        assert r["method"] == "split-conformal" and r["factor"] == oos[r["target"]]["factor"]
        pulls = np.sort(np.abs([p["pull"] for p in payload["pulls"]]))
        k = int(np.ceil((pulls.size + 1) * r["target"]))
        assert r["factor"] == (pulls[k - 1] if k <= pulls.size else pulls[-1])
        assert r["guaranteed"] == (k <= pulls.size)


def test_fit_table_leads_with_the_out_of_sample_factor() -> None:
    result = CliRunner().invoke(
        main, ["fit", "--stage", "after", "--bootstrap", "20", "--gof", "0"]
    )
    assert result.exit_code == 0, result.output
    text = result.output[result.output.index("Calibration") :]
    header = text.splitlines()[1].split()
    assert header[:3] == ["target", "recommended", "s"]
    study = fit(load_bundled(), stage="after", n_bootstrap=20, n_gof=0)
    first = text.splitlines()[3].split()
    assert first[0] == "68.3%" and first[1] == f"{study.out_of_sample[0].factor:.3g}"


def test_figures_cli(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["figures", "-d", str(tmp_path), "--bootstrap", "50", "--gof", "10"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "calibration.pdf").is_file() and (tmp_path / "README.md").is_file()


def test_same_seed_same_report(tmp_path) -> None:
    a = figures(output_dir=tmp_path / "a", n_bootstrap=60, n_gof=10, seed=3)
    b = figures(output_dir=tmp_path / "b", n_bootstrap=60, n_gof=10, seed=3)
    strip = lambda r: {k: v for k, v in r.to_dict().items() if k not in {"output_dir", "files"}}  # noqa: E731
    assert strip(a) == strip(b)
    assert (tmp_path / "a" / "README.md").read_text().replace("/a", "") == (
        tmp_path / "b" / "README.md"
    ).read_text().replace("/b", "")

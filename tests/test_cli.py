"""Command line: output formats, errors as one line with exit status 1, atomic output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scaleuq import __version__
from scaleuq.cli import main

from .conftest import write


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_pulls_bundled_table(runner) -> None:
    result = runner.invoke(main, ["pulls"])
    assert result.exit_code == 0, result.output
    assert "19 processes, 19 with a defined pull" in result.output
    assert "p p > a z wpm" in result.output and "p p > wpm j j j" in result.output


def test_pulls_json(runner) -> None:
    result = runner.invoke(main, ["pulls", "--format", "json", "--convention", "symmetric"])
    payload = json.loads(result.output)
    assert payload["options"]["convention"] == "symmetric"
    assert len(payload["processes"]) == 19
    for entry in payload["processes"]:
        assert {"process", "n_final", "pull"} <= entry.keys()
    # relative-only rows have one direction: the symmetric pull is null, with a reason
    tri = next(p for p in payload["processes"] if p["process"] == "p p > z z z")
    assert tri["pull"] is None and tri["reason"]


def test_pulls_csv_to_file(runner, tmp_path) -> None:
    out = tmp_path / "pulls.csv"
    result = runner.invoke(main, ["pulls", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("process,") and len(lines) == 20


def test_reference_correct_json(runner) -> None:
    result = runner.invoke(main, ["reference-correct", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["reference"]["n_processes"] == 11
    assert {"per_particle_up", "per_particle_dn"} <= payload["reference"].keys()
    higgs = next(p for p in payload["processes"] if p["process"] == "p p > h")
    assert higgs["flagged"] is True and higgs["pull_ref"] > 3
    for entry in payload["processes"]:
        assert {"process", "n_final", "pull", "pull_ref", "flagged"} <= entry.keys()


def test_reference_correct_table_and_options(runner, tmp_path) -> None:
    result = runner.invoke(main, ["reference-correct"])
    assert "tail (|pull_ref| > 3):" in result.output and "p p > h" in result.output
    result = runner.invoke(main, ["reference-correct", "--threshold", "100"])
    assert "tail (|pull_ref| > 100): none" in result.output
    result = runner.invoke(main, ["reference-correct", "--n-mode", "alphas-power"])
    assert result.exit_code == 0 and "n inferred" in result.output
    result = runner.invoke(
        main, ["reference-correct", "--reference-select", "process_class == 'boson+jets'"]
    )
    assert result.exit_code == 0 and "reference set: 8 processes" in result.output
    ref = write(
        tmp_path / "ref.csv",
        "process,n_final,lo_scale_up_pct,lo_scale_dn_pct\np p > j j,2,20,-20\n",
    )
    result = runner.invoke(main, ["reference-correct", "--reference", str(ref)])
    assert result.exit_code == 0 and "up = 10.00%" in result.output


def test_datasets(runner) -> None:
    result = runner.invoke(main, ["datasets"])
    assert "arXiv:1405.0301" in result.output and "arXiv:2210.15167" in result.output
    payload = json.loads(runner.invoke(main, ["datasets", "--format", "json"]).output)
    assert len(payload["datasets"]) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("process,n_final,lo_xsec_pb\np p > z,1,-3\n", "bad.csv:2 (p p > z): 'lo_xsec_pb' is -3"),
        ("process,n_final,lo_xsec_mb_per_sr\np p > z,1,3\n", "unknown unit 'mb_per_sr'"),
    ],
)
def test_bad_input_one_line_exit_1_nothing_written(runner, tmp_path, text, message) -> None:
    bad = write(tmp_path / "bad.csv", text)
    out = tmp_path / "out.json"
    result = runner.invoke(main, ["pulls", str(bad), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_debug_shows_traceback(runner, tmp_path) -> None:
    bad = write(tmp_path / "bad.csv", "process\np p > z\n")
    result = runner.invoke(main, ["--debug", "pulls", str(bad)])
    assert result.exit_code == 1 and result.exception is not None


def test_conflicting_reference_options(runner) -> None:
    result = runner.invoke(
        main, ["reference-correct", "--reference", "a.csv", "--reference-select", "qcd"]
    )
    assert result.exit_code == 1 and "not both" in result.output


def test_installed_command_end_to_end(tmp_path) -> None:
    exe = shutil.which("scaleuq")
    cmd = [exe] if exe else [sys.executable, "-m", "scaleuq"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [*cmd, "pulls", "--format", "json"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["processes"]) == 19
    bad = write(tmp_path / "dup.csv", "process,n_final\np p > z,1\np p > z,1\n")
    done = subprocess.run(
        [*cmd, "pulls", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith(
        "scaleuq: error: process 'p p > z' appears more than once"
    )


# --- options threaded evenly through reference-correct, fit and figures (issue 8) -------------


def test_fit_before_computes_no_correction(runner, monkeypatch) -> None:
    import scaleuq.pull.reference as reference

    def spy(*_args, **_kwargs):
        raise AssertionError("fit --before must not compute the reference correction")

    monkeypatch.setattr(reference, "reference_correct", spy)
    args = ["fit", "--model", "gauss", "--bootstrap", "5", "--gof", "0"]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["stage"] == "before" and payload["options"]["reference"] is None
    assert runner.invoke(main, [*args, "--stage", "after"]).exit_code == 1  # the spy is reached


def test_fit_after_takes_the_reference_options(runner, tmp_path) -> None:
    base = ["fit", "--stage", "after", "--model", "gauss", "--bootstrap", "5", "--gof", "0"]

    def json_of(extra: list[str]) -> dict:
        return json.loads(runner.invoke(main, [*base, *extra, "--format", "json"]).output)

    default = json_of([])
    ref = write(
        tmp_path / "ref.csv",
        "process,n_final,lo_scale_up_pct,lo_scale_dn_pct\np p > j j,2,20,-20\n",
    )
    from_file = json_of(["--reference", str(ref)])
    selected = json_of(["--reference-select", "process_class == 'boson+jets'"])
    by_alphas = json_of(["--n-mode", "alphas-power"])
    assert from_file["options"]["reference"] == str(ref)
    assert selected["options"]["reference"] == "process_class == 'boson+jets'"
    assert by_alphas["options"]["n_mode"] == "alphas-power"
    # each choice changes the corrected pulls that are fitted
    pulls = {
        name: {p["process"]: p["pull"] for p in payload["pulls"]}
        for name, payload in {
            "default": default, "file": from_file, "select": selected, "alphas": by_alphas
        }.items()
    }  # fmt: skip
    z = "p p > z"
    assert len({pulls[k][z] for k in ("default", "file", "select")}) == 3
    assert "p p > z z z" in pulls["default"] and "p p > z z z" not in pulls["alphas"]


def test_reference_options_with_fit_before_are_an_error(runner) -> None:
    for extra in (["--reference-select", "qcd"], ["--n-mode", "alphas-power"]):
        result = runner.invoke(main, ["fit", *extra, "--bootstrap", "0"])
        assert result.exit_code == 1 and "only apply to the reference-corrected" in result.output


def test_figures_thread_reference_and_n_mode(monkeypatch) -> None:
    """figures passes --reference-select and --n-mode to the correction and to the reference
    figure (it used to count n as final-state there whatever the option). Rendering, the later
    steps and all models but the Gaussian are cut out to keep the test fast."""
    import scaleuq.report.plotting as plotting
    import scaleuq.stats.study as study
    from scaleuq.workflows.figures import figures

    class Done(Exception):
        pass

    sidecars: dict[str, dict] = {}
    fit_stage = study.fit_stage
    monkeypatch.setattr(study, "fit_stage", lambda *a, **k: fit_stage(*a, **k, models=("gauss",)))

    def save_figure(fig, base, sidecar):
        sidecars[base.name] = sidecar
        return []

    monkeypatch.setattr(plotting, "save_figure", save_figure)
    monkeypatch.setattr(plotting, "plot_calibration", lambda *a, **k: (_ for _ in ()).throw(Done))
    sel = "process_class == 'boson+jets' and n_final >= 2"
    with pytest.raises(Done):
        figures(
            output_dir="unused", reference_select=sel, n_mode="alphas-power",
            n_bootstrap=5, n_gof=0,
        )  # fmt: skip
    sidecar = sidecars["reference_per_particle"]
    assert sidecar["options"]["n_mode"] == "alphas-power" and sidecar["options"]["reference"] == sel
    average = sidecar["data"]["average"]
    assert average["n_mode"] == "alphas-power" and average["n_processes"] == 8
    # n of V + k jets counted as the alpha_s power, k (not the k + 1 final-state particles)
    assert sorted(sidecar["data"]["n"]) == [1, 1, 1, 2, 2, 2, 3, 3]

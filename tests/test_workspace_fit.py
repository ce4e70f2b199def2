"""fit-workspace (pyhf likelihood with heavy-tailed scale constraints) and the coverage toys."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

pyhf = pytest.importorskip("pyhf")

from scaleuq.analysis.constraints import UNIT_GAUSS, Constraint, fit_constraints  # noqa: E402
from scaleuq.analysis.recommend import calibrate_corpus  # noqa: E402
from scaleuq.analysis.toys import _profile_q, coverage_toys  # noqa: E402
from scaleuq.analysis.workspace_fit import fit_workspace  # noqa: E402
from scaleuq.cli import main  # noqa: E402

from .conftest import write  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:jsonschema.RefResolver:DeprecationWarning")


def one_bin(
    observed: float,
    signal: float = 100.0,
    background: float = 100.0,
    hi: float = 1.2,
    lo: float = 0.85,
) -> dict:
    return {
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [signal], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "scale_sig", "type": "normsys", "data": {"hi": hi, "lo": lo}}]},
            {"name": "bkg", "data": [background], "modifiers": []}]}],
        "observations": [{"name": "SR", "data": [observed]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }  # fmt: skip


def two_bins() -> dict:
    return {
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [30.0, 20.0], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "scale_sig", "type": "histosys", "data": {"hi_data": [36.0, 23.0], "lo_data": [26.0, 18.0]}}]},
            {"name": "bkg", "data": [50.0, 80.0], "modifiers": [
                {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]}]}],
        "observations": [{"name": "SR", "data": [95.0, 97.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }  # fmt: skip


def test_unit_gauss_reproduces_pyhf() -> None:
    """With pyhf's own N(0,1) the fit equals pyhf's MLE and its profile likelihood."""
    spec = two_bins()
    res = fit_workspace(
        spec, constraints=("unit-gauss",), constraint_objects={"unit-gauss": UNIT_GAUSS}
    )
    fit = res.fits[0]
    ws = pyhf.Workspace(spec)
    model, data = ws.model(), ws.data(ws.model())
    best, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    assert fit.poi_hat == pytest.approx(float(best[model.config.poi_index]), abs=2e-3)
    for edge, level in ((fit.poi_low_68, 1.0), (fit.poi_high_68, 1.0), (fit.poi_high_95, 3.8415)):
        _, at_edge = pyhf.infer.mle.fixed_poi_fit(edge, data, model, return_fitted_val=True)
        assert float(at_edge) - float(twice_nll) == pytest.approx(level, abs=2e-3)
    assert res.scale_nuisances == ("scale_sig",)  # bkg_norm keeps its Gaussian


def test_constraint_densities() -> None:
    a = np.linspace(-6, 6, 25)
    assert Constraint("cauchy", 1.3, None, "").logpdf(a) == pytest.approx(
        stats.cauchy.logpdf(a, scale=1.3)
    )
    assert Constraint("student-t", 0.8, 2.5, "").logpdf(a) == pytest.approx(
        stats.t.logpdf(a, 2.5, scale=0.8)
    )
    assert Constraint("gauss", 2.0, None, "").interval(0.6827) == pytest.approx(2.0, rel=1e-3)
    assert Constraint("cauchy", 1.0, None, "").interval(0.5) == pytest.approx(1.0)


def test_constraint_scales_come_from_the_pull_fit() -> None:
    cal = calibrate_corpus(n_bootstrap=50)
    cons = fit_constraints(cal.pulls, ("gauss", "student-t", "cauchy"))
    sym = np.concatenate([cal.pulls, -cal.pulls])
    # ML Gaussian of the symmetrised pulls: sigma = rms of t (mean zero by symmetry)
    assert cons["gauss"].scale == pytest.approx(np.sqrt(np.mean(sym**2)), rel=1e-3)
    assert cons["cauchy"].scale != pytest.approx(1.0, abs=0.05)
    _loc, scale = stats.cauchy.fit(sym, floc=0)
    assert cons["cauchy"].scale == pytest.approx(scale, rel=2e-2)
    calib = fit_constraints(cal.pulls, ("gauss",), band_factor=cal.factor_68.factor)
    assert calib["gauss"].scale == pytest.approx(cons["gauss"].scale / cal.factor_68.factor)


def test_heavy_tails_change_the_interval() -> None:
    """Observing far above the prediction: the Cauchy constraint lets the nuisance absorb the
    shift instead of mu, unlike a Gaussian of the same scale."""
    spec = one_bin(observed=400.0)  # prediction 200: the signal is off by a factor 3
    cons = {
        "gauss": Constraint("gauss", 1.0, None, "test"),
        "cauchy": Constraint("cauchy", 1.0, None, "test"),
    }
    res = fit_workspace(spec, constraints=("gauss", "cauchy"), constraint_objects=cons)
    g, c = res.fits
    assert g.poi_hat == pytest.approx(c.poi_hat, rel=1e-3)  # one bin: constraint at alpha = 0
    assert c.poi_low_95 < g.poi_low_95  # the heavy tail reaches further down
    assert c.nuisances_hat["scale_sig"] == pytest.approx(0, abs=1e-3)


def test_toy_profile_matches_the_workspace_fit() -> None:
    """The vectorised toy profile gives Delta(-2 ln L) = 1 where fit-workspace puts its 68% edges."""
    cons = Constraint("student-t", 0.9, 2.5, "test")
    res = fit_workspace(
        one_bin(observed=260.0), constraints=("student-t",), constraint_objects={"student-t": cons}
    )
    fit = res.fits[0]
    for edge in (fit.poi_low_68, fit.poi_high_68):
        q = _profile_q(
            np.array([260]),
            100.0 * edge,
            100.0,
            np.array([[1.2]]),
            np.array([[0.85]]),
            cons,
            max(5.0, 3 * cons.interval(0.9973)),
        )
        assert q[0] == pytest.approx(1.0, abs=2e-2)


def test_toys_cover_when_the_model_is_true() -> None:
    """Truth alpha ~ N(0, 1) with the same normsys: a unit-Gaussian constraint covers ~68%; a
    band half as wide covers much less (the check can fail)."""
    rng = np.random.default_rng(5)
    n_toys = 1500
    hi, lo = 1.1, 0.9
    alpha = rng.normal(size=n_toys)
    f = np.where(alpha >= 0, hi**alpha, lo ** (-alpha))
    counts = rng.poisson(100 + 2000 * f)  # statistics well below the 10% band
    args = (counts, 2000.0, 100.0)
    q = _profile_q(*args, np.full((n_toys, 1), hi), np.full((n_toys, 1), lo), UNIT_GAUSS, 5.0)
    assert np.mean(q <= 1) == pytest.approx(0.683, abs=0.035)
    assert np.mean(q <= 3.84) == pytest.approx(0.954, abs=0.02)
    narrow = _profile_q(
        *args, np.full((n_toys, 1), 1.02), np.full((n_toys, 1), 0.98), UNIT_GAUSS, 5.0
    )
    assert np.mean(narrow <= 1) < 0.35


def test_coverage_toys_on_the_corpus() -> None:
    res = coverage_toys(n_toys=400, seed=1)
    raw, cal = res.of("raw"), res.of("calibrated")
    assert raw.coverage_68 < 0.4  # tiny electroweak LO bands do not cover
    assert cal.coverage_68 > raw.coverage_68 + 0.2
    assert res.truth_model in ("gauss", "student_t", "cauchy")
    assert res.to_dict() == coverage_toys(n_toys=400, seed=1).to_dict()  # same seed, same numbers
    json.dumps(res.to_dict())


def test_cli_fit_workspace(tmp_path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws.json"
    res = runner.invoke(main, ["export", "pyhf", "--process", "p p > z j", "--band", "calibrated",
                               "--observed", "nlo", "--lumi", "0.01", "-o", str(ws)])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["fit-workspace", str(ws), "--band", "calibrated", "--format", "json",
                               "--constraint", "unit-gauss", "--constraint", "cauchy"])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [f["constraint"]["name"] for f in data["fits"]] == ["unit-gauss", "cauchy"]
    assert "divided by the band factor" in data["fits"][1]["constraint"]["source"]
    for f in data["fits"]:  # NLO/LO = 1.351 for p p > z j (arXiv:1405.0301 a.6)
        assert f["poi_hat"] == pytest.approx(9.742 / 7.209, rel=2e-3)
        assert f["poi_low_68"] < f["poi_hat"] < f["poi_high_68"]
    plain = write(
        tmp_path / "plain.json",
        json.dumps(
            {
                **one_bin(10.0),
                "channels": [
                    {
                        "name": "SR",
                        "samples": [
                            {
                                "name": "s",
                                "data": [10.0],
                                "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                            }
                        ],
                    }
                ],
            }
        ),
    )
    res = runner.invoke(main, ["fit-workspace", str(plain)])
    assert res.exit_code == 1 and "no scale nuisance" in res.output
    broken = write(tmp_path / "broken.json", "{not json")
    res = runner.invoke(main, ["fit-workspace", str(broken)])
    assert res.exit_code == 1 and "broken.json:1: not JSON" in res.output


def test_toy_report_files(tmp_path) -> None:
    from scaleuq.workflows.figures import REPORT_STEPS, STEPS
    from scaleuq.report.plot_analysis import write_toy_report

    assert "coverage toys" in REPORT_STEPS and STEPS[-2:] == ("coverage toys", "summary")
    res = coverage_toys(n_toys=60, seed=2)
    files = write_toy_report(res, tmp_path, {"options": {"seed": 2}})
    assert {f.name for f in files} == {f"coverage_toys.{e}" for e in ("png", "pdf", "json", "md")}
    assert all(f.stat().st_size > 300 for f in files)
    sidecar = json.loads((tmp_path / "coverage_toys.json").read_text())
    assert sidecar["data"]["methods"][0]["covered_68"] == res.methods[0].covered_68
    table = (tmp_path / "coverage_toys.md").read_text()
    assert f"{100 * res.of('calibrated').coverage_68:.1f}%" in table

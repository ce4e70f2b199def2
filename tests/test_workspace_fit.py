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
    res = coverage_toys(n_toys=400, seed=1, n_calibration=60, out_of_sample=False)
    raw, cal = res.of("raw"), res.of("calibrated")
    assert raw.coverage_68 < 0.4  # tiny electroweak LO bands do not cover
    assert cal.coverage_68 > raw.coverage_68 + 0.2
    assert res.truth_model in ("gauss", "student-t", "cauchy")
    again = coverage_toys(n_toys=400, seed=1, n_calibration=60, out_of_sample=False)
    assert res.to_dict() == again.to_dict()  # same seed, same numbers
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
    from scaleuq.report.plot_analysis import write_toy_report
    from scaleuq.workflows.figures import REPORT_STEPS, STEPS

    assert "coverage toys" in REPORT_STEPS and STEPS[-2:] == ("coverage toys", "summary")
    res = coverage_toys(n_toys=60, seed=2, n_calibration=40)
    files = write_toy_report(res, tmp_path, {"options": {"seed": 2}})
    assert {f.name for f in files} == {f"coverage_toys.{e}" for e in ("png", "pdf", "json", "md")}
    assert all(f.stat().st_size > 300 for f in files)
    sidecar = json.loads((tmp_path / "coverage_toys.json").read_text())
    assert sidecar["data"]["methods"][0]["covered_68"] == res.methods[0].covered_68
    table = (tmp_path / "coverage_toys.md").read_text()
    assert f"{100 * res.of('calibrated').coverage_68:.1f}%" in table


# --- issue 19: intervals independent of the luminosity, ends marked, bad numbers refused ----

LUMIS = (1e-6, 1e-3, 1.0, 1e3)


def _analytic(constraint: Constraint, hi: float, lo: float, q: float) -> tuple[float, float]:
    """Profile interval of mu when the Poisson term is negligible: mu f(alpha) = 1 (Asimov),
    so -2 ln L(mu) = -2 ln [C(alpha)/C(0)] with alpha = -ln(mu)/ln(hi) above 1 ... i.e.
    mu = hi^-a (a = the edge of the constraint) below and lo^-a above (pyhf's normsys code1)."""
    edge = constraint.wilks_edge(q)
    return hi**-edge, lo**-edge


def _sweep(template, tmp_path=None) -> None:
    from scaleuq.analysis.export import export_workspace

    cons = {
        "unit-gauss": UNIT_GAUSS,
        "gauss": Constraint("gauss", 2.69, None, "test"),
        "student-t": Constraint("student-t", 1.74, 2.83, "test"),
        "cauchy": Constraint("cauchy", 1.27, None, "test"),
    }
    for lumi in LUMIS:
        res = export_workspace(template, band="reference", lumi_fb=lumi)
        mod = res.document["channels"][0]["samples"][0]["modifiers"][1]["data"]
        fit = fit_workspace(res.document, constraints=tuple(cons), constraint_objects=cons)
        for f in fit.fits:
            assert f.valid, (lumi, f.constraint.name, f.reason)
            assert f.poi_hat == pytest.approx(1.0, abs=1e-4), (lumi, f.constraint.name)
            for tag, q in (("68", 1.0), ("95", 3.841458820694124)):
                low, high = _analytic(f.constraint, mod["hi"], mod["lo"], q)
                assert getattr(f, f"poi_low_{tag}") == pytest.approx(low, rel=2e-3), (lumi, tag)
                assert getattr(f, f"poi_high_{tag}") == pytest.approx(high, rel=2e-3), (lumi, tag)
                assert f.ends[f"low_{tag}"] == f.ends[f"high_{tag}"] == "crossing"


def test_intervals_do_not_depend_on_the_luminosity() -> None:
    """A synthetic one-bin process of 7e8 pb (as the real p p > j j): 7e5 to 7e14 events."""
    from scaleuq.analysis.export import ScaleTemplate

    template = ScaleTemplate(
        "p p > j j", "synthetic", 2, None, np.array([7.0e8]), np.array([0.3]),
        np.array([0.2]), 0.3, 0.2,
    )  # fmt: skip
    _sweep(template)


@pytest.mark.shared
def test_intervals_do_not_depend_on_the_luminosity_real_file(shared_lhe) -> None:
    """The workspace of issue 19: `export pyhf --lhe pp_to_jj.lhe.gz --band reference --lumi L`."""
    from scaleuq.analysis.export import template_from_lhe

    _sweep(template_from_lhe(shared_lhe / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"))


def test_end_at_a_bound_is_marked_in_every_format(tmp_path) -> None:
    """Observing far below the prediction puts the 95% lower end at mu's bound 0."""
    runner = CliRunner()
    ws = write(tmp_path / "low.json", json.dumps(one_bin(observed=105.0, hi=1.5, lo=0.5)))
    args = ["fit-workspace", str(ws), "--constraint", "cauchy", "--band", "reference"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "0†" in res.output and "lower bound of mu (0)" in res.output
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    fit = data["fits"][0]
    assert fit["poi_low_95"] == 0 and fit["ends"]["low_95"].startswith("bound:")
    assert fit["ends"]["high_95"] == "crossing"
    csv_out = runner.invoke(main, [*args, "--format", "csv"]).output
    assert "bound: " in csv_out


def test_profile_brackets_heavy_tails() -> None:
    """A Cauchy constraint with a best fit far in its tail: the ends straddle mu_hat and
    -2 ln L rises by exactly the threshold there (never an end collapsed onto the best fit)."""
    cons = Constraint("cauchy", 0.3, None, "test")
    spec = one_bin(observed=2000.0, signal=1000.0, background=10.0, hi=1.05, lo=0.95)
    fit = fit_workspace(spec, constraints=("cauchy",), constraint_objects={"cauchy": cons}).fits[0]
    assert fit.valid
    assert fit.poi_low_68 < fit.poi_hat - 1e-3 and fit.poi_high_68 > fit.poi_hat + 1e-3
    assert fit.poi_low_95 < fit.poi_low_68 and fit.poi_high_95 > fit.poi_high_68
    ws = pyhf.Workspace(spec)
    model = ws.model()
    assert model.config.poi_index == 0


def test_many_nuisances_gradient_path_matches_minuit() -> None:
    """Above TORCH_ABOVE free parameters the fit uses L-BFGS-B with torch's exact gradient;
    it gives the intervals of MIGRAD's numerical path."""
    pytest.importorskip("torch")
    import scaleuq.analysis.workspace_fit as wf

    spec = one_bin(observed=260.0)
    mods = spec["channels"][0]["samples"][0]["modifiers"]
    mods += [{"name": f"scale_{i}", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}
             for i in range(11)]  # fmt: skip
    cons = {"student-t": Constraint("student-t", 0.9, 2.5, "test")}
    fast = fit_workspace(spec, constraints=("student-t",), constraint_objects=cons).fits[0]
    old = wf.TORCH_ABOVE
    wf.TORCH_ABOVE = 10**6
    try:
        slow = fit_workspace(spec, constraints=("student-t",), constraint_objects=cons).fits[0]
    finally:
        wf.TORCH_ABOVE = old
    assert fast.valid and slow.valid
    for key in ("poi_hat", "poi_low_68", "poi_high_68", "poi_low_95", "poi_high_95"):
        assert getattr(fast, key) == pytest.approx(getattr(slow, key), rel=2e-3, abs=2e-4), key


def test_toy_thresholds_for_heavy_tails() -> None:
    cons = {
        "gauss": Constraint("gauss", 1.0, None, "test"),
        "cauchy": Constraint("cauchy", 1.0, None, "test"),
    }
    spec = one_bin(observed=200.0, signal=1000.0, background=100.0)
    kw = dict(constraints=("gauss", "cauchy"), constraint_objects=cons, intervals="toys",
              n_toys=60, seed=4)  # fmt: skip
    res = fit_workspace(spec, **kw)
    g, c = res.fits
    assert g.method == "wilks" and g.threshold_68 == 1.0  # Gaussian: Wilks
    assert c.method == "toys" and c.n_toys == 60
    # the Cauchy's toy threshold exceeds Wilks' 1 (Wilks under-covers for heavy tails)
    assert c.threshold_68 > 1.0 and c.toy_wilks_coverage_68 < 0.683
    assert c.poi_low_68 < g.poi_hat < c.poi_high_68
    assert fit_workspace(spec, **kw).to_dict() == res.to_dict()  # seeded
    with pytest.raises(Exception, match="seed"):
        fit_workspace(spec, **{**kw, "seed": -1})


def test_band_recorded_in_the_workspace(tmp_path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws.json"
    res = runner.invoke(main, ["export", "pyhf", "--process", "p p > z j", "--band", "calibrated",
                               "--lumi", "0.01", "-o", str(ws)])  # fmt: skip
    assert res.exit_code == 0, res.output
    spec = json.loads(ws.read_text())
    assert spec["measurements"][0]["name"].startswith("scaleuq band=calibrated; ")
    res = runner.invoke(
        main, ["fit-workspace", str(ws), "--constraint", "gauss", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["band"] == "calibrated" and "recorded" in data["band_from"]
    out = tmp_path / "never.json"
    res = runner.invoke(main, ["fit-workspace", str(ws), "--band", "reference", "-o", str(out)])
    assert res.exit_code == 1 and "exported with the calibrated band" in res.output
    assert not out.exists()


def _mutations() -> list[tuple[str, Any]]:
    def sig(spec):
        return spec["channels"][0]["samples"][0]

    return [
        ("yield", lambda s, v: sig(s).__setitem__("data", [v])),
        ("background", lambda s, v: s["channels"][0]["samples"][1].__setitem__("data", [v])),
        ("observation", lambda s, v: s["observations"][0].__setitem__("data", [v])),
        ("normsys lo", lambda s, v: sig(s)["modifiers"][1]["data"].__setitem__("lo", v)),
        ("normsys hi", lambda s, v: sig(s)["modifiers"][1]["data"].__setitem__("hi", v)),
    ]


from typing import Any  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BAD = st.one_of(
    st.just(float("nan")), st.just(float("inf")), st.floats(max_value=-1e-300, allow_nan=False,
                                                            allow_infinity=False)
)  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(which=st.integers(0, 4), value=_BAD)
def test_bad_numbers_are_one_line_errors(tmp_path_factory, which: int, value: float) -> None:
    from scaleuq.errors import ScaleUQError

    _name, mutate = _mutations()[which]
    spec = one_bin(observed=250.0)
    mutate(spec, value)
    with pytest.raises(ScaleUQError) as info:
        fit_workspace(spec, constraints=("gauss",),
                      constraint_objects={"gauss": Constraint("gauss", 1.0, None, "t")})  # fmt: skip
    assert "\n" not in str(info.value)


def test_bad_workspaces_on_the_command_line(tmp_path) -> None:
    runner = CliRunner()
    cases = {
        "zero": lambda s: (
            s["channels"][0]["samples"][0].__setitem__("data", [0.0])
            or s["channels"][0]["samples"][1].__setitem__("data", [0.0])
        ),
        "negobs": lambda s: s["observations"][0].__setitem__("data", [-3.0]),
        "lo": lambda s: s["channels"][0]["samples"][0]["modifiers"][1]["data"].__setitem__(
            "lo", -0.2
        ),
        "moreobs": lambda s: s["observations"][0].__setitem__("data", [250.0, 3.0]),
    }
    expect = {"zero": "predict no events", "negobs": "non-negative", "lo": "normsys lo",
              "moreobs": "2 values, its channel 1 bins"}  # fmt: skip
    for name, mutate in cases.items():
        spec = one_bin(observed=250.0)
        mutate(spec)
        path = write(tmp_path / f"{name}.json", json.dumps(spec))
        res = runner.invoke(main, ["fit-workspace", str(path)])
        assert res.exit_code == 1, (name, res.output)
        assert expect[name] in res.output and "internal error" not in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1, res.output
    deep = write(tmp_path / "deep.json", "[" * 100000 + "]" * 100000)
    res = runner.invoke(main, ["fit-workspace", str(deep)])
    assert res.exit_code == 1 and "internal error" not in res.output, res.output


def test_toys_out_of_sample_and_toy_thresholds() -> None:
    """Issue 23: the leave-one-out table beside the in-sample one, and toy-calibrated
    thresholds for the heavy-tailed constraints that cover better than Wilks' at 68%."""
    res = coverage_toys(n_toys=380, seed=3, n_calibration=150)
    assert [m.method for m in res.out_of_sample] == [m.method for m in res.methods]
    assert res.of("cauchy-toys").coverage_68 > res.of("cauchy").coverage_68 + 0.15
    oos = res.of("cauchy-toys", "out-of-sample")
    assert oos.n_toys == 19 * 20 and "leave-one-out" in oos.description
    k68, k95 = res.thresholds["cauchy-toys"]
    assert k68 > 1.0 and k95 > 3.84  # heavy tails: Wilks' thresholds are too small
    from scaleuq.report.render_analysis import toys_markdown

    text = "\n".join(toys_markdown(res))
    assert "**In-sample**" in text and "**Out-of-sample**" in text

"""The decorrelation study: analytic toy (fast test of the whole pipeline) and the check of its
bootstrap errors, evaluation on constructed inputs, scale weights and their interpolation in
nu, distance correlation, the method registry, the profile-likelihood verdict, sample format,
closure, and the run command on small synthetic samples (writes only into --output-dir)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.decorrelation.evaluate import efficiency, roc_auc, working_point
from scaleuq.decorrelation.samples import Sample, SampleError, load_sample
from scaleuq.decorrelation.scales import SCALE_POINTS
from scaleuq.decorrelation.toy import Toy


def synthetic_sample(n: int, signal: bool, seed: int) -> Sample:
    """Gaussian features, an n_jets column, nine scale weights that tilt the background along
    feature a (k_R) and b (k_F), and two 'radiation' proxies tilting along c."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) + (0.8 if signal else 0.0)
    feats = np.column_stack([x, rng.integers(2, 5, size=n).astype(float)])
    lr = np.log2([kr for kr, _ in SCALE_POINTS])
    lf = np.log2([kf for _, kf in SCALE_POINTS])
    tilt = 0.0 if signal else 0.15
    var = np.exp(tilt * (x[:, :1] * lr[None, :] + 0.5 * x[:, 1:2] * lf[None, :]))
    w = np.ones(n)
    proxies = {"isrfsrlo": np.exp(0.1 * x[:, 2]), "isrfsrhi": np.exp(-0.1 * x[:, 2])}
    meta = {"process": "signal" if signal else "background", "sigma_pb": 1.0 if signal else 10.0,
            "n_generated": 2 * n}  # fmt: skip
    return Sample(feats, ("a", "b", "c", "n_jets"), w, var, proxies, meta)


def tiny_config(**lambdas: tuple[float, ...]):  # type: ignore[no-untyped-def]
    from scaleuq.decorrelation.study import StudyConfig
    from scaleuq.decorrelation.train import TrainConfig
    from scaleuq.decorrelation.verdict import VerdictConfig

    return StudyConfig(
        n_signal=0, n_background=0, repeats=1,
        lambdas=lambdas or {"adversarial": (10.0,), "disco": (1.0,)},
        train=TrainConfig(hidden=(8,), adv_hidden=(8,), epochs=2, pretrain_epochs=1, batch_size=256),
        verdict=VerdictConfig(n_bins=4, nu_points=3), n_boot=20,
    )  # fmt: skip


def test_toy_closed_form_limits() -> None:
    toy = Toy()
    band_f, dist_f = toy.closed_form(toy.fisher())
    band_d, dist_d = toy.closed_form(toy.decorrelated())
    assert band_d == pytest.approx(0.0, abs=1e-12) and band_f > 0.5
    assert dist_d > dist_f  # the truth is orthogonal to the nuisance: decorrelating does not help


def test_toy_pipeline_shrinks_band_not_distance() -> None:
    pytest.importorskip("torch")
    from scaleuq.decorrelation.toy import run_toy

    rows = run_toy(12000, lambdas=(0.0, 10.0), seed=1)
    plain, adv = rows
    # the measured numbers follow the closed form of the learned direction within 4 bootstrap
    # errors (~6000 test events per class)
    for r in rows:
        assert abs(r.band - r.band_closed_form) < 4 * r.band_err + 0.01
        assert abs(r.distance - r.distance_closed_form) < 4 * r.distance_err + 0.01
    assert plain.band > 0.5
    assert adv.band < 0.5 * plain.band
    assert adv.distance > 0.9 * plain.distance
    assert adv.auc < plain.auc  # decorrelation costs separation


def test_bootstrap_errors_describe_the_spread_on_the_toy() -> None:
    from scaleuq.decorrelation.toy import bootstrap_check

    fisher, decorrelated = bootstrap_check(4000, n_trials=40, seed=3, n_boot=100)
    # 40 independent samples: the observed spread is known to ~11%, coverage to ~0.07
    for value, err in ((fisher.band_spread, fisher.band_err_mean),
                       (fisher.distance_spread, fisher.distance_err_mean),
                       (decorrelated.distance_spread, decorrelated.distance_err_mean)):  # fmt: skip
        assert 0.7 < err / value < 1.4
    assert 0.5 <= fisher.band_coverage <= 0.9 and 0.5 <= fisher.distance_coverage <= 0.9
    # at zero true band the estimator max_k |.| is biased upwards by the noise: never below 0
    assert decorrelated.band_bias > 0


def test_working_point_on_constructed_inputs() -> None:
    # 4 signal (scores 1) and 4 background (scores 0, 0, 1, 1); a variation doubling the weight
    # of the two selected background events changes eps_B from 1/2 to 2/3
    scores = np.array([1.0, 1, 1, 1, 0, 0, 1, 1])
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    w = np.ones(8)
    var = np.ones((8, 2))
    var[6:, 1] = 2.0
    proxy = {"ho": np.where(np.arange(8) >= 6, 0.5, 1.0)}
    wp = working_point(scores, labels, w, var, proxy, signal_eff=1.0)
    assert wp.bkg_eff == pytest.approx(0.5)
    assert wp.bkg_band == pytest.approx((2 / 3) / 0.5 - 1)
    assert wp.bkg_distance["ho"] == pytest.approx(abs((1 / 3) / 0.5 - 1))
    auc, _, _ = roc_auc(scores, labels, w)
    assert auc == pytest.approx(0.75)
    assert efficiency(scores, w, 0.5) == pytest.approx(6 / 8)


def test_scale_weights_follow_the_formula() -> None:
    pytest.importorskip("pythia8mc")
    from scaleuq.decorrelation.scales import ScaleReweighter

    class FakePDF:
        def xf(self, pid: int, x: float, q2: float) -> float:
            return (1 - x) ** 3 * x ** (-0.2) * (1 + 0.05 * np.log(q2) * (1 if pid == 21 else -1))

    rw = ScaleReweighter(FakePDF(), 0.118, n_alphas=1)
    central, var = rw.weights(21, 2, 0.1, 0.02, 80.0, 90.0, 100.0)
    pdf = FakePDF()
    as0 = rw.alphas(80.0)
    f0 = pdf.xf(21, 0.1, 90.0**2) * pdf.xf(2, 0.02, 90.0**2)
    for (kr, kf), value in zip(SCALE_POINTS, var, strict=True):
        expected = (
            rw.alphas(kr * 100.0)
            / as0
            * pdf.xf(21, 0.1, (kf * 100) ** 2)
            * pdf.xf(2, 0.02, (kf * 100) ** 2)
            / f0
        )
        assert value == pytest.approx(expected, rel=1e-12)
    assert central == var[0]


def test_sample_round_trip_and_errors(tmp_path) -> None:
    rng = np.random.default_rng(0)
    s = Sample(
        rng.normal(size=(10, 3)),
        ("a", "b", "c"),
        np.ones(10),
        rng.uniform(size=(10, 9)),
        {"ho": np.full(10, 2.0)},
        {"process": "x"},
    )
    s.save(tmp_path / "s.npz")
    t = load_sample(tmp_path / "s.npz")
    np.testing.assert_array_equal(t.features, s.features)
    np.testing.assert_array_equal(t.variations, s.variations)
    assert (
        t.proxies["ho"][0] == 2.0
        and t.meta["process"] == "x"
        and t.feature_names == ("a", "b", "c")
    )
    # variations stored in another (k_R, k_F) order are put back in SCALE_POINTS order
    order = np.arange(9)[::-1]
    np.savez(tmp_path / "r.npz", features=s.features, feature_names=np.array(s.feature_names), weights=s.weights,
             variations=s.variations[:, order], scale_points=np.array(SCALE_POINTS)[order])  # fmt: skip
    np.testing.assert_array_equal(load_sample(tmp_path / "r.npz").variations, s.variations)
    np.savez(tmp_path / "bad.npz", features=s.features, weights=s.weights)
    with pytest.raises(SampleError, match="missing array 'feature_names'"):
        load_sample(tmp_path / "bad.npz")
    with pytest.raises(SampleError, match="no such sample"):
        load_sample(tmp_path / "none.npz")


def test_closure_of_scale_weights() -> None:
    pytest.importorskip("pythia8mc")
    from scaleuq.decorrelation.study import closure

    points = closure("wjets", 4000, seed=11, points=((2.0, 2.0), (0.5, 1.0), (1.0, 0.5)))
    for p in points:
        # weights from the nominal sample reproduce the regenerated cross sections
        assert abs(p.pull) < 4, p
        assert p.ratio_weights != pytest.approx(1.0, abs=0.01)  # the variations do something


def test_run_command_writes_only_into_output_dir(tmp_path, monkeypatch) -> None:
    for module in ("torch", "pyhf"):
        pytest.importorskip(module)
    from scaleuq.cli import main

    inputs = tmp_path / "in"
    inputs.mkdir()
    synthetic_sample(800, True, 1).save(inputs / "s.npz")
    synthetic_sample(1600, False, 2).save(inputs / "b.npz")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args = ["decorrelation", "run", "--quick", "--methods", "baseline", "--signal",
            str(inputs / "s.npz"), "--background", str(inputs / "b.npz"), "--format", "json",
            "--output-dir", "out"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["inputs"] == [str(inputs / "s.npz"), str(inputs / "b.npz")]
    assert payload["generated"] == [] and payload["threads"] == 1
    assert [(r["method"], r["lam"]) for r in payload["rows"]] == [("baseline", 0.0)]
    for row in payload["rows"]:
        assert 0.5 < row["auc"] <= 1 and row["bkg_band"] >= 0
        assert set(row["bkg_distance"]) == set(payload["proxies"]) == set(row["mu_pull"]) - {"lo"}
        assert row["mu_hat"]["lo"] == pytest.approx(1.0, abs=1e-3) and row["sigma_mu"] > 0
        for ref in payload["proxies"]:  # means over the trainings: the signs agree
            assert np.sign(row["mu_pull"][ref]) == np.sign(row["mu_hat"][ref] - 1)
    # nothing outside --output-dir: the figure and its sidecar only
    assert sorted(p.name for p in work.rglob("*")) == [
        "decorrelation_quick.json", "decorrelation_quick.pdf", "decorrelation_quick.png", "out",
    ]  # fmt: skip
    assert (work / "out" / "decorrelation_quick.png").stat().st_size > 1000
    bad = CliRunner().invoke(main, ["decorrelation", "run", "--quick", "--methods", "nope",
                                    "--signal", str(inputs / "s.npz"), "--background", str(inputs / "b.npz")])  # fmt: skip
    # refused while parsing (a usage error, exit status 2, as every click choice)
    assert bad.exit_code == 2 and "unknown 'nope'" in bad.output


def test_all_methods_and_a_registered_one(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("pyhf")
    from scaleuq.decorrelation.api import run_decorrelation
    from scaleuq.decorrelation.methods import METHODS, register_method
    from scaleuq.decorrelation.train import Baseline

    seen: list[int] = []

    class Recorder(Baseline):  # adding a method: a class with a name, and its registration
        name = "recorder"

        def train(self, data, *, lam, config, seed):  # type: ignore[no-untyped-def]
            seen.append(torch.get_num_threads())
            return super().train(data, lam=lam, config=config, seed=seed)

    register_method(Recorder())
    try:
        sig, bkg = tmp_path / "s.npz", tmp_path / "b.npz"
        synthetic_sample(600, True, 3).save(sig)
        synthetic_sample(1200, False, 4).save(bkg)
        before = torch.get_num_threads()
        run = run_decorrelation(
            config=tiny_config(), signal=sig, background=bkg, seed=2,
            methods=("baseline", "adversarial", "disco", "aware", "recorder"),
        )  # fmt: skip
    finally:
        METHODS.unregister("recorder")
    assert seen == [1] and torch.get_num_threads() == before  # one thread during, restored after
    rows = {(r.method, r.lam): r for r in run.result.rows}
    assert set(rows) == {
        ("baseline", 0.0),
        ("adversarial", 10.0),
        ("disco", 1.0),
        ("aware", 0.0),
        ("recorder", 0.0),
    }
    # the recorder trains exactly as the baseline (same seed): same numbers
    assert rows["recorder", 0.0].auc == rows["baseline", 0.0].auc
    for r in run.result.rows:
        assert np.isfinite(r.sigma_mu) and r.sigma_mu > 0 and np.isfinite(r.sigma_mu_scale)
        assert r.mu_hat["lo"] == pytest.approx(1.0, abs=2e-3), (r.method, r.auc, r.sigma_mu)
    payload = run.to_dict()
    assert payload["size"] == "custom" and len(payload["rows"]) == 5
    again = json.loads(json.dumps(payload))  # JSON-safe
    assert again["rows"][0]["mu_pull"] == payload["rows"][0]["mu_pull"]


def test_samples_from_users_lhe_and_nlo_distance(tmp_path) -> None:
    pytest.importorskip("torch")
    from scaleuq.cli import main
    from scaleuq.decorrelation.study import StudyConfig, run_study
    from scaleuq.decorrelation.train import TrainConfig
    from scaleuq.io.lhe import read_lhe
    from scaleuq.io.synthetic import write_synthetic_lhe

    runner = CliRunner()
    paths = {}
    for name, process, seed in (
        ("sig", "p p > z j j", 1),
        ("bkg", "p p > w+ j j", 2),
        ("nlo", "p p > w+ j j [QCD]", 3),
    ):
        lhe = write_synthetic_lhe(tmp_path / f"{name}.lhe.gz", 1500, process=process, seed=seed)
        paths[name] = tmp_path / f"{name}.npz"
        result = runner.invoke(main, ["decorrelation", "from-lhe", str(lhe), str(paths[name])])
        assert result.exit_code == 0, result.output
    sig = load_sample(paths["sig"])
    # the nine columns are the header's weights mapped by (k_R, k_F), not by position
    arr = read_lhe(tmp_path / "sig.lhe.gz")
    ids = {(w.k_r, w.k_f): j for j, w in enumerate(arr.header.weights)}
    keep = np.flatnonzero(np.isin(arr.info[:, 2], sig.weights))[: len(sig)]
    for k, point in enumerate(SCALE_POINTS):
        np.testing.assert_allclose(sig.variations[:, k], arr.weights[keep, ids[point]])
    config = StudyConfig(n_signal=0, n_background=0, lambdas={"adversarial": (1.0,)}, repeats=1,
                         train=TrainConfig(hidden=(8,), adv_hidden=(8,), epochs=1, pretrain_epochs=1, batch_size=256))  # fmt: skip
    study = run_study(
        sig, load_sample(paths["bkg"]), config=config, nlo_background=load_sample(paths["nlo"]),
        methods=("baseline", "adversarial"),
    )  # fmt: skip
    assert "nlo" in study.proxies and all(np.isfinite(r.bkg_distance["nlo"]) for r in study.rows)
    assert all(np.isfinite(r.mu_hat["nlo"]) for r in study.rows)


def test_weights_at_interpolates_in_log_k() -> None:
    from scaleuq.decorrelation.aware import weights_at

    rng = np.random.default_rng(0)
    var = rng.uniform(0.5, 2.0, size=(5, 9))
    for k, (kr, kf) in enumerate(SCALE_POINTS):  # exact at the nine points
        np.testing.assert_allclose(
            weights_at(var, (np.log2(kr), np.log2(kf))), var[:, k], rtol=1e-12
        )
    # a weight k_R^a k_F^b (linear in log k) is reproduced everywhere
    a, b = 0.3, -0.7
    power = np.array([[kr**a * kf**b for kr, kf in SCALE_POINTS]])
    nu = np.array([[0.37, -0.81]])
    np.testing.assert_allclose(weights_at(power, nu), 2 ** (a * 0.37 - b * 0.81), rtol=1e-12)
    # per-event nu, and a non-positive weight falls back to linear interpolation
    neg = power.copy()
    neg[0, 3] = -1.0
    assert np.isfinite(
        weights_at(np.vstack([power, neg]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    ).all()


def test_distance_correlation() -> None:
    torch = pytest.importorskip("torch")
    from scaleuq.decorrelation.disco import distance_correlation_sq, distance_correlation_sq_numpy

    rng = np.random.default_rng(1)
    z = rng.normal(size=(400, 2))
    w = rng.uniform(0.5, 1.5, size=400)
    independent = rng.normal(size=400)
    dependent = z[:, 0] ** 2 + 0.1 * rng.normal(size=400)  # uncorrelated but dependent
    assert abs(np.corrcoef(dependent, z[:, 0])[0, 1]) < 0.2
    assert distance_correlation_sq_numpy(independent, z, w) < 0.02
    assert distance_correlation_sq_numpy(dependent, z, w) > 0.1
    assert distance_correlation_sq_numpy(2 * z[:, 0] + 1, z[:, :1], w) == pytest.approx(1.0)
    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    assert float(distance_correlation_sq(t(dependent), t(z), t(w))) == pytest.approx(
        distance_correlation_sq_numpy(dependent, z, w), rel=1e-9
    )


def test_verdict_recovers_a_signal_rate_change_in_both_fits() -> None:
    pytest.importorskip("pyhf")
    from scaleuq.decorrelation.verdict import Events, Reference, VerdictConfig, verdict

    sig, bkg = synthetic_sample(3000, True, 5), synthetic_sample(6000, False, 6)
    score = lambda x: x[:, 0] + x[:, 1] + x[:, 2]  # noqa: E731

    class Plain:
        takes_nu = False

        def score(self, x, nu=None):  # type: ignore[no-untyped-def]
            return score(x)

    class NuBlind(Plain):  # the aware path with a score that ignores nu
        takes_nu = True

    s_ev = Events(sig.features, 0.5 * sig.weights, 0.5 * sig.variations)
    b_ev = Events(bkg.features, 2.0 * bkg.weights, 2.0 * bkg.variations)
    refs = {"rate": Reference(Events(s_ev.x, 1.1 * s_ev.w), Events(b_ev.x, b_ev.w))}
    cfg = VerdictConfig(n_bins=5, nu_points=5)
    plain, blind = (
        verdict(Plain(), s_ev, b_ev, refs, config=cfg),
        verdict(NuBlind(), s_ev, b_ev, refs, config=cfg),
    )
    for v in (plain, blind):
        assert v.mu_hat["lo"] == pytest.approx(1.0, abs=1e-3)
        # the signal rate is free (mu): 10% more signal is mu = 1.1 whatever the nuisances do
        assert v.mu_hat["rate"] == pytest.approx(1.1, abs=0.01)
        assert v.mu_pull["rate"] == pytest.approx((v.mu_hat["rate"] - 1) / v.sigma_mu)
        assert v.sigma_mu >= v.sigma_mu_scale > 0
    # the template fit and the nu-grid profile give expected uncertainties of the same size (the
    # envelope's bin-wise max/min is more conservative than the two-dimensional nu)
    assert 0.5 < blind.sigma_mu / plain.sigma_mu <= 1.1

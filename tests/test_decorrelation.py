"""The decorrelation study: analytic toy (fast test of the whole pipeline), evaluation on
constructed inputs, scale weights, sample format, closure, and the quick command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.decorrelation.evaluate import efficiency, roc_auc, working_point
from scaleuq.decorrelation.samples import Sample, SampleError, load_sample
from scaleuq.decorrelation.scales import SCALE_POINTS
from scaleuq.decorrelation.toy import Toy


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
    # the measured numbers follow the closed form of the learned direction (stat. tolerance
    # for ~6000 test events per class)
    for r in rows:
        assert r["band"] == pytest.approx(r["band_closed_form"], abs=0.08)
        assert r["distance"] == pytest.approx(r["distance_closed_form"], abs=0.08)
    assert plain["band"] > 0.5
    assert adv["band"] < 0.5 * plain["band"]
    assert adv["distance"] > 0.9 * plain["distance"]
    assert adv["auc"] < plain["auc"]  # decorrelation costs separation


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


def test_quick_run_command(tmp_path, monkeypatch) -> None:
    for module in ("torch", "pythia8mc", "fastjet"):
        pytest.importorskip(module)
    from scaleuq.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["decorrelation", "run", "--quick", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{") :])
    lams = [row["lam"] for row in payload["rows"]]
    assert lams[0] == 0 and len(lams) >= 5
    for row in payload["rows"]:
        assert 0.5 < row["auc"] <= 1 and row["bkg_band"] >= 0
        assert set(row["bkg_distance"]) == set(payload["proxies"])
    assert any(p.startswith("radiation_") for p in payload["proxies"])
    assert (tmp_path / "reports" / "decorrelation_quick.png").stat().st_size > 1000
    # samples are written once and reused
    assert len(list((tmp_path / "samples").glob("*.npz"))) == 2


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
    config = StudyConfig(n_signal=0, n_background=0, lambdas=(0.0, 1.0), repeats=1,
                         train=TrainConfig(hidden=(8,), adv_hidden=(8,), epochs=1, pretrain_epochs=1, batch_size=256))  # fmt: skip
    study = run_study(
        sig, load_sample(paths["bkg"]), config=config, nlo_background=load_sample(paths["nlo"])
    )
    assert "nlo" in study.proxies and all(np.isfinite(r.bkg_distance["nlo"]) for r in study.rows)

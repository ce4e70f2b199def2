"""scaleuq recommend: raw, reference and recommended bands for processes with and without NLO."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaleuq.analysis.recommend import MAX_DOWN, calibrate_corpus, recommend, recommend_files
from scaleuq.cli import main
from scaleuq.io.tables import read_tables

from .conftest import DATA, write

# The example of issue 15: an LO-only tri-boson row, n = 3, LO band +1.2% -1.5% (a user's input,
# not a published number; the bundled data have p p > z w+ w- with NLO and only an upward band).
WWZ = "process,n_final,lo_scale_up_pct,lo_scale_dn_pct\np p > w+ w- z,3,1.2,-1.5\n"


@pytest.fixture(scope="module")
def calibration():
    return calibrate_corpus(n_bootstrap=300, seed=0)


@pytest.fixture
def wwz(tmp_path):
    return write(tmp_path / "wwz.csv", WWZ)


def _reference_means() -> tuple[float, float]:
    """<Delta sigma/(n sigma_0)> up and down straight from the bundled reference CSV
    (Ghosh et al., arXiv:2210.15167, Table 1), computed here independently of the library."""
    ref = pd.read_csv(DATA / "ghosh2022_qcd_reference.csv")
    return float(np.mean(ref.lo_scale_up_rel / ref.n_final)), float(
        np.mean(-ref.lo_scale_dn_rel / ref.n_final)
    )


def test_lo_only_process(wwz, calibration) -> None:
    rec = recommend(read_tables([wwz]), calibration=calibration).of("p p > w+ w- z")
    assert rec.raw.up == pytest.approx(0.012) and rec.raw.down == pytest.approx(0.015)
    assert rec.pull is None and rec.pull_ref is None and rec.reason == "no NLO information"
    up, dn = _reference_means()
    assert rec.n == 3
    assert rec.reference.up == pytest.approx(3 * up, rel=1e-12)
    assert rec.reference.down == pytest.approx(3 * dn, rel=1e-12)
    # default: the out-of-sample factors of each side (the downward one extrapolated)
    assert rec.recommended_68.up == pytest.approx(calibration.up.factor_68 * 3 * up)
    assert rec.recommended_68.down == pytest.approx(calibration.down.factor_68 * 3 * dn)
    # in-sample: s68 times the reference band, as before
    s68 = calibration.factor_68.factor
    inside = calibrate_corpus(n_bootstrap=300, seed=0, factors="in-sample")
    rec_in = recommend(read_tables([wwz]), calibration=inside).of("p p > w+ w- z")
    assert rec_in.recommended_68.up == pytest.approx(s68 * 3 * up)
    assert rec_in.recommended_68.down == pytest.approx(s68 * 3 * dn)
    assert rec.recommended_68_low.up < rec.recommended_68.up < rec.recommended_68_high.up
    assert rec.source.endswith("wwz.csv:2")


def test_factor_covers_the_corpus(calibration) -> None:
    """s68 makes 68% of the corpus bands cover (an independent check of the quantile)."""
    t = np.abs(calibration.pulls)
    assert np.mean(t <= calibration.factor_68.factor) == pytest.approx(0.6827, abs=1 / t.size)
    assert np.mean(t <= calibration.factor_95.factor) == pytest.approx(0.9545, abs=1 / t.size)
    assert calibration.factor_68.low <= calibration.factor_68.factor <= calibration.factor_68.high
    assert calibration.stage == "after" and calibration.pulls.size == 19


def test_downward_band_capped_with_note(wwz, calibration) -> None:
    rec = recommend(read_tables([wwz]), calibration=calibration).of("p p > w+ w- z")
    assert rec.recommended_95.down == MAX_DOWN
    assert any("capped" in n for n in rec.notes)
    assert rec.recommended_95.up > 1  # upward has no cap


def test_before_stage_multiplies_the_raw_band() -> None:
    cal = calibrate_corpus(stage="before", n_bootstrap=50, factors="in-sample")
    rec = recommend(calibration=cal).of("p p > z j")
    assert rec.calibrated_band == "raw"
    assert rec.recommended_68.up == pytest.approx(cal.factor_68.factor * 0.193)
    assert cal.factor_68.factor > 10  # raw electroweak bands: the README's s68 = 43.7


def test_every_bundled_process_and_sources(calibration) -> None:
    result = recommend(calibration=calibration)
    assert len(result.processes) == 19
    assert set(result.sources) == {"raw", "reference", "factors", "recommended"}
    assert "arXiv:2210.15167" in result.sources["reference"]
    assert "19 pulls after" in result.sources["factors"]
    json.dumps(result.to_dict())


def test_same_seed_same_numbers(wwz) -> None:
    a = recommend_files([str(wwz)], n_bootstrap=100, seed=3).to_dict()
    b = recommend_files([str(wwz)], n_bootstrap=100, seed=3).to_dict()
    assert a == b


def test_cli_text_csv_json(wwz, tmp_path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["recommend", str(wwz), "--bootstrap", "200"])
    assert res.exit_code == 0, res.output
    assert "p p > w+ w- z" in res.output and "+1.2% -1.5%" in res.output
    assert "+44.1% -28%" in res.output and "no NLO information" in res.output
    out = tmp_path / "r.json"
    res = runner.invoke(
        main, ["recommend", str(wwz), "--format", "json", "-o", str(out), "--bootstrap", "200"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["command"] == "recommend"
    assert data["processes"][0]["reference"]["up"] == pytest.approx(0.4407, abs=1e-4)
    res = runner.invoke(main, ["recommend", str(wwz), "--format", "csv", "--bootstrap", "200"])
    frame = pd.read_csv(__import__("io").StringIO(res.output))
    assert frame.loc[0, "rec68_up_rel"] == pytest.approx(
        data["processes"][0]["recommended_68"]["up"], rel=1e-3
    )


def test_cli_corpus_and_bad_input(wwz, tmp_path) -> None:
    runner = CliRunner()
    corpus = DATA / "madgraph2014_13tev_vjets.csv"
    res = runner.invoke(
        main, ["recommend", str(wwz), "--corpus", str(corpus), "--bootstrap", "100"]
    )
    assert res.exit_code == 0, res.output
    assert "10 pulls after" in res.output
    bad = write(tmp_path / "bad.csv", "process,n_final,lo_scale_up_pct\np p > z,1,abc\n")
    out = tmp_path / "never.json"
    res = runner.invoke(main, ["recommend", str(bad), "-o", str(out)])
    assert res.exit_code == 1 and "bad.csv:2" in res.output and not out.exists()


def test_factors_equal_those_of_the_pull_fit(calibration) -> None:
    """The same factors and bootstrap intervals as `scaleuq fit --after` with the same seed."""
    from scaleuq.io.datasets import load_bundled
    from scaleuq.pull.reference import reference_correct
    from scaleuq.stats.study import fit_stage

    study = fit_stage(
        reference_correct(load_bundled("pulls")), "after", models=("gauss",), n_bootstrap=300,
        n_gof=0, seed=0,
    )  # fmt: skip
    assert study.calibration[0] == calibration.factor_68
    assert study.calibration[1] == calibration.factor_95
    # and the same out-of-sample (leave-one-out) coverage (issue 23)
    assert study.out_of_sample == (calibration.out_of_sample_68, calibration.out_of_sample_95)


def test_out_of_sample_coverage(calibration) -> None:
    """Leave-one-out, computed here with a plain loop: the in-sample s68/s95 rules cover 13 and
    17 of the 19 bundled pulls (the audit of issue 23 found the same)."""
    t = np.abs(calibration.pulls)
    loo68 = sum(t[i] <= np.quantile(np.delete(t, i), 0.682689492137086) for i in range(t.size))
    loo95 = sum(t[i] <= np.quantile(np.delete(t, i), 0.9544997361036416) for i in range(t.size))
    o68, o95 = calibration.out_of_sample_68, calibration.out_of_sample_95
    assert (o68.loo_covered, o95.loo_covered) == (loo68, loo95) == (13, 17)
    # conformal factor: the ceil(20 p)-th smallest |t|; 95.4% needs 21 pulls, so not reached
    assert o68.factor == pytest.approx(np.sort(t)[13]) and o68.reached
    assert o95.factor == pytest.approx(t.max()) and not o95.reached
    assert calibration.up.n == 19 and not calibration.up.extrapolated
    assert calibration.down.n == 0 and calibration.down.extrapolated
    assert "extrapolated" in calibration.down.note
    assert (
        calibration.tail_processes and calibration.s95_without_tail < calibration.factor_95.factor
    )


def test_both_signs_calibrated_separately() -> None:
    """Pulls of each sign give factors of their own (what calibrate_corpus does per side)."""
    from scaleuq.stats.coverage import out_of_sample

    rng = np.random.default_rng(2)
    up_t, dn_t = np.abs(rng.normal(0, 3, 30)), -np.abs(rng.normal(0, 1, 30))
    assert out_of_sample(up_t).factor > 2 * out_of_sample(dn_t).factor


def test_cli_labels_in_and_out_of_sample(wwz) -> None:
    res = CliRunner().invoke(main, ["recommend", str(wwz), "--bootstrap", "100"])
    assert res.exit_code == 0, res.output
    assert "in-sample:" in res.output and "out-of-sample:" in res.output
    assert "13/19 = 68.4%" in res.output and "17/19 = 89.5%" in res.output
    assert "downward" in res.output and "extrapolated" in res.output
    data = json.loads(CliRunner().invoke(main, ["recommend", str(wwz), "--format", "json",
                                                "--bootstrap", "100"]).output)  # fmt: skip
    assert data["calibration"]["factors"] == "out-of-sample"
    assert data["calibration"]["down"]["extrapolated"] is True

"""Distribution fits: parameter recovery, calibrated goodness of fit, batched optimiser
against iminuit, reproducible bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from scaleuq.errors import OptionError
from scaleuq.stats.fitting import best_fit_batch, fit_model, fit_models, scale_floor
from scaleuq.stats.models import MODELS

TRUE = {
    "gauss": {"mu": 0.5, "sigma": 1.5},
    "student-t": {"mu": 0.5, "sigma": 1.0, "nu": 3.0},
    "cauchy": {"mu": 1.0, "gamma": 2.0},
    "gauss+cauchy": {"mu": 1.0, "sigma": 1.0, "gamma": 6.0, "f": 0.7},
}


@pytest.mark.parametrize("model", list(MODELS))
def test_fit_recovers_parameters(model: str) -> None:
    # n = 4000: HESSE errors are a few percent; a 4-sigma window fails by chance < 1e-4 per
    # parameter, and the seed makes the draw fixed.
    rng = np.random.default_rng(11)
    x = MODELS[model].sample(rng, TRUE[model], (4000,))
    fit = fit_model(x, model, n_bootstrap=0, n_gof=0)
    assert fit.valid
    for p in fit.params:
        assert p.hesse_error is not None and p.hesse_error > 0
        assert abs(p.value - TRUE[model][p.name]) < 4 * p.hesse_error, (
            p.name,
            p.value,
            p.hesse_error,
        )
        if p.minos_lower is not None:
            assert p.minos_lower < 0 < p.minos_upper


def test_bootstrap_errors_agree_with_hesse() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 2.0, 400)
    fit = fit_model(x, "gauss", n_bootstrap=2000, n_gof=0, seed=1)
    for p in fit.params:
        assert p.boot_std == pytest.approx(p.hesse_error, rel=0.15)
        assert p.boot_low < p.value < p.boot_high


def test_gof_rejects_wrong_model_and_accepts_right_one() -> None:
    rng = np.random.default_rng(5)
    cauchy = 1.0 + 2.0 * rng.standard_cauchy(400)
    wrong = fit_model(cauchy, "gauss", n_bootstrap=0, n_gof=300, seed=2)
    right = fit_model(cauchy, "cauchy", n_bootstrap=0, n_gof=300, seed=2)
    assert wrong.gof_pvalue < 0.01
    assert right.gof_pvalue > 0.05
    assert right.aic < wrong.aic and right.bic < wrong.bic


def test_batched_optimiser_matches_iminuit_on_resamples() -> None:
    rng = np.random.default_rng(8)
    x = 1.0 + rng.standard_t(2.0, size=60)
    resamples = x[rng.integers(0, x.size, size=(4, x.size))]
    for model in ("student-t", "cauchy", "gauss+cauchy"):
        batch = best_fit_batch(MODELS[model], resamples, floor=scale_floor(x))
        for row, theta in zip(resamples, batch, strict=True):
            single = fit_model(row, model, n_bootstrap=0, n_gof=0)
            nll_batch = MODELS[model].nll(row[None], theta[None])[0]
            # the batched optimum is as good as MIGRAD's (within a tolerance in -ln L)
            assert nll_batch <= -single.loglike + 1e-3, model


def test_bootstrap_is_reproducible_with_seed() -> None:
    x = np.random.default_rng(0).standard_cauchy(50)
    a = fit_models(x, ("cauchy", "student-t"), n_bootstrap=200, n_gof=50, seed=7)
    b = fit_models(x, ("cauchy", "student-t"), n_bootstrap=200, n_gof=50, seed=7)
    c = fit_models(x, ("cauchy", "student-t"), n_bootstrap=200, n_gof=50, seed=8)
    assert [f.to_dict() for f in a] == [f.to_dict() for f in b]
    assert a[0].params[0].boot_std != c[0].params[0].boot_std


def test_information_criteria() -> None:
    x = np.random.default_rng(1).normal(size=50)
    fit = fit_model(x, "gauss", n_bootstrap=0, n_gof=0)
    assert fit.aic == pytest.approx(2 * 2 - 2 * fit.loglike)
    assert fit.bic == pytest.approx(2 * np.log(50) - 2 * fit.loglike)
    # Gaussian MLE in closed form
    assert fit.value("mu") == pytest.approx(x.mean(), abs=1e-5)
    assert fit.value("sigma") == pytest.approx(x.std(), rel=1e-4)


def test_bad_input() -> None:
    with pytest.raises(OptionError, match="too few"):
        fit_model(np.array([1.0, 2.0]), "student-t")
    with pytest.raises(OptionError, match="finite"):
        fit_model(np.array([1.0, np.nan, 2.0, 3.0]), "gauss")
    with pytest.raises(OptionError, match="unknown model"):
        fit_model(np.arange(10.0), "laplace")


# --- issue 10: bounded memory, clean stdout, clean errors -------------------------------------


def test_bootstrap_is_chunked(monkeypatch) -> None:
    # resamples used to be one (n_bootstrap, n) batch: memory grew with rows x resamples
    import scaleuq.stats.fitting as fitting

    monkeypatch.setattr(fitting, "CHUNK_VALUES", 20_000)
    sizes: list[int] = []
    real = fitting.best_fit_batch

    def spy(model, x, **kwargs):
        sizes.append(x.shape[0])
        return real(model, x, **kwargs)

    monkeypatch.setattr(fitting, "best_fit_batch", spy)
    x = np.random.default_rng(0).standard_cauchy(200)
    fit = fitting.fit_model(x, "cauchy", n_bootstrap=300, n_gof=120, seed=3)
    limit = fitting.chunk_rows(200, 1 + 2 * 2 + 2 * 2 * 1)  # 11 rows of 200 x 9 shifts
    assert limit == 11
    assert max(sizes[1:]) <= limit  # sizes[0] is the fit to the sample itself
    assert sum(sizes[1:]) == 300 + 120
    assert fit.n_bootstrap == 300 and fit.params[0].boot_std > 0
    again = fitting.fit_model(x, "cauchy", n_bootstrap=300, n_gof=120, seed=3)
    assert fit.to_dict() == again.to_dict()


def test_small_samples_keep_their_numbers_in_one_chunk() -> None:
    # below the chunk budget the resamples are drawn in one call, as before chunking
    from scaleuq.stats.fitting import chunk_rows

    assert chunk_rows(19, 1 + 2 * 4 + 2 * 4 * 3) >= 2000


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_bad_seed_is_an_option_error(seed) -> None:
    # --seed -1 used to end in numpy's ValueError ("internal error")
    from scaleuq.stats.coverage import calibrate
    from scaleuq.stats.fitting import check_seed

    x = np.random.default_rng(0).normal(size=20)
    with pytest.raises(OptionError, match="seed must be a non-negative integer"):
        check_seed(seed)
    with pytest.raises(OptionError, match="seed"):
        fit_model(x, "gauss", n_bootstrap=10, n_gof=0, seed=seed)
    with pytest.raises(OptionError, match="seed"):
        fit_models(x, ("gauss",), n_bootstrap=10, n_gof=0, seed=seed)
    with pytest.raises(OptionError, match="seed"):
        calibrate(x, n_bootstrap=10, seed=seed)


def test_extreme_pulls_are_refused_without_warnings() -> None:
    import warnings

    x = np.array([1e-300, 1e300, -1e300, 1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model in MODELS:
            with pytest.raises(OptionError, match=r"a pull of 1e\+300 cannot be fitted"):
                fit_model(x, model, n_bootstrap=0, n_gof=0)


def test_non_numeric_pulls_are_an_option_error() -> None:
    with pytest.raises(OptionError, match="1-D array of finite pulls"):
        fit_model(np.array(["a", "b", "c", "d"], dtype=object), "gauss")


def test_minuit_output_never_reaches_stdout(monkeypatch, capfd, caplog) -> None:
    # Minuit2's C++ code prints e.g. 'E VariableMetricBuilder Initial matrix not pos.def.' on
    # file descriptor 1, which broke `scaleuq fit --format json` on stdout
    import logging
    import os

    from iminuit import Minuit

    real = Minuit.migrad

    def noisy(self, *args, **kwargs):
        os.write(1, b"E VariableMetricBuilder Initial matrix not pos.def.\n")
        os.write(2, b"W native stderr line\n")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Minuit, "migrad", noisy)
    x = np.random.default_rng(0).standard_cauchy(30)
    with caplog.at_level(logging.DEBUG, logger="scaleuq.stats.fitting"):
        fit_model(x, "cauchy", n_bootstrap=0, n_gof=0)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "E VariableMetricBuilder Initial matrix not pos.def." in caplog.text


def test_native_output_at_file_descriptor_level_is_captured(capfd, caplog) -> None:
    # What Minuit2's C++ code prints goes straight to file descriptors 1 and 2, past sys.stdout;
    # write there the same way (whether real Minuit prints depends on what ran before in the
    # process, so the message is written directly).
    import logging
    import os

    from scaleuq.stats.fitting import native_output_to_log

    with caplog.at_level(logging.DEBUG, logger="scaleuq.stats.fitting"), native_output_to_log():
        os.write(1, b"E VariableMetricBuilder Initial matrix not pos.def.\n")
        os.write(2, b"W MnPosDef non-positive diagonal element\n")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "minuit: E VariableMetricBuilder" in caplog.text
    assert "MnPosDef" in caplog.text


def test_fit_study_refuses_a_negative_seed() -> None:
    # `scaleuq fit --seed -1` ended in numpy's ValueError from SeedSequence ("internal error")
    from scaleuq.io.datasets import load_bundled
    from scaleuq.stats.study import fit

    with pytest.raises(OptionError, match="seed must be a non-negative integer, got -1"):
        fit(load_bundled("pulls"), seed=-1, n_bootstrap=5, n_gof=0)

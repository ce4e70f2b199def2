"""The model registry: one Model carries what fitting and plotting need; a new model (here a
Laplace distribution, registered by the test) is fitted, bootstrapped, plotted and offered by
the CLI without touching any other file; a bad definition fails loudly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.io.datasets import load_bundled
from scaleuq.stats.fitting import fit_model, fit_models, scale_floor
from scaleuq.stats.models import (
    MODELS,
    Model,
    get_model,
    model_names,
    register_model,
    unregister_model,
)
from scaleuq.stats.study import fit

LAPLACE_COLOR = "#d55e00"


def _laplace_logpdf(x, mu, b):
    return -np.log(2 * b) - np.abs(x - mu) / b


def _laplace_cdf(x, mu, b):
    z = (x - mu) / b
    return 0.5 + 0.5 * np.sign(z) * (1 - np.exp(-np.abs(z)))


def _laplace_start(x):
    med = np.median(x, axis=-1, keepdims=True)
    return np.concatenate([med, np.mean(np.abs(x - med), -1, keepdims=True) + 1e-9], -1)


def _laplace_ml(x, floor):
    """The Laplace ML estimate in closed form: the median and the mean absolute deviation from
    it. (The batched Levenberg-Marquardt refits, which use finite-difference Hessians, stall on
    this likelihood's kink at mu: from the full-sample optimum they left b almost unchanged and
    gave a bootstrap spread of b 2.7 times too small in a trial, so a model with a kinked
    likelihood should declare its closed form.)"""
    med = np.median(x, axis=-1)
    return np.stack([med, np.maximum(np.mean(np.abs(x - med[..., None]), -1), floor or 0.0)], -1)


def laplace(**changes) -> Model:
    fields = dict(
        name="laplace",
        label="Laplace",
        params=("mu", "b"),
        positive=("b",),
        unit_interval=(),
        logpdf=_laplace_logpdf,
        cdf=_laplace_cdf,
        sample=lambda rng, th, size: rng.laplace(th["mu"], th["b"], size),
        start=_laplace_start,
        bounds={},
        scales=("b",),
        style={"color": LAPLACE_COLOR, "ls": ":", "lw": 2.0},
        closed_form=_laplace_ml,
    )
    fields.update(changes)
    return Model(**fields)


@pytest.fixture
def registered() -> Iterator[Model]:
    model = register_model(laplace())
    try:
        yield model
    finally:
        unregister_model("laplace")
    assert "laplace" not in MODELS


def test_builtin_registry() -> None:
    assert model_names() == ("gauss", "student-t", "cauchy", "gauss+cauchy")
    # which parameters are scales is declared, not guessed from the name: nu is positive but
    # no scale
    assert get_model("student-t").scales == ("sigma",)
    assert get_model("gauss+cauchy").scales == ("sigma", "gamma")
    for model in MODELS.values():
        assert "color" in model.style and model.label


def test_laplace_fit_bootstrap_and_floor(registered) -> None:
    rng = np.random.default_rng(11)
    x = rng.laplace(0.3, 1.7, 1000)
    result = fit_model(x, "laplace", n_bootstrap=100, n_gof=20, seed=2)
    # the ML estimates of a Laplace are the median and the mean absolute deviation from it
    med = np.median(x)
    assert result.value("mu") == pytest.approx(med, abs=0.02)
    assert result.value("b") == pytest.approx(np.mean(np.abs(x - med)), rel=1e-3)
    b = next(p for p in result.params if p.name == "b")
    # bootstrap spread of b against the asymptotic error b / sqrt(n)
    assert b.boot_std == pytest.approx(1.7 / np.sqrt(x.size), rel=0.3)
    assert result.boot_at_floor == 0 and 0 < result.gof_pvalue <= 1
    # the declared scale gets the floor (a name outside sigma/gamma used to be skipped)
    floor = scale_floor(x)
    natural = registered.to_natural(np.array([[0.0, np.log(1e-12)]]), floor)
    assert natural[0, 1] == pytest.approx(floor)


def test_laplace_in_the_study_and_the_figure(registered) -> None:
    from matplotlib.colors import to_rgba

    from scaleuq.report.plotting import plot_pull_histogram

    # by default every registered model is fitted
    assert [f.model for f in fit_models(np.arange(8.0), n_bootstrap=0, n_gof=0)][-1] == "laplace"
    study = fit(load_bundled("pulls"), models=("gauss", "laplace"), n_bootstrap=20, n_gof=5)
    assert study.fit_of("laplace").n_bootstrap == 20
    fig = plot_pull_histogram(study)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    line = handles[next(i for i, label in enumerate(labels) if label.startswith("Laplace (AIC"))]
    assert line.get_edgecolor() == pytest.approx(to_rgba(LAPLACE_COLOR))
    assert line.get_linewidth() == 2.0 and line.get_linestyle() == ":"


def test_cli_offers_registered_models(registered) -> None:
    runner = CliRunner()
    args = ["fit", "--model", "laplace", "--bootstrap", "20", "--gof", "5"]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload["fits"]) == ["laplace"] and payload["options"]["models"] == ["laplace"]
    assert "laplace" in runner.invoke(main, ["fit", "--help"]).output


def test_unknown_model_rejected() -> None:
    result = CliRunner().invoke(main, ["fit", "--model", "laplace"])
    assert result.exit_code == 2 and "'laplace' is not one of" in result.output
    with pytest.raises(OptionError, match="unknown model 'laplace'"):
        get_model("laplace")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"style": {"colour": "red"}}, "unknown style key(s) colour"),
        ({"style": {"ls": "-"}}, "needs a 'color'"),
        ({"style": {"color": "red", "ls": "wiggly"}}, "unknown line style 'wiggly'"),
        ({"scales": ("sigma",)}, "scales names 'sigma', not among the parameters (mu, b)"),
        ({"scales": ("mu",)}, "scale parameter(s) mu must also be positive"),
        ({"positive": ("b", "beta")}, "positive names 'beta'"),
        ({"bounds": {"nu": (0, 1)}}, "bounds names 'nu'"),
        ({"start_variants": ({"f": 0.5},)}, "start_variants names 'f'"),
        ({"params": ("mu", "mu")}, "distinct parameter names"),
    ],
)
def test_bad_definitions_fail_loudly(changes, message) -> None:
    with pytest.raises(OptionError) as info:
        laplace(**changes)
    assert message in str(info.value) and str(info.value).startswith("model 'laplace'")


def test_duplicate_registration(registered) -> None:
    with pytest.raises(OptionError, match="already registered"):
        register_model(laplace())
    assert register_model(laplace(label="Laplace 2"), replace=True).label == "Laplace 2"

"""One registry pattern (issue 18): every extension point is a
:class:`scaleuq.util.registry.Registry`, and the CLI builds its choices and help from it, so a
registered extension is listed in ``--help`` and accepted by the option without touching the
CLI. Each test registers one more entry, looks for it in the help, and removes it."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.util.registry import Registry


def _help(*command: str) -> str:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    return result.output


def test_registry_basics() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    assert reg.get("a") == 1 and list(reg) == ["a"] and len(reg) == 1 and "a" in reg
    with pytest.raises(OptionError, match="already registered"):
        reg.register("a", 2)
    assert reg.register("a", 2, replace=True) == 2
    with pytest.raises(
        OptionError, match=r"unknown widget 'b' \(did you mean 'a'\?\)|unknown widget 'b'"
    ):
        reg.get("b")
    with pytest.raises(OptionError, match="non-empty name"):
        reg.register(" ", 3)
    reg.unregister("a")
    assert reg.names() == ()


def test_a_registered_pull_model_is_in_fit_help() -> None:
    from scaleuq.stats.models import MODELS, register_model, unregister_model

    gauss = MODELS["gauss"]
    import dataclasses

    register_model(dataclasses.replace(gauss, name="gauss-copy"))
    try:
        assert "gauss-copy" in _help("fit")
    finally:
        unregister_model("gauss-copy")
    assert "gauss-copy" not in _help("fit")


def test_a_registered_decorrelation_method_is_in_run_help() -> None:
    from scaleuq.decorrelation.methods import METHODS, register_method
    from scaleuq.decorrelation.train import Baseline

    class Copy(Baseline):
        name = "baseline-copy"

    register_method(Copy())
    try:
        assert "baseline-copy" in _help("decorrelation", "run")
    finally:
        METHODS.unregister("baseline-copy")


def test_a_registered_mhou_method_is_in_mhou_help() -> None:
    from scaleuq.stats.mhou import METHODS, Method

    def one_percent(data, k):  # median at the last order, intervals of +-1%, +-2%
        central = np.asarray(data.central(k), float)
        return np.stack([central, 0.99 * central, 1.01 * central, 0.98 * central,
                         1.02 * central], axis=-1)  # fmt: skip

    METHODS.register("one-percent", Method(one_percent, default=False))
    try:
        assert "one-percent" in _help("mhou")
    finally:
        METHODS.unregister("one-percent")
    assert "one-percent" not in _help("mhou")


def test_a_registered_pdf_backend_is_in_reweight_help() -> None:
    from scaleuq.pdf.backend_builtin import BuiltinBackend
    from scaleuq.pdf.registry import register_backend, unregister_backend

    class Copy(BuiltinBackend):
        name = "builtin-copy"

    register_backend(Copy)
    try:
        assert "builtin-copy" in _help("reweight")
    finally:
        unregister_backend("builtin-copy")


def test_a_renamed_model_keeps_its_old_name_for_one_release() -> None:
    from scaleuq.stats.models import get_model

    with pytest.warns(FutureWarning, match="now called 'student-t'"):
        assert get_model("student_t").name == "student-t"
    result = CliRunner().invoke(
        main, ["fit", "--model", "student_t", "--bootstrap", "0", "--gof", "0", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert "'student_t' is deprecated, use 'student-t'" in result.stderr
    import json

    assert list(json.loads(result.stdout)["fits"]) == ["student-t"]

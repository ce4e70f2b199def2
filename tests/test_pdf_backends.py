"""PDF backends: the interface, the registry (as pyhf chooses tensor backends), the ``lhapdf``
backend against a fake ``lhapdf`` module (always) and the real one (when importable), and the
``xf`` adapter the decorrelation weights use.

The fake module implements only the LHAPDF calls the backend makes, and answers with the
closed-form function the toy grid holds on its knots (LHAPDF's log-bicubic reproduces it
exactly), so the two backends must agree to rounding.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.errors import LHAPDFMissingError, OptionError, PDFError
from scaleuq.pdf import AlphaS, PDFBackend, PDFSet, from_xf, load_pdf
from scaleuq.pdf.registry import (
    PDF_BACKENDS,
    backend_names,
    default_backend,
    get_backend,
    register_backend,
    set_backend,
    unregister_backend,
)
from tests._pdfgrid import ALPHAS_INFO, PIDS, XS, bilinear, write_set

INFO = (
    "SetDesc: toy\nSetIndex: 920000\nNumMembers: 2\nErrorType: replicas\nFormat: lhagrid1\n"
    "Flavors: [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22]\n" + ALPHAS_INFO
)


def member_func(k: int) -> Any:
    return lambda p, lx, lq: bilinear(p, lx, lq) * (1 + 0.1 * k)


@pytest.fixture(autouse=True)
def _grid_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALEUQ_CACHE_DIR", str(tmp_path_factory.mktemp("grid-cache")))


@pytest.fixture
def sets_dir(tmp_path: Path) -> Path:
    write_set(tmp_path / "sets", "toyset", 2, member_func, INFO)
    return tmp_path / "sets"


def fake_alphas(q: float) -> float:
    """What the fake LHAPDF answers for alpha_s (deliberately not the .info's ODE)."""
    return 0.1 + 0.001 * math.log(q)


class _FakeMember:
    def __init__(self, module: _FakeLHAPDF, name: str, member: int) -> None:
        self.module, self.name, self.member = module, name, member
        self.xMin, self.xMax = float(XS[0]), float(XS[-1])  # properties in LHAPDF's bindings
        self.q2Min, self.q2Max = 1.0, 1e8

    def xfxQ2(self, pid: int, x: float, q2: float) -> float:
        assert isinstance(pid, int) and isinstance(x, float) and isinstance(q2, float)
        self.module.calls += 1
        if pid not in PIDS:
            return 0.0
        return float(member_func(self.member)(pid, math.log(x), math.log(q2)))

    def alphasQ(self, q: float) -> float:
        return fake_alphas(q)

    def flavors(self) -> list[int]:
        return list(PIDS)


class _FakeLHAPDF(types.ModuleType):
    """The few calls of the LHAPDF 6 Python module the backend uses."""

    def __init__(self) -> None:
        super().__init__("lhapdf")
        self.paths: list[str] = []
        self.verbosity: int | None = None
        self.calls = 0

    def setVerbosity(self, level: int) -> None:
        self.verbosity = level

    def pathsPrepend(self, path: str) -> None:
        self.paths.insert(0, path)

    def mkPDF(self, name: str, member: int) -> _FakeMember:
        for d in self.paths:
            if (Path(d) / name / f"{name}_{member:04d}.dat").is_file():
                return _FakeMember(self, name, member)
        raise RuntimeError(f"Info file not found for PDF set '{name}'")


@pytest.fixture
def fake_lhapdf(monkeypatch: pytest.MonkeyPatch) -> _FakeLHAPDF:
    module = _FakeLHAPDF()
    monkeypatch.setitem(sys.modules, "lhapdf", module)
    return module


def test_registry_lists_resolves_and_sets_the_default(sets_dir: Path) -> None:
    assert backend_names()[:2] == ("builtin", "lhapdf") and "builtin" in PDF_BACKENDS
    assert get_backend().name == default_backend() == "builtin"
    assert get_backend("lhapdf").name == "lhapdf"
    with pytest.raises(OptionError, match=r"unknown PDF backend 'lhapfd'.*did you mean 'lhapdf'"):
        get_backend("lhapfd")
    with pytest.raises(OptionError, match="unknown PDF backend"):
        load_pdf("toyset", pdf_path=sets_dir, backend="nope")
    with pytest.raises(PDFError, match="cannot be removed"):
        unregister_backend("builtin")
    with pytest.raises(PDFError, match="not a PDFBackend subclass"):
        register_backend(dict)  # type: ignore[arg-type]


class _Scaled(PDFBackend):
    """A backend written against the interface only: the builtin reader, times two."""

    name = "scaled-test"
    description = "twice the builtin values"

    def __init__(self, inner: PDFBackend) -> None:
        self.inner = inner
        self.members = inner.members

    @classmethod
    def open(cls, location, members, *, info, alphas, interpolation, extrapolation):
        inner = get_backend("builtin").open(
            location,
            members,
            info=info,
            alphas=alphas,
            interpolation=interpolation,
            extrapolation=extrapolation,
        )
        return cls(inner)

    @property
    def flavours(self) -> tuple[int, ...]:
        return self.inner.flavours

    @property
    def x_range(self) -> tuple[float, float]:
        return self.inner.x_range

    @property
    def q_range(self) -> tuple[float, float]:
        return self.inner.q_range

    def xfxq2(self, pid, x, q2, rows):
        return 2.0 * self.inner.xfxq2(pid, x, q2, rows)

    def alphas_q(self, q: Any) -> np.ndarray:
        return self.inner.alphas_q(q)


def test_a_registered_backend_is_chosen_by_name_default_and_cli(sets_dir: Path) -> None:
    from scaleuq.cli import main

    class NoOpen(_Scaled):
        open = PDFBackend.open  # type: ignore[assignment]

    with pytest.raises(PDFError, match="does not implement open"):
        register_backend(NoOpen)
    register_backend(_Scaled)
    try:
        with pytest.raises(OptionError, match="already registered"):
            register_backend(type("Other", (_Scaled,), {}))
        ref = load_pdf("toyset", members="all", pdf_path=sets_dir)
        pdf = load_pdf("toyset", members="all", pdf_path=sets_dir, backend="scaled-test")
        assert pdf.backend == "scaled-test" and isinstance(pdf.engine, _Scaled)
        x, q = np.array([1e-3, 0.2]), np.array([10.0, 300.0])
        np.testing.assert_allclose(pdf.xfxq(21, x, q), 2 * ref.xfxq(21, x, q), rtol=1e-15)
        assert pdf.pids == ref.pids and pdf.to_dict()["backend"] == "scaled-test"
        set_backend("scaled-test")
        assert load_pdf("toyset", pdf_path=sets_dir).backend == "scaled-test"
        help_text = CliRunner().invoke(main, ["reweight", "--help"]).output
        assert "scaled-test" in help_text
    finally:
        unregister_backend("scaled-test")
    assert default_backend() == "builtin" and "scaled-test" not in backend_names()


def test_lhapdf_backend_against_a_fake_module(sets_dir: Path, fake_lhapdf: _FakeLHAPDF) -> None:
    ours = load_pdf("toyset", members="all", pdf_path=sets_dir)
    theirs = load_pdf("toyset", members="all", pdf_path=sets_dir, backend="lhapdf")
    assert fake_lhapdf.paths[0] == str(sets_dir) and fake_lhapdf.verbosity == 0
    assert theirs.backend == "lhapdf" and theirs.members == (0, 1)
    assert theirs.lhapdf_ids() == [920000, 920001] and theirs.error_type == "replicas"
    assert theirs.pids == PIDS and theirs.x_range == (XS[0], XS[-1])
    assert theirs.q_range == pytest.approx((1.0, 1e4))
    rng = np.random.default_rng(3)
    x = 10 ** rng.uniform(-5, -0.1, 200)
    q = 10 ** rng.uniform(0.1, 3.9, 200)
    pid = rng.choice(PIDS, 200)
    np.testing.assert_allclose(theirs.xfxq(pid, x, q), ours.xfxq(pid, x, q), rtol=1e-11)
    np.testing.assert_allclose(
        theirs.xfxq(pid, x, q, rows=[1]), ours.xfxq(pid, x, q, rows=[1]), rtol=1e-11
    )
    assert (theirs.xfxq(6, x[:3], q[:3]) == 0).all()
    # alpha_s is LHAPDF's while the set's own; a replaced alpha_s (a variation) is used as given
    np.testing.assert_allclose(
        theirs.alphas_q(np.array([10.0, 91.0])), [fake_alphas(10.0), fake_alphas(91.0)]
    )
    other = AlphaS("ode", order=0, alphas_mz=0.125)
    varied = dataclasses.replace(theirs, alphas=other)
    np.testing.assert_allclose(varied.alphas_q(np.array([50.0])), other(np.array([50.0])))
    with pytest.raises(PDFError, match="not a physical point"):
        theirs.xfxq(21, 1.5, 10.0)


def test_lhapdf_backend_refusals(sets_dir: Path, tmp_path: Path, fake_lhapdf: _FakeLHAPDF) -> None:
    with pytest.raises(PDFError, match="interpolation 'pythia' needs --pdf-backend builtin"):
        load_pdf("toyset", pdf_path=sets_dir, backend="lhapdf", interpolation="pythia")
    with pytest.raises(PDFError, match="extrapolation 'nearest' needs --pdf-backend builtin"):
        load_pdf("toyset", pdf_path=sets_dir, backend="lhapdf", extrapolation="nearest")
    lone = sets_dir / "toyset" / "toyset_0001.dat"
    (sets_dir / "toyset" / "toyset.info").rename(tmp_path / "moved.info")
    with pytest.raises(PDFError, match=r"LHAPDF needs a set folder with toyset\.info"):
        load_pdf(lone, backend="lhapdf")
    (tmp_path / "moved.info").rename(sets_dir / "toyset" / "toyset.info")
    fake_lhapdf.mkPDF = lambda name, member: (_ for _ in ()).throw(RuntimeError("boom"))  # type: ignore[method-assign]
    with pytest.raises(PDFError, match=r"LHAPDF cannot load member 0 \(boom\)"):
        load_pdf("toyset", pdf_path=sets_dir, backend="lhapdf")


def test_lhapdf_backend_without_the_module_names_how_to_get_it(
    sets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lhapdf", None)  # import lhapdf -> ImportError
    with pytest.raises(LHAPDFMissingError, match=r"lhapdf\.hepforge\.org/install"):
        load_pdf("toyset", pdf_path=sets_dir, backend="lhapdf")


@pytest.mark.skipif(importlib.util.find_spec("lhapdf") is None, reason="LHAPDF is not installed")
def test_lhapdf_backend_with_the_real_module(sets_dir: Path) -> None:
    """The real LHAPDF evaluates the toy set; its log-bicubic interpolation reproduces the
    bilinear function on the knots, as ours does."""
    ours = load_pdf("toyset", members="all", pdf_path=sets_dir)
    theirs = load_pdf("toyset", members="all", pdf_path=sets_dir, backend="lhapdf")
    rng = np.random.default_rng(5)
    x = 10 ** rng.uniform(-5, -0.1, 100)
    q = 10 ** rng.uniform(0.1, 3.9, 100)
    for pid in (21, 2, -1):
        np.testing.assert_allclose(theirs.xfxq(pid, x, q), ours.xfxq(pid, x, q), rtol=1e-9)
    np.testing.assert_allclose(
        theirs.alphas_q(np.array([20.0, 91.1876])),
        ours.alphas_q(np.array([20.0, 91.1876])),
        rtol=1e-3,
    )


def test_xf_adapter_is_a_pdfset_on_the_interface() -> None:
    class Pythiaish:
        def __init__(self) -> None:
            self.seen: list[tuple[int, float, float]] = []

        def xf(self, pid: int, x: float, q2: float) -> float:
            self.seen.append((pid, x, q2))
            return (1 - x) ** 3 * (1 + 0.01 * pid) * math.log(q2)

    obj = Pythiaish()
    a = AlphaS("ode", order=0, alphas_mz=0.118)
    pdf = from_xf(obj, a)
    assert isinstance(pdf, PDFSet) and isinstance(pdf.engine, PDFBackend)
    assert pdf.backend == "xf" and pdf.members == (0,) and pdf.lhapdf_ids() == [None]
    got = pdf.xfxq([21, 2], [0.1, 0.2], [10.0, 20.0], rows=[0, 0])
    assert got.shape == (2, 2) and obj.seen[0] == (21, 0.1, 100.0)
    assert got[1, 1] == pytest.approx((0.8) ** 3 * 1.02 * math.log(400.0), rel=1e-15)
    np.testing.assert_allclose(pdf.alphas_q(np.array([30.0])), a(np.array([30.0])))
    with pytest.raises(PDFError, match="has no xf"):
        from_xf(object(), a)


def test_pythia_pset_words_load_with_pythias_interpolation(sets_dir: Path) -> None:
    from scaleuq.pdf import load_pset

    folder = sets_dir / "toyset"
    word = load_pset("LHAGrid1:toyset_0000.dat", pdf_path=folder.parent)
    assert word.interpolation == "pythia" and word.name == "toyset" and word.members == (0,)
    plain = load_pset("toyset/1", pdf_path=sets_dir)
    assert plain.interpolation == "lhapdf" and plain.members == (1,)
    a = AlphaS("ode", order=0, alphas_mz=0.125)
    assert load_pset("LHAGrid1:toyset", pdf_path=sets_dir, alphas=a).alphas is a

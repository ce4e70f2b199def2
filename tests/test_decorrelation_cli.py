"""The decorrelation commands at their seams: clean stdout (issue 19 item 2), missing extras
named before any work (item 4), the quick run as default, the expected time and --quiet
(item 5); generation over processes and Dask identical to one process; the verdict's span
check, NaN reasons and the aware fit's signal normalisation; the committed report and its
summary (issue 23 item 6)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.util.quiet import stdout_to_stderr

ROOT = Path(__file__).resolve().parents[1]


# ---- scaleuq.util.quiet -----------------------------------------------------------------------


def test_stdout_to_stderr_moves_descriptor_level_writes(capfd: pytest.CaptureFixture[str]) -> None:
    print("before", flush=True)
    with stdout_to_stderr():
        os.write(1, b"C-level banner\n")  # what FastJet or Pythia do: past sys.stdout
        print("python print", flush=True)
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert "C-level banner" in err and "python print" in err


def test_stdout_to_stderr_devnull_and_restores_after_an_error(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuntimeError), stdout_to_stderr("devnull"):
        os.write(1, b"lost\n")
        raise RuntimeError("inside")
    os.write(1, b"back\n")
    out, err = capfd.readouterr()
    assert out == "back\n" and "lost" not in err
    with pytest.raises(ValueError, match="target"), stdout_to_stderr("stdout"):
        pass


def test_generate_json_is_clean_json_in_a_fresh_process(tmp_path: Path) -> None:
    """FastJet prints its banner at the first clustering of a process and Pythia its messages
    from C++: in a fresh process (so that the banner is really printed), stdout is the JSON."""
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    proc = subprocess.run(
        [sys.executable, "-m", "scaleuq", "decorrelation", "generate", "--events", "100",
         "--jobs", "1", "-d", "s", "--format", "json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert [s["process"] for s in payload["samples"]] == ["single_top", "wjets"]
    assert [s["n_generated"] for s in payload["samples"]] == [100, 400]
    assert "FastJet release" in proc.stderr  # the banner went to stderr, not lost
    assert all(not Path(s["path"]).is_absolute() for s in payload["samples"])  # as given


# ---- missing extras -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "missing", "extra"),
    [
        (["decorrelation", "generate", "--events", "100", "-d", "s"], "fastjet", "mc"),
        (["decorrelation", "generate", "--events", "100", "-d", "s"], "pythia8mc", "mc"),
        (["decorrelation", "closure", "--events", "100"], "pythia8mc", "mc"),
        (["decorrelation", "run", "--samples-dir", "s"], "fastjet", "mc"),
        (["decorrelation", "run", "--samples-dir", "s"], "torch", "ml"),
        (["decorrelation", "run", "--samples-dir", "s"], "pyhf", "ml"),
        (["decorrelation", "toy", "--events", "1000"], "torch", "ml"),
    ],
)
def test_missing_extra_is_named_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], missing: str, extra: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` raises ImportError
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert f'pip install "scaleuq[{extra}]"' in result.output and missing in result.output
    assert "internal error" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing generated, nothing written


# ---- defaults, expected time, --quiet ---------------------------------------------------------


class _Stop(OptionError):
    pass


def _capture_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    import scaleuq.decorrelation.api as api

    seen: dict[str, object] = {}

    def fake(**kwargs: object) -> None:
        seen.update(kwargs)
        raise _Stop("stopped by the test")

    monkeypatch.setattr(api, "run_decorrelation", fake)
    return seen


@pytest.mark.parametrize(
    ("flags", "size"), [([], "quick"), (["--medium"], "medium"), (["--full"], "full")]
)
def test_run_defaults_to_quick_and_prints_the_expected_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], size: str
) -> None:
    monkeypatch.chdir(tmp_path)
    seen = _capture_run(monkeypatch)
    result = CliRunner().invoke(main, ["decorrelation", "run", *flags, "--jobs", "2"])
    assert result.exit_code == 1 and "stopped by the test" in result.output
    assert seen["size"] == size and seen["workers"] == 2
    line = next(li for li in result.output.splitlines() if li.startswith("decorrelation run --"))
    assert line.startswith(f"decorrelation run --{size}: expected about ")
    assert "generation about" in line  # nothing cached in an empty folder
    assert callable(seen["progress"]) and callable(seen["generation_progress"])


def test_quiet_silences_the_expected_time_and_every_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seen = _capture_run(monkeypatch)
    result = CliRunner().invoke(main, ["--quiet", "decorrelation", "run", "--full"])
    assert result.exit_code == 1
    assert result.output == "scaleuq: error: stopped by the test\n"
    assert seen["progress"] is None and seen["generation_progress"] is None


# ---- generation over processes and Dask -------------------------------------------------------


def test_generation_is_the_same_in_one_process_many_and_on_dask() -> None:
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    distributed = pytest.importorskip("distributed")
    from scaleuq.decorrelation.generate import generate

    one = generate("single_top", 300, seed=5, chunk=100, workers=1)
    two = generate("single_top", 300, seed=5, chunk=100, workers=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = generate("single_top", 300, seed=5, chunk=100, scheduler=cluster.scheduler_address)
    for other in (two, dask):
        for key in ("features", "weights", "variations", "radiation"):
            np.testing.assert_array_equal(one[key], other[key])
        assert other["sigma_pb"] == one["sigma_pb"] and other["n_generated"] == 300
    other_seed = generate("single_top", 100, seed=6, chunk=100, workers=1)
    assert not np.array_equal(other_seed["weights"], one["weights"][: len(other_seed["weights"])])


def test_a_longer_sample_is_built_on_a_shorter_one_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extending a sample on disk gives the events and totals of a generation in one go."""
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    from scaleuq.decorrelation import study
    from scaleuq.decorrelation.samples import load_sample

    monkeypatch.setattr(study, "CHUNK", 100)
    short, grown, direct = tmp_path / "short", tmp_path / "grown", tmp_path / "direct"
    study.generate_samples(200, 100, seed=3, directory=short)
    for path in short.iterdir():
        (grown / path.name).parent.mkdir(exist_ok=True)
        (grown / path.name).write_bytes(path.read_bytes())
    seen: list[tuple[str, int, int]] = []
    ext = study.generate_samples(
        300, 200, seed=3, directory=grown, progress=lambda *a: seen.append(a)
    )
    one = study.generate_samples(300, 200, seed=3, directory=direct)
    assert seen[0] == ("single_top", 200, 300) and seen[-1] == ("wjets", 200, 200)
    for a, b in zip(ext[:2], one[:2], strict=True):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.variations, b.variations)
        for name in b.proxies:
            np.testing.assert_array_equal(a.proxies[name], b.proxies[name])
        for key in ("n_generated", "n_selected", "sum_weights", "sum_variations", "sigma_pb",
                    "sigma_err_pb", "chunks"):  # fmt: skip
            assert a.meta[key] == b.meta[key], key
        assert a.meta["extended_from"].startswith(a.meta["process"] + "_")
    # A sample of an earlier release (no chunk totals) counts as one chunk: totals to rounding.
    old = tmp_path / "old"
    old.mkdir()
    for path in short.iterdir():
        sample = load_sample(path)
        del sample.meta["chunks"]
        sample.save(old / path.name)
    from_old = study.generate_samples(300, 200, seed=3, directory=old)
    for a, b in zip(from_old[:2], one[:2], strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.meta["sigma_pb"] == pytest.approx(b.meta["sigma_pb"], rel=1e-12)
        assert a.meta["sum_weights"] == pytest.approx(b.meta["sum_weights"], rel=1e-12)
        assert a.meta["n_generated"] == b.meta["n_generated"]


# ---- the verdict: span, NaN reasons, the aware fit's signal normalisation ---------------------


def test_span_check_places_references_per_bin() -> None:
    from scaleuq.decorrelation.verdict import span_check

    sig = np.array([10.0, 20.0])
    bkg = np.array([100.0, 50.0])
    sig_var = np.outer(sig, np.linspace(0.9, 1.1, 9))
    bkg_var = np.outer(bkg, np.linspace(0.8, 1.2, 9))  # span of the total: -18.2%..+18.2%, -17.1%..
    refs = {"in": 1.05 * (sig + bkg), "out": np.array([1.05, 1.5]) * (sig + bkg)}
    span = span_check((sig, sig_var, bkg, bkg_var), refs)
    assert span["in"]["inside"] == [True, True] and span["out"]["inside"] == [True, False]
    lo = (0.9 * sig + 0.8 * bkg) / (sig + bkg) - 1
    np.testing.assert_allclose(span["out"]["lo"], lo)
    np.testing.assert_allclose(span["out"]["shift"], [0.05, 0.5])


def test_nan_in_a_row_comes_with_its_reason() -> None:
    from scaleuq.decorrelation.study import _row
    from scaleuq.decorrelation.verdict import FitVerdict

    def wp(band: float) -> SimpleNamespace:
        return SimpleNamespace(auc=0.9, bkg_band=band, bkg_band_err=0.001, sig_band=0.01,
                               bkg_distance={"k": 0.02})  # fmt: skip

    def fit(sigma: float, mu: float, failed: tuple[str, ...] = ()) -> FitVerdict:
        return FitVerdict(sigma, {"lo": 1.0, "k": mu}, {"lo": 0.0, "k": (mu - 1) / sigma},
                          0.001, {"lo": 1.0, "k": 1.01}, {"lo": 0.0, "k": 10.0}, 4, failed)  # fmt: skip

    runs = [
        (wp(0.01), {"k": 0.02}, {"k": 0.001}, fit(0.03, 1.02)),
        (wp(0.02), {"k": 0.03}, {"k": 0.001}, fit(float("nan"), float("nan"), ("lo: MIGRAD",))),
    ]
    row = _row("baseline", 0.0, runs)
    assert row.sigma_mu == pytest.approx(0.03) and row.mu_hat["k"] == pytest.approx(1.02)
    assert any("sigma_mu: mean and spread of 1 of 2 trainings (1 NaN)" in n for n in row.notes)
    assert any("MIGRAD" in n for n in row.notes)
    all_bad = _row("baseline", 0.0, [runs[1]])
    assert math.isnan(all_bad.sigma_mu)
    assert any(n.startswith("sigma_mu: NaN in all 1 trainings") for n in all_bad.notes)


def _aware_events(rate: float, seed: int = 0) -> tuple[object, object]:
    """Signal whose rate (not shape) moves with k_F as k_F**rate; a background tilted in x."""
    from scaleuq.decorrelation.scales import SCALE_POINTS
    from scaleuq.decorrelation.verdict import Events

    rng = np.random.default_rng(seed)
    kf = np.array([k for _, k in SCALE_POINTS])
    kr = np.array([k for k, _ in SCALE_POINTS])
    xs, xb = rng.normal(1.0, 1.0, (4000, 1)), rng.normal(-0.5, 1.0, (16000, 1))
    ws, wb = np.full(4000, 50.0), np.full(16000, 500.0)
    sv = ws[:, None] * kf[None, :] ** rate
    bv = wb[:, None] * np.exp(0.1 * xb * np.log2(kr)[None, :]) * kr[None, :] ** -0.2
    return Events(xs, ws, sv), Events(xb, wb, bv)


def test_aware_fit_measures_mu_against_the_nominal_signal_rate() -> None:
    """With the signal's rate moving with nu (the earlier fit), mu and nu are degenerate and
    sigma_mu widens to what the signal rate's nu dependence allows; with the signal shape-only at
    each nu (the default), a score that does not depend on nu gets a sigma_mu of the template
    fit's size."""
    pytest.importorskip("pyhf")
    from scaleuq.decorrelation.verdict import Events, Reference, VerdictConfig, verdict

    sig, bkg = _aware_events(rate=0.15)
    model = SimpleNamespace(score=lambda x: x[:, 0], takes_nu=False)
    refs = {"bkg_up": Reference(Events(sig.x, sig.w), Events(bkg.x, 1.03 * bkg.w))}
    cfg = VerdictConfig(n_bins=6, nu_points=9, mc_stat=False)
    tmpl = verdict(model, sig, bkg, refs, config=cfg)
    grid = verdict(model, sig, bkg, refs, config=cfg, likelihood="nugrid")
    old = verdict(
        model, sig, bkg, refs, config=VerdictConfig(n_bins=6, nu_points=9, mc_stat=False,
                                                    signal_rate_in_nu=True), likelihood="nugrid",
    )  # fmt: skip
    # analytic: the signal rate 2**(0.15 nu_F) with a unit Gaussian on nu_F lets mu move by
    # 0.15 ln 2 = 0.104 at one sigma
    assert old.sigma_mu == pytest.approx(0.15 * math.log(2), rel=0.15)
    # the same size as the template fit (here 0.49 times: the two nu move rate and shape
    # together, where the envelope has independent rate and shape nuisances)
    assert 0.3 < grid.sigma_mu / tmpl.sigma_mu < 3.0
    assert grid.span["bkg_up"]["inside"] and len(grid.span["bkg_up"]["inside"]) == 6


# ---- the committed reports --------------------------------------------------------------------


def _committed_runs() -> list[Path]:
    return sorted((ROOT / "reports").glob("decorrelation_*_summary.md"))


def test_committed_decorrelation_reports_exist() -> None:
    assert [p.name for p in _committed_runs()] == [
        "decorrelation_full_summary.md", "decorrelation_medium_summary.md",
        "decorrelation_quick_summary.md",
    ]  # fmt: skip


@pytest.mark.parametrize("summary", _committed_runs(), ids=lambda p: p.name)
def test_committed_summary_is_rendered_from_its_json(summary: Path) -> None:
    """Every number of the summary is the JSON's (the summary is rendered from it),
    benchmarks/README.md quotes it verbatim, and the JSON records no absolute path."""
    from scaleuq.report.render_decorrelation import render_summary

    payload = json.loads(
        summary.with_name(summary.name.replace("_summary.md", ".json")).read_text()
    )
    assert summary.read_text() == render_summary(payload)
    assert payload["config"]["repeats"] >= (5 if payload["size"] != "quick" else 3)

    def strings(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    assert not [s for s in strings(payload) if s.startswith("/") or s.startswith(str(ROOT))]
    for row in payload["rows"]:  # each NaN comes with its reason
        nan = [k for k, v in row.items() if v is None]
        assert not nan or row["notes"], (row["method"], row["lam"], nan)
    readme = (ROOT / "benchmarks" / "README.md").read_text()  # quoted there verbatim
    for paragraph in render_summary(payload).strip().split("\n\n"):
        assert paragraph in readme

"""MHOU methods side by side (scaleuq.stats.mhou) on synthetic series with known answers."""

from __future__ import annotations

import io
import json
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.io.longformat import validate_long, write_long
from scaleuq.stats.mhou import DEFAULT_METHODS, METHODS, TARGETS, _ch_halfwidth, mhou, series_data

ORDERS = ("lo", "nlo", "nnlo", "n3lo")
SCALES = tuple(product((0.5, 1.0, 2.0), repeat=2))


def series(
    terms: list[list[float]], *, spread: float = 0.0, alphas: float | None = 0.2
) -> pd.DataFrame:
    """A long frame: point i has cumulative sums of terms[i] at the central scale and a
    relative spread ``spread * (order's next term / value)`` under k_F (a toy scale band)."""
    rows = []
    for i, t in enumerate(terms):
        cum = np.cumsum(t)
        for k, order in enumerate(ORDERS[: len(t)]):
            nxt = abs(t[k + 1]) if k + 1 < len(t) else abs(t[k])
            for kr, kf in SCALES:
                v = cum[k] + spread * nxt * np.log2(kf)
                row = dict(point=f"P:x={i}", observable="F2", order=order, k_R=kr, k_F=kf, value=v)
                if alphas is not None:
                    row["alphas"] = alphas
                rows.append(row)
    return validate_long(pd.DataFrame(rows), "test")


def test_ch_halfwidth_matches_the_closed_form() -> None:
    # Cacciari-Houdeau (arXiv:1105.5152): n_c known coefficients, c_max the largest.
    coeffs = np.array([[1.0, np.nan], [1.0, -3.0]])
    a = 0.1
    h = _ch_halfwidth(coeffs, np.array([a**1, a**2]), 0.4)
    assert h[0] == pytest.approx(a * 1.0 * 2 / 1 * 0.4)  # p <= n_c/(n_c+1) = 1/2
    assert h[1] == pytest.approx(a**2 * 3.0 * 3 / 2 * 0.4)  # p <= 2/3
    h = _ch_halfwidth(coeffs, np.array([a, a**2]), 0.95)
    assert h[0] == pytest.approx(a * 1.0 * (2 * 0.05) ** -1.0)
    assert h[1] == pytest.approx(a**2 * 3.0 * (3 * 0.05) ** -0.5)


def test_envelope_coverage_and_calibration_by_hand() -> None:
    # Next terms 0.5x, 2x and 0.8x the band: the 68% envelope covers 2 of 3.
    terms = [[1.0, 0.1, 0.01 * s] for s in (0.5, 2.0, 0.8)]
    frame = series(terms, spread=0.0)
    # band of NLO: spread under k_F equal to 0.01 (the same for all three points)
    rows = frame.copy()
    nlo = rows["order"] == "nlo"
    rows.loc[nlo, "value"] += 0.01 * np.log2(rows.loc[nlo, "k_F"])
    result = mhou(validate_long(rows, "test"), methods=["envelope-7"])
    r = result.row("envelope-7", "nlo->nnlo")
    assert r.n == 3
    assert r.coverage_68 == pytest.approx(2 / 3)
    assert r.coverage_95 == pytest.approx(1.0)  # 2x the band covers 2.0
    ratios = np.array([0.5, 2.0, 0.8])
    assert r.calibration_68 == pytest.approx(np.quantile(ratios, TARGETS[0], method="higher"))


def test_first_non_vanishing_order_is_left_out() -> None:
    frame = series([[0.0, 0.3, 0.05, 0.01], [1.0, 0.1, 0.01, 0.001]], spread=0.5)
    result = mhou(frame, methods=["ch", "geometric"])
    assert result.row("ch", "lo->nlo").n == 1
    assert result.row("ch", "lo->nlo").n_excluded == 1
    assert result.row("geometric", "nlo->nnlo").n == 2


def test_geometric_intervals_scale_with_the_series_and_grow_with_p() -> None:
    base = [[1.0, 0.3, 0.09, 0.027]]
    a = mhou(series(base), methods=["geometric"]).points
    b = mhou(series([[10 * t for t in base[0]]]), methods=["geometric"]).points
    assert np.allclose(a["up68"], b["up68"] / 10, rtol=1e-6)
    assert (a["up95"] > a["up68"]).all()
    # a fast-converging series gets a tighter next-term interval than a slow one
    slow = mhou(series([[1.0, 0.8, 0.64, 0.5]]), methods=["geometric"]).points
    fast = mhou(series([[1.0, 0.1, 0.01, 0.001]]), methods=["geometric"]).points
    pick = slice(-1, None)  # nnlo->n3lo
    assert float(fast["up68"].iloc[pick].iloc[0]) < float(slow["up68"].iloc[pick].iloc[0])


def test_ch_needs_alphas_and_unknown_method_is_an_error() -> None:
    frame = series([[1.0, 0.1, 0.01]], alphas=None)
    assert "ch" in METHODS
    with pytest.raises(OptionError, match="alphas"):
        mhou(frame, methods=["ch"])
    with pytest.raises(OptionError, match="unknown method"):
        mhou(frame, methods=["nope"])
    assert mhou(frame, methods=["envelope-9"]).transitions == ("lo->nlo", "nlo->nnlo")


def test_series_data_shape() -> None:
    data = series_data(series([[1.0, 0.1, 0.01, 0.001]] * 3, spread=1.0))
    assert data.values.shape == (3, 4, 9)
    assert data.orders == ORDERS
    assert np.allclose(data.central(3), 1.111)


def test_cli_mhou(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    terms = [[1.0, *(rng.normal(0, 0.1, 3) * [1, 0.3, 0.1])] for _ in range(20)]
    path = tmp_path / "s.csv"
    write_long(series(terms, spread=0.8), path)
    result = CliRunner().invoke(main, ["mhou", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["rows"]) == len(DEFAULT_METHODS) * 3
    assert {"coverage_68", "coverage_95", "calibration_68", "calibration_95"} <= set(
        data["rows"][0]
    )
    text = CliRunner().invoke(main, ["mhou", str(path), "--method", "ch", "--method", "envelope-3"])
    assert text.exit_code == 0 and "nnlo->n3lo" in text.output


# ---------------------------------------------------------------- MiHO's abc model

# MiHO's Drell-Yan example (off-shell photon, LO..N3LO at 9 (mu_F, mu_R) points: columns mu_F
# factor, mu_R factor, LO, NLO, NNLO, N3LO), github.com/aykhuss/miho at commit e77e9d0,
# examples/gamma_N3LO/data/N3LO_9scl.dat (N3LO_3scl.dat and N3LO_scl1.0-1.0.dat are its
# diagonal and centre). The repository carries no licence file: the 36 numbers are quoted here
# as data with their source, the file is not copied.
MIHO_DY = """\
0.5 0.5  6.187361e+00 7.956126e+00 8.106391e+00 7.893847e+00
0.5 1.0  6.187361e+00 7.766542e+00 8.046989e+00 7.944202e+00
0.5 2.0  6.187361e+00 7.614409e+00 7.974627e+00 7.958674e+00
1.0 0.5  7.110012e+00 8.321943e+00 8.136375e+00 7.877205e+00
1.0 1.0  7.110012e+00 8.192043e+00 8.154210e+00 7.956180e+00
1.0 2.0  7.110012e+00 8.087803e+00 8.146807e+00 8.007180e+00
2.0 0.5  7.966379e+00 8.515837e+00 8.117082e+00 7.862292e+00
2.0 1.0  7.966379e+00 8.456943e+00 8.188999e+00 7.950480e+00
2.0 2.0  7.966379e+00 8.409684e+00 8.231636e+00 8.020915e+00
"""
# MiHO's own output (median, 68% DoB interval, 95% DoB interval), from its code at e77e9d0
# built here (cmake; the submodules CLI11, fmt, cubature at the pinned commits) and run as
#   miho --format "{median} [{dob68_low}, {dob68_upp}] [{dob95_low}, {dob95_upp}]" -f FILE
#   [--scl1d 0. --gl | --scl2d [0.,0.] --gl] [--sp sm] abc
# (MiHO's defaults omega = 1, xi = 2, epsilon = 0.1, eta = 0.1). The example's README quotes
# 7.9414 [7.8894, 7.9950] for the central scale: output of MiHO as of November 2020, before the
# abc model took its current form (commit 35f17fb, January 2021: the sign-sensitive model with
# eta, default xi 1 -> 2); the current code gives the numbers below.
MIHO_OUTPUT = {
    "abc": (7.972269772789035, 7.913021378801798, 8.061527514835984, 7.782153429580508,
            8.484474838267973),
    "abc-sa3": (7.982349365134558, 7.88602960085058, 8.090829682109431, 7.739683072792607,
                8.514831018020246),
    "abc-sa9": (7.966697387946708, 7.8820952164215905, 8.063057992327325, 7.739683072792607,
                8.463451713842835),
    "abc-sm3": (8.007454045078564, 7.9181570716932494, 8.10526596959398, 7.77996502362505,
                8.511283346175933),
    "abc-sm9": (7.969661126949488, 7.928865246941005, 8.045568150247101, 7.80097056949463,
                8.340361975027006),
}  # fmt: skip


def miho_long() -> pd.DataFrame:
    rows = []
    for line in MIHO_DY.splitlines():
        kf, kr, *values = (float(v) for v in line.split())
        for order, v in zip(ORDERS, values, strict=True):
            rows.append(dict(point="DY:Q=M", observable="sigma", order=order, k_R=kr, k_F=kf,
                             value=v))  # fmt: skip
    return validate_long(pd.DataFrame(rows), "miho")


def test_abc_reproduces_miho_on_its_drell_yan_example() -> None:
    from scaleuq.stats.miho import GL3, abc_estimate

    grid = np.array([[float(v) for v in line.split()] for line in MIHO_DY.splitlines()])
    centre, diagonal = grid[[4], None, 2:], grid[[0, 4, 8], None, 2:]
    gl9 = np.outer(GL3, GL3).ravel()
    cases = {
        "abc": (centre, [1.0], "average"),
        "abc-sa3": (diagonal, GL3, "average"),
        "abc-sa9": (grid[:, None, 2:], gl9, "average"),
        "abc-sm3": (diagonal, GL3, "marginalise"),
        "abc-sm9": (grid[:, None, 2:], gl9, "marginalise"),
    }
    for name, (sigmas, weights, prescription) in cases.items():
        est = abc_estimate(sigmas, weights=weights, prescription=prescription)
        median, lo68, hi68, lo95, hi95 = MIHO_OUTPUT[name]
        # measured: medians within 2e-5, 68% ends within 4e-4, 95% ends within 5.4e-3 (MiHO's
        # quantiles are node positions of its adaptive sampling, ~1e-3 relative accuracy)
        assert est.median[0] == pytest.approx(median, abs=2e-4), name
        assert est.intervals[0.68][0][0] == pytest.approx(lo68, abs=1e-3), name
        assert est.intervals[0.68][1][0] == pytest.approx(hi68, abs=1e-3), name
        assert est.intervals[0.95][0][0] == pytest.approx(lo95, abs=8e-3), name
        assert est.intervals[0.95][1][0] == pytest.approx(hi95, abs=8e-3), name
    # through mhou (68.3% / 95.4% intervals; the table has no alphas: CH skipped with a note)
    result = mhou(miho_long(), methods=["abc", "abc-sm9", "ch", "envelope-7"])
    assert result.methods == ("abc", "abc-sm9", "envelope-7")
    assert "alphas" in result.notes[0] and "ch skipped" in result.notes[0]
    final = result.estimates().set_index("method")
    assert final.loc["abc", "median"] == pytest.approx(MIHO_OUTPUT["abc"][0], abs=2e-4)
    assert final.loc["abc-sm9", "median"] == pytest.approx(MIHO_OUTPUT["abc-sm9"][0], abs=2e-4)
    assert final.loc["abc", "lo68"] < MIHO_OUTPUT["abc"][1]  # 68.3% is a bit wider than 68%
    assert np.isnan(final.loc["abc", "next"])


def test_abc_b_and_c_integral_against_brute_force() -> None:
    from scaleuq.stats.miho import _bc_integral

    rng = np.random.default_rng(2)
    work = np.empty(6)
    b = np.linspace(-3000.0, 3000.0, 2_000_001)
    for _ in range(6):
        big = rng.normal(5, 5)
        small = big - abs(rng.normal(0, 6))
        xi, p = rng.choice([0.5, 2.0, 5.0]), 3.1 + rng.integers(0, 4)
        h = np.maximum.reduce([np.ones_like(b), big - b, b - small, np.abs(b) / xi])
        expect = np.trapezoid(h**-p, b)
        assert _bc_integral(big, small, p, xi, work) == pytest.approx(expect, rel=1e-5)


def test_abc_bad_input_and_parameters() -> None:
    from scaleuq.stats.miho import ABCParameters, abc_estimate

    with pytest.raises(OptionError, match="finite"):
        abc_estimate(np.array([[1.0, np.nan]]))
    with pytest.raises(OptionError, match="first order vanishes"):
        abc_estimate(np.array([[0.0, 1.0]]))
    with pytest.raises(OptionError, match="probabilities"):
        abc_estimate(np.array([[1.0, 1.1]]), probabilities=(1.5,))
    with pytest.raises(OptionError, match="one weight per scale"):
        abc_estimate(np.ones((3, 1, 2)), weights=[1.0])
    for bad in (dict(xi=-1.0), dict(eta=0.0), dict(epsilon=float("nan")), dict(xi=1.0)):
        with pytest.raises(OptionError, match="abc model"):
            ABCParameters(**bad)


def test_abc_median_follows_the_series() -> None:
    # terms 1, 0.3, 0.09, 0.027 (a = 0.3) and 1, -0.3, 0.09, -0.027 (a = -0.3, the model's
    # a < 0 branch): the median moves in the direction of the next term (+0.0081 in both)
    from scaleuq.stats.miho import abc_estimate

    up = abc_estimate(np.array([[1.0, 1.3, 1.39, 1.417]]))
    alt = abc_estimate(np.array([[1.0, 0.7, 0.79, 0.763]]))
    assert up.median[0] > 1.417 and alt.median[0] > 0.763
    lo, hi = up.intervals[0.68]
    lo95, hi95 = up.intervals[0.95]
    assert lo95[0] < lo[0] < up.median[0] < hi[0] < hi95[0]


def test_every_method_but_ch_runs_without_alphas_and_estimates_are_written(tmp_path: Path) -> None:
    frame = series([[1.0, 0.2, 0.04, 0.01], [2.0, -0.3, 0.05, -0.01]], spread=0.5, alphas=None)
    path = tmp_path / "s.csv"
    write_long(frame, path)
    runner = CliRunner()
    result = runner.invoke(main, ["mhou", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["methods"]) == set(DEFAULT_METHODS) - {"ch", "ch-scan"}
    assert "skipped" in data["notes"][0] and "scaleuq: note:" in result.stderr
    assert data["final"] == "n3lo->next"
    by = {(p["method"], p["transition"], p["process"]): p for p in data["points"]}
    for method in data["methods"]:
        for transition in ("lo->nlo", "nlo->nnlo", "nnlo->n3lo", "n3lo->next"):
            p = by[(method, transition, "P:F2:x=0")]
            assert p["lo95"] <= p["lo68"] <= p["median"] <= p["hi68"] <= p["hi95"], (method, p)
            assert (p["next"] is None) == (transition == "n3lo->next")
    csv = runner.invoke(main, ["mhou", str(path), "--format", "csv", "--method", "abc"])
    table = pd.read_csv(io.StringIO(csv.stdout))
    assert {"median", "lo68", "hi68", "lo95", "hi95", "inside68"} <= set(table.columns)
    assert len(table) == 2 * 4  # 2 points x (3 transitions + the estimate from n3lo)
    text = runner.invoke(main, ["mhou", str(path), "--method", "abc"])
    assert "estimate of the true value" in text.stdout
    only_ch = runner.invoke(main, ["mhou", str(path), "--method", "ch"])
    assert only_ch.exit_code == 1 and "alphas" in only_ch.output
    assert "internal error" not in only_ch.output


def test_series_figures_workflow(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    terms = [[1.0, *(rng.normal(0, 0.1, 3) * [1, 0.3, 0.1])] for _ in range(12)]
    frame = series(terms, spread=0.8)
    path = tmp_path / "s.csv"
    write_long(frame, path)
    out = tmp_path / "figs"
    result = CliRunner().invoke(main, ["series", "figures", str(path), "-d", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    for stem in ("series_pulls", "covariance_eigen", "covariance_points", "mhou_coverage"):
        assert {f"{stem}.png", f"{stem}.json"} <= names
    sidecar = json.loads((out / "mhou_coverage.json").read_text())
    assert "points" not in sidecar and sidecar["targets"] == list(TARGETS)
    assert {r["method"] for r in sidecar["rows"]} == set(DEFAULT_METHODS)

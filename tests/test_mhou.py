"""MHOU methods side by side (scaleuq.stats.mhou) on synthetic series with known answers."""

from __future__ import annotations

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
from scaleuq.stats.mhou import METHODS, TARGETS, _ch_halfwidth, mhou, series_data

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
    assert len(data["rows"]) == len(METHODS) * 3
    assert {"coverage_68", "coverage_95", "calibration_68", "calibration_95"} <= set(
        data["rows"][0]
    )
    text = CliRunner().invoke(main, ["mhou", str(path), "--method", "ch", "--method", "envelope-3"])
    assert text.exit_code == 0 and "nnlo->n3lo" in text.output

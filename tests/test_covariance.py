"""The NNPDF theory covariance and its validation (scaleuq.pull.covariance)."""

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
from scaleuq.pull.covariance import PRESCRIPTIONS, theory_covariance, validate_covariance
from scaleuq.report.render_series import render_covariance

SIGN = {2.0: "+", 1.0: "0", 0.5: "-"}


def long_table(values: dict[str, dict[tuple[float, float], float]], higher: dict[str, float],
               types: dict[str, str]) -> pd.DataFrame:  # fmt: skip
    """A long frame: per point the NLO value at (k_R, k_F) and the NNLO central value."""
    rows = []
    for point, grid in values.items():
        for (kr, kf), v in grid.items():
            rows.append(dict(point=point, observable="F2", order="nlo", k_R=kr, k_F=kf, value=v,
                             process_type=types[point]))  # fmt: skip
        rows.append(dict(point=point, observable="F2", order="nnlo", k_R=1.0, k_F=1.0,
                         value=higher[point], process_type=types[point]))  # fmt: skip
    return validate_long(pd.DataFrame(rows), "test")


def random_grid(rng: np.random.Generator, centre: float) -> dict[tuple[float, float], float]:
    grid = {
        (kr, kf): centre * (1 + 0.1 * rng.normal()) for kr, kf in product((0.5, 1.0, 2.0), repeat=2)
    }
    grid[(1.0, 1.0)] = centre
    return grid


def delta(grid: dict[tuple[float, float], float], f: str, r: str) -> float:
    """Delta(mu_F sign, mu_R sign) of a grid, written out (independent of the module)."""
    k = {"+": 2.0, "0": 1.0, "-": 0.5}
    return grid[(k[r], k[f])] / grid[(1.0, 1.0)] - 1


def test_formulas_against_the_nnpdf_expressions_written_out() -> None:
    # Two points of different process types and two of the same: every S_ij against the
    # expressions of point_prescrip.rst (NNPDF/nnpdf validphys documentation), 9 and 7 points.
    rng = np.random.default_rng(1)
    grids = {p: random_grid(rng, c) for p, c in (("a", 1.0), ("b", 2.0), ("c", 3.0))}
    types = {"a": "NC", "b": "NC", "c": "CC"}
    frame = long_table(grids, {"a": 1.1, "b": 2.1, "c": 3.2}, types)
    D = {p: {f + r: delta(g, f, r) for f in "+0-" for r in "+0-"} for p, g in grids.items()}

    v9 = validate_covariance(frame, prescription="9")
    S = v9.covariance
    i = {name.split(":")[0]: n for n, name in enumerate(v9.processes)}
    for p, q in (("a", "b"), ("a", "a")):  # same process type
        expect = 0.25 * sum(
            D[p][m] * D[q][m] for m in ("+0", "-0", "0+", "0-", "++", "+-", "-+", "--")
        )
        assert S[i[p], i[q]] == pytest.approx(expect, rel=1e-12)
    a, c = D["a"], D["c"]  # different process types
    expect = (
        (a["+0"] + a["++"] + a["+-"]) * (c["+0"] + c["++"] + c["+-"]) / 12
        + (a["-0"] + a["-+"] + a["--"]) * (c["-0"] + c["-+"] + c["--"]) / 12
        + (a["0+"] + a["0-"]) * (c["0+"] + c["0-"]) / 8
    )
    assert S[i["a"], i["c"]] == pytest.approx(expect, rel=1e-12)

    S7 = validate_covariance(frame, prescription="7").covariance
    expect = (
        2 * (a["+0"] * c["+0"] + a["-0"] * c["-0"])
        + (a["0+"] + a["0-"]) * (c["0+"] + c["0-"])
        + (a["++"] + a["--"]) * (c["++"] + c["--"])
    ) / 6
    assert S7[i["a"], i["c"]] == pytest.approx(expect, rel=1e-12)
    same = sum(a[m] ** 2 for m in ("+0", "-0", "0+", "0-", "++", "--")) / 3
    assert S7[i["a"], i["a"]] == pytest.approx(same, rel=1e-12)


@pytest.mark.parametrize("prescription", list(PRESCRIPTIONS))
def test_covariance_is_symmetric_positive_semidefinite(prescription: str) -> None:
    rng = np.random.default_rng(7)
    n = 12
    shifts = {f + r: rng.normal(size=n) for f in "+0-" for r in "+0-"}
    types = np.array(["A"] * 5 + ["B"] * 4 + ["C"] * 3)
    S = theory_covariance(shifts, types, prescription)
    assert np.allclose(S, S.T)
    assert np.linalg.eigvalsh(S).min() > -1e-10 * np.abs(S).max()


def test_one_point_chi2_theta_and_efficiency_exact() -> None:
    grid = {(kr, kf): 1.0 for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    grid.update({(1.0, 2.0): 1.2, (1.0, 0.5): 0.9})  # mu_F variations only
    frame = long_table({"p": grid}, {"p": 1.3}, {"p": "X"})
    v = validate_covariance(frame, prescription="7")
    s2 = (0.2**2 + 0.1**2) / 3  # 1/3 sum over the 6 points, 4 of them zero
    assert v.covariance[0, 0] == pytest.approx(s2)
    assert v.n_eigen == 1
    assert v.theta_deg == pytest.approx(0.0, abs=1e-9)
    assert v.efficiency_doc == pytest.approx(1.0)
    assert v.efficiency_code == pytest.approx(1.0)
    assert v.validation_theory_chi2 == pytest.approx(0.3**2 / s2)
    assert v.frac_within_1 == 0.0  # 0.3 > sqrt(0.0167) = 0.129


def test_shift_outside_the_span_has_theta_90() -> None:
    # Both points move together under every scale; the shift moves them apart.
    grid = {
        (kr, kf): 1.0 + 0.1 * np.log2(kf) + 0.05 * np.log2(kr)
        for kr, kf in product((0.5, 1.0, 2.0), repeat=2)
    }
    frame = long_table({"p": grid, "q": grid}, {"p": 1.1, "q": 0.9}, {"p": "X", "q": "X"})
    v = validate_covariance(frame, prescription="9")
    assert v.theta_deg == pytest.approx(90.0, abs=1e-6)
    assert v.efficiency_doc == pytest.approx(0.0, abs=1e-9)  # 1 - sin(theta)
    assert v.efficiency_code == pytest.approx(0.0, abs=1e-9)  # cos(theta)


def test_vanishing_lower_order_is_left_out_and_named() -> None:
    grid = {(kr, kf): 0.0 for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    other = {(kr, kf): 1.0 + 0.1 * np.log2(kf) for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    frame = long_table({"fl": grid, "f2": other}, {"fl": 0.2, "f2": 1.1}, {"fl": "X", "f2": "X"})
    v = validate_covariance(frame)
    assert v.n_points == 1
    assert v.excluded[0][0] == "fl:F2"
    assert "vanishes" in v.excluded[0][1]


def test_missing_scale_and_bad_orders_are_errors() -> None:
    grid = {(1.0, 1.0): 1.0, (2.0, 2.0): 1.1, (0.5, 0.5): 0.9}  # enough for 3 points only
    frame = long_table({"p": grid}, {"p": 1.2}, {"p": "X"})
    assert validate_covariance(frame, prescription="3").n_points == 1
    with pytest.raises(OptionError, match=r"p:F2: no nlo value at \(k_R=1, k_F=2\).*7-point"):
        validate_covariance(frame, prescription="7")
    with pytest.raises(OptionError, match="higher order"):
        validate_covariance(frame, from_order="nnlo", to_order="nlo")
    with pytest.raises(OptionError, match="prescription"):
        validate_covariance(frame, prescription="4")


def test_cli_json_keys(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    grids = {f"S:x={i}": random_grid(rng, 1.0 + i) for i in range(6)}
    frame = long_table(grids, {p: 1.05 * g[(1.0, 1.0)] for p, g in grids.items()},
                       {p: "A" if i < 3 else "B" for i, p in enumerate(grids)})  # fmt: skip
    path = tmp_path / "series.csv"
    write_long(frame, path)
    result = CliRunner().invoke(
        main, ["validate-covariance", str(path), "--prescription", "5bar", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("eigen", "n_points", "eigen_cut", "stability", "cut_dependent", "undefined"):
        assert key in data
    for key in ("theta_deg", "efficiency_doc", "efficiency_code", "validation_theory_chi2"):
        assert key in data["nnpdf"] and key in data["nnpdf"]["definitions"]
    assert {"frac_within_1", "frac_within_2"} <= set(data["scaleuq"])
    assert data["eigen_cut"] == 1e-9
    assert data["n_points"] == 6
    assert {"index", "s", "delta", "ratio"} <= set(data["eigen"][0])
    text = CliRunner().invoke(main, ["validate-covariance", str(path)])
    assert text.exit_code == 0 and "theta =" in text.output
    assert (
        "validation_theory_chi2" in text.output
        and "stability over the eigenvalue cut" in text.output
    )


def test_hwu_bins_as_a_series(tmp_path: Path) -> None:
    from scaleuq.series.hwu import hwu_long

    from .conftest import write
    from .test_hwu import factors_for, hwu_text

    head, lo_body = hwu_text([10.0, 5.0, 2.0, 0.0], factors_for(4, 0.2))
    _, nlo_body = hwu_text([13.0, 5.5, 2.4, 1.0], factors_for(4, 0.05))
    lo = write(tmp_path / "LO.HwU", head + "\n\n" + lo_body)
    nlo = write(tmp_path / "NLO.HwU", head + "\n\n" + nlo_body)
    frame = hwu_long(lo, nlo)
    assert frame["point"].nunique() == 4
    v = validate_covariance(frame, from_order="lo", to_order="nlo", prescription="9")
    assert v.n_points == 3 and "vanishes" in v.excluded[0][1]  # the empty LO bin
    # every bin has the same relative scale dependence: S has rank one, along (1, 1, 1)
    assert v.n_eigen == 1
    shift = np.array([0.3, 0.1, 0.2])
    cos = abs(shift.sum()) / np.sqrt(3) / np.linalg.norm(shift)
    assert v.theta_deg == pytest.approx(np.degrees(np.arccos(cos)), abs=1e-6)
    out = tmp_path / "bins.csv"
    result = CliRunner().invoke(main, ["series", "hwu", str(lo), str(nlo), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        CliRunner()
        .invoke(main, ["validate-covariance", str(out), "--from", "lo", "--to", "nlo"])
        .exit_code
        == 0
    )


def test_factored_covariance_equals_the_dense_one() -> None:
    # S = Z G Z^T (what validate_covariance uses) against S built entry by entry from the
    # same- and cross-type formulas, for every prescription and three process types.
    rng = np.random.default_rng(11)
    n = 9
    shifts = {f + r: rng.normal(size=n) for f in "+0-" for r in "+0-"}
    types = np.array(["A", "B", "C"] * 3)
    for name, spec in PRESCRIPTIONS.items():
        expect = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if types[i] == types[j]:
                    expect[i, j] = sum(w * shifts[m][i] * shifts[m][j] for w, (m,) in spec["same"])
                else:
                    expect[i, j] = sum(
                        w * sum(shifts[m][i] for m in ms) * sum(shifts[m][j] for m in ms)
                        for w, ms in spec["cross"]
                    )
        assert np.allclose(theory_covariance(shifts, types, name), expect, rtol=1e-12), name


def test_zero_shift_and_no_scale_dependence_are_undefined() -> None:
    # issue 19 (fuzzing): no non-zero eigenvalue and a zero shift gave theta = 0 and the best
    # efficiency for 0/0.
    flat = {(kr, kf): 1.0 for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    v = validate_covariance(long_table({"p": flat}, {"p": 1.0}, {"p": "X"}))
    assert v.n_eigen == 0
    assert v.theta_deg is None and v.efficiency_doc is None and v.efficiency_code is None
    assert v.validation_theory_chi2 is None and v.frac_within_1 is None
    reasons = dict(v.undefined)
    assert "0/0" in reasons["theta_deg"] and "N_eval = 0" in reasons["validation_theory_chi2"]
    # a shift with no scale dependence: entirely outside S (theta = 90), chi2 still undefined
    w = validate_covariance(long_table({"p": flat}, {"p": 1.1}, {"p": "X"}))
    assert w.theta_deg == pytest.approx(90.0) and w.efficiency_doc == pytest.approx(0.0)
    assert w.validation_theory_chi2 is None
    # a zero shift with a scale band: theta undefined, chi2 = 0
    band = {(kr, kf): 1.0 + 0.1 * np.log2(kf) for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    z = validate_covariance(long_table({"p": band}, {"p": 1.0}, {"p": "X"}))
    assert z.theta_deg is None and z.validation_theory_chi2 == 0.0
    text = render_covariance(v, "table", {})
    assert "theta = undefined" in text and "undefined: theta_deg" in text
    assert json.loads(render_covariance(v, "json", {}))["nnpdf"]["theta_deg"] is None


def test_stability_table_flags_a_cut_dependent_result() -> None:
    # Two points of one type; the second moves under k_F a million times less than the first
    # in one direction: S has a genuine eigenvalue ~1e-8 of the largest, which a cut of 1e-6
    # drops. The shift along it makes chi2 depend on the cut; the table says so.
    def grid(a: float, b: float) -> dict[tuple[float, float], float]:
        return {(kr, kf): 1.0 + a * np.log2(kf) + b * np.log2(kr)
                for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}  # fmt: skip

    frame = long_table({"p": grid(0.1, 0.0), "q": grid(0.1, 1e-5)}, {"p": 1.05, "q": 1.06},
                       {"p": "X", "q": "X"})  # fmt: skip
    v = validate_covariance(frame, prescription="9")
    cuts = {r.cut: r for r in v.stability}
    assert cuts[1e-12].n_eigen == 2 and cuts[1e-6].n_eigen == 1
    assert cuts[1e-12].validation_theory_chi2 > 100 * cuts[1e-6].validation_theory_chi2
    assert v.cut_dependent
    assert validate_covariance(frame, prescription="9", eigen_cut=1e-6).n_eigen == 1
    # far apart: nothing between the cuts, stable
    stable = long_table({"p": grid(0.1, 0.0), "q": grid(0.1, 0.05)}, {"p": 1.05, "q": 1.06},
                        {"p": "X", "q": "X"})  # fmt: skip
    s = validate_covariance(stable, prescription="9")
    assert not s.cut_dependent and len({r.n_eigen for r in s.stability if r.cut <= 1e-6}) == 1
    assert "stable" in render_covariance(s, "table", {})
    assert "DEPENDS ON THE CUT" in render_covariance(v, "table", {})


@pytest.mark.parametrize("cut", [float("nan"), -1e-9, 1.0, float("inf")])
def test_bad_eigen_cut_is_an_error(cut: float, tmp_path: Path) -> None:
    grid = {(kr, kf): 1.0 + 0.1 * np.log2(kf) for kr, kf in product((0.5, 1.0, 2.0), repeat=2)}
    frame = long_table({"p": grid}, {"p": 1.1}, {"p": "X"})
    with pytest.raises(OptionError, match="eigen-cut"):
        validate_covariance(frame, eigen_cut=cut)
    path = tmp_path / "s.csv"
    write_long(frame, path)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        main, ["validate-covariance", str(path), "--eigen-cut", str(cut), "-o", str(out)]
    )
    assert result.exit_code == 1 and "eigen-cut" in result.output
    assert "internal error" not in result.output and not out.exists()


def test_ten_thousand_points_stay_in_the_subspace() -> None:
    # issue 19 (fuzzing): 10 000 points built dense n x n matrices (2.7 GB). S has rank at most
    # 8 per process type: the validation must work in that subspace (measured: 14 MB peak).
    import tracemalloc

    n = 10_000
    rng = np.random.default_rng(5)
    centre = 1.0 + rng.random(n)
    points = np.array([f"P:x={i}" for i in range(n)])
    types = np.where(np.arange(n) % 2, "A", "B")
    frames = []
    for kr, kf in product((0.5, 1.0, 2.0), repeat=2):
        value = centre * (1 + 0.05 * np.log2(kf) * rng.normal(1, 0.1, n)
                          + 0.03 * np.log2(kr) * rng.normal(1, 0.1, n))  # fmt: skip
        frames.append(pd.DataFrame(dict(point=points, observable="F2", order="nlo", k_R=kr,
                                        k_F=kf, value=value, process_type=types)))  # fmt: skip
    frames.append(pd.DataFrame(dict(point=points, observable="F2", order="nnlo", k_R=1.0,
                                    k_F=1.0, value=centre * 1.02, process_type=types)))  # fmt: skip
    frame = validate_long(pd.concat(frames, ignore_index=True), "big")
    tracemalloc.start()
    try:
        v = validate_covariance(frame, prescription="9")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert v.n_points == n and v.n_eigen <= 8 * 2
    assert peak < 200e6  # one dense 10^4 x 10^4 matrix alone is 800 MB
    # the factors give the same sigma and eigenvalues as the dense matrix on a subset
    sub = validate_covariance(frame[frame["point"].isin(points[:300])], prescription="9")
    dense = sub.covariance
    assert np.allclose(np.sqrt(np.diag(dense)), sub.sigma, rtol=1e-10)
    top = np.sort(np.linalg.eigvalsh(dense))[::-1][: sub.n_eigen]
    assert np.allclose(top, [e.s**2 for e in sub.eigen], rtol=1e-8)

"""Series beyond NLO: the long format, orders in the table schema, pulls between any two orders,
and the DIS series from hoppet (scaleuq.series)."""

from __future__ import annotations

import json
import math
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError, TableError
from scaleuq.io.longformat import process_name, read_long, wide_records
from scaleuq.io.tables import read_table
from scaleuq.pull.pulls import pulls
from scaleuq.series import dis

SCALES = tuple(product((0.5, 1.0, 2.0), repeat=2))
HEADER = "point,observable,order,k_R,k_F,value\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def long_csv(
    path: Path, rows: dict[tuple[str, str], dict[str, dict[tuple[float, float], float]]]
) -> Path:
    lines = [HEADER.strip()]
    for (point, obs), orders in rows.items():
        for order, grid in orders.items():
            lines += [f"{point},{obs},{order},{kr:g},{kf:g},{v!r}" for (kr, kf), v in grid.items()]
    return write(path, "\n".join(lines) + "\n")


def grid(centre: float, up: float, dn: float) -> dict[tuple[float, float], float]:
    """Nine scale values: the maximum centre*(1+up) at (2, 2), the minimum centre*(1-dn) at
    (0.5, 0.5), the rest at the centre."""
    g = dict.fromkeys(SCALES, centre)
    g[(2.0, 2.0)], g[(0.5, 0.5)] = centre * (1 + up), centre * (1 - dn)
    return g


# ---------------------------------------------------------------- long format, schema, pulls


def test_process_name() -> None:
    assert process_name("HERA_NC_318GEV:x=0.0002:Q2=12", "F2") == "HERA_NC_318GEV:F2:x=0.0002:Q2=12"
    assert process_name("bin3", "pt(Z)") == "bin3:pt(Z)"


def test_long_table_reads_into_the_schema_and_pulls_between_any_orders(tmp_path: Path) -> None:
    path = long_csv(tmp_path / "s.csv", {
        ("D:x=1", "F2"): {"lo": grid(1.0, 0.10, 0.05), "nlo": grid(1.2, 0.04, 0.02),
                          "nnlo": grid(1.21, 0.01, 0.01), "n3lo": {(1.0, 1.0): 1.2}},
        ("D:x=1", "FL"): {"lo": dict.fromkeys(SCALES, 0.0), "nlo": grid(0.3, 0.2, 0.1),
                          "nnlo": grid(0.33, 0.05, 0.05)},
    })  # fmt: skip
    table = read_table(path)
    f2 = table[table["process"] == "d:f2:x=1"].iloc[0]  # names are normalised to lower case
    assert f2["nnlo_value"] == pytest.approx(1.21)
    assert f2["nlo_scale_up_rel"] == pytest.approx(0.04)
    assert f2["nlo_scale_dn_rel"] == pytest.approx(0.02)
    assert math.isnan(f2["n3lo_scale_up_rel"])  # only the central scale: no band

    lo_nlo = pulls(table)  # default LO -> NLO, unchanged
    assert lo_nlo.table["pull"].iloc[0] == pytest.approx(0.2 / 0.10)
    fl = lo_nlo.table.iloc[1]
    assert math.isnan(fl["pull"])
    assert "LO vanishes" in fl["reason"] and "first non-vanishing order is NLO" in fl["reason"]

    nlo_nnlo = pulls(table, from_order="nlo", to_order="nnlo")
    assert nlo_nnlo.table["pull"].to_numpy() == pytest.approx([(1.21 / 1.2 - 1) / 0.04, 0.1 / 0.2])
    assert nlo_nnlo.to_dict()["from_order"] == "nlo"
    down = pulls(table, from_order="nnlo", to_order="n3lo")  # a downward shift uses dn
    assert down.table["pull"].iloc[0] == pytest.approx((1.2 / 1.21 - 1) / 0.01)
    assert down.table["reason"].iloc[1] == "no N3LO information"
    with pytest.raises(OptionError, match="higher order"):
        pulls(table, from_order="nnlo", to_order="nlo")


def test_schema_takes_nnlo_and_n3lo_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv",
                 "process,n_final,nlo_xsec_pb,nnlo_xsec_fb,nlo_scale_up_pct,nlo_scale_dn_pct,n3lo_xsec_pb\n"
                 "p p > z,1,50,52000,3,4,52.1\n")  # fmt: skip
    table = read_table(path)
    assert table["nnlo_xsec_pb"].iloc[0] == pytest.approx(52.0)
    t = pulls(table, from_order="nlo", to_order="nnlo").table
    assert t["pull"].iloc[0] == pytest.approx((52 / 50 - 1) / 0.03)
    bad = write(tmp_path / "b.csv", "process,n_final,nnlo_scale_up\np p > z,1,3\n")
    with pytest.raises(TableError, match="has no unit"):
        read_table(bad)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("D,F2,nnnlo,1,1,1.0\n", r"s\.csv:2: unknown order 'nnnlo'"),
        ("D,F2,lo,1,1,abc\n", r"s\.csv:2: column 'value' holds 'abc'"),
        ("D,F2,lo,0,1,1.0\n", r"s\.csv:2: 'k_R' is 0; it must be positive"),
        ("D,F2,lo,1,1,1.0\nD,F2,lo,1,1,2.0\n", r"s\.csv:3: .*given twice \(also .*s\.csv:2\)"),
        ("D,F2,lo,2,1,1.0\n", r"s\.csv:2: \(D, F2, lo\) has no central scale"),
        ("D,F2,lo,1,1\n", r"s\.csv:2: 5 fields, the header has 6"),
    ],
)
def test_bad_long_tables_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path / "s.csv", HEADER + body)
    with pytest.raises(TableError, match=message):
        read_long(path)


def test_broken_long_table_through_the_cli_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "point,observable,order,k_R,value\nD,F2,lo,1,1.0\n")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["pulls", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert "s.csv:1: missing column(s) k_F of the long format" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_incomplete_envelope_is_an_error(tmp_path: Path) -> None:
    rows = {(0.5, 0.5): 0.9, (1.0, 1.0): 1.0, (2.0, 2.0): 1.1}
    path = long_csv(tmp_path / "s.csv", {("D", "F2"): {"lo": rows, "nlo": {(1.0, 1.0): 1.2}}})
    frame = read_long(path)
    assert wide_records(frame, envelope="3-point")[0][1]["lo_scale_up_rel"] == pytest.approx(0.1)
    with pytest.raises(TableError, match=r"lacks the 7-point scale\(s\) \(k_R=0.5, k_F=1\)"):
        wide_records(frame, envelope="7-point")


def test_cli_pulls_and_fit_on_a_series(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = {}
    for i in range(30):
        c = 1 + rng.uniform(0, 1)
        rows[(f"D:x={i}", "F2")] = {
            "lo": grid(c, 0.1, 0.1), "nlo": grid(c * (1 + rng.normal(0, 0.1)), 0.05, 0.05),
            "nnlo": grid(c * (1 + rng.normal(0, 0.1)), 0.02, 0.02),
        }  # fmt: skip
    path = long_csv(tmp_path / "s.csv", rows)
    runner = CliRunner()
    out = runner.invoke(
        main, ["pulls", str(path), "--from", "nlo", "--to", "nnlo", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["options"]["from_order"] == "nlo" and data["summary"]["n_defined"] == 30
    fit = runner.invoke(main, ["fit", str(path), "--from", "nlo", "--to", "nnlo", "--bootstrap", "50",
                               "--gof", "20", "--model", "gauss"])  # fmt: skip
    assert fit.exit_code == 0, fit.output
    assert "correlated, not independent processes" in fit.output  # the caveat (stderr mixed in)
    after = runner.invoke(
        main, ["fit", str(path), "--stage", "after", "--from", "nlo", "--to", "nnlo"]
    )
    assert after.exit_code == 1 and "LO -> NLO only" in after.output


# ---------------------------------------------------------------- the DIS series (hoppet)


@pytest.fixture(scope="module")
def dis_series():
    from scaleuq.series.dis import series_dis  # first: it unbuffers hoppet's Fortran output

    pytest.importorskip("hoppet")
    pytest.importorskip("nnpdf_data")
    # every CC point and the NC points up to 20 GeV^2: both kinds, quickly
    return series_dis(pdf="toy", nc_q2_max=20.0)


def central(frame: pd.DataFrame, order: str) -> pd.DataFrame:
    sel = (frame["order"] == order) & (frame["k_R"] == 1) & (frame["k_F"] == 1)
    return frame[sel].set_index(["point", "observable"])["value"]


def test_dis_points_and_cuts(dis_series) -> None:
    t = dis_series.table
    assert t["Q2"].min() >= 10.0
    assert t.loc[t["process_type"] == "DIS_NC", "Q2"].max() <= 20.0
    assert set(t["observable"]) == {"F2", "FL", "sigma_red", "F2_Wp", "xF3_Wp", "F2_Wm", "xF3_Wm"}
    assert len(t) == dis_series.n_rows * 4 * 9
    assert dis_series.n_points == t["point"].nunique()


def test_dis_lo_is_the_parton_model(dis_series) -> None:
    # At LO, F2 = sum_q e_q^2 x(q + qbar) and F2(W+) = x(d + s + ubar + cbar) with the PDF at
    # mu_F = Q: checks hoppet's order separation, our index mapping and the cumulation.
    import hoppet as hp

    t = dis_series.table
    lo = central(t, "lo")
    for (point, obs), value in lo.items():
        if obs not in {"F2", "F2_Wp", "xF3_Wm"}:
            continue
        x, q2 = t.loc[t["point"] == point, ["x", "Q2"]].iloc[0]
        _tb, bb, cb, sb, ub, db, _g, d, u, s, c, b, _t = hp.Eval(float(x), math.sqrt(q2))
        expect = {
            "F2": 4 / 9 * (u + ub + c + cb) + 1 / 9 * (d + db + s + sb + b + bb),
            "F2_Wp": d + s + ub + cb,
            "xF3_Wm": u + c - db - sb,
        }[obs]
        assert value == pytest.approx(expect, rel=1e-6), (point, obs)


def test_dis_orders_and_scales_behave(dis_series) -> None:
    t = dis_series.table
    fl = t[t["observable"] == "FL"]
    assert (fl.loc[fl["order"] == "lo", "value"] == 0.0).all()  # no O(alpha_s^0) term
    assert (fl.loc[fl["order"] == "nlo", "value"] > 0).all()
    # LO F2 has no alpha_s: it does not move with k_R
    f2lo = t[(t["observable"] == "F2") & (t["order"] == "lo")]
    spread = f2lo.groupby(["point", "k_F"])["value"].agg(lambda v: v.max() - v.min())
    assert spread.max() < 1e-12
    # the 9-point spread of F2 shrinks from NLO to N3LO (median over points)
    f2 = t[t["observable"].isin(["F2", "F2_Wp", "F2_Wm"])]
    width = f2.groupby(["point", "observable", "order"])["value"].agg(
        lambda v: (v.max() - v.min()) / v.abs().mean()
    )
    med = width.groupby(level="order").median()
    assert med["n3lo"] < med["nnlo"] < med["nlo"]
    # sigma_red = F2 - y^2/Y+ FL
    s = t[t["observable"] == "sigma_red"].set_index(["point", "order", "k_R", "k_F"])["value"]
    f = t[t["observable"] == "F2"].set_index(["point", "order", "k_R", "k_F"])
    l_ = t[t["observable"] == "FL"].set_index(["point", "order", "k_R", "k_F"])["value"]
    y = f["y"]
    assert np.allclose(s, f["value"] - y**2 / (1 + (1 - y) ** 2) * l_, rtol=1e-12)


def test_dis_cli_writes_a_long_table(tmp_path: Path, dis_series) -> None:
    out = tmp_path / "dis.csv"
    result = CliRunner().invoke(
        main,
        ["series", "dis", "--datasets", "HERA_CC_318GEV", "--orders", "lo,nlo", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    frame = read_long(out)
    assert set(frame["order"]) == {"lo", "nlo"}
    assert frame["process_type"].eq("DIS_CC").all()
    bad = CliRunner().invoke(
        main, ["series", "dis", "--q2-min", "2", "-o", str(tmp_path / "x.csv")]
    )
    assert bad.exit_code == 1 and "Q^2 >= 10" in bad.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(q2_min=float("nan")), "--q2-min nan: give a finite number"),
        (dict(q2_min=float("inf")), "--q2-min inf: give a finite number"),
        (dict(nc_q2_max=float("nan")), "--nc-q2-max nan: give a finite number"),
        (dict(nc_q2_max=-5.0), "--nc-q2-max -5.0: give a positive number"),
        (dict(orders=("lo", "nnnnlo")), "unknown order"),
        (dict(orders="lo"), "sequence of order names"),
    ],
)
def test_dis_options_are_checked_before_hoppet(options: dict, message: str) -> None:
    # issue 19 (fuzzing): series_dis(q2_min=nan) killed the Python process inside hoppet and
    # --nc-q2-max nan silently dropped the NC cut: every option is checked first.
    from scaleuq.series.dis import series_dis

    with pytest.raises(OptionError, match=message):
        series_dis(**options)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--orders", "lo,nnnnlo"], "--orders 'lo,nnnnlo': give a comma list"),
        (["--q2-min", "nan"], "--q2-min nan"),
        (["--nc-q2-max", "nan"], "--nc-q2-max nan"),
    ],
)
def test_dis_cli_bad_options_are_one_line(tmp_path: Path, args: list, message: str) -> None:
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(main, ["series", "dis", *args, "-o", str(out)])
    assert result.exit_code == 1 and message in result.output
    assert "internal error" not in result.output and not out.exists()
    assert len(result.output.strip().splitlines()) == 1


def test_dis_points_below_mb_are_four_flavour(dis_series) -> None:
    # Below m_b (4.5 GeV for the toy) every point is computed with n_f = 4 throughout; the PDF
    # and alpha_s are those of the variable-flavour evolution there, so at the central scale
    # and Q well below m_b the result equals hoppet's variable-flavour one (hoppet is left in
    # that set-up).
    import hoppet as hp

    t = dis_series.table
    q = np.sqrt(t.groupby("point")["Q2"].first())
    assert dis_series.n_ffn4 == int((q < 4.5).sum()) > 0
    assert (q >= 4.5).any()  # the CC points: variable flavour
    lo_q = t[(t["Q2"] <= 12.0) & (t["observable"] == "F2") & (t["k_R"] == 1) & (t["k_F"] == 1)]
    dis._setup_hoppet("toy", 1.1, 400.0, 4)  # hoppet is global: other tests re-initialise it
    with dis._quiet_stdout():
        hp.InitStrFct(4, True, 1.0, 1.0)
    checked = 0
    for (point, x, q2), rows in lo_q.groupby(["point", "x", "Q2"]):
        qq = math.sqrt(q2)
        terms = [f(x, qq, qq, qq)[hp.iF2EM] for f in (hp.StrFctLO, hp.StrFctNLO, hp.StrFctNNLO,
                                                       hp.StrFctN3LO)]  # fmt: skip
        expect = dict(zip(("lo", "nlo", "nnlo", "n3lo"), np.cumsum(terms), strict=True))
        for order, value in zip(rows["order"], rows["value"], strict=True):
            assert value == pytest.approx(expect[order], rel=1e-6), (point, order)
            checked += 1
    assert checked >= 8


def test_dis_mu_f_spread_shrinks_order_by_order(dis_series) -> None:
    # The renormalisation group: with n_f consistent between the PDF evolution and the
    # splitting functions of the mu_F logs, the mu_F dependence (k_R = 1, k_F = 1/2, 1, 2) of
    # F2 falls order by order, at every point below m_b of the fixture and at x = 0.1,
    # Q^2 = 100 GeV^2 (issue 23 quotes 2.4e-2, 5.2e-3, 1.8e-3, 7.1e-4 there).
    import hoppet as hp

    t = dis_series.table
    f2 = t[(t["observable"] == "F2") & (t["k_R"] == 1) & (t["Q2"] < 20.25)]
    spread = f2.groupby(["point", "order"])["value"].agg(lambda v: (v.max() - v.min()) / v.mean())
    table = spread.unstack()[["lo", "nlo", "nnlo", "n3lo"]]
    assert len(table) >= 5
    assert (np.diff(table.to_numpy(), axis=1) < 0).all(), table
    assert (table["n3lo"] / table["nnlo"]).max() < 0.5
    x, q = 0.1, 10.0
    dis._setup_hoppet("toy", 1.1, 400.0, 4)
    values = []
    for kf in (0.5, 1.0, 2.0):
        with dis._quiet_stdout():
            hp.InitStrFct(4, True, 1.0, kf)
        terms = [f(x, q, q, kf * q)[hp.iF2EM] for f in (hp.StrFctLO, hp.StrFctNLO,
                                                          hp.StrFctNNLO, hp.StrFctN3LO)]  # fmt: skip
        values.append(np.cumsum(terms))
    values = np.array(values)
    width = (values.max(axis=0) - values.min(axis=0)) / values[1]
    assert (np.diff(width) < 0).all() and width[-1] < 1e-3, width


@pytest.mark.slow
def test_nnpdf31_describes_hera_nc_data() -> None:
    """NNPDF3.1 NNLO through hoppet against the measured HERA NC e+p reduced cross sections
    (nnpdf_data's data_EP-SIGMARED.yaml, arXiv:1506.06042). Not a precision test: hoppet is
    zero-mass (NNPDF3.1 used FONLL-C) and drops the photon and Z: the median ratio is required
    within 5% of 1 (measured 0.970 at NNLO, 1.010 at NLO), which catches a wrong normalisation
    or a mixed-up order."""
    pytest.importorskip("hoppet")
    nnpdf_data = pytest.importorskip("nnpdf_data")
    import yaml

    from scaleuq.series.dis import series_dis

    try:
        result = series_dis(pdf="nnpdf31", datasets=("HERA_NC_318GEV",), orders=("nlo", "nnlo"))
    except Exception as exc:  # the grid ships with pythia8mc (extra mc)
        pytest.skip(str(exc))
    root = Path(nnpdf_data.__file__).parent / "commondata" / "HERA_NC_318GEV"
    kin = yaml.safe_load((root / "kinematics_EP-SIGMARED.yaml").read_text())["bins"]
    data = yaml.safe_load((root / "data_EP-SIGMARED.yaml").read_text())["data_central"]
    t = result.table
    c = t[(t["k_R"] == 1) & (t["k_F"] == 1) & (t["observable"] == "sigma_red")]
    values = c.set_index(["point", "order"])["value"]
    for order in ("nlo", "nnlo"):
        ratios = [
            values[(f"HERA_NC_318GEV:x={b['x']['mid']:.6g}:Q2={b['Q2']['mid']:.6g}", order)] / d
            for b, d in zip(kin, data, strict=True)
            if 10 <= b["Q2"]["mid"] <= 1000
        ]
        assert len(ratios) == 258
        assert abs(np.median(ratios) - 1) < 0.05, (order, np.median(ratios))


@pytest.mark.slow
def test_yadism_cross_check() -> None:
    """hoppet's NNLO F2 against yadism (an independent DIS code, optional) with the same PDF
    (hoppet's evolved toy, handed to yadism as a callable) and the same alpha_s.

    Measured (4 points, x = 0.001-0.1, Q^2 = 12-100 GeV^2): at NNLO the two agree to 6e-6 at
    the central scale and under mu_R-only variations, but differ by 0.06% to 0.6% under mu_F
    variations (largest at x = 0.1 and at Q^2 = 12), with the same sign for k_F = 2 and 1/2;
    at NLO the mu_F variations agree to 1e-4. The cause is a defect of yadism 0.13.12 (found by
    the audit of issue 23): its analytic local term of P_qq^(0) x P_qq^(0), which enters the
    O(alpha_s^2) ln^2 k_F terms, is wrong away from x = 0 (its Mellin moments N = 2, 3, 4 come
    out 56.00, 74.22, 92.04 instead of gamma_qq^(0)(N)^2 = 12.64, 30.86, 48.69, which
    test_gamma_qq_squared_moments checks); with a corrected term the two codes agree to 1.5e-5
    at Q^2 >= 30 GeV^2 (issue 23). So the k_F != 1 NNLO comparison keeps a loose tolerance: it
    checks yadism's defect is no larger than measured, not hoppet.
    """
    from scaleuq.series import dis

    yadism = pytest.importorskip("yadism")
    pytest.importorskip("hoppet")
    nnpdf_data = pytest.importorskip("nnpdf_data")
    import yaml

    hp = dis._setup_hoppet("toy", 1.5, 400.0, 3)
    theory = yaml.safe_load((Path(nnpdf_data.THEORY_CARDS_PATH) / "200.yaml").read_text())
    theory.update(
        PTO=2, FNS="ZM-VFNS", TMC=0, IC=0, ModEv="EXA", mc=math.sqrt(2), Qmc=math.sqrt(2),
        mb=4.5, Qmb=4.5, mt=1e5, Qmt=1e5, Qref=91.1876, alphas=float(hp.AlphaS(91.1876)),
        MaxNfAs=5, MaxNfPdf=5, nfref=5, Q0=math.sqrt(2), nf0=3, n3lo_cf_variation=0,
        XIR=1.0, XIF=1.0,
    )  # fmt: skip
    points = [(1e-2, 100.0), (0.1, 100.0)]
    observables = dict(
        observables={"F2_total": [dict(x=x, Q2=q2, y=0.0) for x, q2 in points]},
        prDIS="EM", ProjectileDIS="electron", PolarizationDIS=0.0, TargetDIS="proton",
        interpolation_xgrid=list(np.geomspace(1e-4, 1, 50)), interpolation_polynomial_degree=4,
        interpolation_is_log=True, PropagatorCorrection=0.0, NCPositivityCharge=None,
    )  # fmt: skip

    class PDF:
        def hasFlavor(self, pid: int) -> bool:
            return abs(pid) <= 6 or pid == 21

        def xfxQ2(self, pid: int, x: float, q2: float) -> float:
            index = 6 if pid == 21 else pid + 6
            return hp.Eval(x, math.sqrt(q2))[index] if 0 <= index < 13 else 0.0

    output = yadism.run_yadism(theory, observables)
    for kr, kf, tolerance in ((1.0, 1.0, 1e-4), (2.0, 1.0, 1e-4), (1.0, 2.0, 1e-2)):
        ours = output.apply_pdf_alphas_alphaqed_xir_xif(
            PDF(), lambda mu: hp.AlphaS(mu), lambda mu: 1 / 137.0, kr, kf
        )["F2_total"]
        with dis._quiet_stdout():
            hp.InitStrFct(3, True, kr, kf)
        for (x, q2), theirs in zip(points, ours, strict=True):
            q = math.sqrt(q2)
            mine = sum(
                np.array(f(x, q, kr * q, kf * q))
                for f in (hp.StrFctLO, hp.StrFctNLO, hp.StrFctNNLO)
            )
            assert theirs["result"] == pytest.approx(mine[hp.iF2EM], rel=tolerance), (kr, kf, x, q2)


def test_gamma_qq_squared_moments() -> None:
    """The numbers the yadism defect is measured against (issue 23): the Mellin moments of
    P_qq^(0) x P_qq^(0) (alpha_s/(4 pi) normalisation) are gamma_qq^(0)(N)^2 with
    gamma_qq^(0)(N) = 2 C_F [3/2 + 1/(N(N+1)) - 2 S_1(N)] (the LO non-singlet anomalous
    dimension); the issue quotes
    12.64, 30.86, 48.69 for N = 2, 3, 4. Cross-checked here by integrating the x-space kernel:
    the regular part 2 C_F (1 + x^2)/(1 - x) with the plus prescription and the local term
    2 C_F 3/2 delta(1 - x), convolved with itself numerically in Mellin space."""
    from scipy.integrate import quad

    cf = 4.0 / 3.0

    def gamma(n: int) -> float:
        s1 = sum(1.0 / k for k in range(1, n + 1))
        return 2 * cf * (1.5 + 1.0 / (n * (n + 1)) - 2 * s1)

    def moment(n: int) -> float:  # the x-space kernel's moment, independent of the formula
        plus, _ = quad(lambda x: (x ** (n - 1) * (1 + x * x) - 2.0) / (1 - x), 0, 1)
        return 2 * cf * (plus + 1.5)

    for n, quoted in ((2, 12.64), (3, 30.86), (4, 48.69)):
        assert moment(n) == pytest.approx(gamma(n), rel=1e-10)
        assert gamma(n) ** 2 == pytest.approx(quoted, abs=0.006)

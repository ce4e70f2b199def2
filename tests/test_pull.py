"""Pulls against hand computation from the published numbers in data/ (arXiv:1405.0301,
arXiv:2210.15167), every convention, and undefined cases."""

from __future__ import annotations

import numpy as np
import pytest

from scaleuq.errors import OptionError
from scaleuq.io.datasets import load_bundled
from scaleuq.io.tables import read_table
from scaleuq.pull.pulls import CONVENTIONS, pulls

from .conftest import write


@pytest.fixture(scope="module")
def bundled():
    return load_bundled("pulls")


def _row(result, process):
    return result.table.set_index("process").loc[process]


# Row a.1 of arXiv:1405.0301: p p > W±: LO 1.375e5 pb +15.4% -16.6% (PDF +2.0% -1.6%),
# NLO 1.773e5 pb (data/madgraph2014_13tev_vjets.csv).
LO, NLO, UP, DN, PUP, PDN = 1.375e5, 1.773e5, 0.154, 0.166, 0.020, 0.016


@pytest.mark.parametrize(
    "convention, delta",
    [
        ("directional", UP),  # NLO > LO: upward variation
        ("upper", UP),
        ("lower", DN),
        ("symmetric", 0.5 * (UP + DN)),
        ("max", max(UP, DN)),
    ],
)
def test_every_convention_on_row_a1(bundled, convention, delta) -> None:
    result = pulls(bundled, convention=convention)
    assert _row(result, "p p > wpm")["pull"] == pytest.approx((NLO - LO) / (delta * LO), rel=1e-12)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_pdf_in_quadrature(bundled, convention) -> None:
    scale = {"directional": UP, "upper": UP, "lower": DN, "symmetric": (UP + DN) / 2, "max": DN}
    pdf = {"directional": PUP, "upper": PUP, "lower": PDN, "symmetric": (PUP + PDN) / 2, "max": PUP}
    result = pulls(bundled, convention=convention, include_pdf=True)
    delta = np.hypot(scale[convention], pdf[convention]) * LO
    assert _row(result, "p p > wpm")["pull"] == pytest.approx((NLO - LO) / delta, rel=1e-12)
    # relative-only rows publish no PDF uncertainty: undefined, with the reason
    tri = _row(result, "p p > a z wpm")
    missing = "PDF" if convention in ("directional", "upper") else "scale"
    assert np.isnan(tri["pull"]) and missing in tri["reason"]


def test_relative_rows_of_ghosh2022(bundled) -> None:
    # arXiv:2210.15167: p p > a z wpm, (sigma_NLO - sigma_0)/sigma_0 = 1.24449, Delta sigma/sigma_0
    # = 1.00e-3 (data/ghosh2022_relative_tail.csv); p p > a z z: 0.34480 / 2.00e-2.
    result = pulls(bundled)
    assert _row(result, "p p > a z wpm")["pull"] == pytest.approx(1.24449 / 1.00e-3, rel=1e-12)
    assert _row(result, "p p > a z z")["pull"] == pytest.approx(0.34480 / 2.00e-2, rel=1e-12)
    tail = result.table[result.table["process_class"] == "electroweak"]
    tri = tail[tail["n_final"] == 3]["pull"]
    assert tri.min() == pytest.approx(17.24, rel=1e-3) and tri.max() == pytest.approx(
        1244.49, rel=1e-4
    )
    # the other direction is not published: lower/symmetric pulls are undefined, not inf
    lower = pulls(bundled, convention="lower")
    assert np.isnan(_row(lower, "p p > a z wpm")["pull"])
    assert "missing" in _row(lower, "p p > a z wpm")["reason"]


def test_summary_counts(bundled) -> None:
    result = pulls(bundled)
    pull = np.array([(r.k_minus_1 / r.delta_rel) for r in result.table.itertuples()])
    s = result.summary
    assert s.n_processes == s.n_defined == 19
    assert s.frac_within_1 == pytest.approx(np.mean(np.abs(pull) < 1))
    assert s.frac_within_2 == pytest.approx(np.mean(np.abs(pull) < 2))
    assert s.median == pytest.approx(np.median(pull))
    payload = result.to_dict()
    assert len(payload["processes"]) == 19 and payload["processes"][0]["pull"] is not None


def test_mc_error_propagation(bundled) -> None:
    row = _row(pulls(bundled), "p p > wpm")
    k_err = (NLO / LO) * np.hypot(0.007e5 / NLO, 0.002e5 / LO)
    assert row["pull_mc_err"] == pytest.approx(k_err / UP)


def test_downward_shift_uses_downward_variation(tmp_path) -> None:
    text = "process,n_final,lo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct,nlo_xsec_pb\np p > x,1,100,10,-20,90\n"
    result = pulls(read_table(write(tmp_path / "t.csv", text)))
    row = result.table.iloc[0]
    assert row["direction"] == "dn" and row["pull"] == pytest.approx(-10 / 20)


def test_undefined_pulls_are_reported(tmp_path) -> None:
    text = (
        "process,n_final,lo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct,nlo_xsec_pb\n"
        "p p > x,1,100,0,0,120\n"
        "p p > y,1,100,10,-10,\n"
        "p p > w,1,100,,,120\n"
        "p p > v,1,,10,-10,120\n"
    )
    result = pulls(read_table(write(tmp_path / "t.csv", text)))
    assert result.table["pull"].isna().all()
    assert list(result.table["reason"]) == [
        "LO uncertainty is zero",
        "no NLO information",
        "LO scale uncertainty missing for this convention",
        "no LO cross section",
    ]
    assert result.summary.n_defined == 0 and result.summary.median is None
    assert all(p["pull"] is None for p in result.to_dict()["processes"])


def test_unknown_convention(bundled) -> None:
    with pytest.raises(OptionError, match="unknown convention 'median'"):
        pulls(bundled, convention="median")


def test_an_uncertainty_too_small_for_a_finite_pull_is_undefined_with_a_reason() -> None:
    import warnings

    import numpy as np

    from scaleuq.pull.pulls import pull_values

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may leak
        _, pull, reason = pull_values(np.array([0.5, 0.2]), np.array([1e-310, 0.1]))
    assert np.isnan(pull[0]) and "too small" in reason[0]
    assert pull[1] == 2.0 and reason[1] is None

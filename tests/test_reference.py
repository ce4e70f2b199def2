"""Reference-process correction against hand computation from Table 1 of arXiv:2210.15167
(data/ghosh2022_qcd_reference.csv)."""

from __future__ import annotations

import numpy as np
import pytest

from scaleuq.errors import OptionError
from scaleuq.io.datasets import load_bundled
from scaleuq.io.tables import read_table
from scaleuq.pull.reference import reference_average, reference_correct, select_reference

from .conftest import write

# Table 1 of arXiv:2210.15167: (n, up, down) of the eleven QCD reference processes.
TABLE1 = [
    (2, 0.249, 0.188), (2, 0.252, 0.189), (2, 0.290, 0.211),
    (3, 0.438, 0.284), (3, 0.441, 0.285), (3, 0.451, 0.290),
    (4, 0.618, 0.356), (4, 0.617, 0.356), (4, 0.614, 0.356), (4, 0.638, 0.365), (4, 0.621, 0.357),
]  # fmt: skip
AVG_UP = sum(u / n for n, u, _ in TABLE1) / len(TABLE1)
AVG_DN = sum(d / n for n, _, d in TABLE1) / len(TABLE1)


@pytest.fixture(scope="module")
def corrected():
    return reference_correct(load_bundled("pulls"))


def test_reference_average_matches_table1(corrected) -> None:
    ref = corrected.reference
    assert ref.per_particle_up == pytest.approx(AVG_UP, rel=1e-12)
    assert ref.per_particle_dn == pytest.approx(AVG_DN, rel=1e-12)
    assert ref.n_processes == 11
    # the paper's text: "roughly 15% upward and 9% downward" per particle
    assert ref.per_particle_up == pytest.approx(0.15, abs=0.01)
    assert ref.per_particle_dn == pytest.approx(0.09, abs=0.01)


def test_triboson_pulls_fall_into_core(corrected) -> None:
    t = corrected.table.set_index("process")
    # p p > a z wpm: K-1 = 1.24449 (arXiv:2210.15167), n = 3
    assert t.loc["p p > a z wpm", "pull_ref"] == pytest.approx(1.24449 / (3 * AVG_UP), rel=1e-12)
    tri = t[(t["process_class"] == "electroweak") & (t["n_final"] == 3)]
    assert tri["pull"].min() > 17 and tri["pull"].max() > 1000
    assert tri["pull_ref"].max() < 5  # order one to a few


def test_higgs_stays_flagged(corrected) -> None:
    t = corrected.table.set_index("process")
    # p p > h: K-1 = 1.05096, n = 1
    assert t.loc["p p > h", "pull_ref"] == pytest.approx(1.05096 / AVG_UP, rel=1e-12)
    assert "p p > h" in corrected.flagged
    assert t["flagged"].tolist() == (np.abs(t["pull_ref"]) > 3).tolist()


def test_threshold_and_directions(tmp_path) -> None:
    table = load_bundled("pulls")
    loose = reference_correct(table, threshold=10)
    assert loose.flagged == []
    text = "process,n_final,lo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct,nlo_xsec_pb\np p > x j,2,100,10,-10,80\n"
    down = reference_correct(read_table(write(tmp_path / "t.csv", text)))
    assert down.table["pull_ref"].iloc[0] == pytest.approx(-0.2 / (2 * AVG_DN))
    sym = reference_correct(read_table(tmp_path / "t.csv"), convention="symmetric")
    assert sym.table["pull_ref"].iloc[0] == pytest.approx(-0.2 / (2 * (AVG_UP + AVG_DN) / 2))


def test_alphas_power_mode() -> None:
    result = reference_correct(load_bundled("pulls"), n_mode="alphas-power")
    t = result.table.set_index("process")
    # tree-level QCD: the reference average is unchanged (alpha_s power = number of partons)
    assert result.reference.per_particle_up == pytest.approx(AVG_UP)
    assert t.loc["p p > z j j", "n_counted"] == 2 and t.loc["p p > z j j", "n_inferred"]
    # no alpha_s at LO: undefined, with the reason
    assert (
        np.isnan(t.loc["p p > z z z", "pull_ref"]) and "n = 0" in t.loc["p p > z z z", "reason_ref"]
    )


def test_selection_from_input() -> None:
    table = load_bundled("pulls")
    sel = select_reference(table, "n_final >= 3 and process_class == 'boson+jets'")
    assert set(sel["process"]) == {
        "p p > wpm j j",
        "p p > wpm j j j",
        "p p > z j j",
        "p p > z j j j",
        "p p > a j j",
    }
    avg = reference_average(sel)
    expected = np.mean(sel["lo_scale_up_rel"] / sel["n_final"])
    assert avg.per_particle_up == pytest.approx(expected)
    with pytest.raises(OptionError, match="empty"):
        reference_correct(table, reference=select_reference(table, "qcd"))
    with pytest.raises(OptionError, match="cannot evaluate"):
        select_reference(table, "no_such_column > 1")
    with pytest.raises(OptionError, match="lacks an upward or downward"):
        reference_average(select_reference(table, "process == 'p p > z z z'"))


def test_bad_threshold() -> None:
    with pytest.raises(OptionError, match="threshold"):
        reference_correct(load_bundled("pulls"), threshold=0)


def test_nlo_only_row_reason(tmp_path) -> None:
    text = "process,n_final,nlo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct\np p > x j,2,5,10,-10\n"
    result = reference_correct(read_table(write(tmp_path / "t.csv", text)))
    assert result.table["reason_ref"].iloc[0] == "no LO cross section"

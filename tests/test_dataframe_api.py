"""The Python API takes an in-memory DataFrame in every documented table format (issue 19 item 6).

Each format is written to a file as well and read with ``read_table``: the DataFrame must give
the same pulls (same validation and normalisation), and bad cells the same kind of error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scaleuq
from scaleuq.errors import DuplicateProcessError, ScaleUQError, TableError

# Rows a.5 and a.6 of arXiv:1405.0301 (Table 1), as bundled in data/ (pb and percent).
ROWS = [
    dict(process="p p > z", n_final=1, lo=4.248e4, lo_err=5.0, nlo=5.410e4, nlo_err=22.0,
         up=14.6, dn=15.8),
    dict(process="p p > z j", n_final=2, lo=7.209e3, lo_err=5.0, nlo=9.742e3, nlo_err=35.0,
         up=19.3, dn=17.0),
]  # fmt: skip


def _pct() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "process": [r["process"] for r in ROWS],
            "n_final": [r["n_final"] for r in ROWS],
            "lo_xsec_pb": [r["lo"] for r in ROWS],
            "lo_mc_err_pb": [r["lo_err"] for r in ROWS],
            "nlo_xsec_pb": [r["nlo"] for r in ROWS],
            "nlo_mc_err_pb": [r["nlo_err"] for r in ROWS],
            "lo_scale_up_pct": [r["up"] for r in ROWS],
            "lo_scale_dn_pct": [-r["dn"] for r in ROWS],  # 'dn' may be written negative
        }
    )


def _rel() -> pd.DataFrame:
    frame = _pct().drop(columns=["lo_scale_up_pct", "lo_scale_dn_pct"])
    return frame.assign(
        lo_scale_up_rel=[r["up"] / 100 for r in ROWS],
        lo_scale_dn_rel=[r["dn"] / 100 for r in ROWS],
    )


def _fb() -> pd.DataFrame:
    frame = _pct()
    renamed = {c: c.replace("_pb", "_fb") for c in frame.columns if c.endswith("_pb")}
    frame = frame.rename(columns=renamed)
    for col in renamed.values():
        frame[col] = frame[col] * 1000.0
    return frame


def _unit_column() -> pd.DataFrame:
    frame = _pct()
    frame = frame.rename(columns={c: c[: -len("_pb")] for c in frame.columns if c.endswith("_pb")})
    return frame.assign(unit="pb")


def _percent_strings() -> pd.DataFrame:
    frame = _rel()
    return frame.assign(
        lo_scale_up_rel=[f"{r['up']}%" for r in ROWS],  # '10%' is 0.10 in a _rel column
        lo_scale_dn_rel=[f"-{r['dn']}%" for r in ROWS],
    )


def _relative_only(kcol: str) -> pd.DataFrame:
    k = [r["nlo"] / r["lo"] for r in ROWS]
    value = k if kcol == "k_factor" else [x - 1 for x in k]
    return pd.DataFrame(
        {
            "process": [r["process"] for r in ROWS],
            "n_final": [r["n_final"] for r in ROWS],
            kcol: value,
            "lo_scale_up_pct": [r["up"] for r in ROWS],
            "lo_scale_dn_pct": [r["dn"] for r in ROWS],
        }
    )


def _direction_only() -> pd.DataFrame:
    frame = _relative_only("k_minus_1").drop(columns=["lo_scale_up_pct", "lo_scale_dn_pct"])
    return frame.assign(lo_scale_rel=[r["up"] / 100 for r in ROWS])  # NLO above LO: 'up'


FORMATS = {
    "pct": _pct,
    "rel": _rel,
    "fb": _fb,
    "unit-column": _unit_column,
    "percent-strings": _percent_strings,
    "k_factor": lambda: _relative_only("k_factor"),
    "k_minus_1": lambda: _relative_only("k_minus_1"),
    "nlo_minus_lo_over_lo": lambda: _relative_only("nlo_minus_lo_over_lo"),
    "lo_scale_rel": _direction_only,
}


def _expected_pulls() -> np.ndarray:
    # t = (K - 1) / (Delta sigma_up / sigma_0): directional, NLO above LO for both rows
    return np.array([(r["nlo"] / r["lo"] - 1) / (r["up"] / 100) for r in ROWS])


@pytest.mark.parametrize("name", list(FORMATS))
def test_dataframe_formats_give_the_file_pulls(name, tmp_path):
    frame = FORMATS[name]()
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    from_file = scaleuq.pulls(scaleuq.read_table(path)).table
    from_frame = scaleuq.pulls(frame).table
    np.testing.assert_allclose(from_frame["pull"], from_file["pull"], rtol=1e-12)
    np.testing.assert_allclose(from_frame["pull"], _expected_pulls(), rtol=1e-9)
    assert list(from_frame["process"]) == [r["process"] for r in ROWS]


def test_canonical_table_passes_unchanged():
    table = scaleuq.load_bundled("pulls")
    assert scaleuq.as_table(table) is table
    a = scaleuq.pulls(table).table["pull"].to_numpy()
    written = table.drop(columns=["source", "dataset"])  # what write_table keeps
    b = scaleuq.pulls(written).table["pull"].to_numpy()
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=1e-12)


def test_list_of_records_is_a_table():
    records = _pct().to_dict(orient="records")
    np.testing.assert_allclose(scaleuq.pulls(records).table["pull"], _expected_pulls())


@pytest.mark.parametrize("name", ["pct", "rel", "k_minus_1"])
def test_every_entry_point_takes_the_dataframe(name):
    frame = FORMATS[name]()
    corr = scaleuq.reference_correct(frame)
    np.testing.assert_allclose(corr.before.table["pull"], _expected_pulls(), rtol=1e-9)
    assert np.isfinite(corr.table["pull_ref"]).all()
    # as a reference set of its own (two rows, QCD-like bands)
    own = scaleuq.reference_correct(frame, reference=frame)
    assert own.reference.n_processes == 2
    # fit needs 3 pulls: the rows twice, under new names the second time, in the same format
    extra = frame.assign(process=[p.replace("z", "w+") for p in frame["process"]])
    both = pd.concat([frame, extra], ignore_index=True)
    study = scaleuq.fit(both, stage="before", models=("gauss",), n_bootstrap=10, n_gof=5, seed=0)
    assert study.fits[0].n == len(both)


def test_recommend_takes_the_dataframe():
    rec = scaleuq.recommend(_rel(), n_bootstrap=20, seed=0)
    payload = rec.to_dict()
    text = str(payload)
    assert "p p > z j" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(lo_scale_up_pct=[-1.0, 2.0]), "'\\+' uncertainty must not be negative"),
        (lambda f: f.assign(lo_xsec_pb=[0.0, 1.0]), "a cross section must be positive"),
        (lambda f: f.assign(lo_xsec_pb=["abc", 1.0]), "not a number"),
        (lambda f: f.assign(lo_xsec_pb=[np.inf, 1.0]), "not finite"),
        (lambda f: f.drop(columns=["n_final"]), "missing column 'n_final'"),
        (lambda f: f.assign(n_final=[None, 2]), "'n_final' is missing"),
        (lambda f: f.rename(columns={"lo_xsec_pb": "LO_XSEC_PB"}), "should be written"),
        (lambda f: f.assign(lo_scale_up_rel=0.1), "both give lo_scale_up"),
        (lambda f: f.rename(columns={"lo_xsec_pb": "lo_xsec_zb"}), "unknown unit"),
        (lambda f: f.assign(lo_scale_up_pct=["10%", "x"]), "not a number"),
    ],
)
def test_bad_dataframe_cells_name_the_row(change, message):
    frame = change(_pct())
    with pytest.raises(TableError, match=message) as info:
        scaleuq.pulls(frame)
    assert "table" in str(info.value)


def test_duplicate_process_in_dataframe():
    frame = pd.concat([_pct(), _pct().iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateProcessError, match="more than once"):
        scaleuq.reference_correct(frame)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(lo_xsec_pb=-t["lo_xsec_pb"]), "cross section must be positive"),
        (lambda t: t.assign(lo_scale_dn_rel=-t["lo_scale_dn_rel"]), "must not be negative"),
        (lambda t: t.assign(n_final=0), "expected a count"),
        (lambda t: t.assign(process=""), "empty 'process'"),
    ],
)
def test_bad_canonical_table(change, message):
    table = change(scaleuq.load_bundled("pulls"))
    with pytest.raises(TableError, match=message):
        scaleuq.pulls(table)


def test_not_a_table():
    with pytest.raises(ScaleUQError, match="expected a table"):
        scaleuq.pulls("data.csv")
    with pytest.raises(TableError, match="no rows"):
        scaleuq.pulls(_pct().iloc[0:0])


def _long_frame() -> pd.DataFrame:
    """A small series in the long format (synthetic numbers: plumbing, not physics)."""
    rows = []
    for point, base in (("p1", 1.0), ("p2", 2.0)):
        for order, factor in (("lo", 1.0), ("nlo", 1.3)):
            for kr in (0.5, 1.0, 2.0):
                for kf in (0.5, 1.0, 2.0):
                    value = base * factor * (1 + 0.1 * np.log2(kr) - 0.04 * np.log2(kf))
                    rows.append(dict(point=point, observable="F2", order=order, k_R=kr, k_F=kf,
                                     value=value))  # fmt: skip
    return pd.DataFrame(rows)


def test_long_format_dataframe_gives_the_file_pulls(tmp_path):
    frame = _long_frame()
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    from_file = scaleuq.pulls(scaleuq.read_table(path)).table
    from_frame = scaleuq.pulls(frame).table
    assert list(from_frame["process"]) == list(from_file["process"])
    np.testing.assert_allclose(from_frame["pull"], from_file["pull"], rtol=1e-12)
    assert np.isfinite(from_frame["pull"]).all()


def test_bad_long_format_dataframe():
    frame = _long_frame().astype({"value": object})
    frame.loc[3, "value"] = "abc"
    with pytest.raises(TableError):
        scaleuq.pulls(frame)

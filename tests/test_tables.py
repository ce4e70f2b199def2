"""Table readers and validation: every bad-input case gives a clear error naming file and line."""

from __future__ import annotations

import json

import pytest

from scaleuq.errors import DuplicateProcessError, TableError, UnitError
from scaleuq.io.tables import read_table, read_tables, write_table

from .conftest import DATA, write

HEADER = "process,n_final,lo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct,nlo_xsec_pb\n"


def test_csv_tsv_json_yaml_agree(tmp_path) -> None:
    rows = [
        {"process": "p p > z", "n_final": 1, "lo_xsec_pb": 4.248e4, "lo_scale_up_pct": 14.6,
         "lo_scale_dn_pct": -15.8, "nlo_xsec_pb": 5.410e4},
        {"process": "p p > z j", "n_final": 2, "lo_xsec_pb": 7.209e3, "lo_scale_up_pct": 19.3,
         "lo_scale_dn_pct": -17.0, "nlo_xsec_pb": 9.742e3},
    ]  # fmt: skip
    cols = list(rows[0])
    csv_text = ",".join(cols) + "\n" + "\n".join(",".join(str(r[c]) for c in cols) for r in rows)
    tsv_text = csv_text.replace(",", "\t")
    yaml_text = "unit: pb\nprocesses:\n" + "".join(
        "  - " + "\n    ".join(f"{c}: {r[c]!r}" if isinstance(r[c], str) else f"{c}: {r[c]}" for c in cols) + "\n"
        for r in rows
    )  # fmt: skip
    frames = [
        read_table(write(tmp_path / "t.csv", csv_text)),
        read_table(write(tmp_path / "t.tsv", tsv_text)),
        read_table(write(tmp_path / "t.json", json.dumps({"processes": rows}))),
        read_table(write(tmp_path / "l.json", json.dumps(rows))),
        read_table(write(tmp_path / "t.yaml", yaml_text)),
    ]
    for frame in frames[1:]:
        for col in ("lo_xsec_pb", "lo_scale_up_rel", "lo_scale_dn_rel", "nlo_xsec_pb"):
            assert frame[col].tolist() == pytest.approx(frames[0][col].tolist())
    assert frames[0]["lo_scale_dn_rel"].tolist() == pytest.approx([0.158, 0.170])


def test_units_convert_to_pb(tmp_path) -> None:
    text = "process,n_final,lo_xsec_fb,lo_mc_err_fb,lo_scale_up_rel,lo_scale_dn_rel\np p > z,1,2000,5,0.1,0.1\n"
    frame = read_table(write(tmp_path / "t.csv", text))
    assert frame["lo_xsec_pb"].iloc[0] == pytest.approx(2.0)
    assert frame["lo_mc_err_pb"].iloc[0] == pytest.approx(0.005)
    text = "process,n_final,unit,lo_xsec,lo_scale_up_pct,lo_scale_dn_pct\np p > z,1,nb,2,10,10\n"
    assert read_table(write(tmp_path / "u.csv", text))["lo_xsec_pb"].iloc[0] == pytest.approx(2000)


def test_relative_only_rows_take_direction_of_shift(tmp_path) -> None:
    text = "process,n_final,lo_scale_rel,k_minus_1\np p > z z z,3,0.001,0.3\np p > x,1,0.1,-0.2\n"
    frame = read_table(write(tmp_path / "t.csv", text))
    assert frame["lo_scale_up_rel"].iloc[0] == 0.001 and frame["lo_scale_dn_rel"].isna().iloc[0]
    assert frame["lo_scale_dn_rel"].iloc[1] == 0.1 and frame["lo_scale_up_rel"].isna().iloc[1]


def test_write_table_round_trips(tmp_path) -> None:
    frame = read_tables(
        [DATA / "madgraph2014_13tev_vjets.csv", DATA / "ghosh2022_relative_tail.csv"]
    )
    write_table(frame, tmp_path / "out.csv")
    again = read_table(tmp_path / "out.csv")
    for col in ("lo_xsec_pb", "nlo_xsec_pb", "lo_scale_up_rel", "lo_scale_dn_rel", "k_minus_1"):
        assert again[col].tolist() == pytest.approx(frame[col].tolist(), nan_ok=True)


@pytest.mark.parametrize(
    "text, error, pattern",
    [
        ("n_final,lo_xsec_pb\n1,2\n", TableError, r"t.csv:1: missing column 'process'"),
        ("process,lo_xsec_pb\np p > z,2\n", TableError, r"missing column 'n_final'"),
        (
            HEADER + "p p > z,1,abc,10,-10,3\n",
            TableError,
            r"t.csv:2 \(p p > z\).*'abc'.*not a number",
        ),
        (HEADER + "p p > z,1,-5,10,-10,3\n", TableError, r"t.csv:2.*must be positive"),
        (HEADER + "p p > z,1,0,10,-10,3\n", TableError, r"t.csv:2.*must be positive"),
        (
            HEADER + "p p > z,1,5,-10,-10,3\n",
            TableError,
            r"t.csv:2.*'\+' uncertainty must not be negative",
        ),
        (
            HEADER + "p p > z,1,5,10,-10,3\np p > z,1,6,10,-10,3\n",
            DuplicateProcessError,
            r"'p p > z'.*t.csv:2, .*t.csv:3",
        ),
        (HEADER + "p p > z,1,5,10,-10,3\npp → Z,1,6,10,-10,3\n", DuplicateProcessError, r"p p > z"),
        (
            "process,n_final,lo_xsec_barn\np p > z,1,2\n",
            UnitError,
            r"unknown unit 'barn' in column 'lo_xsec_barn'",
        ),
        (
            "process,n_final,lo_scale_up_percent\np p > z,1,2\n",
            UnitError,
            r"unknown unit 'percent'",
        ),
        (
            "process,n_final,unit,lo_xsec\np p > z,1,kg,2\n",
            UnitError,
            r"t.csv:2.*unknown unit 'kg'",
        ),
        (
            "process,n_final,lo_scle_up_pct\np p > z,1,2\n",
            TableError,
            r"t.csv:1: unknown column 'lo_scle_up_pct'",
        ),
        ("process,n_final,lo_xsec_pb\n", TableError, r"header but no rows"),
        ("", TableError, r"empty"),
        (HEADER + "p p > z,1,5,10\n", TableError, r"t.csv:2: 4 fields, the header has 6"),
        (HEADER + "p p > z,one,5,10,-10,3\n", TableError, r"n_final"),
        ("process,n_final,lo_scale_rel\np p > z,1,0.1\n", TableError, r"no NLO information"),
        (HEADER + "p p > z,1,inf,10,-10,3\n", TableError, r"not finite"),
    ],
)
def test_bad_csv(tmp_path, text: str, error: type, pattern: str) -> None:
    path = write(tmp_path / "t.csv", text)
    with pytest.raises(error, match=pattern):
        read_table(path)


def test_duplicates_across_files(tmp_path) -> None:
    a = write(tmp_path / "a.csv", HEADER + "p p > z,1,5,10,-10,3\n")
    b = write(tmp_path / "b.csv", HEADER + "p p > z,1,5,10,-10,3\n")
    with pytest.raises(DuplicateProcessError, match=r"a.csv:2, .*b.csv:2"):
        read_tables([a, b])


@pytest.mark.parametrize(
    "name, text, pattern",
    [
        ("t.json", "{not json", r"t.json: not valid JSON"),
        ("t.json", '{"rows": []}', r"expected a list"),
        ("t.json", '[{"process": "p p > z"}]', r"process #1: missing column 'n_final'"),
        (
            "t.yaml",
            "processes: [ {process: p p > z, n_final: 1, lo_xsec_pb: [1}",
            r"not valid YAML",
        ),
        ("t.xlsx", "", r"unknown table format '.xlsx'"),
    ],
)
def test_bad_structured(tmp_path, name: str, text: str, pattern: str) -> None:
    with pytest.raises(TableError, match=pattern):
        read_table(write(tmp_path / name, text))


def test_missing_file() -> None:
    with pytest.raises(TableError, match="no such file"):
        read_table("does/not/exist.csv")

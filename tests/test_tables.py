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


# --- issue 10: bad input never passes silently ------------------------------------------------
# Each case below read silently wrong (or failed with a bare Python error) before the fix.

ZROW = "process,n_final,lo_xsec_pb,lo_scale_up_{u},lo_scale_dn_{u},nlo_xsec_pb\np p > z,1,1.0,{up},{dn},1.2\n"


@pytest.mark.parametrize(
    "unit, up, dn",
    [("rel", "10%", "-10%"), ("pct", "10%", "-10%"), ("rel", "0.1", "-0.1"), ("pct", "10", "-10")],
)
def test_percent_sign_means_percent_in_every_relative_column(tmp_path, unit, up, dn) -> None:
    # '10%' in a _rel column used to read as 10 (1000%): pull 0.02 instead of 2
    frame = read_table(write(tmp_path / "t.csv", ZROW.format(u=unit, up=up, dn=dn)))
    assert frame["lo_scale_up_rel"].iloc[0] == pytest.approx(0.10)
    assert frame["lo_scale_dn_rel"].iloc[0] == pytest.approx(0.10)


def test_percent_sign_in_k_minus_1(tmp_path) -> None:
    text = "process,n_final,lo_scale_rel,k_minus_1\np p > z z z,3,0.1%,30%\n"
    frame = read_table(write(tmp_path / "t.csv", text))
    assert frame["k_minus_1"].iloc[0] == pytest.approx(0.30)
    assert frame["lo_scale_up_rel"].iloc[0] == pytest.approx(0.001)


def test_json_key_with_spaces_is_read(tmp_path) -> None:
    # " nlo_xsec_pb" used to be ignored silently in JSON
    rows = [{"process": "p p > z", "n_final": 1, "lo_xsec_pb": 1.0, " nlo_xsec_pb ": 1.5}]
    frame = read_table(write(tmp_path / "t.json", json.dumps(rows)))
    assert frame["nlo_xsec_pb"].iloc[0] == 1.5


def test_yaml_is_read_as_yaml_1_2(tmp_path) -> None:
    # YAML 1.1 (PyYAML's default) reads 0100 as octal 64 and 'yes' as True
    text = "- {process: p p > z, id: yes, n_final: 1, lo_xsec_pb: 0100, nlo_xsec_pb: 1.5e2}\n"
    frame = read_table(write(tmp_path / "t.yaml", text))
    assert frame["lo_xsec_pb"].iloc[0] == 100.0
    assert frame["nlo_xsec_pb"].iloc[0] == 150.0
    assert frame["id"].iloc[0] == "yes"


def test_byte_order_mark_is_not_part_of_the_name(tmp_path) -> None:
    for name, text in [
        ("t.json", '\ufeff[{"process": "p p > z", "n_final": 1, "lo_xsec_pb": 2}]'),
        ("t.yaml", "\ufeff- {process: p p > z, n_final: 1, lo_xsec_pb: 2}\n"),
        ("t.txt", "\ufeffp p > z  2.0 ± 0.1  +10% -10%\n"),
        ("t.csv", "\ufeffprocess,n_final,lo_xsec_pb\np p > z,1,2\n"),
    ]:
        frame = read_table(write(tmp_path / name, text))
        assert frame["process"].tolist() == ["p p > z"], name
        assert frame["lo_xsec_pb"].tolist() == [2.0], name


def test_line_numbers_after_quoted_multiline_field(tmp_path) -> None:
    text = (
        'process,n_final,notes,lo_xsec_pb\np p > z,1,"two\nlines",1\n# comment\np p > w,1,"c",abc\n'
    )
    with pytest.raises(TableError, match=r"t.csv:5 \(p p > w\): column 'lo_xsec_pb' holds 'abc'"):
        read_table(write(tmp_path / "t.csv", text))


def test_comment_and_blank_lines_inside_quoted_field_are_kept(tmp_path) -> None:
    text = 'process,n_final,notes,lo_xsec_pb\np p > z,1,"a\n\n# not a comment",1\n'
    frame = read_table(write(tmp_path / "t.csv", text))
    assert frame["lo_xsec_pb"].tolist() == [1.0]


YAML_BOMB = "".join(
    f"{a}: &{a} [{', '.join([f'*{b}'] * 9)}]\n" for b, a in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize(
    "name, text, error, pattern",
    [
        # two columns for one quantity: the last used to win silently (K = 1200)
        (
            "t.csv",
            "process,n_final,lo_xsec_pb,lo_xsec_fb,nlo_xsec_pb\np p > z,1,1,1,1.2\n",
            TableError,
            r"t.csv:1: columns 'lo_xsec_pb' and 'lo_xsec_fb' both give lo_xsec",
        ),
        (
            "t.csv",
            "process,n_final,lo_scale_up_pct,lo_scale_up_rel\np p > z,1,10,0.1\n",
            TableError,
            r"both give lo_scale_up",
        ),
        (
            "t.csv",
            "process,n_final,unit,xsec_unit,lo_xsec\np p > z,1,pb,fb,1\n",
            TableError,
            r"both give unit",
        ),
        (
            "t.csv",
            "process,n_final,lo_scale_rel,lo_scale_up_rel,k_minus_1\np p > z,1,0.1,0.2,0.3\n",
            TableError,
            r"'lo_scale_rel' and 'lo_scale_up_\*' both give",
        ),
        # repeated keys: last used to win
        (
            "t.json",
            '[{"process": "p p > z", "n_final": 1, "lo_xsec_pb": 1, "lo_xsec_pb": 2}]',
            TableError,
            r"t.json: key 'lo_xsec_pb' appears twice in one object \(process 'p p > z'\)",
        ),
        (
            "t.json",
            '[{"process": "p p > z", "n_final": 1, "lo_xsec_pb": 1, " lo_xsec_pb": 2}]',
            TableError,
            r"key 'lo_xsec_pb' appears twice",
        ),
        (
            "t.yaml",
            "processes:\n - process: p p > z\n   n_final: 1\n   lo_xsec_pb: 1\n   lo_xsec_pb: 2\n",
            TableError,
            r"t.yaml:5: key 'lo_xsec_pb' appears twice",
        ),
        # near-miss column names used to be ignored silently
        (
            "t.csv",
            "process,n_final,LO_SCALE_UP_PCT\np p > z,1,10\n",
            TableError,
            r"'LO_SCALE_UP_PCT' should be written 'lo_scale_up_pct'",
        ),
        (
            "t.csv",
            "process,n_final,nlo-xsec-pb\np p > z,1,10\n",
            TableError,
            r"'nlo-xsec-pb' should be written 'nlo_xsec_pb'",
        ),
        (
            "t.csv",
            "process,n_final,nl0_xsec_pb\np p > z,1,10\n",
            TableError,
            r"unknown column 'nl0_xsec_pb'; did you mean 'nlo_xsec_pb'",
        ),
        (
            "t.json",
            '[{"process": "p p > z", "n_final": 1, "NLO_XSEC_PB": 10}]',
            TableError,
            r"should be written 'nlo_xsec_pb'",
        ),
        # YAML 1.1 sexagesimal: 1:30 used to be 90
        (
            "t.yaml",
            "- {process: p p > z, n_final: 1, lo_xsec_pb: 1:30}\n",
            TableError,
            r"'1:30', which is not a number",
        ),
        # YAML alias bomb: unbounded memory and minutes of CPU
        (
            "t.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + YAML_BOMB
            + "processes:\n - {process: p p > z, n_final: 1, notes: *i}\n",
            TableError,
            r"t.yaml:2: YAML aliases \(\*a\) are not accepted",
        ),
        # a minus sign in paper notation used to join the process name: -4.248 read as +4.248
        (
            "t.txt",
            "p p > z  -4.248 ± 0.1  +10% -10%\n",
            TableError,
            r"t.txt:1 \(p p > z\): 'lo_xsec_pb' is -4.248, but a cross section must be positive",
        ),
        ("t.txt", "pp → Z  −4.248 ± 0.1  +10% −10%\n", TableError, r"must be positive"),
        # "internal error" one-liners
        ("t.txt", "# only a comment\n\n", TableError, r"t.txt: the table has no rows"),
        (
            "t.csv",
            "process,n_final\np p > z,1e20\n",
            TableError,
            r"t.csv:2 \(p p > z\): column 'n_final' holds '1e20'; expected a count up to 1000",
        ),
        (
            "t.csv",
            "process,n_final,alphas_power\np p > z,1,1e20\n",
            TableError,
            r"'alphas_power' holds '1e20'",
        ),
        (
            "t.json",
            '[{"process": "p p > z", "n_final": 1, "lo_xsec_pb": ' + "9" * 400 + "}]",
            TableError,
            r"integer with 400 digits, which is out of range",
        ),
        (
            "t.json",
            '[{"process": "p p > z", "n_final": ' + "9" * 400 + "}]",
            TableError,
            r"'n_final' holds an integer with 400 digits",
        ),
        (
            "t.txt",
            "p p > z  1.0 ± 0.1 · 10^400  +10% -10%\n",
            TableError,
            r"t.txt:1: .*out of range",
        ),
        (
            "t.txt",
            "p p > z  1.0 ± 0.1 · 10^-400  +10% -10%\n",
            TableError,
            r"t.txt:1: .*out of the range of a double",
        ),
        (
            "t.json",
            '{"unit": 5, "processes": [{"process": "p p > z", "n_final": 1, "lo_xsec": 1}]}',
            TableError,
            r"t.json: top-level 'unit' is 5; expected a unit name",
        ),
        (
            "t.yaml",
            "- {process: p p > z, n_final: 1, 5: 3}\n",
            TableError,
            r"t.yaml: process #1: column names must be text, found 5",
        ),
        (
            "t.json",
            "[" * 100_000 + "]" * 100_000,
            TableError,
            r"t.json: nested more than 50 levels deep",
        ),
        (
            "t.yaml",
            "[" * 100_000 + "]" * 100_000,
            TableError,
            r"t.yaml: nested more than 50 levels deep",
        ),
        (
            "t.csv",
            "process,n_final,notes\np p > z,1," + "x" * 200_000 + "\n",
            TableError,
            r"t.csv:2: malformed CSV: a field is longer than 131072 characters",
        ),
        (
            "t.json",
            '[{"process": "p p > z", "n_final": 1, "lo_xsec_pb": [1, 2]}]',
            TableError,
            r"column 'lo_xsec_pb' holds a list",
        ),
        (
            "t.json",
            '[{"process": ["p p > z"], "n_final": 1}]',
            TableError,
            r"column 'process' holds a list",
        ),
        # a quoted field that never closes used to swallow the rest of the file silently
        (
            "t.csv",
            'process,n_final,notes,lo_xsec_pb\np p > z,1,"open,1\np p > w,1,x,2\n',
            TableError,
            r"t.csv:3: malformed CSV: a quoted field opened on line 2 is never closed",
        ),
        # '%' where it means nothing
        (
            "t.csv",
            "process,n_final,lo_xsec_pb\np p > z,1,5%\n",
            TableError,
            r"a '%' sign is only allowed in relative columns",
        ),
        (
            "t.csv",
            "process,n_final,lo_xsec_pb,nlo_xsec_pb\np p > z,1,1e-300,1e300\n",
            TableError,
            r"out of the range of a double",
        ),
    ],
)
def test_bad_input_issue_10(tmp_path, name: str, text: str, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        read_table(write(tmp_path / name, text))


def test_non_utf8_names_file_and_line(tmp_path) -> None:
    for name, data in [
        ("t.csv", b"process,n_final\np p \xff z,1\n"),
        ("t.json", b'[{"process": "p p \xff z", "n_final": 1}]'),
        ("t.txt", b"# header\n\np p > z \xff 1.0 \xb1 0.1 +10% -10%\n"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        line = data.count(b"\n", 0, data.index(b"\xff")) + 1
        with pytest.raises(TableError, match=rf"{name}:{line}: not UTF-8 text \(byte 0xff\)"):
            read_table(path)


def test_messages_are_one_short_line(tmp_path) -> None:
    text = "process,n_final,lo_xsec_pb\np p > z,1," + "9" * 5000 + "\n"
    with pytest.raises(TableError) as info:
        read_table(write(tmp_path / "t.csv", text))
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_unreadable_path_is_a_table_error(tmp_path) -> None:
    # a directory named like a table: a TableError, never IsADirectoryError (guard)
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(TableError, match=r"d\.csv"):
        read_table(tmp_path / "d.csv")

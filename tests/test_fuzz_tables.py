"""Property tests of the table readers (CSV, TSV, JSON, YAML): generated tables, rewritten in
ways that must not change them, and mutated in ways that must be refused.

Every property is "a clean :class:`~scaleuq.errors.ScaleUQError` or a table equal to the one of
the unmutated input": never another exception, never a changed number.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scaleuq.errors import ScaleUQError, TableError
from scaleuq.io.tables import read_table

from ._fuzz import examples

PROCESSES = [
    ("p p > z", 1), ("p p > wpm j", 2), ("p p > a j j", 3), ("p p > z z z", 3), ("p p > h", 1),
    ("p p > t t~", 2), ("p p > w+ w- wpm", 3), ("p p > z j j j", 4), ("e+ e- > mu+ mu-", 2),
]  # fmt: skip
FORMATS = ["csv", "tsv", "json", "yaml"]
NUMERIC = [
    "lo_xsec_pb", "lo_mc_err_pb", "nlo_xsec_pb", "nlo_mc_err_pb", "lo_scale_up_rel",
    "lo_scale_dn_rel", "lo_pdf_up_rel", "lo_pdf_dn_rel", "k_minus_1",
]  # fmt: skip


def decimal(low: int, high: int) -> st.SearchStrategy[str]:
    """A decimal written as text (mantissa digits and exponent), so every format round-trips."""
    return st.builds(
        lambda m, d, e: f"{m}.{d}e{e}",
        st.integers(1, 9),
        st.integers(0, 999).map(lambda d: f"{d:03d}"),
        st.integers(low, high),
    )


@st.composite
def tables(draw: st.DrawFn) -> list[dict[str, str]]:
    """1-5 rows with unique processes; every value a string as a user would type it."""
    chosen = draw(st.lists(st.sampled_from(PROCESSES), min_size=1, max_size=5, unique=True))
    with_nlo = draw(st.booleans())
    with_pdf = draw(st.booleans())
    rows = []
    for i, (process, n) in enumerate(chosen):
        row = {"id": f"a.{i + 1}", "process": process, "n_final": str(n)}
        row["lo_xsec_pb"] = draw(decimal(-3, 6))
        row["lo_mc_err_pb"] = draw(decimal(-6, 2))
        row["lo_scale_up_pct"] = draw(st.integers(0, 999).map(lambda v: f"{v / 10}"))
        row["lo_scale_dn_pct"] = draw(st.integers(0, 999).map(lambda v: f"-{v / 10}"))
        if with_pdf:
            row["lo_pdf_up_pct"] = draw(st.integers(0, 99).map(lambda v: f"{v / 10}"))
            row["lo_pdf_dn_pct"] = draw(st.integers(0, 99).map(lambda v: f"-{v / 10}"))
        if with_nlo:
            row["nlo_xsec_pb"] = draw(decimal(-3, 6))
        rows.append(row)
    return rows


def columns(rows: list[dict[str, str]]) -> list[str]:
    return list(rows[0])


def to_delimited(rows, sep=",", *, order=None, pad="", comments=False, quote=False, crlf=False,
                 bom=False, minus="-", pct_sign=False) -> str:  # fmt: skip
    cols = order or columns(rows)

    def cell(col: str, value: str) -> str:
        if col.endswith("_pct"):
            value = value.replace("-", minus) + ("%" if pct_sign else "")
        value = f"{pad}{value}{pad}"
        return f'"{value}"' if quote else value

    nl = "\r\n" if crlf else "\n"
    lines = [sep.join(f"{pad}{c}{pad}" for c in cols)]
    for row in rows:
        if comments:
            lines.append("# a comment, with a comma")
            lines.append("")
        lines.append(sep.join(cell(c, row[c]) for c in cols))
    return ("\ufeff" if bom else "") + nl.join(lines) + nl


def to_json(rows, *, wrapped=False, indent=None, reverse_keys=False, numbers=False) -> str:
    def value(col: str, v: str):
        return float(v) if numbers and col not in ("id", "process") else v

    objs = []
    for row in rows:
        items = list(row.items())[::-1] if reverse_keys else list(row.items())
        objs.append({k: value(k, v) for k, v in items})
    data = {"processes": objs} if wrapped else objs
    return json.dumps(data, indent=indent, ensure_ascii=False)


def to_yaml(rows, *, flow=False, wrapped=False) -> str:
    def scalar(col: str, v: str) -> str:
        return f"'{v}'" if col in ("id", "process") else v

    out = ["processes:"] if wrapped else []
    lead = "  " if wrapped else ""
    for row in rows:
        if flow:
            out.append(
                lead + "- {" + ", ".join(f"{k}: {scalar(k, v)}" for k, v in row.items()) + "}"
            )
        else:
            items = list(row.items())
            out.append(f"{lead}- {items[0][0]}: {scalar(*items[0])}")
            out.extend(f"{lead}  {k}: {scalar(k, v)}" for k, v in items[1:])
    return "\n".join(out) + "\n"


def write_as(tmp_path, fmt: str, text: str | bytes, name: str = "t"):
    path = tmp_path / f"{name}.{fmt}"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a["process"]) == list(b["process"])
    assert list(a["n_final"]) == list(b["n_final"])
    assert list(a["id"]) == list(b["id"])
    for col in NUMERIC:
        x, y = a[col].tolist(), b[col].tolist()
        assert all((math.isnan(p) and math.isnan(q)) or p == q for p, q in zip(x, y)), col


def baseline(tmp_path, rows) -> pd.DataFrame:
    return read_table(write_as(tmp_path, "csv", to_delimited(rows), name="base"))


@examples()
@given(rows=tables(), data=st.data())
def test_rewrites_that_must_not_change_the_table(tmp_path_factory, rows, data) -> None:
    tmp_path = tmp_path_factory.mktemp("rw")
    expected = baseline(tmp_path, rows)
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    if fmt in ("csv", "tsv"):
        text = to_delimited(
            rows, "," if fmt == "csv" else "\t",
            order=data.draw(st.permutations(columns(rows)), label="order"),
            pad=data.draw(st.sampled_from(["", " ", "  "]), label="pad"),
            comments=data.draw(st.booleans(), label="comments"),
            quote=data.draw(st.booleans(), label="quote"),
            crlf=data.draw(st.booleans(), label="crlf"),
            bom=data.draw(st.booleans(), label="bom"),
            minus=data.draw(st.sampled_from(["-", "−", "–"]), label="minus"),
            pct_sign=data.draw(st.booleans(), label="pct_sign"),
        )  # fmt: skip
    elif fmt == "json":
        text = to_json(
            rows, wrapped=data.draw(st.booleans()), indent=data.draw(st.sampled_from([None, 1])),
            reverse_keys=data.draw(st.booleans()), numbers=data.draw(st.booleans()),
        )  # fmt: skip
    else:
        text = to_yaml(rows, flow=data.draw(st.booleans()), wrapped=data.draw(st.booleans()))
    same(read_table(write_as(tmp_path, fmt, text)), expected)


BAD_NUMBERS = [
    "abc", "1.0.0", "1e400", "-1e400", "nan0", "inf", "-inf", "1,5", "0x10", "--1", "1e", "1 2",
    "9" * 500, "1_000", "5%", "(1)", "1/2", "½", "1e-400000", "Infinity", "true",
    "-1", "0", "-0.0", "1:30", "1.0 pb", "[1]", "{1}", "1e5000", "1d", "0100.5.5",
]  # fmt: skip


@examples()
@given(rows=tables(), data=st.data())
def test_a_bad_cross_section_is_always_refused(tmp_path_factory, rows, data) -> None:
    tmp_path = tmp_path_factory.mktemp("bad")
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    i = data.draw(st.integers(0, len(rows) - 1), label="row")
    bad = data.draw(st.sampled_from(BAD_NUMBERS), label="value")
    assume(not (fmt in ("csv", "tsv") and ("," in bad or "\t" in bad)))  # would shift columns
    rows[i]["lo_xsec_pb"] = bad
    if fmt in ("csv", "tsv"):
        text = to_delimited(rows, "," if fmt == "csv" else "\t")
    elif fmt == "json":
        text = to_json(rows)
    else:
        if bad.startswith(("[", "{", "-1", "0", "1:30", "%")) or bad == "true":
            bad = f"'{bad}'"  # keep YAML from reading a list, a number or a bool
        text = to_yaml(rows).replace(
            f"lo_xsec_pb: {rows[i]['lo_xsec_pb']}", f"lo_xsec_pb: {bad}", 1
        )
    with pytest.raises(TableError):
        read_table(write_as(tmp_path, fmt, text))


STRUCTURAL = ["repeat_column", "repeat_row", "upper_column", "dash_column", "typo_column",
              "second_unit", "non_utf8", "unknown_lo", "pct_in_xsec", "negative_up"]  # fmt: skip


@examples()
@given(rows=tables(), data=st.data())
def test_structural_mistakes_are_always_refused(tmp_path_factory, rows, data) -> None:
    tmp_path = tmp_path_factory.mktemp("st")
    fmt = data.draw(st.sampled_from(["csv", "tsv", "json"]), label="format")
    kind = data.draw(st.sampled_from(STRUCTURAL), label="mistake")
    i = data.draw(st.integers(0, len(rows) - 1), label="row")
    target = data.draw(st.sampled_from([c for c in columns(rows) if c.startswith("lo_")]))
    if kind == "repeat_row":
        rows.append(dict(rows[i]))
    elif kind == "pct_in_xsec":
        rows[i]["lo_xsec_pb"] += "%"
    elif kind == "negative_up":
        rows[i]["lo_scale_up_pct"] = "-" + rows[i]["lo_scale_up_pct"]
        assume(float(rows[i]["lo_scale_up_pct"]) != 0)
    else:
        renamed = {
            "upper_column": target.upper(), "dash_column": target.replace("_", "-"),
            "typo_column": target.replace("lo_", "l0_", 1), "unknown_lo": "lo_xsec_err_pb",
            "second_unit": "lo_xsec_fb", "repeat_column": target, "non_utf8": target,
        }[kind]  # fmt: skip
        for row in rows:
            if kind in ("repeat_column", "second_unit", "unknown_lo"):
                row[renamed + " "] = row[
                    target
                ]  # a second column (the space keeps dict keys apart)
            else:
                row[renamed] = row.pop(target)
    if fmt == "json":
        text = to_json(rows)
        if kind in ("repeat_column", "second_unit", "unknown_lo"):
            text = text.replace(f'"{renamed} "', f'"{renamed}"')
    else:
        text = to_delimited(rows, "," if fmt == "csv" else "\t")
    data_bytes = text.encode()
    if kind == "non_utf8":
        at = data.draw(st.integers(0, len(data_bytes)), label="offset")
        data_bytes = data_bytes[:at] + b"\xff" + data_bytes[at:]
    with pytest.raises(TableError):
        read_table(write_as(tmp_path, fmt, data_bytes))


@examples()
@given(rows=tables(), data=st.data())
def test_truncated_json_is_refused_or_unchanged(tmp_path_factory, rows, data) -> None:
    tmp_path = tmp_path_factory.mktemp("tr")
    expected = baseline(tmp_path, rows)
    text = to_json(rows, indent=data.draw(st.sampled_from([None, 1])))
    cut = data.draw(st.integers(0, len(text)), label="cut")
    try:
        frame = read_table(write_as(tmp_path, "json", text[:cut]))
    except TableError:
        return
    same(frame, expected)


GARBAGE = st.sampled_from(
    ["", ",", "\t", '"', "'", "#", "\n", "\r", "%", "-", "−", "±", "e", "E", "9", "0", ".", " ",
     "&a", "*a", "[", "]", "{", "}", ":", "\x00", "\ufeff", "<<: ", "!!python/object ", "lo_",
     "1e999", "nan", "n_final", "process"]
)  # fmt: skip


@examples(2)
@given(rows=tables(), data=st.data())
def test_random_mutations_never_crash(tmp_path_factory, rows, data) -> None:
    """Any mutation: a ScaleUQError or a well-formed canonical table, nothing else."""
    tmp_path = tmp_path_factory.mktemp("mu")
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    text = {"csv": to_delimited(rows), "tsv": to_delimited(rows, "\t"), "json": to_json(rows),
            "yaml": to_yaml(rows, flow=data.draw(st.booleans()))}[fmt]  # fmt: skip
    for _ in range(data.draw(st.integers(1, 4), label="n_mutations")):
        at = data.draw(st.integers(0, len(text)), label="at")
        op = data.draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]), label="op")
        piece = data.draw(GARBAGE, label="piece")
        span = data.draw(st.integers(1, 12), label="span")
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + span :]
        elif op == "replace":
            text = text[:at] + piece + text[at + 1 :]
        else:
            text = text[:at] + text[at : at + span] + text[at:]
    try:
        frame = read_table(write_as(tmp_path, fmt, text))
    except ScaleUQError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert len(frame) >= 1 and frame["process"].is_unique
    assert (frame["n_final"] >= 1).all()
    for col in NUMERIC:
        values = frame[col].dropna()
        assert values.map(math.isfinite).all(), col
        if col != "k_minus_1":
            assert (values >= 0).all(), col
    assert (frame["lo_xsec_pb"].dropna() > 0).all()

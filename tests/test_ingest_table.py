"""The table an ingest command writes, rendered without pandas, is byte for byte what pandas
writes for the same rows (CSV) and the same JSON rows."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaleuq.errors import DuplicateProcessError
from scaleuq.io.tables import (
    canonical_rows,
    frame_rows,
    from_records,
    table_csv,
    table_records,
)
from scaleuq.util.jsonio import to_jsonable


def _pandas_csv(records: list[dict[str, object]], sources: list[str]) -> str:
    """What ``emit_table`` wrote before: the DataFrame's own CSV."""
    table = from_records(records, dataset="lhe", sources=sources).drop(columns=["dataset"])
    keep = [c for c in table.columns if c in ("process", "n_final") or table[c].notna().any()]
    return table[keep].to_csv(index=False, float_format="%.10g")


def _pandas_json(records: list[dict[str, object]], sources: list[str]) -> list[object]:
    table = from_records(records, dataset="lhe", sources=sources)
    return to_jsonable(table.drop(columns=["dataset"]).to_dict(orient="records"))


RECORDS = [
    [{"process": "p p > z j j", "n_final": 3, "lo_xsec_pb": 100.0, "lo_mc_err_pb": 1.0,
      "lo_scale_up_rel": 0.170142651234, "lo_scale_dn_rel": 0.15}],
    [{"process": "p p > t t~", "n_final": 2, "lo_xsec_pb": 505.3, "nlo_xsec_pb": 684.7,
      "nlo_mc_err_pb": 0.0, "lo_scale_up_rel": 0.3, "lo_scale_dn_rel": 0.21,
      "nlo_scale_up_rel": 0.11, "nlo_scale_dn_rel": 0.12, "lo_pdf_up_rel": 1e-5,
      "lo_pdf_dn_rel": 2.5e-12},
     {"process": "p p > z, z > e+ e-", "n_final": 1, "nlo_xsec_pb": 1.5e-300, "id": "a,\"b\"",
      "alphas_power": 2, "lo_xsec_pb": 123456789012.5}],
    [{"process": "p p > h", "n_final": 1, "k_minus_1": -0.25, "nlo_scale_up_rel": 0.0},
     {"process": "g g > h", "n_final": 1, "lo_xsec_pb": 3.0, "nlo_xsec_pb": 6.0}],
]  # fmt: skip


@pytest.mark.parametrize("records", RECORDS)
def test_csv_and_json_without_pandas_are_what_pandas_writes(records: list[dict]) -> None:
    sources = [f"LO: run{i}.lhe, NLO: 'x'" for i in range(len(records))]
    rows = canonical_rows(records, dataset="lhe", sources=sources)
    expected = _pandas_csv(records, sources)
    assert table_csv(rows) == expected
    frame = from_records(records, dataset="lhe", sources=sources)
    assert table_csv(frame_rows(frame)) == expected
    assert table_records(rows) == table_records(frame_rows(frame)) == _pandas_json(records, sources)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
            st.floats(min_value=1e-300, max_value=1e300),
            st.one_of(st.none(), st.floats(min_value=0, max_value=10)),
            st.one_of(st.none(), st.integers(0, 5)),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    )
)
def test_rendering_matches_pandas_on_any_rows(rows_in: list[tuple]) -> None:
    records = []
    for name, xsec, band, power in rows_in:
        record = {"process": f"p p > {name!r}", "n_final": 2, "lo_xsec_pb": xsec}
        if band is not None:
            record["lo_scale_up_rel"] = band
        if power is not None:
            record["alphas_power"] = power
        records.append(record)
    sources = [f"s{i}" for i in range(len(records))]
    try:
        rows = canonical_rows(records, dataset="lhe", sources=sources)
    except DuplicateProcessError:  # names that normalise to one process
        return
    assert table_csv(rows) == _pandas_csv(records, sources)
    assert table_records(rows) == _pandas_json(records, sources)
    assert all(
        not (isinstance(v, float) and math.isnan(v))
        for r in table_records(rows)
        for v in r.values()
    )


def test_a_process_named_twice_is_refused_with_its_sources() -> None:
    records = [{"process": "p p > z", "n_final": 1, "lo_xsec_pb": 1.0}] * 2
    with pytest.raises(DuplicateProcessError, match=r"'p p > z' appears more than once \(a, b\)"):
        canonical_rows(records, dataset="lhe", sources=["a", "b"])
    with pytest.raises(DuplicateProcessError, match=r"\(a, b\)"):
        from_records(records, dataset="lhe", sources=["a", "b"])

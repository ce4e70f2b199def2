"""Bundled data: unchanged copies of ../shared/data, with provenance, loadable as tables."""

from __future__ import annotations

import filecmp

import pytest

from scaleuq.io.datasets import DATASETS, load_bundled, load_dataset

from .conftest import DATA, ROOT, SHARED


@pytest.mark.parametrize("name", list(DATASETS))
def test_package_data_identical_to_data_folder(name: str) -> None:
    ds = DATASETS[name]
    assert filecmp.cmp(ds.path, DATA / ds.filename, shallow=False)
    assert filecmp.cmp(ROOT / "scaleuq" / "data" / "README.md", DATA / "README.md", shallow=False)


@pytest.mark.parametrize("name", list(DATASETS))
def test_data_identical_to_shared(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present")
    assert filecmp.cmp(
        DATA / DATASETS[name].filename, SHARED / DATASETS[name].filename, shallow=False
    )


def test_bundled_pull_tables_have_19_processes() -> None:
    # 10 rows a.1-a.10 of arXiv:1405.0301 + 9 rows of arXiv:2210.15167 (data/README.md)
    table = load_bundled("pulls")
    assert len(table) == 19
    assert table["process"].is_unique


def test_reference_table() -> None:
    ref = load_dataset("ghosh2022_qcd_reference")
    assert len(ref) == 11
    assert (ref["lo_scale_dn_rel"] > 0).all()  # stored negative in the file, magnitude here
    assert ref["source"].iloc[0] == "ghosh2022_qcd_reference.csv:2"

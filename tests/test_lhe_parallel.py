"""LHE files in parallel: blocks on several threads (identical to one core), many files on
local processes or a Dask cluster (a failing file reported by name, the others kept)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import LHEError
from scaleuq.io.lhe import iter_blocks, read_lhe, summarize_lhe
from scaleuq.io.lhe.parallel import FileMap, map_files
from scaleuq.io.madgraph import ingest_lhe
from scaleuq.io.synthetic import write_synthetic_lhe


@pytest.fixture
def three(tmp_path):
    lo = write_synthetic_lhe(tmp_path / "lo.lhe.gz", 800, process="p p > z j", xsec_pb=10.0, seed=1)
    nlo = write_synthetic_lhe(
        tmp_path / "nlo.lhe", 600, process="p p > z j [QCD]", xsec_pb=13.0, seed=2
    )
    text = write_synthetic_lhe(
        tmp_path / "full.lhe", 300, process="p p > w+ j", seed=3
    ).read_bytes()
    bad = tmp_path / "bad.lhe"
    bad.write_bytes(text[: len(text) // 2])  # cut inside an event
    return lo, nlo, bad


@pytest.mark.parametrize("name", ["s.lhe", "s.lhe.gz"])
def test_blocks_on_threads_identical_to_one_core(tmp_path, name) -> None:
    path = write_synthetic_lhe(tmp_path / name, 4000, seed=7)
    one = read_lhe(path, particles=True, jobs=1)
    for jobs, block in ((2, 60_000), (4, 25_000), (None, 8 << 20)):
        many = read_lhe(path, particles=True, jobs=jobs, block_bytes=block)
        for field in ("info", "weights", "particles", "offsets"):
            np.testing.assert_array_equal(getattr(many, field), getattr(one, field))
    firsts = [b.first_event for b in iter_blocks(path, jobs=3, block_bytes=60_000)[1]]
    assert firsts[0] == 1 and len(firsts) > 3 and firsts == sorted(firsts)
    a = summarize_lhe(path, jobs=1)
    b = summarize_lhe(path, jobs=3, block_bytes=40_000)
    assert a.variation_xsec_pb == pytest.approx(b.variation_xsec_pb, rel=1e-12)


def test_threads_report_the_same_first_error(tmp_path) -> None:
    text = write_synthetic_lhe(tmp_path / "s.lhe", 3000, seed=8).read_text()
    pieces = text.split("<wgt id='1003'>")
    pieces[1500] = pieces[1500].replace(" ", " x", 1)  # a bad weight in event 1500
    bad = tmp_path / "bad.lhe"
    bad.write_text("<wgt id='1003'>".join(pieces)[:-5000])  # and cut short at the end
    messages = set()
    for jobs in (1, 2, 4):
        with pytest.raises(LHEError) as err:
            read_lhe(bad, jobs=jobs, block_bytes=30_000)
        messages.add(str(err.value))
    assert len(messages) == 1 and "event 1500 has a non-numeric <wgt> value" in messages.pop()


def test_map_files_keeps_the_others_when_one_fails(three) -> None:
    lo, nlo, bad = three
    for jobs in (1, 2):
        mapped = map_files(summarize_lhe, [lo, bad, nlo], jobs=jobs)
        assert isinstance(mapped, FileMap)
        assert mapped.paths == (str(lo), str(nlo))
        assert [s.n_events for s in mapped.results] == [800, 600]
        (failure,) = mapped.failures
        assert failure.path == str(bad) and failure.kind == "LHEError"
        assert "bad.lhe: event" in failure.error and "the last complete event is" in failure.error
    assert mapped.where == "2 threads"
    json.dumps(mapped.to_dict())
    with pytest.raises(LHEError, match=r"bad.lhe: event \d+ has no </event>"):
        map_files(summarize_lhe, [bad], jobs=2).raise_if_none()


def test_dask_local_cluster_gives_the_local_results(three) -> None:
    distributed = pytest.importorskip("distributed")
    lo, nlo, bad = three
    local = ingest_lhe([lo, nlo], jobs=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = ingest_lhe([lo, nlo, bad], scheduler=cluster.scheduler_address)
    assert remote.table.equals(local.table)
    assert [s.path for s in remote.skipped] == [str(bad)]
    assert "the last complete event is" in remote.skipped[0].reason


def test_cli_ingest_lhe_jobs(three, tmp_path) -> None:
    lo, nlo, bad = three
    runner = CliRunner()
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    r1 = runner.invoke(main, ["ingest", "lhe", str(lo), str(nlo), "--jobs", "1", "-o", str(one)])
    r2 = runner.invoke(main, ["ingest", "lhe", str(lo), str(nlo), "-j", "2", "-o", str(two)])
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    assert one.read_text() == two.read_text()
    out = tmp_path / "partial.csv"
    r3 = runner.invoke(
        main, ["ingest", "lhe", str(lo), str(bad), str(nlo), "-j", "2", "-o", str(out)]
    )
    assert r3.exit_code == 1
    assert "bad.lhe: event" in r3.output and "file left out of the table" in r3.output
    assert out.read_text() == one.read_text()  # the other files' row is kept
    r4 = runner.invoke(main, ["ingest", "lhe", str(bad), "-o", str(tmp_path / "none.csv")])
    assert r4.exit_code == 1 and not (tmp_path / "none.csv").exists()

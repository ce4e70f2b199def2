"""``scaleuq decorrelation from-lhe`` on many files of one process and order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.decorrelation.lhe_samples import sample_from_lhe, samples_from_lhe
from scaleuq.decorrelation.samples import load_sample
from scaleuq.errors import LHEError
from scaleuq.io.synthetic import write_synthetic_lhe


def _files(tmp_path: Path) -> list[Path]:
    return [
        write_synthetic_lhe(tmp_path / "a.lhe.gz", 300, xsec_pb=100.0, seed=1),
        write_synthetic_lhe(tmp_path / "b.lhe", 200, xsec_pb=50.0, seed=2),
    ]


def test_many_files_are_the_concatenation_of_each_file(tmp_path: Path) -> None:
    files = _files(tmp_path)
    res = samples_from_lhe(files, seed=4, jobs=2)
    parts = [sample_from_lhe(p, seed=(4, i)) for i, p in enumerate(files)]
    s = res.sample
    assert s is not None and not res.failures and res.where == "2 threads"
    np.testing.assert_array_equal(s.features, np.concatenate([p.features for p in parts]))
    np.testing.assert_array_equal(s.weights, np.concatenate([p.weights for p in parts]))
    np.testing.assert_array_equal(s.variations, np.concatenate([p.variations for p in parts]))
    n_gen = [p.meta["n_generated"] for p in parts]
    assert s.meta["n_generated"] == sum(n_gen) == 500
    assert s.meta["sources"] == [str(p) for p in files]
    sigmas = [p.meta["sigma_pb"] for p in parts]
    assert s.meta["sigma_pb"] == pytest.approx(np.average(sigmas, weights=n_gen))
    # same seed, same sample; one file is exactly the one-file function
    again = samples_from_lhe(files, seed=4, jobs=1).sample
    assert again is not None and np.array_equal(again.features, s.features)
    one = samples_from_lhe(files[:1], seed=4).sample
    assert one is not None
    np.testing.assert_array_equal(one.features, sample_from_lhe(files[0], seed=4).features)


def test_mixing_processes_or_orders_is_refused_naming_the_files(tmp_path: Path) -> None:
    a = write_synthetic_lhe(tmp_path / "z.lhe", 200, process="p p > z j j", seed=1)
    b = write_synthetic_lhe(tmp_path / "w.lhe", 200, process="p p > w+ j j", seed=2)
    with pytest.raises(LHEError, match=r"z\.lhe.*w\.lhe.*differ"):
        samples_from_lhe([a, b], jobs=1)
    c = write_synthetic_lhe(tmp_path / "znlo.lhe", 200, process="p p > z j j [QCD]", seed=3)
    with pytest.raises(LHEError, match=r"z\.lhe.*znlo\.lhe"):
        samples_from_lhe([a, c], jobs=1)


def test_cli_names_a_bad_file_keeps_the_others_and_keeps_the_old_form(tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    bad = tmp_path / "bad.lhe"
    bad.write_text("<LesHouchesEvents>\n<init>\nnot numbers\n</init>\n")
    out = tmp_path / "s.npz"
    runner = CliRunner()
    r = runner.invoke(
        main, ["decorrelation", "from-lhe", str(a), str(bad), str(b), "-o", str(out), "-j", "2"]
    )
    assert r.exit_code == 1, r.output
    assert "bad.lhe" in r.output and "1 of 3 files failed" in r.output
    merged = load_sample(out)
    assert merged.meta["sources"] == [str(a), str(b)]
    # the old positional form: LHE_FILE OUTPUT
    old = tmp_path / "old.npz"
    r = runner.invoke(main, ["decorrelation", "from-lhe", str(a), str(old)])
    assert r.exit_code == 0, r.output
    np.testing.assert_array_equal(load_sample(old).features, sample_from_lhe(a, seed=0).features)
    r = runner.invoke(main, ["decorrelation", "from-lhe", str(a), str(b)])  # b is no output
    assert r.exit_code == 1 and "-o OUT.npz" in r.output and b.stat().st_size > 0
    r = runner.invoke(main, ["decorrelation", "from-lhe", str(a), "-o", str(a)])
    assert r.exit_code != 0 and "is also an input" in r.output


def test_on_a_dask_local_cluster_with_two_workers(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    files = _files(tmp_path)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        res = samples_from_lhe(files, seed=4, scheduler=cluster.scheduler_address)
    local = samples_from_lhe(files, seed=4, jobs=1)
    assert res.where.startswith("Dask scheduler") and res.sample is not None
    assert local.sample is not None
    np.testing.assert_array_equal(res.sample.features, local.sample.features)
    np.testing.assert_array_equal(res.sample.weights, local.sample.weights)

"""``scaleuq reweight`` on many files: --output-dir, --jobs, --scheduler, failures by name."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.reweight import reweight, reweight_files

from .test_reweight import make_lhe, mg_file, toyset  # noqa: F401  (fixtures)

OPTS = dict(pdf="toyset", dyn=(-1, 3), mur=(1.0, 2.0), muf=(1.0, 2.0))


def test_reweight_files_equal_one_at_a_time_and_keep_the_others(
    tmp_path: Path,
    toyset: Path,  # noqa: F811
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    a = make_lhe(src / "a.lhe.gz", n=5, seed=1)
    b = make_lhe(src / "b.lhe", n=4, seed=2)
    bad = make_lhe(src / "bad.lhe", n=3, mgrwt=False)
    out = tmp_path / "out"
    out.mkdir()
    res = reweight_files([a, bad, b], out, jobs=2, pdf_path=toyset, **OPTS)
    assert [r.input for r in res.results] == [str(a), str(b)]
    assert [f.path for f in res.failures] == [str(bad)] and "bad.lhe" in res.failures[0].error
    assert res.where == "2 threads"
    assert not (out / "bad.lhe").exists()
    # same name, same compression, same content as the one-file form
    ref = tmp_path / "ref"
    ref.mkdir()
    for path, opener in ((a, gzip.open), (b, open)):
        single = reweight(path, ref / path.name, pdf_path=toyset, **OPTS)
        with opener(out / path.name, "rb") as got, opener(ref / path.name, "rb") as want:
            assert got.read() == want.read()
        many = next(r for r in res.results if r.input == str(path))
        assert [w.xsec_pb for w in many.weights] == [w.xsec_pb for w in single.weights]
    assert res.to_dict()["failures"][0]["path"] == str(bad)


def test_reweight_files_refuses_collisions_and_overwriting_an_input(
    tmp_path: Path,
    toyset: Path,  # noqa: F811
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = make_lhe(tmp_path / "x" / "ev.lhe", n=2)
    b = make_lhe(tmp_path / "y" / "ev.lhe", n=2)
    with pytest.raises(OptionError, match="same file name"):
        reweight_files([a, b], tmp_path, pdf_path=toyset, **OPTS)
    with pytest.raises(OptionError, match="would overwrite an input"):
        reweight_files([a], tmp_path / "x", pdf_path=toyset, **OPTS)
    with pytest.raises(OptionError, match="does not exist"):
        reweight_files([a], tmp_path / "nowhere", pdf_path=toyset, **OPTS)


def test_cli_many_files_names_the_failure_and_exits_1(
    tmp_path: Path,
    toyset: Path,  # noqa: F811
) -> None:
    a = make_lhe(tmp_path / "a.lhe", n=3, seed=3)
    bad = make_lhe(tmp_path / "bad.lhe", n=3, mgrwt=False)
    out = tmp_path / "out"
    out.mkdir()
    common = ["--pdf", "toyset", "--pdf-path", str(toyset), "--dyn", "-1", "--mur", "1,2"]
    runner = CliRunner()
    r = runner.invoke(main, ["reweight", str(a), str(bad), "-o", str(out / "x.lhe"), *common])
    assert r.exit_code != 0 and "--output-dir" in r.output
    r = runner.invoke(
        main, ["reweight", str(a), str(bad), "--output-dir", str(out), "--jobs", "2", *common]
    )
    assert r.exit_code == 1, r.output
    assert f"failed: {bad}" in r.output and "1 of 2 files failed" in r.output
    assert (out / "a.lhe").is_file() and not (out / "bad.lhe").exists()
    # the one-file form is unchanged
    r = runner.invoke(main, ["reweight", str(a), "-o", str(tmp_path / "one.lhe"), *common])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "one.lhe").read_bytes() == (out / "a.lhe").read_bytes()


def test_madgraph_file_twice_on_a_dask_cluster(tmp_path: Path, mg_file: Path) -> None:  # noqa: F811
    distributed = pytest.importorskip("distributed")
    inputs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        inputs.append(tmp_path / name / f"{name}.lhe.gz")
        shutil.copy(mg_file, inputs[-1])
    out = tmp_path / "out"
    out.mkdir()
    opts = dict(pdf="NNPDF23_lo_as_0130_qed", dyn=(-1,), mur=(0.5, 1.0), muf=(1.0,))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        res = reweight_files(inputs, out, scheduler=cluster.scheduler_address, **opts)
    assert not res.failures and res.where.startswith("Dask scheduler")
    one, two = res.results
    assert one.n_events == two.n_events > 0
    assert [w.xsec_pb for w in one.weights] == [w.xsec_pb for w in two.weights]
    assert gzip.decompress((out / "one.lhe.gz").read_bytes()) == gzip.decompress(
        (out / "two.lhe.gz").read_bytes()
    )

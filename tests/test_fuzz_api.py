"""The public Python API raises scaleuq's own exceptions for bad input, never a bare
ValueError/KeyError/TypeError from inside (issue 10, item 4), and the library's errors keep the
one-line messages the command line prints."""

from __future__ import annotations

import pytest

import scaleuq
from scaleuq.errors import ScaleUQError

from .conftest import DATA, write

TABLE = DATA / "madgraph2014_13tev_vjets.csv"


def bundled():
    return scaleuq.read_table(TABLE)


CASES = {
    "read_table directory": lambda tmp: scaleuq.read_table(tmp),
    "read_table missing": lambda tmp: scaleuq.read_table(tmp / "none.csv"),
    "read_table bad format": lambda tmp: scaleuq.read_table(TABLE, format="xml"),
    "read_tables empty": lambda tmp: scaleuq.read_tables([]),
    "read_table non-utf8": lambda tmp: scaleuq.read_table(_bytes(tmp / "t.csv", b"process,n_final\n\xff,1\n")),
    "read_table nan n_final": lambda tmp: scaleuq.read_table(write(tmp / "t.csv", "process,n_final\np p > z,nan0\n")),
    "pulls bad convention": lambda tmp: scaleuq.pulls(bundled(), convention="widest"),
    "pulls bad n_mode": lambda tmp: scaleuq.reference_correct(bundled(), n_mode="guess"),
    "reference missing file": lambda tmp: scaleuq.reference_correct(bundled(), reference=tmp / "none.csv"),
    "fit bad stage": lambda tmp: scaleuq.fit(bundled(), stage="during", n_bootstrap=5, n_gof=0),
    "fit unknown model": lambda tmp: scaleuq.fit(bundled(), models=("laplace",), n_bootstrap=5, n_gof=0),
    "fit negative seed": lambda tmp: scaleuq.fit(bundled(), seed=-1, n_bootstrap=5, n_gof=0),
    "read_lhe missing": lambda tmp: scaleuq.read_lhe(tmp / "none.lhe"),
    "read_lhe not lhe": lambda tmp: scaleuq.read_lhe(write(tmp / "x.lhe", "hello\n")),
    "read_lhe empty gzip": lambda tmp: scaleuq.read_lhe(_bytes(tmp / "x.lhe.gz", b"\x1f\x8b")),
    "read_hwu missing": lambda tmp: scaleuq.read_hwu(tmp / "none.HwU"),
    "read_hwu garbage": lambda tmp: scaleuq.read_hwu(write(tmp / "x.HwU", "<histogram> x\n")),
    "ingest_madgraph missing": lambda tmp: scaleuq.ingest_madgraph([tmp / "none"]),
    "load_dataset unknown": lambda tmp: scaleuq.load_dataset("no-such-dataset"),
}  # fmt: skip


def _bytes(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_scaleuq_errors(tmp_path, case: str) -> None:
    try:
        CASES[case](tmp_path)
    except ScaleUQError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 400, message
    else:
        pytest.fail(f"{case}: no error")

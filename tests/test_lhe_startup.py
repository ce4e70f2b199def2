"""What a whole ``scaleuq ingest lhe`` process does around the reading: a file that names no
process is refused before its events are read, and a finished command leaves without the
interpreter's teardown (outputs complete) only where that is safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.io.synthetic import write_synthetic_lhe

ROOT = Path(__file__).resolve().parents[1]

HEAD = """<LesHouchesEvents version="3.0">
<header>
<initrwgt>
<weightgroup name="scale" combine="envelope">
<weight id="a"> MUR=1 </weight>
<weight id="b"> MUR=2 </weight>
</weightgroup>
</initrwgt>
</header>
<init>
2212 2212 6.5e3 6.5e3 0 0 247000 247000 -4 1
1.0 0.1 1.0 1
</init>
"""

EVENT = """<event>
 2 1 +1.5e+00 9.1e+01 7.54677100e-03 1.1e-01
 21 -1 0 0 501 502 0.0 0.0 1.0e+02 1.0e+02 0.0 0.0 9.0
 21 1 1 1 501 502 0.0 0.0 1.0e+02 1.0e+02 0.0 0.0 -9.0
<rwgt>
<wgt id='a'> 1.0 </wgt>
<wgt id='b'> 2.0 </wgt>
</rwgt>
</event>
"""


def _scaleuq(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m scaleuq ARGS`` in a fresh process (this tree first on the path); ``-v``
    makes the interpreter report its teardown ("# cleanup ...") on stderr."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-v", "-m", "scaleuq", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip


def test_a_file_naming_no_process_is_refused_before_its_events_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # events that fail when read: a refusal after reading would name them, not the process
    path = tmp_path / "noproc.lhe"
    path.write_text(HEAD + EVENT * 3 + "<event>\n 2 1 not numbers")
    from scaleuq.io.lhe import reader

    def no_reading(self: object) -> object:
        raise AssertionError("the events were read")

    monkeypatch.setattr(reader.LHEStream, "blocks", no_reading)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["ingest", "lhe", str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert "cannot tell which process" in result.output and "--process" in result.output
    assert "Traceback" not in result.output and not out.exists()
    # with --process the same file is read, and its events fail with their own message
    monkeypatch.undo()
    result = CliRunner().invoke(main, ["ingest", "lhe", str(path), "--process", "p p > j j"])
    assert result.exit_code == 1 and "event 4" in result.output


def test_ingest_lhe_process_leaves_without_teardown_after_a_complete_output(
    tmp_path: Path,
) -> None:
    path = write_synthetic_lhe(tmp_path / "w9.lhe.gz", 200, seed=3)
    expected = CliRunner().invoke(main, ["ingest", "lhe", str(path)])
    assert expected.exit_code == 0
    table = expected.stdout
    done = _scaleuq("ingest", "lhe", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == table  # stdout flushed whole before the exit
    assert "# cleanup" not in done.stderr  # no teardown
    out = tmp_path / "t.csv"
    done = _scaleuq("ingest", "lhe", str(path), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0 and out.read_text() == table and f"wrote {out}" in done.stderr
    # a failure ends as usual: message, exit status 1, the interpreter's teardown
    bad = tmp_path / "noproc.lhe"
    bad.write_text(HEAD + EVENT + "</LesHouchesEvents>\n")
    done = _scaleuq("ingest", "lhe", str(bad), cwd=tmp_path)
    assert done.returncode == 1 and "cannot tell which process" in done.stderr
    assert "# cleanup" in done.stderr and done.stdout == ""


def test_leave_process_returns_where_it_is_not_the_command_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a test runner (or a program calling ``scaleuq.cli.main``) the process goes on."""
    from scaleuq.cli._common import leave_process

    leave_process(0)  # pytest's __main__ and captured stdout: returns
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    leave_process(0)  # still pytest's __main__: returns

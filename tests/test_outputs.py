"""Output paths: an output never overwrites an input, a directory, a link or a special file."""

from __future__ import annotations

import os
import socket
import stat

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import ScaleUQError
from scaleuq.io.synthetic import write_synthetic_lhe
from scaleuq.util.atomic import atomic_write_text
from scaleuq.util.paths import OutputPathError, check_output, declared_inputs

from .conftest import write

TABLE = "process,n_final,lo_xsec_pb,nlo_xsec_pb,lo_scale_up_pct,lo_scale_dn_pct\np p > z,1,10,12,10,-10\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def one_line_exit_1(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_ingest_lhe_onto_its_input_is_refused(runner, tmp_path) -> None:
    lhe = write_synthetic_lhe(tmp_path / "x.lhe", 300, seed=1)
    before = lhe.read_bytes()
    result = runner.invoke(main, ["ingest", "lhe", str(lhe), "-o", str(lhe)])
    one_line_exit_1(result, "is also an input")
    assert lhe.read_bytes() == before and leftovers(tmp_path) == []
    # the same file under another name: a hard link, or the path spelled differently
    twin = tmp_path / "twin.lhe"
    os.link(lhe, twin)
    result = runner.invoke(main, ["ingest", "lhe", str(lhe), "-o", str(twin)])
    one_line_exit_1(result, "is also an input")
    spelled = tmp_path / "sub" / ".." / "x.lhe"
    (tmp_path / "sub").mkdir()
    result = runner.invoke(main, ["ingest", "lhe", str(lhe), "-o", str(spelled)])
    one_line_exit_1(result, "is also an input")
    assert lhe.read_bytes() == before
    # a different output still works
    result = runner.invoke(main, ["ingest", "lhe", str(lhe), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 0 and (tmp_path / "x.csv").read_text().startswith("process")


@pytest.mark.parametrize("command", [["pulls"], ["reference-correct"]])
def test_table_command_onto_its_input_is_refused(runner, tmp_path, command) -> None:
    table = write(tmp_path / "t.csv", TABLE)
    result = runner.invoke(main, [*command, str(table), "--format", "csv", "-o", str(table)])
    one_line_exit_1(result, "is also an input")
    assert table.read_text() == TABLE and leftovers(tmp_path) == []


def test_reference_file_is_an_input_too(runner, tmp_path) -> None:
    table = write(tmp_path / "t.csv", TABLE)
    ref = write(
        tmp_path / "ref.csv",
        "process,n_final,lo_scale_up_pct,lo_scale_dn_pct\np p > j j,2,20,-20\n",
    )
    result = runner.invoke(
        main, ["reference-correct", str(table), "--reference", str(ref), "-o", str(ref)]
    )
    one_line_exit_1(result, "is also an input")
    assert ref.read_text().startswith("process,n_final,lo_scale_up_pct")


def test_fifo_output_is_refused(runner, tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = runner.invoke(main, ["pulls", "-o", str(fifo)])
    one_line_exit_1(result, "is a FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and leftovers(tmp_path) == []


def test_socket_output_is_refused(tmp_path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
        with pytest.raises(OutputPathError, match="is a socket"):
            atomic_write_text(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_device_output_is_refused(tmp_path, monkeypatch) -> None:
    """A device node, simulated (creating one needs root, and writing near a real one is the
    very damage under test): lstat reports a character device for this path."""
    path = tmp_path / "dev"
    real_lstat = os.lstat

    class Fake:
        st_mode = stat.S_IFCHR | 0o666

    monkeypatch.setattr(
        os, "lstat", lambda p, *a, **k: Fake() if str(p) == str(path) else real_lstat(p, *a, **k)
    )
    with pytest.raises(OutputPathError, match="is a device"):
        atomic_write_text(path, "x")
    assert not path.exists() and leftovers(tmp_path) == []


def test_symlink_output_is_refused(runner, tmp_path) -> None:
    target = write(tmp_path / "target.txt", "keep me\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = runner.invoke(main, ["pulls", "--format", "csv", "-o", str(link)])
    one_line_exit_1(result, "is a symbolic link", str(target.resolve()))
    assert link.is_symlink() and target.read_text() == "keep me\n"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputPathError, match="symbolic link"):
        atomic_write_text(dangling, "x")
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()


def test_directory_output_is_refused(runner, tmp_path) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    result = runner.invoke(main, ["pulls", "-o", str(directory)])
    one_line_exit_1(result, "is a directory")
    with pytest.raises(OutputPathError, match="is a directory"):
        atomic_write_text(directory, "x")
    assert directory.is_dir() and list(directory.iterdir()) == []


def test_library_check_and_declared_inputs(tmp_path) -> None:
    data = write(tmp_path / "in.csv", TABLE)
    assert issubclass(OutputPathError, ScaleUQError)
    with pytest.raises(OutputPathError, match="is also an input"):
        atomic_write_text(data, "x", inputs=[data])
    with declared_inputs([data]), pytest.raises(OutputPathError, match="is also an input"):
        atomic_write_text(data, "x")
    assert data.read_text() == TABLE
    # outside the block the declaration is gone; new and regular files are fine
    assert check_output(tmp_path / "new.csv", inputs=[data]) == tmp_path / "new.csv"
    atomic_write_text(data, "replaced")
    assert data.read_text() == "replaced"

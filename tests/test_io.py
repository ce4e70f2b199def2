"""Atomic writes: all or nothing."""

from __future__ import annotations

import os

import pytest

from scaleuq.util.atomic import atomic_open, atomic_write_text


def test_failure_leaves_old_file_untouched(tmp_path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_write_creates_parents_with_umask_mode(tmp_path) -> None:
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "x")
    assert target.read_text() == "x"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask

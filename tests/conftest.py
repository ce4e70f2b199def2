"""Shared fixtures: paths to the bundled data and to ../shared when present."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def shared_lhe() -> Path:
    path = SHARED / "lhe"
    if not path.is_dir():
        pytest.skip("../shared/data/lhe is not present")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

"""Property tests of the PDF readers: ``lhagrid1`` member files mutated at random, ``.info``
files with fields of random type and value, and grid-cache entries damaged at random.

* a grid: a clean ``PDFError`` naming the file, or a grid whose knots and values are finite
  and whose ``xfxq`` is finite (never uninitialised memory, never another exception);
* an ``.info``: a one-line ``PDFError`` naming the file, or checked fields from which alpha_s
  is either built and positive where it is asked, or refused with a ``PDFError``;
* a cache entry: whatever the damage, the values loaded equal the parsed ones, and the entry
  is whole again afterwards (validated and healed).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from scaleuq.errors import PDFError
from scaleuq.pdf import cache as grid_cache
from scaleuq.pdf import load_pdf, read_info, read_member
from scaleuq.pdf.alphas import from_info
from scaleuq.pdf.info import FIELDS
from tests._pdfgrid import ALPHAS_INFO, bilinear, write_grid, write_set

from ._fuzz import examples

SMALL_X = np.array([1e-4, 1e-3, 1e-2, 0.1, 0.5, 1.0])
SMALL_Q = [np.array([1.0, 10.0, 100.0, 1000.0])]
SMALL_PIDS = (-1, 21, 2)
TOKENS = ["nan", "inf", "-inf", "abc", "1e999", "0", "-1", "1e-320", "---", "", "21 21", "3.0e+00x"]


def _good_grid() -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = write_grid(Path(d) / "g_0000.dat", SMALL_X, SMALL_Q, pids=SMALL_PIDS)
        return path.read_text()


GOOD_GRID = _good_grid()


@st.composite
def mutated_grid(draw: st.DrawFn) -> str:
    lines = GOOD_GRID.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["token", "drop", "dup", "cut"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "token":
            words = lines[i].split() or [""]
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(TOKENS))
            lines[i] = " ".join(words)
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        else:
            text = "\n".join(lines)
            return text[: draw(st.integers(0, len(text)))]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@examples(2.0)
@given(text=mutated_grid())
def test_a_mutated_grid_is_refused_by_name_or_finite(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("grid") / "g_0000.dat"
    path.write_text(text)
    try:
        m = read_member(path)
    except PDFError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    assert np.isfinite(m.values).all() and np.isfinite(m.x).all()
    assert all(np.isfinite(s.q).all() and (np.diff(s.q) > 0).all() for s in m.subgrids)
    pdf = load_pdf(path)
    rng = np.random.default_rng(0)
    x = 10 ** rng.uniform(-6, 0, 50)
    q = 10 ** rng.uniform(-0.5, 4, 50)
    try:
        vals = pdf.xfxq(rng.choice(SMALL_PIDS, 50), x, q)
    except PDFError:
        return
    assert np.isfinite(vals).all()


def _value() -> st.SearchStrategy:
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["abc", "NLO", "0.118", "1e-3", "ipol", "ode", "analytic", "", "nan"]),
    )
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=2)
        ),
        max_leaves=8,
    )


@st.composite
def info_text(draw: st.DrawFn) -> str:
    base = yaml.safe_load(ALPHAS_INFO)
    keys = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=4, unique=True))
    for key in keys:
        base[key] = draw(_value())
    if draw(st.booleans()):
        n = draw(st.integers(0, 6))
        base["AlphaS_Type"] = "ipol"
        base["AlphaS_Qs"] = draw(st.lists(st.floats(-1, 1e4), min_size=n, max_size=n))
        base["AlphaS_Vals"] = draw(st.lists(st.floats(-0.1, 1.0), min_size=n, max_size=n))
    return yaml.safe_dump(base)


@examples(2.0)
@given(text=info_text())
def test_an_info_of_random_fields_is_checked_by_name(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("info") / "s.info"
    path.write_text(text)
    try:
        info = read_info(path)
        alphas = from_info(info, str(path))
    except PDFError as exc:
        assert str(exc).startswith(f"{path}:") and "\n" not in str(exc)
        return
    for key, (checker, _) in FIELDS.items():
        if key in info:
            assert checker(info[key])[1] == ""  # every checked field is in range
    q = np.array([1.5, 10.0, 91.1876, 500.0])
    try:
        a = alphas(q)
    except PDFError:
        return
    assert np.isfinite(a).all() and (a > 0).all()


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray, bytes]:
    cache_dir = tmp_path_factory.mktemp("cache")
    folder = tmp_path_factory.mktemp("sets")
    d = write_set(folder, "fz", 5, lambda k: lambda p, lx, lq: bilinear(p, lx, lq) + k, ALPHAS_INFO)
    old = time.time() - 60
    for f in d.iterdir():
        os.utime(f, (old, old))
    mp = pytest.MonkeyPatch()
    mp.setenv("SCALEUQ_CACHE_DIR", str(cache_dir))
    values = np.array(load_pdf("fz", members="all", pdf_path=folder)._values)
    mp.undo()
    (entry,) = list((cache_dir / "pdf-grids").iterdir())
    return folder, cache_dir, values, entry.read_bytes()


@examples(1.0)
@given(
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=4),
    tail=st.binary(max_size=16),
)
def test_a_damaged_cache_entry_never_changes_the_values(
    cached: tuple[Path, Path, np.ndarray, bytes],
    cut: int | None,
    flips: list[tuple[int, int]],
    tail: bytes,
) -> None:
    folder, cache_dir, values, good = cached
    data = bytearray(good)
    for pos, mask in flips:
        data[pos % len(data)] ^= mask
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    data += tail
    mp = pytest.MonkeyPatch()
    mp.setenv("SCALEUQ_CACHE_DIR", str(cache_dir))
    try:
        (entry,) = list((cache_dir / "pdf-grids").iterdir())
        entry.write_bytes(bytes(data))
        got = load_pdf("fz", members="all", pdf_path=folder)._values
        np.testing.assert_array_equal(got, values)
        # healed (or left whole): the next load reads the cache without parsing
        parsed: list[Path] = []
        real = grid_cache.read_member
        mp.setattr(grid_cache, "read_member", lambda p: parsed.append(p) or real(p))
        again = load_pdf("fz", members="all", pdf_path=folder)._values
        np.testing.assert_array_equal(again, values)
        assert not parsed
    finally:
        mp.undo()
        (entry,) = list((cache_dir / "pdf-grids").iterdir())
        entry.write_bytes(good)
    assert math.isfinite(float(values.sum()))

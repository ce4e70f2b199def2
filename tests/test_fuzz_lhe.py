"""Property tests of the LHE reader on a small synthetic file: cut at random offsets (plain and
gzipped, with small read blocks so that cuts fall on block boundaries too), split into several
gzip members, and mutated byte by byte.

"A clean LHEError, or the events of the unmutated file": a cut file may hand back the complete
events before the cut only together with a warning (its ``</LesHouchesEvents>`` is gone).
"""

from __future__ import annotations

import gzip
import itertools
import logging
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleuq.errors import LHEError, ScaleUQError
from scaleuq.io.lhe import read_lhe
from scaleuq.io.synthetic import write_synthetic_lhe

from ._fuzz import examples

N_EVENTS = 12
BLOCKS = st.sampled_from([64, 300, 1000, 8 << 20])  # bytes per read: cuts meet block edges


class Original:
    """A 12-event file with 9 scale weights and 4 particles per event: its bytes and arrays
    (a plain object, so that hypothesis does not print the whole file in a failure report)."""

    def __init__(self, directory: Path) -> None:
        path = write_synthetic_lhe(directory / "orig.lhe", N_EVENTS, n_particles=4, seed=3)
        self.text = path.read_bytes()
        self.arrays = read_lhe(path, particles=True)

    def __iter__(self):
        return iter((self.text, self.arrays))

    def __repr__(self) -> str:
        return f"<synthetic LHE file, {N_EVENTS} events, {len(self.text)} bytes>"


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Original:
    return Original(tmp_path_factory.mktemp("lhe"))


@contextmanager
def warnings_logged():
    """Collect WARNING records of scaleuq's loggers (caplog cannot be used under @given)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logger = logging.getLogger("scaleuq")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def assert_prefix(got, full) -> int:
    k = got.n_events
    assert k <= full.n_events
    np.testing.assert_array_equal(got.info, full.info[:k])
    np.testing.assert_array_equal(got.weights, full.weights[:k])
    np.testing.assert_array_equal(got.particles, full.particles[: int(full.offsets[k])])
    return k


def read_cut(tmp_path, data: bytes, block: int, gz: bool):
    path = tmp_path / ("cut.lhe.gz" if gz else "cut.lhe")
    path.write_bytes(gzip.compress(data) if gz else data)
    return read_lhe(path, particles=True, block_bytes=block)


@examples()
@given(cut_frac=st.floats(0, 1), block=BLOCKS, gz=st.booleans())
def test_a_cut_file_is_refused_or_a_prefix(tmp_path_factory, original, cut_frac, block, gz):
    """No cut event is lost silently and no number changes: an LHEError, or exactly the
    complete events before the cut (all of them when only trailing bytes were cut)."""
    text, full = original
    cut = int(cut_frac * len(text))
    data = text[:cut]
    try:
        got = read_cut(tmp_path_factory.mktemp("cut"), data, block, gz)
    except LHEError as exc:
        assert "\n" not in str(exc)
        return
    k = assert_prefix(got, full)
    assert k == data.count(b"</event>")
    if b"</LesHouchesEvents>" in data:
        assert k == full.n_events


@examples(0.5)
@given(cut_frac=st.floats(0, 1), block=BLOCKS, gz=st.booleans())
def test_a_cut_file_is_never_read_without_a_word(tmp_path_factory, original, cut_frac, block, gz):
    text, _ = original
    cut = int(cut_frac * len(text))
    data = text[:cut]
    with warnings_logged() as warned:
        try:
            got = read_cut(tmp_path_factory.mktemp("cutw"), data, block, gz)
        except LHEError:
            return
    if b"</LesHouchesEvents>" not in data:
        assert warned, f"cut at byte {cut} of {len(text)}: {got.n_events} events, no warning"


@examples()
@given(cut_frac=st.floats(0, 1), block=BLOCKS)
def test_a_cut_gzip_stream_is_refused(tmp_path_factory, original, cut_frac, block):
    text, full = original
    packed = gzip.compress(text)
    cut = int(cut_frac * len(packed))
    path = tmp_path_factory.mktemp("gz") / "cut.lhe.gz"
    path.write_bytes(packed[:cut])
    if cut == len(packed):
        assert_prefix(read_lhe(path, particles=True, block_bytes=block), full)
        return
    with pytest.raises(LHEError):
        read_lhe(path, particles=True, block_bytes=block)


@examples()
@given(splits=st.lists(st.floats(0, 1), min_size=1, max_size=3), block=BLOCKS)
def test_multi_member_gzip_reads_exactly_the_events(tmp_path_factory, original, splits, block):
    text, full = original
    edges = sorted({0, len(text), *(int(f * len(text)) for f in splits)})
    members = b"".join(gzip.compress(text[a:b]) for a, b in itertools.pairwise(edges))
    path = tmp_path_factory.mktemp("mm") / "multi.lhe.gz"
    path.write_bytes(members)
    got = read_lhe(path, particles=True, block_bytes=block)
    assert got.n_events == full.n_events
    assert_prefix(got, full)


@examples(0.5)
@given(
    attr=st.sampled_from(["MUR", "MUF", "PDF"]),
    value=st.sampled_from(["abc", "", "1..0", "nan", "inf", "1e999", "0x1", "two", "-", "1,0"]),
    which=st.integers(0, 8),
)
def test_non_numeric_weight_attributes_are_lhe_errors(
    tmp_path_factory, original, attr, value, which
):
    text, _ = original
    pattern = re.compile(rb'(<weight id="\d+"[^>]*? ' + attr.encode() + rb'=")([^"]*)(")')
    matches = list(pattern.finditer(text))
    m = matches[which % len(matches)]
    data = text[: m.start(2)] + value.encode() + text[m.end(2) :]
    path = tmp_path_factory.mktemp("attr") / "attr.lhe"
    path.write_bytes(data)
    with pytest.raises(LHEError):  # every value above is not a finite number
        read_lhe(path)


GARBAGE = st.sampled_from(
    [b"", b"<", b">", b"</event>", b"<event>", b"\x00", b"\xff", b"nan", b"1e999", b" ", b"\n",
     b"-", b"<rwgt>", b"</rwgt>", b"<wgt id='1001'>", b"</init>", b"<init>", b"9" * 30, b"D+01"]
)  # fmt: skip


@examples(2)
@given(data=st.data(), block=BLOCKS, gz=st.booleans())
def test_random_mutations_never_crash(tmp_path_factory, original, data, block, gz):
    """Any byte mutation: an LHEError (one line) or arrays; never another exception."""
    text, _ = original
    for _ in range(data.draw(st.integers(1, 3), label="n")):
        at = data.draw(st.integers(0, len(text)), label="at")
        piece = data.draw(GARBAGE, label="piece")
        span = data.draw(st.integers(0, 40), label="span")
        text = text[:at] + piece + text[at + span :]
    tmp = tmp_path_factory.mktemp("mut")
    try:
        got = read_cut(tmp, text, block, gz)
    except ScaleUQError as exc:
        assert "\n" not in str(exc)
        return
    assert np.isfinite(got.weights).all() or got.n_events == 0


def test_an_attribute_with_a_newline_gives_a_one_line_error(tmp_path, original) -> None:
    text, _ = original
    at = text.index(b'MUR="') + len(b'MUR="') + 1
    path = tmp_path / "nl.lhe"
    path.write_bytes(text[:at] + b"\n" + text[at:])
    with pytest.raises(LHEError) as info:
        read_lhe(path)
    assert "\n" not in str(info.value)

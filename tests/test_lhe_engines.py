"""The two paths of the one event parser give the same arrays bit for bit.

Small files are parsed in Python (no numba at start-up), big ones by the compiled kernel; a
block the Python path cannot vouch for goes to the kernel. Checked on the real files of
``../shared/data/lhe`` and ``../shared/data/madgraph`` (skipped when absent) and on synthetic
layouts; a fresh process reading a small file must not import numba.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scaleuq.errors import LHEError
from scaleuq.io.lhe import read_lhe
from scaleuq.io.lhe.header import parse_header
from scaleuq.io.lhe.reader import LHEStream, choose_engine, is_gzip, parse_block

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL = sorted(
    [*SHARED.glob("lhe/*.lhe"), *SHARED.glob("lhe/*.lhe.gz"), *SHARED.glob("madgraph/**/*.lhe*")]
)


def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Equal bit for bit (NaN payloads and signed zeros included)."""
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


@pytest.mark.shared
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_python_and_kernel_paths_agree_on_real_files(path: Path) -> None:
    if not path.is_file():
        pytest.skip("../shared is not present")
    for particles in (False, True):
        py = read_lhe(path, particles=particles, engine="python", jobs=1)
        kn = read_lhe(path, particles=particles, engine="kernel", jobs=1)
        assert py.n_events == kn.n_events > 0
        assert same(py.info, kn.info)
        assert same(py.weights, kn.weights)
        assert same(py.particles, kn.particles)


def test_real_files_were_found() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    assert len(REAL) >= 5  # 4 in lhe/, 3 in madgraph/ when this test was written


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
<wgt id='a'> {a} </wgt>
<wgt id='b'> {b} </wgt>
</rwgt>
</event>
"""


def _file(tmp_path: Path, events: list[str], name: str = "x.lhe") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "".join(events) + "</LesHouchesEvents>\n")
    return path


@pytest.mark.parametrize(
    "values",
    [
        ("1.0", "2.0"),
        ("0.1", "-0.0"),
        ("1.2345678901234567890123e-5", "7e-300"),  # beyond the kernel's fast path
        ("nan", "-inf"),
        ("1.0D+00", "2.5d-1"),  # Fortran exponents: the Python path hands them to the kernel
        ("1_0", "2"),  # float() would read 10; both paths refuse it
    ],
)
def test_synthetic_layouts_agree(tmp_path: Path, values: tuple[str, str]) -> None:
    a, b = values
    path = _file(tmp_path, [EVENT.format(a=a, b=b), EVENT.format(a=b, b=a)])
    results = []
    for engine in ("python", "kernel"):
        try:
            results.append(read_lhe(path, particles=True, engine=engine, jobs=1))
        except LHEError as exc:
            results.append(str(exc))
    py, kn = results
    if isinstance(kn, str):
        assert py == kn and "non-numeric" in kn
        return
    assert same(py.info, kn.info) and same(py.weights, kn.weights)
    assert same(py.particles, kn.particles)


def test_unusual_layouts_fall_back_to_the_kernel(tmp_path: Path) -> None:
    swapped = EVENT.replace("<wgt id='a'>", "<wgt name='x' id='a'>")  # another attribute first
    comment = EVENT.replace(" 21 1 1 1", "# a comment\n 21 1 1 1")
    crlf = EVENT.replace("\n", "\r\n")
    path = _file(
        tmp_path, [swapped.format(a=1, b=2), comment.format(a=3, b=4), crlf.format(a=5, b=6)]
    )
    py = read_lhe(path, particles=True, engine="python")
    kn = read_lhe(path, particles=True, engine="kernel")
    assert same(py.weights, kn.weights) and same(py.particles, kn.particles)
    np.testing.assert_array_equal(py.weights, [[1, 2], [3, 4], [5, 6]])
    # errors come from the kernel, with its messages, on either path
    dup = EVENT.replace("<wgt id='b'>", "<wgt id='a'>")
    bad = _file(tmp_path, [EVENT.format(a=1, b=2), dup.format(a=1, b=2)], "bad.lhe")
    for engine in ("python", "kernel"):
        with pytest.raises(LHEError, match=r"event 2 repeats a <wgt> id \('a'\)"):
            read_lhe(bad, engine=engine)


def test_engine_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _file(tmp_path, [EVENT.format(a=1, b=2)])
    assert choose_engine(path, "kernel") == "kernel"
    monkeypatch.setenv("SCALEUQ_LHE_ENGINE", "python")
    assert choose_engine(path) == "python"
    monkeypatch.setenv("SCALEUQ_LHE_ENGINE", "fast")
    with pytest.raises(LHEError, match="unknown LHE engine 'fast'"):
        choose_engine(path)


def test_one_stream_gives_the_file_back_and_one_gzip_check(tmp_path: Path) -> None:
    noise = np.random.default_rng(7).random(200)  # digits that do not compress away
    path = _file(tmp_path, [EVENT.format(a=i, b=repr(float(x))) for i, x in enumerate(noise)])
    data = path.read_bytes()
    gz = tmp_path / "x.lhe.gz"
    gz.write_bytes(gzip.compress(data[:1000]) + gzip.compress(data[1000:]))
    assert is_gzip(gz) and not is_gzip(path) and is_gzip(gz.read_bytes()[:2])
    with LHEStream(gz, block_bytes=2000) as stream:
        blocks = list(stream.blocks())
        assert len(blocks) > 3
        assert [b[3] for b in blocks] == list(np.cumsum([0] + [b[2] for b in blocks[:-1]]) + 1)
        body = b"".join(text[:cut] for text, cut, _, _ in blocks)
        assert stream.header + body + stream.rest == data
        header = parse_header(stream.header, gz)
        text, cut, n, first = blocks[1]
        for engine in ("python", "kernel"):
            block = parse_block(text, cut, n, first, header, gz, engine=engine)
            assert block.first_event == first and len(block.info) == n
            np.testing.assert_array_equal(block.weights[:, 0], np.arange(first - 1, first - 1 + n))


def test_a_small_file_does_not_import_numba(tmp_path: Path) -> None:
    path = _file(tmp_path, [EVENT.format(a=i, b=2 * i) for i in range(10)])
    code = (
        "import sys; from scaleuq.io.lhe import read_lhe, summarize_lhe; "
        f"read_lhe({str(path)!r}, particles=True); summarize_lhe({str(path)!r}); "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_one_gzip_reader_and_writer(tmp_path: Path) -> None:
    from scaleuq.io.lhe.reader import gzip_writer, open_decompressed

    data = b"".join(b"line %d\n" % i for i in range(20000))
    gz = tmp_path / "a.gz"
    gz.write_bytes(gzip.compress(data[:5000]) + b"\0\0" + gzip.compress(data[5000:]))
    with open_decompressed(gz) as handle:
        assert handle.read(10) + handle.read() == data and handle.read(5) == b""
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(data)[:-20])
    with pytest.raises(EOFError), open_decompressed(cut) as handle:
        handle.read()
    for threads in (0, 1, 2):
        out = tmp_path / f"w{threads}.gz"
        with out.open("wb") as raw:
            writer = gzip_writer(raw, level=1, threads=threads)
            writer.write(data)
            writer.close()
        assert gzip.decompress(out.read_bytes()) == data
    assert (tmp_path / "w0.gz").read_bytes()[4:8] == b"\0\0\0\0"  # mtime 0: reproducible


def test_one_header_limit_for_every_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scaleuq.io.lhe import reader
    from scaleuq.reweight.stream import EventStream

    monkeypatch.setattr(reader, "HEADER_LIMIT", 2**20)
    path = tmp_path / "big_header.lhe"
    path.write_text(HEAD.replace("<header>", "<header>\n<!--" + "x" * (9 * 2**20) + "-->"))
    for call in (reader.read_header, EventStream, lambda p: read_lhe(p)):
        with pytest.raises(LHEError, match=r"no </init> in the first 1 MB"):
            call(path)


def _blocks(path: Path) -> tuple[object, list[tuple[bytes, int, int, int]]]:
    with LHEStream(path) as stream:
        header = parse_header(stream.header, path)
        return header, list(stream.blocks())


@pytest.mark.shared
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_block_path_agrees_with_the_kernel_on_real_files(path: Path) -> None:
    """The whole-block pass (the common layout, no loop over events) gives the kernel's arrays
    bit for bit wherever it vouches for a block."""
    from scaleuq.io.lhe.reader import _parse_python_block

    if not path.is_file():
        pytest.skip("../shared is not present")
    header, blocks = _blocks(path)
    table = {w.id.encode(): j for j, w in enumerate(header.weights)}
    taken = 0
    for text, cut, n, first in blocks:
        for weights in (True, False):
            k = len(header.weights) if weights else 0
            fast = _parse_python_block(text[:cut], n, table if weights else {}, k, weights)
            kn = parse_block(text, cut, n, first, header, path, weights=weights, engine="kernel")
            if fast is not None:
                taken += 1
                assert same(fast.info, kn.info) and same(fast.weights, kn.weights)
                # read in place (up to cut, without a copy): the same arrays
                whole = _parse_python_block(text, n, table if weights else {}, k, weights, cut)
                assert whole is not None and same(whole.info, kn.info)
                assert same(whole.weights, kn.weights)
    if "3.5.8" in path.name:  # MadGraph's own layout: the block pass must take it
        assert taken == 2 * len(blocks)


def _parse_both(path: Path) -> list[object]:
    results: list[object] = []
    for engine in ("python", "kernel"):
        try:
            block = read_lhe(path, engine=engine, jobs=1)
            results.append((block.info.tobytes(), block.weights.tobytes(), block.weights.shape))
        except LHEError as exc:
            results.append(str(exc))
    return results


ENTRY = "<wgt id='{i}'> {v} </wgt>\n"


@pytest.mark.parametrize(
    "second",
    [
        # entries shifted between two events: a, b, a then b (the id sequence still repeats)
        EVENT.replace(
            "<wgt id='b'> {b} </wgt>\n", "<wgt id='b'> {b} </wgt>\n<wgt id='a'> 5 </wgt>\n"
        ),
        EVENT.replace("<rwgt>\n", "").replace("</rwgt>\n", ""),  # <wgt> outside <rwgt>
        EVENT.replace("</rwgt>", "text</rwgt>"),  # something else in the block
        EVENT.replace("<rwgt>\n<wgt id='a'> {a} </wgt>\n<wgt id='b'> {b} </wgt>\n</rwgt>\n", ""),
        EVENT.replace("</rwgt>\n", "</rwgt>\n<rwgt>\n<wgt id='c'> 1 </wgt>\n</rwgt>\n"),
        EVENT.replace(
            "<wgt id='a'> {a} </wgt>\n<wgt id='b'> {b} </wgt>\n",
            "<wgt id='b'> {b} </wgt>\n<wgt id='a'> {a} </wgt>\n",
        ),  # another order
        EVENT.replace("<wgt id='a'>", "<wgt id = 'a'>"),  # spaces the regex allows
        EVENT.replace("<wgt id='a'> {a} </wgt>", "<wgt id='a'>{a}</wgt>"),
        EVENT.replace("</event>", "<event>\n</event>"),  # a nested tag
        EVENT.replace(" 2 1 +1.5e+00", " 2 1 +1.5e+00 7"),  # 7 fields in the info line
        EVENT.replace("<wgt id='b'> {b} </wgt>", "<wgt id='zz'> {b} </wgt>"),  # undeclared id
        EVENT.replace("{a}", "1.0D+00"),
        EVENT.replace("{a}", "1_0"),
        EVENT.replace("{a}", "<1"),
        # layouts the one-split block pass takes (or hands on): tags beside the <rwgt> block,
        # blank lines and tabs before the info line, attributes, entries without a space
        EVENT.replace("<rwgt>", "<mgrwt>\n<rscale> 2 0.9E+02</rscale>\n</mgrwt>\n<rwgt>"),
        EVENT.replace("</rwgt>\n", "</rwgt>\n<scales pt_clust_1='1.0'/>\n"),
        EVENT.replace(" 2 1 +1.5e+00", "\n\t2\t1 +1.5e+00"),
        EVENT.replace("<event>", "<event npLO=' 1 ' npNLO='-1'>"),
        EVENT.replace("</wgt>\n<wgt id='b'>", "</wgt><wgt id='b'>"),
        EVENT.replace("<wgt id='a'>", '<wgt id="a">'),  # another quote than the first event's
        EVENT + "</rwgt>\n",  # a mark between events
        EVENT + "text between events\n",
        EVENT.replace("{a}", "1e400"),  # float() and the kernel: inf
        EVENT.replace("{a}", "0x10"),
    ],
)
def test_block_path_declines_what_the_event_loop_decides(tmp_path: Path, second: str) -> None:
    """Each layout is either taken by the block pass with the kernel's arrays or handed to the
    per-event loop (and from there to the kernel): both engines end with the same arrays, or
    the same message."""
    from scaleuq.io.lhe.reader import _parse_python_block

    events = [EVENT.format(a=1.5, b=2.5), second.format(a=3.5, b=4.5), EVENT.format(a=5, b=6)]
    path = _file(tmp_path, events)
    py, kn = _parse_both(path)
    assert py == kn
    header, blocks = _blocks(path)
    table = {w.id.encode(): j for j, w in enumerate(header.weights)}
    ((text, cut, n, _),) = blocks
    fast = _parse_python_block(text[:cut], n, table, len(table), True)
    if fast is not None:
        assert isinstance(kn, tuple) and fast.weights.tobytes() == kn[1]


def test_block_path_takes_the_common_layout(tmp_path: Path) -> None:
    from scaleuq.io.lhe.reader import _parse_python_block

    path = _file(tmp_path, [EVENT.format(a=i + 0.5, b=-i) for i in range(50)])
    header, ((text, cut, n, _),) = _blocks(path)
    table = {w.id.encode(): j for j, w in enumerate(header.weights)}
    fast = _parse_python_block(text[:cut], n, table, 2, True)
    assert fast is not None
    np.testing.assert_array_equal(fast.weights, [[i + 0.5, -i] for i in range(50)])
    assert _parse_python_block(text[:cut], n - 1, table, 2, True) is None  # a count that lies
    # MadGraph's <mgrwt> block before <rwgt>, in every event: still the block pass
    mg = EVENT.replace("<rwgt>", "<mgrwt>\n<rscale> 2 0.9E+02</rscale>\n</mgrwt>\n<rwgt>")
    path = _file(tmp_path, [mg.format(a=i + 0.5, b=-i) for i in range(50)], "mg.lhe")
    header, ((text, cut, n, _),) = _blocks(path)
    fast = _parse_python_block(text, n, table, 2, True, cut)
    assert fast is not None
    kn = parse_block(text, cut, n, 1, header, path, engine="kernel")
    assert same(fast.info, kn.info) and same(fast.weights, kn.weights)


def test_engine_threshold_depends_on_the_declared_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaleuq.io.lhe import reader

    path = _file(tmp_path, [EVENT.format(a=1, b=2)])
    size = path.stat().st_size
    monkeypatch.setattr(reader, "SMALL_BYTES", size)  # this file is "big" ...
    monkeypatch.setattr(reader, "SMALL_BYTES_FEW", size + 1)  # ... unless its weights are few
    if reader._KERNEL_READY.is_set():
        monkeypatch.setattr(reader, "_KERNEL_READY", __import__("threading").Event())
    assert choose_engine(path) == "kernel"
    assert choose_engine(path, weights=reader.FEW_WEIGHTS) == "python"
    assert choose_engine(path, weights=reader.FEW_WEIGHTS + 1) == "kernel"


@pytest.mark.parametrize("sizes", [(1, 9), (7, 8), (3, 40), (200, 900)])
def test_event_counts_from_the_reader_thread_cross_any_piece_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, int]
) -> None:
    """``</event>`` is counted piece by piece in the reader thread plus across the joins;
    pieces cut anywhere (inside the tag, shorter than it) give the counts of the joined text."""
    from scaleuq.io.lhe import reader

    path = _file(tmp_path, [EVENT.format(a=i, b=-i) for i in range(300)])
    rng = np.random.default_rng(sizes[0])
    original = reader._Source.piece

    def small_pieces(self: object) -> bytes:
        buf = getattr(self, "_test_buf", b"")
        if not buf:
            buf = original(self)
            if not buf:
                return b""
        cut = int(rng.integers(sizes[0], sizes[1] + 1))
        self._test_buf = buf[cut:]  # type: ignore[attr-defined]
        return buf[:cut]

    monkeypatch.setattr(reader._Source, "piece", small_pieces)
    with LHEStream(path, block_bytes=1500) as stream:
        blocks = list(stream.blocks())
    assert len(blocks) > 20
    for text, cut, n, _ in blocks:
        assert n == text[:cut].count(b"</event>")
    assert sum(b[2] for b in blocks) == 300
    assert read_lhe(path, engine="kernel").n_events == 300

"""LHE reader: weight naming conventions, id mapping, variations, streaming, bad input."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest

from scaleuq.errors import LHEError
from scaleuq.io.lhe import decode_weight, read_header, read_lhe, summarize_lhe
from scaleuq.io.synthetic import write_synthetic_lhe

from .conftest import write

HEADER = """<LesHouchesEvents version="3.0">
<header>
<MG5ProcCard>
generate p p > z j
</MG5ProcCard>
{initrwgt}
</header>
<init>
2212 2212 6.5e+03 6.5e+03 0 0 247000 247000 -4 1
{xsec} 0.5 {xsec} 1
</init>
"""
EVENT = """<event>
 3 1 {w} 9.1e+01 7.5e-03 1.18e-01
 21 -1 0 0 501 502 0 0 100 100 0 0 9
 2 -1 0 0 502 0 0 0 -50 50 0 0 9
 23 1 1 2 0 0 0 0 50 150 91 0 9
<rwgt>
{wgts}
</rwgt>
</event>
"""


def lhe_text(
    weights: dict[str, str],
    events: list[dict[str, float]],
    xsec: float = 10.0,
    repeat_initrwgt: str | None = None,
) -> str:
    decl = "\n".join(f'<weight id="{i}" {a}>{t}</weight>' for i, (a, t) in weights.items())
    initrwgt = f'<initrwgt>\n<weightgroup name="scale" combine="envelope">\n{decl}\n</weightgroup>\n</initrwgt>'
    if repeat_initrwgt is not None:
        initrwgt += "\n" + repeat_initrwgt
    body = "".join(
        EVENT.format(
            w=ev.pop("_w", 1.0),
            wgts="\n".join(f"<wgt id='{k}'> {v:+.6e} </wgt>" for k, v in ev.items()),
        )
        for ev in events
    )
    return HEADER.format(initrwgt=initrwgt, xsec=xsec) + body + "</LesHouchesEvents>\n"


SCALE9 = {
    f"w{j}": (f'MUR="{r}" MUF="{f}"', "")
    for j, (r, f) in enumerate((r, f) for r in (2.0, 1.0, 0.5) for f in (0.5, 2.0, 1.0))
}


@pytest.mark.parametrize(
    "wid, attrs, text, expected",
    [
        (
            "1",
            {"MUR": "0.5", "MUF": "2.0", "PDF": "247000"},
            " MUR=0.5 MUF=2.0 ",
            (0.5, 2.0, None, 247000),
        ),
        (
            "6",
            {"MUR": "0.5", "MUF": "1.0", "DYN_SCALE": "3"},
            " MUR=0.5 dyn_scale_choice=HT/2",
            (0.5, 1.0, 3, None),
        ),
        ("1002", {}, " muR=0.10000E+01 muF=0.20000E+01 ", (1.0, 2.0, None, None)),
        ("1002", {}, " muR=0.10000D+01 muF=0.50000D+00 ", (1.0, 0.5, None, None)),
        ("MUR=0.5__MUF=2", {}, "", (0.5, 2.0, None, None)),
        ("x", {}, "MUR=2.0", (2.0, 1.0, None, None)),
        ("2001", {}, " pdfset=  260001 ", (None, None, None, 260001)),
        ("46", {"PDF": "247001"}, "", (None, None, None, 247001)),
    ],
)
def test_decode_every_naming(wid, attrs, text, expected) -> None:
    w = decode_weight(wid, attrs, text, None)
    assert (w.k_r, w.k_f, w.dyn_scale, w.pdf) == expected


def test_ids_are_mapped_by_name_not_position(tmp_path) -> None:
    # the events list the weights in another order than the header: values follow the ids
    weights = {"a": ('MUR="2.0" MUF="2.0"', ""), "b": ('MUR="0.5" MUF="0.5"', "")}
    events = [{"b": 3.0, "a": 1.0}, {"a": 2.0, "b": 4.0}]
    arr = read_lhe(write(tmp_path / "x.lhe", lhe_text(weights, events)))
    assert arr.weights.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_variations_and_envelopes(tmp_path) -> None:
    rng = np.random.default_rng(0)
    events = []
    for _ in range(50):
        ev = {k: float(rng.uniform(0.5, 1.5)) for k in SCALE9}
        ev["_w"] = ev["w8"]  # (1,1) point is w8: MUR=1 MUF=1 (r=1.0, f=1.0)
        events.append(ev)
    path = write(tmp_path / "v.lhe", lhe_text(SCALE9, [dict(e) for e in events], xsec=10.0))
    s = summarize_lhe(path)
    assert s.nominal == "w5"  # (1.0, 1.0) is the sixth entry of the header
    sums = {k: sum(e[k] for e in events) for k in SCALE9}
    for k, (_attrs, _) in SCALE9.items():
        assert s.variation_xsec_pb[k] == pytest.approx(10.0 * sums[k] / sums["w5"])
    ratios = {
        tuple(float(v) for v in re.findall(r'"([\d.]+)"', a)): 10.0 * sums[k] / sums["w5"] / 10.0
        - 1
        for k, (a, _) in SCALE9.items()
    }
    nine = s.envelopes["9-point"]
    assert nine.complete and len(nine.points_used) == 9
    assert nine.up_rel == pytest.approx(max(0.0, max(ratios.values())))
    seven = [v for p, v in ratios.items() if set(p) != {0.5, 2.0}]
    assert s.envelopes["7-point"].down_rel == pytest.approx(min(0.0, min(seven)))
    three = [ratios[(0.5, 0.5)], 0.0, ratios[(2.0, 2.0)]]
    assert s.envelopes["3-point"].up_rel == pytest.approx(max(three))
    assert s.envelopes["3-point"].points_used == ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0))


def test_no_explicit_central_weight_uses_event_weight(tmp_path) -> None:
    weights = {"1": ('MUR="2.0" MUF="2.0"', ""), "2": ('MUR="0.5" MUF="0.5"', "")}
    events = [{"_w": 2.0, "1": 1.0, "2": 3.0}, {"_w": 2.0, "1": 1.5, "2": 2.5}]
    s = summarize_lhe(write(tmp_path / "n.lhe", lhe_text(weights, events, xsec=4.0)))
    assert s.nominal == "event weight"
    assert s.variation_xsec_pb["1"] == pytest.approx(4.0 * 2.5 / 4.0)
    env = s.envelopes["3-point"]
    assert env.points_used == ((0.5, 0.5), (1.0, 1.0), (2.0, 2.0)) and env.complete
    assert s.envelopes["9-point"].points_missing  # the file has only three points


def test_blocks_plain_and_gzip_agree(tmp_path) -> None:
    plain = write_synthetic_lhe(tmp_path / "s.lhe", 3000, seed=4)
    gz = write_synthetic_lhe(tmp_path / "s.lhe.gz", 3000, seed=4)
    a = read_lhe(plain, particles=True)
    b = read_lhe(gz, particles=True, block_bytes=50_000)  # many small blocks
    assert a.n_events == b.n_events == 3000
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.particles, b.particles)
    assert a.particles.shape == (3000 * 6, 13)
    assert a.offsets[-1] == 18000
    # independent check of one event against a plain-text parse of the file
    text = plain.read_text()
    ev = text.split("<event>")[1234 + 1]
    lines = ev.strip().splitlines()
    assert a.info[1234].tolist() == pytest.approx([float(v) for v in lines[0].split()])
    assert a.particles[1234 * 6].tolist() == pytest.approx([float(v) for v in lines[1].split()])
    ids = [w.id for w in a.header.weights]
    for wid, value in re.findall(r"<wgt id='(\d+)'> (\S+) </wgt>", ev):
        assert a.weights[1234, ids.index(wid)] == pytest.approx(float(value))


def test_synthetic_summary_matches_arrays(tmp_path) -> None:
    path = write_synthetic_lhe(tmp_path / "s.lhe.gz", 2000, seed=2, xsec_pb=50.0)
    arr = read_lhe(path)
    s = summarize_lhe(path, block_bytes=100_000)
    i0 = [w.id for w in arr.header.weights].index(s.nominal)
    for j, w in enumerate(arr.header.weights):
        assert s.variation_xsec_pb[w.id] == pytest.approx(
            50.0 * arr.weights[:, j].sum() / arr.weights[:, i0].sum()
        )


# --- bad input ---------------------------------------------------------------------------


def _simple(tmp_path, body_edit=None, header_extra=None, name="b.lhe"):
    weights = {"1": ('MUR="2.0" MUF="2.0"', ""), "2": ('MUR="0.5" MUF="0.5"', "")}
    text = lhe_text(weights, [{"1": 1.0, "2": 2.0} for _ in range(5)], repeat_initrwgt=header_extra)
    if body_edit:
        text = body_edit(text)
    return write(tmp_path / name, text)


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (
            lambda t: t.replace("</event>", "", 1),
            r"b.lhe: event 1 has no </event> before the next <event>",
        ),
        (
            lambda t: t.rsplit("</event>", 1)[0],
            r"b.lhe: event 5 has no </event>: the file is truncated",
        ),
        (
            lambda t: t.replace("<wgt id='2'>", "<wgt id='7'>", 3),
            r"b.lhe: event 1 has <wgt id='7'>, which the header's <initrwgt> does not declare",
        ),
        (lambda t: t.replace("+2.000000e+00", "abc", 1), r"b.lhe: .*non-numeric.*<wgt>"),
        (lambda t: t.replace("<init>", "<nit>"), r"b.lhe: the header has no </init>|no <init>"),
        (lambda t: t.replace("<LesHouchesEvents", "<Other"), r"not a Les Houches Event file"),
    ],
)
def test_bad_files(tmp_path, edit, pattern) -> None:
    with pytest.raises(LHEError, match=pattern):
        read_lhe(_simple(tmp_path, edit))


def test_event_missing_a_declared_weight(tmp_path) -> None:
    path = _simple(tmp_path, lambda t: t.replace("<wgt id='2'> +2.000000e+00 </wgt>", "", 1))
    arr = read_lhe(path)
    assert np.isnan(arr.weights[0, 1])
    with pytest.raises(LHEError, match=r"event 1 has no <wgt id='2'>"):
        summarize_lhe(path)


def test_repeated_initrwgt(tmp_path, caplog) -> None:
    same = '<initrwgt>\n<weightgroup name="scale" combine="envelope">\n<weight id="1" MUR="2.0" MUF="2.0"></weight>\n<weight id="2" MUR="0.5" MUF="0.5"></weight>\n</weightgroup>\n</initrwgt>'
    arr = read_lhe(_simple(tmp_path, header_extra=same))
    assert arr.n_events == 5 and "appears 2 times" in caplog.text
    other = '<initrwgt>\n<weight id="9" MUR="2.0" MUF="1.0"></weight>\n</initrwgt>'
    with pytest.raises(LHEError, match=r"2 <initrwgt> blocks with different weight lists"):
        read_lhe(_simple(tmp_path, header_extra=other, name="c.lhe"))


def test_truncated_and_corrupt_gzip(tmp_path) -> None:
    good = write_synthetic_lhe(tmp_path / "g.lhe.gz", 2000, seed=1)
    raw = good.read_bytes()
    cut = write(tmp_path / "cut.lhe.gz", "")
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(
        LHEError, match=r"cut.lhe.gz: the gzip stream is truncated after \d+ complete events"
    ):
        summarize_lhe(cut)
    bad = bytearray(raw)
    bad[len(bad) // 3 : len(bad) // 3 + 200] = b"\x00" * 200
    corrupt = tmp_path / "corrupt.lhe.gz"
    corrupt.write_bytes(bytes(bad))
    with pytest.raises(LHEError, match=r"corrupt.lhe.gz: (corrupt gzip data|.*)"):
        summarize_lhe(corrupt)


def test_gzip_detected_by_magic_not_name(tmp_path) -> None:
    text = _simple(tmp_path).read_bytes()
    path = tmp_path / "looks_plain.lhe"
    path.write_bytes(gzip.compress(text))
    assert read_lhe(path).n_events == 5


# --- real MadGraph files (../shared/data/lhe) ----------------------------------------------


@pytest.mark.shared
def test_real_madgraph_358_file(shared_lhe) -> None:
    path = shared_lhe / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
    header = read_header(path)
    assert header.process == "p p > j j" and header.generator.startswith("MadGraph5_aMC@NLO")
    scale = [w for w in header.weights if w.group == "Central scale variation"]
    assert len(scale) == 44 and all(w.is_scale for w in scale)
    own = [w for w in scale if w.dyn_scale is None]
    assert len(own) == 8  # 9 (muR, muF) points without the explicit (1,1)
    s = summarize_lhe(path)
    assert s.n_events == 1000 and s.pdf_members == 100
    assert s.envelopes["9-point"].complete
    # the (1,1) PDF-central weight equals the event weight on average
    assert s.variation_xsec_pb[s.nominal] == pytest.approx(s.xsec_pb)


@pytest.mark.shared
def test_real_lhef3_file_matches_pylhe(shared_lhe) -> None:
    pylhe = pytest.importorskip("pylhe")
    path = shared_lhe / "pylhe-testlhef3.lhe"
    arr = read_lhe(path, particles=True)
    events = list(pylhe.LHEFile.fromfile(str(path)).events)
    assert arr.n_events == len(events) == 59
    ids = [w.id for w in arr.header.weights]
    for i in (0, 30, 58):
        for wid, value in events[i].weights.items():
            assert arr.weights[i, ids.index(wid)] == pytest.approx(value)
        start = arr.offsets[i]
        assert arr.particles[start : arr.offsets[i + 1], 9].tolist() == pytest.approx(
            [p.e for p in events[i].particles]
        )


@pytest.mark.shared
@pytest.mark.parametrize(
    "name", ["pylhe-testfile-pr29.lhe", "pylhe-testfile-madgraph-2.2.1-Z-fxfx.lhe.gz"]
)
def test_other_real_files_read(shared_lhe, name) -> None:
    arr = read_lhe(shared_lhe / name, particles=True)
    assert arr.n_events > 0 and arr.particles.shape[0] == arr.info[:, 0].sum()


# --- completeness and exact decompression (issue 10); each fails on the pandas reader ----------


def _complete_events(text: bytes, cut: int) -> int:
    return text[:cut].count(b"</event>")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plain_file_cut_mid_event_names_the_last_good_event(tmp_path, seed) -> None:
    text = write_synthetic_lhe(tmp_path / "s.lhe", 3000, seed=5).read_bytes()
    rng = np.random.default_rng(seed)
    for cut in rng.integers(2**20, len(text) - 30, size=8):  # after the first megabyte
        if text[:cut].rstrip().endswith(b"</event>"):
            continue  # cut between events: see the next test
        path = tmp_path / "cut.lhe"
        path.write_bytes(text[:cut])
        good = _complete_events(text, int(cut))
        with pytest.raises(LHEError, match=rf"cut.lhe: .*the last complete event is {good}\)"):
            read_lhe(path, block_bytes=200_000)


def test_missing_closing_tag_after_complete_events_warns(tmp_path, caplog) -> None:
    text = _simple(tmp_path).read_bytes().replace(b"</LesHouchesEvents>\n", b"")
    path = tmp_path / "open.lhe"
    path.write_bytes(text)
    arr = read_lhe(path)
    assert arr.n_events == 5
    assert "no </LesHouchesEvents> after event 5 (the last complete event)" in caplog.text


def test_closing_tag_present_gives_no_warning(tmp_path, caplog) -> None:
    read_lhe(_simple(tmp_path))
    assert "LesHouchesEvents" not in caplog.text


def _members(text: bytes, size: int) -> bytes:
    """The text as consecutive gzip members of ``size`` bytes of text each (bgzip-style)."""
    return b"".join(gzip.compress(text[i : i + size], mtime=0) for i in range(0, len(text), size))


@pytest.mark.parametrize("member_bytes", [None, 65_280, 1_000_000])
def test_multi_member_gzip_is_read_exactly(tmp_path, member_bytes) -> None:
    a = write_synthetic_lhe(tmp_path / "a.lhe", 3000, seed=6).read_bytes()
    if member_bytes is None:  # `cat a.gz b.gz`: the second file's events continue the first's
        head, body = a.split(b"<event>", 1)
        first, second = (head + b"<event>" + body)[: len(a) // 2], a[len(a) // 2 :]
        data = gzip.compress(first, mtime=0) + gzip.compress(second, mtime=0)
    else:
        data = _members(a, member_bytes)
    path = tmp_path / "m.lhe.gz"
    path.write_bytes(data)
    got = read_lhe(path, particles=True)
    want = read_lhe(tmp_path / "a.lhe", particles=True)
    assert got.n_events == want.n_events == 3000
    np.testing.assert_array_equal(got.weights, want.weights)
    np.testing.assert_array_equal(got.particles, want.particles)


def test_gzip_members_with_zero_padding_and_garbage(tmp_path) -> None:
    text = _simple(tmp_path).read_bytes()
    padded = tmp_path / "pad.lhe.gz"
    padded.write_bytes(gzip.compress(text[:500]) + b"\0" * 64 + gzip.compress(text[500:]))
    assert read_lhe(padded).n_events == 5
    garbage = tmp_path / "garbage.lhe.gz"
    garbage.write_bytes(gzip.compress(text[:500]) + b"not gzip at all")
    with pytest.raises(
        LHEError, match=r"garbage.lhe.gz: (corrupt gzip data|the gzip stream is truncated)"
    ):
        read_lhe(garbage)


def test_header_without_init_fails_fast_and_linearly(tmp_path, monkeypatch) -> None:
    import time

    from scaleuq.io.lhe import reader

    monkeypatch.setattr(reader, "HEADER_LIMIT", 48 * 2**20, raising=False)
    path = tmp_path / "noinit.lhe"
    with path.open("wb") as handle:  # 64 MB (sparse) after an opening tag, no </init>
        handle.write(b'<LesHouchesEvents version="3.0">\n<header>\n')
        handle.truncate(64 * 2**20)
    start = time.process_time()
    with pytest.raises(LHEError, match=r"noinit.lhe: no </init> in the first 48 MB"):
        read_header(path)
    assert time.process_time() - start < 5  # the quadratic scan took about 2 s of CPU per 64 MB


def test_events_before_init_fail_at_the_first_event(tmp_path) -> None:
    text = write_synthetic_lhe(tmp_path / "s.lhe", 500, seed=1).read_bytes()
    path = tmp_path / "noinit.lhe"
    path.write_bytes(text.replace(b"</init>", b""))
    with pytest.raises(
        LHEError, match=r"noinit.lhe: the header has no </init> before the first <event>"
    ):
        read_lhe(path)


@pytest.mark.parametrize("attr", ['MUR="abc"', 'MUF="1,0"', 'PDF="x247000"', 'DYN_SCALE="two"'])
def test_non_numeric_weight_attributes_are_lhe_errors(tmp_path, attr) -> None:
    name = attr.split("=")[0]
    others = " ".join(a for a in ('MUR="2.0"', 'MUF="2.0"') if not a.startswith(name))
    weights = {"1": (f"{others} {attr}", ""), "2": ('MUR="0.5" MUF="0.5"', "")}
    path = write(tmp_path / "attr.lhe", lhe_text(weights, [{"1": 1.0, "2": 2.0}]))
    for call in (read_header, read_lhe, summarize_lhe):
        with pytest.raises(LHEError, match=rf"attr.lhe: <initrwgt>: weight '1' has .*{name}="):
            call(path)


# --- the compiled parser: numbers and layouts ---------------------------------------------------


def test_numbers_equal_python_float(tmp_path) -> None:
    values = [
        "+1.2345678901234567e-300", "0.1", "-.5", "7.", "1e22", "1e23", "123456789012345678901",
        "-0.0", "4.9406564584124654e-324", "1.7976931348623157e+308", "0.10000000000000000555",
        "9007199254740993", "2.5D+01", "nan", "-inf", "1.0E-22", "3.0E-23",
    ]  # fmt: skip
    weights = {str(i): ('MUR="1.0" MUF="1.0"', "") for i in range(len(values))}
    body = "\n".join(f"<wgt id='{i}'> {v} </wgt>" for i, v in enumerate(values))
    text = lhe_text(weights, [{}]).replace("<rwgt>\n\n</rwgt>", f"<rwgt>\n{body}\n</rwgt>")
    arr = read_lhe(write(tmp_path / "n.lhe", text))
    want = [float(v.replace("D", "e")) for v in values]
    np.testing.assert_array_equal(arr.weights[0], want)
    assert np.signbit(arr.weights[0, 7])


def test_layout_variants(tmp_path) -> None:
    # CRLF line ends, double quotes and spaces around the id, an <eventgroup>, a comment line,
    # other tags in the event, events listing their weights in different orders
    text = _simple(tmp_path).read_text()
    text = text.replace("<wgt id='1'>", '<wgt  id = " 1 " >', 2)
    text = text.replace("<rwgt>", "<mgrwt>\n<rscale> 2 0.9E+02</rscale>\n</mgrwt>\n<rwgt>", 1)
    text = text.replace("</event>\n<event>", "</event>\n<eventgroup nreal='1'>\n<event>", 1)
    text = text.replace(
        " 23 1 1 2 0 0 0 0 50 150 91 0 9\n", " 23 1 1 2 0 0 0 0 50 150 91 0 9\n# a comment\n", 1
    )
    text = text.replace("\n", "\r\n")
    arr = read_lhe(write(tmp_path / "v.lhe", text), particles=True)
    assert arr.n_events == 5 and arr.weights.tolist() == [[1.0, 2.0]] * 5
    assert arr.particles.shape == (15, 13) and arr.particles[2, 0] == 23


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (
            lambda t: t.replace(" 3 1 1.0 9.1e+01", " 3 1 1.0 9.1e+01 5", 1),
            r"event 1 has a malformed event-info line",
        ),
        (
            lambda t: t.replace(" 3 1 1.0 9.1e+01", " 4 1 1.0 9.1e+01", 1),
            r"event 1 declares 4 particles but lists 3",
        ),
        (
            lambda t: t.replace(
                " 2 -1 0 0 502 0 0 0 -50 50 0 0 9", " 2 -1 0 0 502 0 x 0 -50 50 0 0 9", 1
            ),
            r"event 1 has a non-numeric particle line \(field 7: 'x'\)",
        ),
        (
            lambda t: t.replace(
                "<wgt id='2'> +2.000000e+00 </wgt>", "<wgt id='1'> +2.000000e+00 </wgt>", 1
            ),
            r"event 1 repeats a <wgt> id \('1'\)",
        ),
        (
            lambda t: t.replace("<wgt id='2'> +2.000000e+00 </wgt>", "<wgt id='2'></wgt>", 1),
            r"event 1 has an empty or non-numeric <wgt> value",
        ),
        (lambda t: t.replace("<wgt id='2'>", "<wgt>", 1), r"event 1 has a malformed <wgt> tag"),
        (
            lambda t: t.replace("</event>\n<event>", "</event>\n</event>\n<event>", 1),
            r"a </event> without its <event> after event 1",
        ),
    ],
)
def test_bad_events_with_particles(tmp_path, edit, pattern) -> None:
    with pytest.raises(LHEError, match="b.lhe: " + pattern):
        read_lhe(_simple(tmp_path, edit), particles=True)


def test_zlib_fallback_reads_what_isal_reads(tmp_path, monkeypatch) -> None:
    import zlib

    from scaleuq.io.lhe import reader

    text = write_synthetic_lhe(tmp_path / "a.lhe", 1500, seed=9).read_bytes()
    path = tmp_path / "m.lhe.gz"
    path.write_bytes(_members(text, 100_000))
    fast = read_lhe(path, particles=True)
    monkeypatch.setattr(reader, "_zlib_impl", zlib)
    assert reader.decompressor_name() == "zlib"
    slow = read_lhe(path, particles=True)
    np.testing.assert_array_equal(fast.weights, slow.weights)
    np.testing.assert_array_equal(fast.particles, slow.particles)
    cut = tmp_path / "cut.lhe.gz"
    cut.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(
        LHEError, match=r"cut.lhe.gz: the gzip stream is truncated after \d+ complete events"
    ):
        read_lhe(cut)

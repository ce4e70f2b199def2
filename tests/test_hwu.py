"""HwU histograms: columns by name, envelopes, bin-by-bin pulls, the differential command."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.io.hwu import HwUError, read_hwu
from scaleuq.pull.differential import histogram_pulls

from .conftest import write

POINTS = [
    (1.0, 1.0),
    (2.0, 1.0),
    (0.5, 1.0),
    (1.0, 2.0),
    (2.0, 2.0),
    (0.5, 2.0),
    (1.0, 0.5),
    (2.0, 0.5),
    (0.5, 0.5),
]


def hwu_text(central, factors, htype="", dyn=-1, name="pt(Z)"):
    """Columns: xmin xmax central dy, then 9 scale columns named 'dyn=.. muR=.. muF=..'."""
    head = "##& xmin & xmax & central value & dy & " + " & ".join(
        f"dyn={dyn:3d} muR={r:6.3f} muF={f:6.3f}" for r, f in POINTS
    )
    rows = []
    for i, c in enumerate(central):
        vals = [i * 10.0, (i + 1) * 10.0, c, 0.01 * c] + [c * fac for fac in factors[i]]
        rows.append(" ".join(f"{v:+.7e}" for v in vals))
    tag = f"|TYPE@{htype}" if htype else ""
    body = (
        f'<histogram> {len(central)} "{name} |X_AXIS@LIN |Y_AXIS@LOG {tag}|#1"\n'
        + "\n".join(rows)
        + "\n<\\histogram>\n"
    )
    return head, body


def factors_for(n, spread):
    return [
        [1.0 + spread * (np.log2(r) * 0.8 - np.log2(f) * 0.3) for r, f in POINTS] for _ in range(n)
    ]


def test_envelope_and_pulls(tmp_path) -> None:
    head, lo_body = hwu_text([10.0, 5.0, 0.0], factors_for(3, 0.2))
    _, nlo_body = hwu_text([13.0, 5.5, 1.0], factors_for(3, 0.05))
    lo = read_hwu(write(tmp_path / "LO.HwU", head + "\n\n" + lo_body))[0]
    nlo = read_hwu(write(tmp_path / "NLO.HwU", head + "\n\n" + nlo_body))[0]
    assert lo.name == "pt(Z)" and len(lo.scales) == 9
    up, dn = lo.envelope()
    expected = max(0.2 * (np.log2(r) * 0.8 - np.log2(f) * 0.3) for r, f in POINTS)
    assert up[0] == pytest.approx(expected) and dn[0] == pytest.approx(-expected)
    frame = histogram_pulls(lo, nlo).table
    assert frame["pull"][0] == pytest.approx(0.3 / expected)
    assert np.isnan(frame["pull"][2]) and frame["reason"][2] == "LO bin is empty"
    seven = lo.envelope("7-point")[0][0]
    assert seven == pytest.approx(
        max(0.2 * (np.log2(r) * 0.8 - np.log2(f) * 0.3) for r, f in POINTS if {r, f} != {0.5, 2.0})
    )


def test_columns_found_by_name_not_position(tmp_path) -> None:
    head, body = hwu_text([10.0], factors_for(1, 0.2))
    cols = head[4:].split(" & ")
    # move one scale column first among the variations, with its data
    perm = [0, 1, 2, 3, 12, 4, 5, 6, 7, 8, 9, 10, 11]
    new_head = "##& " + " & ".join(cols[i] for i in perm)
    row = body.splitlines()[1].split()
    new_body = body.replace(body.splitlines()[1], " ".join(row[i] for i in perm))
    a = read_hwu(write(tmp_path / "a.HwU", head + "\n" + body))[0]
    b = read_hwu(write(tmp_path / "b.HwU", new_head + "\n" + new_body))[0]
    for key in a.scales:
        assert a.scales[key] == pytest.approx(b.scales[key])


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (lambda t: t.replace("<\\histogram>", ""), "not closed"),
        (lambda t: t.split("\n", 1)[1], "before the '##&' header"),
        (
            lambda t: t.replace("<histogram> 2", "<histogram> 3"),
            "2 bin rows, the <histogram> line says 3",
        ),
        (
            lambda t: t.replace("+1.0000000e+01 +2.0000000e+01", "+1.0000000e+01 +abc", 1),
            "non-numeric",
        ),
    ],
)
def test_bad_hwu(tmp_path, edit, pattern) -> None:
    head, body = hwu_text([10.0, 5.0], factors_for(2, 0.2))
    with pytest.raises(HwUError, match=pattern):
        read_hwu(write(tmp_path / "x.HwU", edit(head + "\n" + body)))


def test_differential_cli_one_file_with_lo_and_nlo(tmp_path) -> None:
    head, lo_body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="LO")
    _, nlo_body = hwu_text([12.0, 5.5], factors_for(2, 0.05), htype="NLO")
    path = write(tmp_path / "MADatNLO.HwU", head + "\n\n" + lo_body + "\n\n" + nlo_body)
    result = CliRunner().invoke(
        main, ["differential", str(path), "--output-dir", str(tmp_path / "fig"), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "histogram,xmin,xmax" in result.output
    assert (tmp_path / "fig" / "differential_pt_Z.png").stat().st_size > 1000
    assert (tmp_path / "fig" / "differential_pt_Z.json").is_file()


def test_differential_cli_json_names_what_was_read(tmp_path) -> None:
    import json

    head, lo_body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="LO")
    _, nlo_body = hwu_text([12.0, 5.5], factors_for(2, 0.05), htype="NLO")
    path = write(tmp_path / "MADatNLO.HwU", head + "\n\n" + lo_body + "\n\n" + nlo_body)
    result = CliRunner().invoke(main, ["differential", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["command"] == "differential" and payload["inputs"] == [str(path)]
    assert payload["histograms"] == ["pt(Z)"] and len(payload["bins"]) == 2
    assert payload["bins"][0]["pull"] == pytest.approx(0.2 / payload["bins"][0]["lo_up_rel"])


# --- reader: bad input and suspicious histograms (issues 9 and 10) ------------------------------


def test_repeated_histogram_name_is_an_error(tmp_path) -> None:
    head, body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="NLO")
    path = write(tmp_path / "x.HwU", head + "\n" + body + "\n" + body)
    with pytest.raises(HwUError, match=r"x.HwU:7: histogram 'pt\(Z\)' \(TYPE@NLO\) appears twice"):
        read_hwu(path)
    _, lo_body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="LO")
    assert len(read_hwu(write(tmp_path / "y.HwU", head + "\n" + body + "\n" + lo_body))) == 2


def test_histogram_without_bins_is_an_error(tmp_path) -> None:
    head, _ = hwu_text([10.0], factors_for(1, 0.2))
    body = '<histogram> 0 "pt(Z) |X_AXIS@LIN |Y_AXIS@LOG |#1"\n<\\histogram>\n'
    with pytest.raises(HwUError, match="has no bins"):
        read_hwu(write(tmp_path / "x.HwU", head + "\n" + body))


def test_inf_lo_bin_gives_an_undefined_pull_with_a_reason(tmp_path) -> None:
    head, lo_body = hwu_text([10.0, 5.0], factors_for(2, 0.2))
    _, nlo_body = hwu_text([13.0, 5.5], factors_for(2, 0.05))
    row = lo_body.splitlines()[2].split()
    row[2] = "Infinity"  # the second bin's central value, as Fortran prints it
    lo_body = lo_body.replace(lo_body.splitlines()[2], " ".join(row))
    lo = read_hwu(write(tmp_path / "LO.HwU", head + "\n" + lo_body))[0]
    nlo = read_hwu(write(tmp_path / "NLO.HwU", head + "\n" + nlo_body))[0]
    assert np.isinf(lo.central[1])
    frame = histogram_pulls(lo, nlo).table
    assert np.isfinite(frame["pull"][0])
    assert np.isnan(frame["pull"][1]) and frame["reason"][1] == "LO bin is not finite"


def test_nlo_histogram_far_below_lo_is_flagged(tmp_path, caplog) -> None:
    from scaleuq.io.hwu import NLO_RATE_MIN_K, nlo_rate_warning, pair_histograms

    head, lo_body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="LO")
    _, nlo_body = hwu_text([0.4, 0.2], factors_for(2, 0.05), htype="NLO")  # 4% of the LO rate
    hists = read_hwu(write(tmp_path / "MADatNLO.HwU", head + "\n" + lo_body + "\n" + nlo_body))
    ((lo, nlo),) = pair_histograms(hists, None, None)
    message = nlo_rate_warning(lo, nlo)
    assert message is not None and "0.04 times the total rate" in message
    assert "may not be a full NLO prediction" in caplog.text
    assert NLO_RATE_MIN_K == 0.2
    _, full = hwu_text([12.0, 5.5], factors_for(2, 0.05), htype="NLO")
    hists = read_hwu(write(tmp_path / "full.HwU", head + "\n" + lo_body + "\n" + full))
    assert nlo_rate_warning(*pair_histograms(hists, None, None)[0]) is None


def test_histogram_to_dict_is_json_safe(tmp_path) -> None:
    import json

    head, body = hwu_text([10.0, 5.0], factors_for(2, 0.2), htype="LO")
    hist = read_hwu(
        write(tmp_path / "x.HwU", head + "\n" + body.replace("+5.0000000e+00", "NaN", 1))
    )[0]
    payload = json.loads(json.dumps(hist.to_dict(), allow_nan=False))
    assert payload["name"] == "pt(Z)" and payload["type"] == "LO" and len(payload["scales"]) == 9
    assert payload["central"] == [10.0, None] and payload["edges"] == [0.0, 10.0, 20.0]

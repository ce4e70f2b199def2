"""`reports/` is reproducible: `scaleuq figures` writes the committed files byte for byte.

Figures are compared byte for byte only with the matplotlib version that wrote the committed
ones (named in each PDF's /Creator): another version draws other pixels and PDF streams. The
JSON sidecars, `README.md` and `summary.json` must match with any version.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 0, 2], label="x")
    ax.legend()
    return fig


def test_save_figure_gives_the_same_bytes_at_another_time(tmp_path, monkeypatch) -> None:
    from scaleuq.report.plotting import save_figure

    written = []
    for i, epoch in enumerate(("0", "1700000000")):  # matplotlib's date source when one is set
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        out = tmp_path / str(i)
        out.mkdir()
        written.append(save_figure(_figure(), out / "fig", {"figure": "fig"}))
    for a, b in zip(*written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert b"CreationDate" not in written[0][1].read_bytes()


def _committed_matplotlib() -> str | None:
    pdf = REPORTS / "calibration.pdf"
    m = re.search(rb"/Creator \(Matplotlib v([\w.]+),", pdf.read_bytes()) if pdf.exists() else None
    return m.group(1).decode() if m else None


@pytest.mark.slow
def test_committed_reports_are_what_figures_writes(tmp_path, monkeypatch) -> None:
    from scaleuq.workflows.figures import figures

    # as `scaleuq figures --output-dir reports` from the repository root: the summaries name the
    # output folder as given, so it is the relative 'reports' here too
    monkeypatch.chdir(tmp_path)
    result = figures(output_dir="reports")  # the defaults of `scaleuq figures` (seed 0)
    same_matplotlib = _committed_matplotlib() == matplotlib.__version__
    compared = []
    for path in (tmp_path / p for p in result.files):
        if path.suffix in (".png", ".pdf") and not same_matplotlib:
            continue
        committed = REPORTS / path.name
        assert committed.is_file(), f"reports/{path.name} is not committed"
        assert path.read_bytes() == committed.read_bytes(), (
            f"reports/{path.name} differs from what `scaleuq figures` writes; "
            "regenerate with `scaleuq figures --output-dir reports/`"
        )
        compared.append(path.name)
    assert "summary.json" in compared and "README.md" in compared

"""The notebooks run top to bottom against the installed package (so they cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path, tmp_path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    # every cell that draws shows an image, not `<Figure size ...>` text (issue 19 item 8)
    drawing = [c for c in nb.cells if c.cell_type == "code" and "scaleuq.plot_" in c.source]
    for cell in drawing:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        texts = [
            o["data"]["text/plain"]
            for o in cell.outputs
            if "text/plain" in o.get("data", {}) and "image/png" not in o.get("data", {})
        ]
        assert images, f"{path.name}: cell {cell.get('id')} draws no image"
        assert not any(str(t).startswith("<Figure") for t in texts)


def test_notebooks_draw_inline() -> None:
    """The first cell of every notebook turns on inline figures, so they render as they are."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "code"
        assert nb.cells[0].source.strip() == "%matplotlib inline", path.name


def test_two_notebooks_exist() -> None:
    assert len(NOTEBOOKS) >= 2

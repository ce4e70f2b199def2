"""The README's `$ scaleuq ...` blocks print what the README shows (issue 19 item 9).

The blocks are found, run and compared by ``tools/readme_blocks.py`` (which also rewrites them:
``python tools/readme_blocks.py --update``); see its docstring for the one normalisation.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _tool():
    spec = importlib.util.spec_from_file_location(
        "readme_blocks", ROOT / "tools" / "readme_blocks.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


readme_blocks = _tool()
BLOCKS = readme_blocks.parse(readme_blocks.README.read_text(encoding="utf-8"))


def test_readme_has_command_blocks() -> None:
    assert len([b for b in BLOCKS if not b.skip]) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_readme_block_output(block) -> None:
    if block.skip:
        pytest.skip("marked <!-- readme-blocks: skip --> in the README")
    if block.needs_shared() and not SHARED.exists():
        pytest.skip("../shared is not present")
    outputs = readme_blocks.run_block(block)
    differences = readme_blocks.diff(block, outputs)
    assert not differences, (
        "README output differs (regenerate with `python tools/readme_blocks.py --update`):\n"
        + "\n".join(differences)
    )


def test_parse_and_rewrite_round_trip() -> None:
    text = (
        "intro\n\n```text\n$ scaleuq a b\nold 1\nold 2\n$ scaleuq c\n```\n\n"
        "<!-- readme-blocks: skip -->\n```text\n$ scaleuq slow\nx\n```\n"
        "```bash\nscaleuq not-a-block\n```\n"
    )
    blocks = readme_blocks.parse(text)
    assert [[s.command for s in b.steps] for b in blocks] == [
        ["scaleuq a b", "scaleuq c"],
        ["scaleuq slow"],
    ]
    assert [b.skip for b in blocks] == [False, True]
    assert blocks[0].steps[0].shown == ["old 1", "old 2"]
    new = readme_blocks.rewrite(text, {blocks[0].start: [["new"], ["c out", ""]]})
    assert "$ scaleuq a b\nnew\n$ scaleuq c\nc out\n\n```" in new
    assert new.split("<!--", 1)[1] == text.split("<!--", 1)[1]  # other blocks untouched
    mismatch = readme_blocks.diff(blocks[0], [["old 1", "changed"], []])
    assert any(line.startswith("+changed") for line in mismatch)
    same = readme_blocks.normalise("old 1  \nold 2\n\n")  # trailing spaces and lines only
    assert readme_blocks.diff(blocks[0], [same, []]) == []


def test_readme_is_a_short_howto_with_contents() -> None:
    text = readme_blocks.README.read_text(encoding="utf-8")
    # a how-to of about 400 lines (a quarter of them checked command output); details go to
    # docs/reference.md, measured numbers to benchmarks/README.md
    assert len(text.splitlines()) <= 470
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^## (.+)$", text, re.M)
    for heading in headings:
        if heading != "Contents":
            assert f"[{heading}]" in contents, heading
    for target in re.findall(r"\]\(([\w./-]+\.md)\)", text):  # linked files exist
        assert (ROOT / target).is_file(), target


def test_readme_examples_use_shipped_files() -> None:
    """Every repository path a README command names exists in a fresh clone."""
    text = readme_blocks.README.read_text(encoding="utf-8")
    for path in set(
        re.findall(r"(?<![\w./])((?:examples|data|notebooks|benchmarks|tools)/[\w./-]+)", text)
    ):
        assert (ROOT / path.rstrip(".")).exists(), path


def test_update_rewrites_a_stale_block(tmp_path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# x\n\n```text\n$ scaleuq pulls examples/paper_rows.txt\nstale output\n```\n",
        encoding="utf-8",
    )
    assert readme_blocks.main(["--readme", str(readme)]) == 1  # differs
    assert readme_blocks.main(["--update", "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "stale output" not in text and "p p > z j j j  a.8" in text
    assert readme_blocks.main(["--readme", str(readme)]) == 0  # now it agrees

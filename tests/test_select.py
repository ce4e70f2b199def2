"""The selection grammar of --reference-select: what it selects, and that nothing else runs."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.io.datasets import load_bundled
from scaleuq.pull.reference import select_reference
from scaleuq.pull.select import parse_selection, select_rows

FRAME = pd.DataFrame(
    {
        "process": ["p p > z", "p p > z j", "p p > j j", "p p > h", "p p > t t~"],
        "n_final": [1, 2, 2, 1, 2],
        "alphas_power": pd.array([None, 1, 2, 2, None], dtype="Int64"),
        "lo_scale_up_rel": [0.15, 0.2, np.nan, 0.35, 0.3],
        "process_class": ["electroweak", "boson+jets", "qcd", "higgs", "qcd"],
    }
)


def names(expression: str) -> list[str]:
    return list(FRAME.loc[select_rows(FRAME, expression), "process"])


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("qcd", ["p p > j j", "p p > t t~"]),
        ("process_class == 'qcd' and n_final <= 2", ["p p > j j", "p p > t t~"]),
        (
            'n_final == 1 or process_class == "qcd"',
            ["p p > z", "p p > j j", "p p > h", "p p > t t~"],
        ),
        ("not n_final >= 2", ["p p > z", "p p > h"]),
        ("n_final in [1, 3]", ["p p > z", "p p > h"]),
        ("process_class not in ['qcd', 'higgs']", ["p p > z", "p p > z j"]),
        ("1 < n_final and lo_scale_up_rel > 2.5e-1", ["p p > t t~"]),
        # and binds tighter than or; parentheses override
        ("n_final == 1 or n_final == 2 and qcd", ["p p > z", "p p > j j", "p p > h", "p p > t t~"]),
        ("(n_final == 1 or n_final == 2) and qcd", ["p p > j j", "p p > t t~"]),
        ("qcd or n_final > -1.5 and not qcd", list(FRAME["process"])),
        ("process == 'p p > t t~'", ["p p > t t~"]),
        # missing values satisfy no comparison, != included; not turns that into a match
        ("lo_scale_up_rel != 0.2", ["p p > z", "p p > h", "p p > t t~"]),
        ("not lo_scale_up_rel == 0.2", ["p p > z", "p p > j j", "p p > h", "p p > t t~"]),
        ("alphas_power >= 2", ["p p > j j", "p p > h"]),
        ("alphas_power == n_final", ["p p > j j"]),
        ("n_final in []", []),
    ],
)
def test_selects(expression, expected) -> None:
    assert names(expression) == expected


@pytest.mark.parametrize(
    "expression, message, position",
    [
        ("@np.testing._private.utils.os.system('id')", "unexpected character '@'", 1),
        ("@table.to_csv('/tmp/x')", "unexpected character '@'", 1),
        ("__import__('os').system('id')", "a column alone is not a condition", 11),
        ("process.str.len() > 1", "unexpected character '.'", 8),
        ("1", "a number alone is not a condition", 2),
        ("n_final", "a column alone is not a condition", 8),
        ("", "the expression is empty", 1),
        ("   ", "the expression is empty", 1),
        ("no_such_column > 1", "unknown column 'no_such_column'", 1),
        ("n_final > 1 junk", "unexpected 'junk' after a complete selection", 13),
        ("n_final > 1 )", "unexpected ')'", 13),
        ("(n_final > 1", "expected ')'", 13),
        ("n_final >", "expected a column, a number or a quoted string", 10),
        ("n_final = 1", "unexpected character '='", 9),
        ("n_final == 1 && qcd", "unexpected character '&'", 14),
        ("n_final == 'one'", "column 'n_final' holds numbers, compared with a string", 9),
        ("process == 2", "column 'process' holds text, compared with a number", 9),
        ("process < 'z'", "'<' on text", 9),
        ("n_final in ['a']", "listed with a string", 13),
        ("1 == 1", "a comparison needs at least one column", 1),
        ("'unterminated", "unterminated string", 1),
        ("n_final in [1,", "expected a number or a quoted string in the list", 15),
        ("n_final -1", "unexpected '-1'", 9),
        ("not", "expected a column", 4),
        ("(" * 60 + "qcd" + ")" * 60, "nesting deeper than", 52),
    ],
)
def test_one_line_errors_with_position(expression, message, position) -> None:
    with pytest.raises(OptionError) as info:
        select_rows(FRAME, expression)
    text = str(info.value)
    assert message in text and f"at position {position}" in text and "\n" not in text, text


def test_the_attacks_run_nothing(tmp_path, monkeypatch) -> None:
    """The two attacks of issue 8 against the old DataFrame.query(engine="python"): each is a
    clean one-line error and has no side effect."""
    target = tmp_path / "x"
    calls: list[str] = []
    monkeypatch.setattr(os, "system", lambda cmd: calls.append(cmd) or 0)
    table = load_bundled("pulls")
    for attack in (
        "@np.testing._private.utils.os.system('id')",
        f"@table.to_csv('{target}')",
        f"process_class == 'qcd' or @table.to_csv('{target}')",
    ):
        with pytest.raises(OptionError, match="cannot evaluate reference selection"):
            select_reference(table, attack)
    assert calls == [] and not target.exists()

    runner = CliRunner()
    result = runner.invoke(
        main, ["reference-correct", "--reference-select", f"@table.to_csv('{target}')"]
    )
    assert result.exit_code == 1 and not target.exists()
    assert len(result.output.strip().splitlines()) == 1
    assert "unexpected character '@' at position 1" in result.output


def test_never_evaluated_as_python(monkeypatch) -> None:
    """The grammar does not reach pandas' expression evaluators at all."""

    def forbidden(*_args, **_kwargs):
        raise AssertionError("DataFrame.query/eval must not be called")

    monkeypatch.setattr(pd.DataFrame, "query", forbidden)
    monkeypatch.setattr(pd.DataFrame, "eval", forbidden)
    monkeypatch.setattr(pd, "eval", forbidden)
    sel = select_reference(load_bundled("pulls"), "n_final >= 3 and process_class == 'boson+jets'")
    assert len(sel) == 5


def test_same_selection_as_the_old_query() -> None:
    """On the bundled table the grammar selects what pandas' query selected (old behaviour)."""
    from scaleuq.io.process import classify_process

    table = load_bundled("pulls")
    frame = table.assign(process_class=[classify_process(p) for p in table["process"]])
    for expression in (
        "n_final >= 3 and process_class == 'boson+jets'",
        "process_class == 'electroweak' or n_final == 1",
        "not (n_final > 2) and lo_scale_up_rel < 0.2",
        "id in ['a.1', 'a.5']",
    ):
        old = frame.query(expression, engine="python")  # the reference implementation
        new = select_reference(table, expression)
        assert list(new["process"]) == list(old["process"]), expression


def test_parse_tree_shape() -> None:
    from scaleuq.pull.select import And, Compare, Not, Or

    tree = parse_selection("not a == 1 or b < 2 and c >= 'x'")
    assert isinstance(tree, Or) and isinstance(tree.terms[0], Not)
    assert isinstance(tree.terms[1], And) and all(
        isinstance(t, Compare) for t in tree.terms[1].terms
    )

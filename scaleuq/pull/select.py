"""Row selections such as ``"process_class == 'qcd' and n_final <= 3"``, by a grammar of our own.

A selection is parsed into a small tree and evaluated on a :class:`pandas.DataFrame` as
vectorised boolean masks. Nothing is ever evaluated as Python (no ``DataFrame.query``/``eval``):
the only names an expression can reach are the frame's columns, and anything outside the grammar
is an :class:`~scaleuq.errors.OptionError` naming the (1-based) character position.

Grammar (keywords are lower case)::

    selection  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | atom
    atom       := "(" or_expr ")" | SHORTCUT | comparison
    comparison := operand OP operand
                | COLUMN ["not"] "in" "[" [literal ("," literal)*] "]"
    OP         := "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := COLUMN | literal
    literal    := NUMBER | STRING        (NUMBER: 3, -1.5, 2e-3; STRING: 'qcd' or "qcd")

A comparison needs at least one column. Numbers compare with numeric columns, strings with text
columns (``==``, ``!=`` and ``in`` only). A missing value (empty cell) satisfies no comparison,
``!=`` included; ``not`` then turns it into a match. Shortcuts (:data:`SHORTCUTS`): ``qcd``
means ``process_class == 'qcd'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import numpy as np

from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SHORTCUTS",
    "And",
    "Column",
    "Compare",
    "Literal",
    "Member",
    "Not",
    "Or",
    "evaluate_selection",
    "parse_selection",
    "select_rows",
]

#: Longest expression accepted (characters) and deepest nesting of parentheses/``not``.
MAX_LENGTH = 2000
MAX_DEPTH = 50

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_0-9.]))
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],])
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "in"})
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, keyword, op, punct, end
    text: str
    pos: int  # 0-based offset into the expression


@dataclass(frozen=True)
class Column:
    """A column of the frame, by name."""

    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    """A number (float) or a string."""

    value: float | str
    pos: int


@dataclass(frozen=True)
class Compare:
    """``left OP right``; at least one side is a :class:`Column`."""

    op: str
    left: Column | Literal
    right: Column | Literal
    pos: int


@dataclass(frozen=True)
class Member:
    """``column in [...]`` (``negated``: ``not in``)."""

    column: Column
    values: tuple[Literal, ...]
    negated: bool
    pos: int


@dataclass(frozen=True)
class Not:
    """Logical negation."""

    operand: Node


@dataclass(frozen=True)
class And:
    """Logical conjunction of two or more terms."""

    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Logical disjunction of two or more terms."""

    terms: tuple[Node, ...]


Node = Union[Compare, Member, Not, And, Or]  # noqa: UP007 (a runtime alias)

#: Named shortcuts usable wherever a comparison may stand: name -> (column, value), meaning
#: ``column == 'value'``.
SHORTCUTS: Mapping[str, tuple[str, str]] = {"qcd": ("process_class", "qcd")}


def _error(expression: str, pos: int, what: str, note: str = "") -> OptionError:
    return OptionError(
        f"cannot evaluate reference selection {expression!r}: {what} at position {pos + 1}{note}"
    )


def _tokenize(expression: str) -> list[_Token]:
    """Tokens up to the end, or up to the first bad character, which becomes an ``error`` token
    (so that the parser reports whichever problem comes first in the expression)."""
    tokens = []
    pos = 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if match is None:
            char = expression[pos]
            what = "unterminated string" if char in "'\"" else f"unexpected character {char!r}"
            tokens.append(_Token("error", what, pos))
            return tokens
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "number" and tokens and tokens[-1].kind in ("number", "string", "name"):
            # "n_final -1": the sign is an operator here, which the grammar does not have
            tokens.append(_Token("error", f"unexpected {text!r}", pos))
            return tokens
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        if kind != "space":
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(expression)))
    return tokens


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.i = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        token = self.tokens[self.i]
        if token.kind == "error":
            raise _error(self.expression, token.pos, token.text)
        return token

    def fail(self, what: str, token: _Token | None = None) -> OptionError:
        token = token or self.token
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return _error(self.expression, token.pos, what.format(found=found))

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.token
        if token.kind == kind and (text is None or token.text == text):
            self.i += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            raise self.fail(f"expected {what}, found {{found}}")
        return token

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise _error(self.expression, 0, "the expression is empty")
        node = self.or_expr()
        if self.token.kind != "end":
            raise self.fail("unexpected {found} after a complete selection")
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels")

    def or_expr(self) -> Node:
        terms = [self.and_expr()]
        while self.accept("keyword", "or"):
            terms.append(self.and_expr())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def and_expr(self) -> Node:
        terms = [self.not_expr()]
        while self.accept("keyword", "and"):
            terms.append(self.not_expr())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def not_expr(self) -> Node:
        if self.accept("keyword", "not"):
            self.nest()
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        token = self.token
        if self.accept("punct", "("):
            self.nest()
            node = self.or_expr()
            self.expect("punct", ")", "')'")
            self.depth -= 1
            return node
        if token.kind == "name" and token.text in SHORTCUTS:
            following = self.tokens[self.i + 1]
            if following.kind not in ("op", "keyword") or following.text in ("and", "or"):
                self.i += 1
                column, value = SHORTCUTS[token.text]
                return Compare(
                    "==", Column(column, token.pos), Literal(value, token.pos), token.pos
                )
        return self.comparison()

    def operand(self) -> Column | Literal:
        token = self.token
        if self.accept("name"):
            return Column(token.text, token.pos)
        if self.accept("number"):
            return Literal(float(token.text), token.pos)
        if self.accept("string"):
            return Literal(_unquote(token.text), token.pos)
        raise self.fail("expected a column, a number or a quoted string, found {found}")

    def comparison(self) -> Node:
        start = self.token
        left = self.operand()
        negated = False
        if self.token.kind == "keyword" and self.token.text in ("in", "not"):
            if self.accept("keyword", "not"):
                negated = True
                self.expect("keyword", "in", "'in' after 'not'")
            else:
                self.accept("keyword", "in")
            if not isinstance(left, Column):
                raise self.fail("'in' needs a column on its left", start)
            return Member(left, self.literal_list(), negated, start.pos)
        op = self.accept("op")
        if op is None:
            what = "a number" if isinstance(left, Literal) else "a column"
            raise self.fail(
                f"{what} alone is not a condition: expected a comparison "
                "(== != < <= > >= in) after it, found {found}"
            )
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise self.fail("a comparison needs at least one column", start)
        return Compare(op.text, left, right, op.pos)

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("punct", "[", "'[' to open the list")
        values: list[Literal] = []
        if self.accept("punct", "]"):
            return ()
        while True:
            token = self.token
            if self.accept("number"):
                values.append(Literal(float(token.text), token.pos))
            elif self.accept("string"):
                values.append(Literal(_unquote(token.text), token.pos))
            else:
                raise self.fail("expected a number or a quoted string in the list, found {found}")
            if self.accept("punct", "]"):
                return tuple(values)
            self.expect("punct", ",", "',' or ']'")


def parse_selection(expression: str) -> Node:
    """Parse a selection expression into a tree (see the module docstring for the grammar).

    Raises:
        OptionError: the expression is empty, too long, or not in the grammar (the message names
            the character position, counted from 1).
    """
    if not isinstance(expression, str):
        raise OptionError(f"a selection must be a string, not {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise _error(expression[:40] + "...", MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
    return _Parser(expression).parse()


def _values(frame: pd.DataFrame, column: Column, expression: str) -> tuple[np.ndarray, bool]:
    """A column as ``(values, numeric)``: floats with NaN for missing, or objects."""
    import pandas as pd

    if column.name not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise _error(
            expression, column.pos, f"unknown column {column.name!r}", f" (columns: {columns})"
        )
    series = frame[column.name]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan), True
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        # a text column with other values in it: compare as text, as the table shows it
        values = np.where(pd.isna(series).to_numpy(), None, values.astype(str))
    return values, False


def _side(
    frame: pd.DataFrame, operand: Column | Literal, expression: str
) -> tuple[np.ndarray | float | str, bool, np.ndarray | None]:
    """``(value, numeric, present-mask or None)`` of one side of a comparison."""
    import pandas as pd

    if isinstance(operand, Literal):
        return operand.value, isinstance(operand.value, float), None
    values, numeric = _values(frame, operand, expression)
    return values, numeric, ~pd.isna(values)


def _compare(frame: pd.DataFrame, node: Compare, expression: str) -> np.ndarray:
    left, left_num, left_ok = _side(frame, node.left, expression)
    right, right_num, right_ok = _side(frame, node.right, expression)
    if left_num != right_num:
        column = node.left if isinstance(node.left, Column) else node.right
        kinds = ("numbers", "a string") if left_num else ("text", "a number")
        if isinstance(node.left, Column) and isinstance(node.right, Column):
            kinds = ("numbers", "a text column") if left_num else ("text", "a numeric column")
        assert isinstance(column, Column)
        raise _error(
            expression,
            node.pos,
            f"column {column.name!r} holds {kinds[0]}, compared with {kinds[1]}",
        )
    if not left_num and node.op not in ("==", "!="):
        raise _error(
            expression, node.pos, f"{node.op!r} on text", " (text allows only == != in [...])"
        )
    present = np.ones(len(frame), dtype=bool)
    for ok in (left_ok, right_ok):
        if ok is not None:
            present &= ok
    a = np.asarray(left, dtype=float if left_num else object)
    b = np.asarray(right, dtype=float if right_num else object)
    with np.errstate(invalid="ignore"):
        result = {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[node.op](a, b)
    mask = np.broadcast_to(np.asarray(result, dtype=bool), (len(frame),))
    return mask & present


def _member(frame: pd.DataFrame, node: Member, expression: str) -> np.ndarray:
    import pandas as pd

    values, numeric = _values(frame, node.column, expression)
    for literal in node.values:
        if isinstance(literal.value, float) != numeric:
            kinds = ("numbers", "a string") if numeric else ("text", "a number")
            raise _error(
                expression,
                literal.pos,
                f"column {node.column.name!r} holds {kinds[0]}, listed with {kinds[1]}",
            )
    options = [literal.value for literal in node.values]
    present = ~pd.isna(values)
    found = pd.Series(values).isin(options).to_numpy(dtype=bool)
    return (~found if node.negated else found) & present


def evaluate_selection(node: Node, frame: pd.DataFrame, expression: str = "") -> np.ndarray:
    """The boolean mask (one entry per row of ``frame``) of a parsed selection."""
    if isinstance(node, Compare):
        return _compare(frame, node, expression)
    if isinstance(node, Member):
        return _member(frame, node, expression)
    if isinstance(node, Not):
        return ~evaluate_selection(node.operand, frame, expression)
    masks = [evaluate_selection(term, frame, expression) for term in node.terms]
    reduce = np.logical_and if isinstance(node, And) else np.logical_or
    return reduce.reduce(masks, axis=0) if masks else np.ones(len(frame), dtype=bool)


def select_rows(frame: pd.DataFrame, expression: str) -> np.ndarray:
    """Parse ``expression`` and evaluate it on ``frame``: one bool per row.

    Raises:
        OptionError: one line naming the position of the first problem (syntax, unknown column,
            a string compared with a numeric column, ...).
    """
    node = parse_selection(expression)
    return np.asarray(evaluate_selection(node, frame, expression), dtype=bool)

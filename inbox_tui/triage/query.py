"""The search language of views, ``/`` search and ``inbox list --query``: parsing.

::

    query   := or
    or      := and ("OR" and)*
    and     := unary ("AND"? unary)*
    unary   := ("-" | "NOT") unary | "(" or ")" | field ":" value | '"' phrase '"' | word

Fields: ``from: to: subject: tag: status: account: is: has: assignee: before: after:
age: due: waiting: priority: lang: view: id:`` (``customer:`` = ``from:``). Bare words
and phrases are free text (FTS5). ``OR``/``AND``/``NOT`` are keywords only in capitals.
Errors carry the 1-based column: ``query:1:14: expected ')' to close '(' at column 1``.
``query_sql.compile_query`` turns the tree into a SQL fragment with parameters.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from inbox_tui.errors import ConfigError

FIELDS = (
    "from", "customer", "to", "subject", "tag", "status", "account", "is", "has", "assignee",
    "before", "after", "age", "due", "waiting", "priority", "lang", "view", "id",
)  # fmt: skip
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_STOP = set(' \t\r\n()"')


class QueryError(ConfigError):
    """A query that does not parse or names something unknown; ``column`` is 1-based."""

    title = "Search not understood"

    def __init__(self, reason: str, query: str, column: int, *, source: str = "query", line: int = 1) -> None:
        super().__init__(reason, path=source, line=line)
        self.args = (f"{source}:{line}:{column}: {reason}",)
        self.reason = reason
        self.query = query
        self.column = column

    def caret(self) -> str:
        """Two lines for a terminal: the query and a ``^`` under the column."""
        return f"  {self.query}\n  {' ' * (self.column - 1)}^"


# ---------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Text:
    """Free text: bare words (adjacent ones are merged by the compiler) or a phrase."""

    text: str
    pos: int
    phrase: bool = False
    prefix: bool = False
    """The last word of the input with no space after it: matched as a prefix (search as you type)."""


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    pos: int
    value_pos: int


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Everything:
    pass


Node = Text | Field | Not | And | Or | Everything


# ---------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Tok:
    kind: str  # word phrase field lparen rparen or and not minus
    text: str
    pos: int
    value: str = ""
    value_pos: int = 0


def _tokens(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            out.append(_Tok("lparen" if char == "(" else "rparen", char, i))
            i += 1
        elif char == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unterminated quote", query, i + 1)
            out.append(_Tok("phrase", query[i + 1 : end], i))
            i = end + 1
        elif char == "-" and (i + 1 >= n or query[i + 1].isspace()):
            raise QueryError("expected a search term after '-'", query, i + 1)
        elif char == "-" and (not out or query[i - 1].isspace() or query[i - 1] == "("):
            out.append(_Tok("minus", "-", i))
            i += 1
        else:
            i = _word(query, i, out)
    return out


def _word(query: str, start: int, out: list[_Tok]) -> int:
    i = start
    while i < len(query) and query[i] not in _STOP:
        i += 1
    text = query[start:i]
    match = _FIELD.fullmatch(text)
    if match is None:
        out.append(_Tok({"OR": "or", "|": "or", "AND": "and", "NOT": "not"}.get(text, "word"), text, start))
        return i
    name, value = match.group(1).lower(), match.group(2)
    value_pos = start + len(name) + 1
    if name not in FIELDS:
        close = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.6)
        if close:
            raise QueryError(f"unknown field '{name}:' — did you mean '{close[0]}:'?", query, start + 1)
        out.append(_Tok("word", text, start))
        return i
    if not value and i < len(query) and query[i] == '"':
        end = query.find('"', i + 1)
        if end < 0:
            raise QueryError("unterminated quote", query, i + 1)
        value, value_pos, i = query[i + 1 : end], i + 1, end + 1
    if not value.strip():
        raise QueryError(f"expected a value after '{name}:'", query, value_pos + 1)
    out.append(_Tok("field", name, start, value, value_pos))
    return i


# ---------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _tokens(query)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def fail(self, reason: str, tok: _Tok | None = None) -> QueryError:
        column = (tok.pos + 1) if tok is not None else len(self.query.rstrip()) + 1
        return QueryError(reason, self.query, column)

    def parse(self) -> Node:
        if not self.toks:
            return Everything()
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            raise self.fail("unexpected ')' (no '(' to close)" if tok.kind == "rparen" else f"unexpected {tok.text!r}", tok)
        return node

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or"):
                raise self.fail("expected a search term after OR", nxt)
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("rparen", "or"):
            if tok.kind == "and":
                self.i += 1
                nxt = self.peek()
                if not nodes or nxt is None or nxt.kind in ("rparen", "or", "and"):
                    raise self.fail("AND needs a search term on both sides", tok)
                continue
            nodes.append(self.parse_unary())
        if not nodes:
            raise self.fail("expected a search term", self.peek())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def parse_unary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        self.i += 1
        if tok.kind in ("minus", "not"):
            nxt = self.peek()
            if nxt is None or nxt.kind in ("rparen", "or", "and"):
                raise self.fail(f"expected a search term after {tok.text!r}", nxt)
            return Not(self.parse_unary())
        if tok.kind == "lparen":
            if (nxt := self.peek()) is not None and nxt.kind == "rparen":
                raise self.fail("empty parentheses", nxt)
            inner = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise self.fail(f"expected ')' to close '(' at column {tok.pos + 1}", closing)
            self.i += 1
            return inner
        if tok.kind == "field":
            return Field(tok.text, tok.value, tok.pos, tok.value_pos)
        if tok.kind == "phrase":
            return Text(tok.text, tok.pos, phrase=True)
        last = self.i == len(self.toks) and not self.query[tok.pos + len(tok.text) :].strip()
        ends_in_space = self.query[-1:].isspace()
        return Text(tok.text, tok.pos, prefix=last and not ends_in_space)


def parse(query: str) -> Node:
    """The tree of ``query``; raises ``QueryError`` with the column of the problem."""
    return _Parser(query).parse()

"""Compiling a parsed query to a SQL ``WHERE`` fragment over ``conversations c``.

User values only ever travel as parameters. Free text becomes an FTS5 ``MATCH`` whose
every token is quoted, so no FTS syntax (``NEAR``, ``*``, column filters) can be typed in;
adjacent bare words are merged into one ``MATCH`` (all of them in one conversation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from inbox_tui.triage.query import And, Everything, Field, Node, Not, Or, QueryError, Text, parse
from inbox_tui.triage.timeparse import iso, parse_day, parse_duration

_TOKEN = re.compile(r"\w[\w'.@+-]*", re.UNICODE)
_COMPARE = re.compile(r"(<=|>=|<|>|=)?(.*)", re.DOTALL)
FTS_SQL = "c.id IN (SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ?)"
"""Hits are conversations: one index row per conversation (store/search_index.py)."""
FTS_ROW_SQL = (
    "EXISTS (SELECT 1 FROM conversations_fts WHERE conversations_fts MATCH ? AND conversations_fts.rowid = c.id)"
)
"""The same test for one conversation: a seek by rowid in the words' doclists. Cheap per
row, so walking a view in its order finds the first page of a search over common words
before ``FTS_SQL`` has listed every hit; ruinous for rare words (it would test every
conversation). ``compile_query(per_row=True)`` uses it."""


def free_text_only(compiled: Compiled) -> str | None:
    """The ``MATCH`` expression when a compiled search is free text and nothing else."""
    sql = compiled.sql
    if sql.startswith("(") and sql.endswith(")"):
        sql = sql[1:-1]
    if len(compiled.matches) == 1 and sql in (FTS_SQL.replace("?", f":{name}") for name in compiled.params):
        return compiled.matches[0]
    return None


PRIORITY_VALUES = {"low": 0, "normal": 0, "medium": 1, "high": 2, "urgent": 3}
OPEN_OPS = "('pending','sending','failed','conflict','unconfirmed')"

IS_VALUES: dict[str, str] = {
    "unread": "c.unread = 1",
    "read": "c.unread = 0",
    "unanswered": "c.awaiting = 'agent'",
    "answered": "c.awaiting = 'customer'",
    "waiting": "c.awaiting = 'customer'",
    "open": "c.status = 'open'",
    "pending": "c.status = 'pending'",
    "closed": "c.status = 'closed'",
    "assigned": "c.assignee != ''",
    "unassigned": "c.assignee = ''",
    "overdue": "(c.due_at != '' AND c.due_at <= :now)",
    "breaching": "(c.due_at != '' AND c.due_at <= :soon)",
    # snoozed_until is NULL when not snoozed: every test says IS NOT NULL first, so that
    # negations (-is:snoozed) see false, never NULL
    "snoozed": "(c.snoozed_until IS NOT NULL AND c.snoozed_until > :now)",
    "woken": "(c.woke_at != '' OR (c.snoozed_until IS NOT NULL AND c.snoozed_until <= :now))",
    "mine": "",  # assignee:me
}
HAS_VALUES: dict[str, str] = {
    "attachment": "c.has_attachments = 1",
    "attachments": "c.has_attachments = 1",
    "note": "EXISTS (SELECT 1 FROM notes n WHERE n.conversation_id = c.id)",
    "notes": "EXISTS (SELECT 1 FROM notes n WHERE n.conversation_id = c.id)",
    "draft": "EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id)",
    "tag": "EXISTS (SELECT 1 FROM tags t WHERE t.conversation_id = c.id)",
    "tags": "EXISTS (SELECT 1 FROM tags t WHERE t.conversation_id = c.id)",
    "pending": f"EXISTS (SELECT 1 FROM operations o WHERE o.conversation_id = c.id AND o.state IN {OPEN_OPS})",
}
STATUS_VALUES = ("open", "pending", "closed")


@dataclass(frozen=True)
class QueryContext:
    now: datetime
    tz: tzinfo = timezone.utc
    me: frozenset[str] = frozenset()
    """Lower-cased names/addresses that ``assignee:me`` matches."""
    due_soon: timedelta = timedelta(hours=1)


@dataclass
class Compiled:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    matches: list[str] = field(default_factory=list)
    """The FTS5 ``MATCH`` expressions of its free text (none for fields only)."""


def compile_query(
    query: str | None, ctx: QueryContext, *, params: dict[str, Any] | None = None, per_row: bool = False
) -> Compiled:
    """``query`` → ``Compiled(sql, params)`` (named ``:p1`` parameters plus ``:now``/``:soon``).
    An empty query matches everything (``1``). Pass the ``params`` of an earlier result to
    combine two fragments in one statement. ``per_row`` tests free text one conversation
    at a time (``FTS_ROW_SQL``), for walking a view in its order. Raises ``QueryError``."""
    text = query or ""
    return _Compiler(text, ctx, params, per_row).run(parse(text))


def check(query: str) -> None:
    """Raise ``QueryError`` for anything that would fail at compile time."""
    compile_query(query, QueryContext(now=datetime.now(timezone.utc)))


class _Compiler:
    def __init__(self, query: str, ctx: QueryContext, params: dict[str, Any] | None, per_row: bool) -> None:
        self.query = query
        self.ctx = ctx
        self.params = params if params is not None else {}
        self.params.update(now=iso(ctx.now), soon=iso(ctx.now + ctx.due_soon))
        self.per_row = per_row
        self.matches: list[str] = []

    def run(self, node: Node) -> Compiled:
        return Compiled(self.node(node), self.params, self.matches)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def fail(self, reason: str, pos: int) -> QueryError:
        return QueryError(reason, self.query, pos + 1)

    def node(self, node: Node) -> str:
        if isinstance(node, Everything):
            return "1"
        if isinstance(node, Not):
            return f"NOT ({self.node(node.node)})"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.node(n) for n in node.nodes) + ")"
        if isinstance(node, And):
            return self.conjunction(node.nodes)
        if isinstance(node, Text):
            return self.text([node])
        return self.field(node)

    def conjunction(self, nodes: tuple[Node, ...]) -> str:
        parts: list[str] = []
        words: list[Text] = []
        for n in nodes:
            if isinstance(n, Text):
                words.append(n)
            else:
                parts.append(self.node(n))
        if words:
            parts.insert(0, self.text(words))
        return "(" + " AND ".join(parts) + ")"

    def text(self, items: list[Text]) -> str:
        terms: list[str] = []
        for item in items:
            tokens = _TOKEN.findall(item.text)
            if not tokens:
                continue
            if item.phrase:
                terms.append('"' + " ".join(t.replace('"', '""') for t in tokens) + '"')
            else:
                quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
                if item.prefix:
                    quoted[-1] += "*"
                terms.extend(quoted)
        if not terms:
            return "0"  # punctuation only: nothing can match
        self.matches.append(" ".join(terms))
        return (FTS_ROW_SQL if self.per_row else FTS_SQL).replace("?", self.bind(self.matches[-1]))

    # ------------------------------------------------------------------ fields
    def field(self, f: Field) -> str:
        handler = getattr(self, f"f_{f.name}")
        return handler(f.value.strip(), f)

    def f_from(self, value: str, f: Field) -> str:
        like = self.bind(_like(value))
        return (
            f"(c.customer_id IS NOT NULL AND c.customer_id IN "
            f"(SELECT id FROM customers WHERE email LIKE {like} ESCAPE '\\' OR name LIKE {like} ESCAPE '\\'))"
        )

    f_customer = f_from

    def f_to(self, value: str, f: Field) -> str:
        like = self.bind(_like(value))
        return (
            f"(c.account IN (SELECT name FROM accounts WHERE address LIKE {like} ESCAPE '\\') OR c.id IN "
            f"(SELECT conversation_id FROM messages WHERE direction = 'in' AND (to_json LIKE {like} ESCAPE '\\' "
            f"OR cc_json LIKE {like} ESCAPE '\\')))"
        )

    def f_subject(self, value: str, f: Field) -> str:
        return f"c.subject LIKE {self.bind(_like(value))} ESCAPE '\\'"

    def f_tag(self, value: str, f: Field) -> str:
        if value.endswith("*") and len(value) > 1:
            return f"c.id IN (SELECT conversation_id FROM tags WHERE tag LIKE {self.bind(_like(value[:-1], start=True))} ESCAPE '\\')"
        return f"c.id IN (SELECT conversation_id FROM tags WHERE tag = {self.bind(value)})"

    def f_status(self, value: str, f: Field) -> str:
        word = value.lower()
        if word == "snoozed":
            return IS_VALUES["snoozed"]
        if word not in STATUS_VALUES:
            raise self.fail(f"unknown status {value!r} (use {', '.join(STATUS_VALUES)})", f.value_pos)
        return f"c.status = {self.bind(word)}"

    def f_account(self, value: str, f: Field) -> str:
        return f"c.account = {self.bind(value)}"

    def f_is(self, value: str, f: Field) -> str:
        word = value.lower()
        if word == "mine":
            return self.f_assignee("me", f)
        if word not in IS_VALUES:
            raise self.fail(f"unknown is:{value} (use {', '.join(sorted(IS_VALUES))})", f.value_pos)
        return IS_VALUES[word]

    def f_has(self, value: str, f: Field) -> str:
        word = value.lower()
        if word not in HAS_VALUES:
            raise self.fail(f"unknown has:{value} (use {', '.join(sorted(HAS_VALUES))})", f.value_pos)
        return HAS_VALUES[word]

    def f_assignee(self, value: str, f: Field) -> str:
        word = value.lower()
        if word == "me":
            if not self.ctx.me:
                return "0"
            marks = ", ".join(self.bind(m) for m in sorted(self.ctx.me))
            return f"lower(c.assignee) IN ({marks})"
        if word in ("none", "nobody"):
            return "c.assignee = ''"
        return f"c.assignee LIKE {self.bind(_like(value))} ESCAPE '\\'"

    def f_before(self, value: str, f: Field) -> str:
        return f"c.last_message_at < {self.bind(iso(self.day(value, f)))}"

    def f_after(self, value: str, f: Field) -> str:
        return f"c.last_message_at >= {self.bind(iso(self.day(value, f)))}"

    def f_age(self, value: str, f: Field) -> str:
        op, span = self.compare(value, f, default=">")
        # older than (>) means created before now - span
        flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "<="}[op]
        return f"c.created_at {flipped} {self.bind(iso(self.ctx.now - span))}"

    def f_waiting(self, value: str, f: Field) -> str:
        op, span = self.compare(value, f, default=">")
        flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "<="}[op]
        return f"(c.awaiting = 'agent' AND c.status != 'closed' AND c.waiting_since {flipped} {self.bind(iso(self.ctx.now - span))})"

    def f_due(self, value: str, f: Field) -> str:
        if value.lower() in ("overdue", "breached"):
            return IS_VALUES["overdue"]
        op, span = self.compare(value, f, default="<")
        return f"(c.due_at != '' AND c.due_at {'<=' if op == '=' else op} {self.bind(iso(self.ctx.now + span))})"

    def f_priority(self, value: str, f: Field) -> str:
        match = _COMPARE.fullmatch(value)
        assert match is not None
        op, word = match.group(1) or "=", match.group(2).strip().lower()
        level = PRIORITY_VALUES.get(word, int(word) if word.isdigit() else None)
        if level is None or not 0 <= level <= 3:
            raise self.fail(f"unknown priority {word!r} (use low, normal, medium, high, urgent or 0-3)", f.value_pos)
        return f"c.priority {op} {self.bind(level)}"

    def f_lang(self, value: str, f: Field) -> str:
        return f"c.language = {self.bind(value.lower())}"

    def f_view(self, value: str, f: Field) -> str:
        return f"c.routed_view = {self.bind(value)}"

    def f_id(self, value: str, f: Field) -> str:
        if not value.lstrip("#").isdigit():
            raise self.fail(f"id:{value} is not a number", f.value_pos)
        return f"c.id = {self.bind(int(value.lstrip('#')))}"

    # ------------------------------------------------------------------ values
    def compare(self, value: str, f: Field, *, default: str) -> tuple[str, timedelta]:
        match = _COMPARE.fullmatch(value)
        assert match is not None
        op = match.group(1) or default
        try:
            return op, parse_duration(match.group(2))
        except ValueError:
            raise self.fail(f"{f.name}: expects a span like >2d, <4h, >=30m (got {value!r})", f.value_pos) from None

    def day(self, value: str, f: Field) -> datetime:
        try:
            return parse_day(value, self.ctx.now, self.ctx.tz)
        except ValueError as exc:
            raise self.fail(f"{f.name}: {exc}", f.value_pos) from None


def _like(value: str, *, start: bool = False) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if start else f"%{escaped}%"

"""The store side of triage: queues by compiled query, the facts a score is computed
from and the computed scores, rule bookkeeping, snooze state and local-only fields.

The triage layer owns the logic and hands SQL fragments with parameters down (the query
compiler) or receives plain rows (facts); the store never imports it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inbox_tui.model import utcnow
from inbox_tui.store.aggregates import sort_key
from inbox_tui.store.base import StoreBase, dumps, iso
from inbox_tui.store.ingest import IngestMixin
from inbox_tui.store.once import OnceAction, OnceResult, write_once
from inbox_tui.store.outbox import NewOp, _log, distinct_runs

TEXT_PER_MESSAGE = 4000
SUBJECT_TEXT = TEXT_PER_MESSAGE * 4
"""A message body as ``rule_subjects`` reads it: at most this many characters."""
REPEAT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class ScoreRow:
    id: int
    score: int
    due_at: str
    due_kind: str
    policy: str
    rescore_at: str
    language: str
    waiting_since: str
    stale: int
    """The ``score_stale`` generation the facts were read at: a newer change wins."""


@dataclass
class RuleOutcome:
    """What the rules decided for one conversation at one trigger, written in bulk."""

    conversation_id: int
    seen_row: int
    """The rules have seen the messages up to this row."""
    runs: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """``(rule, trigger, changes)`` that fired (recorded: once per conversation and trigger)."""
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    priority: int | None = None
    status: str | None = None
    assignee: str | None = None
    routed_view: str | None = None
    language: str = ""
    """Of the customer message the rules read (saves the rescore detecting it again)."""
    ops: list[NewOp] = field(default_factory=list)
    """Operations for what the account can push upstream (tags, status, assignee)."""


class TriageMixin(IngestMixin, StoreBase):
    # ------------------------------------------------------------------ queues
    def select_ids(self, where: str, params: Mapping[str, Any], order: str, limit: int | None = None) -> list[int]:
        # a LIMIT (-1: none) makes SQLite keep the subquery's ORDER BY for the aggregate
        sql = f"SELECT c.id FROM conversations c WHERE {where} ORDER BY {order} LIMIT {-1 if limit is None else int(limit)}"
        # one text back instead of a row per id: 100k rows cost more in Python than in the
        # query (All open at 100k: ~50 ms against ~90 ms)
        row = self.query_one(f"SELECT group_concat(id) FROM ({sql})", params)
        return list(map(int, row[0].split(","))) if row and row[0] else []

    def select_ids_among(self, where: str, params: Mapping[str, Any], order: str, ids: Collection[int]) -> list[int]:
        """``select_ids`` over the rows of ``ids`` only (a search's few hits)."""
        among = f"({where}) AND c.id IN (SELECT value FROM json_each(:among_ids))"
        return self.select_ids(among, {**params, "among_ids": dumps(sorted(ids))}, order)

    def ids_where(self, where: str, params: Mapping[str, Any]) -> frozenset[int]:
        """Ids of every conversation matching ``where``, in no order (one row back: a
        100k-row fetch costs more in Python than the query)."""
        return self._id_set(f"SELECT group_concat(c.id) FROM conversations c WHERE {where}", params)

    def fts_ids(self, match: str) -> frozenset[int]:
        """Ids of the conversations an FTS5 ``MATCH`` hits, read from the index alone."""
        return self._id_set("SELECT group_concat(rowid) FROM conversations_fts WHERE conversations_fts MATCH ?", (match,))

    def sums_over(self, terms: Sequence[str], params: Mapping[str, Any], ids: Collection[int]) -> list[int]:
        """How many of ``ids`` each SQL term (over ``conversations c``) holds for, reading
        only those rows."""
        if not ids or not terms:
            return [0] * len(terms)
        sums = ", ".join(f"coalesce(sum({t}), 0)" for t in terms)
        sql = f"SELECT {sums} FROM conversations c WHERE c.id IN (SELECT value FROM json_each(:sums_over_ids))"
        row = self.query_one(sql, {**params, "sums_over_ids": dumps(sorted(ids))})
        return [int(n) for n in row] if row else [0] * len(terms)

    def _id_set(self, sql: str, params: Any) -> frozenset[int]:
        row = self.query_one(sql, params)
        return frozenset(map(int, row[0].split(","))) if row and row[0] else frozenset()

    def data_stamp(self) -> tuple[int, int]:
        """Changes when anything was written: by another process (``data_version``) or
        through this connection (``total_changes``). For caches of derived figures."""
        with self.reading() as con:
            return int(con.execute("PRAGMA data_version").fetchone()[0]), con.total_changes

    def count_where(self, where: str, params: Mapping[str, Any]) -> int:
        row = self.query_one(f"SELECT count(*) FROM conversations c WHERE {where}", params)
        return int(row[0]) if row else 0

    def rank_in(self, where: str, params: Mapping[str, Any], conversation_id: int) -> tuple[int, int] | None:
        """``(position, total)`` of a conversation in a triage-ordered queue (1-based)."""
        row = self.query_one(
            f"SELECT (SELECT count(*) FROM conversations c WHERE ({where}) AND c.sort_key < x.sort_key), "
            f"(SELECT count(*) FROM conversations c WHERE {where}), "
            f"EXISTS (SELECT 1 FROM conversations c WHERE ({where}) AND c.id = x.id) "
            "FROM conversations x WHERE x.id = :_id",
            {**params, "_id": conversation_id},
        )
        if row is None or not row[2]:
            return None
        return int(row[0]) + 1, int(row[1])

    # ------------------------------------------------------------------ scores
    def stale_ids(self, limit: int = 1000) -> list[int]:
        return [r[0] for r in self.query("SELECT id FROM conversations WHERE score_stale > 0 LIMIT ?", (limit,))]

    def clock_due_ids(self, now: datetime, limit: int = 1000) -> list[int]:
        """Conversations whose score bucket changed by the passing of time."""
        rows = self.query(
            "SELECT id FROM conversations WHERE rescore_at != '' AND rescore_at <= ? LIMIT ?", (iso(now), limit)
        )
        return [r[0] for r in rows]

    def score_facts(self, ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
        """Per conversation: its row, tags, ``events`` (direction, date) oldest first, the
        customer's recent text (``texts``), the first customer message (``first_in``),
        and ``repeat`` (their other conversations started within 30 days)."""
        if not ids:
            return []
        out: dict[int, dict[str, Any]] = {}
        since = iso(now - REPEAT_WINDOW)
        with self.reading() as con:
            marks = ",".join("?" * len(ids))
            for data in _dicts(
                con,
                "SELECT c.id, c.account, c.status, c.priority, c.awaiting, c.unread, c.waiting_since, c.subject, "
                "c.snoozed_until, c.woke_reason, c.language, c.score_stale, "
                "(SELECT group_concat(tag, char(31)) FROM tags t WHERE t.conversation_id = c.id) AS tag_list, "
                "(SELECT count(*) FROM conversations o WHERE o.customer_id = c.customer_id AND o.id != c.id "
                " AND o.created_at >= ?) AS repeat "
                f"FROM conversations c WHERE c.id IN ({marks})",
                (since, *ids),
            ):
                data["tags"] = tuple(data.pop("tag_list").split("\x1f")) if data["tag_list"] else ()
                data.update(events=[], texts=[], first_in="")
                out[data["id"]] = data
            for row in con.execute(
                f"SELECT conversation_id, direction, date, substr(body_text, 1, {TEXT_PER_MESSAGE}) AS body "
                f"FROM messages WHERE conversation_id IN ({marks}) ORDER BY conversation_id, date, id",
                ids,
            ):
                data = out[row[0]]
                data["events"].append((row[1], row[2]))
                if row[1] == "in":
                    data["texts"] = [*data["texts"][-2:], row[3]]
                    if not data["first_in"]:
                        data["first_in"] = row[3]
        return [out[i] for i in ids if i in out]

    def write_scores(self, rows: Iterable[ScoreRow]) -> int:
        """Store computed scores; a conversation changed since its facts were read stays
        stale (its generation moved on) and is picked up by the next pass."""
        with self.transaction() as con:
            return _write_scores(con, rows)

    def mark_stale(self, conversation_id: int) -> None:
        with self.transaction() as con:
            con.execute("UPDATE conversations SET score_stale = score_stale + 1 WHERE id = ?", (conversation_id,))

    def stored_score(self, conversation_id: int) -> dict[str, Any] | None:
        row = self.query_one(
            "SELECT score, due_at, due_kind, sla_policy, rescore_at, score_stale, routed_view, language, "
            "snoozed_until, snoozed_at, last_snooze_until, woke_at, woke_reason, snooze_wake_on_reply "
            "FROM conversations WHERE id = ?",
            (conversation_id,),
        )
        return dict(row) if row is not None else None

    # ------------------------------------------------------------------ rules
    def rules_pending(self, limit: int = 500) -> list[int]:
        """Conversations with customer messages the rules have not seen yet."""
        rows = self.query("SELECT id FROM conversations WHERE last_in_row > rules_seen ORDER BY id LIMIT ?", (limit,))
        return [r[0] for r in rows]

    def rule_subject(self, conversation_id: int) -> dict[str, Any] | None:
        return self.rule_subjects([conversation_id]).get(conversation_id)

    def rule_subjects(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What rule conditions read, per conversation: its row, tags, messages (oldest
        first, bodies bounded to ``SUBJECT_TEXT``) and whether the customer wrote before
        this conversation. The messages carry what an acknowledgement threads under too."""
        out: dict[int, dict[str, Any]] = {}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        with self.reading() as con:
            for data in _dicts(
                con,
                "SELECT c.*, u.email AS customer_email, u.name AS customer_name, a.address AS account_address, "
                "(SELECT group_concat(tag, char(31)) FROM tags t WHERE t.conversation_id = c.id) AS tag_list, "
                "EXISTS (SELECT 1 FROM conversations o WHERE o.customer_id = c.customer_id AND o.id != c.id "
                " AND o.created_at < c.created_at) AS seen_before "
                "FROM conversations c LEFT JOIN customers u ON u.id = c.customer_id "
                f"LEFT JOIN accounts a ON a.name = c.account WHERE c.id IN ({marks})",
                list(ids),
            ):
                data["tags"] = tuple(data.pop("tag_list").split("\x1f")) if data["tag_list"] else ()
                data["messages"] = []
                out[data["id"]] = data
            for m in _dicts(
                con,
                "SELECT conversation_id, id, direction, date, subject, from_name, from_email, to_json, cc_json, "
                "attachments_json, message_id, in_reply_to, references_json, remote_id, folder, problems_json, op_id, "
                f"substr(body_text, 1, {SUBJECT_TEXT}) AS body_text FROM messages "
                f"WHERE conversation_id IN ({marks}) ORDER BY conversation_id, date, id",
                list(ids),
            ):
                out[m["conversation_id"]]["messages"].append(m)
        return out

    def apply_rule_outcomes(
        self,
        outcomes: Sequence[RuleOutcome],
        then: Callable[[], Sequence[OnceAction]] | None = None,
        scores: Callable[[], Iterable[ScoreRow]] | None = None,
    ) -> OnceResult:
        """Everything the rules did to a batch of conversations, in one transaction:
        local changes, their upstream operations, the once-records and ``rules_seen``.
        ``then`` runs inside it, after those changes (it reads them), and returns the
        once-per-key actions (acknowledgements) to claim and write in the same commit.
        ``scores`` runs last, reading all of that, and returns the new scores of the
        conversations: stored in the same commit (one commit per chunk, not two)."""
        now = iso(utcnow())
        with self.transaction() as con:
            for run in distinct_runs(outcomes):
                _write_outcomes(con, run, now)
            result = write_once(con, then(), now) if then is not None else OnceResult([], [])
            if scores is not None:
                _write_scores(con, scores())
            return result

    def rule_runs(self, conversation_id: int) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT rule, trigger, at, changes_json FROM rule_runs WHERE conversation_id = ? ORDER BY at, rule",
            (conversation_id,),
        )
        return [{**dict(r), "changes": json.loads(r["changes_json"])} for r in rows]

    def waiting_longer_than(self, awaiting: str, before: datetime, rule: str, limit: int = 500) -> list[tuple[int, str]]:
        """Open, unsnoozed conversations waiting on ``awaiting`` since before ``before``
        that this time rule has not handled for their current wait."""
        rows = self.query(
            "SELECT c.id, c.waiting_since FROM conversations c WHERE c.status != 'closed' AND c.awaiting = ? "
            "AND c.waiting_since <= ? AND (c.snoozed_until IS NULL OR c.snoozed_until <= ?) AND NOT EXISTS "
            "(SELECT 1 FROM rule_runs r WHERE r.conversation_id = c.id AND r.rule = ? "
            "AND r.trigger = 'waiting:' || c.waiting_since) ORDER BY c.waiting_since LIMIT ?",
            (awaiting, iso(before), iso(utcnow()), rule, limit),
        )
        return [(r[0], r[1]) for r in rows]

    def claim_auto_reply(self, customer: str, day: str, conversation_id: int) -> bool:
        """``True`` once per customer and day: the right to send one acknowledgement."""
        with self.transaction() as con:
            cur = con.execute(
                "INSERT OR IGNORE INTO auto_replies (customer, day, conversation_id, at) VALUES (?, ?, ?, ?)",
                (customer.lower(), day, conversation_id, iso(utcnow())),
            )
            return cur.rowcount == 1

    def release_auto_reply(self, customer: str, day: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM auto_replies WHERE customer = ? AND day = ?", (customer.lower(), day))

    # ------------------------------------------------------------------ local triage fields
    def set_priority(self, conversation_id: int, priority: int) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE conversations SET priority = ?, score_stale = score_stale + 1 WHERE id = ?",
                (max(0, min(3, priority)), conversation_id),
            )

    def set_routed_view(self, conversation_id: int, view: str) -> None:
        with self.transaction() as con:
            con.execute("UPDATE conversations SET routed_view = ? WHERE id = ?", (view, conversation_id))

    def set_assignee(self, conversation_id: int, assignee: str, op: NewOp | None) -> None:
        """The local assignee and, when the account can push it, its operation — together."""
        now = iso(utcnow())
        with self.transaction() as con:
            conv = con.execute(
                "SELECT account, assignee, news_version FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if conv is None:
                return
            con.execute(
                "UPDATE conversations SET assignee = ?, score_stale = score_stale + 1 WHERE id = ?",
                (assignee, conversation_id),
            )
            if op is not None:
                con.execute(
                    "INSERT INTO operations (id, group_id, conversation_id, account, kind, payload_json, undo_json, "
                    "base_version, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                    (
                        op.id, op.id, conversation_id, conv["account"], str(op.kind), dumps(op.payload),
                        dumps({"assignee": conv["assignee"]}), str(conv["news_version"]), now, now,
                    ),
                )  # fmt: skip
                _log(con, op.id, "created")

    # ------------------------------------------------------------------ snooze
    def snooze(self, conversation_id: int, until: datetime, *, wake_on_reply: bool = True) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE conversations SET snoozed_until = ?, snoozed_at = ?, snooze_mark = last_in_row, "
                "snooze_wake_on_reply = ?, woke_at = '', woke_reason = '', score_stale = score_stale + 1 WHERE id = ?",
                (iso(until), iso(utcnow()), int(wake_on_reply), conversation_id),
            )

    def unsnooze(self, conversation_id: int) -> None:
        """Wake now, by the agent's hand: no marker."""
        with self.transaction() as con:
            con.execute(
                "UPDATE conversations SET last_snooze_until = COALESCE(snoozed_until, last_snooze_until), "
                "snoozed_until = NULL, woke_at = '', woke_reason = '', score_stale = score_stale + 1 WHERE id = ?",
                (conversation_id,),
            )

    def clear_wake(self, conversation_id: int, now: datetime) -> bool:
        """Take the "back from snooze" marker off (the agent has seen it)."""
        with self.transaction() as con:
            cur = con.execute(
                "UPDATE conversations SET woke_at = '', woke_reason = '', score_stale = score_stale + 1, "
                "last_snooze_until = CASE WHEN snoozed_until <= :now THEN snoozed_until ELSE last_snooze_until END, "
                "snoozed_until = CASE WHEN snoozed_until <= :now THEN NULL ELSE snoozed_until END "
                "WHERE id = :id AND (woke_at != '' OR snoozed_until <= :now)",
                {"now": iso(now), "id": conversation_id},
            )
            return cur.rowcount > 0


def _dicts(con: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Rows as dicts, built from plain tuples: ``dict(sqlite3.Row)`` costs ~14 µs for a
    conversation's 44 columns, ``dict(zip(…))`` ~2 µs (the rules read 1,000 per batch)."""
    cur = con.cursor()
    cur.row_factory = None
    cur.execute(sql, params)
    names = [d[0] for d in cur.description]
    return (dict(zip(names, row)) for row in cur)


def _write_scores(con: sqlite3.Connection, rows: Iterable[ScoreRow]) -> int:
    params = [
        (
            r.score, r.due_at, r.due_kind, r.policy, r.rescore_at, r.language, r.language,
            sort_key(r.score, r.waiting_since, r.id), r.id, r.stale,
        )
        for r in rows
    ]  # fmt: skip
    cur = con.executemany(
        "UPDATE conversations SET score = ?, due_at = ?, due_kind = ?, sla_policy = ?, "
        "rescore_at = ?, language = CASE WHEN ? = '' THEN language ELSE ? END, sort_key = ?, "
        "score_stale = 0 WHERE id = ? AND score_stale = ?",
        params,
    )
    return cur.rowcount


def _write_outcomes(con: sqlite3.Connection, outcomes: Sequence[RuleOutcome], now: str) -> None:
    """The rules' changes to distinct conversations, a few statements per kind of change."""
    ids = [o.conversation_id for o in outcomes]
    marks = ",".join("?" * len(ids))
    convs = {r[0]: r for r in con.execute(f"SELECT id, account, news_version FROM conversations WHERE id IN ({marks})", ids)}
    present = [o for o in outcomes if o.conversation_id in convs]
    con.executemany(
        "INSERT OR IGNORE INTO tags (conversation_id, tag) VALUES (?, ?)",
        [(o.conversation_id, t) for o in present for t in o.tags_add],
    )
    con.executemany(
        "DELETE FROM tags WHERE conversation_id = ? AND tag = ?", [(o.conversation_id, t) for o in present for t in o.tags_remove]
    )
    changed: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for o in present:  # one UPDATE per conversation (was one per changed column and one for rules_seen)
        values = [(column, value) for column, value in (
            ("priority", o.priority), ("status", o.status), ("assignee", o.assignee),
            ("routed_view", o.routed_view), ("language", o.language or None)) if value is not None]  # fmt: skip
        changed.setdefault(tuple(c for c, _ in values), []).append(
            (*(v for _, v in values), o.seen_row, int(bool(o.runs)), o.conversation_id)
        )
    for columns, rows in changed.items():
        assigned = "".join(f"{column} = ?, " for column in columns)
        con.executemany(
            f"UPDATE conversations SET {assigned}rules_seen = max(rules_seen, ?), score_stale = score_stale + ? WHERE id = ?",
            rows,
        )
    ops = [(op.id, op.id, o.conversation_id, convs[o.conversation_id][1], str(op.kind), dumps(op.payload),
            str(convs[o.conversation_id][2]), now, now) for o in present for op in o.ops]  # fmt: skip
    con.executemany(
        "INSERT INTO operations (id, group_id, conversation_id, account, kind, payload_json, "
        "base_version, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        ops,
    )
    con.executemany(
        "INSERT INTO operation_log (op_id, at, event, detail) VALUES (?, ?, 'created', 'by a rule')", [(r[0], now) for r in ops]
    )
    encoded: dict[tuple[str, ...], str] = {}  # a chunk's ~3,000 runs repeat a few change lists

    def changes_json(changes: list[str]) -> str:
        key = tuple(changes)
        if key not in encoded:
            encoded[key] = dumps(changes)
        return encoded[key]

    con.executemany(
        "INSERT OR IGNORE INTO rule_runs (conversation_id, rule, trigger, at, changes_json) VALUES (?, ?, ?, ?, ?)",
        [(o.conversation_id, rule, trigger, now, changes_json(changes)) for o in present for rule, trigger, changes in o.runs],
    )

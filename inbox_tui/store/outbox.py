"""Agent actions and their operations: the local change and its outbox rows commit
together, so whatever the UI reports as done is on disk and will be flushed upstream."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from inbox_tui.errors import NotFound
from inbox_tui.model import Message, OpKind, Operation, OpState, Status, utcnow
from inbox_tui.store.aggregates import refresh_conversation, refresh_conversations
from inbox_tui.store.base import StoreBase, dumps, iso, parse_iso
from inbox_tui.store.drafts import hold_drafts, release_draft
from inbox_tui.store.ingest import IngestMixin, set_tags
from inbox_tui.store.message_rows import insert_messages

T = TypeVar("T")
UNDOABLE = (OpState.PENDING, OpState.FAILED, OpState.CONFLICT)
OPEN_STATES = ("pending", "sending", "failed", "conflict", "unconfirmed")


@dataclass
class NewOp:
    kind: OpKind
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class LocalChange:
    """What an action changes in the cache right away (and how to take it back)."""

    status: Status | None = None
    tags_add: Sequence[str] = ()
    tags_remove: Sequence[str] = ()
    message: Message | None = None
    """A queued outgoing reply, shown in the thread until upstream confirms it."""
    note: tuple[str, str] | None = None
    """``(body, author)`` of an internal note."""
    read: bool | None = None
    message_op: str = ""
    """Which of the ops the queued message / note belongs to."""


class OutboxMixin(IngestMixin, StoreBase):
    def record_action(
        self,
        conversation_id: int,
        change: LocalChange,
        ops: Sequence[NewOp],
        *,
        group_id: str | None = None,
        base_version: int | None = None,
        drop_draft: bool = False,
    ) -> list[str]:
        action = ActionRow(conversation_id, change, ops, group_id or str(uuid.uuid4()), base_version, drop_draft)
        with self.transaction() as con:
            if write_actions(con, [action], iso(utcnow())):
                raise NotFound(f"conversation {conversation_id} does not exist")
        return [op.id for op in ops]

    # ------------------------------------------------------------------ undo
    def last_undoable_group(self) -> str | None:
        row = self.query_one(
            "SELECT group_id FROM operations WHERE state != 'cancelled' AND kind != 'read' "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1"
        )
        if row is None:
            return None
        rows = self.query("SELECT state, kind FROM operations WHERE group_id = ?", (row[0],))
        # a macro run mixes upstream operations with purely local changes (kind 'local', 'sent')
        if all(r["kind"] == "local" or r["state"] in {s.value for s in UNDOABLE} for r in rows):
            return str(row[0])
        return None

    def undo_group(self, group_id: str) -> list[dict[str, Any]]:
        """Cancel a group's operations and restore the cache. Returns the cancelled rows."""
        with self.transaction() as con:
            rows = con.execute(
                "SELECT * FROM operations WHERE group_id = ? ORDER BY created_at DESC, rowid DESC", (group_id,)
            ).fetchall()
            if not rows or any(r["state"] not in ("pending", "failed", "conflict") and r["kind"] != "local" for r in rows):
                return []
            conv_id = rows[0]["conversation_id"]
            # a group can hold several actions (a macro run): take each back, newest first
            for r in rows:
                undo = json.loads(r["undo_json"])
                if "status" in undo:
                    con.execute("UPDATE conversations SET status = ? WHERE id = ?", (undo["status"], conv_id))
                if "tags" in undo:
                    set_tags(con, conv_id, undo["tags"])
                if "message_row" in undo:
                    con.execute("DELETE FROM messages WHERE id = ?", (undo["message_row"],))
                if "note_row" in undo:
                    con.execute("DELETE FROM notes WHERE id = ?", (undo["note_row"],))
            con.execute(
                "UPDATE operations SET state = 'cancelled', updated_at = ? WHERE group_id = ?", (iso(utcnow()), group_id)
            )
            for r in rows:
                _log(con, r["id"], "cancelled", "undone by the agent")
                _unhold_draft(con, r)
            refresh_conversation(con, conv_id)
            return [dict(r) for r in rows]

    # ------------------------------------------------------------------ push side
    def operations(
        self, *, states: Sequence[str] = OPEN_STATES, account: str | None = None, conversation_id: int | None = None
    ) -> list[Operation]:
        sql, params = _operations_where(states, account, conversation_id)
        return [to_operation(r) for r in self.query(f"SELECT * {sql} ORDER BY created_at, rowid", params)]

    def count_operations(self, *, states: Sequence[str] = OPEN_STATES) -> int:
        """``len(operations(states=…))`` without reading a row (the status bar asks often)."""
        sql, params = _operations_where(states, None, None)
        return int(self.query_one(f"SELECT count(*) {sql}", params)[0])

    def operation(self, op_id: str) -> Operation:
        row = self.query_one("SELECT * FROM operations WHERE id = ?", (op_id,))
        if row is None:
            raise NotFound(f"operation {op_id} does not exist")
        return to_operation(row)

    def set_op_state(
        self,
        op_id: str,
        state: OpState,
        *,
        error: str = "",
        remote_id: str = "",
        attempt: bool = False,
        next_attempt_at: datetime | None = None,
    ) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE operations SET state = ?, last_error = CASE WHEN ? = '' AND ? = 'sent' THEN '' ELSE "
                "CASE WHEN ? = '' THEN last_error ELSE ? END END, remote_id = CASE WHEN ? = '' THEN remote_id ELSE ? END, "
                "attempts = attempts + ?, updated_at = ?, next_attempt_at = ? WHERE id = ?",
                (
                    str(state), error, str(state), error, error, remote_id, remote_id, int(attempt),
                    iso(utcnow()), iso(next_attempt_at), op_id,
                ),
            )  # fmt: skip
            _log(con, op_id, str(state), error)
            if state is OpState.SENT:
                release_draft(con, op_id)  # the reply is upstream: its draft may go now
            if state is OpState.SENT and remote_id:
                con.execute(
                    "UPDATE messages SET remote_id = ? WHERE op_id = ? AND remote_id IS NULL AND NOT EXISTS "
                    "(SELECT 1 FROM messages m2 WHERE m2.account = messages.account AND m2.remote_id = ?)",
                    (remote_id, op_id, remote_id),
                )
                con.execute("UPDATE notes SET remote_id = ?, local_only = 0 WHERE op_id = ?", (remote_id, op_id))

    def rebase_operation(self, op_id: str, version: int) -> None:
        """The agent has seen the news: the operation now stands on ``version``."""
        with self.transaction() as con:
            con.execute(
                "UPDATE operations SET state = 'pending', base_version = ?, updated_at = ? WHERE id = ?",
                (str(version), iso(utcnow()), op_id),
            )
            _log(con, op_id, "pending", "send anyway: the agent saw what changed")

    def edit_operation(self, op_id: str, payload: dict[str, Any], body: str, version: int) -> None:
        """New text for a reply or note that has not left; the agent saw ``version``."""
        with self.transaction() as con:
            con.execute(
                "UPDATE operations SET payload_json = ?, state = 'pending', base_version = ?, updated_at = ? "
                "WHERE id = ?",
                (dumps(payload), str(version), iso(utcnow()), op_id),
            )
            con.execute("UPDATE messages SET body_text = ? WHERE op_id = ? AND remote_id IS NULL", (body, op_id))
            con.execute("UPDATE notes SET body = ? WHERE op_id = ? AND remote_id IS NULL", (body, op_id))
            _log(con, op_id, "edited")

    def discard_operation(self, op_id: str) -> None:
        """Cancel one operation and take its own local change back."""
        with self.transaction() as con:
            row = con.execute("SELECT * FROM operations WHERE id = ?", (op_id,)).fetchone()
            if row is None:
                raise NotFound(f"operation {op_id} does not exist")
            undo = json.loads(row["undo_json"])
            conv_id = row["conversation_id"]
            if row["kind"] == "reply":
                con.execute("DELETE FROM messages WHERE op_id = ? AND remote_id IS NULL", (op_id,))
            elif row["kind"] == "note":
                con.execute("DELETE FROM notes WHERE op_id = ? AND remote_id IS NULL", (op_id,))
            elif row["kind"] == "status" and "status" in undo:
                con.execute("UPDATE conversations SET status = ? WHERE id = ?", (undo["status"], conv_id))
            elif row["kind"] == "tags" and "tags" in undo:
                set_tags(con, conv_id, undo["tags"])
            con.execute("UPDATE operations SET state = 'cancelled', updated_at = ? WHERE id = ?", (iso(utcnow()), op_id))
            _log(con, op_id, "cancelled", "discarded by the agent")
            release_draft(con, op_id)
            refresh_conversation(con, conv_id)

    def upstream_version(self, conversation_id: int) -> str:
        """The upstream version (updated-at stamp) the cache last saw for the conversation."""
        row = self.query_one("SELECT upstream_version FROM conversations WHERE id = ?", (conversation_id,))
        return str(row[0] or "") if row else ""

    def set_upstream_version(self, conversation_id: int, version: str) -> None:
        """After our own push: the change upstream is ours, not news."""
        with self.transaction() as con:
            con.execute("UPDATE conversations SET upstream_version = ? WHERE id = ?", (version, conversation_id))

    def conversation_news_version(self, conversation_id: int) -> int:
        row = self.query_one("SELECT news_version FROM conversations WHERE id = ?", (conversation_id,))
        return int(row[0]) if row else 0

    def op_log(self, op_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT at, event, detail FROM operation_log WHERE op_id = ? ORDER BY id", (op_id,))]


@dataclass
class ActionRow:
    """One action for ``write_actions``: what ``record_action`` takes, with its undo group."""

    conversation_id: int
    change: LocalChange
    ops: Sequence[NewOp]
    group: str
    base_version: int | None = None
    drop_draft: bool = False


def write_actions(con: sqlite3.Connection, actions: Sequence[ActionRow], now: str) -> list[int]:
    """Inside a transaction, in order: each action's local change, its undo record and its
    operations — ``record_action`` writes one, the rules a chunk of acknowledgements, with
    a few statements per kind of row instead of a dozen per action. Returns the
    conversations that do not exist (nothing is written for them)."""
    missing: list[int] = []
    for run in distinct_runs(actions):  # a later action on the same conversation sees the earlier one
        missing += _write_distinct(con, run, now)
    return missing


def distinct_runs(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """Consecutive runs of ``items`` with no ``conversation_id`` twice (a chunk is one run),
    for writers that read a run's state once and then write it kind by kind."""
    start = 0
    while start < len(items):
        seen: set[int] = set()
        end = start
        while end < len(items) and items[end].conversation_id not in seen:  # type: ignore[attr-defined]
            seen.add(items[end].conversation_id)  # type: ignore[attr-defined]
            end += 1
        yield items[start:end]
        start = end


def _write_distinct(con: sqlite3.Connection, actions: Sequence[ActionRow], now: str) -> list[int]:
    ids = [a.conversation_id for a in actions]
    marks = ",".join("?" * len(ids))
    convs = {
        r["id"]: r
        for r in con.execute(f"SELECT id, account, status, news_version, woke_at FROM conversations WHERE id IN ({marks})", ids)
    }
    tags_before: dict[int, list[str]] = {a.conversation_id: [] for a in actions if a.change.tags_add or a.change.tags_remove}
    if tags_before:
        tagged = list(tags_before)
        query = f"SELECT conversation_id, tag FROM tags WHERE conversation_id IN ({','.join('?' * len(tagged))}) ORDER BY 1, 2"
        for cid, tag in con.execute(query, tagged):
            tags_before[cid].append(tag)
    undo: dict[int, dict[str, Any]] = {}
    status_rows, tags_gone, tags_new, woken = [], [], [], []
    for a in actions:
        conv, change = convs.get(a.conversation_id), a.change
        if conv is None:
            continue
        cid = a.conversation_id
        undo[cid] = {}
        if change.status is not None and change.status != conv["status"]:
            undo[cid]["status"] = conv["status"]
            status_rows.append((str(change.status), cid))
        if change.tags_add or change.tags_remove:
            before = undo[cid]["tags"] = tags_before[cid]
            # the same rows as rewriting them all ((before - remove) + add), with fewer writes
            tags_gone += [(cid, t) for t in before if t in change.tags_remove and t not in change.tags_add]
            tags_new += [(cid, t) for t in change.tags_add if t and t not in before]
        if (change.message is not None or change.status is not None) and conv["woke_at"]:
            woken.append((cid,))  # answered or re-statused: the "back from snooze" marker has done its job
    con.executemany("UPDATE conversations SET status = ? WHERE id = ?", status_rows)
    con.executemany("DELETE FROM tags WHERE conversation_id = ? AND tag = ?", tags_gone)
    con.executemany("INSERT OR IGNORE INTO tags (conversation_id, tag) VALUES (?, ?)", tags_new)
    con.executemany("UPDATE conversations SET woke_at = '', woke_reason = '' WHERE id = ?", woken)
    replies = [(a.conversation_id, a.change) for a in actions if a.change.message is not None and a.conversation_id in convs]
    rows = insert_messages(con, [(convs[cid]["account"], cid, change.message, change.message_op) for cid, change in replies])
    for (cid, _), row_id in zip(replies, rows):  # distinct conversations: their order against the loop below does not matter
        undo[cid]["message_row"] = row_id
    op_rows, local_rows, held, undrafted = [], [], [], []
    for a in actions:
        conv, change, cid = convs.get(a.conversation_id), a.change, a.conversation_id
        if conv is None:
            continue
        if change.note is not None:
            cur = con.execute(
                "INSERT INTO notes (conversation_id, body, author, created_at, op_id, local_only) VALUES (?, ?, ?, ?, ?, ?)",
                (cid, change.note[0], change.note[1], now, change.message_op, int(not change.message_op)),
            )
            undo[cid]["note_row"] = cur.lastrowid
        if change.read is not None:
            con.execute(
                "UPDATE messages SET flags = CASE WHEN ? THEN trim(flags || ',seen', ',') "
                "ELSE replace(replace(flags, 'seen', ''), ',,', ',') END "
                "WHERE conversation_id = ? AND direction = 'in' AND (instr(flags, 'seen') = 0) = ?",
                (change.read, cid, change.read),
            )
        version = str(conv["news_version"] if a.base_version is None else a.base_version)
        undo_json = dumps(undo[cid])
        op_rows += [(op.id, a.group, cid, conv["account"], str(op.kind), dumps(op.payload), undo_json, version, now, now)
                    for op in a.ops]  # fmt: skip
        if a.drop_draft and change.message is not None and change.message_op:
            held.append((cid, change.message_op, change.message.body_text))
        elif a.drop_draft:
            undrafted.append((cid,))
        if not a.ops and undo[cid]:  # a purely local change still needs its undo record
            local_rows.append((str(uuid.uuid4()), a.group, cid, conv["account"], undo_json, "", now, now))
    con.executemany(
        "INSERT INTO operations (id, group_id, conversation_id, account, kind, payload_json, undo_json, "
        "base_version, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        op_rows,
    )
    logged = iso(utcnow())
    con.executemany(
        "INSERT INTO operation_log (op_id, at, event, detail) VALUES (?, ?, 'created', '')", [(r[0], logged) for r in op_rows]
    )
    hold_drafts(con, held)
    con.executemany("DELETE FROM drafts WHERE conversation_id = ?", undrafted)
    con.executemany(
        "INSERT INTO operations (id, group_id, conversation_id, account, kind, payload_json, undo_json, "
        "base_version, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'local', '{}', ?, ?, 'sent', ?, ?)",
        local_rows,
    )
    refresh_conversations(con, list(undo))
    return [cid for cid in ids if cid not in convs]


def _unhold_draft(con: sqlite3.Connection, op: sqlite3.Row) -> None:
    """Undo of a queued reply: its text becomes the conversation's draft again (unless
    the agent has started a new one), its versions free again."""
    if op["kind"] != "reply":
        return
    held = con.execute(
        "SELECT body FROM draft_versions WHERE op_id = ? ORDER BY id DESC LIMIT 1", (op["id"],)
    ).fetchone()
    con.execute("UPDATE draft_versions SET op_id = '' WHERE op_id = ?", (op["id"],))
    if held is not None:
        con.execute(
            "INSERT INTO drafts (conversation_id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT(conversation_id) DO NOTHING",
            (op["conversation_id"], held[0], iso(utcnow())),
        )


def _log(con: sqlite3.Connection, op_id: str, event: str, detail: str = "") -> None:
    con.execute(
        "INSERT INTO operation_log (op_id, at, event, detail) VALUES (?, ?, ?, ?)", (op_id, iso(utcnow()), event, detail)
    )


def to_operation(row: sqlite3.Row) -> Operation:
    return Operation(
        id=row["id"],
        conversation_id=row["conversation_id"],
        account=row["account"],
        kind=OpKind(row["kind"]),
        payload=json.loads(row["payload_json"]),
        base_version=row["base_version"],
        state=OpState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=parse_iso(row["created_at"]),
        updated_at=parse_iso(row["updated_at"]),
        remote_id=row["remote_id"],
    )


def _operations_where(states: Sequence[str], account: str | None, conversation_id: int | None) -> tuple[str, list[Any]]:
    marks = ",".join("?" * len(states))
    sql = f"FROM operations WHERE kind != 'local' AND state IN ({marks})"
    params: list[Any] = list(states)
    if account is not None:
        sql += " AND account = ?"
        params.append(account)
    if conversation_id is not None:
        sql += " AND conversation_id = ?"
        params.append(conversation_id)
    return sql, params

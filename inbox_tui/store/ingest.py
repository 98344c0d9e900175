"""Storing what connectors pull: upserts by remote id, mail threading, flag changes.

A batch and its connector cursor commit in one transaction, so an interrupted sync
resumes at the last stored batch and storing the same batch twice changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from inbox_tui.model import (
    Direction,
    Message,
    PullBatch,
    RemoteConversation,
    RemoteNote,
    Status,
    normalize_subject,
    utcnow,
)
from inbox_tui.store.aggregates import refresh_conversation
from inbox_tui.store.base import StoreBase, dumps, iso
from inbox_tui.store.message_rows import flags_text, insert_messages

SUBJECT_JOIN_WINDOW = timedelta(days=30)


@dataclass
class IngestResult:
    new_messages: int = 0
    updated_messages: int = 0
    conversations: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


class IngestMixin(StoreBase):
    # ------------------------------------------------------------------ accounts, cursors
    def ensure_account(self, name: str, kind: str, address: str = "") -> None:
        with self.transaction() as con:
            con.execute(
                "INSERT INTO accounts (name, kind, address, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, address = excluded.address",
                (name, kind, address, iso(utcnow())),
            )
            con.execute("INSERT OR IGNORE INTO sync_state (account) VALUES (?)", (name,))

    def cursor(self, account: str) -> dict[str, Any] | None:
        row = self.query_one("SELECT cursor_json FROM sync_state WHERE account = ?", (account,))
        return json.loads(row["cursor_json"]) if row else None

    def known(self, account: str, remote_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(remote_ids)
        with self.reading() as con:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in con.execute(
                    f"SELECT remote_id, flags FROM messages WHERE account = ? AND remote_id IN ({marks})",
                    (account, *chunk),
                ):
                    out[row["remote_id"]] = row["flags"]
        return out

    # ------------------------------------------------------------------ the batch
    def apply_batch(self, account: str, batch: PullBatch) -> IngestResult:
        result = IngestResult(problems=list(batch.problems))
        with self.transaction() as con:
            for conv in batch.conversations:
                self._upsert_remote_conversation(con, account, conv, result)
            for msg in sorted(batch.messages, key=lambda m: m.date):
                self._ingest_mail_message(con, account, msg, result)
            for change in batch.flag_changes:
                row = con.execute(
                    "SELECT id, conversation_id FROM messages WHERE account = ? AND remote_id = ?",
                    (account, change.remote_id),
                ).fetchone()
                if row:
                    con.execute("UPDATE messages SET flags = ? WHERE id = ?", (flags_text(change.flags), row["id"]))
                    result.conversations.add(row["conversation_id"])
            for remote_id in batch.removed:
                self._remove_message(con, account, remote_id, result)
            for conv_id in result.conversations:
                refresh_conversation(con, conv_id)
            if batch.cursor is not None:
                con.execute(
                    "UPDATE sync_state SET cursor_json = ? WHERE account = ?", (dumps(batch.cursor), account)
                )
        return result

    # ------------------------------------------------------------------ mail
    def _ingest_mail_message(self, con: sqlite3.Connection, account: str, msg: Message, result: IngestResult) -> None:
        if msg.problems:
            result.problems.append(f"{msg.remote_id}: {'; '.join(msg.problems)}")
        row = con.execute(
            "SELECT id, conversation_id, flags FROM messages WHERE account = ? AND remote_id = ?",
            (account, msg.remote_id),
        ).fetchone()
        if row is None and msg.message_id:
            # the same message seen before under another remote id: our own queued reply
            # coming back from Sent, a UIDVALIDITY reset, a copy in a second folder
            row = con.execute(
                "SELECT id, conversation_id, flags FROM messages WHERE account = ? AND message_id = ? "
                "ORDER BY remote_id IS NOT NULL, id LIMIT 1",
                (account, msg.message_id),
            ).fetchone()
        if row is not None:
            con.execute(
                "UPDATE messages SET remote_id = COALESCE(remote_id, ?), folder = CASE WHEN remote_id IS NULL "
                "THEN ? ELSE folder END, flags = ? WHERE id = ?",
                (msg.remote_id, msg.folder, flags_text(msg.flags), row["id"]),
            )
            if msg.remote_id != self._remote_id_of(con, row["id"]):
                # a second copy (or a renumbered one): remember the new id as well
                con.execute(
                    "UPDATE messages SET remote_id = ? WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM messages WHERE account = ? AND remote_id = ?)",
                    (msg.remote_id, row["id"], account, msg.remote_id),
                )
            result.updated_messages += 1
            result.conversations.add(row["conversation_id"])
            return
        conv_id = self._find_mail_thread(con, account, msg)
        if conv_id is None:
            conv_id = self._new_mail_conversation(con, account, msg)
        elif msg.direction is Direction.IN:
            con.execute(
                "UPDATE conversations SET news_version = news_version + 1, "
                "status = CASE WHEN status IN ('pending', 'closed') AND last_message_at < ? THEN 'open' ELSE status END "
                "WHERE id = ?",
                (iso(msg.date), conv_id),
            )
        self._insert_message(con, account, conv_id, msg)
        result.new_messages += 1
        result.conversations.add(conv_id)

    @staticmethod
    def _remote_id_of(con: sqlite3.Connection, row_id: int) -> str | None:
        found = con.execute("SELECT remote_id FROM messages WHERE id = ?", (row_id,)).fetchone()
        return found["remote_id"] if found else None

    def _find_mail_thread(self, con: sqlite3.Connection, account: str, msg: Message) -> int | None:
        refs = [r for r in (*msg.references, msg.in_reply_to) if r]
        if refs:
            marks = ",".join("?" * len(refs))
            row = con.execute(
                f"SELECT conversation_id FROM messages WHERE account = ? AND message_id IN ({marks}) "
                "ORDER BY date DESC LIMIT 1",
                (account, *refs),
            ).fetchone()
            if row:
                return int(row["conversation_id"])
        if msg.message_id:  # a reply that arrived before this message, its parent
            row = con.execute(
                "SELECT m.conversation_id FROM message_refs r JOIN messages m ON m.id = r.message_row "
                "WHERE r.account = ? AND r.ref_id = ? LIMIT 1",
                (account, msg.message_id),
            ).fetchone()
            if row:
                return int(row["conversation_id"])
        thread_subject, had_prefix = normalize_subject(msg.subject)
        customer = _customer_of(msg)
        if len(thread_subject) < 4 or not customer:
            return None
        # fallback: same customer, same normalised subject, recent — never another customer's mail
        row = con.execute(
            "SELECT c.id, c.status FROM conversations c JOIN customers u ON u.id = c.customer_id "
            "WHERE c.account = ? AND c.thread_subject = ? AND u.email = ? AND c.last_message_at >= ? "
            "ORDER BY c.last_message_at DESC LIMIT 1",
            (account, thread_subject, customer[0], iso(msg.date - SUBJECT_JOIN_WINDOW)),
        ).fetchone()
        if row and (had_prefix or row["status"] != Status.CLOSED):
            return int(row["id"])
        return None

    def _new_mail_conversation(self, con: sqlite3.Connection, account: str, msg: Message) -> int:
        customer = _customer_of(msg)
        customer_id = upsert_customer(con, *customer) if customer else None
        thread_subject, _ = normalize_subject(msg.subject)
        remote_id = f"mail:{msg.message_id or msg.remote_id}"
        when = iso(msg.date)
        cur = con.execute(
            "INSERT INTO conversations (account, remote_id, subject, thread_subject, customer_id, status, raw_status, "
            "created_at, updated_at, waiting_since, last_message_at) VALUES (?, ?, ?, ?, ?, 'open', '', ?, ?, ?, ?) "
            "ON CONFLICT(account, remote_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
            (account, remote_id, msg.subject, thread_subject, customer_id, when, when, when, when),
        )
        return int(cur.fetchone()[0])

    def _insert_message(
        self, con: sqlite3.Connection, account: str, conv_id: int, msg: Message, *, op_id: str = ""
    ) -> int:
        return insert_messages(con, [(account, conv_id, msg, op_id)])[0]

    def _remove_message(self, con: sqlite3.Connection, account: str, remote_id: str, result: IngestResult) -> None:
        row = con.execute(
            "SELECT id, conversation_id FROM messages WHERE account = ? AND remote_id = ?", (account, remote_id)
        ).fetchone()
        if row is None:
            return
        con.execute("DELETE FROM messages WHERE id = ?", (row["id"],))
        conv_id = row["conversation_id"]
        left = con.execute(
            "SELECT (SELECT count(*) FROM messages WHERE conversation_id = ?) + "
            "(SELECT count(*) FROM notes WHERE conversation_id = ?) + "
            "(SELECT count(*) FROM operations WHERE conversation_id = ? AND state NOT IN ('sent', 'cancelled'))",
            (conv_id, conv_id, conv_id),
        ).fetchone()[0]
        if left == 0:  # nothing of the agent's hangs on it: the conversation went with its mail
            con.execute("DELETE FROM conversations WHERE id = ?", (conv_id,))
            result.conversations.discard(conv_id)
        else:
            result.conversations.add(conv_id)

    # ------------------------------------------------------------------ helpdesks
    def _upsert_remote_conversation(
        self, con: sqlite3.Connection, account: str, conv: RemoteConversation, result: IngestResult
    ) -> None:
        customer_id = upsert_customer(con, conv.customer.email, conv.customer.name) if conv.customer.email else None
        existing = con.execute(
            "SELECT id, status, raw_status FROM conversations WHERE account = ? AND remote_id = ?",
            (account, conv.remote_id),
        ).fetchone()
        thread_subject, _ = normalize_subject(conv.subject)
        created = iso(conv.created_at or conv.updated_at)
        if existing is None:
            cur = con.execute(
                "INSERT INTO conversations (account, remote_id, subject, thread_subject, customer_id, status, raw_status, "
                "priority, assignee, created_at, updated_at, waiting_since, last_message_at, upstream_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    account,
                    conv.remote_id,
                    conv.subject,
                    thread_subject,
                    customer_id,
                    str(conv.status),
                    conv.raw_status,
                    conv.priority or 0,
                    conv.assignee,
                    created,
                    iso(conv.updated_at),
                    created,
                    created,
                    conv.version,
                ),
            )
            conv_id = int(cur.fetchone()[0])
        else:
            conv_id = int(existing["id"])
            local_ops = {
                r["kind"]
                for r in con.execute(
                    "SELECT kind FROM operations WHERE conversation_id = ? AND state IN "
                    "('pending','sending','failed','conflict','unconfirmed')",
                    (conv_id,),
                )
            }
            # canonical, not raw: our own pushed status change coming back is not news
            status_changed = existing["status"] != str(conv.status)
            con.execute(
                "UPDATE conversations SET subject = ?, thread_subject = ?, customer_id = COALESCE(?, customer_id), "
                "status = CASE WHEN ? THEN status ELSE ? END, raw_status = ?, "
                "priority = COALESCE(?, priority), assignee = CASE WHEN ? THEN assignee ELSE ? END, "
                "upstream_version = ?, news_version = news_version + ? WHERE id = ?",
                (
                    conv.subject,
                    thread_subject,
                    customer_id,
                    "status" in local_ops,
                    str(conv.status),
                    conv.raw_status,
                    conv.priority,
                    "assign" in local_ops,
                    conv.assignee,
                    conv.version,
                    1 if status_changed and "status" not in local_ops else 0,
                    conv_id,
                ),
            )
            if "tags" in local_ops:
                conv = _without_tags(conv)
        if conv.tags is not None:  # None: a local tag change is still on its way upstream
            set_tags(con, conv_id, conv.tags)
        for old_remote in conv.merged_from:
            self._merge_into(con, account, old_remote, conv_id)
        for msg in conv.messages:
            self._upsert_ticket_message(con, account, conv_id, msg, result)
        for note in conv.notes:
            self._upsert_remote_note(con, conv_id, note, result)
        result.conversations.add(conv_id)

    def _upsert_ticket_message(
        self, con: sqlite3.Connection, account: str, conv_id: int, msg: Message, result: IngestResult
    ) -> None:
        if msg.problems:
            result.problems.append(f"{msg.remote_id}: {'; '.join(msg.problems)}")
        row = con.execute(
            "SELECT id FROM messages WHERE account = ? AND remote_id = ?", (account, msg.remote_id)
        ).fetchone()
        if row is not None:
            con.execute(
                "UPDATE messages SET conversation_id = ?, body_text = ?, subject = ?, from_name = ?, from_email = ? "
                "WHERE id = ?",
                (conv_id, msg.body_text, msg.subject, msg.sender.name, msg.sender.email, row["id"]),
            )
            result.updated_messages += 1
            return
        if msg.direction is Direction.OUT:
            # our own queued reply, seen upstream before the push recorded its remote id
            mine = con.execute(
                "SELECT id FROM messages WHERE conversation_id = ? AND remote_id IS NULL AND op_id != '' "
                "AND trim(body_text) = trim(?) LIMIT 1",
                (conv_id, msg.body_text),
            ).fetchone()
            if mine:
                con.execute("UPDATE messages SET remote_id = ? WHERE id = ?", (msg.remote_id, mine["id"]))
                result.updated_messages += 1
                return
        flags = set(msg.flags)
        if msg.direction is Direction.OUT:
            flags.add("seen")
        msg.flags = frozenset(flags)
        self._insert_message(con, account, conv_id, msg)
        # anything new that is not our own queued reply is news the agent has not seen
        con.execute("UPDATE conversations SET news_version = news_version + 1 WHERE id = ?", (conv_id,))
        result.new_messages += 1

    def _upsert_remote_note(self, con: sqlite3.Connection, conv_id: int, note: RemoteNote, result: IngestResult) -> None:
        row = con.execute(
            "SELECT id FROM notes WHERE conversation_id = ? AND remote_id = ?", (conv_id, note.remote_id)
        ).fetchone()
        if row:
            con.execute("UPDATE notes SET body = ? WHERE id = ?", (note.body, row["id"]))
            return
        mine = con.execute(
            "SELECT id FROM notes WHERE conversation_id = ? AND remote_id IS NULL AND op_id != '' "
            "AND trim(body) = trim(?) LIMIT 1",
            (conv_id, note.body),
        ).fetchone()
        if mine:
            con.execute("UPDATE notes SET remote_id = ?, local_only = 0 WHERE id = ?", (note.remote_id, mine["id"]))
            return
        con.execute(
            "INSERT INTO notes (conversation_id, body, author, created_at, remote_id, local_only) VALUES (?,?,?,?,?,0)",
            (conv_id, note.body, note.author, iso(note.created_at), note.remote_id),
        )
        con.execute("UPDATE conversations SET news_version = news_version + 1 WHERE id = ?", (conv_id,))

    def _merge_into(self, con: sqlite3.Connection, account: str, old_remote: str, target: int) -> None:
        old = con.execute(
            "SELECT id FROM conversations WHERE account = ? AND remote_id = ?", (account, old_remote)
        ).fetchone()
        if old is None or old["id"] == target:
            return
        # work queued on the merged-away conversation now goes to the one it lives in
        con.execute(
            "UPDATE operations SET payload_json = json_set(payload_json, '$.conversation_remote_id', "
            "(SELECT remote_id FROM conversations WHERE id = ?)) WHERE conversation_id = ? "
            "AND state NOT IN ('sent', 'cancelled') AND json_extract(payload_json, '$.conversation_remote_id') = ?",
            (target, old["id"], old_remote),
        )
        for table in ("drafts", "rule_runs"):  # keyed by conversation: the target's own row wins
            con.execute(f"UPDATE OR IGNORE {table} SET conversation_id = ? WHERE conversation_id = ?", (target, old["id"]))
        for table in ("messages", "notes", "operations", "draft_versions"):
            con.execute(f"UPDATE {table} SET conversation_id = ? WHERE conversation_id = ?", (target, old["id"]))
        con.execute(
            "INSERT OR IGNORE INTO tags (conversation_id, tag) SELECT ?, tag FROM tags WHERE conversation_id = ?",
            (target, old["id"]),
        )
        con.execute("DELETE FROM conversations WHERE id = ?", (old["id"],))


# ---------------------------------------------------------------------- shared helpers


def upsert_customer(con: sqlite3.Connection, email: str, name: str = "") -> int:
    row = con.execute(
        "INSERT INTO customers (email, name) VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET "
        "name = CASE WHEN customers.name = '' THEN excluded.name ELSE customers.name END RETURNING id",
        (email.strip().lower(), name),
    ).fetchone()
    return int(row[0])


def set_tags(con: sqlite3.Connection, conv_id: int, tags: Iterable[str]) -> None:
    con.execute("DELETE FROM tags WHERE conversation_id = ?", (conv_id,))
    con.executemany(
        "INSERT OR IGNORE INTO tags (conversation_id, tag) VALUES (?, ?)", [(conv_id, t) for t in tags if t]
    )


def _customer_of(msg: Message) -> tuple[str, str] | None:
    if msg.direction is Direction.IN:
        if msg.sender.email:
            return msg.sender.email.lower(), msg.sender.name
        return None
    if msg.to:
        return msg.to[0].email.lower(), msg.to[0].name
    return None


def _without_tags(conv: RemoteConversation) -> RemoteConversation:
    from dataclasses import replace

    return replace(conv, tags=None)  # type: ignore[arg-type]


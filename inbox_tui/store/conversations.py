"""Reading one conversation (thread, notes, customer). Drafts live in ``drafts.py``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from inbox_tui.model import (
    Address,
    Attachment,
    Conversation,
    Direction,
    Note,
    Status,
    StoredMessage,
)
from inbox_tui.store.base import StoreBase, parse_iso


class ConversationsMixin(StoreBase):
    def conversation(self, conversation_id: int) -> Conversation | None:
        row = self.query_one(
            "SELECT c.*, u.email AS customer_email, u.name AS customer_name, "
            "(SELECT group_concat(tag, char(31)) FROM tags t WHERE t.conversation_id = c.id) AS tag_list "
            "FROM conversations c LEFT JOIN customers u ON u.id = c.customer_id WHERE c.id = ?",
            (conversation_id,),
        )
        return to_conversation(row) if row else None

    def conversation_language(self, conversation_id: int) -> str:
        """The language the rules detected (``de``, ``zh``…); ``""`` when none was."""
        row = self.query_one("SELECT language FROM conversations WHERE id = ?", (conversation_id,))
        return str(row[0] or "") if row else ""

    def conversations_many(self, ids: Sequence[int]) -> dict[int, Conversation]:
        """``conversation(id)`` for many at once (rules acting on a chunk)."""
        marks = ",".join("?" * len(ids))
        rows = self.query(
            "SELECT c.*, u.email AS customer_email, u.name AS customer_name, "
            "(SELECT group_concat(tag, char(31)) FROM tags t WHERE t.conversation_id = c.id) AS tag_list "
            f"FROM conversations c LEFT JOIN customers u ON u.id = c.customer_id WHERE c.id IN ({marks})",
            list(ids),
        )
        return {r["id"]: to_conversation(r) for r in rows}

    def messages_many(self, ids: Sequence[int]) -> dict[int, list[StoredMessage]]:
        """``messages(id)`` for many conversations at once."""
        out: dict[int, list[StoredMessage]] = {i: [] for i in ids}
        marks = ",".join("?" * len(ids))
        rows = self.query(
            f"SELECT * FROM messages WHERE conversation_id IN ({marks}) ORDER BY conversation_id, date, id", list(ids)
        )
        for r in rows:
            out[r["conversation_id"]].append(to_message(r))
        return out

    def conversation_by_remote(self, account: str, remote_id: str) -> Conversation | None:
        row = self.query_one("SELECT id FROM conversations WHERE account = ? AND remote_id = ?", (account, remote_id))
        return self.conversation(row[0]) if row else None

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        rows = self.query("SELECT * FROM messages WHERE conversation_id = ? ORDER BY date, id", (conversation_id,))
        return [to_message(r) for r in rows]

    def message(self, row_id: int) -> StoredMessage | None:
        row = self.query_one("SELECT * FROM messages WHERE id = ?", (row_id,))
        return to_message(row) if row else None

    def notes(self, conversation_id: int) -> list[Note]:
        rows = self.query("SELECT * FROM notes WHERE conversation_id = ? ORDER BY created_at, id", (conversation_id,))
        return [
            Note(
                id=r["id"],
                conversation_id=r["conversation_id"],
                body=r["body"],
                author=r["author"],
                created_at=parse_iso(r["created_at"]),
                remote_id=r["remote_id"] or "",
                local_only=bool(r["local_only"]),
            )
            for r in rows
        ]

    def tag_catalogue(self) -> list[str]:
        return [r[0] for r in self.query("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")]


def _addresses(text: str) -> tuple[Address, ...]:
    return tuple(Address(e, n) for e, n in _list(text))


def _list(text: str | None) -> list[Any]:
    """A stored JSON list; most are empty and need no decoding (rules read ~1,000 messages a chunk)."""
    return [] if not text or text == "[]" else json.loads(text)


def to_message(r: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=r["id"],
        conversation_id=r["conversation_id"],
        direction=Direction(r["direction"]),
        sender=Address(r["from_email"], r["from_name"]),
        to=_addresses(r["to_json"]),
        cc=_addresses(r["cc_json"]),
        date=parse_iso(r["date"]),
        subject=r["subject"],
        body_text=r["body_text"],
        message_id=r["message_id"],
        in_reply_to=r["in_reply_to"],
        references=tuple(_list(r["references_json"])),
        attachments=tuple(Attachment(f, t, s) for f, t, s in _list(r["attachments_json"])),
        remote_id=r["remote_id"] or "",
        folder=r["folder"],
        problems=tuple(_list(r["problems_json"])),
        op_id=r["op_id"],
    )


def to_conversation(r: sqlite3.Row | dict[str, Any]) -> Conversation:
    data = dict(r)
    tags = data.get("tag_list")
    return Conversation(
        id=data["id"],
        account=data["account"],
        remote_id=data["remote_id"],
        subject=data["subject"],
        customer=Address(data.get("customer_email") or "", data.get("customer_name") or ""),
        status=Status(data["status"]),
        raw_status=data["raw_status"],
        priority=data["priority"],
        tags=tuple(sorted(tags.split("\x1f"))) if tags else (),
        unread=bool(data["unread"]),
        awaiting=data["awaiting"],
        created_at=parse_iso(data["created_at"]),
        updated_at=parse_iso(data["updated_at"]),
        waiting_since=parse_iso(data["waiting_since"]),
        message_count=data["message_count"],
        snippet=data["snippet"],
        assignee=data["assignee"],
        customer_id=data["customer_id"],
        has_attachments=bool(data["has_attachments"]),
        version=data["news_version"],
    )

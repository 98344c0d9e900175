"""Writing message rows: one or a chunk at a time, with their references."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from inbox_tui.model import Message
from inbox_tui.store.base import dumps, iso


_INSERT_MESSAGE = (
    "INSERT INTO messages (id, conversation_id, account, remote_id, message_id, in_reply_to, references_json, "
    "direction, from_name, from_email, to_json, cc_json, date, subject, body_text, attachments_json, folder, "
    "flags, keywords_json, problems_json, op_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_LAST_ROWID = 2**63 - 1
_EMPTY = "[]"
"""What ``dumps`` writes for an empty list (most of a message's lists are: not encoded)."""


def insert_messages(con: sqlite3.Connection, items: Sequence[tuple[str, int, Message, str]]) -> list[int]:
    """Insert ``(account, conversation id, message, op id)`` rows in order, with their
    references; returns their row ids. One ``executemany`` per table (a chunk of
    acknowledgements inserts ~500): the ids are the ones SQLite would have picked one by
    one (``messages.id`` is a plain rowid: the largest so far plus one)."""
    if not items:
        return []
    top = con.execute("SELECT max(id) FROM messages").fetchone()[0] or 0
    if top > _LAST_ROWID - len(items):  # SQLite would pick free ids at random: let it
        ids = [_insert_one(con, item) for item in items]
    else:
        ids = list(range(top + 1, top + 1 + len(items)))
        con.executemany(_INSERT_MESSAGE, [_message_values(row_id, *item) for row_id, item in zip(ids, items)])
    refs = [(account, ref, row_id) for row_id, (account, _, msg, _) in zip(ids, items)
            for ref in {r for r in (*msg.references, msg.in_reply_to) if r}]  # fmt: skip
    if refs:
        con.executemany("INSERT INTO message_refs (account, ref_id, message_row) VALUES (?, ?, ?)", refs)
    return ids


def _insert_one(con: sqlite3.Connection, item: tuple[str, int, Message, str]) -> int:
    return int(con.execute(_INSERT_MESSAGE, _message_values(None, *item)).lastrowid or 0)


def _message_values(row_id: int | None, account: str, conv_id: int, msg: Message, op_id: str) -> tuple[Any, ...]:
    return (
        row_id,
        conv_id,
        account,
        msg.remote_id or None,
        msg.message_id,
        msg.in_reply_to,
        dumps(list(msg.references)) if msg.references else _EMPTY,
        str(msg.direction),
        msg.sender.name,
        msg.sender.email,
        dumps([[a.email, a.name] for a in msg.to]) if msg.to else _EMPTY,
        dumps([[a.email, a.name] for a in msg.cc]) if msg.cc else _EMPTY,
        iso(msg.date),
        msg.subject,
        msg.body_text,
        dumps([[a.filename, a.content_type, a.size] for a in msg.attachments]) if msg.attachments else _EMPTY,
        msg.folder,
        flags_text(msg.flags),
        dumps(sorted(msg.keywords)) if msg.keywords else _EMPTY,
        dumps(list(msg.problems)) if msg.problems else _EMPTY,
        op_id,
    )


def flags_text(flags: Collection[str]) -> str:
    return ",".join(sorted(flags))

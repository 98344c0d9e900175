"""Drafts: the reply being typed, saved as it is typed, with its previous versions.

A draft outlives the compose box, the app and a kill -9 (every save is one committed
transaction). When the agent sends, the draft's versions are *held* by the reply's
operation (``draft_versions.op_id``) instead of being deleted: they go only when upstream
confirms the reply (``release_draft`` from ``set_op_state(SENT)``) or the agent discards
the operation. While held they are not offered again (the text is queued already; offering
it would invite a second reply), but they stay readable through ``draft_versions``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from inbox_tui.model import utcnow
from inbox_tui.store.base import StoreBase, iso, parse_iso

DRAFT_VERSIONS_KEPT = 20
"""Every save among the newest this many is kept (held ones are kept until their reply is
settled)."""
DRAFT_CHECKPOINTS_KEPT = 100
"""Older saves thin out to the last of each minute, up to this many versions in all: an
hour of steady typing still leaves a version from every minute to go back to."""


@dataclass(frozen=True)
class DraftVersion:
    body: str
    saved_at: datetime


class DraftsMixin(StoreBase):
    def save_draft(self, conversation_id: int, body: str) -> None:
        now = iso(utcnow())
        with self.transaction() as con:
            current = con.execute("SELECT body FROM drafts WHERE conversation_id = ?", (conversation_id,)).fetchone()
            if current is not None and current["body"] == body:
                return
            con.execute(
                "INSERT INTO drafts (conversation_id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT(conversation_id) "
                "DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, version = version + 1",
                (conversation_id, body, now),
            )
            con.execute(
                "INSERT INTO draft_versions (conversation_id, body, saved_at) VALUES (?, ?, ?)",
                (conversation_id, body, now),
            )
            _thin_versions(con, conversation_id)

    def draft(self, conversation_id: int) -> str | None:
        row = self.query_one("SELECT body FROM drafts WHERE conversation_id = ?", (conversation_id,))
        return row[0] if row else None

    def draft_versions(self, conversation_id: int, *, held_by: str = "") -> list[str]:
        """Newest first: the free versions, or those held by the reply operation ``held_by``."""
        rows = self.query(
            "SELECT body FROM draft_versions WHERE conversation_id = ? AND op_id = ? ORDER BY id DESC",
            (conversation_id, held_by),
        )
        return [r[0] for r in rows]

    def draft_history(self, conversation_id: int) -> list[DraftVersion]:
        """The free versions with the time each was saved, newest first."""
        rows = self.query(
            "SELECT body, saved_at FROM draft_versions WHERE conversation_id = ? AND op_id = '' ORDER BY id DESC",
            (conversation_id,),
        )
        return [DraftVersion(r[0], parse_iso(r[1])) for r in rows]

    def delete_draft(self, conversation_id: int) -> None:
        """The agent emptied or dropped the draft; its earlier versions stay (pruned)."""
        with self.transaction() as con:
            con.execute("DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,))


def _thin_versions(con: sqlite3.Connection, conversation_id: int) -> None:
    """Keep the newest ``DRAFT_VERSIONS_KEPT`` saves, then the last save of each older
    minute, at most ``DRAFT_CHECKPOINTS_KEPT`` versions in all."""
    free = "FROM draft_versions WHERE conversation_id = :cid AND op_id = ''"
    params = {"cid": conversation_id, "recent": DRAFT_VERSIONS_KEPT, "most": DRAFT_CHECKPOINTS_KEPT}
    con.execute(
        f"DELETE {free} AND id NOT IN (SELECT id {free} ORDER BY id DESC LIMIT :recent) "
        f"AND id NOT IN (SELECT max(id) {free} GROUP BY substr(saved_at, 1, 16))",
        params,
    )
    con.execute(f"DELETE {free} AND id NOT IN (SELECT id {free} ORDER BY id DESC LIMIT :most)", params)


def hold_draft(con: sqlite3.Connection, conversation_id: int, op_id: str, sent_text: str) -> None:
    """Inside the reply's transaction: the draft becomes the reply; its versions (and the
    final text) stay on disk, held by the operation, until upstream confirms it."""
    hold_drafts(con, [(conversation_id, op_id, sent_text)])


def hold_drafts(con: sqlite3.Connection, held: Sequence[tuple[int, str, str]]) -> None:
    """``hold_draft`` for many ``(conversation_id, op_id, sent_text)`` of distinct conversations."""
    now = iso(utcnow())
    con.executemany(
        "UPDATE draft_versions SET op_id = ? WHERE conversation_id = ? AND op_id = ''", [(op, cid) for cid, op, _ in held]
    )
    con.executemany(
        "INSERT INTO draft_versions (conversation_id, body, saved_at, op_id) VALUES (?, ?, ?, ?)",
        [(cid, text, now, op) for cid, op, text in held],
    )
    con.executemany("DELETE FROM drafts WHERE conversation_id = ?", [(cid,) for cid, _, _ in held])


def release_draft(con: sqlite3.Connection, op_id: str) -> None:
    """The reply is upstream (or was discarded): its draft versions go."""
    con.execute("DELETE FROM draft_versions WHERE op_id = ?", (op_id,))

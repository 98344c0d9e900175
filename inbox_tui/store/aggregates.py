"""Per-conversation figures derived from its messages (kept in columns for fast queues)."""

from __future__ import annotations

import sqlite3

from inbox_tui.model import utcnow
from inbox_tui.store.base import iso

SNIPPET_LENGTH = 160
SCORE_OFFSET = 500_000


def sort_key(score: int, waiting_since: str, conv_id: int) -> str:
    """Triage order as one indexable string: the highest priority score first (the score
    is kept by ``inbox_tui.triage``), then the longest wait first."""
    return f"{SCORE_OFFSET - max(1 - SCORE_OFFSET, min(score, SCORE_OFFSET - 1)):06d}{waiting_since}{conv_id:010d}"


def snippet_of(body: str) -> str:
    lines = []
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if stripped.endswith("wrote:") or stripped.startswith("-----Original"):
            break
        lines.append(stripped)
        if sum(len(x) for x in lines) > SNIPPET_LENGTH:
            break
    text = " ".join(lines)
    return text[: SNIPPET_LENGTH - 1] + "…" if len(text) > SNIPPET_LENGTH else text


def refresh_conversation(con: sqlite3.Connection, conv_id: int) -> None:
    """Recompute the columns derived from the messages; mark the score stale (the triage
    layer rescores); wake a snoozed conversation the customer wrote to."""
    conv = con.execute(
        "SELECT score, subject, snoozed_until, snooze_mark, snooze_wake_on_reply FROM conversations WHERE id = ?",
        (conv_id,),
    ).fetchone()
    if conv is None:
        return
    rows = con.execute(
        "SELECT id, direction, date, body_text, subject, flags, attachments_json FROM messages "
        "WHERE conversation_id = ? ORDER BY date, id",
        (conv_id,),
    ).fetchall()
    if not rows:
        return
    last = rows[-1]
    awaiting = "agent" if last["direction"] == "in" else "customer"
    if awaiting == "agent":
        waiting_since = last["date"]
        for row in reversed(rows):
            if row["direction"] != "in":
                break
            waiting_since = row["date"]
    else:
        waiting_since = last["date"]
    unread = any(r["direction"] == "in" and "seen" not in r["flags"].split(",") for r in rows)
    has_attachments = any(r["attachments_json"] != "[]" for r in rows)
    subject = conv["subject"] or rows[0]["subject"]
    last_in_row = max((r["id"] for r in rows if r["direction"] == "in"), default=0)
    con.execute(
        "UPDATE conversations SET message_count = ?, last_message_at = ?, awaiting = ?, waiting_since = ?, "
        "unread = ?, has_attachments = ?, snippet = ?, subject = ?, created_at = min(created_at, ?), "
        "updated_at = max(updated_at, ?), sort_key = ?, last_in_row = ?, score_stale = score_stale + 1 WHERE id = ?",
        (
            len(rows),
            last["date"],
            awaiting,
            waiting_since,
            int(unread),
            int(has_attachments),
            snippet_of(last["body_text"]),
            subject,
            rows[0]["date"],
            last["date"],
            sort_key(conv["score"], waiting_since, conv_id),
            last_in_row,
            conv_id,
        ),
    )
    if conv["snoozed_until"] and conv["snooze_wake_on_reply"] and last_in_row > conv["snooze_mark"]:
        con.execute(
            "UPDATE conversations SET last_snooze_until = snoozed_until, snoozed_until = NULL, woke_at = ?, "
            "woke_reason = 'customer replied' WHERE id = ?",
            (iso(utcnow()), conv_id),
        )

"""Per-conversation figures derived from its messages (kept in columns for fast queues)."""

from __future__ import annotations

import sqlite3

SNIPPET_LENGTH = 160


def sort_key(priority: int, awaiting: str, waiting_since: str, conv_id: int) -> str:
    """Triage order as one indexable string: priority first, then unanswered before
    waiting-on-customer, then the longest wait first."""
    return f"{3 - max(0, min(priority, 3))}{0 if awaiting == 'agent' else 1}{waiting_since}{conv_id:010d}"


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
    conv = con.execute("SELECT priority, subject FROM conversations WHERE id = ?", (conv_id,)).fetchone()
    if conv is None:
        return
    rows = con.execute(
        "SELECT direction, date, body_text, subject, flags, attachments_json FROM messages "
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
    con.execute(
        "UPDATE conversations SET message_count = ?, last_message_at = ?, awaiting = ?, waiting_since = ?, "
        "unread = ?, has_attachments = ?, snippet = ?, subject = ?, created_at = min(created_at, ?), "
        "updated_at = max(updated_at, ?), sort_key = ? WHERE id = ?",
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
            sort_key(conv["priority"], awaiting, waiting_since, conv_id),
            conv_id,
        ),
    )

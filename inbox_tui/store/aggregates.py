"""Per-conversation figures derived from its messages (kept in columns for fast queues)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

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
    refresh_conversations(con, [conv_id])


def refresh_conversations(con: sqlite3.Connection, ids: Sequence[int]) -> None:
    """``refresh_conversation`` of many with two reads (rules acting on a chunk)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    convs = {
        r["id"]: r
        for r in con.execute(
            "SELECT id, score, subject, snoozed_until, snooze_mark, snooze_wake_on_reply, created_at, updated_at FROM conversations "
            f"WHERE id IN ({marks})",
            ids,
        )
    }
    threads: dict[int, list[sqlite3.Row]] = {}
    for row in con.execute(
        "SELECT conversation_id, id, direction, date, body_text, subject, flags, attachments_json FROM messages "
        f"WHERE conversation_id IN ({marks}) ORDER BY conversation_id, date, id",
        ids,
    ):
        threads.setdefault(row["conversation_id"], []).append(row)
    updates: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    woken = []
    for conv_id in ids:
        conv, rows = convs.get(conv_id), threads.get(conv_id)
        if conv is None or not rows:
            continue
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
        # created_at / updated_at only where they move: setting an indexed column, even to
        # its value, rewrites its index entry (a page per conversation of a chunk)
        moved = [(column, value) for column, value, moves in (
            ("created_at", rows[0]["date"], conv["created_at"] is not None and rows[0]["date"] < conv["created_at"]),
            ("updated_at", last["date"], conv["updated_at"] is not None and last["date"] > conv["updated_at"])) if moves]  # fmt: skip
        updates.setdefault(tuple(c for c, _ in moved), []).append((
            len(rows), last["date"], awaiting, waiting_since, int(unread), int(has_attachments),
            snippet_of(last["body_text"]), subject, *(v for _, v in moved),
            sort_key(conv["score"], waiting_since, conv_id), last_in_row, conv_id,
        ))  # fmt: skip
        if conv["snoozed_until"] and conv["snooze_wake_on_reply"] and last_in_row > conv["snooze_mark"]:
            woken.append(conv_id)
    for moved_columns, params in updates.items():
        assigned = "".join(f"{column} = ?, " for column in moved_columns)
        con.executemany(
            "UPDATE conversations SET message_count = ?, last_message_at = ?, awaiting = ?, waiting_since = ?, "
            f"unread = ?, has_attachments = ?, snippet = ?, subject = ?, {assigned}sort_key = ?, last_in_row = ?, "
            "score_stale = score_stale + 1 WHERE id = ?",
            params,
        )
    if woken:
        now = iso(utcnow())
        con.executemany(
            "UPDATE conversations SET last_snooze_until = snoozed_until, snoozed_until = NULL, woke_at = ?, "
            "woke_reason = 'customer replied' WHERE id = ?",
            [(now, conv_id) for conv_id in woken],
        )

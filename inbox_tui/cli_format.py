"""How the CLI prints things: JSON for scripts, aligned plain text for people."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from inbox_tui.model import Operation, clean_line, utcnow
from inbox_tui.service import ConversationDetail, QueueRow
from inbox_tui.store import iso


def age(since: datetime, now: datetime | None = None) -> str:
    """``45s``, ``12m``, ``3h``, ``2d``, ``5w``."""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def row_json(row: QueueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": row.account,
        "subject": row.subject,
        "customer": {"name": row.customer_name, "email": row.customer_email},
        "status": str(row.status),
        "raw_status": row.raw_status,
        "priority": row.priority,
        "tags": list(row.tags),
        "unread": row.unread,
        "awaiting": row.awaiting,
        "waiting_since": iso(row.waiting_since),
        "updated_at": iso(row.updated_at),
        "snippet": row.snippet,
        "pending_operations": row.pending_ops,
    }


def detail_json(detail: ConversationDetail, row: QueueRow) -> dict[str, Any]:
    data = row_json(row)
    data["messages"] = [
        {
            "id": m.id,
            "direction": str(m.direction),
            "from": {"name": m.sender.name, "email": m.sender.email},
            "to": [{"name": a.name, "email": a.email} for a in m.to],
            "date": iso(m.date),
            "subject": m.subject,
            "message_id": m.message_id,
            "body_text": m.body_text,
            "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size} for a in m.attachments],
            "queued": bool(m.op_id) and not m.remote_id,
            "problems": list(m.problems),
        }
        for m in detail.messages
    ]
    data["notes"] = [
        {"id": n.id, "body": n.body, "author": n.author, "created_at": iso(n.created_at), "local_only": n.local_only}
        for n in detail.notes
    ]
    data["operations"] = [op_json(o) for o in detail.operations]
    return data


def op_json(op: Operation) -> dict[str, Any]:
    return {
        "id": op.id,
        "conversation_id": op.conversation_id,
        "account": op.account,
        "kind": str(op.kind),
        "state": str(op.state),
        "attempts": op.attempts,
        "last_error": op.last_error,
        "created_at": iso(op.created_at),
        "updated_at": iso(op.updated_at),
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def queue_table(rows: list[QueueRow]) -> str:
    if not rows:
        return "Nothing here."
    now = utcnow()
    lines = []
    for r in rows:
        who = clean_line(r.customer_name or r.customer_email, 24)
        marker = "●" if r.unread else " "
        tags = (" [" + ",".join(r.tags) + "]") if r.tags else ""
        lines.append(
            f"{r.id:>6} {marker} {r.status:<7} {age(r.waiting_since, now):>4}  {who:<24.24}  "
            f"{clean_line(r.subject, 70)}{tags}"
        )
    return "\n".join(lines)


def detail_text(detail: ConversationDetail) -> str:
    conv = detail.conversation
    out = [
        f"#{conv.id}  {clean_line(conv.subject)}",
        f"customer: {clean_line(conv.customer.display)}   status: {conv.status}"
        + (f" ({conv.raw_status})" if conv.raw_status and conv.raw_status != conv.status else "")
        + (f"   tags: {', '.join(conv.tags)}" if conv.tags else ""),
        "",
    ]
    for m in detail.messages:
        who = "→ you" if m.direction == "out" else "← customer"
        queued = "  [queued]" if m.op_id and not m.remote_id else ""
        out.append(f"--- {who}: {clean_line(m.sender.display)}  {iso(m.date)[:16].replace('T', ' ')}{queued}")
        out.append(m.body_text.rstrip())
        for a in m.attachments:
            out.append(f"  📎 {a.filename} ({a.content_type}, {a.size} bytes)")
        out.append("")
    for n in detail.notes:
        out.append(f"--- note by {clean_line(n.author)} {iso(n.created_at)[:16].replace('T', ' ')}")
        out.append(n.body)
    return "\n".join(out)

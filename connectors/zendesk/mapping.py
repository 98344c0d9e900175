"""Zendesk JSON → model objects. Every upstream string is hostile: it goes through
``clean_text``/``clean_line``/``safe_filename`` here, and a missing or mistyped field
becomes a ``problems`` entry instead of an exception."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from connectors._values import folded_digest, iso, parse_time
from inbox_tui.model import (
    Address,
    Attachment,
    Direction,
    Message,
    RemoteConversation,
    RemoteNote,
    Status,
    clean_line,
    clean_text,
    safe_filename,
)

STATUS_MAP: dict[str, Status] = {
    "new": Status.OPEN,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.PENDING,
    "solved": Status.CLOSED,
    "closed": Status.CLOSED,
    "deleted": Status.CLOSED,
}
WRITE_STATUS: dict[Status, str] = {Status.OPEN: "open", Status.PENDING: "pending", Status.CLOSED: "solved"}
"""``closed`` is final in Zendesk (no reopening, no more comments): closing writes ``solved``
and Zendesk closes it by itself later."""

MERGE_TAG = "closed_by_merge"
_MERGED_INTO = re.compile(r"merged into (?:request|ticket) #(\d+)", re.IGNORECASE)
_MERGED_HERE = re.compile(r"(?:request|ticket) #(\d+)\b.{0,600}?was closed and merged into this (?:request|ticket)", re.IGNORECASE | re.DOTALL)
AGENT_ROLES = frozenset({"agent", "admin"})
BODY_LIMIT = 1_000_000
"""Characters of one comment kept (a runaway body is cut, and the cut is a problem)."""


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def body_digest(text: str) -> str:
    """Whitespace-insensitive digest of a body: how ``find_sent`` recognises our reply."""
    return folded_digest(text)


def map_status(raw: Any) -> tuple[Status, str, str | None]:
    """``(status, raw_status, problem)``; an unknown status reads as open and says so."""
    text = clean_line(str(raw)) if raw is not None else ""
    status = STATUS_MAP.get(text.casefold())
    if status is not None:
        return status, text, None
    return Status.OPEN, text or "(none)", f"unknown Zendesk status {text or 'null'!r}, shown as open"


@dataclass
class Users:
    """Zendesk users by id, filled from side-loads and ``show_many``."""

    by_id: dict[int, Mapping[str, Any]] = field(default_factory=dict)

    def add(self, users: Any) -> None:
        for user in users or ():
            if isinstance(user, Mapping) and as_int(user.get("id")) is not None:
                self.by_id[as_int(user.get("id"))] = user  # type: ignore[index]

    def missing(self, ids: Sequence[int | None]) -> list[int]:
        return sorted({i for i in ids if i is not None and i not in self.by_id})

    def address(self, user_id: int | None) -> Address:
        user = self.by_id.get(user_id) if user_id is not None else None
        if not user:
            return Address("", f"user {user_id}" if user_id is not None else "")
        email = clean_line(str(user.get("email") or ""), 320)
        return Address(email, clean_line(str(user.get("name") or "")))

    def is_agent(self, user_id: int | None) -> bool:
        user = self.by_id.get(user_id) if user_id is not None else None
        return bool(user) and str(user.get("role") or "") in AGENT_ROLES  # type: ignore[union-attr]

    def label(self, user_id: int | None) -> str:
        """How an assignee or note author is shown: e-mail, else name, else the id."""
        if user_id is None:
            return ""
        address = self.address(user_id)
        return address.email or address.name or str(user_id)


def merged_into(ticket: Mapping[str, Any], comments: Sequence[Mapping[str, Any]]) -> str | None:
    """The target id of a ticket closed by a merge (tag ``closed_by_merge`` + the merge
    comment "…closed and merged into request #N…"), else ``None``."""
    tags = ticket.get("tags") if isinstance(ticket.get("tags"), list) else []
    if MERGE_TAG not in tags:
        return None
    for comment in reversed(comments):
        match = _MERGED_INTO.search(str(comment.get("body") or comment.get("plain_body") or ""))
        if match:
            return match.group(1)
    return None


def merged_here(comments: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ids of tickets merged into this one, from the merge comments on the target."""
    found: list[str] = []
    for comment in comments:
        for match in _MERGED_HERE.finditer(str(comment.get("body") or "")):
            if match.group(1) not in found:
                found.append(match.group(1))
    return found


def to_conversation(
    ticket: Mapping[str, Any],
    comments: Sequence[Mapping[str, Any]],
    users: Users,
    problems: list[str],
) -> RemoteConversation:
    """One ticket with every comment: public ones are messages, private ones notes."""
    ticket_id = str(as_int(ticket.get("id")))
    where = f"Zendesk ticket {ticket_id}"
    status, raw_status, problem = map_status(ticket.get("status"))
    if problem:
        problems.append(f"{where}: {problem}")
    updated = parse_time(ticket.get("updated_at"))
    created = parse_time(ticket.get("created_at"))
    if updated is None:
        problems.append(f"{where}: no valid updated_at")
        updated = created or datetime.now(timezone.utc)
    requester_id = as_int(ticket.get("requester_id"))
    customer = users.address(requester_id)
    if not customer.email:
        problems.append(f"{where}: requester {requester_id} has no e-mail address")
    subject = clean_line(str(ticket.get("subject") or ticket.get("raw_subject") or ""))
    tags = tuple(clean_line(str(t), 100) for t in (ticket.get("tags") or ()) if isinstance(t, (str, int)) and str(t).strip())
    assignee_id = as_int(ticket.get("assignee_id"))
    priority = {"low": 1, "normal": 2, "high": 3, "urgent": 4}.get(str(ticket.get("priority") or ""))
    conv = RemoteConversation(
        remote_id=ticket_id,
        subject=subject,
        customer=customer,
        status=status,
        raw_status=raw_status,
        updated_at=updated,
        created_at=created,
        tags=tags,
        assignee=users.label(assignee_id),
        priority=priority,
        version=str(ticket.get("updated_at") or ""),
    )
    for index, comment in enumerate(comments):
        comment_problems: list[str] = []
        comment_id = as_int(comment.get("id"))
        if comment_id is None:
            problems.append(f"{where}: comment #{index + 1} has no id; skipped")
            continue
        body = comment.get("plain_body") if isinstance(comment.get("plain_body"), str) else comment.get("body")
        if not isinstance(body, str):
            comment_problems.append("comment has no body")
            body = ""
        if len(body) > BODY_LIMIT:
            comment_problems.append(f"body cut at {BODY_LIMIT:,} characters (was {len(body):,})")
            body = body[:BODY_LIMIT]
        body = clean_text(body)
        author_id = as_int(comment.get("author_id"))
        when = parse_time(comment.get("created_at"))
        if when is None:
            comment_problems.append("comment has no valid created_at")
            when = updated
        if comment.get("public") is False:
            conv.notes.append(RemoteNote(remote_id=f"{ticket_id}/{comment_id}", body=body, author=users.label(author_id), created_at=when))
            problems.extend(f"{where}: note {comment_id}: {p}" for p in comment_problems)
            continue
        is_agent = users.is_agent(author_id)
        conv.messages.append(
            Message(
                remote_id=f"{ticket_id}/{comment_id}",
                direction=Direction.OUT if is_agent else Direction.IN,
                sender=users.address(author_id),
                date=when,
                subject=subject,
                body_text=body,
                to=(customer,) if is_agent else (),
                attachments=_attachments(comment.get("attachments")),
                thread_remote_id=ticket_id,
                problems=tuple(comment_problems),
                author_is_agent=is_agent,
                flags=frozenset({"seen"}) if is_agent else frozenset(),
            )
        )
    conv.merged_from = tuple(merged_here(comments))
    return conv


def _attachments(raw: Any) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for item in raw or ():
        if not isinstance(item, Mapping):
            continue
        size = as_int(item.get("size")) or 0
        found.append(Attachment(safe_filename(str(item.get("file_name") or "")), clean_line(str(item.get("content_type") or "application/octet-stream"), 100), size))
    return tuple(found)


__all__ = [
    "MERGE_TAG",
    "STATUS_MAP",
    "WRITE_STATUS",
    "Users",
    "as_int",
    "body_digest",
    "iso",
    "map_status",
    "merged_here",
    "merged_into",
    "parse_time",
    "to_conversation",
]

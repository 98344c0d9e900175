"""Request Tracker REST 2.0 JSON → model objects. Pure functions, no I/O.

What RT sends (5.0.3), and what we make of it:

* a ticket (from a ``/tickets`` search with ``fields=``) → ``RemoteConversation``; ids come
  as strings in collections and integers elsewhere, numbers as strings, unset dates as
  ``1970-01-01T00:00:00Z``; every date is UTC with a ``Z``.
* a ``Create``/``Correspond`` transaction → ``Message`` (IN when a requestor or any
  unprivileged user wrote it, OUT when a privileged user did); a ``Comment`` → ``RemoteNote``.
  The text is the transaction's first unnamed ``text/plain`` attachment, else its
  ``text/html`` one turned into text; named attachments become ``Attachment`` records.
* statuses: see ``STATUS_MAP``. A custom lifecycle's unknown status maps to OPEN with the
  raw value kept and a problem reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from connectors._html import html_to_text
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
    "stalled": Status.PENDING,
    "resolved": Status.CLOSED,
    "rejected": Status.CLOSED,
    "deleted": Status.CLOSED,
}
WRITE_STATUS: dict[Status, str] = {Status.OPEN: "open", Status.PENDING: "stalled", Status.CLOSED: "resolved"}
MESSAGE_TYPES = ("Create", "Correspond", "Comment")
MAX_BODY_CHARS = 1_000_000
"""Longer bodies are cut (with a problem noted): a ticket is shown, not archived."""
NOBODY = "Nobody"
TAGS_FIELD = "Tags"

UserRecord = Mapping[str, Any]
IsAgent = Callable[[UserRecord], bool]


def as_int(value: Any) -> int | None:
    """RT ids and numbers arrive as ``"12"``, ``12`` or ``12.0``."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def ref_id(value: Any) -> int | None:
    """The id of a reference that RT sends as ``"42"`` or as ``{"id": "42", ...}``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return as_int(value)


def parse_time(value: Any) -> datetime | None:
    """RT's ``2026-11-22T13:39:44Z``; ``None`` for the unset date (the Unix epoch) or junk."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
    return None if parsed.timestamp() <= 0 else parsed


def epoch(value: Any) -> int | None:
    parsed = parse_time(value)
    return None if parsed is None else int(parsed.timestamp())


def map_status(raw: str) -> tuple[Status, str | None]:
    """Canonical status and, for a status we do not know, the problem to report."""
    status = STATUS_MAP.get(raw.lower())
    if status is not None:
        return status, None
    return Status.OPEN, f"unknown RT status {raw!r} (custom lifecycle?) shown as open"


def user_name(user: Any) -> str:
    """The login name of a user reference (``{"id": "root", ...}``) or ``""``."""
    if isinstance(user, Mapping):
        return str(user.get("Name") or user.get("id") or "")
    return str(user or "")


def user_address(user: Any) -> Address:
    if not isinstance(user, Mapping):
        return Address(clean_line(str(user or "")), "")
    email = clean_line(str(user.get("EmailAddress") or ""))
    name = clean_line(str(user.get("RealName") or ""))
    if not email and "@" in user_name(user):
        email = clean_line(user_name(user))
    if not name and user_name(user) != email:
        name = clean_line(user_name(user))
    return Address(email, name)


def custom_field_values(ticket: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    """Values of the ticket custom field ``name``; ``None`` when the ticket has no such field."""
    for cf in ticket.get("CustomFields") or ():
        if isinstance(cf, Mapping) and cf.get("name") == name:
            values = cf.get("values") or []
            return tuple(clean_line(str(v)) for v in values if str(v).strip())
    return None


def body_digest(text: str) -> str:
    """What ``find_sent`` compares: RT may add or drop trailing newlines and ``\\r``."""
    normal = "\n".join(line.rstrip() for line in clean_text(text).strip().split("\n"))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- tickets


@dataclass
class TicketParts:
    """What one ticket's message-bearing transactions carry, gathered by the connector."""

    transactions: list[Mapping[str, Any]] = field(default_factory=list)
    bodies: dict[int, list[Mapping[str, Any]]] = field(default_factory=dict)
    """Text attachments (``text/*`` with ``Content``) by transaction id."""
    files: dict[int, list[Mapping[str, Any]]] = field(default_factory=dict)
    """Named attachments (no content) by transaction id."""
    merged_from: list[str] = field(default_factory=list)
    """Tickets RT merged into this one (their transactions are in ``transactions``)."""


def ticket_to_conversation(
    ticket: Mapping[str, Any],
    parts: TicketParts,
    is_agent: IsAgent,
    problems: list[str],
    *,
    tags_field: str | None = TAGS_FIELD,
) -> RemoteConversation:
    """One ticket and its transactions. Problems go to ``problems``; nothing raises on bad data."""
    ticket_id = str(as_int(ticket.get("id")) or ticket.get("id"))
    where = f"RT ticket {ticket_id}"
    raw_status = clean_line(str(ticket.get("Status") or ""))
    status, trouble = map_status(raw_status)
    if trouble:
        problems.append(f"{where}: {trouble}")
    updated = parse_time(ticket.get("LastUpdated"))
    created = parse_time(ticket.get("Created"))
    if updated is None:
        problems.append(f"{where}: no LastUpdated date")
        updated = created or datetime.now(timezone.utc)
    requestors = [r for r in ticket.get("Requestor") or () if isinstance(r, Mapping)]
    requestor_names = {user_name(r).lower() for r in requestors}
    customer = user_address(requestors[0]) if requestors else Address("", "")
    owner = user_name(ticket.get("Owner"))
    # no tags field upstream: None tells the store to keep its local tags
    tags = (custom_field_values(ticket, tags_field) or ()) if tags_field else None
    conv = RemoteConversation(
        remote_id=ticket_id,
        subject=clean_line(str(ticket.get("Subject") or "")),
        customer=customer,
        status=status,
        raw_status=raw_status,
        updated_at=updated,
        created_at=created,
        tags=tags,  # type: ignore[arg-type]  # None is what the store reads as "unknown"
        assignee="" if owner in ("", NOBODY) else clean_line(owner),
        priority=as_int(ticket.get("Priority")),
        version=str(ticket.get("LastUpdated") or ""),
        merged_from=tuple(parts.merged_from),
    )
    recipients = tuple(user_address(r) for r in requestors)
    for txn in sorted(parts.transactions, key=lambda t: as_int(t.get("id")) or 0):
        txn_id = as_int(txn.get("id"))
        if txn_id is None:
            problems.append(f"{where}: a transaction without an id was skipped")
            continue
        kind = str(txn.get("Type") or "")
        text, text_problems = pick_body(parts.bodies.get(txn_id, ()))
        date = parse_time(txn.get("Created"))
        if date is None:
            text_problems.append("no Created date")
            date = updated
        author = txn.get("Creator")
        if kind == "Comment":
            conv.notes.append(
                RemoteNote(
                    remote_id=f"txn:{txn_id}",
                    body=text,
                    author=user_address(author).name or user_name(author),
                    created_at=date,
                )
            )
            problems.extend(f"{where} note {txn_id}: {p}" for p in text_problems)
            continue
        sender = user_address(author)
        from_customer = user_name(author).lower() in requestor_names or not is_agent(author or {})
        conv.messages.append(
            Message(
                remote_id=f"txn:{txn_id}",
                direction=Direction.IN if from_customer else Direction.OUT,
                sender=sender,
                date=date,
                subject=_subject(parts.bodies.get(txn_id, ()), conv.subject),
                body_text=text,
                to=() if from_customer else recipients,
                message_id=_message_id(parts.bodies.get(txn_id, ())),
                attachments=tuple(_attachment(f) for f in parts.files.get(txn_id, ())),
                thread_remote_id=ticket_id,
                problems=tuple(text_problems),
                author_is_agent=not from_customer,
            )
        )
    return conv


def pick_body(parts: Iterable[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """The text of a transaction: unnamed text/plain first, else unnamed text/html as text."""
    unnamed = [p for p in parts if not p.get("Filename")]
    plain = [p for p in unnamed if str(p.get("ContentType", "")).lower().startswith("text/plain")]
    html = [p for p in unnamed if str(p.get("ContentType", "")).lower().startswith("text/html")]
    problems: list[str] = []
    if plain:
        text = str(plain[0].get("Content") or "")
    elif html:
        text = html_to_text(str(html[0].get("Content") or ""))
    else:
        return "", problems
    text = clean_text(text)
    if len(text) > MAX_BODY_CHARS:
        problems.append(f"body of {len(text)} characters cut to {MAX_BODY_CHARS}")
        text = text[:MAX_BODY_CHARS]
    return text.rstrip("\n"), problems


def _subject(parts: Iterable[Mapping[str, Any]], fallback: str) -> str:
    for part in parts:
        subject = clean_line(str(part.get("Subject") or ""))
        if subject:
            return subject
    return fallback


def _message_id(parts: Iterable[Mapping[str, Any]]) -> str:
    for part in parts:
        value = clean_line(str(part.get("MessageId") or "")).strip("<>")
        if value:
            return value
    return ""


def _attachment(part: Mapping[str, Any]) -> Attachment:
    return Attachment(
        filename=safe_filename(str(part.get("Filename") or "")),
        content_type=clean_line(str(part.get("ContentType") or "application/octet-stream"), 100),
        size=as_int(part.get("ContentLength")) or 0,
    )

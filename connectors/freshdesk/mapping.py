"""Freshdesk API v2 JSON → model objects. Pure functions, no I/O.

What Freshdesk sends, and what we make of it:

* a ticket (``GET /api/v2/tickets?include=description,requester``) → ``RemoteConversation``.
  Its ``description_text`` is the customer's first message (remote id ``desc:{ticket}``),
  ``requester`` the customer, ``responder_id`` the assigned agent (shown by e-mail when
  the agent list knows it), ``tags`` the tags, ``updated_at`` the version.
* ``status``: 2 Open → OPEN, 3 Pending → PENDING, 4 Resolved and 5 Closed → CLOSED; a
  custom status (≥ 6) → OPEN with the raw number kept (``custom:7``); anything else → OPEN
  with a problem. A ticket marked ``spam`` or ``deleted`` → CLOSED with that raw value.
* ``priority`` 1 Low, 2 Medium, 3 High, 4 Urgent → 0…3 (the inbox's local scale).
* a conversation (``GET /api/v2/tickets/{id}/conversations``): ``private`` or a note
  (``source`` 2) written by an agent → ``RemoteNote``; ``incoming`` → IN; otherwise an agent
  reply → OUT (remote id ``conv:{id}``). ``body_text`` is used; ``body`` (HTML) is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from email.utils import parseaddr
from typing import Any

from connectors._values import as_int, folded_digest, iso, parse_time
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

STATUS_MAP: dict[int, Status] = {2: Status.OPEN, 3: Status.PENDING, 4: Status.CLOSED, 5: Status.CLOSED}
STATUS_NAMES: dict[int, str] = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
WRITE_STATUS: dict[Status, int] = {Status.OPEN: 2, Status.PENDING: 3, Status.CLOSED: 5}
NOTE_SOURCE = 2
MAX_BODY_CHARS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

AgentName = Callable[[int], Address | None]
"""Looks an agent up by id (``None`` when unknown)."""


def body_digest(text: str) -> str:
    """Whitespace-insensitive digest of a body: how ``find_sent`` recognises our reply."""
    return folded_digest(text)[:32]


def map_status(raw: Any, problems: list[str], ticket_id: str) -> tuple[Status, str]:
    number = as_int(raw)
    if number in STATUS_MAP:
        return STATUS_MAP[number], STATUS_NAMES[number]
    if number is not None and number >= 6:
        return Status.OPEN, f"custom:{number}"
    problems.append(f"Freshdesk ticket {ticket_id}: unknown status {str(raw)[:20]!r}, shown as open")
    return Status.OPEN, clean_line(str(raw), 20)


def map_priority(raw: Any) -> int | None:
    number = as_int(raw)
    return min(max(number - 1, 0), 3) if number is not None else None


def contact(value: Any) -> Address:
    """``{name, email}`` (requester, agent ``contact``) → Address."""
    if not isinstance(value, Mapping):
        return Address("")
    return Address(clean_line(str(value.get("email") or ""), 320), clean_line(str(value.get("name") or ""), 200))


def parse_email(value: Any) -> Address:
    """``"Acme Support" <help@acme.example>`` → Address."""
    if not isinstance(value, str):
        return Address("")
    name, addr = parseaddr(value)
    return Address(clean_line(addr, 320), clean_line(name, 200))


def _body(value: Any, problems: list[str], what: str) -> str:
    if value is None:
        problems.append(f"{what} has no text")
        return ""
    text = clean_text(str(value)).strip()
    if len(text) > MAX_BODY_CHARS:
        problems.append(f"body of {len(text)} characters cut to {MAX_BODY_CHARS}")
        text = text[:MAX_BODY_CHARS]
    return text


def _attachments(items: Any) -> tuple[Attachment, ...]:
    out = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping):
            out.append(
                Attachment(
                    safe_filename(str(item.get("name") or "")),
                    clean_line(str(item.get("content_type") or "application/octet-stream"), 100),
                    max(as_int(item.get("size")) or 0, 0),
                )
            )
    return tuple(out)


def _addresses(values: Any) -> tuple[Address, ...]:
    return tuple(parse_email(v) for v in values if isinstance(v, str)) if isinstance(values, list) else ()


def _label(address: Address, fallback: str) -> str:
    return address.email or address.name or fallback


def to_conversation(
    ticket: Mapping[str, Any], conversations: Iterable[Any], agent: AgentName, problems: list[str]
) -> RemoteConversation:
    """One ticket with its description and every conversation. Never raises on odd data."""
    ticket_id = str(as_int(ticket.get("id")))
    status, raw_status = map_status(ticket.get("status"), problems, ticket_id)
    if ticket.get("spam") is True or ticket.get("deleted") is True:
        status, raw_status = Status.CLOSED, "spam" if ticket.get("spam") is True else "deleted"
    created = parse_time(ticket.get("created_at"))
    updated = parse_time(ticket.get("updated_at"))
    if updated is None:
        problems.append(f"Freshdesk ticket {ticket_id}: no usable updated_at")
    subject = clean_line(str(ticket.get("subject") or ""), 500)
    requester_id = as_int(ticket.get("requester_id"))
    customer = contact(ticket.get("requester"))
    if not customer.email:
        customer = Address(customer.email, customer.name or (f"contact {requester_id}" if requester_id else ""))
    messages: list[Message] = []
    notes: list[RemoteNote] = []
    first_problems: list[str] = []
    messages.append(
        Message(
            remote_id=f"desc:{ticket_id}",
            direction=Direction.IN,
            sender=customer,
            date=created or updated or EPOCH,
            subject=subject,
            body_text=_body(ticket.get("description_text"), first_problems, "the ticket description"),
            attachments=_attachments(ticket.get("attachments")),
            thread_remote_id=ticket_id,
            problems=tuple(first_problems),
        )
    )
    for conv in conversations:
        if not isinstance(conv, Mapping) or as_int(conv.get("id")) is None:
            problems.append(f"Freshdesk ticket {ticket_id}: a conversation without an id was skipped")
            continue
        conv_problems: list[str] = []
        date = parse_time(conv.get("created_at"))
        if date is None:
            conv_problems.append("the conversation has no creation time")
            date = updated or EPOCH
        user_id = as_int(conv.get("user_id"))
        body = _body(conv.get("body_text"), conv_problems, "the conversation")
        incoming = bool(conv.get("incoming"))
        if conv.get("private") or (as_int(conv.get("source")) == NOTE_SOURCE and not incoming):
            author = (agent(user_id) if user_id else None) or parse_email(conv.get("from_email"))
            notes.append(RemoteNote(f"conv:{conv['id']}", body, _label(author, f"agent {user_id}"), date))
            problems.extend(f"Freshdesk note conv:{conv['id']}: {p}" for p in conv_problems)
            continue
        if incoming:
            sender = customer if user_id == requester_id and user_id else parse_email(conv.get("from_email"))
            if not sender.email and user_id:
                sender = Address("", f"contact {user_id}")
        else:
            sender = parse_email(conv.get("from_email"))
            known = agent(user_id) if user_id else None
            if known is not None:
                sender = Address(sender.email or known.email, known.name or sender.name)
        messages.append(
            Message(
                remote_id=f"conv:{conv['id']}",
                direction=Direction.IN if incoming else Direction.OUT,
                sender=sender,
                date=date,
                subject=subject,
                body_text=body,
                to=_addresses(conv.get("to_emails")),
                cc=_addresses(conv.get("cc_emails")),
                attachments=_attachments(conv.get("attachments")),
                thread_remote_id=ticket_id,
                problems=tuple(conv_problems),
                author_is_agent=not incoming,
            )
        )
    messages.sort(key=lambda m: (m.date, m.remote_id != f"desc:{ticket_id}", m.remote_id))
    notes.sort(key=lambda n: (n.created_at, n.remote_id))
    responder = as_int(ticket.get("responder_id"))
    assignee = ""
    if responder:
        known = agent(responder)
        assignee = _label(known, f"agent {responder}") if known else f"agent {responder}"
    tags = tuple(clean_line(t, 100) for t in ticket.get("tags") or () if isinstance(t, str) and t.strip())
    return RemoteConversation(
        remote_id=ticket_id,
        subject=subject,
        customer=customer,
        status=status,
        raw_status=raw_status,
        updated_at=updated or created or EPOCH,
        created_at=created,
        tags=tags,
        assignee=assignee,
        priority=map_priority(ticket.get("priority")),
        messages=messages,
        notes=notes,
        version=iso(updated) if updated else "",
    )

"""Help Scout Mailbox API 2.0 JSON → model objects. Pure functions, no I/O.

What Help Scout sends, and what we make of it:

* a conversation (``_embedded.conversations[]`` of ``GET /v2/conversations``, or
  ``GET /v2/conversations/{id}``) → ``RemoteConversation``: ``primaryCustomer`` is the
  customer, ``assignee`` the assigned user (shown by e-mail), ``tags[].tag`` the tags,
  ``userUpdatedAt`` (else the newest of ``customerWaitingSince.time``/``closedAt``/
  ``createdAt``) the version. The API exposes no ``modifiedAt`` field although it filters and
  sorts on it, so ``stamp`` is a lower bound of it.
* statuses: ``active`` → OPEN, ``pending`` → PENDING, ``closed``/``spam`` → CLOSED; the raw
  value is kept. A conversation in the trash (``state: deleted``) → CLOSED, raw ``deleted``.
  Anything else → OPEN with a problem noted.
* threads (``_embedded.threads[]``): ``customer`` → IN, ``reply`` → OUT, ``note`` →
  ``RemoteNote``; ``chat`` is IN or OUT by who wrote it; ``phone`` (a logged call) becomes a
  note; ``lineitem`` (system events) and ``forward*`` are not messages — a ``merged`` line
  item names the conversation that was merged in. Drafts and threads still under review are
  skipped (they were not sent).
* every string goes through ``clean_text``/``clean_line``; HTML bodies become text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from connectors._html import html_to_text
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

STATUS_MAP: dict[str, Status] = {
    "active": Status.OPEN,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "closed": Status.CLOSED,
    "spam": Status.CLOSED,
}
WRITE_STATUS: dict[Status, str] = {Status.OPEN: "active", Status.PENDING: "pending", Status.CLOSED: "closed"}
MAX_BODY_CHARS = 1_000_000
"""Longer bodies are cut (with a problem noted): a conversation is shown, not archived."""
UNPUBLISHED = {"draft", "underreview", "hidden"}
"""Thread states that never reached the customer."""
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MERGED_KEYS = ("conversation", "conversationId", "originalConversation", "originalConversationId", "mergedConversation")
"""Where a ``merged`` line item may name the old conversation (⚠ not in the public docs:
kept permissive; the reliable signal is the 301 on the old id)."""


def stamp(conv: Mapping[str, Any]) -> datetime | None:
    """The newest change time the conversation shows (a lower bound of its ``modifiedAt``)."""
    waiting = conv.get("customerWaitingSince")
    candidates = [
        conv.get("userUpdatedAt"),
        conv.get("closedAt"),
        conv.get("createdAt"),
        waiting.get("time") if isinstance(waiting, Mapping) else None,
    ]
    times = [t for t in (parse_time(c) for c in candidates) if t is not None]
    return max(times) if times else None


def version_of(conv: Mapping[str, Any]) -> str:
    moment = stamp(conv)
    return iso(moment) if moment else ""


def fingerprint(conv: Mapping[str, Any]) -> str:
    """Changes whenever anything a listing shows about the conversation changes, so a
    conversation seen again in the overlap window is only re-read when it moved."""
    visible = {k: v for k, v in conv.items() if k not in ("_links", "_embedded")}
    blob = json.dumps(visible, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:16]


def body_digest(text: str) -> str:
    """Whitespace-insensitive digest of a body: how ``find_sent`` recognises our reply."""
    return folded_digest(text)[:32]


def person(value: Any) -> Address:
    """``{first, last, email}`` (customers, users, ``createdBy``) → Address."""
    if not isinstance(value, Mapping):
        return Address("")
    name = " ".join(str(value.get(k) or "").strip() for k in ("first", "last")).strip()
    if not name:
        name = " ".join(str(value.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    return Address(clean_line(str(value.get("email") or ""), 320), clean_line(name, 200))


def person_label(value: Any) -> str:
    """How a user is shown (assignee, note author): e-mail first, then name, then id."""
    address = person(value)
    if address.email:
        return address.email
    if address.name:
        return address.name
    ident = as_int(value.get("id")) if isinstance(value, Mapping) else None
    return f"user {ident}" if ident else ""


def tag_names(conv: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in conv.get("tags") or ():
        name = tag.get("tag") if isinstance(tag, Mapping) else tag
        if isinstance(name, str) and name.strip():
            out.append(clean_line(name, 100))
    return tuple(out)


@dataclass
class ThreadItems:
    messages: list[Message] = field(default_factory=list)
    notes: list[RemoteNote] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)


def _body(thread: Mapping[str, Any], problems: list[str]) -> str:
    raw = thread.get("body")
    if raw is None:
        if thread.get("type") in ("customer", "reply", "note", "chat"):
            problems.append("the thread has no body")
        return ""
    text = clean_text(html_to_text(str(raw)))
    if len(text) > MAX_BODY_CHARS:
        problems.append(f"body of {len(text)} characters cut to {MAX_BODY_CHARS}")
        text = text[:MAX_BODY_CHARS]
    return text


def _attachments(thread: Mapping[str, Any]) -> tuple[Attachment, ...]:
    embedded = thread.get("_embedded")
    items = embedded.get("attachments") if isinstance(embedded, Mapping) else None
    out = []
    for item in items or ():
        if not isinstance(item, Mapping):
            continue
        size = as_int(item.get("size")) or 0
        out.append(
            Attachment(
                safe_filename(str(item.get("filename") or "")),
                clean_line(str(item.get("mimeType") or "application/octet-stream"), 100),
                max(size, 0),
            )
        )
    return tuple(out)


def _addresses(values: Any) -> tuple[Address, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(Address(clean_line(v, 320)) for v in values if isinstance(v, str) and v.strip())


def _merged_source(thread: Mapping[str, Any]) -> str | None:
    action = thread.get("action")
    if not isinstance(action, Mapping) or str(action.get("type") or "").lower() not in ("merged", "merge"):
        return None
    entities = action.get("associatedEntities")
    if isinstance(entities, Mapping):
        for key in MERGED_KEYS:
            value = entities.get(key)
            ident = as_int(value.get("id")) if isinstance(value, Mapping) else as_int(value)
            if ident:
                return str(ident)
    ident = as_int(thread.get("actionSourceId"))
    return str(ident) if ident else None


def thread_items(conv_id: str, subject: str, threads: Iterable[Any], fallback_date: datetime) -> ThreadItems:
    """Every published thread as a Message or RemoteNote, oldest first."""
    items = ThreadItems()
    for thread in threads:
        if not isinstance(thread, Mapping):
            continue
        kind = str(thread.get("type") or "")
        ident = as_int(thread.get("id"))
        if kind == "lineitem":
            source = _merged_source(thread)
            if source and source != conv_id:
                items.merged_from.append(source)
            continue
        if ident is None or str(thread.get("state") or "published") in UNPUBLISHED:
            continue
        problems: list[str] = []
        created = parse_time(thread.get("createdAt"))
        if created is None:
            problems.append("the thread has no creation time")
            created = fallback_date
        author = thread.get("createdBy") if isinstance(thread.get("createdBy"), Mapping) else {}
        by_customer = str(author.get("type") or "") == "customer"
        body = _body(thread, problems)
        if kind in ("note", "phone"):
            prefix = "Phone call: " if kind == "phone" else ""
            label = person_label(author) or ("customer" if by_customer else "agent")
            items.notes.append(RemoteNote(f"thread:{ident}", prefix + body, label, created))
            continue
        if kind == "customer" or (kind == "chat" and by_customer):
            direction = Direction.IN
        elif kind == "reply" or kind == "chat":
            direction = Direction.OUT
        else:
            continue  # forwardparent/forwardchild/beaconchat… are not customer correspondence
        sender = person(author) if author else person(thread.get("customer"))
        items.messages.append(
            Message(
                remote_id=f"thread:{ident}",
                direction=direction,
                sender=sender,
                date=created,
                subject=subject,
                body_text=body,
                to=_addresses(thread.get("to")),
                cc=_addresses(thread.get("cc")),
                attachments=_attachments(thread),
                thread_remote_id=conv_id,
                problems=tuple(problems),
                author_is_agent=direction is Direction.OUT,
            )
        )
    items.messages.sort(key=lambda m: (m.date, m.remote_id))
    items.notes.sort(key=lambda n: (n.created_at, n.remote_id))
    return items


def to_conversation(
    conv: Mapping[str, Any], threads: Iterable[Any], problems: list[str], merged_from: Iterable[str] = ()
) -> RemoteConversation:
    """One conversation with all its threads. Never raises on odd data: it notes problems."""
    conv_id = str(as_int(conv.get("id")))
    raw_status = clean_line(str(conv.get("status") or ""), 40)
    if conv.get("state") == "deleted":
        raw_status = "deleted"  # in Help Scout's trash: done with, whatever its status was
    status = Status.CLOSED if raw_status == "deleted" else STATUS_MAP.get(raw_status.lower())
    if status is None:
        problems.append(f"Help Scout conversation {conv_id}: unknown status {raw_status!r}, shown as open")
        status = Status.OPEN
    created = parse_time(conv.get("createdAt"))
    updated = stamp(conv)
    if updated is None:
        problems.append(f"Help Scout conversation {conv_id}: no usable timestamps")
    subject = clean_line(str(conv.get("subject") or ""), 500)
    items = thread_items(conv_id, subject, threads, created or updated or EPOCH)
    customer = person(conv.get("primaryCustomer"))
    if not customer.email and not customer.name:
        first_in = next((m for m in items.messages if m.direction is Direction.IN), None)
        customer = first_in.sender if first_in else Address("")
    assignee = conv.get("assignee")
    merged = tuple(dict.fromkeys([*merged_from, *items.merged_from]))
    return RemoteConversation(
        remote_id=conv_id,
        subject=subject,
        customer=customer,
        status=status,
        raw_status=raw_status,
        updated_at=updated or created or EPOCH,
        created_at=created,
        tags=tag_names(conv),
        assignee=person_label(assignee) if isinstance(assignee, Mapping) else "",
        priority=None,
        messages=items.messages,
        notes=items.notes,
        version=version_of(conv),
        merged_from=tuple(m for m in merged if m != conv_id),
    )

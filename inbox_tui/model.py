"""Domain types shared by every layer. Stdlib only.

Connectors convert upstream data into these types at the edge and keep the raw upstream
value beside the canonical one (``Status`` + ``raw_status``), so the UI can show both.

Where each connector gets a field from:

* Maildir / IMAP: a ``Message`` is one RFC 5322 message; ``remote_id`` is the folder plus
  the Maildir key (Maildir) or ``folder/UIDVALIDITY/UID`` (IMAP). Mail has no upstream
  conversation, so ``Message.thread_remote_id`` is ``None`` and the store threads mail by
  Message-ID / In-Reply-To / References, then by normalised subject + customer.
* Helpdesks: a ``RemoteConversation`` is one ticket; its messages carry the ticket id in
  ``thread_remote_id``, internal notes arrive as ``RemoteNote``.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class Status(enum.StrEnum):
    """Canonical conversation status. Upstream values map here; the raw one is kept."""

    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


class Direction(enum.StrEnum):
    IN = "in"
    """Written by the customer (or anyone who is not the agent)."""
    OUT = "out"
    """Written by the agent (sent folder, helpdesk agent reply)."""


class OpKind(enum.StrEnum):
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    TAGS = "tags"
    ASSIGN = "assign"
    SNOOZE = "snooze"
    READ = "read"


class OpState(enum.StrEnum):
    """Life of an outbox operation.

    ``pending → sending → sent``; ``failed`` waits for a retry; ``conflict`` means upstream
    changed since the agent acted (shown, never sent blindly); ``unconfirmed`` means a send
    may have gone through and upstream cannot tell, so the agent decides; ``cancelled`` is
    an undo before the flush.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CONFLICT = "conflict"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


OPEN_OP_STATES = (OpState.PENDING, OpState.SENDING, OpState.FAILED, OpState.CONFLICT, OpState.UNCONFIRMED)


@dataclass(frozen=True)
class Address:
    email: str
    name: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def first_name(self) -> str:
        name = self.name.strip()
        if not name or "@" in name:
            return ""
        if "," in name:  # "Doe, Jane"
            return name.split(",", 1)[1].strip().split(" ")[0]
        return name.split()[0]


@dataclass(frozen=True)
class Attachment:
    filename: str
    """Sanitised: never contains a path separator, never starts with a dot."""
    content_type: str
    size: int


@dataclass
class Message:
    """One message of a conversation, as a connector delivers it."""

    remote_id: str
    direction: Direction
    sender: Address
    date: datetime
    subject: str = ""
    body_text: str = ""
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    message_id: str = ""
    """RFC 5322 Message-ID without angle brackets (mail); may be empty for helpdesks."""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    thread_remote_id: str | None = None
    """The upstream conversation (ticket) id; ``None`` for mail, which the store threads."""
    folder: str = ""
    flags: frozenset[str] = frozenset()
    """Canonical flags: ``seen``, ``answered``, ``flagged``."""
    keywords: frozenset[str] = frozenset()
    """Tags carried by the message upstream (IMAP keywords)."""
    problems: tuple[str, ...] = ()
    """What could not be parsed; the message is stored anyway."""
    author_is_agent: bool = False
    reply_to: tuple[Address, ...] = ()
    """Reply-To addresses (mail); where a reply should go when set (web forms, lists)."""


@dataclass
class RemoteNote:
    remote_id: str
    body: str
    author: str
    created_at: datetime


@dataclass
class RemoteConversation:
    """A helpdesk ticket with everything the connector read for it."""

    remote_id: str
    subject: str
    customer: Address
    status: Status
    raw_status: str
    updated_at: datetime
    created_at: datetime | None = None
    tags: tuple[str, ...] = ()
    assignee: str = ""
    priority: int | None = None
    messages: list[Message] = field(default_factory=list)
    notes: list[RemoteNote] = field(default_factory=list)
    version: str = ""
    """Opaque upstream version (updated-at stamp) used by the pre-send stale check."""
    merged_from: tuple[str, ...] = ()
    """Remote ids that upstream merged into this one (their local conversations follow)."""


@dataclass
class FlagChange:
    """Upstream flags of a known message changed (another client read or flagged it)."""

    remote_id: str
    flags: frozenset[str]
    keywords: frozenset[str] | None = None


@dataclass
class PullBatch:
    """One unit of pull progress. The sync engine stores the batch and its cursor in one
    transaction, so an interrupted sync resumes from the last stored batch."""

    messages: list[Message] = field(default_factory=list)
    conversations: list[RemoteConversation] = field(default_factory=list)
    flag_changes: list[FlagChange] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Remote ids of messages that disappeared upstream (expunged, deleted)."""
    cursor: dict[str, Any] | None = None
    """New connector cursor to persist with this batch (``None``: unchanged)."""
    problems: list[str] = field(default_factory=list)
    total_hint: int | None = None


@dataclass
class Customer:
    id: int
    email: str
    name: str = ""

    @property
    def address(self) -> Address:
        return Address(self.email, self.name)


@dataclass
class Note:
    id: int
    conversation_id: int
    body: str
    author: str
    created_at: datetime
    remote_id: str = ""
    local_only: bool = True


@dataclass
class Conversation:
    id: int
    account: str
    remote_id: str
    subject: str
    customer: Address
    status: Status
    raw_status: str
    priority: int
    tags: tuple[str, ...]
    unread: bool
    awaiting: str
    """``agent`` when the last message is the customer's, ``customer`` after an agent reply."""
    created_at: datetime
    updated_at: datetime
    waiting_since: datetime
    message_count: int
    snippet: str
    assignee: str = ""
    customer_id: int | None = None
    has_attachments: bool = False
    version: int = 0
    """Local news counter: bumps when upstream brings something the agent has not seen
    (a customer message, another agent's reply or note, a status change). Operations record
    the version the agent acted on; a newer one at push time means a conflict."""


@dataclass
class StoredMessage:
    """A message as the store keeps it (with local id and delivery state)."""

    id: int
    conversation_id: int
    direction: Direction
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime
    subject: str
    body_text: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    remote_id: str
    folder: str
    problems: tuple[str, ...]
    op_id: str = ""
    """Set on a reply the agent queued; cleared state is read from the operation."""


@dataclass
class Operation:
    id: str
    conversation_id: int
    account: str
    kind: OpKind
    payload: dict[str, Any]
    base_version: str
    state: OpState
    attempts: int
    last_error: str
    created_at: datetime
    updated_at: datetime
    remote_id: str = ""


# --------------------------------------------------------------------------- helpers

_CTRL = {c: None for c in range(0x20) if c not in (9, 10)}
_CTRL.update({c: None for c in range(0x7F, 0xA0)})
# bidi overrides/isolates can disguise a subject; zero-width joiners are harmless
_CTRL.update({c: None for c in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)})


def clean_text(value: str) -> str:
    """Strip C0 (but tab/newline), DEL, C1 and bidi-override characters.

    Every string from a customer or upstream passes through here before it is stored, so
    no escape sequence (ESC is C0) can ever reach the terminal.
    """
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.translate(_CTRL)


def clean_line(value: str, limit: int = 500) -> str:
    """One-line, bounded version of :func:`clean_text` for subjects and names."""
    value = " ".join(clean_text(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """An attachment name that cannot leave its folder or hide itself."""
    name = clean_line(unicodedata.normalize("NFC", name or ""), 200)
    name = name.replace("/", "_").replace("\\", "_").replace("\x00", "")
    name = name.strip().lstrip(".").strip()
    if name in {"", ".", ".."}:
        return fallback
    return name


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_REPLY_PREFIX = None


def normalize_subject(subject: str) -> tuple[str, bool]:
    """Subject for threading: prefixes (Re/Fwd/AW/SV/回复 …) and ``[tags]`` removed,
    whitespace folded, casefolded. Returns ``(normalised, had_reply_prefix)``."""
    import re

    global _REPLY_PREFIX
    if _REPLY_PREFIX is None:
        _REPLY_PREFIX = re.compile(
            r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|réf|rif|tr|ynt|απ|σχετ|回复|答复|转发|رد)\s*(?:\[\d+\])?\s*[:：]\s*|\[[^\]]{0,40}\]\s*)",
            re.IGNORECASE,
        )
    text = clean_line(subject or "", 1000)
    had = False
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        had = True
        text = stripped
    return " ".join(text.split()).casefold(), had


def reply_subject(subject: str) -> str:
    """``Re: `` once: ``Re: Re: AW: x`` becomes ``Re: x``; forwards stay (``Re: Fwd: x``)."""
    text = clean_line(subject or "", 900)
    while True:
        stripped = _REPLY_ONLY.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = text.strip()
    return f"Re: {text}" if text else "Re: your message"


_REPLY_ONLY = re.compile(
    r"^\s*(?:re|aw|sv|vs|antw|antwort|réf|rif|ynt|odp|απ|σχετ|回复|回覆|答复|رد)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)

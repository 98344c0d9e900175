"""What the service hands the CLI and the UI: queue rows, a conversation with what goes
with it, a reply's recipients, the status line. Plain data, built by ``service.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inbox_tui.model import Address, Conversation, Note, Operation, Status, StoredMessage
from inbox_tui.store import parse_iso


@dataclass
class QueueRow:
    id: int
    account: str
    subject: str
    customer_name: str
    customer_email: str
    status: Status
    raw_status: str
    priority: int
    tags: tuple[str, ...]
    unread: bool
    awaiting: str
    waiting_since: datetime
    updated_at: datetime
    message_count: int
    snippet: str
    pending_ops: int
    has_attachments: bool
    assignee: str
    score: int = 0
    """Priority score: the queue sorts by it; ``service.why(id)`` explains it."""
    due_at: datetime | None = None
    """When the running SLA clock breaches (``None``: no clock, e.g. waiting on the customer)."""
    sla_state: str = ""
    """``ok`` | ``due_soon`` | ``breached`` | ``""``: colour the due column by it."""
    sla_text: str = ""
    """``due in 2h 10m`` / ``overdue 35m``."""
    snoozed_until: datetime | None = None
    """Set while snoozed (``9999-12-31`` = until the customer replies)."""
    woke: str = ""
    """Why it came back from a snooze (``customer replied`` / ``the snooze ended``): show a marker."""
    resnooze_until: datetime | None = None
    """Woken by a reply before this time: offer "snooze again until …" (``service.resnooze_same``)."""
    thanks_only: bool = False
    """Woken early by a reply that only says thanks: offer the re-snooze first."""
    language: str = ""


@dataclass(frozen=True)
class Recipients:
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    editable_cc: bool = True
    """False where the helpdesk sends to the ticket's CCs itself (RT, Zendesk)."""


@dataclass
class ConversationDetail:
    conversation: Conversation
    messages: list[StoredMessage]
    notes: list[Note]
    history: list[QueueRow]
    operations: list[Operation]
    upstream: frozenset[str]
    draft: str | None
    sla_text: str = ""
    """The running clock: ``first reply overdue 3h`` / ``next reply due in 2h 10m``; ``""`` for none."""
    sla_state: str = ""
    """``ok`` | ``due_soon`` | ``breached`` | ``""``, as on the queue's rows."""
    language: str = ""
    """The customer's language as detected (``de``); canned replies in it are offered first."""
    recipients: Recipients = Recipients((), ())
    """Who a reply would go to now (the reply box shows it and edits the copies)."""


UPSTREAM_KEEPS_CC = frozenset({"rt", "zendesk"})
"""Helpdesks that copy a public reply to the ticket's CCs themselves: ours are not sent."""
MAIL_CONNECTORS = frozenset({"maildir", "imap"})


@dataclass
class StatusInfo:
    accounts: list[str]
    last_sync: datetime | None
    pending_ops: int
    problem: str | None


def queue_row(d: dict, extras: dict) -> QueueRow:  # type: ignore[type-arg]
    """A row of ``store.queue_rows`` with the triage extras (score, clock, snooze)."""
    return QueueRow(
        id=d["id"],
        account=d["account"],
        subject=d["subject"],
        customer_name=d["customer_name"],
        customer_email=d["customer_email"],
        status=Status(d["status"]),
        raw_status=d["raw_status"],
        priority=d["priority"],
        tags=d["tags"],
        unread=bool(d["unread"]),
        awaiting=d["awaiting"],
        waiting_since=parse_iso(d["waiting_since"]),
        updated_at=parse_iso(d["updated_at"]),
        message_count=d["message_count"],
        snippet=d["snippet"],
        pending_ops=d["pending_ops"],
        has_attachments=bool(d["has_attachments"]),
        assignee=d["assignee"],
        **extras,
    )

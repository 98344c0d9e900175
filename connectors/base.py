"""The connector contract: small capability Protocols plus a ``Capabilities`` record.

Connectors are synchronous (they run in sync subprocesses or thread workers), receive
resolved credentials as constructor arguments, and speak only ``inbox_tui.model`` types.
A connector implements the Protocols for what its upstream can do and declares them in
``capabilities``; the service hides what a connector cannot do and never guesses.

Errors: raise the ``inbox_tui.errors.ConnectorError`` subclasses. In particular a send
whose outcome is unknown (timeout after the body left, connection reset, process killed)
raises ``AmbiguousSend``; the sync engine then calls ``find_sent`` before any retry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from inbox_tui.model import Address, PullBatch, Status


@dataclass(frozen=True)
class Capabilities:
    """What upstream can be told. ``False`` keeps the change local (and says so)."""

    reply: bool = False
    note: bool = False
    status: bool = False
    tags: bool = False
    assign: bool = False
    snooze: bool = False
    read: bool = False
    statuses: tuple[Status, ...] = (Status.OPEN, Status.PENDING, Status.CLOSED)


KnownLookup = Callable[[Sequence[str]], dict[str, str]]
"""Given remote message ids, return ``{remote_id: stored_flags}`` for those already stored.

Lets a connector skip what the cache has without importing the store. ``stored_flags`` is
the canonical flag set joined with ``,`` (``"answered,seen"``)."""

ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class ParentMessage:
    """The message a reply answers: what threading headers and quoting need."""

    remote_id: str
    message_id: str
    references: tuple[str, ...]
    sender: Address
    date_text: str
    body_text: str
    folder: str = ""
    reply_to: Address | None = None


@dataclass(frozen=True)
class OutgoingReply:
    """A reply ready to leave. Built by the service and stored in the operation payload
    *before* the first attempt, so every retry sends byte-for-byte the same message."""

    op_id: str
    conversation_remote_id: str
    message_id: str
    subject: str
    body_text: str
    to: tuple[Address, ...]
    cc: tuple[Address, ...] = ()
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    parent: ParentMessage | None = None
    date_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "conversation_remote_id": self.conversation_remote_id,
            "message_id": self.message_id,
            "subject": self.subject,
            "body_text": self.body_text,
            "to": [[a.email, a.name] for a in self.to],
            "cc": [[a.email, a.name] for a in self.cc],
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "date_text": self.date_text,
            "parent": None
            if self.parent is None
            else {
                "remote_id": self.parent.remote_id,
                "message_id": self.parent.message_id,
                "references": list(self.parent.references),
                "sender": [self.parent.sender.email, self.parent.sender.name],
                "date_text": self.parent.date_text,
                "body_text": self.parent.body_text,
                "folder": self.parent.folder,
            },
            "extra": self.extra,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> OutgoingReply:
        parent = data.get("parent")
        return cls(
            op_id=data["op_id"],
            conversation_remote_id=data.get("conversation_remote_id", ""),
            message_id=data["message_id"],
            subject=data["subject"],
            body_text=data["body_text"],
            to=tuple(Address(e, n) for e, n in data.get("to", [])),
            cc=tuple(Address(e, n) for e, n in data.get("cc", [])),
            in_reply_to=data.get("in_reply_to", ""),
            references=tuple(data.get("references", [])),
            date_text=data.get("date_text", ""),
            parent=None
            if not parent
            else ParentMessage(
                remote_id=parent["remote_id"],
                message_id=parent["message_id"],
                references=tuple(parent["references"]),
                sender=Address(*parent["sender"]),
                date_text=parent["date_text"],
                body_text=parent["body_text"],
                folder=parent.get("folder", ""),
            ),
            extra=data.get("extra", {}),
        )


@dataclass(frozen=True)
class SendResult:
    remote_id: str = ""
    """Upstream id of what was created (comment id, Sent-folder id); may be empty."""


@runtime_checkable
class Connector(Protocol):
    account: str
    identity: Address
    capabilities: Capabilities

    def close(self) -> None: ...


@runtime_checkable
class Source(Protocol):
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        """Yield batches of what changed upstream since ``cursor`` (``None``: first sync).

        Each batch carries the cursor to store with it. Malformed items are delivered with
        ``problems`` filled in, never raised. Raises ``AuthError``/``TransportError`` when
        upstream cannot be read at all.
        """
        ...


@runtime_checkable
class Replier(Protocol):
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        """Send ``reply`` to the customer. Raises ``AmbiguousSend`` when unsure."""
        ...

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        """Look upstream for ``reply`` (by Message-ID or dedupe marker); ``None`` if absent.

        Raises ``Unsupported`` when upstream cannot tell (a plain SMTP relay)."""
        ...


@runtime_checkable
class Noter(Protocol):
    def add_note(self, conversation_remote_id: str, body: str, op_id: str) -> SendResult: ...


@runtime_checkable
class NoteFinder(Protocol):
    def find_note(self, conversation_remote_id: str, body: str, written_after: datetime) -> SendResult | None:
        """Look upstream for an internal note with ``body`` by us, added after
        ``written_after`` (less the connector's clock slack); ``None`` if absent.

        The sync engine asks after an interrupted ``add_note``, so a note that went through
        is not posted twice and one that did not is posted without asking the agent."""
        ...


@runtime_checkable
class StatusWriter(Protocol):
    def set_status(self, conversation_remote_id: str, status: Status) -> None: ...


@runtime_checkable
class Tagger(Protocol):
    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        """Add/remove tags without clobbering tags added upstream meanwhile; return the
        resulting set."""
        ...


@runtime_checkable
class Assigner(Protocol):
    def assign(self, conversation_remote_id: str, assignee: str) -> None: ...


@runtime_checkable
class ReadMarker(Protocol):
    def mark_read(self, message_remote_ids: Sequence[str], read: bool = True) -> None: ...


@runtime_checkable
class Versioned(Protocol):
    def current_version(self, conversation_remote_id: str) -> str:
        """Upstream version of a conversation right now (pre-send stale check)."""
        ...

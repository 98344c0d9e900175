"""What queuing a reply writes, decided in one place: the local OUT message, the reply
operation with its Message-ID fixed before the first attempt, and a canned reply's tags
and status with their operations. ``InboxService.reply`` records one at a time; the rules'
automatic acknowledgements prepare a whole chunk and record it in one transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from email.utils import format_datetime, getaddresses, make_msgid

from connectors.base import OutgoingReply, ParentMessage
from inbox_tui.errors import InboxError, PlaceholderError
from inbox_tui.model import (
    Address,
    Conversation,
    Direction,
    Message,
    OpKind,
    Status,
    StoredMessage,
    clean_line,
    clean_text,
    reply_subject,
    utcnow,
)
from inbox_tui.replies import CannedReply, unresolved
from inbox_tui.store import LocalChange, NewOp


@dataclass
class PreparedReply:
    change: LocalChange
    ops: list[NewOp]
    op_id: str
    """The reply operation's id (``ops[0]``)."""


_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What ``clean_text`` changes (C0 but tab and newline, CR, DEL, C1, bidi overrides):
a text without any is clean already, found in ~1 µs against ~15 µs for its translate of
a reply (a chunk of acknowledgements checks ~500). ``test_outgoing`` holds the two equal."""


def reply_body(body: str) -> str:
    """The text as it will be sent; an empty one or a placeholder left in it is an error."""
    body = (clean_text(body) if _UNCLEAN.search(body) else body).strip("\n")
    if not body.strip():
        raise InboxError("the reply is empty", title="Reply not sent")
    if (name := unresolved(body)) is not None:
        raise PlaceholderError(name, "is still in the reply")
    return body


def prepare_reply(
    conv: Conversation,
    messages: list[StoredMessage],
    body: str,
    *,
    identity: Address,
    can: frozenset[str],
    template: CannedReply | None = None,
    cc: tuple[Address, ...] = (),
) -> PreparedReply:
    """The change and operations of one reply (``body`` already through ``reply_body``);
    ``can``: what the conversation's account pushes upstream; ``cc``: the reply's copies
    (``reply_all_cc`` by default in the service; automatic replies go to the sender only)."""
    if "reply" not in can:
        raise InboxError(f"account {conv.account} cannot send replies", title="Reply not sent")
    outgoing = outgoing_reply(conv, messages, body, identity, cc=cc)
    change = LocalChange(
        message=Message(
            remote_id="",
            direction=Direction.OUT,
            sender=identity,
            date=utcnow(),
            subject=outgoing.subject,
            body_text=body,
            to=outgoing.to,
            cc=outgoing.cc,
            message_id=outgoing.message_id,
            in_reply_to=outgoing.in_reply_to,
            references=outgoing.references,
            flags=frozenset({"seen"}),
        ),
        message_op=outgoing.op_id,
        status=template.status if template else None,
        tags_add=template.tags if template else (),
    )
    ops = [NewOp(OpKind.REPLY, outgoing.to_payload(), id=outgoing.op_id)]
    ops += status_tag_ops(conv, change.status, change.tags_add, (), can)
    if template is not None:  # reply stats count uses per canned reply
        ops[0].payload["canned"] = template.slug
    return PreparedReply(change, ops, outgoing.op_id)


def reply_parent(messages: Sequence[StoredMessage]) -> StoredMessage | None:
    """The message a reply answers: the latest from the customer, else the latest."""
    parent = next((m for m in reversed(messages) if m.direction is Direction.IN), None)
    return parent if parent is not None or not messages else messages[-1]


def reply_to(conv: Conversation, parent: StoredMessage | None) -> tuple[Address, ...]:
    """The sender of the message answered, else the conversation's customer."""
    if parent is not None and parent.direction is Direction.IN and parent.sender.email:
        return (parent.sender,)
    return (conv.customer,) if conv.customer.email else ()


def parse_address_list(text: str) -> tuple[Address, ...]:
    """``Bob <bob@example.org>, carol@example.org`` → addresses; an entry without an
    address raises ``InboxError`` naming it."""
    out: list[Address] = []
    for name, email in getaddresses([text]):
        if not email and not name:
            continue
        if "@" not in email or " " in email.strip():
            raise InboxError(f"{(name or email)!r} is not an e-mail address", title="Copies not changed")
        out.append(Address(email.strip(), clean_line(name, 200)))
    return tuple(out)


def reply_all_cc(
    parent: StoredMessage | None, to: Sequence[Address], own: Collection[str], *, include_to: bool = True
) -> tuple[Address, ...]:
    """Everyone else the customer's message went to (its To, with ``include_to``, and Cc),
    as a mail client's reply-all and a helpdesk's CCs keep them: not us (``own``, any
    case), not ``to``, once each."""
    if parent is None or parent.direction is not Direction.IN:
        return ()
    skip = {a.casefold() for a in own} | {a.email.casefold() for a in to}
    cc: list[Address] = []
    for address in (*(parent.to if include_to else ()), *parent.cc):
        key = address.email.casefold()
        if "@" in key and key not in skip:
            skip.add(key)
            cc.append(address)
    return tuple(cc)


def outgoing_reply(
    conv: Conversation, messages: list[StoredMessage], body: str, identity: Address, *, cc: tuple[Address, ...] = ()
) -> OutgoingReply:
    """To the sender of the latest customer message (else the customer), threaded under it."""
    parent = reply_parent(messages)
    to = reply_to(conv, parent)
    if not to:
        raise InboxError("this conversation has no customer address to reply to", title="Reply not sent")
    domain = identity.email.rpartition("@")[2] or "inbox-tui.invalid"
    message_id = make_msgid(domain=domain).strip("<>")
    references: tuple[str, ...] = ()
    in_reply_to = ""
    parent_ref = None
    if parent is not None:
        in_reply_to = parent.message_id
        references = tuple(r for r in (*parent.references, parent.message_id) if r)
        parent_ref = ParentMessage(
            remote_id=parent.remote_id,
            message_id=parent.message_id,
            references=parent.references,
            sender=parent.sender,
            date_text=date_text(parent.date),
            body_text=parent.body_text[:20000],
            folder=parent.folder,
        )
    return OutgoingReply(
        op_id=str(uuid.uuid4()),
        conversation_remote_id=conv.remote_id,
        message_id=message_id,
        subject=reply_subject(conv.subject),
        body_text=body,
        to=to,
        cc=cc,
        in_reply_to=in_reply_to,
        references=references,
        parent=parent_ref,
        date_text=_now_text(),
        extra={"marker": message_id},
    )


def status_tag_ops(
    conv: Conversation, status: Status | None, add: Sequence[str], remove: Sequence[str], can: frozenset[str]
) -> list[NewOp]:
    ops = []
    if status is not None and status != conv.status and "status" in can:
        ops.append(NewOp(OpKind.STATUS, {"status": str(status), "conversation_remote_id": conv.remote_id}))
    if (add or remove) and "tags" in can:
        ops.append(NewOp(OpKind.TAGS, {"add": list(add), "remove": list(remove), "conversation_remote_id": conv.remote_id}))
    return ops


def conversation_placeholders(conv: Conversation, agent_name: str, agent_email: str) -> dict[str, str]:
    """The placeholders a canned reply can use that come from the conversation itself
    (the triage ones — ``business.next_open``, ``reply.expected_by`` — are added by the caller)."""
    return {
        "customer.first_name": conv.customer.first_name,
        "customer.name": conv.customer.name,
        "customer.email": conv.customer.email,
        "conversation.subject": conv.subject,
        "conversation.id": str(conv.id),
        "agent.name": agent_name,
        "agent.email": agent_email,
    }


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(at: datetime) -> str:
    """``format_datetime(at)``; a UTC instant (every stored date) formatted directly, in a
    fifth of its time (it goes through a time tuple and ``strftime('%z')``)."""
    if at.tzinfo is not timezone.utc:
        return format_datetime(at)
    return "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
        _DAYS[at.weekday()], at.day, _MONTHS[at.month - 1], at.year, at.hour, at.minute, at.second
    )  # fmt: skip


def _now_text() -> str:
    """``format_datetime(utcnow())``, formatted once per second (it has no finer unit):
    a chunk of acknowledgements is dated within a second or two."""
    return _utc_seconds_text(utcnow().replace(microsecond=0))


@lru_cache(maxsize=4)
def _utc_seconds_text(at: datetime) -> str:
    return date_text(at)

"""The Request Tracker connector: pull tickets, push replies, notes, status, owner, tags.

Two classes, because a capability is a Protocol the object has or has not: ``RTConnector``
for queues without a ``Tags`` custom field, ``TaggingRTConnector`` (adds ``set_tags``)
when every synced queue has one. :func:`connect` looks once and picks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from connectors._values import merge_tags
from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.rt import pull
from connectors.rt.client import RTClient, message_error
from connectors.rt.mapping import (
    NOBODY,
    TAGS_FIELD,
    WRITE_STATUS,
    as_int,
    body_digest,
    custom_field_values,
    pick_body,
    ref_id,
    ticket_to_conversation,
    user_name,
)
from inbox_tui.errors import AuthError, ConfigError, Conflict, ConnectorError, NotFound, TransportError
from inbox_tui.model import Address, PullBatch, RemoteConversation, Status

FIND_SENT_SLACK = 120
"""Seconds before the reply's own date that ``find_sent`` still looks at (clock skew)."""


class RTConnector:
    def __init__(
        self,
        account: str,
        client: RTClient,
        queues: Sequence[str],
        *,
        identity: Address,
        agent: str = "",
    ) -> None:
        if not queues:
            raise ConnectorError("an RT account needs at least one queue (settings: queues = [\"General\"])")
        self.account = account
        self.client = client
        self.queues = list(queues)
        self.identity = identity
        self.agent = agent

    # ------------------------------------------------------------------ contract
    tags_field: str | None = None
    """The custom field holding tags (``None``: tags stay local)."""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(reply=True, note=True, status=True, tags=self.tags_field is not None, assign=True)

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ pull
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        problems: list[str] = []
        state = pull.Cursor.load(cursor, self.queues, problems)
        if self.client.skew is None:
            self.client.skew = state.skew
        search = pull.TicketSearch(self.client, self.queues)
        first_run = state.watermark is None
        for _items, changed in self._walk(search, state, should_stop):
            state.skew = self.client.skew or 0.0
            conversations = self._conversations(changed, problems) if changed else []
            if conversations or problems or first_run:
                yield PullBatch(
                    conversations=conversations, cursor=state.dump(), problems=problems, total_hint=search.total
                )
                problems = []
        if should_stop():
            return
        deleted, state.deleted_after = pull.deletions(self.client, self.queues, state.deleted_after)
        conversations = []
        for ticket_id in deleted:
            try:
                ticket, _ = self.client.ticket(ticket_id)
            except NotFound:
                continue
            conversations.extend(self._conversations([ticket], problems))
        if conversations or problems or first_run or deleted:
            yield PullBatch(conversations=conversations, cursor=state.dump(), problems=problems)

    def _walk(
        self, search: pull.TicketSearch, state: pull.Cursor, should_stop: ShouldStop
    ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        pages = pull.walk(search, state, should_stop)
        while True:
            try:
                page = next(pages)
            except StopIteration:
                return
            except NotFound:
                # the search itself is missing: not a ticket that vanished, a wrong url
                raise TransportError(f"RT's REST 2.0 API is not at {self.client.api} (404); check the account's url") from None
            except TransportError as exc:
                if "HTML" not in str(exc):
                    raise
                raise TransportError(f"{exc}: is {self.client.api} RT's REST 2.0 API? Check the account's url") from None
            yield page

    def _conversations(self, tickets: Sequence[dict[str, Any]], problems: list[str]) -> list[RemoteConversation]:
        ids = [str(as_int(t.get("id"))) for t in tickets if as_int(t.get("id"))]
        parts = pull.read_parts(self.client, ids)
        result = []
        for ticket in tickets:
            ticket_id = str(as_int(ticket.get("id")))
            if ticket_id not in parts:
                problems.append(f"RT: a ticket without a usable id was skipped ({str(ticket.get('id'))[:40]!r})")
                continue
            result.append(
                ticket_to_conversation(ticket, parts[ticket_id], self._is_agent, problems, tags_field=self.tags_field)
            )
        return result

    def _is_agent(self, user: Mapping[str, Any]) -> bool:
        name = user_name(user)
        if not name:
            return False
        return bool(as_int(self.client.user(name).get("Privileged")))

    # ------------------------------------------------------------------ replies and notes
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        ticket_id = reply.conversation_remote_id
        started = self.client.server_now()
        self._post(ticket_id, "correspond", reply.body_text)
        found = self._find_message(ticket_id, "Correspond", reply.body_text, since=started - FIND_SENT_SLACK)
        return SendResult(remote_id=found or "")

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        """A Correspond by an agent on the ticket, after the reply was written, with the
        same text (RT keeps the posted body verbatim, so its digest is the marker)."""
        since = _epoch_of(reply.date_text)
        found = self._find_message(
            reply.conversation_remote_id,
            "Correspond",
            reply.body_text,
            since=None if since is None else since - FIND_SENT_SLACK,
        )
        return SendResult(remote_id=found) if found else None

    def add_note(self, conversation_remote_id: str, body: str, op_id: str) -> SendResult:
        started = self.client.server_now()
        self._post(conversation_remote_id, "comment", body)
        found = self._find_message(conversation_remote_id, "Comment", body, since=started - FIND_SENT_SLACK)
        return SendResult(remote_id=found or "")

    def find_note(self, conversation_remote_id: str, body: str, written_after: datetime) -> SendResult | None:
        """A Comment by an agent with the same text, after the note was written."""
        since = written_after.timestamp() - FIND_SENT_SLACK
        found = self._find_message(conversation_remote_id, "Comment", body, since=since)
        return SendResult(remote_id=found) if found else None

    def _post(self, ticket_id: str, kind: str, body: str) -> None:
        try:
            self.client.post_message(ticket_id, kind, body)
        except ConnectorError as exc:
            # RT answers a correspond/comment on a missing ticket with 400 "Message could not be recorded"
            if not isinstance(exc, NotFound) and "could not be recorded" in str(exc):
                self.client.ticket(ticket_id)  # raises NotFound when the ticket is gone
            raise

    def _find_message(self, ticket_id: str, kind: str, body: str, *, since: float | None) -> str | None:
        query = f"ObjectType = 'RT::Ticket' AND ObjectId = {int(_ticket(ticket_id))} AND Type = '{kind}'"
        if since is not None:
            seconds = math.ceil(self.client.server_now() - since)
            if seconds < 0:
                return None  # nothing on RT can be newer than its own clock
            query += f" AND Created >= '-{seconds + pull.CLOCK_SLACK} seconds'"
        txns = self.client.search(
            "/transactions", [("query", query), ("fields", "Creator"), ("fields[Creator]", "Name"), ("orderby", "id")]
        )
        agents = [t for t in txns if self._is_agent(t.get("Creator") or {})]
        if not agents:
            return None
        wanted = body_digest(body)
        ids = [as_int(t.get("id")) for t in agents]
        parts = self.client.search(
            "/attachments",
            [("fields", "TransactionId,ContentType,Content,Filename"), ("orderby", "id")],
            body=[
                {"field": "TransactionId", "operator": "IN", "value": [i for i in ids if i is not None]},
                {"field": "ContentType", "operator": "STARTSWITH", "value": "text/"},
            ],
        )
        by_txn: dict[int, list[dict[str, Any]]] = {}
        for part in parts:
            txn = ref_id(part.get("TransactionId"))
            if txn is not None:
                by_txn.setdefault(txn, []).append(part)
        for txn_id in sorted((i for i in ids if i is not None), reverse=True):
            text, _ = pick_body(by_txn.get(txn_id, ()))
            if body_digest(text) == wanted:
                return f"txn:{txn_id}"
        return None

    # ------------------------------------------------------------------ ticket fields
    def set_status(self, conversation_remote_id: str, status: Status) -> None:
        wanted = WRITE_STATUS[status]
        messages = self.client.update_ticket(conversation_remote_id, {"Status": wanted})
        ticket, _ = self.client.ticket(conversation_remote_id)
        if str(ticket.get("Status")) != wanted:
            raise message_error(messages, f"set ticket {conversation_remote_id} to {wanted!r}")

    def assign(self, conversation_remote_id: str, assignee: str) -> None:
        owner = assignee.strip() or NOBODY
        messages = self.client.update_ticket(conversation_remote_id, {"Owner": owner})
        ticket, _ = self.client.ticket(conversation_remote_id)
        if user_name(ticket.get("Owner")).lower() != owner.lower():
            raise message_error(messages, f"give ticket {conversation_remote_id} to {owner!r}")

    def current_version(self, conversation_remote_id: str) -> str:
        ticket, _ = self.client.ticket(conversation_remote_id)
        return str(ticket.get("LastUpdated") or "")



class TaggingRTConnector(RTConnector):
    """``RTConnector`` plus tags: the values of a multi-value ticket custom field."""

    tags_field: str = TAGS_FIELD

    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        """Read-modify-write of the multi-value ``Tags`` field, guarded by the ticket's ETag
        (RT replaces the whole value list on PUT; a concurrent edit gets 412 → one retry)."""
        for _attempt in range(3):
            ticket, etag = self.client.ticket(conversation_remote_id)
            current = custom_field_values(ticket, self.tags_field) or ()
            wanted = merge_tags(current, add, remove)
            if list(current) == wanted:
                return tuple(current)
            try:
                messages = self.client.update_ticket(conversation_remote_id, {"CustomFields": {self.tags_field: wanted}}, etag)
            except Conflict:
                continue  # changed between our read and write: read again
            after, _ = self.client.ticket(conversation_remote_id)
            result = custom_field_values(after, self.tags_field) or ()
            if {t.casefold() for t in result} != {t.casefold() for t in wanted}:
                raise message_error(messages, f"set the tags of ticket {conversation_remote_id}")
            return tuple(result)
        raise Conflict(f"RT ticket {conversation_remote_id} kept changing while its tags were written")


def connect(
    account: str, client: RTClient, queues: Sequence[str], *, identity: Address, agent: str = ""
) -> RTConnector:
    """The connector for these queues: with tags when each has a ``Tags`` ticket field.

    One ``GET /queue/{name}`` per queue. When RT cannot be asked right now (offline,
    refused credentials) the connector comes without tags; its first pull then reports
    the same failure, so nothing is pushed in that run anyway."""
    try:
        tagged = all(_queue_has_field(client, queue, TAGS_FIELD) for queue in queues)
    except NotFound:
        _check_api(client)
        raise ConfigError(
            f"RT has no queue named one of {', '.join(map(repr, queues))} that this account can see "
            f"(accounts.{account}.queues)"
        ) from None
    except (AuthError, TransportError):
        tagged = False
    kind = TaggingRTConnector if tagged else RTConnector
    return kind(account, client, queues, identity=identity, agent=agent)


def _check_api(client: RTClient) -> None:
    """``TransportError`` when ``client.api`` is not RT's REST 2.0 (a wrong url)."""
    try:
        about = client.get("/rt")
    except (NotFound, TransportError):
        about = None
    if not isinstance(about, dict) or "Version" not in about:
        raise TransportError(f"RT's REST 2.0 API is not at {client.api}; check the account's url")


def _queue_has_field(client: RTClient, queue: str, name: str) -> bool:
    record = client.get(f"/queue/{quote(queue, safe='')}")
    fields = record.get("TicketCustomFields") if isinstance(record, dict) else None
    return any(isinstance(cf, dict) and cf.get("name") == name for cf in fields or ())


def _ticket(ticket_id: str) -> str:
    text = str(ticket_id).strip()
    if not text.isdigit():
        raise NotFound(f"{ticket_id!r} is not an RT ticket id")
    return text


def _epoch_of(date_text: str) -> float | None:
    if not date_text:
        return None
    try:
        return parsedate_to_datetime(date_text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


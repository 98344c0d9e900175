"""The Freshdesk connector: pull tickets, push replies, notes, status, responder, tags."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors._html import text_to_html
from connectors._incremental import FailureStreak, ShiftWatch
from connectors._values import drain, merge_tags, reply_date
from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.freshdesk.client import FreshdeskClient, PageCapReached
from connectors.freshdesk.mapping import (
    NOTE_SOURCE,
    WRITE_STATUS,
    as_int,
    body_digest,
    contact,
    iso,
    parse_time,
    to_conversation,
)
from connectors.freshdesk.pull import PAGE_LIMIT, Cursor
from inbox_tui.errors import ConnectorError, NotFound, TransportError
from inbox_tui.model import Address, PullBatch, RemoteConversation, Status

log = logging.getLogger("connectors.freshdesk")

BATCH_TICKETS = 50
FIND_SENT_SLACK = timedelta(minutes=5)
MAX_WALKS = 3


class FreshdeskConnector:
    def __init__(
        self,
        account: str,
        client: FreshdeskClient,
        *,
        identity: Address,
        user_id: int | None = None,
        per_page: int = 100,
        page_limit: int = PAGE_LIMIT,
        closed_status: int = WRITE_STATUS[Status.CLOSED],
        group_id: int | None = None,
    ) -> None:
        self.account = account
        self.client = client
        self.identity = identity
        self.user_id = user_id
        self.per_page = per_page
        self.page_limit = page_limit
        self.group_id = group_id
        self.write_status = {**WRITE_STATUS, Status.CLOSED: closed_status}
        self.capabilities = Capabilities(reply=True, note=True, status=True, tags=True, assign=True)
        self._agents: dict[int, Address] | None = None
        self._agent_ids: dict[str, int | None] = {}
        self._failures = FailureStreak()

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ pull
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        problems: list[str] = []
        state = Cursor.load(cursor, problems)
        first_run = state.since is None
        if state.retry:
            yield self._retry(state, problems)
        since = state.listing_since
        read: dict[str, str] = {}
        for _walk in range(MAX_WALKS):
            watch = ShiftWatch()
            for tickets in self._walk(since, should_stop, problems):
                for start in range(0, len(tickets), BATCH_TICKETS):
                    conversations = []
                    for ticket in tickets[start : start + BATCH_TICKETS]:
                        ticket_id, updated = str(as_int(ticket.get("id"))), str(ticket.get("updated_at"))
                        watch.see(ticket_id, updated, parse_time(updated))
                        if state.unchanged(ticket) or read.get(ticket_id) == updated:
                            continue
                        read[ticket_id] = updated
                        if self.group_id is not None and as_int(ticket.get("group_id")) != self.group_id:
                            state.saw(ticket)  # another group's ticket: listed, never read or stored
                            continue
                        conv = self._read(ticket, state, problems)
                        if conv is not None:
                            conversations.append(conv)
                        state.saw(ticket)
                    if conversations or problems or first_run:
                        yield PullBatch(conversations=conversations, cursor=state.dump(), problems=drain(problems))
                        first_run = False
            if watch.rescan_from is None or should_stop():
                break
            state.hold = watch.rescan_from - timedelta(seconds=1)
            since = iso(state.hold)
        if state.hold is not None or problems:
            state.hold = None
            yield PullBatch(cursor=state.dump(), problems=drain(problems))

    def _walk(self, since: str, should_stop: ShouldStop, problems: list[str]) -> Iterator[list[dict[str, Any]]]:
        """Pages of tickets from ``since`` on; past the page cap, page 1 again from the last
        ``updated_at`` seen (duplicates are dropped by the caller through ``seen``)."""
        page, last_seen = 1, since
        while not should_stop():
            try:
                tickets, has_next = self.client.list_tickets(since, page, self.per_page)
            except PageCapReached:
                self.page_limit = max(page - 1, 1)  # the server's cap is lower than ours: learn it
                has_next = True
            else:
                tickets = [t for t in tickets if isinstance(t, dict) and as_int(t.get("id"))]
                if tickets:
                    last_seen = str(tickets[-1].get("updated_at") or last_seen)
                    yield tickets
            if not has_next:
                return
            if page + 1 > self.page_limit:
                if last_seen == since:
                    problems.append(
                        f"Freshdesk: more tickets than {page} pages share updated_at {since}; the rest waits"
                    )
                    return
                since, page = last_seen, 1
            else:
                page += 1

    def _read(self, ticket: dict[str, Any], state: Cursor, problems: list[str]) -> RemoteConversation | None:
        ticket_id = str(as_int(ticket.get("id")))
        try:
            conversations = self.client.conversations(ticket_id)
        except NotFound:
            return None
        except TransportError as exc:
            state.retry.append(ticket_id)
            problems.append(f"Freshdesk ticket {ticket_id} could not be read ({exc}); it is retried at the next sync")
            log.warning("freshdesk %s: ticket %s skipped: %s", self.account, ticket_id, exc)
            if self._failures.failed():
                raise
            return None
        self._failures.ok()
        return to_conversation(ticket, conversations, self._agent, problems)

    def _retry(self, state: Cursor, problems: list[str]) -> PullBatch:
        conversations, still = [], []
        for ticket_id in dict.fromkeys(state.retry):
            try:
                ticket = self.client.ticket(ticket_id, include_requester=True)
                conversations.append(
                    to_conversation(ticket, self.client.conversations(ticket_id), self._agent, problems)
                )
            except NotFound:
                continue
            except TransportError as exc:
                still.append(ticket_id)
                problems.append(f"Freshdesk ticket {ticket_id} still cannot be read ({exc})")
        state.retry = still
        return PullBatch(conversations=conversations, cursor=state.dump(), problems=drain(problems))

    def _agent(self, agent_id: int) -> Address | None:
        """Agent names for message senders, read once per connector when first needed
        (an account that may not list agents just shows ``agent 7``)."""
        if self._agents is None:
            try:
                self._agents = {as_int(a.get("id")) or 0: contact(a.get("contact")) for a in self.client.agents()}
            except (ConnectorError, AttributeError) as exc:
                log.info("freshdesk %s: agents not listed (%s); showing agent ids", self.account, exc)
                self._agents = {}
        return self._agents.get(agent_id)

    # ------------------------------------------------------------------ replies and notes
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        payload: dict[str, Any] = {"body": text_to_html(reply.body_text)}
        if self.user_id:
            payload["user_id"] = self.user_id
        cc = [a.email for a in reply.cc if a.email]
        if cc:
            payload["cc_emails"] = cc
        created = self.client.create(reply.conversation_remote_id, "reply", payload)
        return SendResult(remote_id=f"conv:{created['id']}")

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        """An agent reply on the ticket, written after the reply was made (less some slack),
        by us when ``user_id`` is set, whose text has the same digest as ours."""
        return self._find(reply.conversation_remote_id, reply.body_text, reply_date(reply.date_text), note=False)

    def add_note(self, conversation_remote_id: str, body: str, op_id: str) -> SendResult:
        payload: dict[str, Any] = {"body": text_to_html(body), "private": True}
        if self.user_id:
            payload["user_id"] = self.user_id
        created = self.client.create(conversation_remote_id, "notes", payload)
        return SendResult(remote_id=f"conv:{created['id']}")

    def find_note(self, conversation_remote_id: str, body: str, written_after: datetime) -> SendResult | None:
        return self._find(conversation_remote_id, body, written_after, note=True)

    def _find(self, ticket_id: str, body: str, since: datetime | None, *, note: bool) -> SendResult | None:
        floor = since - FIND_SENT_SLACK if since else None
        wanted = body_digest(body)
        for conv in reversed(self.client.conversations(ticket_id)):
            if not isinstance(conv, Mapping) or conv.get("incoming"):
                continue
            if bool(conv.get("private") or as_int(conv.get("source")) == NOTE_SOURCE) is not note:
                continue
            created = parse_time(conv.get("created_at"))
            if floor is not None and (created is None or created < floor):
                continue
            if self.user_id and as_int(conv.get("user_id")) not in (None, self.user_id):
                continue
            if body_digest(str(conv.get("body_text") or "")) == wanted:
                return SendResult(remote_id=f"conv:{conv.get('id')}")
        return None

    # ------------------------------------------------------------------ ticket fields
    def set_status(self, conversation_remote_id: str, status: Status) -> None:
        self.client.update(conversation_remote_id, {"status": self.write_status[status]})

    def assign(self, conversation_remote_id: str, assignee: str) -> None:
        who = assignee.strip()
        self.client.update(conversation_remote_id, {"responder_id": self._agent_id(who) if who else None})

    def _agent_id(self, who: str) -> int:
        if who.isdigit():
            return int(who)
        key = who.casefold()
        if key not in self._agent_ids:
            self._agent_ids[key] = self.client.agent_id(who) if "@" in who else None
        found = self._agent_ids[key]
        if found is None:
            raise ConnectorError(f"Freshdesk has no agent {who!r}; assign by e-mail address or agent id")
        return found

    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        """Read-modify-write: ``tags`` on ``PUT /tickets/{id}`` replaces the list, so the
        current list is read first and only our additions/removals are applied to it.

        The race that remains: a tag added upstream between our read and our write (one
        round trip) is overwritten; Freshdesk has no conditional update to close it."""
        ticket = self.client.ticket(conversation_remote_id)
        current = [t for t in ticket.get("tags") or () if isinstance(t, str)]
        wanted = merge_tags(current, add, remove)
        if wanted == current:
            return tuple(current)
        updated = self.client.update(conversation_remote_id, {"tags": wanted})
        result = updated.get("tags") if isinstance(updated, Mapping) else None
        return tuple(result) if isinstance(result, list) else tuple(wanted)

    def current_version(self, conversation_remote_id: str) -> str:
        updated = parse_time(self.client.ticket(conversation_remote_id).get("updated_at"))
        return iso(updated) if updated else ""


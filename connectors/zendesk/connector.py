"""The Zendesk connector: pull tickets; push replies, notes, status, tags, assignee.

Every write is ``PUT /api/v2/tickets/{id}``:

* reply / note: ``{"comment": {"body", "public": true|false}}``. Not idempotent (a second
  PUT posts a second comment), so never retried blindly: an unclear outcome raises
  ``AmbiguousSend`` and :meth:`ZendeskConnector.find_sent` looks for the comment before any
  new attempt. Zendesk has no idempotency key for updates and no place for our op id, so
  the marker is the body: a public comment by this agent, created after the first attempt
  (minus a clock slack), whose whitespace-folded body hashes the same. ``send_reply`` notes
  the first attempt's time in ``reply.extra["zendesk_first_attempt"]``.
* status / assignee: with ``safe_update`` + ``updated_stamp`` (the ``updated_at`` the stale
  check just read through :meth:`current_version`, or a fresh GET); Zendesk answers 409 when
  the ticket changed meanwhile → ``Conflict``.
* tags: ``additional_tags`` / ``remove_tags`` — never replaces the set, so a tag another
  agent added meanwhile stays.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors._values import reply_date
from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.zendesk.client import ZendeskClient, ticket_path
from connectors.zendesk.mapping import WRITE_STATUS, Users, as_int, body_digest, iso, parse_time
from connectors.zendesk.pull import Puller
from inbox_tui.errors import ConnectorError
from inbox_tui.model import Address, PullBatch, Status

FIND_SENT_SLACK = timedelta(minutes=10)
"""Our clock against Zendesk's, and the time between building a reply and sending it."""
FIND_SENT_UNBOUNDED_PAGES = 1
"""Without a first-attempt time, only the newest 100 comments are searched."""
STAMP_FRESH_SECONDS = 120.0


class ZendeskConnector:
    def __init__(
        self,
        account: str,
        client: ZendeskClient,
        *,
        identity: Address,
        agent_id: int | None = None,
        group_id: int | None = None,
        start_time: int = 0,
        export_page: int = 1000,
    ) -> None:
        self.account = account
        self.client = client
        self.identity = identity
        self.agent_id = agent_id
        self.capabilities = Capabilities(reply=True, note=True, status=True, tags=True, assign=True)
        self.users = Users()
        self.puller = Puller(client, self.users, group_id=group_id, start_time=start_time, export_page=export_page)
        self._stamps: dict[str, tuple[str, float]] = {}

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ reading
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        return self.puller.pull(cursor, should_stop)

    def current_version(self, conversation_remote_id: str) -> str:
        ticket = self.client.ticket(conversation_remote_id)
        stamp = str(ticket.get("updated_at") or "")
        self._remember(conversation_remote_id, stamp)
        return stamp

    # ------------------------------------------------------------------ replies and notes
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        reply.extra.setdefault("zendesk_first_attempt", iso(datetime.now(timezone.utc)))
        return self._comment(reply.conversation_remote_id, reply.body_text, public=True)

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        since = _first_attempt(reply)
        return self._find_comment(reply.conversation_remote_id, reply.body_text, since, public=True)

    def add_note(self, conversation_remote_id: str, body: str, op_id: str) -> SendResult:
        return self._comment(conversation_remote_id, body, public=False)

    def find_note(self, conversation_remote_id: str, body: str, written_after: datetime) -> SendResult | None:
        return self._find_comment(conversation_remote_id, body, written_after, public=False)

    def _find_comment(self, ticket_id: str, body: str, since: datetime | None, *, public: bool) -> SendResult | None:
        """Our comment with ``body`` (public or internal) made after ``since`` less the
        slack, newest first; without ``since`` only the first page is looked at."""
        if since is not None:
            since -= FIND_SENT_SLACK
        me = self._me()
        digest = body_digest(body)
        for number, (page, users) in enumerate(self.client.comments(ticket_id, newest_first=True), start=1):
            self.users.add(users)
            for comment in page:
                created = parse_time(comment.get("created_at"))
                if since is not None and created is not None and created < since:
                    return None
                if bool(comment.get("public", True)) is not public or as_int(comment.get("author_id")) != me:
                    continue
                bodies = {str(comment.get(k) or "") for k in ("body", "plain_body")}
                if any(body_digest(b) == digest for b in bodies if b):
                    return SendResult(remote_id=f"{ticket_id}/{comment.get('id')}")
            if since is None and number >= FIND_SENT_UNBOUNDED_PAGES:
                return None
        return None

    def _comment(self, ticket_id: str, body: str, *, public: bool) -> SendResult:
        comment: dict[str, Any] = {"body": body, "public": public}
        if self.agent_id is not None:
            comment["author_id"] = self.agent_id
        data = self.client.update(ticket_id, {"comment": comment}, idempotent=False)
        self._remember(ticket_id, str(data["ticket"].get("updated_at") or ""))
        audit = data.get("audit") if isinstance(data.get("audit"), Mapping) else {}
        for event in audit.get("events") or ():
            if isinstance(event, Mapping) and event.get("type") == "Comment" and event.get("id") is not None:
                return SendResult(remote_id=f"{ticket_id}/{event['id']}")
        return SendResult()

    # ------------------------------------------------------------------ ticket fields
    def set_status(self, conversation_remote_id: str, status: Status) -> None:
        self._safe_update(conversation_remote_id, {"status": WRITE_STATUS[status]})

    def assign(self, conversation_remote_id: str, assignee: str) -> None:
        ticket_path(conversation_remote_id)  # a malformed id is NotFound before any lookup
        self._safe_update(conversation_remote_id, {"assignee_id": self._agent(assignee)})

    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        fields: dict[str, Any] = {}
        if add:
            fields["additional_tags"] = [t for t in add if t]
        if remove:
            fields["remove_tags"] = [t for t in remove if t]
        if not fields:
            return tuple(self.client.ticket(conversation_remote_id).get("tags") or ())
        data = self.client.update(conversation_remote_id, fields, idempotent=True)
        ticket = data["ticket"]
        self._remember(conversation_remote_id, str(ticket.get("updated_at") or ""))
        return tuple(str(t) for t in ticket.get("tags") or ())

    def _safe_update(self, ticket_id: str, fields: dict[str, Any]) -> None:
        stamp = self._stamp(ticket_id)
        data = self.client.update(ticket_id, {**fields, "safe_update": True, "updated_stamp": stamp}, idempotent=True)
        self._remember(ticket_id, str(data["ticket"].get("updated_at") or ""))

    # ------------------------------------------------------------------ helpers
    def _remember(self, ticket_id: str, stamp: str) -> None:
        if stamp:
            self._stamps[str(ticket_id)] = (stamp, time.monotonic())

    def _stamp(self, ticket_id: str) -> str:
        cached = self._stamps.get(str(ticket_id))
        if cached and time.monotonic() - cached[1] < STAMP_FRESH_SECONDS:
            return cached[0]
        return self.current_version(ticket_id)

    def _me(self) -> int | None:
        if self.agent_id is None:
            self.agent_id = as_int(self.client.me().get("id"))
        return self.agent_id

    def _agent(self, assignee: str) -> int | None:
        """A user id from ``""`` (unassign), ``me``, a numeric id or an agent's e-mail."""
        text = assignee.strip()
        if not text:
            return None
        if text.isdigit():
            return int(text)
        if text.casefold() == "me":
            return self._me()
        user = self.client.user_by_email(text)
        user_id = as_int(user.get("id")) if user else None
        if user_id is None or str(user.get("role")) not in ("agent", "admin"):  # type: ignore[union-attr]
            raise ConnectorError(f"Zendesk has no agent with the e-mail address {text!r}", title="Unknown agent")
        self.users.add([user])
        return user_id


def _first_attempt(reply: OutgoingReply) -> datetime | None:
    noted = parse_time(reply.extra.get("zendesk_first_attempt"))
    if noted is not None:
        return noted
    return reply_date(reply.date_text)


__all__ = ["ZendeskConnector"]

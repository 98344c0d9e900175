"""The Help Scout connector: pull conversations, push replies, notes, status, assignee, tags."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors._html import html_to_text, text_to_html
from connectors._incremental import FailureStreak, ShiftWatch
from connectors._values import drain, merge_tags, reply_date
from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.helpscout.client import HelpScoutClient
from connectors.helpscout.mapping import (
    WRITE_STATUS,
    as_int,
    body_digest,
    iso,
    parse_time,
    tag_names,
    to_conversation,
    version_of,
)
from connectors.helpscout.pull import OVERLAP, Cursor, Listed, walk
from inbox_tui.errors import ConnectorError, NotFound, TransportError
from inbox_tui.model import Address, PullBatch, RemoteConversation, Status

log = logging.getLogger("connectors.helpscout")

FIND_SENT_SLACK = timedelta(minutes=5)
"""How long before the reply's own date ``find_sent`` still looks (clock skew)."""
MAX_WALKS = 3


class HelpScoutConnector:
    def __init__(
        self, account: str, client: HelpScoutClient, mailbox: str, *, identity: Address, user_id: int | None = None
    ) -> None:
        self.account = account
        self.client = client
        self.mailbox = mailbox
        self.identity = identity
        self.user_id = user_id
        self.capabilities = Capabilities(reply=True, note=True, status=True, tags=True, assign=True)
        self._users: dict[str, int | None] = {}
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
        query_since = state.listing_since
        read: dict[str, str] = {}  # read during this pull: a second walk skips them
        for _walk in range(MAX_WALKS):
            watch = ShiftWatch()
            for page in walk(
                lambda since, number: self.client.list_conversations(self.mailbox, since, number),
                query_since,
                should_stop,
            ):
                conversations = []
                for conv in page.conversations:
                    item = Listed.of(conv)
                    watch.see(item.id, item.print, item.stamp)
                    if state.unchanged(item) or read.get(item.id) == item.print:
                        continue
                    read[item.id] = item.print
                    remote = self._read(conv, state, problems)
                    if remote is not None:
                        conversations.append(remote)
                    state.saw(item)
                if conversations or problems or first_run:
                    yield PullBatch(
                        conversations=conversations,
                        cursor=state.dump(),
                        problems=drain(problems),
                        total_hint=page.total,
                    )
                    first_run = False
            if watch.rescan_from is None or should_stop():
                break
            state.hold = watch.rescan_from - OVERLAP
            query_since = iso(state.hold)
        else:
            problems.append(
                "Help Scout: conversations kept changing while the sync paged through them; some wait for the next sync"
            )
        if state.hold is not None or problems:
            state.hold = None
            yield PullBatch(cursor=state.dump(), problems=drain(problems))

    def _read(self, conv: dict[str, Any], state: Cursor, problems: list[str]) -> RemoteConversation | None:
        conv_id = str(as_int(conv.get("id")))
        try:
            threads = self._threads(conv)
        except NotFound:
            return None  # deleted between the listing and the read
        except TransportError as exc:
            state.retry.append(conv_id)
            problems.append(
                f"Help Scout conversation {conv_id} could not be read ({exc}); it is retried at the next sync"
            )
            log.warning("helpscout %s: conversation %s skipped: %s", self.account, conv_id, exc)
            if self._failures.failed():
                raise
            return None
        self._failures.ok()
        return to_conversation(conv, threads, problems)

    def _threads(self, conv: Mapping[str, Any]) -> list[Any]:
        """The embedded threads when they are complete, else every page of List Threads.

        ``embed=threads`` truncates chat threads and (⚠ assumed) very long conversations; the
        conversation's ``threads`` count (published, without line items) tells."""
        embedded = conv.get("_embedded")
        threads = embedded.get("threads") if isinstance(embedded, Mapping) else None
        expected = as_int(conv.get("threads"))
        if isinstance(threads, list) and expected is not None and conv.get("type") != "chat":
            published = [
                t
                for t in threads
                if isinstance(t, Mapping) and t.get("type") != "lineitem" and t.get("state", "published") == "published"
            ]
            if len(published) >= expected:
                return threads
        return self.client.threads(str(as_int(conv.get("id"))))

    def _retry(self, state: Cursor, problems: list[str]) -> PullBatch:
        conversations, still = [], []
        for conv_id in dict.fromkeys(state.retry):
            try:
                conv, final_id = self.client.conversation(conv_id, embed_threads=True)
                threads = self._threads(conv)
            except NotFound:
                continue
            except TransportError as exc:
                still.append(conv_id)
                problems.append(f"Help Scout conversation {conv_id} still cannot be read ({exc})")
                continue
            merged = (conv_id,) if final_id != conv_id else ()
            conversations.append(to_conversation(conv, threads, problems, merged_from=merged))
        state.retry = still
        return PullBatch(conversations=conversations, cursor=state.dump(), problems=drain(problems))

    # ------------------------------------------------------------------ replies and notes
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        conv, conv_id = self.client.conversation(reply.conversation_remote_id)
        customer = conv.get("primaryCustomer") if isinstance(conv.get("primaryCustomer"), Mapping) else None
        customer_id = as_int(customer.get("id")) if customer else None
        if customer_id is None:
            raise ConnectorError(f"Help Scout conversation {conv_id} has no customer to reply to")
        body: dict[str, Any] = {"customer": {"id": customer_id}, "text": text_to_html(reply.body_text)}
        if self.user_id:
            body["user"] = self.user_id
        cc = [a.email for a in reply.cc if a.email]
        if cc:
            body["cc"] = cc
        thread_id = self.client.create_thread(conv_id, "reply", body)
        if thread_id:
            return SendResult(remote_id=f"thread:{thread_id}")
        found = self.find_sent(reply)
        return found or SendResult()

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        """A reply thread on the conversation, written after the reply was made (less some
        slack), by us when ``user_id`` is set, whose text has the same digest as ours."""
        return self._find_thread(reply.conversation_remote_id, "reply", reply.body_text, reply_date(reply.date_text))

    def add_note(self, conversation_remote_id: str, body: str, op_id: str) -> SendResult:
        payload: dict[str, Any] = {"text": text_to_html(body)}
        if self.user_id:
            payload["user"] = self.user_id
        thread_id = self.client.create_thread(conversation_remote_id, "notes", payload)
        return SendResult(remote_id=f"thread:{thread_id}" if thread_id else "")

    def find_note(self, conversation_remote_id: str, body: str, written_after: datetime) -> SendResult | None:
        return self._find_thread(conversation_remote_id, "note", body, written_after)

    def _find_thread(self, conv_id: str, kind: str, body: str, since: datetime | None) -> SendResult | None:
        floor = since - FIND_SENT_SLACK if since else None
        wanted = body_digest(body)
        for thread in self.client.threads(conv_id, newer_than=floor):
            if thread.get("type") != kind or str(thread.get("state") or "published") != "published":
                continue
            created = parse_time(thread.get("createdAt"))
            if floor is not None and (created is None or created < floor):
                continue
            author = thread.get("createdBy") if isinstance(thread.get("createdBy"), Mapping) else {}
            if self.user_id and as_int(author.get("id")) not in (None, self.user_id):
                continue
            if body_digest(html_to_text(str(thread.get("body") or ""))) == wanted:
                return SendResult(remote_id=f"thread:{thread.get('id')}")
        return None

    # ------------------------------------------------------------------ conversation fields
    def set_status(self, conversation_remote_id: str, status: Status) -> None:
        self.client.patch(conversation_remote_id, {"op": "replace", "path": "/status", "value": WRITE_STATUS[status]})

    def assign(self, conversation_remote_id: str, assignee: str) -> None:
        who = assignee.strip()
        if not who:
            self.client.patch(conversation_remote_id, {"op": "remove", "path": "/assignTo"})
            return
        self.client.patch(conversation_remote_id, {"op": "replace", "path": "/assignTo", "value": self._user(who)})

    def _user(self, who: str) -> int:
        if who.isdigit():
            return int(who)
        key = who.casefold()
        if key not in self._users:
            self._users[key] = self.client.user_id(who) if "@" in who else None
        user = self._users[key]
        if user is None:
            raise ConnectorError(f"Help Scout has no user {who!r}; assign by e-mail address or user id")
        return user

    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        """Read-modify-write: Help Scout's ``PUT …/tags`` replaces the whole set, so the
        current set is read first and only our additions/removals are applied to it.

        The race that remains: a tag another agent adds between our read and our write
        (one round trip, typically well under a second) is overwritten; Help Scout offers
        no conditional write to close it."""
        conv, conv_id = self.client.conversation(conversation_remote_id)
        current = list(tag_names(conv))
        wanted = merge_tags(current, add, remove)
        if wanted != current:
            self.client.put_tags(conv_id, wanted)
        return tuple(wanted)

    def current_version(self, conversation_remote_id: str) -> str:
        conv, _ = self.client.conversation(conversation_remote_id)
        return version_of(conv)


"""ONE contract for every connector: the same scenarios against each real or contract server.

A connector's test module subclasses :class:`ContractSuite` and provides a ``target``
fixture returning an object that implements :class:`ContractTarget`::

    class TestZendeskContract(ContractSuite):
        @pytest.fixture
        def target(self, zendesk):          # the module's own server fixture
            return ZendeskTarget(zendesk)   # closes its connectors when the test ends

Scenarios (one test method each): initial sync, incremental sync (the cursor survives a JSON
round trip; only the changed conversation comes again), reply (visible upstream exactly
once; ``find_sent`` finds it, and does not find a reply never sent), note (internal, never
public; ``find_note`` finds it, and not one never added), status, tags (add + remove without clobbering a tag added upstream meanwhile),
assign, not-found, auth failure (``AuthError`` with no secret in its text), and the
capability declaration itself. A capability the connector declares ``False`` is not
skipped: the scenario asserts the connector does *not* implement that Protocol.

Mail connectors (Maildir, IMAP) fit too: set ``threads_upstream = False`` on the target;
then the sync scenarios look for the seeded *message* (mail has no upstream ticket) and
status/tags/assign are expected to be declared ``False``.

Plain pytest, no mocks: the target talks to a real server (RT) or a contract server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest

from connectors.base import (
    Assigner,
    Capabilities,
    Connector,
    NoteFinder,
    Noter,
    OutgoingReply,
    Replier,
    Source,
    StatusWriter,
    Tagger,
    Versioned,
)
from inbox_tui.errors import AuthError, ConnectorError, NotFound
from inbox_tui.model import Address, Direction, Message, RemoteConversation, Status, utcnow


@dataclass(frozen=True)
class UpstreamView:
    """A conversation as upstream shows it right now, read back through the server's own
    API (or its back door), never through the connector under test."""

    status: Status
    """Upstream status mapped by the target (the same mapping the connector documents)."""
    raw_status: str
    tags: frozenset[str] = frozenset()
    assignee: str = ""
    """In the form the target's :meth:`ContractTarget.assignee` returns."""
    replies: tuple[str, ...] = ()
    """Bodies of public agent replies, oldest first."""
    notes: tuple[str, ...] = ()
    """Bodies of internal notes, oldest first."""
    customer_messages: tuple[str, ...] = ()


class ContractTarget(Protocol):
    """What a connector's test module provides to the shared scenarios."""

    threads_upstream: bool
    """True for helpdesks (tickets arrive as ``RemoteConversation``); False for mail."""
    resends_unchanged: bool
    """True only when upstream cannot tell changed from unchanged within the overlap
    window; then the incremental scenario accepts the unchanged one coming back as it was."""

    def connector(self) -> Connector:
        """A fresh connector with valid credentials (closed by the target at teardown)."""

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        """Create a conversation upstream as the customer; return its remote id."""

    def customer_writes(self, remote_id: str, body: str) -> None:
        """A new customer message on an existing conversation, upstream."""

    def settle(self) -> None:
        """Make recent upstream changes visible to an incremental sync (Zendesk hides the
        last minute: its server's clock moves on; RT's second-granular stamps: sleep)."""

    def upstream_state(self, remote_id: str) -> UpstreamView: ...

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        """Someone else adds ``tag`` upstream (for the no-clobber check)."""

    def assignee(self) -> str:
        """A valid value for ``Assigner.assign`` on this upstream."""

    def break_auth(self) -> Connector:
        """A connector with wrong credentials."""

    def secrets(self) -> Sequence[str]:
        """Every credential string (right and wrong) that must never appear in an error."""

    def missing_remote_id(self) -> str:
        """A well-formed conversation id that does not exist upstream."""


# --------------------------------------------------------------------------- helpers


@dataclass
class MemoryStore:
    """The part of the cache the sync engine gives a connector: ``known`` and upserts."""

    conversations: dict[str, RemoteConversation] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    cursor: dict[str, Any] | None = None

    def known(self, remote_ids: Sequence[str]) -> dict[str, str]:
        return {rid: ",".join(sorted(self.messages[rid].flags)) for rid in remote_ids if rid in self.messages}


@dataclass
class PullResult:
    conversations: dict[str, RemoteConversation] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    batches: int = 0


def sync(connector: Connector, store: MemoryStore) -> PullResult:
    """One pull as the engine runs it: the cursor goes through JSON (it is stored as
    text) before and after, each batch is applied with its cursor."""
    assert isinstance(connector, Source)
    result = PullResult()
    cursor = None if store.cursor is None else json.loads(json.dumps(store.cursor))
    for batch in connector.pull(cursor, store.known, lambda: False):
        result.batches += 1
        result.problems.extend(batch.problems)
        for conv in batch.conversations:
            result.conversations[conv.remote_id] = conv
            store.conversations[conv.remote_id] = conv
            for message in conv.messages:
                store.messages[message.remote_id] = message
        for message in batch.messages:
            result.messages.append(message)
            store.messages[message.remote_id] = message
        if batch.cursor is not None:
            store.cursor = json.loads(json.dumps(batch.cursor))
    return result


def outgoing(remote_id: str, body: str, customer: Address) -> OutgoingReply:
    op = str(uuid.uuid4())
    return OutgoingReply(
        op_id=op,
        conversation_remote_id=remote_id,
        message_id=f"{op}@inbox-tui.test",
        subject="Re: contract",
        body_text=body,
        to=(customer,),
        extra={},
    )


def unique(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:10]}]"


def _mentions(bodies: Iterable[str], text: str) -> int:
    return sum(1 for body in bodies if text in body)


CUSTOMER = "contract.customer@example.org"

CAPABILITY_PROTOCOLS: dict[str, type] = {
    "reply": Replier,
    "note": Noter,
    "status": StatusWriter,
    "tags": Tagger,
    "assign": Assigner,
}


# --------------------------------------------------------------------------- the suite


class ContractSuite:
    """Subclass in a connector's test module and provide a ``target`` fixture."""

    # ------------------------------------------------------------------ capabilities
    def test_capabilities_match_protocols(self, target: ContractTarget) -> None:
        connector = target.connector()
        assert isinstance(connector, Connector)
        assert isinstance(connector, Source)
        caps: Capabilities = connector.capabilities
        for name, protocol in CAPABILITY_PROTOCOLS.items():
            declared = getattr(caps, name)
            assert declared == isinstance(connector, protocol), f"capability {name}={declared} but Protocol {protocol.__name__} is {'missing' if declared else 'implemented'}"
        if caps.reply:
            assert isinstance(connector, Versioned) or not target.threads_upstream, "a helpdesk that replies must report versions"

    # ------------------------------------------------------------------ sync
    def test_initial_sync(self, target: ContractTarget) -> None:
        subject = unique("Cannot log in")
        body = unique("Hello, the login page keeps spinning.")
        remote_id = target.seed_conversation(CUSTOMER, subject, body)
        target.settle()
        store = MemoryStore()
        result = sync(target.connector(), store)
        if not target.threads_upstream:
            found = [m for m in result.messages if m.subject == subject]
            assert found and body in found[0].body_text and found[0].sender.email == CUSTOMER
            assert found[0].direction is Direction.IN
            return
        assert remote_id in result.conversations, f"seeded {remote_id} not delivered"
        conv = result.conversations[remote_id]
        assert conv.subject == subject
        assert conv.customer.email.casefold() == CUSTOMER
        assert isinstance(conv.status, Status) and conv.raw_status, "canonical status and the raw one"
        assert conv.status is Status.OPEN
        assert conv.version, "version (upstream updated-at) is set for the stale check"
        customer_messages = [m for m in conv.messages if m.direction is Direction.IN]
        assert _mentions((m.body_text for m in customer_messages), body) == 1
        assert all(m.thread_remote_id == remote_id for m in conv.messages)
        assert len({m.remote_id for m in conv.messages}) == len(conv.messages), "message ids are unique"
        assert store.cursor is not None, "a cursor to resume from"

    def test_incremental_sync(self, target: ContractTarget) -> None:
        changed = target.seed_conversation(CUSTOMER, unique("Changes later"), "first")
        quiet = target.seed_conversation("quiet@example.org", unique("Stays quiet"), "only message")
        target.settle()
        store = MemoryStore()
        first = sync(target.connector(), store)
        if target.threads_upstream:
            assert {changed, quiet} <= set(first.conversations)
        news = unique("A second message from the customer")
        target.customer_writes(changed, news)
        target.settle()
        second = sync(target.connector(), store)  # a new connector: only the stored cursor carries over
        if not target.threads_upstream:
            assert any(news in m.body_text for m in second.messages)
            return
        assert changed in second.conversations, "the changed conversation comes again"
        conv = second.conversations[changed]
        assert any(news in m.body_text and m.direction is Direction.IN for m in conv.messages)
        assert any("first" in m.body_text for m in conv.messages), "the whole conversation, not half of it"
        if quiet in second.conversations:
            assert target.resends_unchanged, "only the changed conversation should come again"
            assert [m.remote_id for m in second.conversations[quiet].messages] == [m.remote_id for m in first.conversations[quiet].messages]
        third = sync(target.connector(), store)
        if not target.resends_unchanged:
            assert not third.conversations, f"nothing changed, yet {sorted(third.conversations)} came again"

    # ------------------------------------------------------------------ writing
    def test_reply(self, target: ContractTarget) -> None:
        connector = target.connector()
        if not connector.capabilities.reply:
            assert not isinstance(connector, Replier)
            return
        assert isinstance(connector, Replier)
        remote_id = target.seed_conversation(CUSTOMER, unique("Please answer"), "Is anyone there?")
        reply = outgoing(remote_id, unique("Yes, we are here to help."), Address(CUSTOMER))
        written = utcnow()
        assert connector.find_sent(reply) is None, "find_sent must not find a reply never sent"
        connector.send_reply(reply)
        if isinstance(connector, NoteFinder):
            assert connector.find_note(remote_id, reply.body_text, written) is None, "a reply is not a note"
        view = target.upstream_state(remote_id)
        assert _mentions(view.replies, reply.body_text) == 1, "visible upstream exactly once"
        assert _mentions(view.notes, reply.body_text) == 0, "a reply is public, not a note"
        assert connector.find_sent(reply) is not None, "find_sent finds the sent reply"
        assert _mentions(target.upstream_state(remote_id).replies, reply.body_text) == 1
        if target.threads_upstream:
            target.settle()
            result = sync(target.connector(), MemoryStore())
            conv = result.conversations[remote_id]
            assert any(reply.body_text in m.body_text and m.direction is Direction.OUT for m in conv.messages), "the reply comes back as an agent message"

    def test_note(self, target: ContractTarget) -> None:
        connector = target.connector()
        if not connector.capabilities.note:
            assert not isinstance(connector, Noter)
            return
        assert isinstance(connector, Noter)
        remote_id = target.seed_conversation(CUSTOMER, unique("Needs a note"), "Refund please.")
        body = unique("Internal: refund approved by finance")
        written = utcnow()
        if target.threads_upstream:
            assert isinstance(connector, NoteFinder), "a helpdesk that takes notes must find them after a cut-off send"
            assert connector.find_note(remote_id, body, written) is None, "find_note must not find a note never added"
        connector.add_note(remote_id, body, str(uuid.uuid4()))
        if isinstance(connector, NoteFinder):
            assert connector.find_note(remote_id, body, written) is not None, "find_note finds the added note"
            assert connector.find_note(remote_id, unique("another note"), written) is None
        view = target.upstream_state(remote_id)
        assert _mentions(view.notes, body) == 1, "the note is visible upstream once, as internal"
        assert _mentions(view.replies, body) == 0 and _mentions(view.customer_messages, body) == 0, "never public"
        target.settle()
        conv = sync(target.connector(), MemoryStore()).conversations[remote_id]
        assert _mentions((n.body for n in conv.notes), body) == 1
        assert _mentions((m.body_text for m in conv.messages), body) == 0, "a note is not a message"

    def test_status(self, target: ContractTarget) -> None:
        connector = target.connector()
        if not connector.capabilities.status:
            assert not isinstance(connector, StatusWriter)
            return
        assert isinstance(connector, StatusWriter)
        remote_id = target.seed_conversation(CUSTOMER, unique("Status changes"), "Thanks!")
        for status in (s for s in (Status.PENDING, Status.CLOSED) if s in connector.capabilities.statuses):
            connector.set_status(remote_id, status)
            view = target.upstream_state(remote_id)
            assert view.status is status, f"upstream shows {view.raw_status!r} after set_status({status})"
        target.settle()
        conv = sync(target.connector(), MemoryStore()).conversations[remote_id]
        assert conv.status is target.upstream_state(remote_id).status and conv.raw_status

    def test_tags(self, target: ContractTarget) -> None:
        connector = target.connector()
        if not connector.capabilities.tags:
            assert not isinstance(connector, Tagger)
            return
        assert isinstance(connector, Tagger)
        remote_id = target.seed_conversation(CUSTOMER, unique("Tag me"), "Billing question.")
        result = connector.set_tags(remote_id, ["billing", "urgent"], [])
        assert {"billing", "urgent"} <= set(result)
        target.tag_upstream(remote_id, "vip")  # another agent, meanwhile
        result = connector.set_tags(remote_id, ["followup"], ["urgent"])
        expected = {"billing", "followup", "vip"}
        assert set(result) >= expected and "urgent" not in result
        view = target.upstream_state(remote_id)
        assert view.tags >= expected and "urgent" not in view.tags, f"upstream tags {sorted(view.tags)}"

    def test_assign(self, target: ContractTarget) -> None:
        connector = target.connector()
        if not connector.capabilities.assign:
            assert not isinstance(connector, Assigner)
            return
        assert isinstance(connector, Assigner)
        remote_id = target.seed_conversation(CUSTOMER, unique("Assign me"), "Who handles this?")
        who = target.assignee()
        connector.assign(remote_id, who)
        assert target.upstream_state(remote_id).assignee == who

    # ------------------------------------------------------------------ failures
    def test_not_found(self, target: ContractTarget) -> None:
        connector = target.connector()
        missing = target.missing_remote_id()
        attempts = 0
        if isinstance(connector, Noter):
            with pytest.raises(NotFound):
                connector.add_note(missing, "nobody reads this", str(uuid.uuid4()))
            attempts += 1
        if isinstance(connector, StatusWriter):
            with pytest.raises(NotFound):
                connector.set_status(missing, Status.CLOSED)
            attempts += 1
        if isinstance(connector, Tagger):
            with pytest.raises(NotFound):
                connector.set_tags(missing, ["x"], [])
            attempts += 1
        if isinstance(connector, Assigner):
            with pytest.raises(NotFound):
                connector.assign(missing, target.assignee())
            attempts += 1
        if isinstance(connector, Versioned):
            with pytest.raises(NotFound):
                connector.current_version(missing)
            attempts += 1
        if isinstance(connector, Replier) and target.threads_upstream:
            with pytest.raises(NotFound):
                connector.send_reply(outgoing(missing, "to nowhere", Address(CUSTOMER)))
            attempts += 1
        if attempts == 0:
            pytest.fail("the connector offers no operation on a remote id, so NotFound cannot be checked; say so in a target-specific test")

    def test_auth_failure(self, target: ContractTarget) -> None:
        connector = target.break_auth()
        with pytest.raises(AuthError) as caught:
            for _batch in connector.pull(None, lambda ids: {}, lambda: False):
                pass
        text = f"{caught.value} {caught.value.title} {caught.value!r}"
        for secret in target.secrets():
            assert secret not in text, "a credential leaked into the error message"
        assert isinstance(caught.value, ConnectorError)


__all__ = ["CUSTOMER", "ContractSuite", "ContractTarget", "MemoryStore", "PullResult", "UpstreamView", "outgoing", "sync", "unique"]

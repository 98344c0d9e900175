"""Bad input from a helpdesk, through the real store and sync engine (issue 4, "Bad input"):
HTML instead of JSON or truncated JSON in the middle of a long conversation, unknown
statuses, a huge body, nulls where the docs promise values. Each time: a clear warning in
the sync summary, the other conversations stored, and never half a conversation — a ticket
whose walk broke keeps its last whole version (or is absent) until a later sync reads it
whole. One parametrised test per case over the three contract servers; RT (a real server
that does not misbehave on request) has its own cases in tests/connectors/test_rt.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.freshdesk import open_connector as open_freshdesk
from connectors.helpscout import open_connector as open_helpscout
from connectors.zendesk import open_connector as open_zendesk
from inbox_tui.model import Direction, Status
from inbox_tui.store import Store
from inbox_tui.sync import SyncEngine, SyncSummary
from tests.servers import freshdesk as fd_server
from tests.servers import helpscout as hs_server
from tests.servers import zendesk_data as zd_data
from tests.servers.freshdesk import FreshdeskState
from tests.servers.helpscout import HelpScoutState
from tests.servers.zendesk import ZendeskState

pytestmark = pytest.mark.servers

HUGE = 1_500_000


class Vendor:
    """Seeding one vendor's contract server the way its own tests do."""

    name: str
    state: Any
    url: str

    def connector(self) -> Any: ...
    def seed(self, subject: str, messages: int = 1, *, body: str = "", status: Any = None) -> str: ...
    def thread_path(self, remote_id: str) -> str: ...
    def customer_writes(self, remote_id: str, body: str) -> None: ...
    def nullify(self, remote_id: str) -> None: ...
    def settle(self) -> None: ...
    def unknown_status(self) -> Any:
        return "escalated"


class Zendesk(Vendor):
    name = "zendesk"

    def __init__(self) -> None:
        self.state = ZendeskState()

    def connector(self) -> Any:
        return open_zendesk("desk", {"url": self.url}, lambda key: {"token": zd_data.ACCESS_TOKEN}[key])

    def seed(self, subject: str, messages: int = 1, *, body: str = "", status: Any = None) -> str:
        at = self.state.now() - 7200
        extra = {"status": status} if status else {}
        ticket = self.state.create_ticket(f"{subject.lower().replace(' ', '.')}@customer.example", subject, body or "first", at=at, **extra)
        with self.state.lock:
            t = self.state.tickets[ticket]
            for n in range(1, messages):
                self.state._comment(t, zd_data.AGENT_ID if n % 2 else t.requester_id, f"message {n}", True, at + n)
        return str(ticket)

    def thread_path(self, remote_id: str) -> str:
        return f"/tickets/{remote_id}/comments"

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), body)

    def nullify(self, remote_id: str) -> None:
        with self.state.lock:
            ticket = self.state.tickets[int(remote_id)]
            ticket.requester_id = None
            ticket.tags = None
            ticket.comments.append({"id": 999_999, "author_id": None, "body": None, "public": True, "created_at": None})

    def settle(self) -> None:
        self.state.advance(61)

    def unknown_status(self) -> Any:
        return "awaiting_vendor"


class HelpScout(Vendor):
    name = "helpscout"

    def __init__(self) -> None:
        self.state = HelpScoutState()

    def connector(self) -> Any:
        return open_helpscout("desk", {"url": self.url, "mailbox": 1, "client_id": hs_server.CLIENT_ID}, lambda key: hs_server.CLIENT_SECRET)

    def seed(self, subject: str, messages: int = 1, *, body: str = "", status: Any = None) -> str:
        threads = [("customer", f"<p>{body or 'first'}</p>")] + [("customer" if n % 2 == 0 else "reply", f"message {n}") for n in range(1, messages)]
        return str(self.state.add_conversation(subject, f"{subject.lower().replace(' ', '.')}@customer.example", threads, status=status or "active", step=timedelta(seconds=1)))

    def thread_path(self, remote_id: str) -> str:
        return f"/v2/conversations/{remote_id}/threads"

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), body)

    def nullify(self, remote_id: str) -> None:
        with self.state.lock:
            conv = self.state.conversations[int(remote_id)]
            conv.nulls = True
            thread = self.state._thread(conv, "customer", "", conv.modified + timedelta(seconds=1))
            thread.update(body=None, createdBy=None, customer=None, source=None)

    def settle(self) -> None:
        """The server stamps every change a second after the last: nothing to wait for."""


class Freshdesk(Vendor):
    name = "freshdesk"

    def __init__(self) -> None:
        self.state = FreshdeskState()

    def connector(self) -> Any:
        return open_freshdesk("desk", {"url": self.url}, lambda key: fd_server.API_KEY)

    def seed(self, subject: str, messages: int = 1, *, body: str = "", status: Any = None) -> str:
        convs = [("incoming" if n % 2 == 0 else "reply", f"message {n}") for n in range(1, messages)]
        extra = {"status": status} if status is not None else {}
        return str(self.state.add_ticket(subject, f"{subject.lower().replace(' ', '.')}@customer.example", body or "first", convs, step=timedelta(seconds=1), **extra))

    def thread_path(self, remote_id: str) -> str:
        return f"/tickets/{remote_id}/conversations"

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), body)

    def nullify(self, remote_id: str) -> None:
        with self.state.lock:
            ticket = self.state.tickets[int(remote_id)]
            ticket.description = None
            ticket.subject = None

    def settle(self) -> None:
        """Every change moves ``updated_at`` on: nothing to wait for."""


@dataclass
class Desk:
    vendor: Vendor
    store: Store
    engine: SyncEngine

    def sync(self) -> SyncSummary:
        summary = self.engine.run()
        assert not summary.offline, summary.problems
        return summary

    def stored(self, remote_id: str) -> list[str]:
        conv = self.store.conversation_by_remote("desk", remote_id)
        return [] if conv is None else [m.body_text for m in self.store.messages(conv.id)]


@pytest.fixture(params=["zendesk", "helpscout", "freshdesk"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    vendor: Vendor = {"zendesk": Zendesk, "helpscout": HelpScout, "freshdesk": Freshdesk}[request.param]()
    server = vendor.state.serve(0)
    vendor.url = server.url
    store = Store(tmp_path / "inbox.db")
    try:
        yield Desk(vendor, store, SyncEngine(store, ["desk"], lambda name: vendor.connector()))
    finally:
        store.close()
        server.stop()


LONG = 260  # several pages of threads on every vendor (50 or 100 a page)


@pytest.mark.parametrize("fault", ["html", "truncated"])
def test_a_broken_page_mid_conversation_stores_nothing_of_it_and_the_rest_goes_on(desk: Desk, fault: str) -> None:
    v = desk.vendor
    fine = v.seed("Fine one", 3)
    long = v.seed("Long one", LONG)
    v.settle()
    v.state.fault(fault, v.thread_path(long), skip=1)  # page 1 answers, page 2 is garbage
    summary = desk.sync()

    assert desk.stored(long) == [], "never half a conversation"
    assert len(desk.stored(fine)) == 3
    warning = [p for p in summary.problems if long in p]
    assert warning and any(w in warning[0] for w in ("HTML", "JSON")), summary.problems

    desk.sync()  # the next sync reads it again, whole
    assert len(desk.stored(long)) == LONG


@pytest.mark.parametrize("fault", ["html", "truncated"])
def test_a_broken_page_while_updating_keeps_the_last_whole_version(desk: Desk, fault: str) -> None:
    v = desk.vendor
    long = v.seed("Long one", LONG)
    v.settle()
    desk.sync()
    assert len(desk.stored(long)) == LONG

    v.customer_writes(long, "One more thing")
    v.settle()
    v.state.fault(fault, v.thread_path(long), skip=1)
    summary = desk.sync()
    assert len(desk.stored(long)) == LONG, "the stored conversation is the old whole one, not a mix"
    assert any(long in p for p in summary.problems), summary.problems

    desk.sync()
    stored = desk.stored(long)
    assert len(stored) == LONG + 1 and "One more thing" in stored[-1]


def test_unknown_status_huge_body_and_nulls_are_warned_and_the_sync_goes_on(desk: Desk) -> None:
    v = desk.vendor
    odd = v.seed("Odd status", status=v.unknown_status())
    huge = v.seed("Huge body", body="x" * HUGE)
    nulls = v.seed("Nulls here", 2)
    fine = v.seed("Fine one", 2)
    v.nullify(nulls)
    v.settle()
    summary = desk.sync()

    conv = desk.store.conversation_by_remote("desk", odd)
    assert conv is not None and conv.status is Status.OPEN and conv.raw_status == str(v.unknown_status())
    assert any(str(v.unknown_status()) in p for p in summary.problems), summary.problems

    (body, *_) = desk.stored(huge)
    assert 0 < len(body) < HUGE
    assert any(" cut " in p and ("1000000" in p or "1,000,000" in p) for p in summary.problems), summary.problems

    assert desk.store.conversation_by_remote("desk", nulls) is not None
    assert len(desk.stored(fine)) == 2
    messages = desk.store.messages(desk.store.conversation_by_remote("desk", fine).id)  # type: ignore[union-attr]
    assert messages[0].direction is Direction.IN

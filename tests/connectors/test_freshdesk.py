"""The Freshdesk connector against the Freshdesk contract server (tests/servers/freshdesk.py).

Every test starts its own server on a free 127.0.0.1 port (in-process, threaded) and stops
it afterwards; the shared scenarios come from ``ContractSuite``, the rest are the cases
Freshdesk makes special: the 30-day default window, the page-300 cap, the description as
first message, numeric and custom statuses, ``Retry-After``, tags that replace the list.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import Connector
from connectors.freshdesk import FreshdeskConnector, open_connector
from connectors.freshdesk.mapping import STATUS_MAP, STATUS_NAMES
from inbox_tui.errors import AmbiguousSend, AuthError, ConnectorError, NotFound, TransportError
from inbox_tui.model import Direction, Status
from tests.connectors.contract import ContractSuite, UpstreamView
from tests.connectors.helpers import calls, outgoing_reply, pull_all, serving
from tests.servers.freshdesk import API_KEY, FreshdeskState

pytestmark = pytest.mark.servers


@pytest.fixture
def fd() -> Iterator[FreshdeskState]:
    with serving(FreshdeskState()) as state:
        yield state


def connect(state: FreshdeskState, key: str = API_KEY, **settings: Any) -> FreshdeskConnector:
    conn = open_connector("fd-test", {"url": state.url, **settings}, lambda name: {"token": key}[name])
    state.opened.append(conn)
    return conn


# ---------------------------------------------------------------------- the shared contract


class FreshdeskTarget:
    """The contract's view of the Freshdesk contract server: seeding and reading back
    through the server's own state, never through the connector under test."""

    threads_upstream = True
    resends_unchanged = False

    def __init__(self, state: FreshdeskState) -> None:
        self.state = state

    def connector(self) -> Connector:
        return connect(self.state)

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        return str(self.state.add_ticket(subject, customer_email, body))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), body)

    def settle(self) -> None:
        """Nothing to wait for: the server stamps every change a second after the last."""

    def upstream_state(self, remote_id: str) -> UpstreamView:
        ticket = self.state.tickets[int(remote_id)]
        up = self.state.upstream(int(remote_id))
        incoming = [c["body_text"] for c in ticket.conversations if c["incoming"]]
        return UpstreamView(
            status=STATUS_MAP.get(ticket.status, Status.OPEN),
            raw_status=STATUS_NAMES.get(ticket.status, str(ticket.status)),
            tags=frozenset(up["tags"]),
            assignee=up["assignee"],
            replies=tuple(up["replies"]),
            notes=tuple(up["notes"]),
            customer_messages=(ticket.description or "", *incoming),
        )

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        ticket = self.state.tickets[int(remote_id)]
        self.state.agent_tags(int(remote_id), [*ticket.tags, tag])

    def assignee(self) -> str:
        return "bo@acme.example"

    def break_auth(self) -> Connector:
        return connect(self.state, key="wrong-key")

    def secrets(self) -> list[str]:
        return [API_KEY, "wrong-key"]

    def missing_remote_id(self) -> str:
        return "999999"


class TestFreshdeskContract(ContractSuite):
    @pytest.fixture
    def target(self, fd: FreshdeskState) -> FreshdeskTarget:
        return FreshdeskTarget(fd)


# ---------------------------------------------------------------------- reading


def test_description_is_the_first_message_then_conversations(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket(
        "Refund",
        "carol@customer.example",
        "Charged twice",
        [("reply", "Sorry!"), ("note", "Check Stripe"), ("incoming", "News?")],
    )
    found, _, _ = pull_all(connect(fd))
    conv = found[str(ticket)]
    assert [(m.remote_id.split(":")[0], m.direction, m.body_text) for m in conv.messages] == [
        ("desc", Direction.IN, "Charged twice"),
        ("conv", Direction.OUT, "Sorry!"),
        ("conv", Direction.IN, "News?"),
    ]
    assert conv.messages[0].sender.email == "carol@customer.example"
    assert conv.messages[1].sender.name == "Ada Agent"
    assert [(n.body, n.author) for n in conv.notes] == [("Check Stripe", "ada@acme.example")]


def test_first_sync_reaches_past_the_30_day_default_window(fd: FreshdeskState) -> None:
    old = fd.add_ticket("Old", "old@customer.example", "From last year", at=fd.clock() - timedelta(days=400))
    new = fd.add_ticket("New", "new@customer.example", "Today")
    found, _, _ = pull_all(connect(fd))
    assert set(found) == {str(old), str(new)}
    assert all("updated_since" in q for q in fd.queries("/api/v2/tickets"))


def test_statuses_numbers_custom_and_unknown(fd: FreshdeskState) -> None:
    ids = {s: fd.add_ticket(f"S{s}", f"s{s}@customer.example", status=s) for s in (2, 3, 4, 5, 7)}
    weird = fd.add_ticket("Weird", "w@customer.example", status="escalated")
    found, _, problems = pull_all(connect(fd))
    got = {s: (found[str(i)].status, found[str(i)].raw_status) for s, i in ids.items()}
    assert got == {
        2: (Status.OPEN, "open"),
        3: (Status.PENDING, "pending"),
        4: (Status.CLOSED, "resolved"),
        5: (Status.CLOSED, "closed"),
        7: (Status.OPEN, "custom:7"),
    }
    assert found[str(weird)].status is Status.OPEN and any("unknown status" in p for p in problems)


def test_null_fields_do_not_stop_the_sync(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Nulls", "n@customer.example", "x")
    fd.tickets[ticket].description = None
    fd.tickets[ticket].subject = None
    found, _, _ = pull_all(connect(fd))
    conv = found[str(ticket)]
    assert conv.subject == "" and conv.messages[0].body_text == "" and conv.messages[0].problems


def test_nothing_changed_costs_one_request(fd: FreshdeskState) -> None:
    for n in range(3):
        fd.add_ticket(f"Q{n}", f"q{n}@customer.example", "?")
    conn = connect(fd)
    _, cursor, _ = pull_all(conn)
    before = len(fd.log)
    found, again, _ = pull_all(conn, cursor)
    assert found == {} and again == cursor
    assert [(e.method, e.path) for e in fd.log[before:]] == [("GET", "/api/v2/tickets")]


def test_page_cap_restarts_from_the_last_updated_at(fd: FreshdeskState) -> None:
    fd.page_cap = 3
    ids = [
        fd.add_ticket(f"T{n}", f"t{n}@customer.example", "?", at=fd.clock() - timedelta(hours=20 - n))
        for n in range(11)
    ]
    found, _, _ = pull_all(connect(fd, per_page=2, page_limit=3))
    assert set(found) == {str(i) for i in ids}
    pages = [q["page"] for q in fd.queries("/api/v2/tickets")]
    assert max(int(p) for p in pages) == 3 and pages.count("1") >= 2
    assert not [s for _, _, s in calls(fd, "GET", "/api/v2/tickets") if s == 400]


def test_page_cap_lower_than_expected_is_learned_from_the_400(fd: FreshdeskState) -> None:
    fd.page_cap = 3
    ids = [
        fd.add_ticket(f"T{n}", f"t{n}@customer.example", "?", at=fd.clock() - timedelta(hours=20 - n))
        for n in range(11)
    ]
    found, _, _ = pull_all(connect(fd, per_page=2))
    assert set(found) == {str(i) for i in ids}
    assert len([s for _, _, s in calls(fd, "GET", "/api/v2/tickets") if s == 400]) == 1


def test_more_tickets_at_one_instant_than_the_cap_allows_stops_with_a_problem(fd: FreshdeskState) -> None:
    fd.page_cap = 2
    at = fd.clock() - timedelta(hours=1)
    for n in range(6):
        fd.add_ticket(f"T{n}", f"t{n}@customer.example", "?", at=at)
    found, _, problems = pull_all(connect(fd, per_page=2, page_limit=2))
    assert len(found) == 4 and any("share updated_at" in p for p in problems)


def test_group_id_keeps_other_groups_out(fd: FreshdeskState) -> None:
    ours = fd.add_ticket("Ours", "a@customer.example", "?")
    theirs = fd.add_ticket("Theirs", "b@customer.example", "?")
    fd.tickets[ours].group, fd.tickets[theirs].group = 3, 4
    found, _, _ = pull_all(connect(fd, group_id=3))
    assert set(found) == {str(ours)}
    assert not calls(fd, "GET", f"/tickets/{theirs}/conversations")


def test_ticket_with_5000_conversations(fd: FreshdeskState) -> None:
    convs = [("incoming" if n % 2 else "reply", f"message {n}") for n in range(5000)]
    ticket = fd.add_ticket("Chatty", "chatty@customer.example", "start", convs, step=timedelta(seconds=1))
    found, _, _ = pull_all(connect(fd))
    assert [m.body_text for m in found[str(ticket)].messages] == ["start"] + [f"message {n}" for n in range(5000)]
    assert len(calls(fd, "GET", f"/tickets/{ticket}/conversations")) == 50


# ---------------------------------------------------------------------- auth and transport


def test_wrong_api_key_is_an_auth_error(fd: FreshdeskState) -> None:
    with pytest.raises(AuthError):
        pull_all(connect(fd, key="wrong"))


def test_429_waits_for_retry_after(fd: FreshdeskState) -> None:
    fd.add_ticket("Q", "q@customer.example", "?")
    fd.fault("429", "/api/v2/tickets", retry_after=1)
    started = time.perf_counter()
    found, _, _ = pull_all(connect(fd))
    assert len(found) == 1 and time.perf_counter() - started >= 1.0
    assert [s for _, p, s in calls(fd, "GET") if p == "/api/v2/tickets"] == [429, 200]


def test_a_429_storm_waits_out_every_retry_after(fd: FreshdeskState) -> None:
    fd.add_ticket("Q", "q@customer.example", "?")
    fd.storm(4, retry_after=0.3, path_contains="/api/v2/tickets")  # every 2nd one with a text body
    found, _, _ = pull_all(connect(fd))
    assert len(found) == 1
    listing = [e for e in fd.requests("GET", "/api/v2/tickets") if e.path == "/api/v2/tickets"]
    assert [e.status for e in listing] == [429, 429, 429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in zip(listing, listing[1:])]
    assert min(gaps) >= 0.3, f"a request went out before Retry-After elapsed: {gaps}"


def test_a_5xx_burst_on_a_read_is_retried_with_back_off(fd: FreshdeskState) -> None:
    from connectors._http import RetryPolicy

    fd.add_ticket("Q", "q@customer.example", "?")
    conn = connect(fd)
    conn.client.http.retry = RetryPolicy(base_delay=0.01)
    fd.burst(3, "/api/v2/tickets")
    found, _, _ = pull_all(conn)
    assert len(found) == 1
    listing = [e.status for e in fd.requests("GET", "/api/v2/tickets") if e.path == "/api/v2/tickets"]
    assert listing == [503, 503, 503, 200]


def test_a_post_is_never_repeated_blindly(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Q", "q@customer.example", "?")
    conn = connect(fd)
    fd.fault("503-after", f"/tickets/{ticket}/reply")
    outgoing = outgoing_reply(str(ticket), "Here is your refund.")
    with pytest.raises(AmbiguousSend):
        conn.send_reply(outgoing)
    assert len(calls(fd, "POST", "/reply")) == 1
    found = conn.find_sent(outgoing)
    assert found is not None and found.remote_id.startswith("conv:")
    assert fd.upstream(ticket)["replies"] == ["Here is your refund."]


@pytest.mark.parametrize("fault", ["html", "truncated", "drop-after"])
def test_a_garbled_answer_to_a_reply_is_ambiguous_not_sent(fd: FreshdeskState, fault: str) -> None:
    """A proxy's 200 login page (nothing reached upstream) or a cut-off answer (it did):
    either way the send is unconfirmed, and find_sent tells which."""
    ticket = fd.add_ticket("Q", "q@customer.example", "?")
    conn = connect(fd)
    fd.fault(fault, f"/tickets/{ticket}/reply")
    outgoing = outgoing_reply(str(ticket), "Your refund is on its way.")
    with pytest.raises(AmbiguousSend):
        conn.send_reply(outgoing)
    found = conn.find_sent(outgoing)
    assert (found is not None) == (fault != "html")


def test_html_instead_of_json_skips_one_ticket_and_retries_it_next_time(fd: FreshdeskState) -> None:
    good = fd.add_ticket("Fine", "a@customer.example", "ok")
    bad = fd.add_ticket("Bad", "b@customer.example", "hello")
    fd.fault("html", f"/tickets/{bad}/conversations")
    conn = connect(fd)
    found, cursor, problems = pull_all(conn)
    assert set(found) == {str(good)} and cursor and cursor["retry"] == [str(bad)]
    assert any(str(bad) in p and "retried at the next sync" in p for p in problems)
    found, cursor, _ = pull_all(conn, cursor)
    assert found[str(bad)].messages[0].body_text == "hello" and cursor and cursor["retry"] == []


def test_truncated_json_on_the_listing_is_a_clear_transport_error(fd: FreshdeskState) -> None:
    fd.add_ticket("Q", "q@customer.example", "?")
    fd.fault("truncated", "/api/v2/tickets", times=10)
    with pytest.raises(TransportError, match="(?i)json"):
        pull_all(connect(fd))


# ---------------------------------------------------------------------- writing


def test_reply_note_status_assign(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Q", "q@customer.example", "?")
    conn = connect(fd, user_id=7)
    sent = conn.send_reply(outgoing_reply(str(ticket), "Line one\nLine two\n\nBye"))
    assert sent.remote_id.startswith("conv:") and conn.find_sent(outgoing_reply(str(ticket), "Line one Line two Bye")) == sent
    assert conn.add_note(str(ticket), "internal", "op-2").remote_id.startswith("conv:")
    conn.set_status(str(ticket), Status.PENDING)
    conn.assign(str(ticket), "bo@acme.example")
    state = fd.upstream(ticket)
    assert (state["status"], state["assignee"], state["notes"]) == (3, "bo@acme.example", ["internal"])
    conn.set_status(str(ticket), Status.CLOSED)
    conn.assign(str(ticket), "")
    assert (fd.upstream(ticket)["status"], fd.upstream(ticket)["assignee"]) == (5, "")
    with pytest.raises(ConnectorError, match="no agent"):
        conn.assign(str(ticket), "nobody@nowhere.example")


def test_validation_errors_carry_the_field(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Q", "q@customer.example", "?")
    with pytest.raises(ConnectorError, match="responder_id"):
        connect(fd).assign(str(ticket), "999")


def test_find_sent_ignores_an_identical_reply_from_before_the_attempt(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Q", "q@customer.example", "?", [("reply", "Thanks!")], at=fd.clock() - timedelta(days=2))
    assert connect(fd).find_sent(outgoing_reply(str(ticket), "Thanks!")) is None


def test_tags_keep_what_another_agent_added_before_our_write(fd: FreshdeskState) -> None:
    ticket = fd.add_ticket("Q", "q@customer.example", "?", tags=["billing"])
    conn = connect(fd)
    pull_all(conn)
    fd.agent_tags(ticket, ["billing", "vip"])
    assert conn.set_tags(str(ticket), ["refund"], ["billing"]) == ("vip", "refund")
    assert fd.upstream(ticket)["tags"] == ["vip", "refund"]


def test_tags_race_inside_the_read_modify_write_window_is_a_known_limit(fd: FreshdeskState) -> None:
    """Freshdesk has no conditional update: a tag added between our GET and our PUT is
    lost. Pinned here so a future fix (or a regression in the window) shows up."""
    ticket = fd.add_ticket("Q", "q@customer.example", "?", tags=["billing"])
    conn = connect(fd)

    def sneak_in(request: Any) -> None:
        if request.method == "GET" and request.path == f"/api/v2/tickets/{ticket}":
            fd.on_request = None
            fd.agent_tags(ticket, ["billing", "urgent"])

    fd.on_request = sneak_in
    conn.set_tags(str(ticket), ["refund"], [])
    assert fd.upstream(ticket)["tags"] == ["billing", "refund"]


def test_unknown_ticket_is_not_found(fd: FreshdeskState) -> None:
    with pytest.raises(NotFound):
        connect(fd).set_status("999999", Status.CLOSED)

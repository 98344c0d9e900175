"""The Help Scout connector against the Help Scout contract server (tests/servers/helpscout.py).

Every test starts its own server on a free 127.0.0.1 port (in-process, threaded) and stops
it afterwards; the shared scenarios come from ``ContractSuite``, the rest are the cases
Help Scout makes special: OAuth token refresh, ``status=all``, the inclusive
``modifiedSince``, embedded threads that are cut short, 301 for merged conversations,
``X-RateLimit-Retry-After``, tags that replace the whole set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import Connector
from connectors.helpscout import HelpScoutConnector, open_connector
from connectors._html import html_to_text
from connectors.helpscout.mapping import STATUS_MAP
from inbox_tui.errors import AmbiguousSend, AuthError, ConnectorError, TransportError
from inbox_tui.model import Direction, Status
from tests.connectors.contract import ContractSuite, UpstreamView
from tests.connectors.helpers import calls, outgoing_reply, pull_all, serving
from tests.servers.helpscout import CLIENT_ID, CLIENT_SECRET, HelpScoutState

pytestmark = pytest.mark.servers


@pytest.fixture
def hs() -> Iterator[HelpScoutState]:
    with serving(HelpScoutState()) as state:
        yield state


def connect(state: HelpScoutState, **settings: Any) -> HelpScoutConnector:
    merged = {"url": state.url, "mailbox": 1, "client_id": CLIENT_ID, **settings}
    conn = open_connector("hs-test", merged, lambda key: {"client_secret": CLIENT_SECRET}[key])
    state.opened.append(conn)
    return conn


# ---------------------------------------------------------------------- the shared contract


class HelpScoutTarget:
    """The contract's view of the Help Scout contract server: seeding and reading back
    through the server's own state, never through the connector under test."""

    threads_upstream = True
    resends_unchanged = False

    def __init__(self, state: HelpScoutState) -> None:
        self.state = state

    def connector(self) -> Connector:
        return connect(self.state)

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        return str(self.state.add_conversation(subject, customer_email, [("customer", f"<p>{body}</p>")]))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), f"<p>{body}</p>")

    def settle(self) -> None:
        """Nothing to wait for: the server stamps every change a second after the last."""

    def upstream_state(self, remote_id: str) -> UpstreamView:
        conv = self.state.conversations[int(remote_id)]
        up = self.state.upstream(int(remote_id))
        return UpstreamView(
            status=STATUS_MAP[conv.status],
            raw_status=conv.status,
            tags=frozenset(up["tags"]),
            assignee=up["assignee"],
            replies=tuple(html_to_text(b) for b in up["replies"]),
            notes=tuple(html_to_text(b) for b in up["notes"]),
            customer_messages=tuple(html_to_text(t["body"]) for t in conv.threads if t["type"] == "customer"),
        )

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        conv = self.state.conversations[int(remote_id)]
        self.state.agent_tags(int(remote_id), [*conv.tags, tag])

    def assignee(self) -> str:
        return "bo@support.example"

    def break_auth(self) -> Connector:
        conn = open_connector(
            "hs-test", {"url": self.state.url, "mailbox": 1, "client_id": CLIENT_ID}, lambda key: "wrong-secret"
        )
        self.state.opened.append(conn)
        return conn

    def secrets(self) -> list[str]:
        return [CLIENT_SECRET, "wrong-secret"]

    def missing_remote_id(self) -> str:
        return "999999"


class TestHelpScoutContract(ContractSuite):
    @pytest.fixture
    def target(self, hs: HelpScoutState) -> HelpScoutTarget:
        return HelpScoutTarget(hs)


# ---------------------------------------------------------------------- reading


def test_initial_sync_lists_every_status_and_keeps_the_raw_one(hs: HelpScoutState) -> None:
    hs.seed_demo()
    found, _, problems = pull_all(connect(hs))
    by_subject = {c.subject: c for c in found.values()}
    assert {c.raw_status for c in found.values()} >= {"active", "pending", "closed", "spam", "escalated"}
    assert by_subject["Closed long ago"].status is Status.CLOSED
    assert by_subject["Spam"].status is Status.CLOSED
    assert by_subject["Cannot log in"].status is Status.PENDING
    escalated = next(c for c in found.values() if c.raw_status == "escalated")
    assert escalated.status is Status.OPEN and any("escalated" in p for p in problems)
    listing = [e for e in calls(hs, "GET", "/v2/conversations") if e[1] == "/v2/conversations"]
    assert listing, "the listing was not used"


def test_threads_become_messages_and_notes_oldest_first(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation(
        "Refund",
        "carol@customer.example",
        [("customer", "<p>Charged <b>twice</b></p>"), ("reply", "Sorry!"), ("note", "Check Stripe")],
    )
    found, _, _ = pull_all(connect(hs))
    conv = found[str(conv_id)]
    assert [(m.direction, m.body_text) for m in conv.messages] == [
        (Direction.IN, "Charged twice"),
        (Direction.OUT, "Sorry!"),
    ]
    assert conv.messages[0].sender.email == "carol@customer.example"
    assert conv.messages[1].author_is_agent and conv.messages[1].thread_remote_id == str(conv_id)
    assert [n.body for n in conv.notes] == ["Check Stripe"] and conv.notes[0].author == "ada@support.example"
    assert conv.customer.email == "carol@customer.example"


def test_nothing_changed_costs_one_request_and_the_boundary_item_is_not_read_again(hs: HelpScoutState) -> None:
    for n in range(3):
        hs.add_conversation(f"Question {n}", f"c{n}@customer.example")
    conn = connect(hs)
    _, cursor, _ = pull_all(conn)
    before = len(hs.log)
    found, again, _ = pull_all(conn, cursor)
    after = hs.log[before:]
    assert found == {}
    assert [(e.method, e.path) for e in after] == [("GET", "/v2/conversations")], after
    assert again == cursor


def test_a_customer_reply_comes_in_with_the_whole_conversation(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation("Login", "dan@customer.example", [("customer", "I cannot log in")])
    conn = connect(hs)
    _, cursor, _ = pull_all(conn)
    hs.customer_writes(conv_id, "Still broken")
    found, _, _ = pull_all(conn, cursor)
    assert [m.body_text for m in found[str(conv_id)].messages] == ["I cannot log in", "Still broken"]


def test_long_conversation_is_paged_when_the_embedded_threads_are_cut(hs: HelpScoutState) -> None:
    messages = [("customer" if n % 2 == 0 else "reply", f"message {n}") for n in range(5000)]
    conv_id = hs.add_conversation("Chatty", "chatty@customer.example", messages, step=timedelta(seconds=1))
    started = time.perf_counter()
    found, _, problems = pull_all(connect(hs))
    bodies = [m.body_text for m in found[str(conv_id)].messages]
    assert bodies == [f"message {n}" for n in range(5000)], problems
    assert len(calls(hs, "GET", f"/v2/conversations/{conv_id}/threads")) == 100
    assert time.perf_counter() - started < 30


def test_changes_while_paging_are_caught_by_a_second_walk(hs: HelpScoutState) -> None:
    hs.page_size = 2
    ids = [
        hs.add_conversation(f"Q{n}", f"q{n}@customer.example", at=hs.clock() - timedelta(hours=10 - n))
        for n in range(6)
    ]
    served = []

    def edit_first_after_page_one(request: Any) -> None:
        if request.path == "/v2/conversations" and not served:
            served.append(1)
            hs.customer_writes(ids[0], "moved to the end of the list")

    hs.on_request = edit_first_after_page_one
    found, _, _ = pull_all(connect(hs))
    assert set(found) == {str(i) for i in ids}
    assert found[str(ids[0])].messages[-1].body_text == "moved to the end of the list"


# ---------------------------------------------------------------------- auth and transport


def test_expired_token_is_refreshed_once_and_the_request_goes_through(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation("Q", "q@customer.example")
    conn = connect(hs)
    pull_all(conn)
    hs.expire_tokens()
    assert conn.current_version(str(conv_id))
    assert len(calls(hs, "POST", "/v2/oauth2/token")) == 2
    assert [s for _, p, s in calls(hs, "GET", f"/v2/conversations/{conv_id}")] == [401, 200]


def test_wrong_client_secret_is_an_auth_error(hs: HelpScoutState) -> None:
    hs.secrets[CLIENT_ID] = "rotated"
    with pytest.raises(AuthError, match="client id / client secret"):
        pull_all(connect(hs))


def test_429_waits_for_x_ratelimit_retry_after(hs: HelpScoutState) -> None:
    hs.add_conversation("Q", "q@customer.example")
    hs.fault("429", "/v2/conversations", retry_after=1)
    started = time.perf_counter()
    found, _, _ = pull_all(connect(hs))
    assert len(found) == 1
    assert time.perf_counter() - started >= 1.0
    statuses = [s for _, p, s in calls(hs, "GET", "/v2/conversations") if p == "/v2/conversations"]
    assert statuses == [429, 200]


def test_a_429_storm_waits_out_every_retry_after(hs: HelpScoutState) -> None:
    hs.add_conversation("Q", "q@customer.example")
    hs.storm(4, retry_after=0.3, path_contains="/v2/conversations")  # every 2nd one with a text body
    found, _, _ = pull_all(connect(hs))
    assert len(found) == 1
    listing = hs.requests("GET", "/v2/conversations")
    assert [e.status for e in listing] == [429, 429, 429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in zip(listing, listing[1:])]
    assert min(gaps) >= 0.3, f"a request went out before X-RateLimit-Retry-After elapsed: {gaps}"


def test_a_5xx_burst_on_a_read_is_retried_with_back_off(hs: HelpScoutState) -> None:
    from connectors._http import RetryPolicy

    hs.add_conversation("Q", "q@customer.example")
    conn = connect(hs)
    conn.client.http.retry = RetryPolicy(base_delay=0.01)
    hs.burst(3, "/v2/conversations")
    found, _, _ = pull_all(conn)
    assert len(found) == 1
    assert [e.status for e in hs.requests("GET", "/v2/conversations")] == [503, 503, 503, 200]


def test_a_post_is_never_repeated_blindly(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation("Q", "q@customer.example")
    conn = connect(hs)
    hs.fault("503-after", f"/v2/conversations/{conv_id}/reply")
    outgoing = outgoing_reply(str(conv_id), "Here is your refund.")
    with pytest.raises(AmbiguousSend):
        conn.send_reply(outgoing)
    assert len(calls(hs, "POST", "/reply")) == 1
    found = conn.find_sent(outgoing)
    assert found is not None and found.remote_id.startswith("thread:")
    assert hs.upstream(conv_id)["replies"] == ["<p>Here is your refund.</p>"]


@pytest.mark.parametrize("fault", ["html", "drop-after"])
def test_a_garbled_answer_to_a_reply_is_ambiguous_not_sent(hs: HelpScoutState, fault: str) -> None:
    """A proxy's 200 login page (nothing reached upstream) or a connection dropped after
    the reply was made: either way the send is unconfirmed, and find_sent tells which."""
    conv_id = hs.add_conversation("Q", "q@customer.example")
    conn = connect(hs)
    hs.fault(fault, f"/v2/conversations/{conv_id}/reply")
    outgoing = outgoing_reply(conv_id, "Your refund is on its way.")
    with pytest.raises(AmbiguousSend):
        conn.send_reply(outgoing)
    found = conn.find_sent(outgoing)
    assert (found is not None) == (fault == "drop-after")


def test_html_instead_of_json_skips_one_conversation_and_retries_it_next_time(hs: HelpScoutState) -> None:
    good = hs.add_conversation("Fine", "a@customer.example")
    bad = hs.add_conversation("Chat", "b@customer.example", [("customer", "hello")], type="chat")
    hs.fault("html", f"/v2/conversations/{bad}/threads")
    conn = connect(hs)
    found, cursor, problems = pull_all(conn)
    assert set(found) == {str(good)}
    assert any(str(bad) in p and "retried at the next sync" in p for p in problems)
    assert cursor and cursor["retry"] == [str(bad)]
    found, cursor, _ = pull_all(conn, cursor)
    assert str(bad) in found and found[str(bad)].messages[0].body_text == "hello"
    assert cursor and cursor["retry"] == []


def test_truncated_json_on_the_listing_is_a_clear_transport_error(hs: HelpScoutState) -> None:
    hs.add_conversation("Q", "q@customer.example")
    hs.fault("truncated", "/v2/conversations", times=10)
    with pytest.raises(TransportError, match="(?i)json"):
        pull_all(connect(hs))


# ---------------------------------------------------------------------- writing


def test_merged_conversation_follows_the_301_and_the_pull_reports_the_merge(hs: HelpScoutState) -> None:
    old = hs.add_conversation("Invoice", "erin@customer.example", [("customer", "May invoice please")])
    keep = hs.add_conversation("Invoice again", "erin@customer.example", [("customer", "And April")])
    conn = connect(hs)
    _, cursor, _ = pull_all(conn)
    hs.merge(old, keep)
    result = conn.add_note(str(old), "noted on the old id", "op-9")
    assert result.remote_id.startswith("thread:")
    assert "<p>noted on the old id</p>" in hs.upstream(keep)["notes"]
    assert conn.client.moved == {str(old): str(keep)}
    found, _, _ = pull_all(conn, cursor)
    assert found[str(keep)].merged_from == (str(old),)
    assert {m.body_text for m in found[str(keep)].messages} >= {"May invoice please", "And April"}


def test_reply_note_status_assign(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation("Q", "q@customer.example")
    conn = connect(hs, user_id=7)
    sent = conn.send_reply(outgoing_reply(str(conv_id), "Line one\nLine two\n\nBye"))
    assert sent.remote_id.startswith("thread:")
    assert conn.find_sent(outgoing_reply(str(conv_id), "Line one  Line two\n\nBye")) == sent
    assert conn.add_note(str(conv_id), "internal", "op-2").remote_id.startswith("thread:")
    conn.set_status(str(conv_id), Status.PENDING)
    conn.assign(str(conv_id), "bo@support.example")
    assert hs.upstream(conv_id) | {"threads": 0} == {
        "status": "pending",
        "tags": [],
        "assignee": "bo@support.example",
        "replies": ["<p>Line one<br>Line two</p><p>Bye</p>"],
        "notes": ["<p>internal</p>"],
        "threads": 0,
    }
    conn.assign(str(conv_id), "")
    assert hs.upstream(conv_id)["assignee"] == ""
    with pytest.raises(ConnectorError, match="no user"):
        conn.assign(str(conv_id), "nobody@nowhere.example")


def test_find_sent_ignores_an_identical_reply_from_before_the_attempt(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation(
        "Q", "q@customer.example", [("customer", "?"), ("reply", "<p>Thanks!</p>")], at=hs.clock() - timedelta(days=2)
    )
    conn = connect(hs)
    assert conn.find_sent(outgoing_reply(str(conv_id), "Thanks!")) is None


def test_tags_keep_what_another_agent_added_before_our_write(hs: HelpScoutState) -> None:
    conv_id = hs.add_conversation("Q", "q@customer.example", tags=["billing"])
    conn = connect(hs)
    pull_all(conn)
    hs.agent_tags(conv_id, ["billing", "vip"])  # someone else, after our sync
    assert conn.set_tags(str(conv_id), ["refund"], ["billing"]) == ("vip", "refund")
    assert hs.upstream(conv_id)["tags"] == ["vip", "refund"]


def test_tags_race_inside_the_read_modify_write_window_is_a_known_limit(hs: HelpScoutState) -> None:
    """Help Scout has no conditional write: a tag added between our GET and our PUT (one
    round trip) is lost. This test pins that limit down so a future fix shows up here."""
    conv_id = hs.add_conversation("Q", "q@customer.example", tags=["billing"])
    conn = connect(hs)

    def sneak_in(request: Any) -> None:
        if request.method == "GET" and request.path == f"/v2/conversations/{conv_id}":
            hs.on_request = None
            hs.agent_tags(conv_id, ["billing", "urgent"])

    hs.on_request = sneak_in
    conn.set_tags(str(conv_id), ["refund"], [])
    assert hs.upstream(conv_id)["tags"] == ["billing", "refund"]  # "urgent" was overwritten


def test_unknown_conversation_is_not_found(hs: HelpScoutState) -> None:
    from inbox_tui.errors import NotFound

    with pytest.raises(NotFound):
        connect(hs).set_status("999999", Status.CLOSED)


def test_a_merge_upstream_moves_the_local_conversation_through_the_sync_engine(
    hs: HelpScoutState, tmp_path: Any
) -> None:
    """End to end with the real store: after Help Scout merges A into B, the next sync
    removes A's local conversation and B holds A's messages."""
    from inbox_tui.store import Store
    from inbox_tui.sync import SyncEngine

    old = hs.add_conversation("Invoice", "erin@customer.example", [("customer", "May invoice please")])
    keep = hs.add_conversation("Invoice again", "erin@customer.example", [("customer", "And April")])
    store = Store(tmp_path / "cache.db")
    engine = SyncEngine(store, ["hs"], lambda account: connect(hs))
    assert not engine.run().offline
    assert store.conversation_by_remote("hs", str(old)) is not None
    hs.merge(old, keep)
    assert not engine.run().offline
    assert store.conversation_by_remote("hs", str(old)) is None
    merged = store.conversation_by_remote("hs", str(keep))
    assert merged is not None
    assert {m.body_text for m in store.messages(merged.id)} == {"May invoice please", "And April"}

"""The Zendesk connector against the Zendesk contract server (tests/servers/zendesk.py).

Each test starts its own server on a free 127.0.0.1 port (in-process, threaded) and stops
it afterwards. The shared scenarios come from ``ContractSuite``; the rest are what Zendesk
makes special: cursor export paging and its boundary item, the search-export fallback for
non-admins, 429 storms, retries only where they are safe, garbage bodies, merged tickets,
OAuth refresh, ``safe_update``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from connectors._http import RetryPolicy
from connectors.zendesk import ZendeskConnector, open_connector
from connectors.zendesk.mapping import STATUS_MAP
from inbox_tui.errors import AmbiguousSend, AuthError, Conflict, TransportError
from inbox_tui.model import Address, Direction, RemoteConversation, Status
from tests.connectors.contract import ContractSuite, MemoryStore, UpstreamView, outgoing, sync
from tests.servers.zendesk import (
    ACCESS_TOKEN,
    AGENT_EMAIL,
    AGENT_ID,
    API_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_AGENT_EMAIL,
    REFRESH_TOKEN,
    ZendeskState,
)

pytestmark = pytest.mark.servers

WRONG_TOKEN = "zd-wrong-token-9d8e7f"
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


class Env:
    """A running server plus every connector opened against it (closed at teardown)."""

    def __init__(self, state: ZendeskState, url: str) -> None:
        self.state = state
        self.url = url
        self.opened: list[ZendeskConnector] = []

    def connect(self, *, secrets: dict[str, str] | None = None, retry: RetryPolicy | None = FAST, **settings: Any) -> ZendeskConnector:
        values = {"token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        values.update(secrets or {})
        merged = {"url": self.url, "email": AGENT_EMAIL, **settings}
        conn = open_connector("zd-test", merged, lambda key: values[key])
        if retry is not None:
            conn.client.http.retry = retry
        self.opened.append(conn)
        return conn


@pytest.fixture
def env() -> Iterator[Env]:
    state = ZendeskState()
    server = state.serve(0)
    environment = Env(state, server.url)
    try:
        yield environment
    finally:
        for conn in environment.opened:
            conn.close()
        server.stop()


class ZendeskTarget:
    threads_upstream = True
    resends_unchanged = False

    def __init__(self, env: Env) -> None:
        self.env = env
        self.state = env.state

    def connector(self) -> ZendeskConnector:
        return self.env.connect()

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        return str(self.state.create_ticket(customer_email, subject, body))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.state.customer_writes(int(remote_id), body)

    def settle(self) -> None:
        self.state.advance(61)  # the export holds back the last minute

    def upstream_state(self, remote_id: str) -> UpstreamView:
        with self.state.lock:
            ticket = self.state.tickets[int(remote_id)]
            users = self.state.users
            public = [c for c in ticket.comments if c["public"]]
            return UpstreamView(
                status=STATUS_MAP[ticket.status],
                raw_status=ticket.status,
                tags=frozenset(ticket.tags),
                assignee=users[ticket.assignee_id].email if ticket.assignee_id else "",
                replies=tuple(c["body"] for c in public if users[c["author_id"]].role != "end-user"),
                notes=tuple(c["body"] for c in ticket.comments if not c["public"]),
                customer_messages=tuple(c["body"] for c in public if users[c["author_id"]].role == "end-user"),
            )

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        ticket = self.state.tickets[int(remote_id)]
        self.state.set_fields(int(remote_id), tags=[*ticket.tags, tag])

    def assignee(self) -> str:
        return OTHER_AGENT_EMAIL

    def break_auth(self) -> ZendeskConnector:
        return self.env.connect(secrets={"token": WRONG_TOKEN, "refresh_token": ""})

    def secrets(self) -> list[str]:
        return [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, API_TOKEN, WRONG_TOKEN]

    def missing_remote_id(self) -> str:
        return "987654"


class TestZendeskContract(ContractSuite):
    @pytest.fixture
    def target(self, env: Env) -> ZendeskTarget:
        return ZendeskTarget(env)


# ---------------------------------------------------------------------- helpers


def pull_all(conn: ZendeskConnector, cursor: dict[str, Any] | None = None) -> tuple[dict[str, RemoteConversation], dict[str, Any] | None, list[str], int]:
    found: dict[str, RemoteConversation] = {}
    problems: list[str] = []
    deliveries = 0
    for batch in conn.pull(cursor, lambda ids: {}, lambda: False):
        deliveries += len(batch.conversations)
        assert len(batch.conversations) <= 50, "batches stay modest"
        found.update((c.remote_id, c) for c in batch.conversations)
        problems.extend(batch.problems)
        cursor = batch.cursor if batch.cursor is not None else cursor
    return found, cursor, problems, deliveries


def old(state: ZendeskState, minutes: float = 30) -> float:
    return state.now() - minutes * 60


# ---------------------------------------------------------------------- reading


def test_export_pages_and_comment_pages_arrive_whole(env: Env) -> None:
    env.state.bulk_seed(230, 3)
    big = env.state.create_ticket("long@example.org", "Long thread", "start", at=old(env.state))
    for n in range(249):
        env.state.add_comment(big, AGENT_ID if n % 2 else env.state.tickets[big].requester_id, f"reply {n}", at=old(env.state, 20))
    env.state.advance(61)
    conn = env.connect(export_page=100)
    found, cursor, problems, _ = pull_all(conn)
    assert len(found) == 231 and not problems
    assert all(len(c.messages) == 3 for rid, c in found.items() if rid != str(big))
    assert len(found[str(big)].messages) == 250 and [m.body_text for m in found[str(big)].messages][-1] == "reply 248"
    exports = env.state.requests("GET", "/incremental/tickets/cursor")
    assert len(exports) == 3, "231 tickets at 100 a page"
    assert len(env.state.requests("GET", f"/tickets/{big}/comments")) == 3, "250 comments at 100 a page"
    assert cursor and cursor["mode"] == "export" and cursor["after"]


def test_boundary_ticket_returned_twice_is_delivered_once(env: Env) -> None:
    env.state.bulk_seed(25, 1)
    env.state.advance(61)
    conn = env.connect(export_page=10)
    found, _, _, deliveries = pull_all(conn)
    pages = env.state.requests("GET", "/incremental/tickets/cursor")
    assert len(pages) == 3 and env.state.repeat_boundary
    assert len(found) == 25 and deliveries == 25, "the repeated boundary ticket is not delivered again"


def test_incremental_with_nothing_changed_costs_one_request(env: Env) -> None:
    env.state.bulk_seed(40, 2)
    env.state.advance(61)
    store = MemoryStore()
    sync(env.connect(), store)
    conn = env.connect()
    before = len(env.state.log)
    started = time.perf_counter()
    result = sync(conn, store)
    elapsed = time.perf_counter() - started
    assert not result.conversations
    assert len(env.state.log) - before == 1 and conn.client.requests == 1
    assert elapsed < 0.2


def test_recent_changes_wait_for_the_export_minute(env: Env) -> None:
    store = MemoryStore()
    ticket = env.state.create_ticket("a@example.org", "Fresh", "just now")
    assert str(ticket) not in sync(env.connect(), store).conversations, "Zendesk holds back the last minute"
    env.state.advance(61)
    assert str(ticket) in sync(env.connect(), store).conversations


def test_not_admin_falls_back_to_search_export(env: Env) -> None:
    env.state.admin = False
    first = env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    second = env.state.create_ticket("b@example.org", "Two", "hello", at=old(env.state))
    store = MemoryStore()
    result = sync(env.connect(), store)
    assert {str(first), str(second)} <= set(result.conversations)
    assert any("admins only" in p for p in result.problems)
    assert store.cursor and store.cursor["mode"] == "search"
    env.state.customer_writes(second, "more")
    result = sync(env.connect(), store)
    assert set(result.conversations) == {str(second)}, "the overlap re-reads, but only the changed one is delivered"
    queries = [q for q in env.state.queries("/api/v2/search/export.json")]
    assert queries[-1]["filter[type]"] == "ticket" and "updated>" in queries[-1]["query"]
    assert not env.state.requests("GET", "/incremental/tickets/cursor")[1:], "no export attempt once in search mode"


def test_unknown_status_and_null_fields_do_not_break_the_sync(env: Env) -> None:
    odd = env.state.create_ticket("a@example.org", "Odd", "body", status="awaiting_vendor", at=old(env.state))
    nulls = env.state.create_ticket("b@example.org", None, "body", at=old(env.state))
    with env.state.lock:
        ticket = env.state.tickets[nulls]
        ticket.requester_id = None
        ticket.tags = None  # type: ignore[assignment]
        ticket.comments.append({"id": 1, "author_id": None, "body": None, "public": True, "created_at": None})
    fine = env.state.create_ticket("c@example.org", "Fine", "ok", at=old(env.state))
    env.state.advance(61)
    found, _, problems, _ = pull_all(env.connect())
    assert (found[str(odd)].status, found[str(odd)].raw_status) == (Status.OPEN, "awaiting_vendor")
    assert any("awaiting_vendor" in p for p in problems)
    conv = found[str(nulls)]
    assert conv.subject == "" and conv.customer.email == "" and conv.tags == ()
    assert any("no body" in p for m in conv.messages for p in m.problems)
    assert str(fine) in found


def test_html_and_truncated_json_skip_one_ticket_and_the_sync_goes_on(env: Env) -> None:
    ids = [env.state.create_ticket(f"c{n}@example.org", f"T{n}", "body", at=old(env.state)) for n in range(4)]
    env.state.advance(61)
    env.state.fault("html", f"/tickets/{ids[1]}/comments")
    env.state.fault("truncated", f"/tickets/{ids[2]}/comments")
    found, cursor, problems, _ = pull_all(env.connect())
    assert set(found) == {str(ids[0]), str(ids[3])}, "never half a conversation"
    assert any("answered HTML instead of JSON (status 200)" in p for p in problems)
    assert any("truncated or invalid JSON" in p for p in problems)
    assert cursor and sorted(cursor["retry"]) == sorted([str(ids[1]), str(ids[2])])
    again, cursor, problems, _ = pull_all(env.connect(), cursor)
    assert set(again) == {str(ids[1]), str(ids[2])} and not problems and cursor and not cursor["retry"]


def test_html_instead_of_the_export_is_a_clear_error(env: Env) -> None:
    env.state.fault("html", "/incremental/")
    with pytest.raises(TransportError, match=r"^Zendesk answered HTML instead of JSON \(status 200\)$"):
        pull_all(env.connect())


def test_a_ticket_with_5000_comments(env: Env) -> None:
    ticket = env.state.create_ticket("chatty@example.org", "Chatty", "0", at=old(env.state, 120))
    with env.state.lock:
        for n in range(1, 5000):
            env.state._comment(env.state.tickets[ticket], AGENT_ID if n % 2 else env.state.tickets[ticket].requester_id, str(n), n % 7 != 0, old(env.state, 100))
    env.state.advance(61)
    found, _, problems, _ = pull_all(env.connect())
    conv = found[str(ticket)]
    assert len(conv.messages) + len(conv.notes) == 5000 and not problems
    assert len(env.state.requests("GET", f"/tickets/{ticket}/comments")) == 50


def test_huge_body_is_cut_and_says_so(env: Env) -> None:
    ticket = env.state.create_ticket("big@example.org", "Huge", "x" * 1_500_000, at=old(env.state))
    env.state.advance(61)
    found, _, _, _ = pull_all(env.connect())
    message = found[str(ticket)].messages[0]
    assert len(message.body_text) == 1_000_000 and any("cut" in p for p in message.problems)


def test_hostile_strings_are_cleaned(env: Env) -> None:
    ticket = env.state.create_ticket("x@example.org", "Hi\x1b[31m red\u202e", "body\x1b]0;title\x07 end", at=old(env.state))
    env.state.advance(61)
    conv = pull_all(env.connect())[0][str(ticket)]
    assert "\x1b" not in conv.subject and "\u202e" not in conv.subject
    assert "\x1b" not in conv.messages[0].body_text and "\x07" not in conv.messages[0].body_text


def test_merged_ticket_folds_into_its_target(env: Env) -> None:
    target = env.state.create_ticket("jane@example.org", "Login broken", "cannot log in", at=old(env.state))
    source = env.state.create_ticket("jane@example.org", "Still broken", "again", at=old(env.state))
    store = MemoryStore()
    env.state.advance(61)
    sync(env.connect(), store)
    env.state.merge([source], target)
    env.state.advance(61)
    result = sync(env.connect(), store)
    assert str(source) not in result.conversations
    assert result.conversations[str(target)].merged_from == (str(source),)
    assert any(f"Request #{source}" in n.body for n in result.conversations[str(target)].notes)


# ---------------------------------------------------------------------- rate limits and retries


def test_429_storm_is_waited_out_never_early(env: Env) -> None:
    env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    env.state.advance(61)
    env.state.storm(4, retry_after=0.3, path_contains="/incremental/", text_every=2)
    conn = env.connect()
    started = time.monotonic()
    found, _, _, _ = pull_all(conn)
    assert found and time.monotonic() - started >= 4 * 0.3
    log = env.state.requests("GET", "/incremental/")
    assert [e.status for e in log] == [429, 429, 429, 429, 200]
    gaps = [later.at - earlier.at for earlier, later in zip(log, log[1:])]
    assert all(gap >= 0.3 for gap in gaps), f"a request went before Retry-After elapsed: {gaps}"
    assert conn.client.http.stats.throttled == 4


def test_long_retry_after_is_rate_limited_not_slept(env: Env) -> None:
    from inbox_tui.errors import RateLimited

    env.state.fault("429", "/incremental/", retry_after=600)
    with pytest.raises(RateLimited) as caught:
        pull_all(env.connect())
    assert caught.value.retry_after == 600


def test_5xx_on_get_is_retried(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    env.state.advance(61)
    env.state.burst(2, f"/tickets/{ticket}/comments")
    found, _, problems, _ = pull_all(env.connect())
    assert str(ticket) in found and not problems
    assert [e.status for e in env.state.requests("GET", f"/tickets/{ticket}/comments")] == [503, 503, 200]


def test_reply_is_never_retried_blindly_and_find_sent_finds_it(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect()
    reply = outgoing(str(ticket), "We refunded you.", Address("a@example.org"))
    env.state.fault("drop-after", f"/tickets/{ticket}", method="PUT")
    with pytest.raises(AmbiguousSend):
        conn.send_reply(reply)
    assert len(env.state.requests("PUT", f"/tickets/{ticket}")) == 1, "a PUT with a comment is not retried"
    assert [c["body"] for c in env.state.tickets[ticket].comments].count("We refunded you.") == 1
    found = env.connect().find_sent(reply)  # a later process, same stored reply
    assert found is not None and found.remote_id.startswith(f"{ticket}/")


def test_5xx_after_a_reply_is_ambiguous(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect()
    env.state.fault("503-after", f"/tickets/{ticket}", method="PUT")
    reply = outgoing(str(ticket), "Sent once.", Address("a@example.org"))
    with pytest.raises(AmbiguousSend):
        conn.send_reply(reply)
    assert len(env.state.requests("PUT")) == 1
    assert conn.find_sent(reply) is not None


def test_dropped_reply_that_never_arrived_is_not_found(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect()
    env.state.fault("drop", f"/tickets/{ticket}", method="PUT")
    reply = outgoing(str(ticket), "Lost in transit.", Address("a@example.org"))
    with pytest.raises(AmbiguousSend):
        conn.send_reply(reply)
    assert conn.find_sent(reply) is None
    conn.send_reply(reply)
    assert conn.find_sent(reply) is not None


def test_find_sent_ignores_the_same_text_from_long_ago_or_from_someone_else(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "Thanks!", at=old(env.state, 600))
    env.state.add_comment(ticket, AGENT_ID, "Thanks!", at=old(env.state, 590))
    reply = outgoing(str(ticket), "Thanks!", Address("a@example.org"))
    reply.extra["zendesk_first_attempt"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert env.connect().find_sent(reply) is None


def test_slow_answer_to_a_note_is_ambiguous(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect(timeout=0.3)
    env.state.slow(1.0, f"/tickets/{ticket}")
    with pytest.raises(AmbiguousSend):
        conn.add_note(str(ticket), "internal", "op-1")


# ---------------------------------------------------------------------- auth


def test_expired_oauth_token_is_refreshed_once(env: Env) -> None:
    env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    env.state.advance(61)
    conn = env.connect()
    rotated: list[tuple[str, str]] = []
    conn.client.on_tokens = lambda access, refresh: rotated.append((access, refresh))
    env.state.expire_tokens()
    found, _, _, _ = pull_all(conn)
    assert found
    assert len(env.state.requests("POST", "/oauth/tokens")) == 1
    assert rotated and rotated[0][1] in env.state.refresh_tokens and REFRESH_TOKEN not in env.state.refresh_tokens


def test_expired_token_without_refresh_token_is_auth_error(env: Env) -> None:
    conn = env.connect(secrets={"refresh_token": ""})
    env.state.expire_tokens()
    with pytest.raises(AuthError) as caught:
        pull_all(conn)
    assert ACCESS_TOKEN not in str(caught.value) and "401" in str(caught.value)


def test_refused_refresh_token_is_auth_error(env: Env) -> None:
    conn = env.connect(secrets={"refresh_token": "zd-refresh-revoked-00000"})
    env.state.expire_tokens()
    with pytest.raises(AuthError, match="refresh token") as caught:
        pull_all(conn)
    assert "zd-refresh-revoked-00000" not in str(caught.value)


def test_legacy_api_token(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    env.state.advance(61)
    conn = env.connect(auth="token", secrets={"token": API_TOKEN})
    assert str(ticket) in pull_all(conn)[0]
    bad = env.connect(auth="token", secrets={"token": WRONG_TOKEN})
    with pytest.raises(AuthError) as caught:
        pull_all(bad)
    assert WRONG_TOKEN not in str(caught.value) and AGENT_EMAIL not in str(caught.value)


# ---------------------------------------------------------------------- writing


def test_status_change_after_an_upstream_change_is_a_conflict(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect()
    version = conn.current_version(str(ticket))
    env.state.customer_writes(ticket, "one more thing")
    with pytest.raises(Conflict):
        conn.set_status(str(ticket), Status.CLOSED)
    assert env.state.tickets[ticket].status == "new"
    assert conn.current_version(str(ticket)) != version
    conn.set_status(str(ticket), Status.CLOSED)
    assert env.state.tickets[ticket].status == "solved"


def test_writes_are_puts_with_the_documented_bodies(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello")
    conn = env.connect()
    conn.set_tags(str(ticket), ["VIP Customer"], [])
    assert env.state.tickets[ticket].tags == ["vip", "customer"], "Zendesk lower-cases and splits tags"
    conn.assign(str(ticket), "me")
    assert env.state.tickets[ticket].assignee_id == AGENT_ID
    result = conn.add_note(str(ticket), "private words", "op-9")
    assert result.remote_id.startswith(f"{ticket}/")
    assert env.state.tickets[ticket].comments[-1]["public"] is False


def test_reply_comes_back_as_an_agent_message(env: Env) -> None:
    ticket = env.state.create_ticket("a@example.org", "One", "hello", at=old(env.state))
    conn = env.connect()
    conn.send_reply(outgoing(str(ticket), "On it.", Address("a@example.org")))
    env.state.advance(61)
    conv = pull_all(env.connect())[0][str(ticket)]
    directions = [(m.body_text, m.direction) for m in conv.messages]
    assert directions == [("hello", Direction.IN), ("On it.", Direction.OUT)]
    assert conv.messages[1].sender.email == AGENT_EMAIL and conv.messages[0].sender.email == "a@example.org"


def test_demo_server_seeds_and_serves(env: Env) -> None:
    env.state.seed_demo()
    env.state.advance(61)
    found, _, problems, _ = pull_all(env.connect())
    subjects = {c.subject for c in found.values()}
    assert "Cannot log in after password reset" in subjects and "Login still broken" not in subjects
    assert any("awaiting_vendor" in p for p in problems)
    since = timedelta(days=4)
    assert all(c.updated_at > datetime.now(timezone.utc) - since for c in found.values())

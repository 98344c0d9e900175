"""The Request Tracker connector against a real RT 5 (Debian's request-tracker5) on 127.0.0.1.

One RT per test session (``rt_server``; ~6 s to start once the packages are installed).
Its timezone is America/New_York on purpose: RT reads absolute TicketSQL dates in the API
user's timezone, so a connector that sends UTC wall-clock times misses recent changes
there. Tests make their own tickets and look only at those.
"""

from __future__ import annotations

import email
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Connector, OutgoingReply, Tagger
from connectors.rt import RTConnector, open_connector
from connectors.rt.mapping import STATUS_MAP, epoch
from connectors.rt.pull import OVERLAP, SETTLE
from inbox_tui import paths
from inbox_tui.bootstrap import REGISTRY
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.errors import AuthError, ConfigError, NotFound, TransportError
from inbox_tui.model import Address, Direction, RemoteConversation, Status
from inbox_tui.service import InboxService
from inbox_tui.store import Store
from inbox_tui.sync import SyncEngine
from tests.connectors.contract import ContractSuite, UpstreamView
from tests.connectors.helpers import pull_all
from tests.servers.rt import (
    AGENT,
    AGENT_PASSWORD,
    SECOND_AGENT,
    INSTALL_HINT,
    RTServer,
    apt_unreachable_reason,
    rt_installed,
    start_rt,
)

pytestmark = pytest.mark.servers

CAROL = "Carol Customer <carol@customer.example>"


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTServer]:
    if not rt_installed():
        reason = apt_unreachable_reason()
        if reason:
            pytest.skip(
                "!!! WARNING: Request Tracker tests SKIPPED: apt could not reach the Debian archive to install "
                f"request-tracker5 ({reason.splitlines()[0]}) !!!"
            )
        pytest.fail(f"Request Tracker 5 is not installed; install it with:\n    {INSTALL_HINT}", pytrace=False)
    server = start_rt(tmp_path_factory.mktemp("rt"), timezone="America/New_York")
    try:
        yield server
    finally:
        server.stop()


def connect(server: RTServer, queues: tuple[str, ...] = ("Support", "Billing"), **settings: Any) -> RTConnector:
    merged = {**server.settings(queues), **settings}
    return open_connector("rt-test", merged, lambda key: server.secrets()[key])


@pytest.fixture
def connector(rt_server: RTServer) -> Iterator[RTConnector]:
    conn = connect(rt_server)
    yield conn
    conn.close()


def recent_cursor(conn: RTConnector, seconds: int = 60) -> dict[str, Any]:
    """A cursor as if everything older than ``seconds`` ago was already stored."""
    now = int(conn.client.server_now())
    return {"v": 1, "queues": conn.queues, "watermark": now - seconds - OVERLAP, "seen": {}, "deleted_after": 0}


def pull_one(conn: RTConnector, ticket_id: int) -> RemoteConversation:
    found, _, _ = pull_all(conn, recent_cursor(conn))
    assert str(ticket_id) in found, f"ticket {ticket_id} was not pulled"
    return found[str(ticket_id)]


def outgoing(ticket_id: int, body: str, *, written: datetime | None = None) -> OutgoingReply:
    message_id = make_msgid(domain="example.test").strip("<>")
    return OutgoingReply(
        op_id=str(uuid.uuid4()),
        conversation_remote_id=str(ticket_id),
        message_id=message_id,
        subject="Re: your ticket",
        body_text=body,
        to=(Address("carol@customer.example", "Carol Customer"),),
        date_text=format_datetime(written or datetime.now(timezone.utc)),
        extra={"marker": message_id},
    )


def mail_texts(raw: str) -> tuple[str, str]:
    """``(To header, all text/plain parts)`` of a message RT sent."""
    msg = email.message_from_string(raw)
    texts = [
        part.get_payload(decode=True).decode("utf-8", "replace")
        for part in msg.walk()
        if part.get_content_type() == "text/plain"
    ]
    return str(msg.get("To", "")), "\n".join(texts)


# --------------------------------------------------------------------------- the shared contract

WRONG_TOKEN = "1-1-0123456789abcdef0123456789abcdef"


class RTTarget:
    """The contract's view of the real RT: seeding as the world does (mail from the
    customer, root through REST), reading back through RT's REST API as root."""

    threads_upstream = True
    resends_unchanged = False

    def __init__(self, server: RTServer) -> None:
        self.server = server
        self.opened: list[Connector] = []

    def connector(self) -> Connector:
        conn = connect(self.server)
        self.opened.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.opened:
            conn.close()

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        return str(self.server.mail(customer_email, subject, body))

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.server.mail(self.server.ticket(remote_id)["Requestor"][0]["id"], "More", body, ticket_id=int(remote_id))

    def settle(self) -> None:
        time.sleep(SETTLE + 1)  # LastUpdated has whole seconds; see connectors.rt.pull

    def upstream_state(self, remote_id: str) -> UpstreamView:
        ticket = self.server.ticket(remote_id)
        requestors = {r["id"] for r in ticket.get("Requestor") or ()}
        texts = [h for h in self.server.history(remote_id) if "text" in h]
        by = {"replies": [], "notes": [], "customer": []}  # type: dict[str, list[str]]
        for item in texts:
            author = item["Creator"]["id"]
            if item["Type"] == "Comment":
                by["notes"].append(item["text"])
            elif author in requestors:
                by["customer"].append(item["text"])
            elif self.server.rest("GET", f"/user/{author}").get("Privileged"):
                by["replies"].append(item["text"])
        tags = next((cf["values"] for cf in ticket.get("CustomFields") or () if cf["name"] == "Tags"), [])
        owner = ticket["Owner"]["id"]
        return UpstreamView(
            status=STATUS_MAP.get(ticket["Status"], Status.OPEN),
            raw_status=ticket["Status"],
            tags=frozenset(tags),
            assignee="" if owner == "Nobody" else owner,
            replies=tuple(by["replies"]),
            notes=tuple(by["notes"]),
            customer_messages=tuple(by["customer"]),
        )

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        ticket = self.server.ticket(remote_id)
        tags = next((cf["values"] for cf in ticket.get("CustomFields") or () if cf["name"] == "Tags"), [])
        self.server.update(int(remote_id), CustomFields={"Tags": [*tags, tag]})

    def assignee(self) -> str:
        return SECOND_AGENT

    def break_auth(self) -> Connector:
        conn = open_connector("rt-broken", self.server.settings(), lambda key: WRONG_TOKEN)
        self.opened.append(conn)
        return conn

    def secrets(self) -> list[str]:
        return [self.server.agent_token, WRONG_TOKEN, AGENT_PASSWORD]

    def missing_remote_id(self) -> str:
        return "999999"


class TestRTContract(ContractSuite):
    @pytest.fixture
    def target(self, rt_server: RTServer) -> Iterator[RTTarget]:
        target = RTTarget(rt_server)
        yield target
        target.close()


# --------------------------------------------------------------------------- who wrote what


def test_requestor_is_the_customer_and_their_mail_is_inbound(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Cannot log in", "Hello, I cannot log in.")
    rt_server.correspond(tid, "Have you tried resetting your password?")  # root: privileged
    rt_server.mail(CAROL, "Re: Cannot log in", "Still broken.", ticket_id=tid)

    conv = pull_one(connector, tid)

    assert conv.customer == Address("carol@customer.example", "Carol Customer")
    assert [(m.direction, m.body_text) for m in conv.messages] == [
        (Direction.IN, "Hello, I cannot log in."),
        (Direction.OUT, "Have you tried resetting your password?"),
        (Direction.IN, "Still broken."),
    ]
    first, answer, _ = conv.messages
    assert first.sender == Address("carol@customer.example", "Carol Customer") and not first.author_is_agent
    assert answer.author_is_agent and answer.to == (Address("carol@customer.example", "Carol Customer"),)
    assert all(m.thread_remote_id == str(tid) for m in conv.messages)
    assert conv.subject == "Cannot log in" and conv.raw_status == "open" and conv.status is Status.OPEN


def test_unprivileged_writer_who_is_not_the_requestor_is_inbound(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Invoice missing", "Where is my invoice?", queue="Billing")
    rt_server.mail("Dan Colleague <dan@customer.example>", "Re: Invoice missing", "Same here.", ticket_id=tid)

    conv = pull_one(connector, tid)

    assert [(m.direction, m.sender.email) for m in conv.messages] == [
        (Direction.IN, "carol@customer.example"),
        (Direction.IN, "dan@customer.example"),
    ]


def test_ticket_opened_by_an_agent_starts_with_an_outbound_message(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.create_ticket("Your renewal", "Your plan renews next week.", requestor="erin@customer.example")

    conv = pull_one(connector, tid)

    assert conv.customer.email == "erin@customer.example"
    assert [(m.direction, m.sender.name) for m in conv.messages] == [(Direction.OUT, "Enoch Root")]


# --------------------------------------------------------------------------- correspond vs comment


def test_reply_reaches_the_customer_and_a_note_does_not(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Router blinking", "The router blinks red.")
    sent_before = len(rt_server.outgoing_mail())

    reply = connector.send_reply(outgoing(tid, "Please restart the router."))
    note = connector.add_note(str(tid), "Internal: she is on the legacy plan.", "op-note-1")

    mailed = [mail_texts(raw) for raw in rt_server.outgoing_mail()[sent_before:]]
    assert any("carol@customer.example" in to and "Please restart the router." in text for to, text in mailed)
    assert not any("legacy plan" in text for _, text in mailed)
    history = rt_server.history(tid)
    written = [(h["Type"], h["Creator"]["id"], h.get("text", "").strip()) for h in history if "text" in h]
    assert ("Correspond", AGENT, "Please restart the router.") in written
    assert ("Comment", AGENT, "Internal: she is on the legacy plan.") in written
    ids = {h["Type"]: f"txn:{h['id']}" for h in history if h["Type"] in ("Correspond", "Comment")}
    assert reply.remote_id == ids["Correspond"] and note.remote_id == ids["Comment"]

    conv = pull_one(connector, tid)
    assert [(m.direction, m.body_text) for m in conv.messages][-1] == (Direction.OUT, "Please restart the router.")
    assert conv.messages[-1].remote_id == reply.remote_id and conv.messages[-1].sender.email == "agent@example.test"
    assert [(n.remote_id, n.body, n.author) for n in conv.notes] == [
        (note.remote_id, "Internal: she is on the legacy plan.", "Alice Agent")
    ]


def test_find_sent_recognises_the_reply_by_its_text_and_time(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Refund", "I want a refund.")
    reply = outgoing(tid, "Refund issued.\nIt takes 3 days.\n")
    assert connector.find_sent(reply) is None

    sent = connector.send_reply(reply)

    assert connector.find_sent(reply) == sent
    assert connector.find_sent(outgoing(tid, "Refund issued.")) is None  # other text
    later = outgoing(tid, "Refund issued.\nIt takes 3 days.\n", written=datetime.now(timezone.utc) + timedelta(hours=1))
    assert connector.find_sent(later) is None  # written after that correspondence happened


# --------------------------------------------------------------------------- incremental sync


def test_nothing_changed_costs_one_search_and_a_deletion_check(rt_server: RTServer, connector: RTConnector) -> None:
    rt_server.mail(CAROL, "Quiet", "Anyone there?")
    _, cursor, _ = pull_all(connector, recent_cursor(connector))
    time.sleep(SETTLE + 1)  # tickets read within SETTLE seconds of their change are read once more
    _, cursor, _ = pull_all(connector, cursor)
    before = connector.client.requests
    started = time.perf_counter()

    found, after, _ = pull_all(connector, cursor)

    assert found == {}
    assert connector.client.requests - before <= 2
    assert time.perf_counter() - started < 1.0
    assert after == cursor


@pytest.fixture
def quiet_queue(rt_server: RTServer) -> Iterator[RTConnector]:
    """A connector on a queue the other tests barely use: its pulls are fast enough to
    land inside the same second as an update, even on a busy machine."""
    conn = connect(rt_server, ("Other",))
    yield conn
    conn.close()


def test_ticket_updated_in_the_watermark_second_is_not_missed(rt_server: RTServer, quiet_queue: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Same second", "a", queue="Other")
    before = epoch(rt_server.ticket(tid)["LastUpdated"])
    time.sleep(1)  # the touch must get a newer stamp than the one the cursor knows
    rt_server.comment(tid, "touch")
    stamp = epoch(rt_server.ticket(tid)["LastUpdated"])
    assert before is not None and stamp is not None and stamp > before
    # what a pull that ran earlier in this very second left behind: the newest stamp it
    # saw is this second, and this ticket only with its previous stamp
    cursor = {"v": 1, "queues": ["Other"], "watermark": stamp, "seen": {str(tid): before}, "deleted_after": 0}

    found, _, _ = pull_all(quiet_queue, cursor)

    assert str(tid) in found and found[str(tid)].notes[-1].body == "touch"


def rt_clock(server: RTServer) -> float:
    return parsedate_to_datetime(server.http.get("/rt").headers["Date"]).timestamp()


def test_ticket_read_while_its_second_runs_is_read_again(rt_server: RTServer, quiet_queue: RTConnector) -> None:
    """A stamp read before its second is over can still be taken by another change."""
    tid = rt_server.mail(CAROL, "Twice", "t", queue="Other")
    for _attempt in range(20):
        rt_server.comment(tid, "first change")
        stamp = epoch(rt_server.ticket(tid)["LastUpdated"])
        assert stamp is not None
        if rt_clock(rt_server) + 1 >= stamp + SETTLE:
            continue  # too slow to pull within the unsettled window; try again
        found, cursor, _ = pull_all(quiet_queue, recent_cursor(quiet_queue))
        break
    else:
        pytest.fail("RT was too slow 20 times to read a ticket within 2 s of its change")
    assert epoch(found[str(tid)].version) == stamp
    assert cursor is not None and str(tid) not in cursor["seen"], "an unsettled stamp must not be trusted"

    rt_server.comment(tid, "second change")  # possibly within the very same second
    found, _, _ = pull_all(quiet_queue, cursor)

    assert found[str(tid)].notes[-1].body == "second change"


def test_overlap_rereads_a_change_that_committed_late(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Late commit", "x")
    stamp = epoch(rt_server.ticket(tid)["LastUpdated"])
    assert stamp is not None
    # the cursor already moved past this ticket's stamp without having seen it
    cursor = {"v": 1, "queues": connector.queues, "watermark": stamp + OVERLAP - 5, "seen": {}, "deleted_after": 0}

    found, after, _ = pull_all(connector, cursor)

    assert str(tid) in found
    assert after is not None and after["watermark"] >= cursor["watermark"]


def test_ticket_older_than_the_window_is_not_read_again(rt_server: RTServer, quiet_queue: RTConnector) -> None:
    """RT lists a few seconds before the window (the threshold's slack); those tickets were
    covered by earlier pulls and must not be read whole again on every pull."""
    tid = rt_server.mail(CAROL, "Below the window", "b", queue="Other")
    stamp = epoch(rt_server.ticket(tid)["LastUpdated"])
    assert stamp is not None
    cursor = {"v": 1, "queues": ["Other"], "watermark": stamp + OVERLAP + 3, "seen": {}, "deleted_after": 0}
    before = quiet_queue.client.requests

    found, _, _ = pull_all(quiet_queue, cursor)

    assert str(tid) not in found
    assert quiet_queue.client.requests - before <= 2  # the listing and the deletion check


def test_keyset_paging_reads_every_ticket_once(rt_server: RTServer) -> None:
    conn = connect(rt_server, ("Billing",))
    made = [rt_server.create_ticket(f"Paging {n}", "p", queue="Billing") for n in range(60)]
    try:
        batches = list(conn.pull(recent_cursor(conn), lambda ids: {}, lambda: False))
    finally:
        conn.close()

    pulled = [c.remote_id for b in batches for c in b.conversations]
    assert {str(t) for t in made} <= set(pulled)
    assert len(pulled) == len(set(pulled))
    assert max(len(b.conversations) for b in batches) <= 50


def test_deleted_ticket_arrives_closed(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Spam?", "Buy now")
    _, cursor, _ = pull_all(connector, recent_cursor(connector))

    rt_server.update(tid, Status="deleted")  # root: agents may not delete
    found, _, _ = pull_all(connector, cursor)

    assert found[str(tid)].status is Status.CLOSED and found[str(tid)].raw_status == "deleted"


def test_merged_ticket_folds_into_its_target(rt_server: RTServer, connector: RTConnector) -> None:
    source = rt_server.mail(CAROL, "Printer again", "The printer jams.")
    target = rt_server.mail(CAROL, "Printer", "The printer is slow.")
    _, cursor, _ = pull_all(connector, recent_cursor(connector))

    rt_server.update(source, MergeInto=target)
    found, _, _ = pull_all(connector, cursor)

    conv = found[str(target)]
    assert conv.merged_from == (str(source),)
    assert [m.body_text for m in conv.messages] == ["The printer jams.", "The printer is slow."]
    assert all(m.thread_remote_id == str(target) for m in conv.messages)


def test_absolute_dates_are_read_in_rts_timezone(rt_server: RTServer, connector: RTConnector) -> None:
    """The trap the relative query avoids: RT shifts even a date that says it is UTC."""
    tid = rt_server.mail(CAROL, "Timezone", "tz")
    stamp = rt_server.ticket(tid)["LastUpdated"]  # "...Z": UTC
    utc_wall = stamp.replace("T", " ").replace("Z", "")

    data = rt_server.rest("GET", "/tickets", params={"query": f"id = {tid} AND LastUpdated >= '{utc_wall}'"})

    assert data["items"] == []  # read as New York time: five hours later than meant
    assert str(tid) in pull_all(connector, recent_cursor(connector))[0]


# --------------------------------------------------------------------------- content


def test_ticket_with_many_transactions(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Long story", "Part 0")
    for n in range(1, 121):
        if n % 3:
            rt_server.comment(tid, f"note {n}")
        else:
            rt_server.correspond(tid, f"answer {n}")

    conv = pull_one(connector, tid)

    assert len(conv.messages) + len(conv.notes) == 121
    assert [m.body_text for m in conv.messages][:3] == ["Part 0", "answer 3", "answer 6"]
    assert conv.notes[-1].body == "note 119" and len(conv.notes) == 80


def test_html_only_mail_becomes_plain_text(rt_server: RTServer, connector: RTConnector) -> None:
    html = "<html><head><style>p{}</style></head><body><p>Hello <b>team</b>,</p><p>see <a href='https://x.example/a'>this</a><br>thanks</p><script>alert(1)</script></body></html>"
    tid = rt_server.mail(CAROL, "HTML only", "", html=html)

    message = pull_one(connector, tid).messages[0]

    assert message.body_text == "Hello team,\n\nsee this (https://x.example/a)\nthanks"


def test_multipart_mail_uses_its_plain_part(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Both", "plain words", html="<p>html words</p>")

    assert pull_one(connector, tid).messages[0].body_text == "plain words"


def test_html_correspondence_from_an_agent(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Agent html", "hi")
    rt_server.correspond(tid, "<p>Dear Carol,</p><ul><li>one</li><li>two</li></ul>", content_type="text/html")

    message = pull_one(connector, tid).messages[-1]

    assert message.direction is Direction.OUT
    assert message.body_text == "Dear Carol,\n\n- one\n\n- two"


def test_hostile_text_is_cleaned(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Evil \x1b[31m subject", "body \x1b]0;pwned\x07 end")

    conv = pull_one(connector, tid)

    assert "\x1b" not in conv.subject and "\x1b" not in conv.messages[0].body_text
    assert "\x07" not in conv.messages[0].body_text


def test_unknown_status_is_open_with_the_raw_value_and_a_problem(rt_server: RTServer) -> None:
    tid = rt_server.create_ticket("Waiting on the vendor", "w", queue="Vendor")
    rt_server.update(tid, Status="waiting-on-vendor")
    conn = connect(rt_server, ("Vendor",))
    try:
        found, _, problems = pull_all(conn, recent_cursor(conn))
    finally:
        conn.close()

    conv = found[str(tid)]
    assert (conv.status, conv.raw_status) == (Status.OPEN, "waiting-on-vendor")
    assert any(f"ticket {tid}" in p and "waiting-on-vendor" in p for p in problems)


# --------------------------------------------------------------------------- ticket fields


def test_status_owner_and_version_round_trip(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Fields", "f")
    version = connector.current_version(str(tid))

    connector.set_status(str(tid), Status.PENDING)
    assert rt_server.ticket(tid)["Status"] == "stalled"
    connector.assign(str(tid), "bob")
    assert rt_server.ticket(tid)["Owner"]["id"] == "bob"
    connector.set_status(str(tid), Status.CLOSED)
    assert rt_server.ticket(tid)["Status"] == "resolved"
    connector.assign(str(tid), "")
    assert rt_server.ticket(tid)["Owner"]["id"] == "Nobody"

    conv = pull_one(connector, tid)
    assert (conv.status, conv.raw_status, conv.assignee) == (Status.CLOSED, "resolved", "")
    assert connector.current_version(str(tid)) == conv.version >= version


def test_tags_keep_values_added_upstream_meanwhile(rt_server: RTServer, connector: RTConnector) -> None:
    tid = rt_server.mail(CAROL, "Tags", "t")
    assert connector.capabilities.tags
    connector.set_tags(str(tid), ["vip"], [])
    rt_server.update(tid, CustomFields={"Tags": ["vip", "added-upstream"]})

    result = connector.set_tags(str(tid), ["billing"], ["vip"])

    assert sorted(result) == ["added-upstream", "billing"]
    values = next(cf["values"] for cf in rt_server.ticket(tid)["CustomFields"] if cf["name"] == "Tags")
    assert sorted(values) == ["added-upstream", "billing"]
    assert sorted(pull_one(connector, tid).tags) == ["added-upstream", "billing"]


def test_queues_without_a_tags_field_have_no_tagging(rt_server: RTServer) -> None:
    conn = connect(rt_server, ("Other",))
    try:
        assert conn.capabilities.tags is False and not isinstance(conn, Tagger)
        tid = rt_server.create_ticket("No tags here", "n", queue="Other")
        found, _, _ = pull_all(conn, recent_cursor(conn))
        assert found[str(tid)].tags is None  # "unknown": the store keeps the local tags
    finally:
        conn.close()


def test_unknown_queue_is_a_config_error(rt_server: RTServer) -> None:
    with pytest.raises(ConfigError, match="Nope"):
        connect(rt_server, ("Support", "Nope"))


def test_missing_ticket_is_not_found(connector: RTConnector) -> None:
    for call in (
        lambda: connector.send_reply(outgoing(999999, "hello")),
        lambda: connector.add_note("999999", "n", "op"),
        lambda: connector.set_status("999999", Status.CLOSED),
        lambda: connector.assign("999999", "bob"),
        lambda: connector.current_version("999999"),
        lambda: connector.current_version("../queue/1"),
    ):
        with pytest.raises(NotFound):
            call()


# --------------------------------------------------------------------------- the whole app


def test_agent_work_goes_through_the_outbox_to_rt_and_comes_back_once(rt_server: RTServer, tmp_path: Path) -> None:
    """Store + service + sync engine, as the TUI drives them, against the real RT."""
    paths.set_home(tmp_path)
    try:
        config = AppConfig(
            path=tmp_path / "config.toml",
            agent_name="Alice Agent",
            accounts={"rt": AccountConfig("rt", "rt", rt_server.settings(("Support",)))},
        )
        service = InboxService(Store(paths.db_path()), config, {"rt": REGISTRY["rt"].upstream})
        engine = SyncEngine(service.store, ["rt"], lambda name: connect(rt_server, ("Support",)))
        tid = rt_server.mail(CAROL, "Whole app", "My invoice is wrong.")
        time.sleep(SETTLE + 1)
        assert not engine.run().offline
        conv = service.store.conversation_by_remote("rt", str(tid))
        assert conv is not None and conv.customer.email == "carol@customer.example"

        service.reply(conv.id, "We will correct the invoice today.")
        service.add_note(conv.id, "Finance: credit note 4711")
        service.set_status(conv.id, Status.PENDING)
        service.set_tags(conv.id, add=["billing"])
        service.assign(conv.id, SECOND_AGENT)
        summary = engine.run()

        assert (summary.sent, summary.failed, summary.conflicts, summary.offline) == (5, 0, 0, [])
        view = RTTarget(rt_server).upstream_state(str(tid))
        assert view.replies == ("We will correct the invoice today.",)
        assert view.notes == ("Finance: credit note 4711",)
        assert (view.raw_status, view.tags, view.assignee) == ("stalled", frozenset({"billing"}), SECOND_AGENT)

        time.sleep(SETTLE + 1)
        engine.run()  # our own changes come back from RT: matched, not doubled
        detail = service.conversation(conv.id)
        assert [(m.direction, m.body_text) for m in detail.messages] == [
            (Direction.IN, "My invoice is wrong."),
            (Direction.OUT, "We will correct the invoice today."),
        ]
        assert [n.body for n in detail.notes] == ["Finance: credit note 4711"]
        assert all(m.remote_id for m in detail.messages) and all(n.remote_id for n in detail.notes)
        after = detail.conversation
        assert (after.status, after.raw_status, after.tags, after.assignee) == (Status.PENDING, "stalled", ("billing",), SECOND_AGENT)
    finally:
        paths.set_home(None)


# --------------------------------------------------------------------------- auth and bad answers


def test_basic_auth_with_user_and_password(rt_server: RTServer) -> None:
    settings = {"url": rt_server.url, "queues": ["Support"], "user": AGENT, "password": {"env": "RT_PASSWORD"}}
    conn = open_connector("rt-basic", settings, lambda key: {"password": AGENT_PASSWORD}[key])
    try:
        tid = rt_server.mail(CAROL, "Basic auth", "b")
        found, _, _ = pull_all(conn, recent_cursor(conn))
        assert str(tid) in found
    finally:
        conn.close()


def test_wrong_token_is_an_auth_error(rt_server: RTServer) -> None:
    conn = open_connector("rt-bad", rt_server.settings(), lambda key: "1-1-0123456789abcdef0123456789abcdef")
    try:
        with pytest.raises(AuthError):
            list(conn.pull(None, lambda ids: {}, lambda: False))
    finally:
        conn.close()


def test_wrong_url_is_a_transport_error_naming_it(rt_server: RTServer) -> None:
    wrong = {**rt_server.settings(), "url": f"http://127.0.0.1:{rt_server.port}/rt/NoAuth"}  # RT's HTML 404 page
    with pytest.raises(TransportError, match="REST 2.0"):
        conn = open_connector("rt-wrong", wrong, lambda key: rt_server.secrets()[key])
        try:
            list(conn.pull(None, lambda ids: {}, lambda: False))
        finally:
            conn.close()


class _LoginPage(BaseHTTPRequestHandler):
    """What a single-sign-on proxy in front of RT answers: 200 and an HTML form."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_web_page_instead_of_json_is_a_transport_error() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = {"url": f"http://127.0.0.1:{server.server_address[1]}/rt", "queues": ["Support"], "token": {"env": "T"}}
    conn = open_connector("rt-sso", settings, lambda key: "token")
    try:
        with pytest.raises(TransportError, match="HTML instead of JSON"):
            list(conn.pull(None, lambda ids: {}, lambda: False))
    finally:
        conn.close()
        server.shutdown()
        server.server_close()
        thread.join()

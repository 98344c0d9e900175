"""Network faults between ``inbox sync`` (a real child process) and the Zendesk contract
server: down at start, connections dropped mid-fetch and mid-send, answers slower than
the timeout, 429 storms, 5xx bursts. After each: a clear state (sent / queued / offline
with a reason), exactly one copy upstream once the network is back, whole conversations
only, and the next sync resumes from its cursor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inbox_tui import bootstrap, paths
from tests.faults.homes import Home, outbox, sync
from tests.faults.targets import ZendeskTarget
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.servers

TICKETS = 12


class Env:
    """One server and one synced home for the module (each test answers its own ticket)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.used = 0
        self.target = ZendeskTarget()
        self.port = free_port()
        self.target.start(TICKETS)
        self.target.server.stop()  # again on a port of our choosing, so it can go away and come back
        self.target.server = self.target.state.serve(self.port)
        self.home = Home.create(
            tmp_path / "home", "zd", self.target.account_table(timeout=1.5) + "export_page = 2\n"
        )

    @property
    def state(self) -> Any:
        return self.target.state

    def fresh_home(self, name: str) -> Home:
        self.state.advance(120)  # replies of earlier tests leave the export's held-back last minute
        return Home.create(self.tmp_path / name, "zd", self.target.account_table(timeout=1.5) + "export_page = 2\n")

    def reply(self, body: str) -> dict[str, Any]:
        service = bootstrap.build_service(self.home.path)
        self.used += 1
        try:
            cid = sorted(service.queue_ids("open"))[self.used - 1]
            return service.reply(cid, body).payload
        finally:
            service.store.close()
            paths.set_home(None)

    def note(self, body: str) -> tuple[int, str]:
        """An internal note on the next unused ticket; returns the conversation's local and
        remote ids."""
        service = bootstrap.build_service(self.home.path)
        self.used += 1
        try:
            cid = sorted(service.queue_ids("open"))[self.used - 1]
            service.add_note(cid, body)
            conv = service.store.conversation(cid)
            assert conv is not None
            return cid, conv.remote_id
        finally:
            service.store.close()
            paths.set_home(None)

    def note_state(self, conversation_id: int) -> str:
        (op,) = [o for o in outbox(self.home) if o["kind"] == "note" and o["conversation_id"] == conversation_id]
        return str(op["state"])

    def copies(self, payload: dict[str, Any]) -> int:
        return self.target.copies(payload)

    def op_state(self, payload: dict[str, Any]) -> str:
        (op,) = [o for o in outbox(self.home) if o["id"] == payload["op_id"]]
        return str(op["state"])

    def stored(self, home: Home) -> dict[str, int]:
        """Stored messages and internal notes per ticket id (Zendesk's comments, both kinds)."""
        con = home.connect()
        try:
            rows = con.execute(
                "SELECT c.remote_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
                " + (SELECT count(*) FROM notes n WHERE n.conversation_id = c.id AND n.local_only = 0)"
                " FROM conversations c"
            ).fetchall()
            return {r[0]: r[1] for r in rows}
        finally:
            con.close()

    def assert_whole(self, home: Home) -> None:
        for remote_id, count in self.stored(home).items():
            assert count == len(self.state.tickets[int(remote_id)].comments), f"ticket {remote_id} stored partially"


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    environment = Env(tmp_path_factory.mktemp("zendesk-faults"))
    try:
        assert sync(environment.home)[0] == 0
        yield environment
    finally:
        environment.target.stop()


@pytest.fixture
def env(module_env: Env) -> Iterator[Env]:
    module_env.state.clear_faults()
    yield module_env
    module_env.state.clear_faults()
    module_env.state.on_request = None


def test_server_down_at_start_keeps_everything_queued_then_flushes_once(env: Env) -> None:
    payload = env.reply("Down at start: your refund is on its way.")
    env.target.server.stop()

    code, summary = sync(env.home)
    assert code == 1 and summary["offline"] == ["zd"] and summary["sent"] == 0
    assert env.op_state(payload) == "pending"  # nothing left: no attempt is spent, nothing marked failed
    status = env.home.run("outbox")
    assert "pending" in status.stdout

    env.target.server = env.state.serve(env.port)
    code, summary = sync(env.home)
    assert (code, summary["sent"], summary["offline"]) == (0, 1, [])
    assert env.op_state(payload) == "sent" and env.copies(payload) == 1


def test_connection_dropped_mid_fetch_stores_whole_tickets_and_resumes_from_the_cursor(env: Env) -> None:
    exports: list[dict[str, str]] = []

    def after_request(req: Any) -> None:
        if req.path.endswith("/incremental/tickets/cursor.json"):
            exports.append({k: v[-1] for k, v in req.query.items()})
            if len(exports) == 2:  # the second page's comments will not come
                env.state.fault("drop", "/comments", times=8)

    env.state.on_request = after_request
    home = env.fresh_home("mid-fetch")
    code, summary = sync(home)
    # the ticket whose comments did not come is left out whole and named; the rest is stored
    assert summary["offline"] == ["zd"] or any("will be read again" in p for p in summary["problems"]), summary
    assert 0 < len(env.stored(home)) < TICKETS
    env.assert_whole(home)

    env.state.clear_faults()
    before = len(exports)
    code, _ = sync(home)
    assert code == 0 and len(env.stored(home)) == TICKETS
    env.assert_whole(home)
    assert "cursor" in exports[before], f"the second sync started over: {exports[before]}"


@pytest.mark.parametrize("fault", ["drop-after", "drop", "503-after"])
def test_connection_dropped_mid_send_ends_with_exactly_one_copy(env: Env, fault: str) -> None:
    payload = env.reply(f"Mid-send {fault}: the courier comes tomorrow.")
    env.state.fault(fault, "/tickets/", method="PUT")

    code, summary = sync(env.home)
    state = env.op_state(payload)
    assert state in ("sending", "sent", "failed"), state  # a clear, resumable state
    code, summary = sync(env.home)
    assert env.op_state(payload) == "sent"
    assert env.copies(payload) == 1


@pytest.mark.parametrize("fault", ["drop-after", "drop", "503-after"])
def test_a_note_cut_off_mid_send_is_looked_up_upstream_and_ends_as_one_copy(env: Env, fault: str) -> None:
    body = f"Mid-send {fault}: finance approved the refund."
    cid, ticket = env.note(body)
    env.state.fault(fault, "/tickets/", method="PUT")

    sync(env.home)
    assert env.note_state(cid) in ("sending", "sent", "failed")
    env.state.clear_faults()
    sync(env.home)
    # not "unconfirmed": Zendesk can tell whether the note arrived, so the agent is not asked
    assert env.note_state(cid) == "sent"
    assert env.copies({"conversation_remote_id": ticket, "body_text": body}) == 1


def test_answer_slower_than_the_timeout_is_looked_up_not_resent(env: Env) -> None:
    payload = env.reply("Slow server: we have re-sent the invoice.")
    env.state.slow(3.0, "/tickets/", times=1)  # longer than timeout = 1.5 s; the server still applies it
    env.state.faults[-1].method = "PUT"

    sync(env.home)
    assert env.op_state(payload) in ("sending", "sent")
    import time

    time.sleep(2.0)  # the slow request lands upstream meanwhile
    sync(env.home)
    assert env.op_state(payload) == "sent" and env.copies(payload) == 1


def test_429_storm_is_waited_out_and_retry_after_is_respected(env: Env) -> None:
    payload = env.reply("Rate limited: your exchange is approved.")
    env.state.storm(6, retry_after=0.4)
    code, summary = sync(env.home)
    assert (code, summary["sent"], summary["offline"]) == (0, 1, [])
    assert env.copies(payload) == 1
    log = list(env.state.log)
    for index, entry in enumerate(log[:-1]):
        if entry.status == 429:
            assert log[index + 1].at >= entry.at + 0.4 - 0.01, "a request came before Retry-After elapsed"


def test_5xx_burst_during_pull_and_push_ends_clean(env: Env) -> None:
    env.state.burst(2, "/incremental/")
    home = env.fresh_home("burst")
    code, _ = sync(home)
    assert code == 0 and len(env.stored(home)) == TICKETS
    env.assert_whole(home)
    payload = env.reply("5xx burst: we will call you back.")
    env.state.fault("503", "/tickets/", times=1, method="PUT")
    for _ in range(2):  # a 503 on a send is ambiguous: looked up, then sent again
        sync(env.home)
        if env.op_state(payload) == "sent":
            break
    assert env.op_state(payload) == "sent" and env.copies(payload) == 1


def test_customer_writing_between_pull_and_push_turns_the_reply_into_a_conflict(env: Env) -> None:
    """The export holds back the last minute, so the pull cannot show this message yet; the
    pre-send re-read of the ticket's version does, and nothing is sent blindly."""
    payload = env.reply("Traffic cop: a replacement is on its way.")
    env.state.customer_writes(int(payload["conversation_remote_id"]), "Actually it just arrived, thanks!")
    code, summary = sync(env.home)
    assert summary["conflicts"] == 1 and summary["sent"] == 0
    assert env.op_state(payload) == "conflict" and env.copies(payload) == 0


def test_several_operations_on_one_ticket_are_not_mistaken_for_news(env: Env) -> None:
    from inbox_tui.model import Status

    payload = env.reply("One ticket, three changes: reply first.")
    service = bootstrap.build_service(env.home.path)
    try:
        cid = service.store.operation(payload["op_id"]).conversation_id
        service.set_status(cid, Status.PENDING)
        service.set_tags(cid, add=["replacement"])
    finally:
        service.store.close()
        paths.set_home(None)
    code, summary = sync(env.home)
    assert (summary["sent"], summary["conflicts"]) == (3, 0), summary
    ticket = env.state.tickets[int(payload["conversation_remote_id"])]
    assert (ticket.status, "replacement" in ticket.tags, env.copies(payload)) == ("pending", True, 1)

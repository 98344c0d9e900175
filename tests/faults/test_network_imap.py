"""Network faults between ``inbox sync`` (a real child process) and a real Dovecot + SMTP
sink: IMAP down at start, the IMAP connection cut mid-FETCH (a proxy), SMTP refusing,
dropping or hanging past the timeout mid-send. The end state is always clear — sent once,
queued for a retry, or ``unconfirmed`` when SMTP may have taken the reply — and never a
second copy in the customer's INBOX."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inbox_tui import bootstrap, paths
from tests.connectors.imap.faulty_proxy import FaultyProxy
from tests.faults.homes import Home, outbox, sync
from tests.faults.targets import ImapTarget
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.servers

MAILS = 8
TIMEOUT = 2.0


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.target = ImapTarget(hang_seconds=TIMEOUT + 2)
        self.target.start(MAILS)
        self.home = self.make_home("home")
        self.used = 0

    def make_home(self, name: str, port: int | None = None) -> Home:
        return Home.create(self.tmp_path / name, "mail", self.target.account_table(timeout=TIMEOUT, port=port))

    def point_at(self, home: Home, port: int | None) -> None:
        Home.create(home.path, "mail", self.target.account_table(timeout=TIMEOUT, port=port))

    def reply(self, body: str) -> dict[str, Any]:
        service = bootstrap.build_service(self.home.path)
        self.used += 1
        try:
            cid = sorted(service.queue_ids("open"))[self.used - 1]
            return service.reply(cid, body).payload
        finally:
            service.store.close()
            paths.set_home(None)

    def op_state(self, payload: dict[str, Any]) -> str:
        (op,) = [o for o in outbox(self.home) if o["id"] == payload["op_id"]]
        return str(op["state"])

    def bodies(self, home: Home) -> list[str]:
        con = home.connect()
        try:
            return [r[0] for r in con.execute("SELECT body_text FROM messages WHERE direction = 'in'")]
        finally:
            con.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    environment = Env(tmp_path_factory.mktemp("imap-faults"))
    try:
        assert sync(environment.home)[0] == 0
        yield environment
    finally:
        environment.target.stop()


def test_imap_down_at_start_keeps_the_reply_queued_then_sends_it_once(env: Env) -> None:
    payload = env.reply("IMAP down: your parcel was re-routed.")
    env.point_at(env.home, free_port())  # nothing listens there
    code, summary = sync(env.home)
    assert code == 1 and summary["offline"] == ["mail"] and summary["sent"] == 0
    assert env.op_state(payload) == "pending"
    assert env.target.copies(payload) == 0

    env.point_at(env.home, None)
    code, summary = sync(env.home)
    assert (code, summary["sent"]) == (0, 1)
    assert env.op_state(payload) == "sent" and env.target.copies(payload) == 1


def test_connection_cut_mid_fetch_stores_whole_messages_and_the_next_sync_completes(env: Env) -> None:
    proxy = FaultyProxy(env.target.dovecot.port, cut_after_literals=3, cut_marker=b"is late", refuse_after_cut=True)
    proxy.start()
    try:
        home = env.make_home("cut", port=proxy.port)
        code, summary = sync(home)
        assert proxy.cuts == 1
        assert summary["offline"] == ["mail"] or summary["problems"], summary
        first = env.bodies(home)
        assert len(first) < MAILS and all("is late. Where is it?" in b for b in first)
    finally:
        proxy.stop()
    env.point_at(home, None)
    code, summary = sync(home)
    assert code == 0 and summary["pulled"] == MAILS - len(first)
    bodies = env.bodies(home)
    assert len(bodies) == MAILS and all("is late. Where is it?" in b for b in bodies)


def test_smtp_temporary_refusal_is_retried_and_sent_once(env: Env) -> None:
    payload = env.reply("451 first: we refunded the shipping.")
    env.target.sink.fault("451")
    sync(env.home)
    assert env.op_state(payload) in ("failed", "pending")  # certainly not sent: free to retry
    assert env.target.copies(payload) == 0
    sync(env.home)
    assert env.op_state(payload) == "sent" and env.target.copies(payload) == 1


@pytest.mark.parametrize("fault", ["drop-after", "drop", "hang-after"])
def test_smtp_lost_mid_send_is_never_sent_twice(env: Env, fault: str) -> None:
    """The connection goes after the data (delivered or not; ``hang-after`` answers only
    after the timeout): the app cannot know, so the reply waits as ``unconfirmed`` unless
    upstream proves it went out — and is never sent blindly again."""
    payload = env.reply(f"SMTP {fault}: a voucher is attached.")
    env.target.sink.fault(fault)
    sync(env.home)
    sync(env.home)
    state = env.op_state(payload)
    copies = env.target.copies(payload)
    assert copies <= 1
    assert state == "unconfirmed" or (state == "sent" and copies == 1), (state, copies)

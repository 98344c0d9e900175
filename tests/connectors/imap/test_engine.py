"""The IMAP account as the app runs it: config.toml → bootstrap → store + service → SyncEngine,
against the private Dovecot and an SMTP sink that delivers into it over LMTP.

Everything upstream is checked with ``doveadm`` (the server's own view), never through the
connector under test.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.base import OutgoingReply, Replier
from inbox_tui import bootstrap, paths
from inbox_tui.model import Direction, OpState
from inbox_tui.service import InboxService
from inbox_tui.sync import SyncEngine, SyncSummary
from tests.connectors.imap.helpers import PASSWORD, Mailbox, mail
from tests.servers.smtp_sink import SmtpSink

ACCOUNT = "support"


@dataclass
class App:
    service: InboxService
    engine: SyncEngine
    mailbox: Mailbox
    customer: Mailbox
    sink: SmtpSink

    def sync(self) -> SyncSummary:
        summary = self.engine.run()
        assert not summary.offline, summary.problems
        return summary

    def conversation_id(self, subject: str) -> int:
        rows = self.service.store.query("SELECT id FROM conversations WHERE subject = ?", (subject,))
        assert len(rows) == 1, f"{len(rows)} conversations named {subject!r}"
        return int(rows[0]["id"])

    def customer_writes(self, subject: str, body: str = "My order #1234 never arrived.", **headers: str) -> str:
        raw = mail(subject, body, sender=f"Jane Customer <{self.customer.address}>", headers=headers)
        self.mailbox.deliver(raw)
        return email.message_from_bytes(raw)["Message-ID"].strip("<>")

    def open_connector(self) -> Replier:
        connector = bootstrap.connector_opener(self.service.config)(ACCOUNT)
        assert isinstance(connector, Replier)
        return connector


def write_config(home: Path, mailbox: Mailbox, sink: SmtpSink) -> None:
    secret = home / "imap-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    (home / "config.toml").write_text(
        f"""
[app]
agent_name = "Alice Agent"

[accounts.{ACCOUNT}]
connector = "imap"
host = "127.0.0.1"
port = {mailbox.server.port}
tls = "none"
user = "{mailbox.user}"
password = {{ command = "cat {secret}" }}
from = "Support Team <{mailbox.address}>"
folders = ["INBOX", "Sent"]
smtp_host = "127.0.0.1"
smtp_port = {sink.port}
smtp_tls = "none"
timeout = 10
""",
        encoding="utf-8",
    )


@pytest.fixture
def app(tmp_path: Path, mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> Iterator[App]:
    home = tmp_path / "home"
    home.mkdir()
    write_config(home, mailbox, sink)
    service = bootstrap.build_service(home)
    try:
        config = service.config
        assert config.accounts[ACCOUNT].connector == "imap"
        engine = SyncEngine(service.store, [ACCOUNT], bootstrap.connector_opener(config))
        yield App(service, engine, mailbox, customer, sink)
    finally:
        service.store.close()
        paths.set_home(None)


def delivered_to_customer(app: App, message_id: str) -> email.message.EmailMessage:
    server, user = app.customer.server, app.customer.user
    uids = server.search_header(user, "INBOX", "Message-ID", f"<{message_id}>")
    assert len(uids) == 1, f"the customer got {len(uids)} copies"
    return email.message_from_bytes(server.fetch_raw(user, "INBOX", uids[0]), policy=email.policy.default)  # type: ignore[return-value]


def sent_flags(app: App, message_id: str) -> list[set[str]]:
    server, user = app.mailbox.server, app.mailbox.user
    return [server.flags(user, "Sent", uid) for uid in server.search_header(user, "Sent", "Message-ID", f"<{message_id}>")]


# --------------------------------------------------------------------------- the happy path


def test_first_sync_then_a_reply_goes_out_threaded_filed_and_answered(app: App) -> None:
    earlier = app.customer_writes("Parcel lost", "Where is my parcel?")
    parent_id = app.customer_writes("Re: Parcel lost", "Still nothing, order #1234.", **{"In-Reply-To": f"<{earlier}>", "References": f"<{earlier}>"})
    app.customer_writes("Invoice copy", "Please send the invoice again.")

    first = app.sync()
    assert first.pulled == 3 and not first.problems
    conv_id = app.conversation_id("Parcel lost")
    assert len(app.service.store.messages(conv_id)) == 2, "threaded by In-Reply-To/References"
    assert app.service.store.cursor(ACCOUNT), "the cursor was stored with the batches"

    op = app.service.reply(conv_id, "A new parcel left today.")
    pushed = app.sync()
    assert (pushed.sent, pushed.failed, pushed.conflicts, pushed.unconfirmed) == (1, 0, 0, 0)
    assert app.service.store.operation(op.id).state is OpState.SENT
    message_id = op.payload["message_id"]

    got = delivered_to_customer(app, message_id)  # SMTP → sink → LMTP → Dovecot
    assert got["In-Reply-To"] == f"<{parent_id}>"
    assert got["References"].split() == [f"<{earlier}>", f"<{parent_id}>"]
    assert got["Subject"] == "Re: Parcel lost"
    assert "A new parcel left today." in got.get_body(("plain",)).get_content()
    assert len(app.sink.received) == 1

    assert sent_flags(app, message_id) == [{"\\Seen"}], "filed in Sent once, the sending marker gone"
    server, user = app.mailbox.server, app.mailbox.user
    parent_uid = server.search_header(user, "INBOX", "Message-ID", f"<{parent_id}>")[0]
    assert "\\Answered" in server.flags(user, "INBOX", parent_uid)

    again = app.sync()  # the Sent copy and the \Answered flag come back: matched, not doubled
    assert again.pulled == 0 and again.sent == 0
    messages = app.service.store.messages(conv_id)
    assert [(m.direction, m.message_id) for m in messages][-1] == (Direction.OUT, message_id)
    assert len(messages) == 3
    assert all(m.remote_id for m in messages), "the local reply got the remote id of its Sent copy"
    parent = next(m for m in messages if m.message_id == parent_id)
    assert "answered" in app.service.store.known(ACCOUNT, [parent.remote_id])[parent.remote_id].split(",")
    assert len(app.sink.received) == 1, "nothing sent twice"


# --------------------------------------------------------------------------- interrupted sends


def _reply_left_sending(app: App, subject: str) -> tuple[str, OutgoingReply]:
    """A reply the engine marked ``sending`` before the process died."""
    app.customer_writes(subject)
    app.sync()
    op = app.service.reply(app.conversation_id(subject), f"About {subject}: sorted.")
    app.service.store.set_op_state(op.id, OpState.SENDING, attempt=True)
    return op.id, OutgoingReply.from_payload(op.payload)


def test_killed_after_the_send_is_marked_sent_from_the_sent_folder_not_resent(app: App) -> None:
    op_id, reply = _reply_left_sending(app, "Killed after send")
    connector = app.open_connector()
    try:
        connector.send_reply(reply)  # the attempt that went through before the kill
    finally:
        connector.close()  # type: ignore[attr-defined]
    assert len(app.sink.received) == 1

    summary = app.sync()
    assert (summary.sent, summary.unconfirmed, summary.failed) == (1, 0, 0)
    op = app.service.store.operation(op_id)
    assert op.state is OpState.SENT and op.remote_id.startswith("Sent/"), "find_sent named the Sent copy"
    assert len(app.sink.received) == 1, "not resent"
    assert sent_flags(app, reply.message_id) == [{"\\Seen"}]


def test_killed_before_anything_left_is_sent_exactly_once(app: App) -> None:
    op_id, reply = _reply_left_sending(app, "Killed before send")
    summary = app.sync()
    assert (summary.sent, summary.unconfirmed) == (1, 0)
    assert app.service.store.operation(op_id).state is OpState.SENT
    assert len(app.sink.received) == 1
    delivered_to_customer(app, reply.message_id)
    assert sent_flags(app, reply.message_id) == [{"\\Seen"}]


def test_lost_smtp_answer_is_unconfirmed_and_never_resent_blindly(app: App) -> None:
    app.customer_writes("Answer lost")
    app.sync()
    op = app.service.reply(app.conversation_id("Answer lost"), "On its way.")
    app.sink.fault("drop-after")  # delivered, then the connection drops before "250"
    first = app.engine.run()
    assert first.unconfirmed == 1 and app.service.store.operation(op.id).state is OpState.SENDING
    second = app.sync()
    state = app.service.store.operation(op.id)
    assert state.state is OpState.UNCONFIRMED and second.unconfirmed == 1, "only the agent can tell"
    assert len(app.sink.received) == 1, "the engine did not send it again on its own"

"""The Maildir connector against real Maildir trees on disk and a real send command
(``python -m connectors.mail.deliver``, a sendmail-compatible program that files mail)."""

from __future__ import annotations

import email
import os
import shlex
import sys
import time
import uuid
from collections.abc import Sequence
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors.base import Connector, OutgoingReply, ParentMessage
from connectors.mail import _maildir_io as io
from connectors.mail.maildir import MaildirConnector, open_connector
from inbox_tui.errors import ConfigError, TransportError, Unsupported
from inbox_tui.model import Direction, Status, reply_subject
from tests.connectors.contract import CUSTOMER, ContractSuite, MemoryStore, UpstreamView, sync

AGENT = "Support <help@shop.example>"


def mail(sender: str, subject: str, body: str, *, message_id: str = "", extra: str = "") -> bytes:
    message_id = message_id or make_msgid(domain="customer.example")
    return (
        f"From: {sender}\nTo: {AGENT}\nSubject: {subject}\nDate: {format_datetime(datetime.now(timezone.utc))}\n"
        f"Message-ID: {message_id}\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


class Box:
    """A Maildir++ tree (root = INBOX, ``.Sent``) and connectors over it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root
        self.sent = root / ".Sent"
        io.make_maildir(self.inbox)
        io.make_maildir(self.sent)

    def deliver(self, data: bytes, *, folder: Path | None = None, seen: bool = False) -> str:
        key, _ = io.deliver(folder or self.inbox, data, seen=seen)
        return key

    def settings(self, **extra: object) -> dict[str, object]:
        command = f"{shlex.quote(sys.executable)} -m connectors.mail.deliver {shlex.quote(str(self.sent))}"
        base: dict[str, object] = {
            "path": str(self.root),
            "from": AGENT,
            "send_command": command,
            "save_sent": False,
            "send_command_files_sent": True,
        }
        base.update(extra)
        return base

    def connector(self, **extra: object) -> MaildirConnector:
        return open_connector("box", self.settings(**extra), lambda key: pytest.fail(f"no secret expected ({key})"))

    def sent_messages(self) -> list[email.message.Message]:
        return [email.message_from_bytes(p.read_bytes()) for sub in ("new", "cur") for p in sorted((self.sent / sub).iterdir())]


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path / "mail")


def reply_to(box: Box, store: MemoryStore, subject: str, body: str) -> OutgoingReply:
    parent = next(m for m in store.messages.values() if m.subject == subject)
    op = str(uuid.uuid4())
    return OutgoingReply(
        op_id=op,
        conversation_remote_id=f"mail:{parent.message_id}",
        message_id=f"{op}@shop.example",
        subject=reply_subject(subject),
        body_text=body,
        to=(parent.sender,),
        in_reply_to=parent.message_id,
        references=(parent.message_id,),
        parent=ParentMessage(parent.remote_id, parent.message_id, (), parent.sender, "", parent.body_text, parent.folder),
    )


# --------------------------------------------------------------------------- the shared contract


class MaildirTarget:
    threads_upstream = False
    resends_unchanged = False

    def __init__(self, box: Box) -> None:
        self.box = box

    def connector(self) -> Connector:
        return self.box.connector()

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        message_id = make_msgid(domain="customer.example")
        self.box.deliver(mail(f"Customer <{customer_email}>", subject, body, message_id=message_id))
        return f"mail:{message_id.strip('<>')}"

    def customer_writes(self, remote_id: str, body: str) -> None:
        parent = remote_id.removeprefix("mail:")
        self.box.deliver(mail(f"Customer <{CUSTOMER}>", "Re: more", body, extra=f"In-Reply-To: <{parent}>\n"))

    def settle(self) -> None:
        time.sleep(0.01)  # a directory's mtime must move for the no-change shortcut to notice

    def upstream_state(self, remote_id: str) -> UpstreamView:
        replies = tuple(m.get_payload(decode=True).decode() for m in self.box.sent_messages())
        return UpstreamView(status=Status.OPEN, raw_status="", replies=replies)

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        raise AssertionError("mail has no upstream tags here")

    def assignee(self) -> str:
        return ""

    def break_auth(self) -> Connector:
        raise AssertionError("a Maildir has no credentials")

    def secrets(self) -> Sequence[str]:
        return ()

    def missing_remote_id(self) -> str:
        return "mail:nobody@nowhere"


class TestMaildirContract(ContractSuite):
    @pytest.fixture
    def target(self, box: Box) -> MaildirTarget:
        return MaildirTarget(box)

    def test_not_found(self, target: MaildirTarget) -> None:  # type: ignore[override]
        """Mail has no upstream conversation to miss: marking a vanished message read is a
        no-op, not an error, and never creates a file."""
        connector = target.box.connector()
        before = sorted(p.name for p in target.box.root.rglob("*") if p.is_file())
        connector.mark_read(["INBOX/1234.gone.host"], True)
        assert sorted(p.name for p in target.box.root.rglob("*") if p.is_file()) == before

    def test_auth_failure(self, target: MaildirTarget) -> None:  # type: ignore[override]
        """No credentials; the equivalent failure is a root that is not there."""
        with pytest.raises(ConfigError, match="not a directory"):
            open_connector("box", {"path": str(target.box.root / "missing"), "from": AGENT}, lambda key: "")


# --------------------------------------------------------------------------- pull


def test_first_sync_reads_both_folders_and_knows_directions(box: Box) -> None:
    box.deliver(mail("Ada <ada@customer.example>", "Where is my order?", "Order #1 is late."))
    box.deliver(mail(AGENT, "Re: Where is my order?", "On its way."), folder=box.sent, seen=True)
    store = MemoryStore()
    result = sync(box.connector(), store)
    by_subject = {m.subject: m for m in result.messages}
    assert by_subject["Where is my order?"].direction is Direction.IN
    assert by_subject["Re: Where is my order?"].direction is Direction.OUT
    assert by_subject["Where is my order?"].flags == frozenset()
    assert by_subject["Re: Where is my order?"].flags == {"seen"}
    assert store.cursor is not None


def test_incremental_sync_new_mail_flag_change_and_removal(box: Box) -> None:
    first = box.deliver(mail("Ada <ada@customer.example>", "One", "first"))
    second = box.deliver(mail("Bo <bo@customer.example>", "Two", "second"))
    store = MemoryStore()
    sync(box.connector(), store)
    time.sleep(0.01)
    assert not sync(box.connector(), store).messages, "nothing changed, nothing read again"

    box.deliver(mail("Cy <cy@customer.example>", "Three", "third"))
    io.add_flags(box.inbox, first, add=frozenset({"seen", "flagged"}))  # another client read it
    (box.inbox / "new" / second).unlink()  # and another deleted one
    batches = list(box.connector().pull(store.cursor, store.known, lambda: False))
    new = [m.subject for b in batches for m in b.messages]
    changes = {c.remote_id: c.flags for b in batches for c in b.flag_changes}
    removed = [r for b in batches for r in b.removed]
    assert new == ["Three"]
    assert changes == {f"INBOX/{first}": {"seen", "flagged"}}
    assert removed == [f"INBOX/{second}"]


def test_a_killed_first_sync_resumes_without_reading_stored_mail_again(box: Box) -> None:
    for n in range(600):
        box.deliver(mail(f"C{n} <c{n}@customer.example>", f"Subject {n}", "hello"))
    store = MemoryStore()
    pulled = 0
    for batch in box.connector().pull(None, store.known, lambda: False):
        for m in batch.messages:
            store.messages[m.remote_id] = m
        pulled += len(batch.messages)
        if pulled >= 250:
            break  # killed after the first stored batch; its cursor was not stored
    again = sync(box.connector(), store)
    assert len(again.messages) == 350
    assert len(store.messages) == 600


def test_malformed_mail_never_stops_a_sync(box: Box) -> None:
    box.deliver(b"")
    box.deliver(b"Subject: broken\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nno end")
    box.deliver(b"From: =?bogus-charset?q?=FF=FE?= <x@y.example>\nSubject: \xff\xfe bad bytes\nContent-Type: text/plain; charset=klingon\n\n\xff\xfe\xfd")
    box.deliver(b"Subject: no other headers\n\n" + b"x" * (20 * 1024 * 1024))
    box.deliver(mail("Ok <ok@customer.example>", "Fine", "a normal one"))
    result = sync(box.connector(), MemoryStore())
    assert len(result.messages) == 5
    assert any(m.subject == "Fine" for m in result.messages)
    huge = next(m for m in result.messages if m.subject == "no other headers")
    assert len(huge.body_text) < 2 * 1024 * 1024, "a 20 MB line is stored truncated"


def test_attachment_names_never_escape(box: Box) -> None:
    raw = (
        "From: Eve <eve@customer.example>\nSubject: see attached\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nphoto\n'
        '--b\nContent-Type: image/png\nContent-Disposition: attachment; filename="../../.ssh/authorized_keys"\n'
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n--b--\n"
    ).encode()
    box.deliver(raw)
    [message] = sync(box.connector(), MemoryStore()).messages
    [attachment] = message.attachments
    assert "/" not in attachment.filename and not attachment.filename.startswith(".")


# --------------------------------------------------------------------------- reply


def test_reply_threads_files_in_sent_and_marks_the_original_answered(box: Box) -> None:
    parent_id = make_msgid(domain="customer.example")
    key = box.deliver(mail("Ada <ada@customer.example>", "Re: Re: Late parcel", "Still nothing.", message_id=parent_id))
    store = MemoryStore()
    sync(box.connector(), store)
    reply = reply_to(box, store, "Re: Re: Late parcel", "It ships today.")
    connector = box.connector()
    assert connector.find_sent(reply) is None
    result = connector.send_reply(reply)
    [sent] = box.sent_messages()
    assert sent["In-Reply-To"] == parent_id
    assert parent_id in sent["References"]
    assert sent["Message-ID"] == f"<{reply.message_id}>"
    assert sent["Subject"] == "Re: Late parcel", "Re: is not stacked"
    assert sent["From"] == AGENT
    assert "It ships today." in sent.get_payload(decode=True).decode()
    assert "answered" in io.locate(box.inbox, key).flags
    assert connector.find_sent(reply) is not None
    assert result is not None


def test_save_sent_files_a_copy_when_the_command_does_not(box: Box, tmp_path: Path) -> None:
    elsewhere = tmp_path / "relay"
    command = f"{shlex.quote(sys.executable)} -m connectors.mail.deliver {shlex.quote(str(elsewhere))}"
    box.deliver(mail("Ada <ada@customer.example>", "Hello", "Hi"))
    store = MemoryStore()
    sync(box.connector(), store)
    connector = box.connector(send_command=command, save_sent=True, send_command_files_sent=False)
    reply = reply_to(box, store, "Hello", "Hello back")
    with pytest.raises(Unsupported):
        connector.find_sent(reply)  # a relay that files nothing: absent from Sent proves nothing
    result = connector.send_reply(reply)
    assert result.remote_id.startswith("Sent/")
    assert len(box.sent_messages()) == 1 and len(list((elsewhere / "new").iterdir())) == 1
    assert connector.find_sent(reply) is not None


def test_a_failing_send_command_is_a_clear_transport_error(box: Box) -> None:
    box.deliver(mail("Ada <ada@customer.example>", "Hello", "Hi"))
    store = MemoryStore()
    sync(box.connector(), store)
    connector = box.connector(send_command=f"{shlex.quote(sys.executable)} -c 'import sys; sys.stderr.write(\"relay refused\\n\"); sys.exit(75)'")
    with pytest.raises(TransportError, match="relay refused"):
        connector.send_reply(reply_to(box, store, "Hello", "x"))
    assert box.sent_messages() == []


def test_without_a_send_command_the_account_cannot_reply(box: Box) -> None:
    connector = open_connector("box", {"path": str(box.root), "from": AGENT}, lambda key: "")
    assert connector.capabilities.reply is False


def test_bad_settings_name_the_key(box: Box) -> None:
    with pytest.raises(ConfigError, match="accounts.box.from"):
        open_connector("box", {"path": str(box.root), "from": "nobody"}, lambda key: "")
    with pytest.raises(ConfigError, match="accounts.box.path"):
        open_connector("box", {"from": AGENT}, lambda key: "")


def test_mark_read_renames_into_cur_with_the_seen_flag(box: Box) -> None:
    key = box.deliver(mail("Ada <ada@customer.example>", "Hello", "Hi"))
    box.connector().mark_read([f"INBOX/{key}"], True)
    entry = io.locate(box.inbox, key)
    assert entry is not None and entry.subdir == "cur" and "seen" in entry.flags
    box.connector().mark_read([f"INBOX/{key}"], False)
    assert "seen" not in io.locate(box.inbox, key).flags
    assert os.listdir(box.inbox / "tmp") == []

"""Replies through a real SMTP sink that delivers into Dovecot, checked on the IMAP side."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from connectors.base import OutgoingReply, ParentMessage
from connectors.mail.imap import ImapConnector
from connectors.mail.imap_reply import SENDING_MARKER
from inbox_tui.errors import AmbiguousSend, AuthError, ConnectorError, TransportError, Unsupported
from inbox_tui.model import Address, Direction, Message
from tests.connectors.imap.helpers import Mailbox, MemoryStore, mail
from tests.servers.smtp_sink import SinkOptions, SmtpSink, start_sink


def smtp(sink: SmtpSink, **more: Any) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_tls": "none", **more}


def parent_in(mailbox: Mailbox, customer: Mailbox, subject: str, **headers: str) -> Message:
    """The customer writes to the agent; the agent's store gets the parsed message."""
    mailbox.deliver(
        mail(subject, "My order #1234 never arrived.", sender=f"Jane Customer <{customer.address}>", headers=headers)
    )
    store = MemoryStore()
    store.sync(mailbox.connector())
    return store.by_subject(subject)


def reply_to(parent: Message, body: str, **over: Any) -> OutgoingReply:
    op = str(uuid.uuid4())
    fields: dict[str, Any] = dict(
        op_id=op,
        conversation_remote_id=f"mail:{parent.message_id}",
        message_id=f"{op}@example.test",
        subject=f"Re: {parent.subject}",
        body_text=body,
        to=(parent.sender,),
        in_reply_to=parent.message_id,
        references=(*parent.references, parent.message_id),
        parent=ParentMessage(
            remote_id=parent.remote_id,
            message_id=parent.message_id,
            references=parent.references,
            sender=parent.sender,
            date_text="Mon, 2 Nov 2026 09:30",
            body_text=parent.body_text,
            folder=parent.folder,
        ),
    )
    fields.update(over)
    return OutgoingReply(**fields)


def sent_copies(mailbox: Mailbox, reply: OutgoingReply, folder: str = "Sent") -> list[set[str]]:
    uids = mailbox.server.search_header(mailbox.user, folder, "Message-ID", f"<{reply.message_id}>")
    return [mailbox.server.flags(mailbox.user, folder, uid) for uid in uids]


# --------------------------------------------------------------------------- the happy path


def test_reply_arrives_threaded_is_filed_in_sent_and_marks_the_original(
    mailbox: Mailbox, customer: Mailbox, sink: SmtpSink
) -> None:
    parent = parent_in(mailbox, customer, "Order missing", References="<earlier@example.org>")
    connector = mailbox.connector(**smtp(sink))
    reply = reply_to(parent, "Sorry about that, a new parcel is on its way.")

    assert connector.find_sent(reply) is None, "never sent: find_sent finds nothing"
    result = connector.send_reply(reply)

    # what the customer's mail server received, read back over IMAP as the customer
    theirs = MemoryStore()
    theirs.sync(customer.connector())
    received = theirs.by_subject("Re: Order missing")
    assert received.message_id == reply.message_id
    assert received.in_reply_to == parent.message_id
    assert received.references == ("earlier@example.org", parent.message_id)
    assert "a new parcel is on its way" in received.body_text
    assert "> My order #1234 never arrived." in received.body_text, "the original is quoted below"
    assert received.sender.email == mailbox.address
    envelope = sink.received[-1]
    assert envelope.mail_from == mailbox.address and envelope.rcpt_tos == [customer.address]

    # filed once in Sent, read, without the sending marker; the original is \Answered
    assert sent_copies(mailbox, reply) == [{"\\Seen"}]
    assert result.remote_id.startswith("Sent/")
    assert "\\Answered" in mailbox.server.flags(mailbox.user, "INBOX", int(parent.remote_id.rsplit("/", 1)[1]))
    found = connector.find_sent(reply)
    assert found is not None and found.remote_id == result.remote_id

    # and the agent's own next pull sees the Sent copy as an agent message
    ours = MemoryStore()
    ours.sync(mailbox.connector(folders=["INBOX", "Sent"]))
    copy = ours.by_subject("Re: Order missing")
    assert copy.direction is Direction.OUT and copy.message_id == reply.message_id


def test_reply_with_html_part_and_no_quote(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "Plain please")
    connector = mailbox.connector(**smtp(sink), quote="none", html=True)
    connector.send_reply(reply_to(parent, "Short answer."))
    raw = sink.received[-1].data
    assert b"text/html" in raw and b"Short answer." in raw
    assert b"My order #1234" not in raw


def test_answered_is_set_even_after_the_parent_was_renumbered(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "Renumbered parent")
    validity = mailbox.uidvalidity()
    mailbox.server.set_uidvalidity(mailbox.user, "INBOX", validity + 7)
    mailbox.connector(**smtp(sink)).send_reply(reply_to(parent, "Still answered."))
    assert "\\Answered" in mailbox.server.flags(mailbox.user, "INBOX", int(parent.remote_id.rsplit("/", 1)[1]))


def test_mark_read_and_unread(mailbox: Mailbox) -> None:
    uid = mailbox.deliver(mail("Read me"))
    connector = mailbox.connector()
    connector.mark_read([mailbox.rid(uid)])
    assert "\\Seen" in mailbox.server.flags(mailbox.user, "INBOX", uid)
    connector.mark_read([mailbox.rid(uid)], read=False)
    assert "\\Seen" not in mailbox.server.flags(mailbox.user, "INBOX", uid)
    connector.mark_read([f"INBOX/{mailbox.uidvalidity() + 1}/{uid}"])  # a stale id touches nothing
    assert "\\Seen" not in mailbox.server.flags(mailbox.user, "INBOX", uid)


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("fault", ["drop-after", "drop"])
def test_connection_lost_after_data_is_ambiguous_and_find_sent_cannot_tell(
    mailbox: Mailbox, customer: Mailbox, sink: SmtpSink, fault: str
) -> None:
    parent = parent_in(mailbox, customer, f"Ambiguous {fault}")
    connector = mailbox.connector(**smtp(sink))
    reply = reply_to(parent, "Did this go out?")
    sink.fault(fault)

    with pytest.raises(AmbiguousSend):
        connector.send_reply(reply)
    assert sent_copies(mailbox, reply) == [{"\\Seen", SENDING_MARKER}], "the copy says: outcome unknown"
    with pytest.raises(Unsupported):
        mailbox.connector(**smtp(sink)).find_sent(reply)  # a later run: only the agent can tell

    # the agent chooses "send again": one clean Sent copy, the marked attempt is gone
    mailbox.connector(**smtp(sink)).send_reply(reply)
    assert sent_copies(mailbox, reply) == [{"\\Seen"}]
    assert mailbox.connector(**smtp(sink)).find_sent(reply) is not None


def test_no_final_answer_in_time_is_ambiguous(mailbox: Mailbox, customer: Mailbox, dovecot) -> None:
    sink = start_sink(SinkOptions(catch_all=customer.user, hang_seconds=4), dovecot=dovecot)
    try:
        parent = parent_in(mailbox, customer, "Slow server")
        connector = mailbox.connector(**smtp(sink), timeout=1)
        sink.fault("hang-after")
        with pytest.raises(AmbiguousSend):
            connector.send_reply(reply_to(parent, "Tick tock."))
    finally:
        sink.stop()


def test_temporary_refusal_sends_nothing_and_leaves_no_copy(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "Greylisted")
    connector = mailbox.connector(**smtp(sink))
    reply = reply_to(parent, "Try later.")
    sink.fault("451")
    with pytest.raises(TransportError) as caught:
        connector.send_reply(reply)
    assert not isinstance(caught.value, AmbiguousSend)
    assert sent_copies(mailbox, reply) == []
    assert connector.find_sent(reply) is None, "certainly not sent: the engine may send again"


@pytest.mark.parametrize("fault", ["554", "550-rcpt"])
def test_permanent_refusal_is_a_plain_connector_error(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink, fault: str) -> None:
    parent = parent_in(mailbox, customer, f"Refused {fault}")
    connector = mailbox.connector(**smtp(sink))
    reply = reply_to(parent, "Nope.")
    sink.fault(fault)
    with pytest.raises(ConnectorError) as caught:
        connector.send_reply(reply)
    assert not isinstance(caught.value, TransportError)
    assert sent_copies(mailbox, reply) == []


def test_smtp_down_is_a_transport_error_and_nothing_is_filed(mailbox: Mailbox, customer: Mailbox) -> None:
    parent = parent_in(mailbox, customer, "SMTP down")
    connector = mailbox.connector(smtp_host="127.0.0.1", smtp_port=1, smtp_tls="none")
    reply = reply_to(parent, "Anyone?")
    with pytest.raises(TransportError) as caught:
        connector.send_reply(reply)
    assert not isinstance(caught.value, AmbiguousSend) and "refused the connection" in str(caught.value)
    assert sent_copies(mailbox, reply) == []


def test_smtp_auth_and_a_wrong_smtp_password(mailbox: Mailbox, customer: Mailbox, dovecot) -> None:
    sink = start_sink(SinkOptions(catch_all=customer.user, users={"relay-user": "relay-secret"}), dovecot=dovecot)
    try:
        parent = parent_in(mailbox, customer, "Authenticated relay")
        good = mailbox.connector(**smtp(sink, smtp_user="relay-user"), _secrets=mailbox.secrets(smtp_password="relay-secret"))
        good.send_reply(reply_to(parent, "Through the relay."))
        assert sink.received[-1].login == "relay-user"

        bad = mailbox.connector(**smtp(sink, smtp_user="relay-user"), _secrets=mailbox.secrets(smtp_password="wrong-relay-pw"))
        reply = reply_to(parent, "Refused.")
        with pytest.raises(AuthError) as caught:
            bad.send_reply(reply)
        assert "wrong-relay-pw" not in f"{caught.value} {caught.value!r}"
        assert sent_copies(mailbox, reply) == [], "the copy of a send that never happened is removed"
    finally:
        sink.stop()


# --------------------------------------------------------------------------- save_sent = false


def test_without_save_sent_nothing_is_appended_and_find_sent_cannot_tell(
    mailbox: Mailbox, customer: Mailbox, sink: SmtpSink
) -> None:
    parent = parent_in(mailbox, customer, "Gmail-like")
    connector = mailbox.connector(**smtp(sink), save_sent=False)
    reply = reply_to(parent, "The server files this itself.")
    with pytest.raises(Unsupported):
        connector.find_sent(reply)
    connector.send_reply(reply)
    assert sent_copies(mailbox, reply) == []
    with pytest.raises(Unsupported):
        connector.find_sent(reply)


def test_without_save_sent_a_copy_to_ourselves_proves_the_send(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "Copy to team")
    connector = mailbox.connector(**smtp(sink), save_sent=False)
    reply = reply_to(parent, "CC the team.", cc=(Address(mailbox.address, "Support"),))
    connector.send_reply(reply)
    found = connector.find_sent(reply)
    assert found is not None and found.remote_id.startswith("INBOX/")


def test_reply_without_recipient_is_refused_before_anything_happens(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "Nobody")
    connector: ImapConnector = mailbox.connector(**smtp(sink))
    reply = reply_to(parent, "To whom?", to=())
    with pytest.raises(ConnectorError):
        connector.send_reply(reply)
    assert sent_copies(mailbox, reply) == [] and not sink.received

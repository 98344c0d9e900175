"""The fast FETCH reader agrees with imapclient's general parser, and steps aside when unsure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from imapclient.response_parser import parse_fetch_response

from connectors.mail.imap_fetch import read_body_answers
from tests.connectors.imap.helpers import Mailbox, mail

ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])"


def test_agrees_with_the_general_parser_on_dovecots_answer(mailbox: Mailbox) -> None:
    for n in range(5):
        mailbox.deliver(mail(f"Reader {n}", "ü and {braces} and ) parens\r\nBODY[] {12}\r\n"))
    mailbox.server.add_flags(mailbox.user, "INBOX", 2, "\\Seen", "$t_billing")
    connector = mailbox.connector()
    connector.session.select("INBOX")
    _typ, data = connector.session._command("test", "FETCH", "1:*", ITEMS)

    fast = read_body_answers(data)
    general = parse_fetch_response(data, False, False)

    assert fast is not None and len(fast) == 5
    by_uid = {values[b"UID"]: values for values in general.values()}
    for row in fast:
        want = by_uid[row.uid]
        assert row.body == want[b"BODY[]"]
        assert set(row.flags) == set(want[b"FLAGS"])
        assert row.size == want[b"RFC822.SIZE"]
        assert row.internaldate == want[b"INTERNALDATE"]
    assert {b"\\Seen", b"$t_billing"} <= set(next(r for r in fast if r.uid == 2).flags)


def test_items_after_the_literal_and_unsolicited_updates() -> None:
    data = [
        b"3 (FLAGS (\\Seen))",  # unsolicited: no body, skipped
        (b'4 (FLAGS () INTERNALDATE " 2-Nov-2026 09:30:00 -0500" BODY[] {5}', b"hello"),
        b" UID 40 RFC822.SIZE 5)",
    ]
    [row] = read_body_answers(data) or []
    assert (row.uid, row.body, row.size, row.flags) == (40, b"hello", 5, ())
    assert row.internaldate == datetime(2026, 11, 2, 9, 30, tzinfo=timezone(-timedelta(hours=5)))


def test_steps_aside_for_what_it_does_not_know() -> None:
    nil_body = [b"4 (UID 4 FLAGS () BODY[] NIL)"]
    short_literal = [(b"4 (UID 4 BODY[] {10}", b"hello"), b")"]
    cut = [(b"4 (UID 4 BODY[] {5}", b"hello")]
    two_literals = [(b"4 (UID 4 BODY[] {5}", b"hello"), (b" BODY[HEADER] {2}", b"hi"), b")"]
    for data in (nil_body, short_literal, cut, two_literals):
        assert read_body_answers(data) is None, data

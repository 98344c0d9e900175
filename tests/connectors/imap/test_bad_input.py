"""Hostile and broken mail on a real Dovecot, and a server that misbehaves mid-FETCH.

The rule under test: the sync records what it could, reports the rest, never crashes and
never loses its cursor. Broken messages are stored by ``doveadm save`` exactly as bytes
(the way a delivery agent would accept them); the misbehaving server is a byte-level proxy
(``faulty_proxy``) in front of the real Dovecot.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.mail import imap_pull
from inbox_tui.errors import TransportError
from inbox_tui.store import Store
from inbox_tui.sync import SyncEngine
from tests.connectors.imap.faulty_proxy import FaultyProxy
from tests.connectors.imap.helpers import Mailbox, MemoryStore, mail
from tests.servers.dovecot import DOMAIN


def raw(*lines: str | bytes) -> bytes:
    return b"\r\n".join(line.encode("utf-8") if isinstance(line, str) else line for line in lines) + b"\r\n"


HEAD = ("From: Jane <jane@example.org>", f"To: support@{DOMAIN}", "Date: Mon, 2 Nov 2026 09:30:00 +0000")


@pytest.fixture
def proxy(mailbox: Mailbox) -> Iterator[FaultyProxy]:
    server = FaultyProxy(mailbox.server.port).start()
    yield server
    server.stop()


def cursor_uidnext(store: MemoryStore) -> int:
    assert store.cursor is not None
    return int(store.cursor["folders"]["INBOX"]["uidnext"])


# --------------------------------------------------------------------------- broken messages


BROKEN_MIME = {
    "boundary never appears": raw(
        *HEAD, "Subject: No boundary", "Message-ID: <b1@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="NEVER-THERE"', "", "Just some text, no parts at all.",
    ),
    "unterminated multipart, bad base64": raw(
        *HEAD, "Subject: Half a multipart", "Message-ID: <b2@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XX"', "", "--XX", "Content-Type: text/plain; charset=utf-8", "",
        "Visible part.", "--XX", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="../../etc/passwd"', "", "!!!not base64 at all@@@", "JVBERi0xLj",
    ),
    "garbage headers": raw(
        "Subject: \x1b[31mred\x1b[0m and a NUL \x00", "Message-ID: <b3@example.org>",
        "Content-Type: text/plain; charset", "Content-Transfer-Encoding: quoted-printable-ish",
        "Date: the day after tomorrow", "From", "", "=E9t=C3=A9 =ZZ broken qp",
    ),
    "no headers at all": b"\r\n\r\njust a body, nothing else\r\n",
    "deep nesting": raw(
        *HEAD, "Subject: Russian dolls", "Message-ID: <b5@example.org>", "MIME-Version: 1.0",
        *[line for n in range(60) for line in (f'Content-Type: multipart/mixed; boundary="L{n}"', "", f"--L{n}")],
        "Content-Type: text/plain", "", "deep inside",
    ),
}


def test_broken_mime_is_stored_with_problems_and_the_sync_goes_on(mailbox: Mailbox, store: MemoryStore) -> None:
    for body in BROKEN_MIME.values():
        mailbox.deliver(body)
    last = mailbox.deliver(mail("After the junk"))

    store.sync(mailbox.connector())

    assert len(store.messages) == len(BROKEN_MIME) + 1, "every message is recorded"
    assert store.by_subject("After the junk").problems == ()
    assert cursor_uidnext(store) == last + 1
    by_id = {m.message_id: m for m in store.messages.values()}
    assert "Visible part." in by_id["b2@example.org"].body_text
    assert all("/" not in a.filename for a in by_id["b2@example.org"].attachments), "attachment names are made safe"
    garbage = by_id["b3@example.org"]
    # (Dovecot stores a NUL as 0x80, which then reads as "€" in the Windows-1252 fallback)
    assert garbage.subject.startswith("[31mred[0m and a NUL"), "the escape sequence is stripped"
    assert "\x1b" not in garbage.subject and "\x00" not in garbage.subject
    assert "no From header" in garbage.problems and "unreadable Date header" in garbage.problems
    assert "broken qp" in garbage.body_text, "a header line without a colon ends the headers"
    assert "Just some text" in by_id["b1@example.org"].body_text
    assert "multipart without its boundary; body shown raw" in by_id["b1@example.org"].problems
    assert "MIME nested too deeply" in by_id["b5@example.org"].problems
    headless = next(m for m in store.messages.values() if "just a body" in m.body_text)
    assert "no Message-ID header" in headless.problems
    for message in store.messages.values():
        assert "\x00" not in message.body_text and "\x1b" not in message.body_text
    assert not any(b.messages for b in store.sync(mailbox.connector())), "nothing comes twice"


def test_8bit_headers_and_wrong_charsets_become_readable_text(mailbox: Mailbox, store: MemoryStore) -> None:
    cases = [
        # raw UTF-8 in headers, no RFC 2047 (common from broken mailers)
        raw(*HEAD[1:], "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>".encode(), "Subject: Grüße aus Köln".encode("utf-8"),
            "Message-ID: <c1@example.org>", "Content-Type: text/plain; charset=utf-8", "", "Straße".encode("utf-8")),
        # raw Latin-1 in headers and body, declared as UTF-8
        raw(*HEAD, "Subject: Caf\xe9 cr\xe8me".encode("latin-1"), "Message-ID: <c2@example.org>",
            "Content-Type: text/plain; charset=utf-8", "", "Un caf\xe9 cr\xe8me, s'il vous pla\xeet".encode("latin-1")),
        # a charset nobody knows, and an RFC 2047 word in an unknown charset
        raw(*HEAD, "Subject: =?x-klingon?B?SGVsbG8=?= there", "Message-ID: <c3@example.org>",
            "Content-Type: text/plain; charset=x-klingon", "", "plain words anyway"),
        # declared us-ascii, really Shift_JIS
        raw(*HEAD, "Subject: Japanese", "Message-ID: <c4@example.org>", "Content-Type: text/plain; charset=us-ascii", "",
            "こんにちは".encode("shift_jis")),
    ]
    for body in cases:
        mailbox.deliver(body)

    store.sync(mailbox.connector())

    by_id = {m.message_id: m for m in store.messages.values()}
    assert set(by_id) == {"c1@example.org", "c2@example.org", "c3@example.org", "c4@example.org"}
    assert by_id["c1@example.org"].subject == "Grüße aus Köln"
    assert by_id["c1@example.org"].body_text.strip() == "Straße"
    assert by_id["c2@example.org"].subject.startswith("Caf") and "\ufffd" not in by_id["c2@example.org"].body_text
    assert "crème" in by_id["c2@example.org"].body_text
    assert by_id["c3@example.org"].body_text.strip() == "plain words anyway"
    assert "there" in by_id["c3@example.org"].subject
    assert by_id["c4@example.org"].body_text.strip(), "something readable, not an exception"
    for message in by_id.values():
        assert all(ch.isprintable() or ch in "\n\t" for ch in message.subject + message.body_text)


def test_a_30_mb_attachment_is_listed_not_held(mailbox: Mailbox, store: MemoryStore) -> None:
    blob = base64.encodebytes(os.urandom(30 * 1024 * 1024))  # ~40 MB on the wire
    big = raw(
        *HEAD, "Subject: Huge video", "Message-ID: <big@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="B"', "", "--B", "Content-Type: text/plain", "",
        "Here is the screen recording.", "--B", "Content-Type: video/mp4",
        'Content-Disposition: attachment; filename="screen recording.mp4"', "Content-Transfer-Encoding: base64", "",
    ) + blob + b"\r\n--B--\r\n"
    mailbox.deliver(mail("Small one before"))
    mailbox.deliver(big)
    last = mailbox.deliver(mail("Small one after"))

    started = time.monotonic()
    store.sync(mailbox.connector())
    elapsed = time.monotonic() - started

    huge = store.by_subject("Huge video")
    assert "screen recording" in huge.body_text
    [attachment] = huge.attachments
    assert attachment.filename == "screen recording.mp4"
    assert 30 * 1024 * 1024 <= attachment.size <= 31 * 1024 * 1024
    assert store.by_subject("Small one after") and cursor_uidnext(store) == last + 1
    assert elapsed < 60, f"{elapsed:.1f} s for one big message"


def test_ten_thousand_recipients(mailbox: Mailbox, store: MemoryStore) -> None:
    to = ", ".join(f"Person {n} <p{n}@example.org>" for n in range(10_000))
    mailbox.deliver(mail("Newsletter", "Hello all", to=to))
    mailbox.deliver(mail("Ordinary"))

    started = time.monotonic()
    store.sync(mailbox.connector())
    elapsed = time.monotonic() - started

    letter = store.by_subject("Newsletter")
    assert letter.sender.email == "jane@example.org" and letter.body_text.strip() == "Hello all"
    assert 1 <= len(letter.to) <= 10_000 and letter.to[0].email == "p0@example.org"
    assert store.by_subject("Ordinary")
    assert elapsed < 20, f"{elapsed:.1f} s"


# --------------------------------------------------------------------------- a server that misbehaves


def test_connection_cut_mid_fetch_is_retried_and_nothing_is_lost(mailbox: Mailbox, store: MemoryStore, proxy: FaultyProxy) -> None:
    for n in range(6):
        last = mailbox.deliver(mail(f"Cut {n}", f"CUT-ME body {n}"))
    proxy.cut_marker, proxy.cut_after_literals = b"CUT-ME", 3  # dies after the third body

    store.sync(mailbox.connector(port=proxy.port))

    assert proxy.cuts == 1, "the connection really was cut mid-FETCH"
    assert sorted(m.subject for m in store.messages.values()) == [f"Cut {n}" for n in range(6)]
    assert not store.problems
    assert cursor_uidnext(store) == last + 1


def test_server_gone_mid_fetch_keeps_what_was_stored_and_resumes(
    mailbox: Mailbox, proxy: FaultyProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real store and engine: the account goes offline with a reason, the
    batches before the cut stay stored with their cursor, the next sync fetches the rest."""
    monkeypatch.setattr(imap_pull, "CHUNK_MESSAGES", 3)
    monkeypatch.setattr(imap_pull, "MAX_RECONNECTS", 2)
    uids = [mailbox.deliver(mail(f"Gone {n}", f"GONE body {n}")) for n in range(9)]
    proxy.cut_marker, proxy.cut_after_literals, proxy.refuse_after_cut = b"GONE", 5, True  # mid second chunk
    port = proxy.port
    store = Store(tmp_path / "cache.db")
    engine = SyncEngine(store, ["imap"], lambda name: mailbox.connector(port=port))
    try:
        summary = engine.run()
        assert summary.offline == ["imap"] and any("imap" in p for p in summary.problems)
        assert summary.pulled == 3, "the first chunk was stored before the server went away"
        cursor = store.cursor("imap")
        assert cursor is not None and cursor["folders"]["INBOX"]["uidnext"] == uids[3]

        back = FaultyProxy(mailbox.server.port, port=port).start()  # the server is back
        try:
            again = engine.run()
        finally:
            back.stop()
        assert not again.offline and again.pulled == 6
        rows = store.query("SELECT subject FROM conversations ORDER BY subject")
        assert [r["subject"] for r in rows] == [f"Gone {n}" for n in range(9)], "each once"
        assert store.cursor("imap")["folders"]["INBOX"]["uidnext"] == uids[-1] + 1
    finally:
        store.close()


def test_a_literal_whose_size_lies_costs_that_message_only(mailbox: Mailbox, store: MemoryStore, proxy: FaultyProxy) -> None:
    mailbox.deliver(mail("Honest 1"))
    liar = mailbox.deliver(mail("Liar", "LIE-HERE the size of this literal is announced wrong"))
    last = mailbox.deliver(mail("Honest 2"))
    proxy.lie_marker = b"LIE-HERE"

    store.sync(mailbox.connector(port=proxy.port))

    assert proxy.lies >= 1
    assert sorted(m.subject for m in store.messages.values()) == ["Honest 1", "Honest 2"]
    assert any(f"UID {liar}" in p for p in store.problems), store.problems
    assert cursor_uidnext(store) == last + 1, "the cursor moves on: the bad message is reported, not retried forever"


def test_a_server_that_stays_down_raises_after_the_good_batches(mailbox: Mailbox, store: MemoryStore, proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imap_pull, "CHUNK_MESSAGES", 2)
    monkeypatch.setattr(imap_pull, "MAX_RECONNECTS", 2)
    for n in range(5):
        mailbox.deliver(mail(f"Down {n}", f"DOWN body {n}"))
    proxy.cut_marker, proxy.cut_after_literals, proxy.refuse_after_cut = b"DOWN", 3, True

    with pytest.raises(TransportError):
        store.sync(mailbox.connector(port=proxy.port))

    assert sorted(m.subject for m in store.messages.values()) == ["Down 0", "Down 1"]
    assert cursor_uidnext(store) == 3

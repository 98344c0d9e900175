"""The traffic cop from the agent's side, through the real CLI: a customer writes again
while a reply waits → the reply goes to ``conflict`` instead of upstream; ``inbox outbox
show`` says what changed beside the draft; ``send-anyway`` / ``send-now`` / ``edit`` /
``discard`` / ``mark-sent`` settle it; ``--json`` lists every field the Pending view needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.mail import _maildir_io as io
from inbox_tui import bootstrap, paths
from tests.faults.homes import Home, outbox, sync
from tests.faults.targets import MaildirTarget


@pytest.fixture
def target() -> Iterator[MaildirTarget]:
    t = MaildirTarget()
    t.start(3)
    yield t
    t.stop()


@pytest.fixture
def home(target: MaildirTarget, tmp_path: Path) -> Home:
    home = Home.create(tmp_path / "home", target.account, target.account_table())
    assert sync(home)[0] == 0
    return home


def queue(home: Home, body: str, index: int = 0) -> tuple[str, int, str]:
    service = bootstrap.build_service(home.path)
    try:
        cid = sorted(service.queue_ids("open"))[index]
        op = service.reply(cid, body)
        parent = service.conversation(cid).messages[0].message_id
        return op.id, cid, parent
    finally:
        service.store.close()
        paths.set_home(None)


def customer_writes_again(target: MaildirTarget, parent: str, text: str) -> None:
    raw = (
        f"From: Customer <c0@customer.example>\r\nTo: help@shop.example\r\nSubject: Re: late\r\n"
        f"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <again-{abs(hash(text))}@customer.example>\r\n"
        f"In-Reply-To: <{parent.strip('<>')}>\r\nReferences: <{parent.strip('<>')}>\r\n\r\n{text}\r\n"
    ).encode()
    io.deliver(target.root, raw)


def test_news_turns_a_waiting_reply_into_a_conflict_shown_beside_the_draft(target: MaildirTarget, home: Home) -> None:
    op_id, cid, parent = queue(home, "Your parcel left the depot this morning.")
    customer_writes_again(target, parent, "Never mind, it just arrived! Please cancel the replacement.")
    code, summary = sync(home)
    assert summary["conflicts"] == 1 and summary["sent"] == 0
    (entry,) = [o for o in outbox(home) if o["id"] == op_id]
    assert entry["state"] == "conflict" and entry["conversation_id"] == cid
    assert {"kind", "created_at", "attempts", "last_error", "actions"} <= entry.keys()
    assert entry["actions"] == ["send_anyway", "edit", "discard"]
    assert target.copies({"message_id": _mid(home, op_id)}) == 0

    shown = json.loads(home.run("outbox", "show", op_id[:8], "--json").stdout)
    assert [(c["what"], c["text"]) for c in shown["changes"]] == [
        ("wrote", "Never mind, it just arrived! Please cancel the replacement.")
    ]
    text = home.run("outbox", "show", op_id[:8]).stdout
    assert "What changed since you acted" in text and "it just arrived" in text

    empty = home.run("outbox", "edit", op_id[:8], "--body-file", "-")  # stdin is empty here
    assert empty.returncode != 0 and "cannot be empty" in empty.stderr + empty.stdout
    assert home.run("outbox", "send-anyway", op_id[:8]).returncode == 0
    assert sync(home)[1]["sent"] == 1
    assert target.copies({"message_id": _mid(home, op_id)}) == 1


def test_send_now_flushes_one_operation_at_once(target: MaildirTarget, home: Home) -> None:
    op_id, _cid, _parent = queue(home, "Sent now from the outbox.", index=1)
    done = home.run("outbox", "send-now", op_id[:8])
    assert done.returncode == 0, done.stderr
    assert "is now sent" in done.stdout
    assert target.copies({"message_id": _mid(home, op_id)}) == 1


def test_discard_and_edit_before_anything_left(target: MaildirTarget, home: Home, tmp_path: Path) -> None:
    op_id, _cid, _parent = queue(home, "First wording.", index=2)
    new_text = tmp_path / "body.txt"
    new_text.write_text("Second, kinder wording.", encoding="utf-8")
    assert home.run("outbox", "edit", op_id[:8], "--body-file", str(new_text)).returncode == 0
    assert sync(home)[1]["sent"] == 1
    sent = [p.read_text() for sub in ("new", "cur") for p in (target.sent / sub).iterdir()]
    assert any("Second, kinder wording." in s for s in sent) and not any("First wording." in s for s in sent)


def _mid(home: Home, op_id: str) -> str:
    con = home.connect()
    try:
        row = con.execute("SELECT payload_json FROM operations WHERE id = ?", (op_id,)).fetchone()
        return str(json.loads(row[0])["message_id"])
    finally:
        con.close()

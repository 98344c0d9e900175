"""Use cases through InboxService on a real SQLite file and real reply files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors.base import OutgoingReply
from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.errors import ConfigError, InboxError, PlaceholderError
from inbox_tui.model import Address, Direction, Message, OpKind, OpState, PullBatch, Status
from inbox_tui.service import InboxService
from inbox_tui.store import Store

ALICE = Address("alice@example.com", "Alice Moreau")

LATE = """+++
name = "Late delivery"
shortcut = "late"
tags = ["shipping"]
status = "pending"
+++
Hi {{customer.first_name | there}},

your parcel is on its way. — {{agent.name}}
"""


@pytest.fixture
def service(tmp_path: Path) -> InboxService:
    paths.set_home(tmp_path)
    (tmp_path / "replies").mkdir()
    (tmp_path / "replies" / "late.md").write_text(LATE, encoding="utf-8")
    store = Store(paths.db_path())
    store.ensure_account("mail", "maildir")
    store.apply_batch(
        "mail",
        PullBatch(
            messages=[
                Message(
                    remote_id="INBOX/1",
                    direction=Direction.IN,
                    sender=ALICE,
                    to=(Address("help@shop.example"),),
                    date=datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc),
                    subject="Where is my parcel?",
                    body_text="It has been two weeks.",
                    message_id="abc@example.com",
                    references=("root@example.com",),
                )
            ]
        ),
    )
    config = AppConfig(
        path=tmp_path / "config.toml",
        agent_name="Sam Rivera",
        accounts={"mail": AccountConfig("mail", "maildir", {"from": "Shop Support <help@shop.example>"})},
    )
    yield InboxService(store, config, {"mail": frozenset({"reply", "read"})})
    paths.set_home(None)


def only_conversation(service: InboxService) -> int:
    (cid,) = service.queue_ids("open")
    return cid


def test_canned_reply_renders_and_queues_with_threading_headers(service: InboxService) -> None:
    cid = only_conversation(service)
    canned = service.canned("late")
    body = service.render(cid, canned.body)
    assert body.startswith("Hi Alice,") and "Sam Rivera" in body
    op = service.reply(cid, body, canned=canned.slug)
    assert op.kind is OpKind.REPLY and op.state is OpState.PENDING
    out = OutgoingReply.from_payload(op.payload)
    assert out.subject == "Re: Where is my parcel?"
    assert out.in_reply_to == "abc@example.com"
    assert out.references == ("root@example.com", "abc@example.com")
    assert out.to == (ALICE,) and out.message_id.endswith("@shop.example")
    detail = service.conversation(cid)
    assert detail.conversation.status is Status.PENDING and detail.conversation.tags == ("shipping",)
    assert detail.messages[-1].direction is Direction.OUT and detail.messages[-1].op_id == op.id


def test_reply_with_unresolved_placeholder_is_refused(service: InboxService) -> None:
    cid = only_conversation(service)
    with pytest.raises(PlaceholderError) as err:
        service.render(cid, "Hello {{customer.unknown}}")
    assert "customer.unknown" in str(err.value)
    with pytest.raises(PlaceholderError):
        service.reply(cid, "Hi {{customer.first_name}} left over")
    assert service.outbox() == []


def test_empty_placeholder_without_fallback_is_refused(service: InboxService) -> None:
    cid = only_conversation(service)
    service.config.agent_name = ""
    with pytest.raises(PlaceholderError, match="agent.name"):
        service.render(cid, "Thanks, {{agent.name}}")


def test_undo_takes_the_whole_canned_action_back(service: InboxService) -> None:
    cid = only_conversation(service)
    canned = service.canned("late")
    service.reply(cid, service.render(cid, canned.body), canned=canned.slug)
    assert "reply" in (service.undo_last() or "")
    detail = service.conversation(cid)
    assert detail.conversation.status is Status.OPEN and detail.conversation.tags == ()
    assert len(detail.messages) == 1 and service.outbox() == []


def test_notes_stay_local_on_maildir(service: InboxService) -> None:
    cid = only_conversation(service)
    note = service.add_note(cid, "Customer called, promised update by Friday")
    assert note.local_only and note.author == "Sam Rivera"
    assert service.outbox() == []  # a Maildir has nowhere to put notes
    with pytest.raises(InboxError):
        service.add_note(cid, "   ")


def test_status_is_local_on_maildir_but_undoable(service: InboxService) -> None:
    cid = only_conversation(service)
    assert service.set_status(cid, Status.CLOSED) is None
    assert service.queue_ids("closed") == [cid]
    assert service.undo_last() is not None
    assert service.queue_ids("closed") == []


def test_mark_read_queues_a_flag_change(service: InboxService) -> None:
    cid = only_conversation(service)
    service.mark_read(cid)
    assert service.rows([cid])[0].unread is False
    assert [o.kind for o in service.outbox()] == [OpKind.READ]


def test_draft_is_dropped_into_the_operation_on_send(service: InboxService) -> None:
    cid = only_conversation(service)
    service.save_draft(cid, "Hi Alice, checking now")
    assert service.conversation(cid).draft == "Hi Alice, checking now"
    op = service.reply(cid, "Hi Alice, checking now")
    assert service.conversation(cid).draft is None
    assert op.payload["body_text"] == "Hi Alice, checking now"


def test_broken_canned_reply_names_file_and_line(service: InboxService, tmp_path: Path) -> None:
    (tmp_path / "replies" / "bad.md").write_text("+++\nname = \"x\"\n+++\nHi {{customer.nickname}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        service.canned_replies()
    assert "bad.md:4" in str(err.value) and "customer.nickname" in str(err.value)


def test_hostile_text_is_cleaned_before_storage(service: InboxService) -> None:
    cid = only_conversation(service)
    service.add_note(cid, "ok \x1b]52;c;UFdORUQ=\x07 \x1b[2J done")
    assert "\x1b" not in service.conversation(cid).notes[-1].body

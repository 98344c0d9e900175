"""The operations journal: retry, send anyway, edit, discard, mark sent."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.journal import Journal, JournalError
from inbox_tui.model import Address, Direction, Message, OpState, PullBatch, Status
from inbox_tui.service import InboxService
from inbox_tui.store import Store

ALICE = Address("alice@example.com", "Alice")


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    store.ensure_account("desk", "zendesk")
    store.apply_batch(
        "desk",
        PullBatch(
            messages=[
                Message("INBOX/1", Direction.IN, ALICE, datetime(2026, 11, 20, tzinfo=timezone.utc),
                        subject="Broken mug", body_text="It arrived broken", message_id="a@x")
            ]
        ),
    )  # fmt: skip
    config = AppConfig(path=tmp_path / "c.toml", agent_name="Sam",
                       accounts={"desk": AccountConfig("desk", "zendesk", {"from": "help@shop.example"})})  # fmt: skip
    service = InboxService(store, config, {"desk": frozenset({"reply", "note", "status", "tags"})})
    (cid,) = service.queue_ids("open")
    yield service, Journal(store), cid
    paths.set_home(None)


def test_conflict_can_be_sent_anyway_after_seeing_the_news(setup) -> None:  # type: ignore[no-untyped-def]
    service, journal, cid = setup
    op = service.reply(cid, "We'll send a new one today.")
    service.store.set_op_state(op.id, OpState.CONFLICT, error="customer wrote again")
    entry = next(e for e in journal.entries() if e.operation.id == op.id)
    assert entry.actions == ("send_anyway", "edit", "discard")
    assert entry.summary == "We'll send a new one today."
    again = journal.send_anyway(op.id[:8])
    assert again.state is OpState.PENDING
    assert int(again.base_version) == service.store.conversation_news_version(cid)


def test_edit_changes_payload_and_the_shown_message(setup) -> None:  # type: ignore[no-untyped-def]
    service, journal, cid = setup
    op = service.reply(cid, "First version")
    journal.edit(op.id, "Second version")
    assert service.store.operation(op.id).payload["body_text"] == "Second version"
    assert service.conversation(cid).messages[-1].body_text == "Second version"
    with pytest.raises(JournalError):
        journal.edit(op.id, "   ")


def test_discard_removes_only_that_operations_change(setup) -> None:  # type: ignore[no-untyped-def]
    service, journal, cid = setup
    reply = service.reply(cid, "Replacement on its way")
    status = service.set_status(cid, Status.CLOSED)
    assert status is not None
    journal.discard(reply.id)
    detail = service.conversation(cid)
    assert len(detail.messages) == 1 and detail.conversation.status is Status.CLOSED
    journal.discard(status.id)
    assert service.conversation(cid).conversation.status is Status.OPEN
    assert service.outbox() == []


def test_unconfirmed_can_be_marked_sent_but_sending_cannot_be_touched(setup) -> None:  # type: ignore[no-untyped-def]
    service, journal, cid = setup
    op = service.reply(cid, "hello")
    service.store.set_op_state(op.id, OpState.SENDING, attempt=True)
    with pytest.raises(JournalError):
        journal.discard(op.id)
    service.store.set_op_state(op.id, OpState.UNCONFIRMED)
    assert journal.mark_sent(op.id).state is OpState.SENT
    assert service.outbox() == []


def test_ambiguous_prefix_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    service, journal, cid = setup
    service.reply(cid, "one")
    with pytest.raises(JournalError):
        journal.retry("")

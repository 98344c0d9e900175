"""Drafts never die: saved per keystroke batch, versions kept, held by the queued reply
until upstream confirms it (real SQLite file, real service)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.model import Address, Direction, Message, OpState, PullBatch
from inbox_tui.service import InboxService
from inbox_tui.store import Store


@pytest.fixture
def service(tmp_path: Path) -> Iterator[InboxService]:
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    store.ensure_account("mail", "maildir")
    store.apply_batch(
        "mail",
        PullBatch(
            messages=[
                Message(
                    remote_id="INBOX/1",
                    direction=Direction.IN,
                    sender=Address("alice@example.com", "Alice"),
                    to=(Address("help@shop.example"),),
                    date=datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc),
                    subject="Where is my parcel?",
                    body_text="It has been two weeks.",
                    message_id="abc@example.com",
                )
            ]
        ),
    )
    config = AppConfig(
        path=tmp_path / "config.toml",
        agent_name="Sam",
        accounts={"mail": AccountConfig("mail", "maildir", {"from": "Shop <help@shop.example>"})},
    )
    yield InboxService(store, config, {"mail": frozenset({"reply", "read"})})
    store.close()
    paths.set_home(None)


def conversation_id(service: InboxService) -> int:
    (cid,) = service.queue_ids("open")
    return cid


def test_a_draft_survives_a_new_process_with_its_versions(service: InboxService) -> None:
    cid = conversation_id(service)
    for text in ("Hi", "Hi Alice", "Hi Alice, the parcel"):
        service.save_draft(cid, text)
    other = Store(paths.db_path())  # what a fresh app on the same home sees
    try:
        assert other.draft(cid) == "Hi Alice, the parcel"
        assert other.draft_versions(cid)[:3] == ["Hi Alice, the parcel", "Hi Alice", "Hi"]
    finally:
        other.close()


def test_the_draft_is_held_by_the_reply_until_upstream_confirms_it(service: InboxService) -> None:
    cid = conversation_id(service)
    service.save_draft(cid, "Hi Alice")
    service.save_draft(cid, "Hi Alice, it ships today")
    op = service.reply(cid, "Hi Alice, it ships today")
    store = service.store
    assert service.conversation(cid).draft is None  # not offered again: it is queued
    assert store.draft_versions(cid, held_by=op.id) == ["Hi Alice, it ships today", "Hi Alice, it ships today", "Hi Alice"]
    store.set_op_state(op.id, OpState.SENDING, attempt=True)
    store.set_op_state(op.id, OpState.UNCONFIRMED, error="cannot tell")
    assert store.draft_versions(cid, held_by=op.id)  # still unsure: the text stays
    store.set_op_state(op.id, OpState.SENT, remote_id="Sent/1/7")
    assert store.draft_versions(cid, held_by=op.id) == []


def test_undoing_a_reply_gives_the_draft_back(service: InboxService) -> None:
    cid = conversation_id(service)
    service.save_draft(cid, "Hi Alice, sorry")
    service.reply(cid, "Hi Alice, sorry")
    assert service.undo_last() is not None
    assert service.conversation(cid).draft == "Hi Alice, sorry"
    assert service.store.draft_versions(cid)[0] == "Hi Alice, sorry"


def test_discarding_a_queued_reply_drops_its_held_draft(service: InboxService) -> None:
    cid = conversation_id(service)
    service.save_draft(cid, "Never mind")
    op = service.reply(cid, "Never mind")
    service.journal.discard(op.id[:8])
    assert service.store.draft_versions(cid, held_by=op.id) == []
    assert service.conversation(cid).draft is None


def test_a_new_draft_while_a_reply_waits_is_separate(service: InboxService) -> None:
    cid = conversation_id(service)
    op = service.reply(cid, "First answer")
    service.save_draft(cid, "A follow-up")
    assert service.conversation(cid).draft == "A follow-up"
    service.store.set_op_state(op.id, OpState.SENT, remote_id="x")
    assert service.conversation(cid).draft == "A follow-up"


def test_an_hour_of_typing_keeps_every_recent_save_and_one_version_a_minute_before(service: InboxService) -> None:
    cid = conversation_id(service)
    store = service.store
    with store.transaction() as con:  # three autosaves a minute for an hour, oldest first
        con.executemany(
            "INSERT INTO draft_versions (conversation_id, body, saved_at) VALUES (?, ?, ?)",
            [(cid, f"v{m}:{s}", f"2026-11-23T10:{m:02d}:{s:02d}.000000Z") for m in range(60) for s in (0, 20, 40)],
        )
    service.save_draft(cid, "now")
    bodies = [v.body for v in store.draft_history(cid)]
    recent = ["now"] + [f"v{m}:{s}" for m in range(59, -1, -1) for s in (40, 20, 0)][:19]
    assert bodies[:20] == recent  # every one of the newest saves
    assert bodies[20:] == [f"v{m}:40" for m in range(52, -1, -1)]  # then the last of each older minute
    assert len(bodies) <= 100


def test_versions_are_capped_even_when_each_minute_has_one(service: InboxService) -> None:
    cid = conversation_id(service)
    with service.store.transaction() as con:
        con.executemany(
            "INSERT INTO draft_versions (conversation_id, body, saved_at) VALUES (?, ?, ?)",
            [(cid, f"m{n}", f"2026-11-{20 + n // 1440:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00.000000Z") for n in range(300)],
        )
    service.save_draft(cid, "now")
    bodies = [v.body for v in service.store.draft_history(cid)]
    assert len(bodies) == 100 and bodies[0] == "now" and bodies[-1] == "m201"

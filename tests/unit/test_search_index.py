"""The conversation search index follows every change of a conversation's messages:
new mail in later batches, merged tickets, undone replies, rolled-back transactions,
and an existing cache indexed by its migration."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import pytest

from inbox_tui.model import Direction, Message, OpKind, PullBatch, RemoteConversation, Status
from inbox_tui.store import IngestResult, LocalChange, NewOp, Store, search_index
from inbox_tui.store.schema import migrations
from tests.unit.test_store import ALICE, BOB, T0, US, mail


def words(n: int, text: str, **kwargs: object) -> Message:
    return replace(mail(n, **kwargs), body_text=text)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inbox.db")
    s.ensure_account("mail", "maildir", US.email)
    return s


def found(store: Store, text: str) -> list[int]:
    return store.queue_ids("open", text) + store.queue_ids("closed", text)


def indexed_rows(store: Store) -> int:
    return int(store.query_one("SELECT count(*) FROM conversations_fts")[0])  # type: ignore[index]


def test_words_of_different_messages_find_their_conversation_together(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[words(1, "the parcel never arrived")]))
    (cid,) = found(store, "parcel")
    assert found(store, "parcel refund") == []
    store.apply_batch("mail", PullBatch(messages=[words(2, "I want a refund", reply_to="m1@example.com")]))
    assert found(store, "parcel refund") == [cid]  # one in each message, a later batch
    store.apply_batch("mail", PullBatch(messages=[words(3, "a refund for shoes", sender=BOB)]))
    assert len(found(store, "refund")) == 2 and found(store, "parcel refund") == [cid]
    assert found(store, "alice") == [cid]  # the sender's name is searchable
    assert indexed_rows(store) == 2
    assert store.query_one("SELECT count(*) FROM search_stale")[0] == 0  # type: ignore[index]


def test_a_merged_ticket_takes_its_words_along(store: Store) -> None:
    store.ensure_account("desk", "zendesk")

    def ticket(rid: str, text: str, merged: tuple[str, ...] = ()) -> RemoteConversation:
        return RemoteConversation(
            remote_id=rid, subject=f"Ticket {rid}", customer=ALICE, status=Status.OPEN, raw_status="open",
            updated_at=T0, merged_from=merged,
            messages=[Message(f"c{rid}", Direction.IN, ALICE, T0, body_text=text, thread_remote_id=rid)],
        )  # fmt: skip

    store.apply_batch("desk", PullBatch(conversations=[ticket("1", "zebra crossing"), ticket("2", "yellow kayak")]))
    assert len(found(store, "zebra")) == 1 and found(store, "zebra") != found(store, "kayak")
    store.apply_batch("desk", PullBatch(conversations=[ticket("2", "yellow kayak", merged=("1",))]))
    (cid,) = found(store, "kayak")
    assert found(store, "zebra kayak") == [cid]
    assert indexed_rows(store) == 1  # the merged-away conversation left the index


def test_an_undone_reply_leaves_the_index(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = found(store, "order")
    reply = replace(mail(50, US, direction=Direction.OUT, reply_to="m1@example.com"), remote_id="", body_text="xylophone")
    op = NewOp(OpKind.REPLY, {"body": "xylophone"})
    store.record_action(cid, LocalChange(message=reply, message_op=op.id), [op])
    assert found(store, "xylophone") == [cid]  # our own words count too
    group = store.last_undoable_group()
    assert group is not None
    store.undo_group(group)
    assert found(store, "xylophone") == [] and found(store, "order") == [cid]


def test_a_rolled_back_transaction_leaves_nothing_stale(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[words(1, "quartz watch")]))
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("UPDATE messages SET body_text = 'granite'")
        raise RuntimeError("stop")
    assert len(found(store, "quartz")) == 1 and found(store, "granite") == []
    assert store.query_one("SELECT count(*) FROM search_stale")[0] == 0  # type: ignore[index]


def test_the_migration_indexes_an_existing_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = functools.partial(type(migrations).apply, migrations, stop_before="m006_conversation_search_index")
    monkeypatch.setattr(migrations, "apply", before)
    monkeypatch.setattr(search_index, "reindex_stale", lambda con: 0)
    old = Store(tmp_path / "inbox.db")
    old.ensure_account("mail", "maildir", US.email)
    old.apply_batch("mail", PullBatch(messages=[words(1, "velvet curtains"), words(2, "damaged lamp", sender=BOB)]))
    assert old.query_one("SELECT count(*) FROM sqlite_master WHERE name = 'conversations_fts'")[0] == 0  # type: ignore[index]
    old.close()
    monkeypatch.undo()
    store = Store(tmp_path / "inbox.db")
    assert len(found(store, "velvet")) == 1 and len(found(store, "lamp")) == 1
    assert found(store, "velvet lamp") == []
    assert store.query_one("SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts'")[0] == 0  # type: ignore[index]


def test_internal_notes_are_searchable_and_leave_with_an_undo(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = found(store, "order")
    op = NewOp(OpKind.NOTE, {"body": "refund approved by Priya"})
    store.record_action(cid, LocalChange(note=("refund approved by Priya", "Sam"), message_op=op.id), [op])
    assert found(store, "priya") == [cid] and found(store, "order priya") == [cid]
    group = store.last_undoable_group()
    assert group is not None
    store.undo_group(group)
    assert found(store, "priya") == []


def test_a_ticket_sent_again_unchanged_is_not_reindexed(store: Store) -> None:
    store.ensure_account("desk", "zendesk")
    ticket = RemoteConversation(
        remote_id="7", subject="Ticket 7", customer=ALICE, status=Status.OPEN, raw_status="open", updated_at=T0,
        messages=[Message("c7", Direction.IN, ALICE, T0, body_text="walnut table", thread_remote_id="7")],
    )  # fmt: skip
    store.apply_batch("desk", PullBatch(conversations=[ticket]))
    with store.transaction() as con:
        store._upsert_ticket_message(con, "desk", found(store, "walnut")[0], ticket.messages[0], IngestResult())
        assert con.execute("SELECT count(*) FROM search_stale").fetchone()[0] == 0
        changed = replace(ticket.messages[0], body_text="oak table")
        store._upsert_ticket_message(con, "desk", found(store, "walnut")[0], changed, IngestResult())
        assert con.execute("SELECT count(*) FROM search_stale").fetchone()[0] == 1
    assert found(store, "walnut") == [] and len(found(store, "oak")) == 1


def test_an_existing_cache_says_it_is_upgrading_a_new_one_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    Store(tmp_path / "new.db", on_upgrade=lambda: said.append("new")).close()
    assert said == []
    before = functools.partial(type(migrations).apply, migrations, stop_before="m006_conversation_search_index")
    monkeypatch.setattr(migrations, "apply", before)
    Store(tmp_path / "old.db").close()
    monkeypatch.undo()
    Store(tmp_path / "old.db", on_upgrade=lambda: said.append("old")).close()
    Store(tmp_path / "old.db", on_upgrade=lambda: said.append("again")).close()
    assert said == ["old"]

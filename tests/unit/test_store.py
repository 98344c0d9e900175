"""The SQLite store: mail threading, idempotent batches, outbox atomicity, undo, drafts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox_tui.model import (
    Address,
    Direction,
    FlagChange,
    Message,
    OpKind,
    OpState,
    PullBatch,
    RemoteConversation,
    RemoteNote,
    Status,
)
from inbox_tui.store import LocalChange, NewOp, Store

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
ALICE = Address("alice@example.com", "Alice Moreau")
BOB = Address("bob@example.org", "Bob")
US = Address("support@shop.example", "Support")


def mail(n: int, sender: Address = ALICE, *, subject: str = "Where is my order?", reply_to: str = "",
         refs: tuple[str, ...] = (), direction: Direction = Direction.IN, minutes: int = 0,
         flags: frozenset[str] = frozenset()) -> Message:  # fmt: skip
    return Message(
        remote_id=f"INBOX/{n}",
        direction=direction,
        sender=sender,
        to=(US,) if direction is Direction.IN else (ALICE,),
        date=T0 + timedelta(minutes=minutes or n),
        subject=subject,
        body_text=f"body {n}",
        message_id=f"m{n}@example.com",
        in_reply_to=reply_to,
        references=refs,
        flags=flags,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "inbox.db")
    s.ensure_account("mail", "maildir", US.email)
    return s


def conversation_ids(store: Store) -> list[int]:
    return store.queue_ids("open") + store.queue_ids("closed")


def test_threads_by_references_and_keeps_customers_apart(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[
        mail(1),
        mail(2, subject="Re: Where is my order?", reply_to="m1@example.com", refs=("m1@example.com",)),
        mail(3, BOB),  # same subject, another customer: never the same conversation
    ]))  # fmt: skip
    ids = conversation_ids(store)
    assert len(ids) == 2
    sizes = sorted(len(store.messages(i)) for i in ids)
    assert sizes == [1, 2]


def test_reply_arriving_before_its_parent_joins_later(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(2, subject="Re: x", reply_to="m1@example.com", refs=("m1@example.com",))]))
    store.apply_batch("mail", PullBatch(messages=[mail(1, subject="x")]))
    assert len(conversation_ids(store)) == 1


def test_created_and_updated_follow_the_oldest_and_the_newest_message(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(2, subject="Re: x", reply_to="m1@example.com", refs=("m1@example.com",))]))
    (cid,) = conversation_ids(store)

    def created_updated() -> tuple[datetime, datetime]:
        conv = store.conversation(cid)
        assert conv is not None
        return conv.created_at, conv.updated_at

    assert created_updated() == (T0 + timedelta(minutes=2), T0 + timedelta(minutes=2))
    store.apply_batch("mail", PullBatch(messages=[mail(1, subject="x")]))  # older: created moves back
    assert created_updated() == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))
    store.apply_batch("mail", PullBatch(messages=[mail(3, subject="Re: x", reply_to="m2@example.com")]))
    assert created_updated() == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=3))


def test_subject_fallback_only_for_the_same_customer(store: Store) -> None:
    first = mail(1, subject="Refund for order 123")
    # broken client: no threading headers, but a Re: on the same subject from the same person
    again = mail(2, subject="RE: Refund for order 123")
    store.apply_batch("mail", PullBatch(messages=[first, again]))
    assert len(conversation_ids(store)) == 1


def test_same_batch_twice_changes_nothing(store: Store) -> None:
    batch = PullBatch(messages=[mail(1), mail(2, reply_to="m1@example.com")], cursor={"n": 2})
    store.apply_batch("mail", batch)
    store.apply_batch("mail", batch)
    (cid,) = conversation_ids(store)
    assert len(store.messages(cid)) == 2
    assert store.cursor("mail") == {"n": 2}


def test_awaiting_and_unread_follow_the_last_message(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    conv = store.conversation(cid)
    assert conv is not None and conv.awaiting == "agent" and conv.unread
    ours = mail(5, US, direction=Direction.OUT, reply_to="m1@example.com", flags=frozenset({"seen"}))
    store.apply_batch("mail", PullBatch(messages=[ours], flag_changes=[FlagChange("INBOX/1", frozenset({"seen"}))]))
    conv = store.conversation(cid)
    assert conv is not None and conv.awaiting == "customer" and not conv.unread
    assert store.queue_ids("waiting") == [cid] and store.queue_ids("unanswered") == []


def test_customer_reply_reopens_a_closed_mail_conversation(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    store.record_action(cid, LocalChange(status=Status.CLOSED), [])
    assert store.queue_ids("closed") == [cid]
    store.apply_batch("mail", PullBatch(messages=[mail(9, reply_to="m1@example.com", minutes=90)]))
    assert store.conversation(cid).status is Status.OPEN  # type: ignore[union-attr]


def test_action_and_operation_commit_together_and_undo(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    reply = mail(50, US, direction=Direction.OUT, reply_to="m1@example.com")
    reply.remote_id = ""
    op = NewOp(OpKind.REPLY, {"body": "hi"})
    store.record_action(cid, LocalChange(message=reply, message_op=op.id, tags_add=["refund"], status=Status.PENDING), [op])
    assert len(store.messages(cid)) == 2
    assert store.conversation(cid).tags == ("refund",)  # type: ignore[union-attr]
    assert [o.state for o in store.operations()] == [OpState.PENDING]
    group = store.last_undoable_group()
    assert group is not None
    store.undo_group(group)
    conv = store.conversation(cid)
    assert conv is not None and conv.status is Status.OPEN and conv.tags == ()
    assert len(store.messages(cid)) == 1
    assert store.operations() == []


def test_undo_refuses_what_already_left(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    op = NewOp(OpKind.REPLY, {})
    store.record_action(cid, LocalChange(), [op])
    store.set_op_state(op.id, OpState.SENDING, attempt=True)
    assert store.last_undoable_group() is None


def test_failed_action_writes_nothing(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    op = NewOp(OpKind.NOTE, {})
    with pytest.raises(Exception):
        store.record_action(cid, LocalChange(note=("x", "me")), [op, op])  # duplicate op id → IntegrityError
    assert store.notes(cid) == [] and store.operations() == []


def test_news_version_bumps_on_customer_mail_only(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    before = store.conversation(cid).version  # type: ignore[union-attr]
    store.apply_batch("mail", PullBatch(messages=[mail(2, reply_to="m1@example.com")]))
    assert store.conversation(cid).version == before + 1  # type: ignore[union-attr]


def test_our_reply_coming_back_from_sent_is_matched_by_message_id(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    queued = mail(7, US, direction=Direction.OUT, reply_to="m1@example.com")
    queued.remote_id = ""
    op = NewOp(OpKind.REPLY, {})
    store.record_action(cid, LocalChange(message=queued, message_op=op.id), [op])
    back = mail(7, US, direction=Direction.OUT, reply_to="m1@example.com")
    back.remote_id = "Sent/abc"
    store.apply_batch("mail", PullBatch(messages=[back]))
    msgs = store.messages(cid)
    assert len(msgs) == 2 and msgs[-1].remote_id == "Sent/abc"


def test_helpdesk_ticket_upsert_notes_and_merge(store: Store) -> None:
    store.ensure_account("desk", "zendesk")

    def ticket(rid: str, *, merged: tuple[str, ...] = (), status: Status = Status.OPEN) -> RemoteConversation:
        return RemoteConversation(
            remote_id=rid, subject=f"Ticket {rid}", customer=ALICE, status=status, raw_status=str(status),
            updated_at=T0, tags=("vip",), merged_from=merged,
            messages=[Message(f"c{rid}", Direction.IN, ALICE, T0, body_text=f"hello {rid}", thread_remote_id=rid)],
            notes=[RemoteNote(f"n{rid}", "internal", "agent", T0)],
        )  # fmt: skip

    store.apply_batch("desk", PullBatch(conversations=[ticket("1"), ticket("2")]))
    store.apply_batch("desk", PullBatch(conversations=[ticket("2", merged=("1",))]))
    desk = [i for i in conversation_ids(store) if store.conversation(i).account == "desk"]  # type: ignore[union-attr]
    assert len(desk) == 1
    (cid,) = desk
    assert len(store.messages(cid)) == 2 and len(store.notes(cid)) == 2
    assert store.conversation(cid).tags == ("vip",)  # type: ignore[union-attr]


def test_search_is_safe_with_fts_syntax(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1, subject="Parcel damaged")]))
    assert len(store.queue_ids("open", "damag")) == 1
    for hostile in ['"', "NEAR(", "a OR", "*", "-", "subject:", "((("]:
        store.queue_ids("open", hostile)  # must not raise


def test_drafts_keep_versions(store: Store) -> None:
    store.apply_batch("mail", PullBatch(messages=[mail(1)]))
    (cid,) = conversation_ids(store)
    for text in ("H", "Hi", "Hi Alice"):
        store.save_draft(cid, text)
    assert store.draft(cid) == "Hi Alice"
    assert store.draft_versions(cid)[:3] == ["Hi Alice", "Hi", "H"]


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    a = Store(tmp_path / "x.db")
    b = Store(tmp_path / "x.db")
    a.ensure_account("mail", "maildir")
    a.apply_batch("mail", PullBatch(messages=[mail(1)]))
    assert b.queue_ids("open") == a.queue_ids("open")

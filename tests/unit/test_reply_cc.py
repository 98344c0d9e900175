"""Replies keep the customer's copies (reply-all, as helpdesks keep CCs): everyone else
the customer's message went to, never our own addresses, editable by the agent; the
automatic acknowledgements go to the sender only. Real SQLite file, real service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox_tui import paths
from inbox_tui.config import AccountConfig, AppConfig
from inbox_tui.errors import InboxError
from inbox_tui.model import Address, Direction, Message, PullBatch
from inbox_tui.outgoing import parse_address_list
from inbox_tui.service import InboxService
from inbox_tui.store import Store

ALICE = Address("alice@example.com", "Alice")
BOSS = Address("boss@example.com", "Her Boss")
ACCOUNTS = Address("accounts@example.com")


def service_for(tmp_path: Path, connector: str, **settings: object) -> InboxService:
    paths.set_home(tmp_path)
    store = Store(paths.db_path())
    store.ensure_account("mail", connector)
    store.apply_batch(
        "mail",
        PullBatch(
            messages=[
                Message(
                    remote_id="INBOX/1",
                    direction=Direction.IN,
                    sender=ALICE,
                    to=(Address("Help@Shop.example", "Shop"), BOSS),
                    cc=(Address("orders@shop.example"), ACCOUNTS, Address("BOSS@example.com")),
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
        agent_email="sam@shop.example",
        accounts={"mail": AccountConfig("mail", connector, {"from": "Shop <help@shop.example>", **settings})},
    )
    return InboxService(store, config, {"mail": frozenset({"reply", "read"})})


@pytest.fixture
def service(tmp_path: Path) -> Iterator[InboxService]:
    service = service_for(tmp_path, "maildir", aliases=["orders@shop.example"])
    yield service
    service.store.close()
    paths.set_home(None)


def only_conversation(service: InboxService) -> int:
    (cid,) = service.queue_ids("open")
    return cid


def test_the_reply_copies_everyone_else_the_customer_wrote_to_but_never_us(service: InboxService) -> None:
    cid = only_conversation(service)
    recipients = service.reply_recipients(cid)
    assert recipients.to == (ALICE,)
    assert recipients.cc == (BOSS, ACCOUNTS)  # not help@ (our From, any case), not the alias, BOSS once
    assert recipients.editable_cc

    op = service.reply(cid, "Hi Alice, it ships today.")
    assert [e for e, _ in op.payload["cc"]] == ["boss@example.com", "accounts@example.com"]
    (sent,) = [m for m in service.store.messages(cid) if m.direction is Direction.OUT]
    assert sent.cc == (BOSS, ACCOUNTS)  # the thread shows who got it


def test_the_agent_can_drop_or_add_copies(service: InboxService) -> None:
    cid = only_conversation(service)
    op = service.reply(cid, "Just for you, Alice.", cc=())
    assert op.payload["cc"] == []
    service.undo_last()
    op = service.reply(cid, "Looping in our courier.", cc=parse_address_list("Courier <desk@courier.example>"))
    assert op.payload["cc"] == [["desk@courier.example", "Courier"]]


def test_a_helpdesk_that_copies_ticket_ccs_itself_gets_none_from_us(tmp_path: Path) -> None:
    service = service_for(tmp_path, "zendesk")
    try:
        cid = only_conversation(service)
        assert not service.reply_recipients(cid).editable_cc
        assert service.reply_recipients(cid).cc == ()
    finally:
        service.store.close()
        paths.set_home(None)


def test_address_lists_are_parsed_or_refused_by_name() -> None:
    assert parse_address_list("Bob <bob@example.org>, carol@example.org") == (
        Address("bob@example.org", "Bob"),
        Address("carol@example.org"),
    )
    assert parse_address_list("  ") == ()
    with pytest.raises(InboxError, match="'Bob' is not an e-mail address"):
        parse_address_list("Bob, carol@example.org")


def test_a_helpdesk_message_copies_its_cc_but_not_its_to_which_is_the_mailbox(tmp_path: Path) -> None:
    service = service_for(tmp_path, "freshdesk")
    try:
        cid = only_conversation(service)
        cc = service.reply_recipients(cid).cc  # the Cc line only; orders@ is no alias of this account
        assert cc == (Address("orders@shop.example"), ACCOUNTS, Address("BOSS@example.com"))
    finally:
        service.store.close()
        paths.set_home(None)

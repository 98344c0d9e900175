"""The whole app against each helpdesk: ``inbox account add`` → ``inbox sync`` → the ticket in
``inbox list --json`` next to mail → reply, note, status, tags and assign through
``InboxService`` (the calls the TUI makes) → ``inbox sync`` flushes them → visible on the
server (RT through its REST API, the contract servers through their back door). And the
stale check: a customer who writes again after the agent queued a reply turns the reply
into a ``conflict`` instead of sending it.

Real processes, real servers: the CLI runs as ``python -m inbox_tui --home DIR``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from inbox_tui import bootstrap, paths
from inbox_tui.model import OpState, Status
from inbox_tui.service import InboxService
from tests.integration.helpers import Desk, Inbox, write_maildir

pytestmark = pytest.mark.servers

CUSTOMER = "carol@customer.example"


@contextmanager
def service_of(inbox: Inbox) -> Iterator[InboxService]:
    """The service as the TUI builds it (``bootstrap.build_service``) on the test's home."""
    service = bootstrap.build_service(inbox.home)
    try:
        yield service
    finally:
        service.store.close()
        paths.set_home(None)


def add_accounts(inbox: Inbox, desk: Desk) -> None:
    write_maildir(inbox.home.parent / "Mail", "Parcel never arrived")
    inbox.run("account", "add", "maildir", "mail", "--path", str(inbox.home.parent / "Mail"), "--from", "Support <help@example.com>")
    inbox.run("account", "add", desk.kind, "desk", *desk.add_args)
    config = inbox.config_text()
    assert all(secret not in config for secret in desk.secrets), "a secret was written into config.toml"


def seed_and_sync(inbox: Inbox, desk: Desk, subject: str, body: str) -> str:
    remote_id = desk.target.seed_conversation(CUSTOMER, subject, body)
    desk.target.settle()
    inbox.sync()
    return str(remote_id)


def test_ticket_sits_next_to_mail_and_agent_work_reaches_the_helpdesk(inbox: Inbox, desk: Desk) -> None:
    add_accounts(inbox, desk)
    remote_id = seed_and_sync(inbox, desk, "Blender stopped working", "The blender broke after two days.")

    rows = inbox.list_json()
    by_account = {(r["account"], r["subject"]) for r in rows}
    assert ("mail", "Parcel never arrived") in by_account
    assert ("desk", "Blender stopped working") in by_account
    ticket_row = next(r for r in rows if r["account"] == "desk")
    assert ticket_row["customer"]["email"] == CUSTOMER and ticket_row["raw_status"]

    with service_of(inbox) as service:
        conv = service.store.conversation_by_remote("desk", remote_id)
        assert conv is not None
        assert {"reply", "note", "status", "tags", "assign"} <= service.upstream["desk"]
        service.reply(conv.id, "Sorry about that! A replacement is on its way.")
        service.add_note(conv.id, "Second blender from this batch; tell QA.")
        service.set_status(conv.id, Status.PENDING)
        service.set_tags(conv.id, add=["warranty"])
        service.assign(conv.id, desk.target.assignee())
        queued = service.outbox()
        assert len(queued) == 5

    inbox.sync("desk")

    with service_of(inbox) as service:
        states = {op.kind.value: op.state for op in service.store.operations(states=[s.value for s in OpState])}
        assert set(states.values()) == {OpState.SENT}, states
    view = desk.upstream(remote_id)
    assert view.replies[-1:] == ("Sorry about that! A replacement is on its way.",)
    assert view.notes[-1:] == ("Second blender from this batch; tell QA.",)
    assert view.status is Status.PENDING
    assert "warranty" in view.tags
    assert view.assignee == desk.target.assignee()
    assert "Sorry about that" not in "".join(view.customer_messages)

    # the next sync brings our own changes back: matched, not doubled
    desk.target.settle()
    inbox.sync("desk")
    with service_of(inbox) as service:
        detail = service.conversation(conv.id)
        replies = [m.body_text for m in detail.messages if m.body_text.startswith("Sorry about that")]
        assert len(replies) == 1 and len([n for n in detail.notes if "tell QA" in n.body]) == 1
        assert detail.conversation.status is Status.PENDING and "warranty" in detail.conversation.tags


def test_customer_writing_again_turns_a_queued_reply_into_a_conflict(inbox: Inbox, desk: Desk) -> None:
    add_accounts(inbox, desk)
    remote_id = seed_and_sync(inbox, desk, "Wrong size", "I ordered an M and got an XL.")

    with service_of(inbox) as service:
        conv = service.store.conversation_by_remote("desk", remote_id)
        assert conv is not None
        op = service.reply(conv.id, "Please send the XL back with the enclosed label.")
        op_id = op.id if op is not None else service.outbox()[0].id

    desk.target.customer_writes(remote_id, "Never mind, the XL fits my husband. Keeping it!")
    desk.target.settle()
    inbox.sync("desk")

    with service_of(inbox) as service:
        assert service.store.operation(op_id).state is OpState.CONFLICT
        detail = service.conversation(conv.id)
        assert any("Keeping it" in m.body_text for m in detail.messages)
    view = desk.upstream(remote_id)
    assert "Please send the XL back with the enclosed label." not in view.replies

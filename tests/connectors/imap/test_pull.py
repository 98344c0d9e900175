"""Pull against a real Dovecot: first sync, incremental changes, resume, the cost of nothing."""

from __future__ import annotations

from connectors.mail import imap_pull
from inbox_tui.model import Direction
from tests.connectors.imap.helpers import Mailbox, MemoryStore, mail


def test_first_sync_delivers_every_message_with_flags_and_a_cursor(mailbox: Mailbox, store: MemoryStore) -> None:
    first = mailbox.deliver(mail("Cannot log in", "The page keeps spinning.", message_id="<login@example.org>"))
    mailbox.deliver(mail("Invoice wrong", "Please fix my invoice."))
    mailbox.server.add_flags(mailbox.user, "INBOX", first, "\\Seen", "\\Flagged")

    store.sync(mailbox.connector())

    assert len(store.messages) == 2
    login = store.by_subject("Cannot log in")
    assert login.remote_id == mailbox.rid(first)
    assert login.message_id == "login@example.org"
    assert "keeps spinning" in login.body_text
    assert login.sender.email == "jane@example.org" and login.direction is Direction.IN
    assert login.flags == frozenset({"seen", "flagged"})
    assert login.folder == "INBOX" and login.thread_remote_id is None
    assert store.by_subject("Invoice wrong").flags == frozenset()
    state = store.cursor["folders"]["INBOX"]
    assert state["uidvalidity"] == mailbox.uidvalidity() and state["uids"] == "1:2" and state["uidnext"] == 3


def test_new_mail_only_is_fetched_next_time(mailbox: Mailbox, store: MemoryStore) -> None:
    mailbox.deliver(mail("Old one"))
    store.sync(mailbox.connector())
    uid = mailbox.deliver(mail("New one", "Arrived later."))

    batches = store.sync(mailbox.connector())  # a new connector: only the cursor carries over

    delivered = [m for b in batches for m in b.messages]
    assert [m.subject for m in delivered] == ["New one"]
    assert delivered[0].remote_id == mailbox.rid(uid)


def test_flag_change_by_another_client_comes_as_flag_change(mailbox: Mailbox, store: MemoryStore) -> None:
    uid = mailbox.deliver(mail("Read elsewhere"))
    other = mailbox.deliver(mail("Untouched"))
    store.sync(mailbox.connector())

    mailbox.server.add_flags(mailbox.user, "INBOX", uid, "\\Seen", "\\Answered")
    batches = store.sync(mailbox.connector())

    changes = [c for b in batches for c in b.flag_changes]
    assert [c.remote_id for c in changes] == [mailbox.rid(uid)]
    assert changes[0].flags == frozenset({"seen", "answered"})
    assert not [m for b in batches for m in b.messages], "flags only: no message is downloaded again"
    assert store.messages[mailbox.rid(other)].flags == frozenset()


def test_flag_removed_by_another_client(mailbox: Mailbox, store: MemoryStore) -> None:
    uid = mailbox.deliver(mail("Unread again"))
    mailbox.server.add_flags(mailbox.user, "INBOX", uid, "\\Seen")
    store.sync(mailbox.connector())
    assert store.messages[mailbox.rid(uid)].flags == {"seen"}

    mailbox.server.remove_flags(mailbox.user, "INBOX", uid, "\\Seen")
    store.sync(mailbox.connector())

    assert store.messages[mailbox.rid(uid)].flags == frozenset()


def test_expunge_is_reported_as_removed(mailbox: Mailbox, store: MemoryStore) -> None:
    keep = mailbox.deliver(mail("Stays"))
    gone = mailbox.deliver(mail("Deleted elsewhere"))
    store.sync(mailbox.connector())

    mailbox.server.expunge(mailbox.user, "INBOX", gone)
    batches = store.sync(mailbox.connector())

    assert [r for b in batches for r in b.removed] == [mailbox.rid(gone)]
    assert set(store.messages) == {mailbox.rid(keep)}
    assert store.cursor["folders"]["INBOX"]["uids"] == str(keep)


def test_expunge_without_qresync_uses_a_uid_diff(mailbox: Mailbox, store: MemoryStore) -> None:
    keep = mailbox.deliver(mail("Stays"))
    gone = mailbox.deliver(mail("Deleted elsewhere"))
    store.sync(mailbox.connector())
    mailbox.server.expunge(mailbox.user, "INBOX", gone)

    connector = mailbox.connector()
    connector.session.qresync = False  # as on a server without QRESYNC (CONDSTORE only)
    batches = store.sync(connector)

    assert [r for b in batches for r in b.removed] == [mailbox.rid(gone)]
    assert mailbox.rid(keep) in store.messages


def test_expunge_and_new_mail_and_flags_in_one_resync(mailbox: Mailbox, store: MemoryStore) -> None:
    a = mailbox.deliver(mail("A"))
    b = mailbox.deliver(mail("B"))
    store.sync(mailbox.connector())
    mailbox.server.expunge(mailbox.user, "INBOX", a)
    mailbox.server.add_flags(mailbox.user, "INBOX", b, "\\Flagged")
    c = mailbox.deliver(mail("C"))

    store.sync(mailbox.connector())

    assert set(store.messages) == {mailbox.rid(b), mailbox.rid(c)}
    assert store.messages[mailbox.rid(b)].flags == {"flagged"}


def test_no_change_resync_costs_one_select_and_yields_nothing(mailbox: Mailbox, store: MemoryStore) -> None:
    for n in range(5):
        mailbox.deliver(mail(f"Message {n}"))
    store.sync(mailbox.connector())

    connector = mailbox.connector()
    before = connector.session.commands
    batches = store.sync(connector)

    assert batches == []
    assert connector.session.commands == before, "the SELECT made when opening is the whole check"


def test_no_change_on_a_second_folder_costs_one_status(mailbox: Mailbox, store: MemoryStore) -> None:
    mailbox.server.create_folder(mailbox.user, "Billing")
    mailbox.deliver(mail("In billing"), folder="Billing")
    store.sync(mailbox.connector(folders=["INBOX", "Billing"]))
    assert store.by_subject("In billing").folder == "Billing"

    connector = mailbox.connector(folders=["INBOX", "Billing"])
    before = connector.session.commands
    assert store.sync(connector) == []
    assert connector.session.commands == before + 1


def test_first_sync_streams_batches_and_resumes_after_a_stop(mailbox: Mailbox, store: MemoryStore, monkeypatch) -> None:
    monkeypatch.setattr(imap_pull, "CHUNK_MESSAGES", 4)
    for n in range(10):
        mailbox.deliver(mail(f"Bulk {n}"))

    first = store.sync(mailbox.connector(), stop_after=1)  # "killed" after the first stored batch
    assert [len(b.messages) for b in first] == [4]
    assert store.cursor["folders"]["INBOX"]["uidnext"] == 5

    rest = store.sync(mailbox.connector())
    assert sum(len(b.messages) for b in rest) == 6, "the resumed sync fetches only the rest"
    assert len(store.messages) == 10
    assert all(b.total_hint == 6 for b in rest if b.messages)


def test_messages_already_stored_are_not_downloaded_again(mailbox: Mailbox, store: MemoryStore) -> None:
    for n in range(3):
        mailbox.deliver(mail(f"Known {n}"))
    store.sync(mailbox.connector())
    store.cursor = None  # a lost cursor: the store still knows the messages

    batches = store.sync(mailbox.connector())

    assert not [m for b in batches for m in b.messages]
    assert store.cursor["folders"]["INBOX"]["uids"] == "1:3"


def test_uidvalidity_change_delivers_everything_again_under_new_ids(mailbox: Mailbox, store: MemoryStore) -> None:
    uid = mailbox.deliver(mail("Renumbered", message_id="<renumbered@example.org>"))
    store.sync(mailbox.connector())
    old_id = mailbox.rid(uid)
    old_validity = mailbox.uidvalidity()

    mailbox.server.set_uidvalidity(mailbox.user, "INBOX", old_validity + 1000)
    batches = store.sync(mailbox.connector())

    again = [m for b in batches for m in b.messages]
    assert [m.message_id for m in again] == ["renumbered@example.org"], "delivered again for the store to re-match"
    assert again[0].remote_id == f"INBOX/{old_validity + 1000}/{uid}"
    # this memory store cannot re-match by Message-ID, so the old id is still there after
    # the re-list and is reported gone; the real store renames it (see test_store_e2e)
    assert [r for b in batches for r in b.removed] == [old_id]
    assert store.cursor["folders"]["INBOX"]["uidvalidity"] == old_validity + 1000
    assert "reset" not in store.cursor["folders"]["INBOX"]


def test_sent_folder_delivers_agent_messages(mailbox: Mailbox, store: MemoryStore) -> None:
    mailbox.deliver(mail("Re: Help", "We are on it.", sender="Someone Else <other@example.org>"), folder="Sent")

    store.sync(mailbox.connector(folders=["INBOX", "Sent"]))

    sent = store.by_subject("Re: Help")
    assert sent.direction is Direction.OUT and sent.folder == "Sent"


def test_agent_address_means_outgoing_in_inbox_too(mailbox: Mailbox, store: MemoryStore) -> None:
    mailbox.deliver(mail("Copy to self", sender=f"Support <{mailbox.address}>"))
    store.sync(mailbox.connector())
    assert store.by_subject("Copy to self").direction is Direction.OUT


def test_missing_folder_is_a_problem_not_a_failure(mailbox: Mailbox, store: MemoryStore) -> None:
    mailbox.deliver(mail("Still here"))
    store.sync(mailbox.connector(folders=["INBOX", "Nope"]))
    assert store.by_subject("Still here")
    assert any("Nope" in p for p in store.problems)


def test_big_pull_parses_on_the_worker_after_a_small_inline_first_batch(mailbox: Mailbox, store: MemoryStore, monkeypatch) -> None:
    from connectors.mail import imap_parse

    monkeypatch.setattr(imap_parse, "POOL_THRESHOLD", 5)
    monkeypatch.setattr(imap_pull, "FIRST_CHUNK", 2)
    monkeypatch.setattr(imap_pull, "CHUNK_MESSAGES", 3)
    for n in range(10):
        mailbox.deliver(mail(f"Pooled {n}", f"Größe {n}"))
    connector = mailbox.connector()
    started: list[bool] = []
    real_start = imap_parse.Parser.start
    monkeypatch.setattr(imap_parse.Parser, "start", lambda self: (started.append(True), real_start(self))[1])

    batches = [b for b in store.sync(connector) if b.messages]

    assert started, "the worker process was used"
    assert [len(b.messages) for b in batches] == [2, 3, 3, 2]
    assert sorted(m.subject for m in store.messages.values()) == [f"Pooled {n}" for n in range(10)]
    assert store.by_subject("Pooled 7").body_text == "Größe 7"
    assert store.cursor["folders"]["INBOX"]["uidnext"] == 11

"""The offline guarantees as the agent meets them in the TUI (Pilot, headless, on a real
home synced from a real Maildir): a typed draft comes back in a fresh app, the outbox
screen shows a conflict beside what changed and settles it, an unreachable account reads
"offline since HH:MM" and the outbox flushes by itself with back-off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_tui import bootstrap, keymap, paths
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.outbox import ActionMenu, EditOperation, OutboxScreen
from inbox_tui.ui.sync_runner import Backoff
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.status_bar import StatusBar
from tests.faults.homes import Home, secret, sync
from tests.faults.targets import MaildirTarget
from tests.faults.test_conflict_journal import customer_writes_again, queue
from tests.servers.dovecot import free_port
from tests.ui.conftest import screen_text, settle, type_text, until

SIZE = (140, 40)


@pytest.fixture
def target() -> Iterator[MaildirTarget]:
    t = MaildirTarget()
    t.start(3)
    yield t
    t.stop()


@pytest.fixture
def home(target: MaildirTarget, tmp_path: Path) -> Iterator[Home]:
    home = Home.create(tmp_path / "home", target.account, target.account_table())
    assert sync(home)[0] == 0
    yield home
    paths.set_home(None)


async def open_conversation(pilot, app: InboxApp, cid: int) -> None:  # type: ignore[no-untyped-def]
    """Walk the queue with j to conversation ``cid``, press Enter."""
    queue = app.screen.query_one(QueueList)
    for _ in range(len(queue.ids)):
        if queue.ids[queue.cursor] == cid:
            break
        await pilot.press("j")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "the conversation")
    assert app.screen.conversation_id == cid


async def reply_to_first(pilot, app: InboxApp) -> tuple[int, ComposeScreen]:  # type: ignore[no-untyped-def]
    """Open the first conversation of the queue and start a reply: its id and the compose box."""
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConversationScreen), "the conversation")
    cid = app.screen.conversation_id
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
    assert isinstance(app.screen, ComposeScreen)
    return cid, app.screen


def make_app(home: Home) -> InboxApp:
    return InboxApp(bootstrap.build_service(home.path), keymap.load("default"))


async def test_typed_draft_is_saved_while_typing_and_offered_by_a_fresh_app(home: Home) -> None:
    text = "Hello, I checked with the courier and"
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid, compose = await reply_to_first(pilot, app)
        await type_text(pilot, text)
        await until(
            pilot,
            lambda: app.service.store.draft(cid) == text,
            f"the debounced autosave (typed {compose.text_area.text!r})",
            timeout=5,
        )
        assert compose.drafts_saved >= 1
        # no Escape, no send: the app just goes away with the compose box open

    assert bootstrap.build_service(home.path).conversation(cid).draft == text

    again = make_app(home)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_conversation(pilot, again, cid)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(again.screen, ComposeScreen), "compose")
        assert again.screen.text_area.text == text
        assert "Your saved draft is back" in screen_text(again)


async def test_outbox_screen_shows_the_conflict_beside_the_news_and_sends_anyway(target: MaildirTarget, home: Home) -> None:
    op_id, _cid, parent = queue(home, "We are sending a replacement today.")
    customer_writes_again(target, parent, "Found it at the neighbour's, no replacement needed!")
    assert sync(home)[1]["conflicts"] == 1
    other_id, _, _ = queue(home, "A second reply, to be edited.", index=1)

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OutboxScreen), "the outbox")
        outbox = app.screen
        await until(pilot, lambda: "What changed since you acted" in screen_text(app), "the conflict's news")
        text = screen_text(app)
        assert "conflict" in text and "Found it at the neighbour's" in text and "sending a replacement" in text

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionMenu), "the action menu")
        assert [o.id for o in app.screen.query_one("OptionList")._options] == ["send_anyway", "edit", "discard"]
        await pilot.press("enter")  # send anyway
        await until(pilot, lambda: app.service.store.operation(op_id).state.value == "pending", "send anyway")

        await until(pilot, lambda: app.screen is outbox and len(outbox.entries) == 2, "back on the outbox")
        outbox.query_one("#outbox-list").highlighted = [e.operation.id for e in outbox.entries].index(other_id)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionMenu), "the action menu")
        await pilot.press("down", "enter")  # past "send now" to "edit"
        await until(pilot, lambda: isinstance(app.screen, EditOperation), "the editor")
        await type_text(pilot, "Edited in the outbox. ")
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: app.service.store.operation(other_id).payload["body_text"]
            == "Edited in the outbox. A second reply, to be edited.",
            "the edit",
        )
    assert sync(home)[1]["sent"] == 2


async def test_unreachable_account_reads_offline_since_and_flushes_with_back_off(tmp_path: Path) -> None:
    dead = free_port()
    home = Home.create(
        tmp_path / "home",
        "mail",
        'connector = "imap"\nhost = "127.0.0.1"\n'
        f'port = {dead}\ntls = "none"\nuser = "agent"\npassword = {secret("pw")}\n'
        'from = "Support <agent@example.test>"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {dead}\nsmtp_tls = "none"\ntimeout = 2\n',
    )
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        app.auto_flush.backoff = Backoff(base=0.3, cap=1.2, delay=0.3)
        app.auto_flush.arm()
        await settle(pilot)
        # nothing is queued, but the account is unknown-state: the first flush finds it offline
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "offline since" in str(app.screen.query_one(StatusBar).render()), "offline", 20)
        first = app.auto_flush.next_in
        await until(pilot, lambda: (app.auto_flush.next_in or 0) > (first or 0), "an automatic retry backing off", 20)
        assert app.auto_flush.next_in <= 1.2
    paths.set_home(None)


def test_backoff_doubles_to_its_cap_and_resets_on_success() -> None:
    b = Backoff(base=30, cap=600, delay=30)
    assert [b.failed() for _ in range(7)] == [30, 60, 120, 240, 480, 600, 600]
    assert b.succeeded() == 30 and b.delay == 30


async def test_continuous_typing_is_on_disk_within_a_second(home: Home) -> None:
    """The debounce has a cap: typing without a pause still saves at least once a second."""
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid, compose = await reply_to_first(pilot, app)
        started = time.monotonic()
        while time.monotonic() - started < 2.6:  # a key every 0.1 s: never a 0.8 s pause
            await pilot.press("a")
            await pilot.pause(0.1)
        saved = compose.drafts_saved
        on_disk = bootstrap.build_service(home.path).conversation(cid).draft or ""
        typed = compose.text_area.text
    assert saved >= 2, f"only {saved} autosaves in 2.6 s of typing"
    assert typed.startswith(on_disk) and len(typed) - len(on_disk) <= 12, (len(typed), len(on_disk))
    paths.set_home(None)

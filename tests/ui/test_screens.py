"""Help, outbox, status bar, in-app sync, note dialog, command palette, keymap errors."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from inbox_tui import actions
from inbox_tui.model import OpKind
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.help import HelpScreen
from inbox_tui.ui.screens.note_input import NoteScreen
from inbox_tui.ui.screens.outbox import OutboxScreen
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle, type_text, until
from tests.ui.test_flow import ERIK, open_conversation_of, widget_text


def static_text(widget: Static) -> str:
    content = widget.visual
    return getattr(content, "plain", str(content))


async def test_help_lists_every_action_of_the_catalogue_with_its_live_keys(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = static_text(app.screen.query_one("#help-text", Static))
        for action in actions.ACTIONS.values():
            assert action.description in text, action.id
            assert action.id in text
            keys = app.keymap.display_keys(action.id)
            if keys:
                line = next(line for line in text.splitlines() if line.rstrip().endswith(action.id))
                assert keys in line, (action.id, keys, line)
        assert "Keys — keymap “default”" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_help_follows_a_user_keymap(make_app: AppFactory, tmp_path: Path) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text('[conversation]\nreply = "R"\n', encoding="utf-8")
    app = make_app(user_keymap=user)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = static_text(app.screen.query_one("#help-text", Static))
        line = next(line for line in text.splitlines() if line.rstrip().endswith("conversation.reply"))
        assert line.split()[0] == "R", line


async def test_a_broken_keymap_is_reported_not_fatal(make_app: AppFactory) -> None:
    app = make_app(keymap_error="keymap.toml:3: unknown action 'conversation.explode'")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any("conversation.explode" in n for n in notifications(app))


async def test_outbox_screen_lists_what_is_queued(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OutboxScreen), "the outbox")
        assert "Outbox — 0 open operations" in screen_text(app)
        assert "The outbox is empty" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")

        screen = await open_conversation_of(pilot, app, ERIK)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await type_text(pilot, "On its way.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, "back on the conversation")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OutboxScreen), "the outbox")
        ops = app.service.outbox()
        assert any(op.kind is OpKind.REPLY for op in ops)
        text = screen_text(app)
        assert f"Outbox — {len(ops)} open operation" in text
        assert "reply" in text and f"#{screen.conversation_id}" in text and "pending" in text
        await pilot.press("o")  # the same key closes it
        await until(pilot, lambda: app.screen is screen, "closed again")


async def test_status_bar_shows_account_last_sync_and_pending_then_syncs_in_app(make_app: AppFactory, home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = widget_text(app.screen.query_one(StatusBar))
        assert "shop" in bar and "never synced" in bar and "outbox empty" in bar

        screen = await open_conversation_of(pilot, app, ERIK)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await type_text(pilot, "Swapped to L.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, "back on the conversation")
        pending = app.service.status_info().pending_ops
        assert pending >= 1
        await until(pilot, lambda: f"⇡ {pending} pending" in widget_text(screen.query_one(StatusBar)), "pending count")

        # Ctrl+R runs `inbox sync` as a subprocess: the reply goes out through the send command
        await pilot.press("ctrl+r")
        await until(pilot, lambda: any(n.startswith("Synced") for n in notifications(app)), "the sync to finish", timeout=60)
        await settle(pilot)
        bar = widget_text(screen.query_one(StatusBar))
        assert "synced just now" in bar and "outbox empty" in bar, bar
        assert app.service.status_info().pending_ops == 0
        sent = [p for d in ("cur", "new") for p in (home / "Mail" / ".Sent" / d).glob("*")]
        assert len(sent) == 1
        assert b"Swapped to L." in sent[0].read_bytes()


async def test_note_dialog_cancel_saves_nothing(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteScreen), "the note dialog")
        assert "only your team sees it" in screen_text(app)
        await type_text(pilot, "never mind")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back")
        await settle(pilot)
        assert app.service.conversation(screen.conversation_id).notes == []
        assert "No notes yet" in screen_text(app)


async def test_command_palette_runs_an_action_by_its_description(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "Last row")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and queue.cursor == len(queue.ids) - 1, "the last row")


async def test_an_empty_home_says_how_to_add_an_account(tmp_path: Path) -> None:
    from inbox_tui import bootstrap, keymap, paths
    from inbox_tui.ui.app import InboxApp

    paths.set_home(tmp_path / "fresh")
    try:
        app = InboxApp(bootstrap.build_service(tmp_path / "fresh"), keymap.load("default", None))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: "inbox account add" in screen_text(app), "the no-account hint")
            assert "inbox demo" in screen_text(app) and "inbox zero" not in screen_text(app)
    finally:
        paths.set_home(None)

"""Macros through the real app: record → save → replay, the dry run, marked rows, undo
while the operations are still pending, the palette and the picker's usage numbers."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from inbox_tui import macros
from inbox_tui.model import OpKind, Status
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.help import HelpScreen
from inbox_tui.ui.screens.macro_preview import MacroPreview
from inbox_tui.ui.screens.queue import QueueScreen
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle
from tests.ui.test_keyboard import MACRO, press


def replies_of(app: object, cid: int) -> list[dict]:  # type: ignore[type-arg]
    ops = app.service.outbox()  # type: ignore[attr-defined]
    return [o.payload for o in ops if o.conversation_id == cid and o.kind is OpKind.REPLY]


async def test_record_save_and_replay_in_vim(make_app: AppFactory, home: Path) -> None:
    app = make_app(name="vim")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = list(app.screen.queue.ids)
        await press(pilot, ["l", "q", "a"])
        assert app.recorder.register == "a"
        await press(pilot, ["c", *"late", "enter", "ctrl+s", "t", *"delay", "enter", "x", "q"])
        assert [s.text for s in app.recorder.steps("a")] == ["canned late-delivery", "tag +delay", "status closed", "next"]
        assert any(n.startswith("Recorded @a: canned late-delivery") for n in notifications(app))
        assert app.screen.conversation_id == ids[1]

        await press(pilot, ["W", *"late-close", "enter", "K", "enter"])
        assert macros.load() == []  # K is "previous" in a conversation: refused, the dialog stays
        assert "clashes with conversation.previous" in screen_text(app)
        await press(pilot, ["backspace", "S", "enter"])
        saved = {m.name: m for m in macros.load()}["late-close"]
        assert saved.key == "S" and [s.text for s in saved.steps][-1] == "next"

        await press(pilot, ["at", "a"])  # replay the register on the second conversation
        assert isinstance(app.screen, MacroPreview)
        assert "Dry run: @a" in screen_text(app)
        await press(pilot, ["enter"])
        assert app.service.conversation(ids[1]).conversation.status is Status.CLOSED
        assert replies_of(app, ids[1])[0]["canned"] == "late-delivery"
        assert isinstance(app.screen, ConversationScreen) and app.screen.conversation_id == ids[2]

        await press(pilot, ["S", "enter"])  # the saved macro's own key
        assert app.service.conversation(ids[2]).conversation.status is Status.CLOSED
        assert app.screen.conversation_id == ids[3]


async def test_dry_run_shows_everything_and_escape_changes_nothing(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(MACRO, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen.queue.ids[0]
        conv = app.service.conversation(first).conversation
        await press(pilot, ["enter", "M", *"late", "enter"])  # the macro picker, filtered
        assert isinstance(app.screen, MacroPreview)
        text = screen_text(app)
        assert f"#{first} {conv.subject}" in text
        assert "reply (canned: late-delivery):" in text and f"│ Hi {conv.customer.first_name}," in text
        assert "│ Sam Rivera" in text  # the whole reply, rendered
        assert "tags: +shipping +delay" in text and "status: open → closed" in text
        assert "then: next conversation" in text and "Enter runs it on 1 conversation" in text
        await press(pilot, ["escape"])
        assert isinstance(app.screen, ConversationScreen) and app.screen.conversation_id == first
        assert [o for o in app.service.outbox() if o.kind is not OpKind.READ] == []  # opening marks it read
        assert app.service.conversation(first).conversation.status is Status.OPEN


async def test_marked_rows_one_group_each_and_undo_before_flush(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(MACRO, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = list(app.screen.queue.ids)
        await press(pilot, ["space", "space"])  # mark the first two rows
        assert set(app.macro_desk.marked) == {ids[0], ids[1]}
        await press(pilot, ["L"])
        text = screen_text(app)
        assert f"#{ids[0]} " in text and f"#{ids[1]} " in text and "on 2 conversations" in text
        await press(pilot, ["enter"])
        assert isinstance(app.screen, QueueScreen) and app.macro_desk.marked == {}
        for cid in ids[:2]:
            assert app.service.conversation(cid).conversation.status is Status.CLOSED
            assert len(replies_of(app, cid)) == 1
        await press(pilot, ["u"])  # undo: the last conversation's whole run, still pending
        second = app.service.conversation(ids[1])
        assert second.conversation.status is Status.OPEN and "delay" not in second.conversation.tags
        assert replies_of(app, ids[1]) == [] and "Undone" in notifications(app)[-1]
        assert app.service.conversation(ids[0]).conversation.status is Status.CLOSED
        await press(pilot, ["u"])
        assert app.service.conversation(ids[0]).conversation.status is Status.OPEN
        assert app.service.outbox() == []


async def test_palette_lists_macros_and_picker_shows_usage(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(MACRO, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen.queue.ids[0]
        await press(pilot, ["ctrl+p", *"late-delay"])
        await settle(pilot, rounds=3)
        assert "Macro: late-delay" in screen_text(app)
        await press(pilot, ["enter"])
        assert isinstance(app.screen, MacroPreview)
        await press(pilot, ["enter"])
        assert app.service.conversation(first).conversation.status is Status.CLOSED
        await press(pilot, ["enter", "c"])  # the canned picker on the next conversation
        assert "used 1× · 100% closed" in screen_text(app)


async def test_help_lists_the_macros_with_their_keys(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(
        MACRO + '\n[refund-ok]\ndescription = "Refund approved: note, tag, close"\nsteps = ["tag +refund", "status closed"]\n',
        encoding="utf-8",
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, ["question_mark"])
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).visual)
        late = next(line for line in text.splitlines() if line.rstrip().endswith("late-delay"))
        assert late.split()[0] == "L" and "canned late-delivery, tag +delay" in late
        refund = next(line for line in text.splitlines() if line.rstrip().endswith("refund-ok"))
        assert refund.split()[0] == "—" and "Refund approved: note, tag, close" in refund


async def test_marked_rows_show_a_star_until_the_macro_ran(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(MACRO, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.queue

        def first_cells() -> list[str]:
            return [queue.render_line(y).text[:1] for y in range(3)]

        assert first_cells() == ["▌", " ", " "]
        await press(pilot, ["space", "space"])  # mark the first two rows; the cursor walks on
        assert first_cells() == ["*", "*", "▌"]
        await press(pilot, ["k", "space"])  # unmark the second
        assert first_cells() == ["*", " ", "▌"] and len(app.macro_desk.marked) == 1
        await press(pilot, ["L", "enter"])
        assert app.macro_desk.marked == {} and "*" not in first_cells()

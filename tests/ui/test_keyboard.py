"""The keyboard, driven through the real app: the same support flow with each keymap, vim
sequences and counts, emacs chords, bad keymap/macro files, and ;shortcut expansion.

The flow — open the oldest unanswered conversation, answer with a canned reply, tag, close,
land on the next one — is counted key by key; the counts must match README.md's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from inbox_tui import bootstrap, keymap, macros, paths
from inbox_tui.model import OpKind, Status
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.queue import QueueScreen
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle

README = Path(__file__).resolve().parents[2] / "README.md"

FLOWS = {
    # open, canned picker + shortcut + Enter, send, tag dialog + word + Enter, close (moves on)
    "default": ["enter", "c", *"late", "enter", "ctrl+s", "t", *"delay", "enter", "x"],
    "vim": ["l", "c", *"late", "enter", "ctrl+s", "t", *"delay", "enter", "x"],
    "emacs": ["enter", "c", *"late", "enter", "ctrl+c", "ctrl+c", "t", *"delay", "enter", "x"],
}
MACRO = '[late-delay]\nkey = "L"\nsteps = ["canned late-delivery", "tag +delay", "status closed", "next"]\n'
MACRO_FLOW = ["enter", "L", "enter"]  # open, run the macro, confirm its dry run


async def press(pilot: Pilot[object], keys: list[str]) -> int:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, rounds=1)
    await settle(pilot)
    return len(keys)


def readme_counts() -> dict[str, int]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- keystrokes:start -->", 1)[1].split("<!-- keystrokes:end -->", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| ([^|]+?) \| (\d+) \|", block, re.M)}


def assert_flow_done(app: object, first: int, second: int) -> None:
    service = app.service  # type: ignore[attr-defined]
    conv = service.conversation(first).conversation
    assert conv.status is Status.CLOSED
    assert {"delay", "shipping"} <= set(conv.tags)
    replies = [o for o in service.outbox() if o.conversation_id == first and o.kind is OpKind.REPLY]
    assert len(replies) == 1 and replies[0].payload["canned"] == "late-delivery"
    assert replies[0].payload["body_text"].startswith(f"Hi {conv.customer.first_name or 'there'},")
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ConversationScreen) and screen.conversation_id == second


@pytest.mark.parametrize("name", ["default", "vim", "emacs"])
async def test_the_support_flow_with_each_keymap(make_app: AppFactory, name: str) -> None:
    app = make_app(name=name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = list(app.screen.queue.ids)
        unanswered = app.service.queue_ids("unanswered")
        assert ids[0] == unanswered[0]  # the top row is the first unanswered conversation to take
        count = await press(pilot, FLOWS[name])
        assert_flow_done(app, ids[0], ids[1])
    assert readme_counts()[f"{name} keymap"] == count


async def test_the_flow_with_a_macro_on_one_key(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text(MACRO, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = list(app.screen.queue.ids)
        await press(pilot, MACRO_FLOW[:2])
        assert "Dry run: late-delay" in screen_text(app)
        name = app.service.conversation(ids[0]).conversation.customer.first_name
        assert f"│ Hi {name}," in screen_text(app) and "status: open → closed" in screen_text(app)
        await press(pilot, MACRO_FLOW[2:])
        assert_flow_done(app, ids[0], ids[1])
    assert readme_counts()["macro on one key (any keymap)"] == len(MACRO_FLOW) <= 4


async def test_vim_sequences_counts_and_command_line(make_app: AppFactory) -> None:
    app = make_app(name="vim")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.queue
        await press(pilot, ["G"])
        assert queue.cursor == len(queue.ids) - 1
        await press(pilot, ["g", "g"])
        assert queue.cursor == 0
        await press(pilot, ["5", "j"])
        assert queue.cursor == 5
        await press(pilot, ["1", "2", "k"])  # a count larger than the distance stops at the top
        assert queue.cursor == 0
        await press(pilot, ["g", "x", "j"])  # a broken sequence is dropped, the next key counts
        assert queue.cursor == 1
        await press(pilot, ["colon"])
        assert type(app.screen).__name__ == "CommandPalette"


async def test_emacs_chords(make_app: AppFactory) -> None:
    app = make_app(name="emacs")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.queue
        await press(pilot, ["ctrl+n", "ctrl+n", "ctrl+p"])
        assert queue.cursor == 1
        await press(pilot, ["ctrl+s"])
        assert app.screen.query_one("#search").has_focus
        await press(pilot, ["escape", "alt+x"])
        assert type(app.screen).__name__ == "CommandPalette"
        await press(pilot, ["escape", "ctrl+x", "ctrl+c"])
    assert app.return_code == 0


async def test_bad_user_keymap_starts_on_the_last_good_one(make_app: AppFactory, home: Path) -> None:
    last_good = home / "last-good.json"
    user = paths.user_keymap_file()
    user.write_text('[queue]\ndown = "n"\n', encoding="utf-8")
    keymap.load_safe("vim", user, last_good)  # a session that loaded fine
    user.write_text('[queue]\ndown = "n"\nsideways = "s"\n', encoding="utf-8")
    km, error = keymap.load_safe("vim", user, last_good)
    assert error is not None
    app = InboxApp(bootstrap.build_service(home), km, keymap_error=error)  # what `inbox` does at start
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        shown = notifications(app)
        assert any(n.startswith(f"{user}:3: unknown action 'queue.sideways'") for n in shown)
        await press(pilot, ["n", "g", "g", "G"])  # the user's key and vim's keys still work
        assert app.screen.queue.cursor == len(app.screen.queue.ids) - 1


async def test_bad_macro_file_is_reported_and_the_app_still_starts(make_app: AppFactory, home: Path) -> None:
    macros.macros_file().write_text('[oops]\nsteps = ["status shut"]\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any(n.startswith(f"{macros.macros_file()}:2: oops: status must be one of") for n in notifications(app))
        await press(pilot, ["j"])
        assert app.screen.queue.cursor == 1


async def test_shortcut_expands_in_compose(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen.queue.ids[0]
        await press(pilot, ["enter", "r", *"Hello", "space", *"there", "enter", "semicolon", *"late", "tab"])
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        text = compose.text_area.text
        name = app.service.conversation(first).conversation.customer.first_name
        assert text.startswith(f"Hello there\nHi {name},") and ";late" not in text and "{{" not in text
        assert compose.canned == "late-delivery"
        await press(pilot, ["enter", "semicolon", *"nope", "tab"])
        assert "No canned reply has the shortcut ;nope" in screen_text(app)
        await press(pilot, ["ctrl+s"])
        assert app.service.conversation(first).conversation.status is Status.PENDING  # the canned reply's status

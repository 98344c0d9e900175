"""Answering from the queue, as mutt's index does: ``r`` opens the highlighted
conversation with the reply box, ``c`` with the canned replies."""

from __future__ import annotations

from inbox_tui.model import OpKind
from inbox_tui.ui.screens.canned_picker import CannedPicker
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.queue import QueueScreen
from tests.ui.conftest import SIZE, AppFactory, screen_text, settle, type_text, until
from tests.ui.test_triage import find, move_to, started


async def test_r_in_the_queue_replies_to_the_highlighted_conversation(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert "r Reply" in screen_text(app)  # the footer teaches it
        erik = find(app, "from:erik@example.se")
        await move_to(pilot, erik)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "the reply box")
        compose = app.screen
        assert isinstance(compose, ComposeScreen) and compose.conversation_id == erik
        await type_text(pilot, "An L is on its way.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen), "the conversation behind it")
        ops = [o for o in app.service.store.operations(conversation_id=erik) if o.kind is OpKind.REPLY]
        assert len(ops) == 1 and "An L is on its way." in ops[0].payload["body_text"]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "back in the queue")


async def test_c_in_the_queue_opens_the_canned_replies(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        erik = find(app, "from:erik@example.se")
        await move_to(pilot, erik)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CannedPicker), "the canned replies")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen), "the conversation")
        assert app.screen.conversation_id == erik  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")


async def test_the_letters_are_text_in_the_search_box(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("slash", "c", "r")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#search").value == "cr"  # type: ignore[attr-defined]

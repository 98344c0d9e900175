"""The draft's history in the compose box: Ctrl+O lists the earlier versions, one goes
back into the reply, and the text it replaced stays in the history."""

from __future__ import annotations

from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.draft_history import DraftHistoryScreen
from tests.ui.conftest import SIZE, AppFactory, screen_text, settle, type_text, until
from tests.ui.test_flow import ERIK, open_conversation_of


async def test_an_earlier_version_goes_back_into_the_reply_and_the_replaced_text_stays(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        await type_text(pilot, "Hi Erik, the refund went out today.")
        await until(pilot, lambda: app.service.conversation(cid).draft == "Hi Erik, the refund went out today.", "saved")
        compose.text_area.text = "Hi Erik"  # the agent deleted the sentence
        await until(pilot, lambda: app.service.conversation(cid).draft == "Hi Erik", "the shorter text saved")

        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, DraftHistoryScreen), "the history")
        history = app.screen
        assert isinstance(history, DraftHistoryScreen)
        assert [v.body for v in history.versions][:1] == ["Hi Erik, the refund went out today."]
        shown_text = screen_text(app)
        assert "Earlier versions of this draft" in shown_text and "+28 chars" in shown_text
        assert "the refund went out today." in shown_text  # the preview

        await pilot.press("enter")
        await until(pilot, lambda: app.screen is compose, "back in the compose box")
        assert compose.text_area.text == "Hi Erik, the refund went out today."
        await until(pilot, lambda: app.service.conversation(cid).draft == "Hi Erik, the refund went out today.", "saved")
        assert "Hi Erik" in [v.body for v in app.service.draft_history(cid)]  # what it replaced is kept

        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, DraftHistoryScreen), "the history again")
        assert [v.body for v in app.screen.versions][0] == "Hi Erik"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is compose, "escape changes nothing")
        assert compose.text_area.text == "Hi Erik, the refund went out today."


async def test_a_new_draft_has_no_history_and_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_conversation_of(pilot, app, ERIK)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, DraftHistoryScreen), "the history")
        assert "No earlier versions yet" in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "nothing chosen: back")
        assert app.screen.text_area.text == ""  # type: ignore[attr-defined]

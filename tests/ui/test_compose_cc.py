"""Copies in the reply box: the customer's CCs are shown and kept (reply-all), and
Ctrl+L edits them; a bad address keeps the dialog open and names it."""

from __future__ import annotations

from inbox_tui.model import OpKind
from inbox_tui.ui.screens.cc_input import CcScreen
from inbox_tui.ui.screens.compose import ComposeScreen
from tests.ui.conftest import SIZE, AppFactory, screen_text, settle, type_text, until
from tests.ui.test_flow import open_conversation_of, widget_text

DANA = ("dana@example.com", "URGENT: charged twice for order 2210")


def reply_ops(app, cid: int) -> list:  # type: ignore[no-untyped-def]
    return [o for o in app.service.store.operations() if o.conversation_id == cid and o.kind is OpKind.REPLY]


async def test_the_customers_copies_are_kept_and_shown(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, DANA)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        head = widget_text(app.screen.query_one("#compose-head"))
        assert "Reply to Dana Whitfield <dana@example.com>  cc Accounts Payable <ap@whitfield.example>" in head
        assert "help@shop.example" not in head  # a copy to ourselves is never sent back
        await type_text(pilot, "Refunded the second charge.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and reply_ops(app, screen.conversation_id), "queued")
        (op,) = reply_ops(app, screen.conversation_id)
        assert op.payload["cc"] == [["ap@whitfield.example", "Accounts Payable"]]


async def test_ctrl_l_edits_the_copies_and_refuses_a_bad_address(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, DANA)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        compose = app.screen
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, CcScreen), "the copies dialog")
        field = app.screen.query_one("#cc-input")
        assert field.value == "Accounts Payable <ap@whitfield.example>"  # type: ignore[attr-defined]
        field.value = "Dana's boss"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: "is not an e-mail address" in screen_text(app), "the bad entry named")
        assert isinstance(app.screen, CcScreen)
        field.value = "boss@whitfield.example"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is compose, "back in the reply")
        head = widget_text(compose.query_one("#compose-head"))
        assert "cc boss@whitfield.example" in head and "Accounts Payable" not in head
        await type_text(pilot, "Copying your manager as asked.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and reply_ops(app, screen.conversation_id), "queued")
        (op,) = reply_ops(app, screen.conversation_id)
        assert op.payload["cc"] == [["boss@whitfield.example", ""]]

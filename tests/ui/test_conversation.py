"""The conversation screen: thread, customer panel, tags, status keys, walking the queue,
drafts. Everything through keys, checked against the real store."""

from __future__ import annotations

from inbox_tui.model import Direction, Status
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.screens.tag_input import TagScreen, parse_tag_changes
from inbox_tui.ui.widgets.conversation_header import ConversationHeader
from inbox_tui.ui.widgets.customer_panel import CustomerPanel
from inbox_tui.ui.widgets.message_card import MessageCard
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.thread_view import ThreadView
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle, type_text, until
from tests.ui.test_flow import ALICE, ERIK, open_conversation_of, widget_text

BOB = ("bob@example.org", "Refund for a damaged mug")


async def test_thread_shows_customer_and_agent_apart_with_attachments_and_history(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, BOB)
        cards = list(screen.query(MessageCard))
        assert len(cards) == 2  # the original and Bob's follow-up, threaded by In-Reply-To
        assert all(card.has_class("-in") for card in cards)
        text = widget_text(screen.query_one(ThreadView))
        assert "Here are the photos." in text and "The mug arrived broken" in text
        assert "📎 photo of box.jpg" in text and "image/jpeg · 179 KB" in text and "invoice.pdf" in text
        header = widget_text(screen.query_one(ConversationHeader))
        assert "Refund for a damaged mug" in header and "2 messages" in header
        # an agent reply is drawn differently (class -out, "AGENT" label)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await type_text(pilot, "Refund sent.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(screen.query(MessageCard)) == 3, "the reply in the thread")
        last = list(screen.query(MessageCard))[-1]
        assert last.has_class("-out") and last.has_class("-queued")
        assert "AGENT" in str(last.border_title) and "CUSTOMER" in str(cards[0].border_title)
        assert last.message.direction is Direction.OUT

        # Alice's customer panel lists her other conversation
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")
        await pilot.press("home")
        screen = await open_conversation_of(pilot, app, ALICE)
        panel = widget_text(screen.query_one(CustomerPanel))
        assert "Alice Moreau" in panel and "alice@example.com" in panel
        assert "1 other conversation" in panel and "Wrong colour of scarf" in panel


async def test_next_and_previous_walk_the_queue_order(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        order = list(app.screen.query_one(QueueList).ids)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "conversation")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert screen.conversation_id == order[0]
        await pilot.press("J")
        await until(pilot, lambda: screen.detail is not None and screen.detail.conversation.id == order[1], "the second")
        assert f"2/{len(order)}" in screen_text(app)
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: screen.detail is not None and screen.detail.conversation.id == order[2], "the third")
        await pilot.press("K", "K")
        await until(pilot, lambda: screen.detail is not None and screen.detail.conversation.id == order[0], "the first")
        await pilot.press("K")
        await settle(pilot)
        assert "This is the first one" in notifications(app)
        assert screen.conversation_id == order[0]
        await pilot.press("J", "J", "escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")
        await settle(pilot)
        assert app.screen.query_one(QueueList).current_id == order[2]  # back where the agent was


async def test_tags_are_added_and_removed_by_keyboard(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TagScreen), "the tag dialog")
        assert "none yet" in screen_text(app)
        await type_text(pilot, "+exchange vip\n")
        await until(pilot, lambda: set(app.service.conversation(cid).conversation.tags) == {"exchange", "vip"}, "tags stored")
        await until(pilot, lambda: "#exchange #vip" in widget_text(screen.query_one(ConversationHeader)), "tags in the header")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TagScreen), "the tag dialog")
        assert "#exchange #vip" in screen_text(app)
        await type_text(pilot, "-vip\n")
        await until(pilot, lambda: app.service.conversation(cid).conversation.tags == ("exchange",), "vip removed")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TagScreen), "the tag dialog")
        await pilot.press("escape")  # cancel changes nothing
        await settle(pilot)
        assert app.screen is screen
        assert app.service.conversation(cid).conversation.tags == ("exchange",)


def test_tag_line_parsing() -> None:
    assert parse_tag_changes("+refund -urgent vip, #late") == (["refund", "vip", "late"], ["urgent"])
    assert parse_tag_changes(" + - ") == ([], [])


async def test_status_keys_in_the_conversation(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id

        def status() -> Status:
            return app.service.conversation(cid).conversation.status

        await pilot.press("p")
        await until(pilot, lambda: status() is Status.PENDING, "pending")
        await until(pilot, lambda: " pending " in widget_text(screen.query_one(ConversationHeader)), "the badge")
        await pilot.press("O")
        await until(pilot, lambda: status() is Status.OPEN, "reopened")
        assert screen.conversation_id == cid  # only closing moves on
        await pilot.press("x")
        await until(pilot, lambda: status() is Status.CLOSED, "closed")
        await until(pilot, lambda: screen.conversation_id != cid, "moved on")


async def test_status_keys_in_the_queue(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        await pilot.press("j")
        cid = queue.current_id
        assert cid is not None
        await pilot.press("p")
        await until(pilot, lambda: app.service.conversation(cid).conversation.status is Status.PENDING, "pending")
        await settle(pilot)
        row = queue.row(queue.cursor)
        if cid in queue.ids:  # "All open" keeps pending ones: the cursor stays on it
            assert queue.current_id == cid and row is not None and str(row.status) == "pending"
        unread = app.service.conversation(cid).conversation.unread
        await pilot.press("U")  # toggle read
        await until(pilot, lambda: app.service.conversation(cid).conversation.unread is not unread, "read state flipped")
        await until(pilot, lambda: (r := queue.row(queue.cursor)) is not None and r.unread is not unread, "the row redrawn")
        await pilot.press("U")
        await until(pilot, lambda: app.service.conversation(cid).conversation.unread is unread, "flipped back")


async def test_escape_keeps_the_draft_and_reply_offers_it_back(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await type_text(pilot, "Half a thought")
        await pilot.press("escape")
        await until(pilot, lambda: app.service.conversation(cid).draft == "Half a thought", "the draft stored")
        assert app.screen is screen
        await until(pilot, lambda: "unsent draft — r continues it" in screen_text(app), "the header says a draft waits")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        assert compose.text_area.text == "Half a thought"
        assert "Your saved draft is back" in screen_text(app)


async def test_assign_by_keyboard_feeds_the_mine_view(make_app: AppFactory) -> None:
    from inbox_tui.ui.screens.assign_input import AssignScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id
        assert cid not in app.service.queue_ids("mine")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AssignScreen), "the assign dialog")
        assert "nobody" in screen_text(app)
        await type_text(pilot, "me\n")
        await until(pilot, lambda: app.service.conversation(cid).conversation.assignee != "", "assignee stored")
        assert cid in app.service.queue_ids("mine")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AssignScreen), "the assign dialog again")
        await type_text(pilot, "Priya <priya@shop.example>\n")
        await until(pilot, lambda: "priya" in app.service.conversation(cid).conversation.assignee.lower(), "reassigned")
        assert cid not in app.service.queue_ids("mine")


async def test_header_shows_the_running_sla_clock_until_the_reply_stops_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, BOB)
        expected, state = app.service.triage.sla_now(screen.conversation_id)
        assert expected.startswith("first reply ") and state in ("ok", "due_soon", "breached")
        assert expected in widget_text(screen.query_one(ConversationHeader))
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "compose")
        await type_text(pilot, "Refund sent.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and len(screen.query(MessageCard)) == 3, "the reply in the thread")
        await until(pilot, lambda: "first reply" not in widget_text(screen.query_one(ConversationHeader)), "the clock stopped")
        assert app.service.triage.sla_now(screen.conversation_id) == ("", "")

"""The queue screen: first paint, views and counts, search, cursor, hostile text."""

from __future__ import annotations

from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.view_tabs import ViewTabs
from tests.ui.conftest import SIZE, AppFactory, screen_text, settle
from tests.ui.homes import PEOPLE


async def test_first_paint_shows_the_queue_in_triage_order(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        queue = screen.query_one(QueueList)
        assert queue.ids == app.service.queue_ids("open")
        text = screen_text(app)
        assert "CUSTOMER" in text and "SUBJECT" in text
        first = app.service.rows(queue.ids[:1])[0]
        assert first.subject[:20] in text
        assert "All open" in text and f"All open {len(queue.ids)}" in text
        assert "shop" in text and "never synced" in text  # the status bar
        assert queue.fetches <= 2  # one page of rows, not the whole queue


async def test_views_switch_with_keys_and_show_live_counts(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        tabs = screen.query_one(ViewTabs)
        counts = app.service.view_counts()
        assert tabs.counts == counts
        assert tabs.active == "open"
        await pilot.press("tab")  # queue.next_view
        await settle(pilot)
        assert tabs.active == "closed"
        queue = screen.query_one(QueueList)
        assert queue.ids == app.service.queue_ids("closed") == []
        assert "Nothing closed yet." in screen_text(app)
        await pilot.press("shift+tab", "shift+tab")
        await settle(pilot)
        assert tabs.active == "breaching"
        assert queue.ids == app.service.queue_ids("breaching")


async def test_search_filters_through_the_service_and_escape_clears(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        queue = screen.query_one(QueueList)
        everything = list(queue.ids)
        await pilot.press("slash")
        search = screen.query_one("#search")
        assert search.has_focus
        search.value = "teapot"
        await pilot.press("enter")
        await settle(pilot)
        assert queue.ids == app.service.queue_ids("open", "teapot")
        assert len(queue.ids) == 1 and len(everything) > 1
        assert "Out of stock" in screen_text(app)
        assert screen.query_one(ViewTabs).counts == app.service.view_counts("teapot")
        await pilot.press("escape")  # queue.clear_search
        await settle(pilot)
        assert queue.ids == everything
        assert queue.has_focus


async def test_cursor_keeps_its_conversation_when_the_list_reloads(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        queue = screen.query_one(QueueList)
        await pilot.press("j", "j")
        chosen = queue.current_id
        assert chosen is not None and queue.cursor == 2
        # the same ids in another order, as after a sync rescored the queue
        queue.set_ids(list(reversed(queue.ids)))
        assert queue.current_id == chosen
        screen.reload()
        await settle(pilot)
        assert queue.current_id == chosen


async def test_close_from_the_queue_moves_the_conversation_out_of_the_view(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        target = queue.current_id
        following = queue.ids[1]
        await pilot.press("x")  # queue.close
        await settle(pilot, rounds=3)
        assert target not in queue.ids
        assert queue.current_id == following
        assert str(app.service.conversation(target).conversation.status) == "closed"


async def test_every_demo_customer_is_listed_in_their_own_script(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for _email, name, _subject, _body in PEOPLE:
            assert name in text, name  # CJK, Greek and Arabic names render as text

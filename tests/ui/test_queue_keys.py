"""Queue keys: what is typed with "/" in one terminal read lands in the search box, "/"
inside the box is a character, and one key clears every mark."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from inbox_tui.ui.screens.queue import QueueScreen
from tests.ui.conftest import SIZE, AppFactory, notifications, settle
from tests.ui.test_keyboard import press

ONE_READ = [("slash", "/"), *((c, c) for c in "teapot")]


def arrive_in_one_read(app: object, keys: list[tuple[str, str]]) -> None:
    """Every key queued before the app handles the first, as when a terminal delivers
    "/teapot" in one read (a paste, a fast typist); ``pilot.press`` waits between keys."""
    for key, char in keys:
        app.post_message(events.Key(key, char))  # type: ignore[attr-defined]


async def test_keys_arriving_with_the_slash_go_into_the_search_box(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and not screen.query("#search")  # built on the first "/"
        arrive_in_one_read(app, ONE_READ)
        await settle(pilot)
        box = screen.query_one("#search", Input)
        assert box.value == "teapot" and box.has_focus
        await press(pilot, ["escape"])
        arrive_in_one_read(app, ONE_READ)  # the box exists now, hidden: the same
        await settle(pilot)
        assert box.value == "teapot" and box.has_focus


async def test_a_slash_typed_in_the_search_box_is_text(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, ["slash", *"1/2", "slash"])
        box = app.screen.query_one("#search", Input)
        assert box.value == "1/2/" and box.has_focus


async def test_one_key_clears_every_mark(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.queue
        await press(pilot, ["space", "space", "space"])  # three rows marked
        assert len(app.macro_desk.marked) == 3 and len(queue.marked) == 3
        await press(pilot, ["ctrl+t"])  # queue.unmark_all
        assert app.macro_desk.marked == {} and queue.marked == frozenset()
        assert "3 marks cleared" in notifications(app)
        assert not any(queue.render_line(y).text.startswith("*") for y in range(5))
        await press(pilot, ["ctrl+t"])
        assert notifications(app)[-1] == "No conversation marked"

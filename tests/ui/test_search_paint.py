"""The search box's Enter: one frame for the focus going back and the results, and the
frames never stay held (the hold ends with the list, an error, or its time limit)."""

from __future__ import annotations

import time

from textual.widgets import Input, Static

from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.widgets.queue_list import QueueList
from tests.ui.conftest import SIZE, AppFactory, settle


def record_frames(screen: QueueScreen) -> list[tuple[bool, tuple[int, ...]]]:
    """(list focused, its ids) at every frame the screen paints from now on."""
    frames: list[tuple[bool, tuple[int, ...]]] = []
    paint = screen._compositor_refresh
    queue = screen.query_one(QueueList)

    def recorded() -> None:
        frames.append((queue.has_focus, tuple(queue.ids)))
        paint()

    screen._compositor_refresh = recorded  # type: ignore[method-assign]
    return frames


async def test_enter_in_the_search_box_paints_the_results_in_its_first_frame(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await pilot.press("slash")
        screen.query_one("#search", Input).value = "teapot"  # typed; the as-you-type pause not over
        await pilot.pause()
        wanted = tuple(app.service.queue_ids("open", "teapot"))
        assert wanted and wanted != tuple(screen.query_one(QueueList).ids)
        real = app.service.queue_ids

        def slow_ids(view: str, search: str | None = None) -> list[int]:  # the list takes 60 ms
            time.sleep(0.06)
            return real(view, search)

        app.service.queue_ids = slow_ids  # type: ignore[method-assign]
        frames = record_frames(screen)
        await pilot.press("enter")
        await settle(pilot)
        assert frames, "Enter painted nothing"
        assert frames[0] == (True, wanted)  # not a frame of the old list with the focus moved
        assert app._batch_count == 0


async def test_a_search_that_does_not_parse_lets_the_frames_go(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"teapot AND (from:dana", "enter")
        await settle(pilot)
        assert screen.query_one("#search-error", Static).has_class("-visible")
        assert app._batch_count == 0

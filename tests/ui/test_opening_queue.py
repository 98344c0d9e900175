"""The first screen skips the restyle of its first resume: every widget (and each of its
component classes) ends up styled exactly as with that pass, and the screen paints the same."""

from __future__ import annotations

import pytest
from textual import events

from inbox_tui.ui.app import InboxApp, OpeningQueue
from tests.ui.conftest import SIZE, AppFactory, settle, until
from tests.ui.test_css_cache import _styles


def _all_styles(app: InboxApp) -> tuple[list[object], str]:
    nodes = []
    for node in app.screen.walk_children(with_self=True):
        components = sorted((name, _styles(styles.base)) for name, styles in node._component_styles.items())
        nodes.append((repr(node), _styles(node.styles.base), components, sorted(node.get_pseudo_classes())))
    strips = app.screen._compositor.render_strips()
    return nodes, "\n".join("".join(f"{seg.text}\0{seg.style}" for seg in strip) for strip in strips)


async def _first_paint(app: InboxApp) -> tuple[list[object], str]:
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app._jobs_started, "the first paint")
        await settle(pilot)
        return _all_styles(app)


async def test_skipping_the_first_resumes_restyle_changes_no_style(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = await _first_paint(make_app())
    monkeypatch.setattr(OpeningQueue, "_first_resume", False)  # Textual's restyle on every resume
    restyled = await _first_paint(make_app())
    assert skipped == restyled


async def test_only_the_first_resume_skips_the_restyle(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app._jobs_started, "the first paint")
        queue = app.screen
        assert isinstance(queue, OpeningQueue) and not queue._first_resume  # the first one went by
        later = events.ScreenResume()  # e.g. after another screen's CSS was loaded over it
        queue._on_screen_resume(later)
        assert later.refresh_styles

"""Triage in the TUI, driven by keys through Pilot over a real home (real store, real
service): view tabs with live counts, `/` search and its column-exact errors, snooze
(presets, custom time, waking, snooze again after a thank-you), the "why here" panel."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from inbox_tui.errors import ConfigError
from inbox_tui.model import Address, Message, PullBatch
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.messages import DataChanged
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.screens.snooze import SnoozeScreen
from inbox_tui.ui.screens.why import WhyScreen
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.view_tabs import ViewTabs
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle
from tests.ui.homes import SUPPORT


async def wait_for(pilot: Pilot[object], check: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}\n{screen_text(pilot.app)}")  # type: ignore[arg-type]
        await pilot.pause(0.02)
        await pilot.app.workers.wait_for_complete()


def queue_of(app: InboxApp) -> QueueList:
    return app.screen.query_one(QueueList)


def tabs_of(app: InboxApp) -> ViewTabs:
    return app.screen.query_one(ViewTabs)


async def started(pilot: Pilot[object]) -> QueueScreen:
    app: InboxApp = pilot.app  # type: ignore[assignment]
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.loads > 0, "the first load")
    await settle(pilot)
    return app.screen  # type: ignore[return-value]


async def move_to(pilot: Pilot[object], conversation_id: int) -> None:
    queue = queue_of(pilot.app)  # type: ignore[arg-type]
    index = queue.ids.index(conversation_id)
    await pilot.press("home", *["j"] * index)
    assert queue.current_id == conversation_id


async def goto_view(pilot: Pilot[object], key: str) -> None:
    """Press the next-view key until ``key`` is the active tab."""
    app: InboxApp = pilot.app  # type: ignore[assignment]
    for _ in range(len(app.service.views())):
        if tabs_of(app).active == key:
            break
        await pilot.press("tab")
        await settle(pilot)
    assert tabs_of(app).active == key


def find(app: InboxApp, query: str) -> int:
    ids = app.service.triage.query_ids(query)
    assert len(ids) == 1, (query, ids)
    return ids[0]


def customer_writes(app: InboxApp, conversation_id: int, body: str) -> None:
    """A customer reply stored as the sync would store it, then the sync's reload signal."""
    conv = app.service.store.conversation(conversation_id)
    assert conv is not None
    parent = app.service.store.messages(conversation_id)[-1]
    reply = Message(
        remote_id=f"INBOX/reply-{conversation_id}-{len(body)}",
        direction=parent.direction,
        sender=conv.customer,
        to=(Address(SUPPORT.email, SUPPORT.name),),
        date=datetime.now(timezone.utc),
        subject=f"Re: {conv.subject}",
        body_text=body,
        message_id=f"reply{conversation_id}-{len(body)}@customer.example",
        in_reply_to=parent.message_id,
        references=(parent.message_id,),
        folder="INBOX",
    )
    app.service.store.apply_batch(conv.account, PullBatch(messages=[reply]))
    app.service.refresh_clocks()
    app.post_message(DataChanged(None, origin="sync"))


# ---------------------------------------------------------------------- view tabs


async def test_tabs_show_every_view_with_its_live_count_and_switch(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        tabs = tabs_of(app)
        counts = app.service.view_counts()
        assert tabs.counts == counts
        assert counts["unanswered"] > 0 and counts["snoozed"] == 0
        text = screen_text(app)
        for view in app.service.views():
            assert view.title.split(" ")[0] in text
        assert f"Unanswered {counts['unanswered']}" in text
        # a click on a tab and the keys both switch, and the list is that view's list
        await pilot.click(ViewTabs, offset=(tabs._spans[1][0] + 2, 0))
        await settle(pilot)
        assert tabs.active == app.service.views()[1].key
        assert queue_of(app).ids == app.service.queue_ids(tabs.active)
        keys = [v.key for v in app.service.views()]
        await pilot.press("tab")
        await settle(pilot)
        assert tabs.active == keys[2]
        assert queue_of(app).ids == app.service.queue_ids(keys[2])
        breaching = keys.index("breaching")
        await pilot.press(*["tab"] * ((breaching - 2) % len(keys)))
        await settle(pilot)
        assert tabs.active == "breaching"
        assert queue_of(app).ids == app.service.queue_ids("breaching") != []


# ---------------------------------------------------------------------- search


async def test_slash_search_shows_matches_and_counts_per_view(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        dana = find(app, "from:dana@example.com")
        await pilot.press("slash", *"from:dana", "enter")
        await settle(pilot)
        assert queue_of(app).ids == [dana]
        assert "charged twice" in screen_text(app)
        assert tabs_of(app).counts == app.service.view_counts("from:dana")
        assert tabs_of(app).counts["unanswered"] == 1
        # the language, not just words: OR, parentheses, negation
        fatima = find(app, "from:fatima@example.com")
        bob = find(app, "from:bob@example.org")
        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", *"teapot OR mug", "enter")
        await settle(pilot)
        assert sorted(queue_of(app).ids) == sorted([fatima, bob])
        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", *"(teapot OR mug) -from:bob", "enter")
        await settle(pilot)
        assert queue_of(app).ids == [fatima]
        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", *"teapot from:bob", "enter")
        await settle(pilot)
        assert queue_of(app).ids == []
        assert "No conversation matches this search." in screen_text(app)


async def test_a_search_syntax_error_points_at_its_column_and_keeps_the_list(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        before = list(queue_of(app).ids)
        bad = "teapot AND (from:dana"
        try:
            app.service.queue_ids("open", bad)
        except ConfigError as exc:
            column = exc.column  # type: ignore[attr-defined]
        else:  # pragma: no cover - the parser must refuse it
            raise AssertionError("the parser accepted an unclosed parenthesis")
        await pilot.press("slash", *bad, "enter")
        await settle(pilot)
        error = screen.query_one("#search-error", Static)
        assert error.has_class("-visible")
        assert f"(column {column})" in str(error.render())
        assert f"column {column}" in screen_text(app)
        assert queue_of(app).ids == before
        # fixing it clears the error
        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", *"teapot", "enter")
        await settle(pilot)
        assert not error.has_class("-visible")
        assert len(queue_of(app).ids) == 1


# ---------------------------------------------------------------------- snooze


async def test_snooze_preset_hides_it_shows_it_in_snoozed_and_a_reply_wakes_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        erik = find(app, "from:erik@example.se")
        await move_to(pilot, erik)
        await pilot.press("z")  # queue.snooze
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), "the snooze dialog")
        dialog = app.screen
        assert isinstance(dialog, SnoozeScreen)
        labels = [str(dialog.query_one(OptionList).get_option_at_index(i).prompt) for i in range(6)]
        assert labels[0].startswith("Later today") and labels[1].startswith("Tomorrow morning")
        assert labels[2].startswith("Next business day") and labels[3].startswith("Monday")
        assert labels[4] == "Until the customer replies" and labels[5].startswith("Custom time")
        assert "A reply from the customer wakes it early." in screen_text(app)
        tomorrow = dialog.presets[1].until
        assert tomorrow is not None
        await pilot.press("down", "enter")  # Tomorrow morning
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen), "back to the queue")
        await wait_for(pilot, lambda: erik not in queue_of(app).ids, "the snoozed conversation leaving All open")
        await settle(pilot)
        assert erik not in app.service.queue_ids("open")
        assert tabs_of(app).counts["snoozed"] == 1
        assert any("Snoozed until" in n for n in notifications(app))
        [row] = app.service.rows([erik])
        assert row.snoozed_until == tomorrow
        # it is in the Snoozed tab
        await goto_view(pilot, "snoozed")
        assert queue_of(app).ids == [erik]
        # the customer writes: it wakes into the queue with a marker
        customer_writes(app, erik, "Any news? I still need the L size before Friday.")
        await wait_for(pilot, lambda: queue_of(app).ids == [], "the woken conversation leaving Snoozed")
        assert tabs_of(app).counts["snoozed"] == 0
        await goto_view(pilot, "open")
        assert erik in queue_of(app).ids
        [row] = app.service.rows([erik])
        assert row.woke == "customer replied" and not row.thanks_only
        assert "↺ Size exchange" in screen_text(app)


async def test_after_a_thank_you_the_same_snooze_time_is_offered_first(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        bob = find(app, "from:bob@example.org")
        monday = next(p.until for p in app.service.snooze_presets() if p.key == "monday")
        assert monday is not None
        await move_to(pilot, bob)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), "the snooze dialog")
        await pilot.press("down", "down", "down", "enter")  # Monday
        await wait_for(pilot, lambda: bob not in queue_of(app).ids, "snoozed away")
        customer_writes(app, bob, "Thank you so much, Bob")
        await wait_for(pilot, lambda: bob in queue_of(app).ids, "woken by the thank-you")
        await settle(pilot)
        [row] = app.service.rows([bob])
        assert row.thanks_only and row.resnooze_until == monday
        assert "↺ thanks · " in screen_text(app)
        await move_to(pilot, bob)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), "the snooze dialog")
        first = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert first.startswith("Again until") and "only said thanks" in first
        await pilot.press("enter")
        await wait_for(pilot, lambda: bob not in queue_of(app).ids, "snoozed again")
        [row] = app.service.rows([bob])
        assert row.snoozed_until == monday


async def test_snooze_again_key_and_a_custom_time_with_a_typo(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        fatima = find(app, "from:fatima@example.com")
        await move_to(pilot, fatima)
        await pilot.press("Z")  # queue.resnooze: nothing to go back to yet
        await settle(pilot)
        assert "No earlier snooze to go back to" in notifications(app)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), "the snooze dialog")
        await pilot.press("end", "enter")  # Custom time…
        custom = app.screen.query_one("#snooze-custom", Input)
        assert custom.has_focus
        await pilot.press(*"next tuesday-ish", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)  # still open, with the reason
        error = app.screen.query_one("#snooze-error", Static)
        assert error.has_class("-visible") and "not a date" in str(error.render())
        custom.value = ""
        await pilot.press(*"3h", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen), "back to the queue")
        await wait_for(pilot, lambda: fatima not in queue_of(app).ids, "snoozed for 3h")
        [row] = app.service.rows([fatima])
        assert row.snoozed_until is not None
        expected = datetime.now(timezone.utc) + timedelta(hours=3)
        assert abs((row.snoozed_until - expected).total_seconds()) < 60
        customer_writes(app, fatima, "Thanks!")
        await wait_for(pilot, lambda: fatima in queue_of(app).ids, "woken by the thank-you")
        await move_to(pilot, fatima)
        await pilot.press("Z")
        await wait_for(pilot, lambda: fatima not in queue_of(app).ids, "snoozed again to the same time")
        [row] = app.service.rows([fatima])
        assert row.snoozed_until is not None and abs((row.snoozed_until - expected).total_seconds()) < 60
        assert any(n.startswith("Snoozed again until") for n in notifications(app))


async def test_snooze_from_a_conversation_moves_on(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        first = queue_of(app).ids[0]
        second = queue_of(app).ids[1]
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "shown", 0) > 0, "the conversation")
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeScreen), "the snooze dialog")
        await pilot.press("down", "enter")  # Tomorrow morning
        await wait_for(pilot, lambda: getattr(app.screen, "conversation_id", None) == second, "the next conversation")
        [row] = app.service.rows([first])
        assert row.snoozed_until is not None


# ---------------------------------------------------------------------- why here


async def test_why_panel_lists_each_term_with_its_weight(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        dana = find(app, "from:dana@example.com")
        await move_to(pilot, dana)
        await pilot.press("w")  # queue.why
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen) and app.screen.why is not None, "the why panel")
        why = app.service.why(dana)
        assert len(why.terms) >= 3
        text = screen_text(app)
        assert "Why here — #" in text and "charged twice" in text
        panel = str(app.screen.query_one("#why-terms", Static).render())
        for term in why.terms:
            line = next((ln for ln in panel.splitlines() if f" {term.label}" in ln), "")
            assert line.split()[0] == f"{term.points:+d}", (term, line)
            assert line.strip() in text  # and it is painted
        assert "Urgent words" in text  # "URGENT … immediately"
        assert f"{why.score:+d}" in text and "total" in text
        assert sum(t.points for t in why.terms) == why.score
        assert "Position:" in text and "in All open" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        # and from inside a conversation
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "shown", 0) > 0, "the conversation")
        await pilot.press("w")  # conversation.why
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen) and app.screen.why is not None, "the why panel")
        assert app.screen.conversation_id == dana


async def test_a_search_over_common_words_paints_a_first_page_then_the_whole_list(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inbox_tui.triage.engine as engine

    monkeypatch.setattr(engine, "COMMON_HITS", 2)  # this home's words count as common
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        full = app.service.queue_ids("open", "order")
        first = app.service.search_first_page("open", "order")
        assert first is not None and len(full) >= 2
        rest = iter(full)  # exact words ("order", not "ordered"), in the list's own order
        assert all(i in rest for i in first) and len(first) < len(full)
        assert app.service.search_first_page("open", "from:dana") is None  # fields: no early page
        await pilot.press("slash", *"order", "enter")
        await wait_for(pilot, lambda: screen.first_pages == 1, "the early first page")
        await settle(pilot)
        assert queue_of(app).ids == full
        assert tabs_of(app).counts == app.service.view_counts("order")

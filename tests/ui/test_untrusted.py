"""Untrusted content: markup, escape sequences and control characters in subjects, names
and bodies are shown as literal text, never style the screen, never fire an action and
never reach the terminal — fixed cases and a seeded fuzzer, through the real widgets.

Mail is stored here WITHOUT the connector-side cleaning, so the widgets (Content, never
markup) and the terminal guard are tested on their own.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timezone

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from inbox_tui import bootstrap
from inbox_tui.service import QueueRow
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.terminal_guard import UNSAFE, TerminalGuard, strip_unsafe
from inbox_tui.ui.widgets.conversation_header import ConversationHeader
from inbox_tui.ui.widgets.customer_panel import CustomerPanel
from inbox_tui.ui.widgets.message_card import MessageCard
from inbox_tui.ui.widgets.queue_columns import layout, render_row
from inbox_tui.ui.widgets.queue_list import QueueList
from tests.ui.conftest import SIZE, AppFactory, notifications, settle, until
from tests.ui.hostile import CLICK_ACTIONS, ESCAPES, fuzz_body, fuzz_line, store_raw, visible
from tests.ui.test_flow import widget_text

SEED = 20261123


def flat(text: str) -> str:
    return " ".join(text.split())


def unsafe_segments(strips: Iterable[Strip]) -> list[str]:
    """Problems in painted strips: a control character in text, a click action or a link
    that came from content."""
    problems = []
    for strip in strips:
        for text, style, control in strip:
            if control:
                continue
            if UNSAFE.search(text):
                problems.append(f"control character in {text!r}")
            if style is None:
                continue
            if style.link:
                problems.append(f"link {style.link!r} on {text!r}")
            meta = style.meta if style._meta else {}
            for key, value in meta.items():
                if key.startswith("@") and any(a in str(value) for a in CLICK_ACTIONS):
                    problems.append(f"action {key}={value!r} on {text!r}")
    return problems


def painted(app: InboxApp) -> list[Strip]:
    return list(app.screen._compositor.render_strips())


def assert_safe(app: InboxApp) -> str:
    """No control character, injected action or link anywhere on screen; return its text."""
    strips = painted(app)
    problems = unsafe_segments(strips)
    assert not problems, problems[:5]
    assert app.is_running and app.return_code is None
    return flat("\n".join(s.text for s in strips))


# ---------------------------------------------------------------------- the guard itself
def test_terminal_guard_removes_every_control_character_and_keeps_the_width() -> None:
    guard = TerminalGuard()
    text = "".join(ESCAPES) + "kept [bold]text[/]"
    segments = [Segment(text, Style(bold=True)), Segment("\x1b[?25l", None, [(1,)])]  # type: ignore[list-item]
    out = guard.apply(segments, Color(0, 0, 0))
    assert out[0].text == strip_unsafe(text) and "\x1b" not in out[0].text and "kept [bold]text[/]" in out[0].text
    assert out[0].style == Style(bold=True)
    assert out[1] is segments[1] or out[1].text == "\x1b[?25l"  # Textual's own control segments pass
    clean = [Segment("plain 陈伟")]
    assert guard.apply(clean, Color(0, 0, 0)) is clean  # nothing to do: no copy
    assert Strip(guard.apply(segments, Color(0, 0, 0))).cell_length == Strip(segments).cell_length


@pytest.mark.parametrize("seed", range(3))
def test_fuzzed_queue_rows_render_literally(home: object, seed: int) -> None:
    """2,000 fuzzed rows through the real row renderer and the guard."""
    rng = random.Random(SEED + seed)
    service = bootstrap.build_service(home)  # type: ignore[arg-type]
    template = service.rows(service.queue_ids("open")[:1])[0]
    lay = layout(120)
    guard = TerminalGuard()
    now = datetime.now(timezone.utc)
    for _ in range(700):
        subject, name = fuzz_line(rng, 40), fuzz_line(rng, 20)
        row = QueueRow(**{**template.__dict__, "subject": subject, "customer_name": name, "tags": (fuzz_line(rng, 6),)})
        segments = guard.apply(render_row(row, lay, now, lambda _: Style(), Style(), cursor=True), Color(0, 0, 0))
        strip = Strip(segments)
        assert strip.cell_length == 120
        problems = unsafe_segments([strip])
        assert not problems, (seed, problems)
        text = flat(strip.text)
        assert visible(subject) in text, (seed, subject)
        assert visible(name) in text, (seed, name)


# ---------------------------------------------------------------------- the whole app
async def test_fixed_hostile_mail_is_literal_everywhere(make_app: AppFactory) -> None:
    """The home's hostile sample (cleaned as a connector does): ``Re: [/]`` must not crash,
    ``[@click=app.quit]`` must stay text, also after a click on it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        index = next(i for i, r in enumerate(app.service.rows(queue.ids)) if r.customer_email == "mallory@evil.example")
        await pilot.press(*["j"] * index)
        text = assert_safe(app)
        assert "Re: [/] your ticket [@click=app.quit]click me" in text
        assert "[@click=app.quit]Mallory[/]" in text
        await pilot.click(QueueList, offset=(60, index))  # on the injected "[@click=app.quit]"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "the conversation")
        text = assert_safe(app)
        assert "Hello [bold]there[/bold]" in text and "[link='file:///etc/passwd']x[/link]" in text
        card = app.screen.query_one(MessageCard)
        for x in range(2, 60, 6):
            await pilot.click(MessageCard, offset=(x, 0))  # the border title with the sender's name
            await pilot.click(MessageCard, offset=(x, 3))
        assert isinstance(app.screen, ConversationScreen) and card.is_attached
        assert_safe(app)


@pytest.mark.parametrize("seed", range(2))
async def test_fuzzed_mail_through_queue_preview_thread_header_panel_and_notify(home: object, make_app: AppFactory, seed: int) -> None:
    rng = random.Random(SEED * 7 + seed)
    cases = [(fuzz_line(rng, 40), fuzz_line(rng, 20), fuzz_body(rng)) for _ in range(12)]
    store_raw(home, cases)  # type: ignore[arg-type]
    by_email = {f"fuzz{n}@evil.example": case for n, case in enumerate(cases)}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        queue = app.screen.query_one(QueueList)
        rows = app.service.rows(queue.ids)
        seen = 0
        for index, row in enumerate(rows):  # queue rows and the preview under them
            if index:
                await pilot.press("j")
            case = by_email.get(row.customer_email)
            if case is None:
                continue
            seen += 1
            subject, name, body = case
            await pilot.pause()
            text = assert_safe(app)
            assert visible(subject) in text, (seed, subject)
            assert visible(name) in text, (seed, name)
        assert seen == len(cases)

        first = next(i for i, r in enumerate(rows) if r.customer_email in by_email)
        await pilot.press("home", *["j"] * first, "enter")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "the conversation")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        checked = 0
        while True:  # walk every conversation: thread, header, customer panel
            detail = screen.detail
            assert detail is not None
            case = by_email.get(detail.conversation.customer.email)
            if case is not None:
                subject, name, body = case
                text = assert_safe(app)
                assert visible(subject) in flat(widget_text(screen.query_one(ConversationHeader))), (seed, subject)
                thread = flat(widget_text(screen.query_one(MessageCard)))
                for line in body.split("\n"):
                    assert visible(line) in thread, (seed, line)
                assert visible(name) in thread and visible(f"{name}.pdf") in thread, (seed, name)
                assert visible(name) in flat(widget_text(screen.query_one(CustomerPanel))), (seed, name)
                await pilot.click(MessageCard, offset=(10, 0))
                await pilot.click(ConversationHeader, offset=(5, 0))
                checked += 1
            if screen.index + 1 >= len(screen.walk):
                break
            target = screen.walk[screen.index + 1]
            await pilot.press("J")
            await until(pilot, lambda: screen.detail is not None and screen.detail.conversation.id == target, "the next one")
        assert checked == len(cases)

        # a notification quoting a hostile subject (closing one) and direct notify calls
        await pilot.press("home", "escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")
        await pilot.press("home", *["j"] * first)
        await settle(pilot)
        subject = by_email[app.service.rows([queue.current_id])[0].customer_email][0]  # type: ignore[list-item]
        await pilot.press("x")
        await until(pilot, lambda: any(subject in n for n in notifications(app)), "the close notification")
        for _ in range(5):
            app.notify(fuzz_line(rng, 30), markup=False)
        await settle(pilot)
        assert_safe(app)
    assert app.return_code in (None, 0)

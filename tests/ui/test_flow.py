"""The walking skeleton by keyboard, headless: open → navigate → open a thread → internal
note → canned reply from the fuzzy picker → close → on to the next conversation; the
placeholder refusal; undo while the reply is still in the outbox."""

from __future__ import annotations

from inbox_tui.model import Direction, OpKind, OpState
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.canned_picker import CannedPicker
from inbox_tui.ui.screens.compose import ComposeScreen
from inbox_tui.ui.screens.conversation import ConversationScreen
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.widgets.notes_pane import NotesPane
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.row_preview import RowPreview
from inbox_tui.ui.widgets.thread_view import ThreadView
from tests.ui.conftest import SIZE, AppFactory, notifications, screen_text, settle, type_text, until

ALICE = ("alice@example.com", "Where is my parcel?")
ERIK = ("erik@example.se", "Size exchange for the rain jacket")


def widget_text(widget: object) -> str:
    """Everything a container shows, as plain text (the rendered lines of its children)."""
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    lines = []
    for child in widget.walk_children(Widget, with_self=True):
        region = child.region
        if child.display and region.height:
            lines += [strip.text for strip in child.render_lines(region.reset_offset)]
    return "\n".join(lines)


async def open_conversation_of(pilot, app: InboxApp, who: tuple[str, str]) -> ConversationScreen:  # type: ignore[no-untyped-def]
    """Walk the queue with j until the cursor is on ``who`` (email, subject), press Enter."""
    email, subject = who
    queue = app.screen.query_one(QueueList)
    for _ in range(len(queue.ids)):
        row = queue.row(queue.cursor)
        if row is not None and row.customer_email == email and row.subject == subject:
            break
        await pilot.press("j")
    else:  # pragma: no cover - the home always has Alice
        raise AssertionError(f"{email} not in the queue")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "the conversation")
    screen = app.screen
    assert isinstance(screen, ConversationScreen)
    return screen


async def test_walking_skeleton_by_keyboard(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        queue = app.screen.query_one(QueueList)
        order = list(queue.ids)
        # navigate: down, down, up, end, home; the preview follows the cursor
        await pilot.press("j", "j", "k")
        assert queue.cursor == 1
        await settle(pilot)
        assert app.screen.query_one(RowPreview).row.id == order[1]  # type: ignore[union-attr]
        await pilot.press("end")
        assert queue.cursor == len(order) - 1
        await pilot.press("home")
        assert queue.cursor == 0

        # open the thread: customer message shown, marked read
        screen = await open_conversation_of(pilot, app, ERIK)
        cid = screen.conversation_id
        walk = list(screen.walk)
        assert walk == order and walk.index(cid) < len(walk) - 1
        thread_text = widget_text(screen.query_one(ThreadView))
        assert "The jacket is too small, can I get an L instead?" in thread_text
        assert "CUSTOMER" in thread_text
        assert app.service.conversation(cid).conversation.unread is False

        # internal note: in the notes pane, never in the thread
        await pilot.press("n")
        await type_text(pilot, "Depot delay, ask Friday")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "ask Friday" in widget_text(screen.query_one(NotesPane)), "the note in the notes pane")
        assert "ask Friday" not in widget_text(screen.query_one(ThreadView))
        detail = app.service.conversation(cid)
        assert [n.body for n in detail.notes] == ["Depot delay, ask Friday"]
        assert all("ask Friday" not in m.body_text for m in detail.messages)

        # canned reply through the fuzzy picker: "lte" finds "Late delivery"
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CannedPicker), "the canned picker")
        picker = app.screen
        assert isinstance(picker, CannedPicker)
        await type_text(pilot, "lte")
        await settle(pilot)
        assert picker.matches[0].slug == "late-delivery"
        assert "Hi Erik," in screen_text(app)  # the preview is rendered for this conversation
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "the compose box")
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        body = compose.text_area.text
        assert body.startswith("Hi Erik,") and "Sam Rivera" in body and "{{" not in body
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and screen.shown >= 3, "back on the conversation")
        detail = app.service.conversation(cid)
        out = [m for m in detail.messages if m.direction is Direction.OUT]
        assert len(out) == 1 and out[0].body_text.startswith("Hi Erik,")
        assert out[0].op_id is not None
        assert "shipping" in detail.conversation.tags  # the canned reply's tags
        assert "queued — undo with u" in widget_text(screen.query_one(ThreadView))
        assert any("Reply queued" in n for n in notifications(app))

        # close: lands on the conversation that was next in the walk
        await pilot.press("x")
        following = walk[walk.index(cid) + 1]
        await until(pilot, lambda: screen.conversation_id == following and screen.detail.conversation.id == following, "the next conversation")  # type: ignore[union-attr]
        assert str(app.service.conversation(cid).conversation.status) == "closed"

        # back to the queue: the closed one has left the view, the cursor is on the one shown
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "the queue")
        await settle(pilot)
        assert cid not in queue.ids
        assert queue.current_id == following


async def test_a_reply_with_an_unresolved_placeholder_is_refused_with_its_name(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ALICE)
        cid = screen.conversation_id
        before = len(app.service.conversation(cid).messages)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "the compose box")
        await type_text(pilot, "Your order {{order.number}} is on its way")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "order.number" in screen_text(app), "the refusal")
        assert isinstance(app.screen, ComposeScreen)  # still writing; nothing lost
        assert "{{order.number}}" in screen_text(app)
        assert "Not sent" in screen_text(app)
        assert app.screen.text_area.text.startswith("Your order {{order.number}}")
        assert len(app.service.conversation(cid).messages) == before
        assert [op for op in app.service.outbox() if op.kind is OpKind.REPLY] == []


async def test_a_canned_reply_needing_a_missing_name_is_refused(make_app: AppFactory) -> None:
    """``{{customer.first_name}}`` without a fallback, for a sender with no name."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        nameless = next(r.id for r in app.service.rows(queue.ids) if r.customer_email == "broken@example.net")
        await pilot.press(*["j"] * queue.ids.index(nameless), "enter")
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and app.screen.shown, "the conversation")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CannedPicker), "the canned picker")
        await type_text(pilot, "thx")
        await settle(pilot)
        assert "customer.first_name" in screen_text(app)  # the preview already warns
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "the compose box")
        assert "customer.first_name" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert "Not sent" in screen_text(app) and "{{customer.first_name}}" in screen_text(app)
        assert [op for op in app.service.outbox() if op.kind is OpKind.REPLY] == []


async def test_undo_takes_the_reply_back_before_the_flush(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, ALICE)
        cid = screen.conversation_id
        await settle(pilot)
        before = app.service.status_info().pending_ops  # marking read is an operation too
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen), "the compose box")
        await type_text(pilot, "We are on it.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, "back on the conversation")
        await until(pilot, lambda: app.status_snapshot.pending_ops == before + 1, "the reply in the outbox")
        assert f"{before + 1} pending" in screen_text(app)
        replies = [op for op in app.service.outbox() if op.kind is OpKind.REPLY]
        assert len(replies) == 1 and replies[0].state is OpState.PENDING
        await pilot.press("u")
        await until(pilot, lambda: app.status_snapshot.pending_ops == before, "the reply to leave the outbox")
        await until(pilot, lambda: all(m.direction is Direction.IN for m in screen.detail.messages), "the reply gone")  # type: ignore[union-attr]
        assert any(n.startswith("Undone") for n in notifications(app))
        assert all(m.direction is Direction.IN for m in app.service.conversation(cid).messages)
        assert [op for op in app.service.outbox() if op.kind is OpKind.REPLY] == []
        assert "We are on it." not in widget_text(screen.query_one(ThreadView))
        await pilot.press("u")
        await until(pilot, lambda: any(n.startswith("Nothing to undo") for n in notifications(app)), "nothing to undo")

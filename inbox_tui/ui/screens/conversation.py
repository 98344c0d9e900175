"""A conversation: the thread, the customer and their history, internal notes.

Opening marks it read. ``next``/``previous`` walk the queue order the agent came from
(a snapshot taken when the conversation was opened), so closing one and moving on never
jumps back. Close moves on to the next one (act-then-next, as in mutt or guided mode).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static
from textual.worker import get_current_worker

from inbox_tui.errors import InboxError, PlaceholderError
from inbox_tui.model import Status
from inbox_tui.service import CannedReply, ConversationDetail, InboxService, QueueRow
from inbox_tui.ui.keys import bind, shown
from inbox_tui.ui.messages import DataChanged
from inbox_tui.ui.screens.acting import ActingScreen
from inbox_tui.ui.screens.triage_keys import TriageKeys
from inbox_tui.ui.widgets.conversation_header import ConversationHeader
from inbox_tui.ui.widgets.customer_panel import CustomerPanel
from inbox_tui.ui.widgets.key_footer import KeyFooter
from inbox_tui.ui.widgets.notes_pane import NotesPane
from inbox_tui.ui.widgets.status_bar import StatusBar
from inbox_tui.ui.widgets.thread_view import ThreadView

VERB = {Status.CLOSED: "Closed", Status.PENDING: "Marked pending", Status.OPEN: "Reopened"}


class ConversationScreen(TriageKeys, ActingScreen):
    BINDINGS = [
        bind("conversation.back", "back"),
        bind("conversation.reply", "reply"),
        bind("conversation.canned", "canned"),
        bind("conversation.note", "note"),
        bind("conversation.close", "set_status('closed')"),
        bind("conversation.pending", "set_status('pending')"),
        bind("conversation.reopen", "set_status('open')"),
        bind("conversation.tag", "tag"),
        bind("conversation.assign", "assign"),
        bind("conversation.next", "walk(1)"),
        bind("conversation.previous", "walk(-1)"),
        bind("conversation.scroll_down", "scroll(1)"),
        bind("conversation.scroll_up", "scroll(-1)"),
        bind("conversation.focus_notes", "focus_notes"),
        bind("conversation.why", "why"),
        bind("conversation.snooze", "snooze"),
        bind("conversation.resnooze", "resnooze"),
    ]

    def __init__(self, service: InboxService, walk: list[int], index: int, *, then: str = "") -> None:
        """``then``: an action (``reply``, ``canned``) to start once the conversation is
        first shown, for the queue's keys that answer from the list."""
        super().__init__()
        self.service = service
        self.walk = walk
        self.index = index
        self._then = then
        self.detail: ConversationDetail | None = None
        self.shown = 0
        """How many times a conversation was rendered (tests wait on it)."""

    @property
    def conversation_id(self) -> int:
        return self.walk[self.index]

    def compose(self) -> ComposeResult:
        yield ConversationHeader(id="conv-head")
        with Horizontal(id="conv-body"):
            yield ThreadView(id="thread")
            with Vertical(id="sidebar"):
                yield CustomerPanel(id="customer")
                yield Static(Content("Internal notes"), id="notes-title")
                yield NotesPane(id="notes")
        yield StatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(ThreadView).focus()
        self.load(mark_read=True)

    # ------------------------------------------------------------------ loading
    def load(self, *, mark_read: bool = False, keep_scroll: bool = False) -> None:
        self._load(self.conversation_id, mark_read, keep_scroll)

    @work(thread=True, exclusive=True, group="conversation-load", exit_on_error=False)
    def _load(self, conversation_id: int, mark_read: bool, keep_scroll: bool) -> None:
        try:
            detail = self.service.conversation(conversation_id)
            if mark_read and detail.conversation.unread:
                self.service.mark_read(conversation_id)
        except InboxError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", markup=False)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, detail, keep_scroll, mark_read)

    async def _show(self, detail: ConversationDetail, keep_scroll: bool, marked: bool) -> None:
        if detail.conversation.id != self.conversation_id:
            return
        self.detail = detail
        conv = detail.conversation
        draft_key = shown(self.app, "conversation.reply") if detail.draft else None
        self.query_one(ConversationHeader).show(
            conv, f"{self.index + 1}/{len(self.walk)}", draft_key=draft_key, sla=(detail.sla_text, detail.sla_state)
        )
        undo = shown(self.app, "global.undo")
        await self.query_one(ThreadView).show(detail, undo, keep_scroll=keep_scroll)
        self.query_one(CustomerPanel).show(conv.customer, detail.history)
        await self.query_one(NotesPane).show(detail.notes, shown(self.app, "conversation.note"))
        self.shown += 1
        if marked:
            self.app.post_message(DataChanged(conv.id))
        if self._then in ("reply", "canned"):
            then, self._then = self._then, ""
            getattr(self, f"action_{then}")()

    def reload_data(self) -> None:
        self.load(keep_scroll=True)

    # ------------------------------------------------------------------ triage keys (TriageKeys)
    def triage_target(self) -> QueueRow | None:
        rows = self.service.rows([self.conversation_id]) if self.detail is not None else []
        return rows[0] if rows else None

    def after_snooze(self, result: object) -> None:
        self._after_status(Status.CLOSED)  # snoozed away: move on, as after closing

    # ------------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.dismiss(self.conversation_id)

    def action_walk(self, delta: int) -> None:
        target = self.index + delta
        if not 0 <= target < len(self.walk):
            self.notify("No more conversations in this view" if delta > 0 else "This is the first one", markup=False)
            return
        self.index = target
        self.load(mark_read=True)

    def action_scroll(self, delta: int) -> None:
        thread = self.query_one(ThreadView)
        if delta > 0:
            thread.scroll_down(animate=False)
        else:
            thread.scroll_up(animate=False)

    def action_focus_notes(self) -> None:
        self.query_one(NotesPane).focus()

    def action_set_status(self, status: str) -> None:
        if self.detail is None:
            return
        target = Status(status)
        cid = self.conversation_id
        subject = self.detail.conversation.subject or "(no subject)"
        undo = shown(self.app, "global.undo")
        self.run_service(
            lambda: self.service.set_status(cid, target),
            f"{VERB[target]}: {subject} — {undo} to undo",
            conversation_id=cid,
            after=lambda _: self._after_status(target),
        )

    def _after_status(self, target: Status) -> None:
        if target is Status.CLOSED:
            if self.index + 1 < len(self.walk):
                self.index += 1
                self.load(mark_read=True)
            else:
                self.notify("That was the last conversation in this view", markup=False)
                self.dismiss(None)
        else:
            self.load(keep_scroll=True)

    def action_reply(self, prefill: str = "", canned: str | None = None, error: str = "") -> None:
        from inbox_tui.ui.screens.compose import ComposeScreen

        if self.detail is None:
            return
        self.app.push_screen(
            ComposeScreen(self.service, self.detail, prefill=prefill, canned=canned, error=error),
            self._composed,
        )

    def _composed(self, result: str | None) -> None:
        if result == "sent":
            self.notify(f"Reply queued — {shown(self.app, 'global.undo')} to undo", markup=False)
            self.app.post_message(DataChanged(self.conversation_id))  # status bar, queue row
        self.load(keep_scroll=result != "sent")

    def action_canned(self) -> None:
        from inbox_tui.ui.screens.canned_picker import CannedPicker

        if self.detail is None:
            return
        try:
            replies = self.service.canned_replies()
        except InboxError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)
            return
        cid, language = self.conversation_id, self.detail.language
        picker = CannedPicker(replies, lambda body: self.service.render(cid, body), language=language)
        self.app.push_screen(picker, self._canned_chosen)

    def _canned_chosen(self, reply: CannedReply | None) -> None:
        if reply is None or self.detail is None:
            return
        try:
            body, error = self.service.render(self.conversation_id, reply.body), ""
        except PlaceholderError as exc:
            body, error = reply.body, str(exc)
        self.action_reply(prefill=body, canned=reply.slug, error=error)

    def action_note(self) -> None:
        from inbox_tui.ui.screens.note_input import NoteScreen

        cid = self.conversation_id

        def save(text: str | None) -> None:
            if text and text.strip():
                self.run_service(
                    lambda: self.service.add_note(cid, text),
                    "Note added (internal — never sent to the customer)",
                    conversation_id=cid,
                    after=lambda _: self.load(keep_scroll=True),
                )

        self.app.push_screen(NoteScreen(), save)

    def action_tag(self) -> None:
        from inbox_tui.ui.screens.tag_input import TagScreen

        if self.detail is None:
            return
        cid = self.conversation_id

        def apply(change: tuple[list[str], list[str]] | None) -> None:
            if change is None:
                return
            add, remove = change
            self.run_service(
                lambda: self.service.set_tags(cid, add, remove),
                lambda _: "Tags updated",
                conversation_id=cid,
                after=lambda _: self.load(keep_scroll=True),
            )

        self.app.push_screen(TagScreen(self.detail.conversation.tags), apply)

    def action_assign(self) -> None:
        from inbox_tui.ui.screens.assign_input import AssignScreen

        if self.detail is None:
            return
        cid = self.conversation_id

        def apply(who: str | None) -> None:
            if who is None:
                return
            self.run_service(
                lambda: self.service.assign(cid, who),
                lambda _: f"Assigned to {who}",
                conversation_id=cid,
                after=lambda _: self.load(keep_scroll=True),
            )

        conv = self.detail.conversation
        self.app.push_screen(AssignScreen(conv.assignee, upstream="assign" in self.detail.upstream), apply)

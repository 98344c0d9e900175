"""The queue screen: view tabs with counts, `/` search, the queue, a one-line preview.

Ids and counts load in a thread worker (``service.queue_ids`` / ``view_counts``); rows are
paged in by the list itself. After any reload the cursor stays on its conversation.
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from inbox_tui.errors import ConfigError
from inbox_tui.model import Status
from inbox_tui.service import InboxService, QueueRow
from inbox_tui.ui.keys import bind
from inbox_tui.ui.messages import QueuePainted
from inbox_tui.ui.screens.acting import ActingScreen
from inbox_tui.ui.screens.queue_frames import OneFrame
from inbox_tui.ui.screens.triage_keys import TriageKeys
from inbox_tui.ui.warmup import Warmup, first_view
from inbox_tui.ui.widgets.key_footer import KeyFooter
from inbox_tui.ui.widgets.queue_header import QueueHeader
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.row_preview import RowPreview
from inbox_tui.ui.widgets.status_bar import StatusBar
from inbox_tui.ui.widgets.view_tabs import ViewTabs

EMPTY = {
    "open": "Nothing waiting — inbox zero ✓",
    "unanswered": "Every customer has an answer — inbox zero ✓",
    "urgent": "Nothing urgent right now ✓",
    "breaching": "No SLA is about to breach ✓",
    "waiting": "Nobody owes you a reply.",
    "snoozed": "Nothing snoozed.",
    "mine": "Nothing assigned to you.",
    "closed": "Nothing closed yet.",
}
SEARCH_HINT = "Search: words, from:, tag:, is:unanswered, status: …  (Enter keeps it, Esc clears)"
PAINT_WAIT = 0.1
"""Seconds a search's thread waits for the screen to paint what it just gave it."""
NO_ACCOUNT = "No account yet. Add one with `inbox account add …` (see the README), or try `inbox demo`."


class QueueScreen(TriageKeys, ActingScreen):
    BINDINGS = [
        bind("queue.next_view", "view(1)"),
        bind("queue.previous_view", "view(-1)"),
        # priority: the key runs before the keys typed after it are handed out, so
        # "/4242" arriving in one read goes into the box (not to the list, which had the
        # focus when they arrived); ``check_action`` lets "/" be typed inside the box
        bind("queue.search", "search", priority=True),
        bind("queue.clear_search", "clear_search"),
        bind("queue.reply", "open_then('reply')"),
        bind("queue.canned", "open_then('canned')"),
        bind("queue.close", "set_status('closed')"),
        bind("queue.pending", "set_status('pending')"),
        bind("queue.reopen", "set_status('open')"),
        bind("queue.toggle_read", "toggle_read"),
        bind("queue.why", "why"),
        bind("queue.snooze", "snooze"),
        bind("queue.resnooze", "resnooze"),
        bind("queue.unmark_all", "unmark_all"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's ``Screen.focused`` repaints the whole screen on each focus change (~20 ms
    at 120×40, on the way from Enter in the search box to its results); the widgets that
    look different when focused repaint themselves when their styles change."""

    def __init__(self, service: InboxService, warmup: Warmup | None = None) -> None:
        super().__init__()
        self.service = service
        self.views = service.views()
        self.view = first_view(self.views)
        self._warmup = warmup
        """The first load's ids and counts, fetched while the app was starting."""
        self.search = ""
        self._search_timer: Timer | None = None
        self._back_on: int | None = None
        self._suspended = False
        self.loads = 0
        """Completed reloads (tests wait on it)."""
        self.first_pages = 0
        """Early first pages shown for slow searches (tests read it)."""
        self._frames = OneFrame(self)
        """Held from Enter in the search box until its list is here, and around each list."""

    def compose(self) -> ComposeResult:
        tabs = ViewTabs(self.views, id="view-tabs")
        tabs.active = self.view
        yield tabs  # the search box comes under it on the first `/` (``_search_bar``)
        yield QueueHeader(id="queue-header")
        yield QueueList(self.service.rows, id="queue")
        yield RowPreview(id="row-preview")
        yield StatusBar()
        yield KeyFooter()

    @property
    def queue(self) -> QueueList:
        return self.query_one(QueueList)

    def on_mount(self) -> None:
        self.set_focus(self.queue)  # now, not deferred: the footer builds its keys once
        # the preview follows the cursor in the same frame (a Highlighted message would
        # arrive after the cursor's frame and cost a second one, ~30 ms later)
        self.watch(self.queue, "cursor", self._cursor_moved, init=False)
        early = self._warmup.take(self.view) if self._warmup is not None and self._warmup.ready() else None
        if early is not None:  # already here: the first frame shows the queue, no worker hop
            self._apply(self.view, *early, keep=None, then=None)
        else:
            self.reload()

    def on_screen_suspend(self) -> None:
        self._suspended = True

    def on_screen_resume(self) -> None:
        """Back on top (a dialog or conversation closed): the cache may have changed.
        Not on the first resume, right after mount: that load is the first one."""
        if self._suspended and self.loads:
            self.reload(keep=self._back_on)
        self._suspended = False

    def _returned(self, conversation_id: int | None) -> None:
        """Back from a conversation: the cursor goes to the one the agent was reading
        (they may have walked on with next/previous or closed their way through)."""
        self._back_on = conversation_id
        self.reload(keep=conversation_id)

    # ------------------------------------------------------------------ loading
    def reload(self, keep: int | None = None, then: int | None = None) -> None:
        """Fetch ids and counts again (off the UI thread); the cursor keeps its conversation
        (``keep``, default the current one), or goes to ``then`` if that one left the view."""
        self._load(self.view, self.search or None, keep, then)

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False)
    def _load(self, view: str, search: str | None, keep: int | None, then: int | None) -> None:
        try:
            if search:  # the list first (its tab counts itself), then every other tab's count
                first = self.service.search_first_page(view, search)
                if first and not get_current_worker().is_cancelled:  # common words: a page now, the rest after
                    self.app.call_from_thread(self._apply_first, view, search, first)
                    self._wait_painted()
                ids = self.service.queue_ids(view, search)
                if not get_current_worker().is_cancelled:
                    self.app.call_from_thread(self._apply, view, ids, None, keep, then)
                    self._wait_painted()
                counts = self.service.view_counts(search)
                if not get_current_worker().is_cancelled:
                    self.app.call_from_thread(self._apply_counts, view, search, counts)
                return
            elif early := (self._warmup.take(view) if self._warmup is not None else None):
                ids, counts = early
            else:
                ids = self.service.queue_ids(view, search)
                counts = self.service.view_counts(search)
        except ConfigError as exc:  # a search that does not parse (yet): keep the last list
            reason = getattr(exc, "reason", str(exc))
            column = getattr(exc, "column", None)
            text = f"{reason} (column {column})" if column else reason
            self.app.call_from_thread(self._show_search_error, text)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._apply, view, ids, counts, keep, then)

    def _wait_painted(self) -> None:
        """In the search's thread: wait (at most ``PAINT_WAIT``) until the screen painted
        what it was just given; the rest of the search would take the GIL from that frame
        (a 20 ms frame took 55 ms beside the counting)."""
        painted = threading.Event()
        self.app.call_from_thread(self._frames.after_paint, painted.set)
        painted.wait(PAINT_WAIT)

    def _apply(
        self, view: str, ids: list[int], counts: dict[str, int] | None, keep: int | None, then: int | None
    ) -> None:
        """Show a view's list; ``counts`` ``None``: the other tabs' counts are on their way."""
        if self.search:  # the results, their preview and their tab in one frame
            self._frames.hold()
        try:
            self._show(view, ids, counts, keep, then)
        finally:
            self._frames.release_after_updates()

    def _show(self, view: str, ids: list[int], counts: dict[str, int] | None, keep: int | None, then: int | None) -> None:
        if view != self.view:
            return
        self._show_search_error("")
        queue = self.queue
        if self.search:
            queue.empty_text = "No conversation matches this search."
        elif not self.service.config.accounts:
            queue.empty_text = NO_ACCOUNT
        else:
            queue.empty_text = EMPTY.get(view, "Nothing here.")
        queue.set_ids(ids, keep=keep, then=then)
        tabs = self.query_one(ViewTabs)
        tabs.active = view
        tabs.counts = counts if counts is not None else {view: len(ids)}
        self._preview(queue.current_id)
        self.loads += 1
        if self.loads == 1:
            self.call_after_refresh(self.post_message, QueuePainted())

    def _apply_counts(self, view: str, search: str, counts: dict[str, int]) -> None:
        if view == self.view and search == self.search:
            self.query_one(ViewTabs).counts = counts

    def _apply_first(self, view: str, search: str, ids: list[int]) -> None:
        """The first page of a slow search; ``_apply`` replaces it with the whole list."""
        self._frames.hold()
        if view == self.view and search == self.search:
            self._show_search_error("")
            self.queue.set_ids(ids)
            self._preview(self.queue.current_id)
            self.first_pages += 1
        self._frames.release_after_updates()  # the search's thread waits for this frame

    def _show_search_error(self, text: str) -> None:
        if text:  # the search does not parse: nothing more is coming for it
            self._frames.release()
        errors = self.query("#search-error")
        if not errors:  # no search box yet: nothing to show or clear
            return
        error = errors.first(Static)
        if text or error.has_class("-visible"):  # an update asks for a relayout: only on a change
            error.update(Content(text))
            error.set_class(bool(text), "-visible")

    # ------------------------------------------------------------------ events
    def _cursor_moved(self) -> None:
        self._preview(self.queue.current_id)

    def _preview(self, conversation_id: int | None) -> None:
        queue = self.queue
        row = queue.row(queue.cursor) if conversation_id is not None else None
        self.query_one(RowPreview).row = row

    @on(QueueList.Chosen)
    def _chosen(self, event: QueueList.Chosen) -> None:
        self.action_open_then("")

    def action_open_then(self, then: str) -> None:
        """Open the highlighted conversation; ``then``: its action to start once it is
        shown (``reply``, ``canned``), as mutt's ``r`` answers from the index."""
        from inbox_tui.ui.screens.conversation import ConversationScreen

        queue = self.queue
        if not queue.ids:
            return
        self._back_on = None
        self.app.push_screen(ConversationScreen(self.service, list(queue.ids), queue.cursor, then=then), self._returned)

    @on(ViewTabs.Selected)
    def _tab_clicked(self, event: ViewTabs.Selected) -> None:
        self._switch(event.key)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.25, lambda: self._run_search(event.value))

    def _run_search(self, text: str) -> None:
        self.search = text.strip()
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._frames.hold()  # until the list is here: one frame for the focus and the results
        self._run_search(event.value)
        self.queue.focus()

    # ------------------------------------------------------------------ actions
    def _switch(self, key: str) -> None:
        if key and key != self.view:
            self.view = key
            self.query_one(ViewTabs).active = key
            self.queue.set_ids([])
            self.reload()

    def action_view(self, delta: int) -> None:
        self._switch(self.query_one(ViewTabs).step(delta))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search" and isinstance(self.focused, Input):
            return False  # typing in a box: "/" is a character
        return super().check_action(action, parameters)

    async def action_search(self) -> None:
        bar = await self._search_bar()
        bar.add_class("-active")
        # at once, not via focus() (deferred): keys typed right after "/" go into the box
        self.set_focus(bar.query_one("#search", Input))

    async def _search_bar(self) -> Vertical:
        """The search box, mounted on the first `/`: the first paint builds and styles one
        input fewer (~15 ms of start-up). The key's action waits for it, so what is typed
        right after `/` lands in the box."""
        if found := self.query("#search-bar"):
            return found.first(Vertical)
        bar = Vertical(Input(placeholder=SEARCH_HINT, id="search"), Static(id="search-error"), id="search-bar")
        await self.mount(bar, after=self.query_one(ViewTabs))
        return bar

    def action_clear_search(self) -> None:
        bars = self.query("#search-bar")
        if not bars:  # never searched
            return
        bar = bars.first(Vertical)
        search = bar.query_one("#search", Input)
        if not bar.has_class("-active") and not self.search:
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        search.value = ""
        bar.remove_class("-active")
        self._show_search_error("")
        self.queue.focus()
        if self.search:
            self.search = ""
            self.reload()

    def action_unmark_all(self) -> None:
        desk = getattr(self.app, "macro_desk", None)  # the marks live with the macros (app-wide)
        marked = desk.marked if desk is not None else {}
        count = len(marked)
        marked.clear()
        self.queue.set_marked(())
        self.notify(f"{count} mark{'' if count == 1 else 's'} cleared" if count else "No conversation marked", markup=False)

    def action_set_status(self, status: str) -> None:
        row = self.queue.row(self.queue.cursor)
        if row is None:
            return
        target = Status(status)
        cid = row.id
        following = self.queue.following_id()
        verb = {Status.CLOSED: "Closed", Status.PENDING: "Pending", Status.OPEN: "Reopened"}[target]
        subject = row.subject or "(no subject)"
        self.run_service(
            lambda: self.service.set_status(cid, target),
            f"{verb}: {subject}",
            conversation_id=cid,
            after=lambda _: self.reload(keep=cid, then=following),
        )

    def action_toggle_read(self) -> None:
        row = self.queue.row(self.queue.cursor)
        if row is None:
            return
        cid, read = row.id, row.unread
        self.run_service(lambda: self.service.mark_read(cid, read), conversation_id=cid, after=lambda _: self.queue.invalidate())

    # triage keys (why here, snooze): see TriageKeys
    def triage_target(self) -> QueueRow | None:
        return self.queue.row(self.queue.cursor)

    def triage_view(self) -> str:
        return self.view

    def after_snooze(self, result: object) -> None:
        self.reload()

    def reload_data(self) -> None:
        """Called by the app when the cache changed (sync batch, undo)."""
        self.reload()

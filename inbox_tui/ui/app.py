"""``InboxApp``: the Textual application.

It receives the ``InboxService`` and the ``Keymap`` by constructor injection, applies the
keymap to every binding by ID, owns the app-wide jobs (sync subprocess, clock refresh,
undo, status line) and routes ``DataChanged`` to the screens. Screens hold the behaviour.
"""

from __future__ import annotations

import os
import time
from typing import Any

from textual import events, on, work
from textual.app import App
from textual.theme import BUILTIN_THEMES
from textual.worker import get_current_worker

from inbox_tui import paths
from inbox_tui.errors import InboxError
from inbox_tui.keymap import Keymap
from inbox_tui.service import InboxService
from inbox_tui.ui.commands import ActionCommands
from inbox_tui.ui.css_cache import StylesheetCache
from inbox_tui.ui.keys import bind, shown
from inbox_tui.ui.messages import DataChanged, QueuePainted, SyncFinished, SyncProgress, SyncStarted
from inbox_tui.ui.screens.macro_app import MACRO_BINDINGS, KeyboardMacros, MacroCommands
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.sync_runner import AutoFlush, SyncProcess
from inbox_tui.ui.terminal_guard import install as install_terminal_guard
from inbox_tui.ui.warmup import Warmup
from inbox_tui.ui.widgets.status_bar import StatusBar, StatusSnapshot

CLOCK_SECONDS = 60
START_JOBS_LATEST_SECONDS = 3.0
"""Background jobs wait for the first painted queue, but never longer than this."""
RELOAD_DURING_SYNC_SECONDS = 1.5


class OpeningQueue(QueueScreen):
    """The queue as the app's first screen.

    Textual restyles every widget of a screen each time it resumes, for CSS that changed
    while another screen covered it. The first resume comes right after the mount that
    styled every widget with the same stylesheet: that pass (the footer's keys, the
    queue's 23 component classes…) only repeated the mount's, ~10 ms before the first
    paint. Later resumes restyle as usual. (Textual calls this before ``Screen``'s own
    handler, with the same event.)"""

    _first_resume = True

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if self._first_resume:
            self._first_resume = False
            event.refresh_styles = False


class InboxApp(KeyboardMacros, App[int]):
    CSS_PATH = "inbox.tcss"
    TITLE = "inbox"
    COMMANDS = App.COMMANDS | {ActionCommands, MacroCommands}
    BINDINGS = [
        bind("global.quit", "quit"),
        bind("global.help", "help"),
        bind("global.sync", "sync"),
        bind("global.palette", "command_palette"),
        bind("global.undo", "undo"),
        bind("global.outbox", "outbox"),
        *MACRO_BINDINGS,
    ]

    def __init__(
        self,
        service: InboxService,
        keymap: Keymap,
        *,
        keymap_error: str | None = None,
        sync_on_start: bool = False,
        warmup: Warmup | None = None,
    ) -> None:
        theme = os.environ.get("INBOX_TUI_THEME", "gruvbox")
        if theme in BUILTIN_THEMES:
            # the theme's value before App.__init__ builds the stylesheet from it: the CSS is
            # parsed once. Set later (``self.theme = …``, a watcher) every rule was parsed
            # twice, +60 ms before the first frame at 100k (Textual 8.2.8).
            self._reactive_theme = theme
        super().__init__()
        self.theme = theme  # an unknown name raises here, as it always did
        self.css_cache = StylesheetCache(paths.cache_dir() / "stylesheet.pickle")
        self.css_cache.load(self.stylesheet)  # the rules the last start parsed (saved after its first paint)
        install_terminal_guard(self)  # no control character from mail ever reaches the terminal
        self.service = service
        self.keymap = keymap
        self.keymap_error = keymap_error
        self.sync_on_start = sync_on_start
        self.warmup = warmup
        self.status_snapshot = StatusSnapshot()
        self._syncing: str | None = None
        self._sync_process: SyncProcess | None = None
        self._last_sync_reload = 0.0
        self._jobs_started = False
        self.auto_flush = AutoFlush(self.set_timer, self._flush_due, self.action_sync)
        """Offline is normal: the outbox flushes by itself, backing off while offline."""
        self.service = self.init_keyboard(service)  # key sequences, macros; records actions
        self.set_keymap(keymap.single_keys())

    # ------------------------------------------------------------------ start / stop
    def get_default_screen(self) -> QueueScreen:
        """The queue is the app's first screen itself: no blank default screen is built,
        styled and resumed before it (~10 ms of start-up)."""
        return OpeningQueue(self.service, self.warmup)

    def on_mount(self) -> None:
        if self.keymap_error:
            self.notify(self.keymap_error, title="Keymap not loaded", severity="error", timeout=15, markup=False)
        if self.macro_error:
            self.notify(self.macro_error, title="Macros not loaded", severity="error", timeout=15, markup=False)
        self.refresh_status()
        self.set_timer(START_JOBS_LATEST_SECONDS, self._start_jobs)

    @on(QueuePainted)
    def _start_jobs(self) -> None:
        if self._jobs_started:
            return
        self._jobs_started = True
        if self.warmup is not None:
            self.warmup.first_paint_done()
        self.css_cache.save(self.stylesheet)  # what the first paint parsed: the next start loads only that
        self._refresh_clocks()
        self.set_interval(CLOCK_SECONDS, self._refresh_clocks)
        self.auto_flush.arm()
        if self.sync_on_start:
            self.action_sync()

    def _flush_due(self) -> bool:
        info = self.service.status_info()
        return self._sync_process is None and bool(info.pending_ops or info.problem)

    def on_unmount(self) -> None:
        if self._sync_process is not None:
            self._sync_process.stop()

    # ------------------------------------------------------------------ status line
    def refresh_status(self) -> None:
        try:
            info = self.service.status_info()
        except InboxError as exc:
            self.status_snapshot = StatusSnapshot(problem=str(exc), syncing=self._syncing)
        else:
            self.status_snapshot = StatusSnapshot(
                accounts=tuple(info.accounts),
                last_sync=info.last_sync,
                pending_ops=info.pending_ops,
                problem=info.problem,
                syncing=self._syncing,
                undo_hint=shown(self, "global.undo"),
            )
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.snapshot = self.status_snapshot

    def _broadcast(self, skip_current: bool) -> None:
        for screen in self.screen_stack:
            if skip_current and screen is self.screen:
                continue
            reload = getattr(screen, "reload_data", None)
            if reload is not None:
                reload()

    @on(DataChanged)
    def _data_changed(self, event: DataChanged) -> None:
        self.refresh_status()
        self._broadcast(skip_current=event.origin == "action")

    # ------------------------------------------------------------------ sync
    def action_sync(self) -> None:
        if self._sync_process is not None:
            self.notify("A sync is already running", markup=False)
            return
        self._sync_process = SyncProcess(self.service.sync_command())
        self._run_sync(self._sync_process)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _run_sync(self, process: SyncProcess) -> None:
        worker = get_current_worker()
        self.post_message(SyncStarted())

        def on_event(event: dict[str, Any]) -> None:
            if event.get("event") == "progress":
                total = event.get("total")
                self.post_message(
                    SyncProgress(
                        account=str(event.get("account", "")),
                        phase=str(event.get("phase", "")),
                        done=int(event.get("done") or 0),
                        total=int(total) if isinstance(total, int) else None,
                    )
                )

        outcome = process.run(on_event, lambda: worker.is_cancelled)
        self.post_message(SyncFinished(summary=outcome.summary, error=outcome.error, busy=outcome.busy))

    @on(SyncStarted)
    def _sync_started(self) -> None:
        self._syncing = "syncing…"
        self.refresh_status()

    @on(SyncProgress)
    def _sync_progress(self, event: SyncProgress) -> None:
        of = f"/{event.total}" if event.total else ""
        verb = "sending" if event.phase == "push" else "syncing"
        self._syncing = f"{verb} {event.account} {event.done}{of}"
        now = time.monotonic()
        if event.phase == "pull" and now - self._last_sync_reload > RELOAD_DURING_SYNC_SECONDS:
            self._last_sync_reload = now
            self.post_message(DataChanged(origin="sync"))
        else:
            self.refresh_status()

    @on(SyncFinished)
    def _sync_finished(self, event: SyncFinished) -> None:
        self._sync_process = None
        self._syncing = None
        self.auto_flush.sync_finished(offline=bool(event.error or event.summary.get("offline")))
        self.post_message(DataChanged(origin="sync"))
        if event.busy:
            self.notify("Another sync is running for this inbox", markup=False)
        elif event.error:
            self.notify(event.error, title="Sync failed", severity="error", timeout=10, markup=False)
        elif event.summary:
            self._announce(event.summary)

    def _announce(self, summary: dict[str, Any]) -> None:
        parts = []
        if pulled := summary.get("pulled"):
            parts.append(f"{pulled} new message{'s' if pulled != 1 else ''}")
        if sent := summary.get("sent"):
            parts.append(f"{sent} sent")
        for key, word in (("conflicts", "in conflict"), ("failed", "failed"), ("unconfirmed", "unconfirmed")):
            if n := summary.get(key):
                parts.append(f"{n} {word}")
        offline = summary.get("offline") or []
        if offline:
            parts.append("offline: " + ", ".join(map(str, offline)))
        problems = summary.get("problems") or []
        if problems:
            parts.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} (see the log)")
        text = "Synced: " + ", ".join(parts) if parts else "Synced: nothing new"
        severity = "warning" if offline or summary.get("conflicts") or summary.get("failed") else "information"
        self.notify(text, severity=severity, markup=False)

    # ------------------------------------------------------------------ clocks
    @work(thread=True, exclusive=True, group="clocks", exit_on_error=False)
    def _refresh_clocks(self) -> None:
        try:
            changed = self.service.refresh_clocks(limit=2000)
        except InboxError:
            return
        if changed:
            self.post_message(DataChanged(origin="sync"))

    # ------------------------------------------------------------------ global actions
    @work(thread=True, group="act", exit_on_error=False)
    def action_undo(self) -> None:
        try:
            what = self.service.undo_last()
        except InboxError as exc:
            self.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", markup=False)
            return
        self.call_from_thread(self.notify, what or "Nothing to undo: the outbox has nothing pending", markup=False)
        if what:
            self.post_message(DataChanged(origin="sync"))

    def action_help(self) -> None:
        from inbox_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keymap, self.macro_desk.macros))

    def action_outbox(self) -> None:
        from inbox_tui.ui.screens.outbox import OutboxScreen

        try:
            ops = self.service.outbox()
        except InboxError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)
            return
        self.push_screen(OutboxScreen(ops))

"""Writing a reply: a TextArea docked under the thread, or ``$EDITOR`` (the app suspends).

Ctrl+S sends through ``service.reply`` in a worker; a ``PlaceholderError`` keeps the
compose open and names the placeholder. Typing autosaves the draft (debounced) and
Escape keeps it, so reopening the reply offers the text back; Ctrl+O lists the earlier
versions and puts one back. Dismisses with ``"sent"``
or ``None``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult, SuspendNotSupported
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Static, TextArea

from inbox_tui.errors import InboxError, PlaceholderError
from inbox_tui.model import Address, reply_subject
from inbox_tui.service import CannedReply, ConversationDetail, InboxService
from inbox_tui.ui.keys import bind, shown

AUTOSAVE_SECONDS = 0.8
MAX_UNSAVED_SECONDS = 1.0
"""Debounce cap: however fast the agent types, the text on disk is at most this old
(a crash or kill -9 loses at most the last second)."""
SHORTCUT = re.compile(r"(?:^|\s);([\w-]+)$")
"""A canned-reply shortcut code right before the cursor: ``;late``."""


class ComposeScreen(ModalScreen[str | None]):
    BINDINGS = [
        bind("compose.send", "send", priority=True),
        bind("compose.cancel", "cancel"),
        bind("compose.editor", "editor", priority=True),
        bind("compose.canned", "canned", priority=True),
        bind("compose.history", "history", priority=True),
        bind("compose.cc", "cc", priority=True),
        bind("compose.expand", "expand", priority=True),
    ]

    def __init__(
        self,
        service: InboxService,
        detail: ConversationDetail,
        *,
        prefill: str = "",
        canned: str | None = None,
        error: str = "",
    ) -> None:
        super().__init__()
        self.service = service
        self.detail = detail
        self.conversation_id = detail.conversation.id
        self.canned = canned
        self._error = error
        self.recipients = detail.recipients
        self.cc = self.recipients.cc
        """The copies as the agent leaves them (``compose.cc`` edits them)."""
        draft = detail.draft or ""
        self._restored = bool(draft.strip())
        self._initial = (draft.rstrip("\n") + "\n\n" + prefill if draft.strip() and prefill else draft or prefill)
        self._lock = threading.Lock()
        self._sent = False
        self._autosave: Timer | None = None
        self._unsaved_since: float | None = None
        self._draft_seq = 0
        self._written_seq = 0
        self.drafts_saved = 0
        """Autosaves done (tests wait on it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="compose"):
            yield Static(self._head(), id="compose-head")
            yield TextArea(self._initial, soft_wrap=True, show_line_numbers=False, id="compose-text")
            yield Static(id="compose-error")
            yield Static(id="compose-hint")
            yield Footer()

    def _head(self) -> Content:
        """``Reply to Alice <a@x>  cc Bob <b@y>   Re: subject``."""
        to = ", ".join(a.display for a in self.recipients.to) or "(no address)"
        parts: list[tuple[str, str]] = [("Reply to ", "dim"), (to, "bold")]
        if self.cc:
            parts += [("  cc ", "dim"), (", ".join(a.display for a in self.cc), "")]
        elif not self.recipients.editable_cc:
            parts += [("  cc as on the ticket", "dim")]
        parts += [("   ", ""), (reply_subject(self.detail.conversation.subject), "dim")]
        return Content.assemble(*parts)

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#compose-text", TextArea)

    def on_mount(self) -> None:
        area = self.text_area
        area.focus()
        area.move_cursor(area.document.end)
        self.show_error(self._error)
        if self._restored:
            keep, send = shown(self.app, "compose.cancel"), shown(self.app, "compose.send")
            self._hint(f"Your saved draft is back. {keep} keeps it, {send} sends.")

    def _hint(self, text: str) -> None:
        self.query_one("#compose-hint", Static).update(Content(text))

    def show_error(self, text: str) -> None:
        error = self.query_one("#compose-error", Static)
        error.update(Content(f"⚠ {text}" if text else ""))
        error.set_class(bool(text), "-visible")

    # ------------------------------------------------------------------ drafts
    @on(TextArea.Changed, "#compose-text")
    def _changed(self, event: TextArea.Changed) -> None:
        now = time.monotonic()
        if self._unsaved_since is None:
            self._unsaved_since = now
        if self._autosave is not None:
            self._autosave.stop()
        wait = min(AUTOSAVE_SECONDS, max(0.05, self._unsaved_since + MAX_UNSAVED_SECONDS - now))
        self._autosave = self.set_timer(wait, self._save_now)

    def _save_now(self) -> None:
        self._unsaved_since = None
        self._save_draft(self.text_area.text)

    def _save_draft(self, text: str) -> None:
        self._draft_seq += 1
        self._write_draft(text, self._draft_seq)

    @work(thread=True, group="draft", exit_on_error=False)
    def _write_draft(self, text: str, seq: int) -> None:
        with self._lock:
            if self._sent or seq < self._written_seq:
                return  # a newer text is on disk already (workers may run out of order)
            self._written_seq = seq
            try:
                self.service.save_draft(self.conversation_id, text)
            except InboxError as exc:
                self.app.call_from_thread(self.show_error, f"draft not saved: {exc}")
                return
        self.app.call_from_thread(self._draft_saved)

    def _draft_saved(self) -> None:
        self.drafts_saved += 1
        self._hint("Draft saved.")

    # ------------------------------------------------------------------ actions
    def action_cancel(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        text = self.text_area.text
        self._save_draft(text)
        if text.strip():
            self.notify("Draft kept — reply again to continue it", markup=False)
        self.dismiss(None)

    def action_send(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        self.show_error("")
        self._hint("Queuing…")
        self._send(self.text_area.text)

    @work(thread=True, exclusive=True, group="send", exit_on_error=False)
    def _send(self, body: str) -> None:
        try:
            with self._lock:
                rendered = self.service.render(self.conversation_id, body)  # typed {{placeholders}} too
                self.service.reply(
                    self.conversation_id,
                    rendered,
                    canned=self.canned,
                    seen_version=self.detail.conversation.version,
                    cc=self.cc if self.recipients.editable_cc else None,
                )
                self._sent = True
        except PlaceholderError as exc:
            self.app.call_from_thread(self._refused, f"Not sent — {exc}")
            return
        except InboxError as exc:
            self.app.call_from_thread(self._refused, f"{exc.title}: {exc}")
            return
        self.app.call_from_thread(self.dismiss, "sent")

    def _refused(self, text: str) -> None:
        self.show_error(text)
        send, keep = shown(self.app, "compose.send"), shown(self.app, "compose.cancel")
        self._hint(f"Fix the text and press {send} again; {keep} keeps it as a draft.")

    def action_editor(self) -> None:
        area = self.text_area
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="inbox-reply-", delete=False, encoding="utf-8") as f:
            f.write(area.text)
            path = Path(f.name)
        try:
            try:
                with self.app.suspend():
                    subprocess.call([*shlex.split(editor), str(path)])
            except SuspendNotSupported:
                self.notify("The external editor is not available here", severity="warning", markup=False)
                return
            except OSError as exc:
                self.notify(f"Could not start {editor}: {exc.strerror}", severity="error", markup=False)
                return
            area.text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n") + "\n"
            area.move_cursor(area.document.end)
        finally:
            path.unlink(missing_ok=True)

    def action_canned(self) -> None:
        from inbox_tui.ui.screens.canned_picker import CannedPicker

        try:
            replies = self.service.canned_replies()
        except InboxError as exc:
            self.show_error(str(exc))
            return
        cid, language = self.conversation_id, self.detail.language
        picker = CannedPicker(replies, lambda body: self.service.render(cid, body), language=language)
        self.app.push_screen(picker, self._insert_canned)

    def action_cc(self) -> None:
        if not self.recipients.editable_cc:
            self.notify("This helpdesk copies the ticket's CCs on every reply itself", markup=False)
            return
        from inbox_tui.ui.screens.cc_input import CcScreen

        self.app.push_screen(CcScreen(self.cc), self._set_cc)

    def _set_cc(self, cc: tuple[Address, ...] | None) -> None:
        if cc is None:
            return
        self.cc = cc
        self.query_one("#compose-head", Static).update(self._head())
        self.text_area.focus()

    def action_history(self) -> None:
        """Earlier versions of this draft; the chosen one replaces the text, and the text
        replaced is saved first, so going back is itself undoable from the same list."""
        from inbox_tui.ui.screens.draft_history import DraftHistoryScreen

        current = self.text_area.text
        try:
            versions = self.service.draft_history(self.conversation_id)
        except InboxError as exc:
            self.show_error(str(exc))
            return
        self.app.push_screen(DraftHistoryScreen(versions, current), self._restore_version)

    def _restore_version(self, body: str | None) -> None:
        if body is None:
            return
        if self._autosave is not None:
            self._autosave.stop()
        area = self.text_area
        self._save_draft(area.text)  # the text being replaced stays in the history
        area.text = body
        area.move_cursor(area.document.end)
        area.focus()
        self._hint("An earlier version is back; the text it replaced is in the history too.")

    def action_expand(self) -> None:
        """``;late`` + Tab: the shortcut before the cursor becomes its canned reply, rendered
        for this conversation. Anything else: Tab keeps its usual meaning."""
        area = self.text_area
        row, col = area.cursor_location
        match = SHORTCUT.search(area.document.get_line(row)[:col])
        if match is None:
            raise SkipAction()
        code = match.group(1)
        try:
            reply = next((r for r in self.service.canned_replies() if r.shortcut == code), None)
        except InboxError as exc:
            self.show_error(str(exc))
            return
        if reply is None:
            self.show_error(f"No canned reply has the shortcut ;{code}")
            return
        body = self._rendered(reply)
        area.replace(body.rstrip("\n"), (row, col - len(code) - 1), (row, col))
        self.canned = reply.slug

    def _insert_canned(self, reply: CannedReply | None) -> None:
        if reply is None:
            return
        body = self._rendered(reply)
        self.canned = reply.slug
        self.text_area.insert(body)
        self.text_area.focus()

    def _rendered(self, reply: CannedReply) -> str:
        """The canned body with placeholders filled; unfilled, with the reason shown, when
        one cannot be (sending then refuses until the agent fixes it)."""
        try:
            body = self.service.render(self.conversation_id, reply.body)
        except PlaceholderError as exc:
            self.show_error(str(exc))
            return reply.body
        self.show_error("")
        return body

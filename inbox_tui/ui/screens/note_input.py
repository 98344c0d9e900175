"""Write an internal note (several lines). Dismisses with the text or ``None``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from inbox_tui.ui.keys import bind


class NoteScreen(ModalScreen[str | None]):
    BINDINGS = [
        bind("compose.send", "save", priority=True),
        bind("compose.cancel", "cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(Content("Internal note — only your team sees it"), classes="dialog-title")
            yield TextArea(soft_wrap=True, id="note-text")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""Assign a conversation with one line: ``me``, or an agent's name or address. Helpdesk
accounts push it upstream; mail accounts keep it local (it feeds the Mine view)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from inbox_tui.ui.keys import bind


class AssignScreen(ModalScreen[str | None]):
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, current: str, *, upstream: bool) -> None:
        super().__init__()
        self.current = current
        self.upstream = upstream

    def compose(self) -> ComposeResult:
        with Vertical(id="assign-dialog", classes="dialog"):
            yield Static(Content("Assign"), classes="dialog-title")
            where = "" if self.upstream else "  (kept in this inbox: the account cannot assign upstream)"
            yield Static(Content.assemble(("Now: ", "dim"), self.current or "nobody", (where, "dim")), id="assign-current")
            yield Input(placeholder="me, or an agent's name or address", id="assign-input")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#assign-input", Input).focus()

    @on(Input.Submitted, "#assign-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)

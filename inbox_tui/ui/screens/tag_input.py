"""Add or remove tags with one line: ``+refund -urgent vip`` (a bare word adds)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from inbox_tui.ui.keys import bind

TagChange = tuple[list[str], list[str]]


def parse_tag_changes(text: str) -> TagChange:
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        if word.startswith("-") and len(word) > 1:
            remove.append(word[1:])
        elif word.startswith("+") and len(word) > 1:
            add.append(word[1:])
        elif word not in ("+", "-"):
            add.append(word.lstrip("#"))
    return add, remove


class TagScreen(ModalScreen[TagChange | None]):
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, current: tuple[str, ...]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog", classes="dialog"):
            yield Static(Content("Tags"), classes="dialog-title")
            now = " ".join(f"#{t}" for t in self.current) if self.current else "none yet"
            yield Static(Content.assemble(("Now: ", "dim"), now), id="tag-current")
            yield Input(placeholder="+tag adds, -tag removes (e.g. +refund -urgent)", id="tag-input")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tag-input", Input).focus()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        add, remove = parse_tag_changes(event.value)
        self.dismiss((add, remove) if add or remove else None)

    def action_cancel(self) -> None:
        self.dismiss(None)

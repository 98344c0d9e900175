"""Edit a reply's copies on one line: ``Bob <bob@example.org>, carol@example.org``.
Dismisses with the new list (empty: no copies) or ``None`` when cancelled; an entry that
is not an address keeps the dialog open and names it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from inbox_tui.errors import InboxError
from inbox_tui.model import Address
from inbox_tui.outgoing import parse_address_list
from inbox_tui.ui.keys import bind


def address_line(addresses: tuple[Address, ...]) -> str:
    return ", ".join(f"{a.name} <{a.email}>" if a.name else a.email for a in addresses)


class CcScreen(ModalScreen[tuple[Address, ...] | None]):
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, current: tuple[Address, ...]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="cc-dialog", classes="dialog"):
            yield Static(Content("Copies (cc)"), classes="dialog-title")
            yield Static(
                Content("Everyone the customer's message went to is copied; remove or add addresses, comma-separated."),
                id="cc-help",
            )
            yield Input(address_line(self.current), placeholder="nobody", id="cc-input")
            yield Static(id="cc-error")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cc-input", Input).focus()

    @on(Input.Submitted, "#cc-input")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            addresses = parse_address_list(event.value)
        except InboxError as exc:
            self.query_one("#cc-error", Static).update(Content(f"⚠ {exc}"))
            return
        self.dismiss(addresses)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""``?``: every action of the catalogue with its live keys, grouped by where it works,
and the macros of ``macros.toml`` with theirs."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inbox_tui import actions
from inbox_tui.keymap import Keymap
from inbox_tui.macros import Macro
from inbox_tui.ui.keys import bind

TITLES = {
    "global": "Everywhere",
    "queue": "Queue",
    "conversation": "Conversation",
    "compose": "Writing a reply or a note",
    "picker": "Pickers and dialogs",
}
KEY_WIDTH = 18


def help_content(keymap: Keymap, macros: Sequence[Macro] = ()) -> Content:
    parts: list[str | tuple[str, str]] = []
    for context in actions.CONTEXTS:
        entries = actions.actions_in(context)
        if not entries:
            continue
        if parts:
            parts.append("\n")
        parts += [(TITLES.get(context, context), "bold underline"), "\n"]
        for action in entries:
            keys = keymap.display_keys(action.id) or "—"
            pad = " " * max(1, KEY_WIDTH - cell_len(keys))
            parts += [("  " + keys, "bold"), pad, action.description, ("  " + action.id, "dim"), "\n"]
    if macros:
        parts += ["\n", ("Macros (macros.toml; all of them in the command palette)", "bold underline"), "\n"]
        for macro in macros:
            keys = macro.key or "—"
            pad = " " * max(1, KEY_WIDTH - cell_len(keys))
            parts += [("  " + keys, "bold"), pad, macro.description or macro.summary, ("  " + macro.name, "dim"), "\n"]
    return Content.assemble(*parts).rstrip()


class HelpScreen(ModalScreen[None]):
    BINDINGS = [bind("picker.cancel", "close"), bind("global.help", "close")]

    def __init__(self, keymap: Keymap, macros: Sequence[Macro] = ()) -> None:
        super().__init__()
        self.keymap = keymap
        self.macros = macros

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Content(f"Keys — keymap “{self.keymap.name}”"), classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(help_content(self.keymap, self.macros), id="help-text")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

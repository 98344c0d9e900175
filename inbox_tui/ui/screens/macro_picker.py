"""Choose a macro: type to filter by name, key or steps; Enter runs it (after its dry run).
Dismisses with the macro's name or None."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList
from textual.widgets.option_list import Option

from inbox_tui.keymap import pretty_key
from inbox_tui.macros import Macro
from inbox_tui.ui.keys import bind


class MacroPicker(ModalScreen[str | None]):
    DEFAULT_CSS = """
    MacroPicker { align: center middle; background: $background 60%; }
    #macro-picker { width: 100; max-width: 95%; height: 60%; background: $surface; border: round $accent; }
    #macro-picker-list { height: 1fr; border: none; background: $surface; }
    """
    BINDINGS = [
        bind("picker.select", "select"),
        bind("picker.cancel", "cancel"),
        bind("picker.down", "move(1)"),
        bind("picker.up", "move(-1)"),
    ]

    def __init__(self, macros: Sequence[Macro]) -> None:
        super().__init__()
        self.macros = list(macros)
        self.matches = list(macros)

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-picker"):
            yield Input(placeholder="Macro: type to filter", id="macro-picker-search")
            yield OptionList(id="macro-picker-list")
            yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#macro-picker-search", Input).focus()

    def _fill(self) -> None:
        options = self.query_one("#macro-picker-list", OptionList)
        options.clear_options()
        for index, macro in enumerate(self.matches):
            key = f"  [{pretty_key(macro.key)}]" if macro.key else ""
            label = Content.assemble((macro.name, "bold"), (key, "dim"), ("  " + macro.summary, "dim"))
            options.add_option(Option(label, id=str(index)))
        if self.matches:
            options.highlighted = 0

    @on(Input.Changed, "#macro-picker-search")
    def _filter(self, event: Input.Changed) -> None:
        words = event.value.casefold().split()
        self.matches = [
            m for m in self.macros if all(w in f"{m.name} {m.key} {m.summary} {m.description}".casefold() for w in words)
        ]
        self._fill()

    @on(Input.Submitted, "#macro-picker-search")
    @on(OptionList.OptionSelected, "#macro-picker-list")
    def _chosen(self) -> None:
        self.action_select()

    def action_move(self, delta: int) -> None:
        options = self.query_one("#macro-picker-list", OptionList)
        options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    def action_select(self) -> None:
        index = self.query_one("#macro-picker-list", OptionList).highlighted
        if index is not None and 0 <= index < len(self.matches):
            self.dismiss(self.matches[index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)

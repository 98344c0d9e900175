"""Save the recorded macro to ``macros.toml``: a name and, optionally, a key. ``save``
returns an error line (shown, the dialog stays) or None (the dialog closes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from inbox_tui.macro_steps import Step
from inbox_tui.ui.keys import bind

Save = Callable[[str, str], str | None]


class MacroSave(ModalScreen[str | None]):
    DEFAULT_CSS = """
    MacroSave { align: center middle; background: $background 60%; }
    #macro-save { width: 80; max-width: 95%; height: auto; background: $surface; border: round $accent; }
    #macro-save Input { margin: 0 1; }
    #macro-save-steps, #macro-save-error { padding: 0 1; }
    #macro-save-error { color: $error; }
    """
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, steps: Sequence[Step], save: Save) -> None:
        super().__init__()
        self.steps = list(steps)
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-save"):
            yield Static(Content("Save the recorded macro"), classes="dialog-title")
            yield Static(Content("\n".join(f"  {n}. {s.text}" for n, s in enumerate(self.steps, 1))), id="macro-save-steps")
            yield Input(placeholder="name (letters, digits, - and _)", id="macro-save-name")
            yield Input(placeholder="key (optional, e.g. R or ctrl+r)", id="macro-save-key")
            yield Static(id="macro-save-error")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#macro-save-name", Input).focus()

    @on(Input.Submitted, "#macro-save-name")
    def _name_done(self) -> None:
        self.query_one("#macro-save-key", Input).focus()

    @on(Input.Submitted, "#macro-save-key")
    def _submit(self) -> None:
        name = self.query_one("#macro-save-name", Input).value.strip()
        key = self.query_one("#macro-save-key", Input).value.strip()
        error = self.save(name, key)
        if error:
            self.query_one("#macro-save-error", Static).update(Content(error))
        else:
            self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The dry run: every change a macro will make, per conversation, before anything is
written (reply text rendered for that customer, tags added/removed, status before → after).
Enter runs it, Escape cancels. Dismisses with True (run) or False."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inbox_tui.macros import Plan
from inbox_tui.ui.keys import bind, shown


class MacroPreview(ModalScreen[bool]):
    DEFAULT_CSS = """
    MacroPreview { align: center middle; background: $background 60%; }
    #macro-preview { width: 100; max-width: 95%; height: 80%; background: $surface; border: round $accent; }
    #macro-preview-title { text-style: bold; color: $accent; padding: 0 1; }
    #macro-preview-scroll { height: 1fr; padding: 0 2; }
    #macro-preview-hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [bind("picker.select", "run"), bind("picker.cancel", "cancel")]

    def __init__(self, title: str, plans: Sequence[Plan]) -> None:
        super().__init__()
        self.title_text = title
        self.plans = list(plans)
        self.runnable = [p for p in self.plans if not p.problem]

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-preview"):
            yield Static(Content(f"Dry run: {self.title_text}"), id="macro-preview-title")
            with VerticalScroll(id="macro-preview-scroll"):
                yield Static(Content(self.text()), id="macro-preview-text")
            yield Static(id="macro-preview-hint")
            yield Footer()

    def text(self) -> str:
        return "\n\n".join("\n".join(p.lines()) for p in self.plans)

    def on_mount(self) -> None:
        run, cancel = shown(self.app, "picker.select"), shown(self.app, "picker.cancel")
        n = len(self.runnable)
        hint = f"{run} runs it on {n} conversation{'s' if n != 1 else ''} · {cancel} cancels" if n else f"Nothing can run · {cancel} closes"
        self.query_one("#macro-preview-hint", Static).update(Content(hint))

    def action_run(self) -> None:
        if self.runnable:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

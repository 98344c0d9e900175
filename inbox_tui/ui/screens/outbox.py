"""The outbox: operations waiting to be flushed, failed, or held in conflict."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inbox_tui.model import Operation, utcnow
from inbox_tui.ui.format import age, fit
from inbox_tui.ui.keys import bind


def outbox_content(ops: list[Operation]) -> Content:
    if not ops:
        return Content("The outbox is empty: everything you did has reached upstream.")
    now = utcnow()
    parts: list[str | tuple[str, str]] = []
    for op in ops:
        parts += [
            (fit(str(op.state), 12), "bold"),
            fit(str(op.kind), 8),
            fit(f"#{op.conversation_id}", 8),
            (fit(op.account, 14), "dim"),
            (f"{age(op.created_at, now):>4}", "dim"),
        ]
        if op.last_error:
            parts += ["  ", (op.last_error, "$warning")]
        parts.append("\n")
    return Content.assemble(*parts).rstrip()


class OutboxScreen(ModalScreen[None]):
    BINDINGS = [bind("picker.cancel", "close"), bind("global.outbox", "close")]

    def __init__(self, ops: list[Operation]) -> None:
        super().__init__()
        self.ops = ops

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox-dialog", classes="dialog"):
            yield Static(Content(f"Outbox — {len(self.ops)} open operation{'s' if len(self.ops) != 1 else ''}"), classes="dialog-title")
            with VerticalScroll(id="outbox-scroll"):
                yield Static(outbox_content(self.ops))
            yield Static(Content("`inbox outbox` retries, edits or discards them."), classes="dialog-hint")
            yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)

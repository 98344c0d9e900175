"""Pick when a conversation comes back: presets with their times filled in, a custom time
in the snooze language (``3h``, ``fri``, ``2026-12-01 14:00``), or "until the customer
replies". When the customer interrupted an earlier snooze with only a thank-you, "again
until <the same time>" comes first and is highlighted.

Dismisses with a ``SnoozeChoice`` or ``None``; the calling screen does the snoozing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.errors import InboxError
from inbox_tui.service import InboxService, QueueRow
from inbox_tui.triage.snooze import SnoozePreset
from inbox_tui.ui.keys import bind

CUSTOM = "custom"
AGAIN = "again"


@dataclass(frozen=True)
class SnoozeChoice:
    until: datetime | None
    """``None``: until the customer replies."""
    label: str
    again: bool = False
    """Snooze again to the interrupted time (``service.resnooze_same``)."""


def when_text(until: datetime, service: InboxService) -> str:
    local = until.astimezone(service.triage.settings.tz)
    return local.strftime("%a %d %b %H:%M")


class SnoozeScreen(ModalScreen[SnoozeChoice | None]):
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, service: InboxService, row: QueueRow | None, conversation_id: int, subject: str = "") -> None:
        super().__init__()
        self.service = service
        self.row = row
        self.conversation_id = conversation_id
        self.subject = subject
        self.presets: list[SnoozePreset] = service.snooze_presets()

    def _options(self) -> list[Option]:
        options = []
        row = self.row
        if row is not None and row.resnooze_until is not None:
            why = "the customer only said thanks" if row.thanks_only else "the customer wrote meanwhile"
            text = f"Again until {when_text(row.resnooze_until, self.service)} — same as before ({why})"
            options.append(Option(Content(text), id=AGAIN))
        options += [Option(Content(p.label), id=p.key) for p in self.presets]
        options.append(Option(Content("Custom time…  (3h, 2d, fri, 2026-12-01 14:00)"), id=CUSTOM))
        return options

    def compose(self) -> ComposeResult:
        with Vertical(id="snooze-dialog", classes="dialog"):
            title = f"Snooze #{self.conversation_id} {self.subject}".rstrip()
            yield Static(Content(title), classes="dialog-title")
            yield OptionList(*self._options(), id="snooze-options")
            yield Input(placeholder="Custom: 3h, 2d, fri, tomorrow, 2026-12-01 14:00 — Enter snoozes", id="snooze-custom")
            yield Static(id="snooze-error")
            yield Static(Content("A reply from the customer wakes it early."), id="snooze-hint")
            yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#snooze-options")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        if key == CUSTOM:
            self.query_one("#snooze-custom", Input).focus()
            return
        if key == AGAIN and self.row is not None and self.row.resnooze_until is not None:
            until = self.row.resnooze_until
            self.dismiss(SnoozeChoice(until, f"until {when_text(until, self.service)}", again=True))
            return
        for preset in self.presets:
            if preset.key == key:
                label = "until the customer replies" if preset.until is None else f"until {when_text(preset.until, self.service)}"
                self.dismiss(SnoozeChoice(preset.until, label))
                return

    @on(Input.Submitted, "#snooze-custom")
    def _custom(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        try:
            until = self.service.resolve_snooze(text)
        except InboxError as exc:
            self._error(str(exc))
            return
        label = "until the customer replies" if until is None else f"until {when_text(until, self.service)}"
        self.dismiss(SnoozeChoice(until, label))

    def _error(self, text: str) -> None:
        error = self.query_one("#snooze-error", Static)
        error.update(Content(text))
        error.set_class(bool(text), "-visible")

    def action_cancel(self) -> None:
        self.dismiss(None)

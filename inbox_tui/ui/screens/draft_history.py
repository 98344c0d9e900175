"""Earlier versions of the draft being written: when each was saved and how it differs in
length from the text in the compose box, the whole version on the right. Dismisses with
the chosen version's text or ``None``. Versions equal to the current text are left out
(restoring one would change nothing), and so are repeats of the version just before."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.model import utcnow
from inbox_tui.service import DraftVersion
from inbox_tui.ui.format import age
from inbox_tui.ui.keys import bind, shown


def distinct_versions(versions: list[DraftVersion], current: str) -> list[DraftVersion]:
    """Newest first, without the current text and without a version equal to the one
    listed just before it."""
    out: list[DraftVersion] = []
    for version in versions:
        if version.body.strip() == current.strip():
            continue
        if out and out[-1].body == version.body:
            continue
        out.append(version)
    return out


def version_label(version: DraftVersion, current: str, now: datetime) -> Content:
    """``14:05:12  3m ago`` and, under it, ``−240 chars · 12 lines``."""
    local = version.saved_at.astimezone()
    when = local.strftime("%H:%M:%S") if local.date() == now.astimezone().date() else local.strftime("%a %d %b %H:%M")
    delta = len(version.body) - len(current)
    size = "same length" if delta == 0 else f"{'+' if delta > 0 else '−'}{abs(delta)} chars"
    lines = version.body.count("\n") + 1
    ago = age(version.saved_at, now)
    return Content.assemble(
        when,
        (f"  {ago} ago" if ago != "now" else "  just now", "dim"),
        (f"\n  {size} · {lines} line{'s' if lines != 1 else ''}", "dim"),
    )


class DraftHistoryScreen(ModalScreen[str | None]):
    BINDINGS = [
        bind("picker.select", "select"),
        bind("picker.cancel", "cancel"),
        bind("picker.down", "move(1)"),
        bind("picker.up", "move(-1)"),
    ]

    def __init__(self, versions: list[DraftVersion], current: str) -> None:
        super().__init__()
        self.current = current
        self.versions = distinct_versions(versions, current)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Content("Earlier versions of this draft"), id="picker-title")
            with Horizontal(id="picker-body"):
                if self.versions:  # without one, nothing takes focus: Enter and Escape close
                    yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview-scroll"):
                    yield Static(id="picker-preview")
            yield Footer()

    def on_mount(self) -> None:
        if not self.versions:
            self.query_one("#picker-preview", Static).update(
                Content("No earlier versions yet: the draft is saved as you type, and each save is kept here.")
            )
            return
        options = self.query_one("#picker-list", OptionList)
        now = utcnow()
        options.add_options(
            [Option(version_label(v, self.current, now), id=str(i)) for i, v in enumerate(self.versions)]
        )
        options.highlighted = 0
        self._preview(self.versions[0])
        options.focus()

    @on(OptionList.OptionHighlighted, "#picker-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        version = self._current()
        if version is not None:
            self._preview(version)

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_select()

    def _current(self) -> DraftVersion | None:
        if not self.versions:
            return None
        index = self.query_one("#picker-list", OptionList).highlighted
        return self.versions[index] if index is not None and 0 <= index < len(self.versions) else None

    def _preview(self, version: DraftVersion) -> None:
        choose = shown(self.app, "picker.select")
        hint = Content.styled(f"{choose} puts this text back in the reply; the text you have now stays a version.\n\n", "dim")
        self.query_one("#picker-preview", Static).update(hint + Content(version.body))

    def action_move(self, delta: int) -> None:
        if not self.versions:
            return
        options = self.query_one("#picker-list", OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_select(self) -> None:
        version = self._current()
        self.dismiss(version.body if version is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)

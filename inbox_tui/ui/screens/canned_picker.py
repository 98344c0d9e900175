"""Pick a canned reply: fuzzy search over name, shortcut and body as you type (replies in
the customer's language first); the list on the left, the reply rendered for this
conversation on the right. Dismisses with the
chosen ``CannedReply`` or ``None``. A placeholder that cannot be filled is shown in the
preview, never raised."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui import reply_stats
from inbox_tui.errors import InboxError
from inbox_tui.service import CannedReply
from inbox_tui.ui.fuzzy import rank
from inbox_tui.ui.keys import bind

Preview = Callable[[str], str]


def search_fields(reply: CannedReply) -> list[tuple[str, float]]:
    return [(reply.name, 1.0), (reply.shortcut, 1.2), (" ".join(reply.tags), 0.6), (reply.body, 0.25)]


def in_language_first(replies: list[CannedReply], language: str) -> list[CannedReply]:
    """Replies written in the customer's ``language`` first, then those for any language,
    then the rest; the order within each kept (the fuzzy ranking is stable for ties)."""
    if not language:
        return list(replies)
    return sorted(replies, key=lambda r: 0 if r.language == language else 1 if not r.language else 2)


class CannedPicker(ModalScreen[CannedReply | None]):
    BINDINGS = [
        bind("picker.select", "select"),
        bind("picker.cancel", "cancel"),
        bind("picker.down", "move(1)"),
        bind("picker.up", "move(-1)"),
    ]

    def __init__(self, replies: list[CannedReply], preview: Preview, *, language: str = "") -> None:
        """``language``: the customer's (``de``): replies in it come first."""
        super().__init__()
        self.replies = in_language_first(replies, language)
        self.preview = preview
        self.matches: list[CannedReply] = list(self.replies)
        self.stats: dict[str, reply_stats.ReplyStats] = {}
        """Uses and close rate per reply (shown beside each name)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Content("Canned replies"), id="picker-title")
            yield Input(placeholder="Type to filter: name, shortcut or words in the reply", id="picker-search")
            with Horizontal(id="picker-body"):
                yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview-scroll"):
                    yield Static(id="picker-preview")
            yield Footer()

    def on_mount(self) -> None:
        try:
            self.stats = reply_stats.stats(self.app.service)  # one small aggregate query
        except (InboxError, AttributeError):
            self.stats = {}
        self._fill()
        self.query_one("#picker-search", Input).focus()

    def _fill(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        for index, reply in enumerate(self.matches):
            used = self.stats.get(reply.slug)
            label = Content.assemble(
                reply.name,
                (f"  {reply.shortcut}", "dim") if reply.shortcut else "",
                (f"\n  {used.label()}", "dim italic") if used and used.uses else "",
            )
            options.add_option(Option(label, id=str(index)))
        if self.matches:
            options.highlighted = 0
        else:
            self._show_preview(None)

    @on(Input.Changed, "#picker-search")
    def _filter(self, event: Input.Changed) -> None:
        self.matches = rank(event.value, self.replies, search_fields)
        self._fill()

    @on(OptionList.OptionHighlighted, "#picker-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_preview(self._current())

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_select()

    @on(Input.Submitted, "#picker-search")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_select()

    def _current(self) -> CannedReply | None:
        index = self.query_one("#picker-list", OptionList).highlighted
        return self.matches[index] if index is not None and 0 <= index < len(self.matches) else None

    def _show_preview(self, reply: CannedReply | None) -> None:
        box = self.query_one("#picker-preview", Static)
        if reply is None:
            box.update(Content("No canned reply matches." if self.replies else "No canned replies yet: add .md files to the replies folder."))
            return
        facts = []
        if reply.tags:
            facts.append("adds " + " ".join(f"#{t}" for t in reply.tags))
        if reply.status is not None:
            facts.append(f"sets {reply.status}")
        if (used := self.stats.get(reply.slug)) and used.uses:
            facts.append(used.label())
        head = Content.assemble((reply.name, "bold"), ("   " + " · ".join(facts) if facts else "", "dim"), "\n\n")
        try:
            body = Content(self.preview(reply.body))
        except InboxError as exc:
            body = Content.assemble((f"⚠ {exc}\n\n", "bold $warning"), (reply.body, "dim"))
        box.update(head + body)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_select(self) -> None:
        self.dismiss(self._current())

    def action_cancel(self) -> None:
        self.dismiss(None)

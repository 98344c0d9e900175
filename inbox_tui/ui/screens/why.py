"""The "why here" panel: each priority term with its points, then the SLA clock, the
place in the view, the snooze and the rules that acted — ``service.why`` as a table.

Loaded in a thread worker (``why`` computes the live score). Every text part is plain
``Content``: a subject or rule name is never read as markup.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from inbox_tui.errors import InboxError
from inbox_tui.service import InboxService
from inbox_tui.triage.engine import Why
from inbox_tui.ui.keys import bind

Part = str | tuple[str, str]


def term_lines(why: Why) -> list[Content]:
    """One line per term, points right-aligned and signed, strongest first."""
    terms = sorted(why.terms, key=lambda t: -abs(t.points))
    label_width = max((len(t.label) for t in terms), default=0)
    lines = []
    for term in terms:
        style = "$success" if term.points < 0 else "$warning" if term.points >= 100 else ""
        parts: list[Part] = [(f"{term.points:+6d}", style) if style else f"{term.points:+6d}", "  "]
        parts.append(term.label.ljust(label_width))
        if term.detail:
            parts.append((f"  {term.detail}", "$text-muted"))
        lines.append(Content.assemble(*parts))
    total = f"{why.score:+6d}"
    lines.append(Content.assemble(("─" * 6, "$text-muted")))
    lines.append(Content.assemble((total, "bold"), "  ", ("total", "bold")))
    return lines


def fact_lines(why: Why) -> list[Content]:
    """The rest of ``Why.lines()``: clock, position, snooze, rules (no markup)."""
    facts = why.lines()[1 + len(why.terms) :]
    return [Content(line) for line in facts]


class WhyScreen(ModalScreen[None]):
    BINDINGS = [
        bind("picker.cancel", "close"),
        bind("queue.why", "close"),
    ]

    def __init__(self, service: InboxService, conversation_id: int, view: str = "open", subject: str = "") -> None:
        super().__init__()
        self.service = service
        self.conversation_id = conversation_id
        self.view = view
        self.subject = subject
        self.why: Why | None = None
        """Set once loaded (tests wait on it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="why-dialog", classes="dialog"):
            title = f"Why here — #{self.conversation_id} {self.subject}".rstrip()
            yield Static(Content(title), classes="dialog-title")
            with VerticalScroll(id="why-body"):
                yield Static(Content("Working it out…"), id="why-terms")
                yield Static(id="why-facts")
            yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="why", exit_on_error=False)
    def _load(self) -> None:
        try:
            why = self.service.why(self.conversation_id, self.view)
        except InboxError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, why)

    def _show(self, why: Why) -> None:
        self.why = why
        terms = term_lines(why)
        self.query_one("#why-terms", Static).update(Content("\n").join(terms))
        self.query_one("#why-facts", Static).update(Content("\n").join(fact_lines(why)))

    def _failed(self, text: str) -> None:
        self.query_one("#why-terms", Static).update(Content(text))

    def action_close(self) -> None:
        self.dismiss(None)

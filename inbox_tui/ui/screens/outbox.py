"""The outbox (Pending view): every open operation, what went wrong, and what to do.

A list of operations (state, kind, conversation, age, attempts) with, beside it, the
highlighted one in full: its text, its last error and — for a conflict — what changed in
the conversation since the agent acted. Enter opens the actions it allows (retry, send
now, send anyway, edit, discard, mark sent); they run through ``service.journal`` in a
worker, "send now" also starts a sync. Keys come from the catalogue's picker context, so
nothing here hard-codes a key.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from inbox_tui.errors import InboxError
from inbox_tui.journal import Change, JournalEntry
from inbox_tui.model import OpKind, Operation, utcnow
from inbox_tui.ui.format import age, fit
from inbox_tui.ui.keys import bind, shown
from inbox_tui.ui.messages import DataChanged

ACTION_LABELS = {
    "retry": "Retry — try it again at the next sync",
    "send_now": "Send now — flush it with a sync right away",
    "send_anyway": "Send anyway — I have seen what changed",
    "edit": "Edit — change the text before it leaves",
    "discard": "Discard — never send it (and take its local change back)",
    "mark_sent": "Mark sent — I checked: it did go out",
}


def outbox_content(ops: list[Operation]) -> Content:
    """One line per operation (kept for callers that only show a list)."""
    if not ops:
        return Content("The outbox is empty: everything you did has reached upstream.")
    now = utcnow()
    parts: list[str | tuple[str, str]] = []
    for op in ops:
        parts += [_line(op, now), "\n"]
    return Content.assemble(*parts).rstrip()


def _line(op: Operation, now: object) -> Content:
    tries = f"{op.attempts}×" if op.attempts else ""
    return Content.assemble(
        (fit(str(op.state), 12), "bold $warning" if str(op.state) in ("conflict", "failed", "unconfirmed") else "bold"),
        fit(str(op.kind), 7),
        fit(f"#{op.conversation_id}", 7),
        (fit(op.account, 10), "dim"),
        (f"{age(op.created_at, now):>4} ", "dim"),  # type: ignore[arg-type]
        (f"{tries:>3}", "dim"),
    )


def detail_content(entry: JournalEntry, changes: list[Change]) -> Content:
    op = entry.operation
    parts: list[str | tuple[str, str]] = [
        (entry.subject or "(no subject)", "bold"),
        ("\n" + f"{op.kind} · {op.state} · {op.account} · tried {op.attempts}×", "dim"),
    ]
    if op.last_error:
        parts += ["\n\n", ("⚠ " + op.last_error, "$warning")]
    body = op.payload.get("body_text") if op.kind is OpKind.REPLY else op.payload.get("body")
    parts += ["\n\n", ("Your text" if body else "What it does", "bold"), "\n", body or entry.summary]
    if changes:
        parts += ["\n\n", ("What changed since you acted", "bold $warning")]
        for c in changes:
            parts += ["\n", (f"{c.when:%d %b %H:%M}  {c.who} {c.what}:", "bold"), "\n", c.text]
    return Content.assemble(*parts)


class OutboxScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    #outbox-dialog { width: 95%; height: 85%; }
    #outbox-body { height: 1fr; }
    #outbox-list { width: 46; height: 1fr; }
    #outbox-detail-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        bind("picker.cancel", "close"),
        bind("global.outbox", "close"),
        bind("picker.select", "choose"),
    ]

    def __init__(self, ops: list[Operation] | None = None) -> None:
        super().__init__()
        self.entries: list[JournalEntry] = []
        self.ops = ops or []

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox-dialog", classes="dialog"):
            yield Static(Content("Outbox"), id="outbox-title", classes="dialog-title")
            with Horizontal(id="outbox-body"):
                yield OptionList(id="outbox-list")
                with VerticalScroll(id="outbox-detail-scroll"):
                    yield Static(id="outbox-detail")
            yield Static(id="outbox-hint", classes="dialog-hint")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#outbox-list", OptionList).focus()
        pick, close = shown(self.app, "picker.select"), shown(self.app, "picker.cancel")
        self.query_one("#outbox-hint", Static).update(
            Content(f"{pick} shows what you can do with the highlighted operation · {close} closes")
        )
        try:  # a cheap read: the first paint already shows the list
            self._fill(self.service.journal.entries())
        except InboxError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)

    # ------------------------------------------------------------------ data
    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.app.service  # type: ignore[attr-defined]

    def reload_data(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="outbox-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            entries = self.service.journal.entries()
        except InboxError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", markup=False)
            return
        self.app.call_from_thread(self._fill, entries)

    def _fill(self, entries: list[JournalEntry]) -> None:
        keep = self._current()
        self.entries = entries
        title = f"Outbox — {len(entries)} open operation{'s' if len(entries) != 1 else ''}"
        self.query_one("#outbox-title", Static).update(Content(title))
        options = self.query_one("#outbox-list", OptionList)
        options.clear_options()
        now = utcnow()
        for e in entries:
            options.add_option(Option(_line(e.operation, now), id=e.operation.id))
        if not entries:
            self.query_one("#outbox-detail", Static).update(
                Content("The outbox is empty: everything you did has reached upstream.")
            )
            return
        ids = [e.operation.id for e in entries]
        options.highlighted = ids.index(keep.operation.id) if keep and keep.operation.id in ids else 0
        self._show_detail()

    def _current(self) -> JournalEntry | None:
        if not self.is_mounted:
            return None
        index = self.query_one("#outbox-list", OptionList).highlighted
        return self.entries[index] if index is not None and 0 <= index < len(self.entries) else None

    @on(OptionList.OptionHighlighted, "#outbox-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        entry = self._current()
        if entry is not None:
            self._load_detail(entry)

    @work(thread=True, exclusive=True, group="outbox-detail", exit_on_error=False)
    def _load_detail(self, entry: JournalEntry) -> None:
        try:
            changes = self.service.journal.changes_since(entry.operation.id)
        except InboxError:
            changes = []
        self.app.call_from_thread(self.query_one("#outbox-detail", Static).update, detail_content(entry, changes))

    # ------------------------------------------------------------------ actions
    @on(OptionList.OptionSelected, "#outbox-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        entry = self._current()
        if entry is None:
            return
        if not entry.actions:
            self.notify(f"A {entry.operation.state} operation is in flight; nothing to do now", markup=False)
            return
        self.app.push_screen(ActionMenu(entry), lambda action: self._act(entry, action))

    def _act(self, entry: JournalEntry, action: str | None) -> None:
        if action is None:
            return
        if action == "edit":
            op = entry.operation
            body = op.payload.get("body_text") if op.kind is OpKind.REPLY else op.payload.get("body")
            self.app.push_screen(EditOperation(str(body or "")), lambda text: self._edited(entry, text))
            return
        self._run(entry.operation.id, action)

    def _edited(self, entry: JournalEntry, text: str | None) -> None:
        if text is not None:
            self._run(entry.operation.id, "edit", text)

    @work(thread=True, group="outbox-act", exit_on_error=False)
    def _run(self, op_id: str, action: str, text: str = "") -> None:
        journal = self.service.journal
        try:
            if action == "edit":
                journal.edit(op_id, text)
            else:
                getattr(journal, action)(op_id)
        except InboxError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", markup=False)
            return
        done = {"discard": "Discarded", "mark_sent": "Marked sent", "edit": "Edited; it will be sent at the next sync"}
        self.app.call_from_thread(self.notify, done.get(action, ACTION_LABELS[action].split(" —")[0] + ": queued"), markup=False)
        self.app.post_message(DataChanged(origin="sync"))
        if action == "send_now":
            self.app.call_from_thread(self.app.action_sync)  # type: ignore[attr-defined]
        self.app.call_from_thread(self.reload_data)

    def action_close(self) -> None:
        self.dismiss(None)


class ActionMenu(ModalScreen[str | None]):
    """What can be done with one operation; dismisses with the journal action or ``None``."""

    DEFAULT_CSS = """
    ActionMenu { align: center middle; }
    #outbox-actions { width: 70; height: auto; }
    #outbox-actions OptionList { height: auto; max-height: 10; }
    """
    BINDINGS = [bind("picker.cancel", "cancel")]

    def __init__(self, entry: JournalEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        op = self.entry.operation
        with Vertical(id="outbox-actions", classes="dialog"):
            yield Static(Content(f"{op.kind} #{op.conversation_id} · {op.state}"), classes="dialog-title")
            yield OptionList(*[Option(Content(ACTION_LABELS[a]), id=a) for a in self.entry.actions], id="outbox-action-list")

    def on_mount(self) -> None:
        menu = self.query_one("#outbox-action-list", OptionList)
        menu.highlighted = 0
        menu.focus()

    @on(OptionList.OptionSelected, "#outbox-action-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditOperation(ModalScreen[str | None]):
    """New text for a reply or note that has not left (send key saves, cancel keeps the old)."""

    DEFAULT_CSS = """
    EditOperation { align: center middle; }
    #outbox-edit { width: 90; height: 20; }
    #outbox-edit-text { height: 1fr; }
    """
    BINDINGS = [bind("compose.send", "save", priority=True), bind("compose.cancel", "cancel")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox-edit", classes="dialog"):
            yield Static(Content("Edit before it leaves"), classes="dialog-title")
            yield TextArea(self.text, soft_wrap=True, id="outbox-edit-text")
            yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

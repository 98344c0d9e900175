"""One message of a thread. Customer and agent messages differ by CSS class (``-in`` /
``-out``), border and a direction label; a reply still in the outbox says how to undo it.

The body is folded past ``MAX_LINES`` / ``MAX_CHARS`` so a 1 MB mail stays fast
(textual-risks.md §2); quoted lines and signatures are dimmed. Everything is assembled as
``Content`` parts — customer text is never parsed as markup.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from inbox_tui.model import Direction, Operation, OpState, StoredMessage, utcnow
from inbox_tui.ui.format import size, stamp

MAX_LINES = 400
MAX_CHARS = 40_000


def fold(body: str) -> tuple[list[str], int]:
    """The lines to show and how many were left out."""
    text = body if len(body) <= MAX_CHARS else body[:MAX_CHARS]
    lines = text.rstrip("\n").split("\n")
    total = body.rstrip("\n").count("\n") + 1
    shown = lines[:MAX_LINES]
    if len(text) < len(body) and shown:
        shown[-1] += "…"
    return shown, max(0, total - len(shown))


def op_label(op: Operation | None, undo_key: str) -> str:
    if op is None:
        return ""
    return {
        OpState.PENDING: f"queued — undo with {undo_key}",
        OpState.SENDING: "sending…",
        OpState.FAILED: f"failed, will retry: {op.last_error}" if op.last_error else "failed, will retry",
        OpState.CONFLICT: "held: the conversation changed upstream (see the outbox)",
        OpState.UNCONFIRMED: "not confirmed by upstream (see the outbox)",
    }.get(op.state, "")


class MessageCard(Static):
    COMPONENT_CLASSES = {
        "message-card--who",
        "message-card--dim",
        "message-card--quote",
        "message-card--attachment",
        "message-card--problem",
        "message-card--queued",
    }

    def __init__(self, message: StoredMessage, op: Operation | None, undo_key: str) -> None:
        self.message = message
        self.op = op
        self.undo_key = undo_key
        classes = "-in" if message.direction is Direction.IN else "-out"
        if op is not None:
            classes += " -queued"
        super().__init__(classes=classes)

    def on_mount(self) -> None:
        msg = self.message
        label = "CUSTOMER" if msg.direction is Direction.IN else "AGENT"
        arrow = "◀" if msg.direction is Direction.IN else "▶"
        who = msg.sender.display or "(unknown sender)"
        self.border_title = Content.assemble(f" {arrow} {label} ", (f" {who} ", "bold"))
        subtitle = stamp(msg.date, utcnow())
        if (state := op_label(self.op, self.undo_key)):
            subtitle = f"{state} · {subtitle}"
        self.border_subtitle = Content(f" {subtitle} ")
        self.update(self.body())

    def body(self) -> Content:
        msg = self.message
        style = self.get_visual_style
        dim = style("message-card--dim", partial=True)
        quote = style("message-card--quote", partial=True)
        parts: list[str | tuple[str, object]] = []
        if msg.to:
            parts.append(("to " + ", ".join(a.display for a in msg.to), dim))
            if msg.cc:
                parts.append(("  cc " + ", ".join(a.display for a in msg.cc), dim))
            parts.append("\n\n")
        lines, hidden = fold(msg.body_text or "")
        in_signature = False
        for line in lines:
            if line.rstrip() == "--":
                in_signature = True
            if in_signature or line.lstrip().startswith(">"):
                parts.append((line, quote))
            else:
                parts.append(line)
            parts.append("\n")
        if hidden:
            parts.append((f"… {hidden:,} more lines not shown (`inbox show {msg.conversation_id}` prints them all)\n", dim))
        if msg.attachments:
            attach = style("message-card--attachment", partial=True)
            parts.append("\n")
            for a in msg.attachments:
                parts.append((f"📎 {a.filename}", attach))
                parts.append((f"  {a.content_type} · {size(a.size)}\n", dim))
        if msg.problems:
            problem = style("message-card--problem", partial=True)
            parts.append("\n")
            for p in msg.problems:
                parts.append((f"⚠ {p}\n", problem))
        return Content.assemble(*parts).rstrip()  # type: ignore[arg-type]

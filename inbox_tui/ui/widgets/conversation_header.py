"""Subject and facts above a thread: the subject with an unsent draft's hint and the
position in the queue walk (``3/41``) at its right, then status badge, priority, id,
account, waiting time, the running SLA clock, tags."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from inbox_tui.model import Conversation, utcnow
from inbox_tui.ui.format import age

PRIORITY = {1: "medium", 2: "high", 3: "urgent"}


class ConversationHeader(Widget):
    COMPONENT_CLASSES = {
        "conversation-header--subject",
        "conversation-header--dim",
        "conversation-header--tags",
        "conversation-header--priority",
        "conversation-header--status-open",
        "conversation-header--status-pending",
        "conversation-header--status-closed",
        "conversation-header--sla-ok",
        "conversation-header--sla-due_soon",
        "conversation-header--sla-breached",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._conv: Conversation | None = None
        self._position = ""
        self._draft_hint = ""
        self._sla: tuple[str, str] = ("", "")

    def show(
        self, conv: Conversation, position: str, *, draft_key: str | None = None, sla: tuple[str, str] = ("", "")
    ) -> None:
        """``draft_key``: the reply key to name when an unsent draft waits (``None``: no draft).
        ``sla``: the running clock's text and state (``ok`` / ``due_soon`` / ``breached``)."""
        self._conv, self._position, self._sla = conv, position, sla
        self._draft_hint = "" if draft_key is None else f"✎ unsent draft — {draft_key} continues it"
        self.refresh()

    def render(self) -> Content:
        conv = self._conv
        if conv is None:
            return Content("")
        style = self.get_visual_style
        dim = style("conversation-header--dim", partial=True)
        subject = Content.styled(conv.subject or "(no subject)", style("conversation-header--subject", partial=True))
        parts: list[str | tuple[str, object]] = [
            (f" {conv.status} ", style(f"conversation-header--status-{conv.status}", partial=True)),
            "  ",
        ]
        if conv.priority in PRIORITY:
            parts += [(PRIORITY[conv.priority], style("conversation-header--priority", partial=True)), "  "]
        waiting = "waiting on you" if conv.awaiting == "agent" else "waiting on the customer"
        facts = [f"#{conv.id}", conv.account, f"{conv.message_count} message{'s' if conv.message_count != 1 else ''}", f"{waiting} {age(conv.waiting_since, utcnow())}"]
        parts.append(("  ·  ".join(facts), dim))
        sla_text, sla_state = self._sla
        if sla_text:
            parts += [("  ·  ", dim), (sla_text, style(f"conversation-header--sla-{sla_state or 'ok'}", partial=True))]
        if conv.tags:  # last: on a narrow terminal they are what gets cut
            parts += ["   ", (" ".join(f"#{t}" for t in conv.tags), style("conversation-header--tags", partial=True))]
        width = self.size.width
        meta = Content.assemble(*parts).truncate(width, ellipsis=True)  # type: ignore[arg-type]
        return Content("\n").join([self._subject_line(subject, width), meta])

    def _subject_line(self, subject: Content, width: int) -> Content:
        """The subject, then at the right edge whatever the width: an unsent draft's hint and
        the position in the walk (the subject is what a narrow terminal cuts)."""
        right: list[str | tuple[str, object]] = []
        if self._draft_hint:
            right.append((self._draft_hint, self.get_visual_style("conversation-header--priority", partial=True)))
        if self._position:
            right += ["   " if right else "", (self._position, self.get_visual_style("conversation-header--dim", partial=True))]
        if not right:
            return subject.truncate(width, ellipsis=True)
        tail = Content.assemble(*right)  # type: ignore[arg-type]
        subject = subject.truncate(max(width - tail.cell_length - 3, 1), ellipsis=True)
        gap = max(width - subject.cell_length - tail.cell_length, 1)
        return Content.assemble(subject, " " * gap, tail)

"""Two lines under the queue about the highlighted conversation: who, how many messages,
what the last one says. Plain ``Content`` built from parts (never markup)."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from inbox_tui.model import utcnow
from inbox_tui.service import QueueRow
from inbox_tui.ui.format import age


class RowPreview(Widget):
    COMPONENT_CLASSES = {"row-preview--who", "row-preview--dim", "row-preview--sla"}

    row: reactive[QueueRow | None] = reactive(None, layout=False)

    def render(self) -> Content:
        row = self.row
        if row is None:
            return Content("")
        who = self.get_visual_style("row-preview--who", partial=True)
        dim = self.get_visual_style("row-preview--dim", partial=True)
        sla = self.get_visual_style("row-preview--sla", partial=True)
        name = row.customer_name or row.customer_email
        facts = [f"#{row.id}", row.account, f"{row.message_count} message{'s' if row.message_count != 1 else ''}"]
        if row.has_attachments:
            facts.append("📎")
        waiting = "waiting on you" if row.awaiting == "agent" else "waiting on the customer"
        facts.append(f"{waiting} {age(row.waiting_since, utcnow())}")
        if row.assignee:
            facts.append(f"assigned to {row.assignee}")
        parts: list[str | tuple[str, object]] = [(name, who)]
        if row.customer_name and row.customer_email:
            parts.append((f" <{row.customer_email}>", dim))
        parts.append(("  ·  " + "  ·  ".join(facts), dim))
        if row.sla_text:
            parts.append(("  ·  ", dim))
            parts.append((row.sla_text, sla))
        first = Content.assemble(*parts).truncate(self.size.width, ellipsis=True)  # type: ignore[arg-type]
        snippet = " ".join(row.snippet.split())
        second = Content(snippet).truncate(self.size.width, ellipsis=True)
        return Content("\n").join([first, second])

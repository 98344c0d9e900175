"""The customer: name, address, and their other conversations (status, age, subject)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from inbox_tui.model import Address, Status, utcnow
from inbox_tui.service import QueueRow
from inbox_tui.ui.format import age

STATUS_MARK = {Status.OPEN: "●", Status.PENDING: "◐", Status.CLOSED: "○"}


class CustomerPanel(Static):
    COMPONENT_CLASSES = {"customer-panel--name", "customer-panel--dim", "customer-panel--heading", "customer-panel--open"}

    def show(self, customer: Address, history: list[QueueRow]) -> None:
        style = self.get_visual_style
        name = style("customer-panel--name", partial=True)
        dim = style("customer-panel--dim", partial=True)
        heading = style("customer-panel--heading", partial=True)
        open_style = style("customer-panel--open", partial=True)
        parts: list[str | tuple[str, object]] = [(customer.name or customer.email or "(unknown)", name), "\n"]
        if customer.name and customer.email:
            parts += [(customer.email, dim), "\n"]
        parts.append("\n")
        if not history:
            parts.append(("First conversation with us.", dim))
        else:
            count = len(history)
            parts += [(f"{count} other conversation{'s' if count != 1 else ''}", heading), "\n"]
            now = utcnow()
            for row in history[:12]:
                mark = STATUS_MARK.get(row.status, "·")
                parts += [
                    (mark, open_style if row.status is not Status.CLOSED else dim),
                    (f" {age(row.updated_at, now):>3}  ", dim),
                    row.subject or "(no subject)",
                    "\n",
                ]
            if count > 12:
                parts.append((f"… and {count - 12} more", dim))
        self.update(Content.assemble(*parts).rstrip())  # type: ignore[arg-type]

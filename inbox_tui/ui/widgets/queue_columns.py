"""Column layout and row rendering for the queue — plain ``Segment``s, never markup.

Kept apart from the scrolling widget so it can be tested as a function:
``layout(width)`` decides the column widths for a terminal width, ``render_row`` turns one
``QueueRow`` into segments of exactly ``width`` cells (wide CJK characters count twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style

from inbox_tui.model import Status
from inbox_tui.service import QueueRow
from inbox_tui.triage.timeparse import format_span
from inbox_tui.ui.format import age, fit, fit_right

# fixed columns: unread marker, priority, status, waiting age, pending-ops marker
_UNREAD, _PRIO, _STATUS, _AGE, _OPS = 1, 2, 7, 4, 3
_GAP = 1

PRIORITY_MARK = {0: "", 1: "·", 2: "!", 3: "!!"}
STATUS_TEXT = {Status.OPEN: "open", Status.PENDING: "pending", Status.CLOSED: "closed"}


@dataclass(frozen=True)
class Layout:
    width: int
    due: int
    customer: int
    subject: int
    tags: int


def layout(width: int) -> Layout:
    """Columns that fit ``width``: the subject takes what is left; tags and the SLA column
    appear only when there is room, the customer column shrinks before the subject does."""
    fixed = 1 + _UNREAD + _GAP + _PRIO + _GAP + _STATUS + _GAP + _AGE + _GAP + _OPS
    due = 12 if width >= 104 else 0  # "overdue 35m"
    tags = 22 if width >= 130 else 16 if width >= 96 else 0
    customer = 24 if width >= 130 else 20 if width >= 90 else 16 if width >= 70 else 12
    used = fixed + (due + _GAP if due else 0) + customer + _GAP + _GAP + (tags + _GAP if tags else 0)
    subject = max(8, width - used)
    return Layout(width, due, customer, subject, tags)


def due(row: QueueRow, now: datetime) -> str:
    """The SLA clock: the time left (``2h 10m``) before the deadline, ``overdue 35m``
    or ``overdue 2h`` after it (the colour says the rest: due soon, breached; the
    preview and the why panel give the minutes)."""
    if row.due_at is None:
        return ""
    if row.due_at >= now:
        return format_span(row.due_at - now)
    return f"overdue {format_span(now - row.due_at).split()[0]}"  # the largest unit: "overdue 2h"


StyleFor = Callable[[str], Style]
"""Looks up a component style by its short name (``"cursor"``, ``"status-open"`` …)."""


def header(lay: Layout, style: Style) -> list[Segment]:
    parts = [" ", " " * _UNREAD, " ", " " * _PRIO, " ", fit("STATUS", _STATUS), " ", fit_right("WAIT", _AGE), " "]
    if lay.due:
        parts += [fit("Due", lay.due), " "]
    parts += [fit("CUSTOMER", lay.customer), " ", fit("SUBJECT", lay.subject), " "]
    if lay.tags:
        parts += [fit("TAGS", lay.tags), " "]
    parts.append(" " * _OPS)
    return [Segment(fit("".join(parts), lay.width), style)]


def render_row(
    row: QueueRow, lay: Layout, now: datetime, style_for: StyleFor, base: Style, *, cursor: bool = False,
    marked: bool = False,
) -> list[Segment]:  # fmt: skip
    """One queue line. ``base`` carries the row-wide style (cursor background, closed,
    marked). The first cell is the cursor bar, else ``*`` on a row marked for a macro."""
    if cursor:
        first = Segment("▌", base + style_for("cursor-bar"))
    else:
        first = Segment("*", base + style_for("cursor-bar")) if marked else Segment(" ", base)
    segs: list[Segment] = [first]
    strong = style_for("unread") if row.unread else Style()

    def add(text: str, name: str | None = None, emphasis: bool = False) -> None:
        style = base + style_for(name) if name else base
        segs.append(Segment(text, style + strong if emphasis else style))

    add("●" if row.unread else " ", "unread-mark")
    add(" ")
    add(fit(PRIORITY_MARK.get(row.priority, ""), _PRIO), f"prio-{row.priority}")
    add(" ")
    add(fit(STATUS_TEXT.get(row.status, str(row.status)), _STATUS), f"status-{row.status}")
    add(" ")
    waited = age(row.waiting_since, now)
    add(fit_right(waited, _AGE), "age-agent" if row.awaiting == "agent" and row.status is Status.OPEN else "age")
    add(" ")
    if lay.due:
        add(fit(due(row, now), lay.due), f"sla-{row.sla_state}" if row.sla_state else None)
        add(" ")
    who = row.customer_name or row.customer_email or "(unknown)"
    add(fit(who, lay.customer), "customer", emphasis=True)
    add(" ")
    subject = row.subject or "(no subject)"
    if row.woke:
        subject = f"↺ thanks · {subject}" if row.thanks_only else f"↺ {subject}"
    add(fit(subject, lay.subject), "subject" if row.unread else "subject-read", emphasis=True)
    add(" ")
    if lay.tags:
        add(fit(" ".join(f"#{t}" for t in row.tags), lay.tags), "tags")
        add(" ")
    ops = f"⇡{row.pending_ops}" if row.pending_ops else ""
    add(fit(ops, _OPS), "ops")
    return Segment.adjust_line_length(segs, lay.width, base)

"""The queue's SLA column says what the issue asks for: the time left (``2h 10m``) or
``overdue 35m``, in a column wide enough for it whenever the column is shown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inbox_tui.model import Status
from inbox_tui.service import QueueRow
from inbox_tui.ui.widgets.queue_columns import due, layout

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def row(due_at: datetime | None) -> QueueRow:
    return QueueRow(
        id=1, account="mail", subject="Where is my parcel?", customer_name="Ann", customer_email="ann@example.com",
        status=Status.OPEN, raw_status="open", priority=0, tags=(), unread=True, awaiting="agent",
        waiting_since=NOW, updated_at=NOW, message_count=1, snippet="", pending_ops=0, has_attachments=False,
        assignee="", due_at=due_at,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(hours=2, minutes=10), "2h 10m"),
        (timedelta(minutes=35), "35m"),
        (timedelta(days=1, hours=3), "1d 3h"),
        (-timedelta(minutes=35), "overdue 35m"),
        (-timedelta(hours=2, minutes=10), "overdue 2h"),
        (-timedelta(days=3, hours=4), "overdue 3d"),
    ],
)
def test_due_in_or_overdue(offset: timedelta, text: str) -> None:
    assert due(row(NOW + offset), NOW) == text


def test_no_clock_no_text() -> None:
    assert due(row(None), NOW) == ""


@pytest.mark.parametrize("width", [104, 120, 160])
def test_the_column_holds_its_longest_usual_text(width: int) -> None:
    assert layout(width).due >= len("overdue 59m")
    assert layout(width - 10 if width == 104 else 80).due == 0  # narrow terminals drop it

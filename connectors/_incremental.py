"""Pieces of an incremental pull shared by the helpdesks that list changes by time
(Help Scout, Freshdesk, Zendesk): noticing a list that shifted under the pager, and
telling one unreadable item from an upstream that is down."""

from __future__ import annotations

from datetime import datetime

MAX_FAILURES_IN_A_ROW = 3
"""Items that fail one after another: upstream is down, not one bad item."""


class ShiftWatch:
    """Notices an item listed twice in one walk *with a change*.

    Page-number paging over a list sorted by change time shifts when an item changes while
    we page: it moves to the end and the item after its old place slides back onto a page
    already read. ``rescan_from`` is the earliest old stamp of such an item, where a second
    walk has to start; ``None`` while the list held still."""

    def __init__(self) -> None:
        self.listed: dict[str, tuple[str, datetime | None]] = {}
        self.rescan_from: datetime | None = None

    def see(self, item_id: str, version: str, stamp: datetime | None) -> None:
        earlier = self.listed.setdefault(item_id, (version, stamp))
        if earlier[0] != version and earlier[1] is not None:
            if self.rescan_from is None or earlier[1] < self.rescan_from:
                self.rescan_from = earlier[1]


class FailureStreak:
    """One item that cannot be read is skipped (and retried next sync); ``limit`` in a row
    mean upstream itself is failing, and the pull should stop with the error."""

    def __init__(self, limit: int = MAX_FAILURES_IN_A_ROW) -> None:
        self.limit = limit
        self.count = 0

    def ok(self) -> None:
        self.count = 0

    def failed(self) -> bool:
        """Count a failure; ``True`` when it is one too many and the caller should re-raise."""
        self.count += 1
        return self.count >= self.limit

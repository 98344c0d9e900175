"""Incremental pull for Freshdesk: the cursor and the walk over changed tickets.

The listing is ``GET /api/v2/tickets?updated_since=…&order_by=updated_at&order_type=asc&
per_page=100&include=description,requester``. ``updated_since`` is always sent: without it
Freshdesk lists only tickets *created* in the last 30 days, so the first sync asks from
``FAR_BACK``. The cursor::

    {"v": 1, "since": "2026-01-02T03:04:05Z", "seen": {"17": "2026-01-02T03:04:05Z"},
     "retry": ["18"]}

* ``since`` — the newest ``updated_at`` stored; the listing starts ``OVERLAP`` earlier;
* ``seen`` — ``updated_at`` of the tickets in the overlap window: the boundary ticket that
  ``updated_since`` (inclusive) returns again is not re-read;
* ``retry`` — tickets whose conversations could not be read; read first next time.

**The page cap.** The tickets list stops at page 300. When the next page would pass the cap
(or the server says so with a 400 on ``page``), the walk restarts at page 1 from the last
``updated_at`` it saw; the overlap it re-lists is dropped through ``seen``.

**Shifts.** A ticket updated while we page moves to the end of the list and the one after
its old place slides back onto a page already read; ``connectors._incremental.ShiftWatch``
notices the ticket coming round again and a second walk starts from its old ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.freshdesk.mapping import as_int, iso, parse_time

OVERLAP = timedelta(minutes=1)
FAR_BACK = "2000-01-01T00:00:00Z"
PAGE_LIMIT = 300
CURSOR_VERSION = 1


@dataclass
class Cursor:
    since: datetime | None = None
    seen: dict[str, str] = field(default_factory=dict)
    retry: list[str] = field(default_factory=list)
    hold: datetime | None = None
    """While a second walk is pending the stored ``since`` stays here."""

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None, problems: list[str]) -> Cursor:
        if not raw:
            return cls()
        if raw.get("v") != CURSOR_VERSION:
            problems.append("Freshdesk: the stored sync position is from another version; syncing everything again")
            return cls()
        seen = {str(k): str(v) for k, v in (raw.get("seen") or {}).items()}
        return cls(parse_time(raw.get("since")), seen, [str(r) for r in raw.get("retry") or () if str(r).isdigit()])

    def dump(self) -> dict[str, Any]:
        self.prune()
        since = min(self.since, self.hold) if self.since and self.hold else self.since
        return {
            "v": CURSOR_VERSION,
            "since": iso(since) if since else None,
            "seen": dict(self.seen),
            "retry": list(self.retry),
        }

    @property
    def listing_since(self) -> str:
        return iso(self.since - OVERLAP) if self.since else FAR_BACK

    def unchanged(self, ticket: Mapping[str, Any]) -> bool:
        return self.seen.get(str(as_int(ticket.get("id")))) == str(ticket.get("updated_at"))

    def saw(self, ticket: Mapping[str, Any]) -> None:
        updated = parse_time(ticket.get("updated_at"))
        if updated is None:
            return
        self.seen[str(as_int(ticket.get("id")))] = str(ticket.get("updated_at"))
        if self.since is None or updated > self.since:
            self.since = updated

    def prune(self) -> None:
        """Forget what the next listing cannot return again (older than its overlap)."""
        if self.since is None:
            return
        horizon = self.since - OVERLAP * 2
        self.seen = {k: v for k, v in self.seen.items() if (parse_time(v) or horizon) >= horizon}

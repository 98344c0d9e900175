"""Incremental pull for Help Scout: the cursor and the walk over changed conversations.

The listing is ``GET /v2/conversations?status=all&modifiedSince=…&sortField=modifiedAt&
sortOrder=asc&embed=threads`` (the default lists *active* conversations only). The cursor::

    {"v": 1, "since": "2026-01-02T03:04:05Z", "seen": {"1001": ["fingerprint", "stamp"]},
     "retry": ["1002"]}

* ``since`` — the newest change time stored so far; the next listing starts ``OVERLAP``
  earlier, so a change that Help Scout stamps a little late is not lost;
* ``seen`` — what the overlap window held at the last sync, by fingerprint: a conversation
  listed again unchanged (the boundary item, or anything in the overlap) is not re-read, so
  a sync with nothing new costs one listing request;
* ``retry`` — conversations whose threads could not be read (garbage from the server, a
  timeout): the next pull reads them first, so a bad answer never loses a conversation and
  never stores half of one.

Page-number paging over a list sorted by ``modifiedAt`` shifts when a listed conversation
changes while we page (it moves to the end, everything after its old place slides back
one). ``connectors._incremental.ShiftWatch`` notices the conversation coming round again and
the pull walks once more from its old stamp; until that second walk is done, the stored ``since`` stays there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.helpscout.mapping import as_int, fingerprint, iso, parse_time, stamp

OVERLAP = timedelta(minutes=2)
CURSOR_VERSION = 1


@dataclass
class Cursor:
    since: datetime | None = None
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    retry: list[str] = field(default_factory=list)
    hold: datetime | None = None
    """While a second walk is pending the stored ``since`` stays here, so a sync killed in
    between walks again from the right place."""

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None, problems: list[str]) -> Cursor:
        if not raw:
            return cls()
        if raw.get("v") != CURSOR_VERSION:
            problems.append("Help Scout: the stored sync position is from another version; syncing everything again")
            return cls()
        seen = {}
        for key, value in (raw.get("seen") or {}).items():
            if isinstance(value, (list, tuple)) and len(value) == 2:
                seen[str(key)] = (str(value[0]), str(value[1]))
        return cls(parse_time(raw.get("since")), seen, [str(r) for r in raw.get("retry") or () if str(r).isdigit()])

    def dump(self) -> dict[str, Any]:
        self.prune()
        return {
            "v": CURSOR_VERSION,
            "since": iso(min(self.since, self.hold) if self.hold else self.since) if self.since else None,
            "seen": {k: list(v) for k, v in self.seen.items()},
            "retry": list(self.retry),
        }

    @property
    def listing_since(self) -> str | None:
        return iso(self.since - OVERLAP) if self.since else None

    def unchanged(self, item: Listed) -> bool:
        entry = self.seen.get(item.id)
        return entry is not None and entry[0] == item.print

    def saw(self, item: Listed) -> None:
        if item.stamp is None:
            return
        self.seen[item.id] = (item.print, iso(item.stamp))
        if self.since is None or item.stamp > self.since:
            self.since = item.stamp

    def prune(self) -> None:
        """Forget what the next listing cannot return again (older than its overlap)."""
        if self.since is None:
            return
        horizon = iso(self.since - OVERLAP * 2)
        self.seen = {k: v for k, v in self.seen.items() if v[1] >= horizon}


@dataclass(frozen=True)
class Listed:
    """A conversation as the listing showed it: id, fingerprint and stamp, computed once."""

    id: str
    print: str
    stamp: datetime | None

    @classmethod
    def of(cls, conv: Mapping[str, Any]) -> Listed:
        return cls(str(as_int(conv.get("id"))), fingerprint(conv), stamp(conv))


@dataclass
class Page:
    conversations: list[dict[str, Any]]
    total: int | None
    last: bool


def walk(list_page: Any, since: str | None, should_stop: Any) -> Iterator[Page]:
    """Pages of the listing from ``since`` on, oldest change first.

    ``list_page(since_iso_or_None, page_number) -> dict`` returns the HAL response.
    """
    page = 1
    while not should_stop():
        data = list_page(since, page)
        embedded = data.get("_embedded") if isinstance(data, Mapping) else None
        items = embedded.get("conversations") if isinstance(embedded, Mapping) else None
        items = [c for c in items or () if isinstance(c, dict) and as_int(c.get("id"))]
        info = data.get("page") if isinstance(data, Mapping) else None
        info = info if isinstance(info, Mapping) else {}
        links = data.get("_links") if isinstance(data, Mapping) else None
        has_next = bool(isinstance(links, Mapping) and links.get("next")) or page < (
            as_int(info.get("totalPages")) or 0
        )
        last = not items or not has_next
        yield Page(items, as_int(info.get("totalElements")), last)
        if last:
            return
        page += 1

"""Incremental pull of Zendesk tickets.

Admins: the cursor-based incremental export ``/api/v2/incremental/tickets/cursor.json``
(``start_time`` the first time, then ``cursor=<after_cursor>`` until ``end_of_stream``).
The stored ``after_cursor`` resumes exactly; Zendesk keeps the last minute out of the
stream and may return a boundary ticket twice (or again after a system update that left
``updated_at`` alone), so tickets already delivered with the same ``updated_at`` are
skipped (``seen``). When a cursor is refused, the export restarts from the watermark minus
an overlap.

Non-admins (403 on the export): ``/api/v2/search/export`` with
``type:ticket updated>{watermark − overlap}`` (the search index lags a few minutes), same
``seen`` de-duplication.

Each changed ticket is read whole (every comments page, users side-loaded or fetched with
``show_many``) and delivered as one ``RemoteConversation``. A ticket that cannot be read
(HTML, cut-off JSON, a 5xx after retries) is reported in ``PullBatch.problems``, kept in
the cursor's ``retry`` list for the next pull, and the sync goes on with the others; three
such failures in a row stop the pull (the server is down, not one ticket broken).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors._incremental import FailureStreak
from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.mapping import Users, as_int, iso, merged_into, parse_time, to_conversation
from inbox_tui.errors import AmbiguousSend, AuthError, ConnectorError, NotFound, TransportError
from inbox_tui.model import PullBatch, RemoteConversation

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SEARCH_PATH = "/api/v2/search/export.json"
OVERLAP = timedelta(minutes=10)
BATCH_TICKETS = 50
EXPORT_PAGE = 1000
MAX_EXPORT_PAGES = 10_000

ShouldStop = Callable[[], bool]


@dataclass
class Cursor:
    """What a pull resumes from; stored as JSON by the sync engine."""

    mode: str = "export"
    """``export`` (admin) or ``search`` (after a 403 on the export)."""
    after: str | None = None
    """The export's ``after_cursor``."""
    watermark: str | None = None
    """Highest ``updated_at`` delivered (ISO)."""
    seen: dict[str, str] = field(default_factory=dict)
    """``ticket id → updated_at`` delivered within the overlap window."""
    retry: list[str] = field(default_factory=list)
    """Tickets that could not be read last time."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Cursor:
        if not isinstance(data, Mapping):
            return cls()
        seen = data.get("seen") if isinstance(data.get("seen"), Mapping) else {}
        return cls(
            mode="search" if data.get("mode") == "search" else "export",
            after=data.get("after") if isinstance(data.get("after"), str) else None,
            watermark=data.get("watermark") if isinstance(data.get("watermark"), str) else None,
            seen={str(k): str(v) for k, v in seen.items()},
            retry=[str(i) for i in data.get("retry") or () if str(i).isdigit()],
        )

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "after": self.after, "watermark": self.watermark, "seen": dict(self.seen), "retry": list(self.retry)}

    def is_new(self, ticket: Mapping[str, Any]) -> bool:
        return self.seen.get(str(ticket.get("id"))) != _version(ticket)

    def note(self, ticket: Mapping[str, Any]) -> None:
        stamp = str(ticket.get("updated_at") or "")
        self.seen[str(ticket.get("id"))] = _version(ticket)
        if parse_time(stamp) and (self.watermark is None or parse_time(stamp) > parse_time(self.watermark)):  # type: ignore[operator]
            self.watermark = stamp

    def prune(self) -> None:
        limit = parse_time(self.watermark)
        if limit is None:
            return
        limit -= OVERLAP
        self.seen = {k: v for k, v in self.seen.items() if (parse_time(v.split("|")[0]) or limit) >= limit}

    def since(self) -> datetime | None:
        mark = parse_time(self.watermark)
        return None if mark is None else mark - OVERLAP


def _version(ticket: Mapping[str, Any]) -> str:
    """``updated_at|generated_timestamp``: the same pair is the same ticket state (the
    boundary item again); a system update bumps only the second and is read again."""
    return f"{ticket.get('updated_at') or ''}|{ticket.get('generated_timestamp') or ''}"


class _NotAdmin(Exception):
    pass


class Puller:
    def __init__(self, client: ZendeskClient, users: Users, *, group_id: int | None = None, start_time: int = 0, export_page: int = EXPORT_PAGE) -> None:
        self.client = client
        self.users = users
        self.group_id = group_id
        self.start_time = start_time
        self.export_page = export_page
        self._failures = FailureStreak()

    def pull(self, raw: Mapping[str, Any] | None, should_stop: ShouldStop) -> Iterator[PullBatch]:
        cursor = Cursor.from_json(raw)
        self._failures = FailureStreak()
        if cursor.retry:
            yield from self._retry(cursor, should_stop)
        if cursor.mode == "export":
            try:
                yield from self._export(cursor, should_stop)
                return
            except _NotAdmin:
                cursor.mode, cursor.after = "search", None
                note = "Zendesk: the incremental export is for admins only (403); using search export instead"
                yield PullBatch(cursor=cursor.to_json(), problems=[note])
        yield from self._search(cursor, should_stop)

    # ------------------------------------------------------------------ listings
    def _export(self, cursor: Cursor, should_stop: ShouldStop) -> Iterator[PullBatch]:
        for page_number in range(MAX_EXPORT_PAGES):
            if should_stop():
                return
            params: dict[str, Any] = {"include": "users", "per_page": self.export_page}
            if cursor.after:
                params["cursor"] = cursor.after
            else:
                since = cursor.since()
                params["start_time"] = int(since.timestamp()) if since else self.start_time
            try:
                data = self.client.get(EXPORT_PATH, params, should_stop=should_stop)
            except AuthError as exc:
                if getattr(exc, "status", 0) == 403 and page_number == 0 and not cursor.after:
                    raise _NotAdmin from None
                raise
            except ConnectorError as exc:
                if cursor.after and getattr(exc, "status", 0) in (400, 422):
                    cursor.after = None  # an expired/invalid cursor: restart from the watermark
                    continue
                raise
            tickets = data.get("tickets")
            if not isinstance(tickets, list):
                raise TransportError("Zendesk's incremental export answered without a tickets list")
            self.users.add(data.get("users"))
            before = cursor.after
            after = data.get("after_cursor") if isinstance(data.get("after_cursor"), str) else None
            yield from self._deliver([t for t in tickets if isinstance(t, dict)], cursor, should_stop, after=after or before)
            if data.get("end_of_stream") is not False or not tickets or not after or after == before:
                return
        raise TransportError(f"Zendesk's incremental export went on for more than {MAX_EXPORT_PAGES} pages")

    def _search(self, cursor: Cursor, should_stop: ShouldStop) -> Iterator[PullBatch]:
        since = cursor.since() or datetime.fromtimestamp(self.start_time, timezone.utc)
        params = {"query": f"type:ticket updated>{iso(since)}", "filter[type]": "ticket"}
        for data in self.client.pages(SEARCH_PATH, "results", params, should_stop=should_stop):
            tickets = [r for r in data["results"] if isinstance(r, dict) and r.get("result_type", "ticket") == "ticket"]
            yield from self._deliver(tickets, cursor, should_stop, after=None, final=False)
            if should_stop():
                return
        cursor.prune()
        yield PullBatch(cursor=cursor.to_json())

    def _retry(self, cursor: Cursor, should_stop: ShouldStop) -> Iterator[PullBatch]:
        ids, cursor.retry = cursor.retry, []
        tickets: list[dict[str, Any]] = []
        for ticket_id in ids:
            try:
                tickets.append(self.client.ticket(ticket_id))
            except NotFound:
                continue
            except TransportError:
                cursor.retry.append(ticket_id)
        cursor.seen = {k: v for k, v in cursor.seen.items() if k not in ids}
        yield from self._deliver(tickets, cursor, should_stop, after=cursor.after)

    # ------------------------------------------------------------------ tickets
    def _deliver(
        self, tickets: Sequence[dict[str, Any]], cursor: Cursor, should_stop: ShouldStop, *, after: str | None, final: bool = True
    ) -> Iterator[PullBatch]:
        """Read the new tickets of one listing page in batches; the last batch of the page
        carries the cursor (earlier ones ``None``: a resumed sync reads the page again)."""
        fresh: dict[str, dict[str, Any]] = {}
        for ticket in tickets:
            if as_int(ticket.get("id")) is None:
                continue
            if self.group_id is not None and as_int(ticket.get("group_id")) != self.group_id:
                continue
            if cursor.is_new(ticket):
                fresh[str(ticket["id"])] = ticket  # the later copy of a ticket listed twice wins
        changed_after = after != cursor.after
        if not fresh and not (final and changed_after):
            return
        ordered = list(fresh.values())
        for start in range(0, len(ordered), BATCH_TICKETS):
            if should_stop():
                return
            chunk = ordered[start : start + BATCH_TICKETS]
            conversations, problems = self._read(chunk, cursor, should_stop)
            last = start + BATCH_TICKETS >= len(fresh)
            if last and final:
                cursor.after = after
                cursor.prune()
            yield PullBatch(conversations=conversations, problems=problems, cursor=cursor.to_json() if last and final else None)
        if not fresh:
            cursor.after = after
            cursor.prune()
            yield PullBatch(cursor=cursor.to_json())

    def _read(self, chunk: Sequence[dict[str, Any]], cursor: Cursor, should_stop: ShouldStop) -> tuple[list[RemoteConversation], list[str]]:
        problems: list[str] = []
        read: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for ticket in chunk:  # no should_stop here: a batch is read whole or not at all
            comments = self._comments(ticket, cursor, problems, should_stop)
            if comments is not None:
                read.append((ticket, comments))
        self._load_users(read, problems)
        conversations: dict[str, RemoteConversation] = {}
        merges: dict[str, list[str]] = {}
        for ticket, comments in read:
            cursor.note(ticket)
            target = merged_into(ticket, comments)
            if target is not None and ticket.get("status") == "closed":
                merges.setdefault(target, []).append(str(ticket["id"]))
                continue
            conv = to_conversation(ticket, comments, self.users, problems)
            conversations[conv.remote_id] = conv
        for target, sources in merges.items():
            conv = conversations.get(target) or self._fetch_whole(target, cursor, problems, should_stop)
            if conv is None:
                continue
            conv.merged_from = tuple(dict.fromkeys([*conv.merged_from, *sources]))
            conversations[target] = conv
        return list(conversations.values()), problems

    def _comments(self, ticket: Mapping[str, Any], cursor: Cursor, problems: list[str], should_stop: ShouldStop) -> list[dict[str, Any]] | None:
        ticket_id = str(ticket.get("id"))
        comments: list[dict[str, Any]] = []
        try:
            for page, users in self.client.comments(ticket_id, should_stop=should_stop):
                comments.extend(page)
                self.users.add(users)
        except NotFound:
            problems.append(f"Zendesk ticket {ticket_id} disappeared while it was read; skipped")
            return None
        except AmbiguousSend:
            raise
        except TransportError as exc:
            if self._failures.failed():
                raise
            problems.append(f"Zendesk ticket {ticket_id} not read ({exc}); it will be read again next sync")
            if ticket_id not in cursor.retry:
                cursor.retry.append(ticket_id)
            return None
        self._failures.ok()
        return comments

    def _fetch_whole(self, ticket_id: str, cursor: Cursor, problems: list[str], should_stop: ShouldStop) -> RemoteConversation | None:
        try:
            ticket = self.client.ticket(ticket_id)
        except NotFound:
            problems.append(f"Zendesk ticket {ticket_id} (a merge target) is gone")
            return None
        comments = self._comments(ticket, cursor, problems, should_stop)
        if comments is None:
            return None
        self._load_users([(ticket, comments)], problems)
        cursor.note(ticket)
        return to_conversation(ticket, comments, self.users, problems)

    def _load_users(self, read: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]], problems: list[str]) -> None:
        wanted: list[int | None] = []
        for ticket, comments in read:
            wanted += [as_int(ticket.get("requester_id")), as_int(ticket.get("assignee_id"))]
            wanted += [as_int(c.get("author_id")) for c in comments]
        missing = self.users.missing(wanted)
        if not missing:
            return
        try:
            self.users.add(self.client.users(missing))
        except (TransportError, NotFound) as exc:
            problems.append(f"Zendesk users {missing[:5]}… not read ({exc}); names shown as ids")


__all__ = ["Cursor", "Puller"]

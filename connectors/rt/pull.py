"""Incremental pull of RT tickets: TicketSQL on ``LastUpdated`` with an overlapping watermark.

Why the query looks the way it does:

* **Timezones.** RT reads an absolute date in TicketSQL in the *API user's* timezone (their
  preference, else the server's ``$Timezone``; REST shows neither), and it shifts even a
  string that names its zone (``...Z``, ``+0000``). Relative dates are computed from the
  server's own clock and are exact: ``LastUpdated >= '-N seconds'``. N comes from the
  server clock we read off each response's ``Date`` header; after the search, the
  response's own ``Date`` proves the threshold RT used was no later than ours, else we ask
  again.
* **Seconds.** ``LastUpdated`` has one-second resolution, so the query uses ``>=`` and
  starts ``OVERLAP`` seconds before the newest stamp already stored. RT stamps a change
  just before it commits (``RT::Record::_NewTransaction``: ``_SetLastUpdated`` then
  ``Commit``), so a stamp older than one we already saw can only appear later when a
  change commits slowly (a scrip updating another ticket inside the same transaction):
  ``OVERLAP`` covers that with a wide margin and stays small, because the search lists
  only ``id`` and ``LastUpdated`` (cheap for RT: no requestors, owner or custom fields).
  Tickets listed again with an unchanged stamp (``seen`` in the cursor) are not fetched
  again, so a pull with nothing new costs one cheap search — but only once the stamp is
  *settled*: a ticket read while its second was still running (or within ``SETTLE``
  seconds of it) can change again under the same stamp, so it is not remembered and is
  read once more by the next pull. Changed tickets are then read whole, by id, in one
  more search (the first sync lists them whole at once: everything is new there).
* **Paging a moving list.** Tickets are read oldest-change first, and each next page is
  a new query from the newest stamp of the page before (keyset paging): a ticket updated
  while we page moves to the end and is read there, instead of shifting the pages and
  making us skip another one. A page whose tickets all share one second is stepped
  through by page number.
* **Deleted tickets** never appear in RT searches; deletions are found as ``Status``
  transactions (by transaction id, which needs no clock at all).

Each page of up to ``PAGE`` tickets becomes one ``PullBatch`` whose cursor is valid on
its own: the engine stores them one by one and a killed sync resumes at the last.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.rt.client import MAX_PER_PAGE, RTClient, ticketsql_quote
from connectors.rt.mapping import MESSAGE_TYPES, TicketParts, as_int, epoch, ref_id
from inbox_tui.errors import TransportError

OVERLAP = 60
"""Seconds listed again before the newest stored ``LastUpdated`` (for late commits)."""
PAGE = 50
"""Tickets per search page and per ``PullBatch``."""
SETTLE = 2
"""Seconds after the end of a ``LastUpdated`` second when it counts as closed: a change
that commits later than that within the same stamp (a very slow write transaction,
racing another change of the same ticket in the same second) would be missed."""
CLOCK_SLACK = 2
"""Seconds added to relative thresholds for the whole-second ``Date`` header and latency."""
SEARCH_SLACK = (10, 60, 600)
"""Seconds added to a relative search threshold, per attempt (see ``TicketSearch.page``)."""
CURSOR_VERSION = 1
MAX_MERGE_DEPTH = 5
"""Rounds of "tickets merged into tickets merged into …" followed."""

LIST_FIELDS = [("fields", "LastUpdated")]
"""What the incremental search lists: enough to tell a changed ticket from a seen one."""
TICKET_FIELDS = [
    ("fields", "Subject,Status,LastUpdated,Created,Owner,Requestor,Queue,CustomFields,Priority"),
    ("fields[Requestor]", "Name,EmailAddress,RealName"),
    ("fields[Owner]", "Name"),
    ("fields[Queue]", "Name"),
]


@dataclass
class Cursor:
    queues: list[str]
    watermark: int | None = None
    """Newest ``LastUpdated`` (epoch seconds) of a ticket whose whole page is stored."""
    seen: dict[str, int] = field(default_factory=dict)
    """Ticket id → ``LastUpdated`` already delivered, for tickets inside the overlap."""
    deleted_after: int | None = None
    """Deletion transactions up to this id are handled."""
    skew: float = 0.0

    @classmethod
    def load(cls, raw: Mapping[str, Any] | None, queues: Sequence[str], problems: list[str]) -> Cursor:
        fresh = cls(queues=list(queues))
        if not raw:
            return fresh
        if raw.get("v") != CURSOR_VERSION or sorted(raw.get("queues") or []) != sorted(queues):
            if raw.get("v") == CURSOR_VERSION:
                problems.append("RT: the configured queues changed; reading all their tickets again")
            return fresh
        try:
            return cls(
                queues=list(queues),
                watermark=None if raw.get("watermark") is None else int(raw["watermark"]),
                seen={str(k): int(v) for k, v in (raw.get("seen") or {}).items()},
                deleted_after=None if raw.get("deleted_after") is None else int(raw["deleted_after"]),
                skew=float(raw.get("skew") or 0.0),
            )
        except (TypeError, ValueError, AttributeError):
            problems.append("RT: the stored sync position was unreadable; reading all tickets again")
            return fresh

    def dump(self) -> dict[str, Any]:
        return {
            "v": CURSOR_VERSION,
            "queues": self.queues,
            "watermark": self.watermark,
            "seen": dict(self.seen),
            "deleted_after": self.deleted_after,
            "skew": round(self.skew, 3),
        }

    def listed(self, stamp: int) -> None:
        """A ticket with this ``LastUpdated`` is handled (delivered, or seen unchanged)."""
        if self.watermark is None or stamp > self.watermark:
            self.watermark = stamp
        floor = self.watermark - OVERLAP
        if len(self.seen) > PAGE and min(self.seen.values()) < floor:
            self.seen = {k: v for k, v in self.seen.items() if v >= floor}

    def delivered(self, ticket_id: str, stamp: int, *, settled: bool) -> None:
        """The whole ticket as of ``stamp`` is delivered: list it again unchanged, skip it."""
        if settled:
            self.seen[ticket_id] = stamp
        else:
            self.seen.pop(ticket_id, None)  # may change again within the same second: read it again next time


def queue_clause(queues: Sequence[str]) -> str:
    return "(" + " OR ".join(f"Queue = {ticketsql_quote(q)}" for q in queues) + ")"


class TicketSearch:
    """Keyset-paged ``LastUpdated`` search over the configured queues."""

    def __init__(self, client: RTClient, queues: Sequence[str]) -> None:
        self.client = client
        self.base = queue_clause(queues)
        self.total: int | None = None
        self.observed_at = 0.0
        """A lower bound of RT's clock when it ran the last search (or read of records)."""

    def page(
        self, since: int | None, page: int, *, latest: int | None = None, whole: bool = False
    ) -> list[dict[str, Any]]:
        """Tickets with ``LastUpdated >= since`` (all when ``None``), oldest change first:
        ``id`` and ``LastUpdated`` only, or the ``whole`` records.

        RT turns ``'-N seconds'`` into a date when it parses the query, some time between
        our request and its answer; any threshold up to ``latest`` (default ``since``)
        misses nothing. The answer's ``Date`` bounds when RT parsed, so a slow answer that
        cannot prove ``threshold <= latest`` is asked again with more slack."""
        latest = since if latest is None else latest
        for slack in SEARCH_SLACK:
            query = self.base
            seconds = 0
            if since is not None:
                seconds = max(1, math.ceil(self.client.server_now() + 1 - since) + slack)
                query += f" AND LastUpdated >= '-{seconds} seconds'"
            params = [
                ("query", query),
                *(TICKET_FIELDS if whole else LIST_FIELDS),
                ("orderby", "LastUpdated"),
                ("orderby", "id"),
                ("order", "ASC"),
                ("order", "ASC"),
                ("per_page", PAGE),
                ("page", page),
            ]
            data = self._get(params)
            if latest is not None and self.client.server_now() + 1 - seconds > latest:
                continue  # RT may have parsed "now" later than we allowed for
            total = data.get("total")
            self.total = None if total is None else as_int(total)
            return [t for t in data["items"] if isinstance(t, dict)]
        raise TransportError("RT answers too slowly (or its clock jumps) to bound the search threshold")

    def records(self, ticket_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The whole records of these tickets (at most ``PAGE``), if still in the queues."""
        ids = " OR ".join(f"id = {int(tid)}" for tid in ticket_ids)
        params = [("query", f"{self.base} AND ({ids})"), *TICKET_FIELDS, ("orderby", "id"), ("per_page", PAGE)]
        return [t for t in self._get(params)["items"] if isinstance(t, dict)]

    def _get(self, params: Sequence[tuple[str, Any]]) -> dict[str, Any]:
        sent_at = time.time()
        data = self.client.get("/tickets", params)
        self.observed_at = sent_at + (self.client.skew or 0.0)  # skew comes from a whole-second Date: low
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise TransportError("RT sent a ticket search result without items")
        return data


def walk(
    search: TicketSearch, cursor: Cursor, should_stop: Callable[[], bool]
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Yield ``(page_items, changed_records)`` per search page; ``cursor`` already counts
    the page as delivered, so the caller stores it with that page's batch (and nothing is
    stored if the caller fails on the way)."""
    since = None if cursor.watermark is None else cursor.watermark - OVERLAP
    latest = cursor.watermark  # the overlap is a margin: a later threshold up to here misses nothing
    floor = since or 0  # RT lists from a little earlier (the threshold's slack): older was covered before
    whole = cursor.watermark is None  # a first sync reads every ticket anyway
    page = 1
    handled: set[tuple[str, int]] = set()
    while not should_stop():
        items = search.page(since, page, latest=latest, whole=whole)
        stamped = [(_ticket_id(t), epoch(t.get("LastUpdated")) or 0, t) for t in items]
        new = [(tid, stamp, t) for tid, stamp, t in stamped if (tid, stamp) not in handled]
        changed = [(tid, t) for tid, stamp, t in new if stamp >= floor and cursor.seen.get(tid) != stamp]
        records = [t for _, t in changed] if whole or not changed else search.records([tid for tid, _ in changed])
        for record in records:
            stamp = epoch(record.get("LastUpdated")) or 0
            cursor.delivered(_ticket_id(record), stamp, settled=search.observed_at >= stamp + SETTLE)
        for tid in {tid for tid, _ in changed} - {_ticket_id(r) for r in records}:
            cursor.seen.pop(tid, None)  # left the queues (or was deleted) between listing and reading
        for tid, stamp, _ in new:
            handled.add((tid, stamp))
            cursor.listed(stamp)
        yield items, records  # the cursor now covers this page: store it with the page's batch
        if len(items) < PAGE and (search.total is not None or not new):
            return
        if new:
            since, page = max(stamp for _, stamp, _ in new), 1
            latest = since
        else:
            page += 1  # a full page inside one second: step through it


def _ticket_id(ticket: Mapping[str, Any]) -> str:
    return str(as_int(ticket.get("id")) or ticket.get("id"))


# --------------------------------------------------------------------------- details


def read_parts(client: RTClient, ticket_ids: Sequence[str]) -> dict[str, TicketParts]:
    """Message transactions and their attachments for many tickets in a few requests.

    Merged tickets: RT keeps the transactions of a ticket merged into another under the
    old ticket's id. A merge target carries an ``AddLink``/``MergedInto`` transaction
    pointing at itself; for those we look up the tickets merged into it and read their
    transactions as the target's (``merged_from`` tells the store to fold them in)."""
    parts = {tid: TicketParts() for tid in ticket_ids}
    conversation_of = {tid: tid for tid in ticket_ids}
    by_txn: dict[int, TicketParts] = {}
    pending = list(ticket_ids)
    done: set[str] = set()
    for _depth in range(MAX_MERGE_DEPTH):
        if not pending:
            break
        targets = []
        for chunk in _chunks(pending, 50):
            for txn in _message_transactions(client, chunk):
                obj = str(ref_id(txn.get("ObjectId")))
                txn_id = as_int(txn.get("id"))
                if obj not in conversation_of or txn_id is None:
                    continue
                if txn.get("Type") == "AddLink":
                    if str(txn.get("NewValue") or "").endswith(f"/ticket/{obj}"):
                        targets.append(obj)
                    continue
                owner = parts[conversation_of[obj]]
                owner.transactions.append(txn)
                by_txn[txn_id] = owner
        done.update(pending)
        pending = []
        for source, target in _merged_into(client, targets):
            if target in conversation_of and source not in done and source not in conversation_of:
                conversation_of[source] = conversation_of[target]
                parts[conversation_of[target]].merged_from.append(source)
                pending.append(source)
    for chunk in _chunks(sorted(by_txn), 200):
        bodies = client.search(
            "/attachments",
            [("fields", "TransactionId,ContentType,Content,Filename,Subject,MessageId"), ("orderby", "id")],
            body=[
                {"field": "TransactionId", "operator": "IN", "value": chunk},
                {"field": "ContentType", "operator": "STARTSWITH", "value": "text/"},
            ],
        )
        for part in bodies:
            _file_under(by_txn, part, "bodies")
        files = client.search(
            "/attachments",
            [("fields", "TransactionId,ContentType,Filename,ContentLength"), ("orderby", "id")],
            body=[
                {"field": "TransactionId", "operator": "IN", "value": chunk},
                {"field": "Filename", "operator": "!=", "value": ""},
            ],
        )
        for part in files:
            _file_under(by_txn, part, "files")
    return parts


def _message_transactions(client: RTClient, ticket_ids: Sequence[str]) -> list[dict[str, Any]]:
    objects = " OR ".join(f"ObjectId = {int(tid)}" for tid in ticket_ids)
    types = " OR ".join(f"Type = '{t}'" for t in MESSAGE_TYPES)
    return client.search(
        "/transactions",
        [
            ("query", f"ObjectType = 'RT::Ticket' AND ({objects}) AND ({types} OR (Type = 'AddLink' AND Field = 'MergedInto'))"),
            ("fields", "Type,Created,Creator,ObjectId,NewValue"),
            ("fields[Creator]", "Name,EmailAddress,RealName"),
            ("orderby", "id"),
        ],
    )


def _merged_into(client: RTClient, targets: Sequence[str]) -> list[tuple[str, str]]:
    """``(source, target)`` for tickets merged into ``targets``."""
    if not targets:
        return []
    links = " OR ".join(f"NewValue LIKE 'ticket/{int(t)}'" for t in targets)
    txns = client.search(
        "/transactions",
        [
            ("query", f"ObjectType = 'RT::Ticket' AND Type = 'AddLink' AND Field = 'MergedInto' AND ({links})"),
            ("fields", "ObjectId,NewValue"),
            ("orderby", "id"),
        ],
    )
    pairs = []
    for txn in txns:
        source = str(ref_id(txn.get("ObjectId")))
        target = str(txn.get("NewValue") or "").rpartition("/ticket/")[2]
        if source != target and target in targets:  # LIKE also matched ticket/15 for ticket/1
            pairs.append((source, target))
    return pairs


def _file_under(by_txn: Mapping[int, TicketParts], part: dict[str, Any], kind: str) -> None:
    txn_id = ref_id(part.get("TransactionId"))
    owner = by_txn.get(txn_id) if txn_id is not None else None
    if owner is not None:
        getattr(owner, kind).setdefault(txn_id, []).append(part)


def deletions(client: RTClient, queues: Sequence[str], after: int | None) -> tuple[list[str], int | None]:
    """Tickets of ``queues`` deleted after transaction ``after`` (``None``: just find the
    newest deletion, to start from there), and the new ``after``."""
    query = (
        "ObjectType = 'RT::Ticket' AND Type = 'Status' AND NewValue = 'deleted' AND ("
        + " OR ".join(f"TicketQueue = {ticketsql_quote(q)}" for q in queues)
        + ")"
    )
    if after is None:
        newest = client.get(
            "/transactions", [("query", query), ("orderby", "id"), ("order", "DESC"), ("per_page", 1)]
        )
        items = newest.get("items") if isinstance(newest, dict) else None
        return [], (as_int(items[0].get("id")) or 0) if items else 0
    txns = client.search(
        "/transactions",
        [("query", f"{query} AND id > {int(after)}"), ("fields", "ObjectId"), ("orderby", "id")],
        per_page=MAX_PER_PAGE,
    )
    ids = sorted({str(as_int(t.get("ObjectId"))) for t in txns if as_int(t.get("ObjectId"))}, key=int)
    newest_id = max((as_int(t.get("id")) or 0 for t in txns), default=after)
    return ids, max(after, newest_id)


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]

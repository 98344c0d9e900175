"""``Triage``: views, counts, search, scores and "why here" over one store — what the
service delegates to. Headless; the store only ever sees SQL fragments and plain rows."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from inbox_tui.model import utcnow
from inbox_tui.store import ScoreRow, Store, iso, parse_iso
from inbox_tui.triage.language import detect
from inbox_tui.triage.priority import Facts, Score, ScoreSettings, Term, score
from inbox_tui.triage.query_sql import Compiled, QueryContext, compile_query, free_text_only
from inbox_tui.triage.settings import TriageSettings
from inbox_tui.triage.sla import KIND_LABEL, due_state
from inbox_tui.triage.snooze import FOREVER
from inbox_tui.triage.thanks import only_thanks
from inbox_tui.triage.timeparse import due_text
from inbox_tui.triage.views import DEFAULT_VIEWS, SORTS, ViewSpec

CHUNK = 1000
FIRST_PAGE = 100
COMMON_HITS = 5000
"""A free-text search matching at least this many conversations gets its first page early."""
FIRST_PAGE_BUDGET = 0.06
"""Seconds the first-page walk may take before it gives up (the full search still runs)."""
FIELDS_FIRST_PAGE_BUDGET = 0.06
"""The same for a search of fields only, which may match few conversations (a walk
through the whole view): it pays this much before the full search."""
FEW_HITS = 5000
"""Up to this many hits, a search's list and tab counts read the hits' own rows (a few
ms); past it, each view's remembered list (~50 ms to make one again after a change)."""
HITS_KEPT = 4
"""Searches whose hits are remembered until the data changes (≤ 4 × 100k ints)."""
_DEFAULT_KEYS = {v.key for v in DEFAULT_VIEWS}


@dataclass
class Why:
    """Why a conversation sits where it sits: each score term with its points, the SLA
    clock, its place in a view, and the rules that acted on it."""

    conversation_id: int
    score: int
    terms: list[Term]
    stored_score: int
    due_at: datetime | None = None
    sla_state: str = ""
    sla_text: str = ""
    sla_kind: str = ""
    policy: str = ""
    view: str = ""
    rank: tuple[int, int] | None = None
    rules: list[dict[str, Any]] = field(default_factory=list)
    snoozed_until: datetime | None = None
    woke_reason: str = ""

    def lines(self) -> list[str]:
        """Plain text, one fact per line (the CLI prints it; the UI may too)."""
        out = [f"Score {self.score}" + (f" (stored {self.stored_score}, being recomputed)" if self.stored_score != self.score else "")]
        out += [f"  {t.points:+5d}  {t.label}" + (f" — {t.detail}" if t.detail else "") for t in self.terms]
        if self.sla_text:
            out.append(f"SLA: {KIND_LABEL.get(self.sla_kind, self.sla_kind)} {self.sla_text} ({self.policy})")
        elif self.policy:
            out.append(f"SLA: no clock running ({self.policy})")
        if self.rank is not None:
            out.append(f"Position: {self.rank[0]} of {self.rank[1]} in {self.view}")
        if self.snoozed_until is not None:
            out.append(f"Snoozed until {iso(self.snoozed_until)[:16].replace('T', ' ')} UTC")
        if self.woke_reason:
            out.append(f"Back from snooze: {self.woke_reason}")
        for run in self.rules:
            changes = ", ".join(run["changes"]) or "no change"
            out.append(f"Rule {run['rule']!r} on {run['trigger']} at {run['at'][:16].replace('T', ' ')}: {changes}")
        return out


class Triage:
    def __init__(self, store: Store, settings: TriageSettings, me: Iterable[str] = ()) -> None:
        self.store = store
        self.settings = settings
        self.me = frozenset(m.strip().lower() for m in me if m and m.strip())
        self.score_settings = ScoreSettings(settings.policies, settings.hours, settings.due_soon)
        self._counts: tuple[tuple[Any, ...], dict[str, int]] | None = None
        self._deferred: set[int] | None = None
        self._ids_stamp: tuple[Any, ...] | None = None
        self._ids: dict[str, list[int]] = {}
        self._hit_sets: dict[str, frozenset[int]] = {}

    # ------------------------------------------------------------------ views
    def context(self, now: datetime | None = None) -> QueryContext:
        return QueryContext(now or utcnow(), self.settings.tz, self.me, self.settings.due_soon)

    def views(self) -> list[ViewSpec]:
        return list(self.settings.views)

    def view(self, key: str) -> ViewSpec:
        for view in self.settings.views:
            if view.key == key:
                return view
        raise KeyError(key)

    def _where(self, view: ViewSpec, search: str | None, ctx: QueryContext) -> Compiled:
        """A view's filter (a rule's move_to puts conversations into user views too),
        narrowed by a search when given."""
        params: dict[str, Any] = {}
        sql = self._view_sql(view, 0, ctx, params)
        if search and search.strip():
            sql = f"{sql} AND {compile_query(search, ctx, params=params).sql}"
        return Compiled(sql, params)

    def queue_ids(self, view_key: str, search: str | None = None) -> list[int]:
        """Ids of a view (optionally narrowed by a search) in the view's order. A search
        keeps the view's own list in its order and drops what it does not hit: the view
        is usually on screen already, and hits as a set cost far less than ordering the
        matching rows again (95k of 100k conversations: ~60 ms against ~0.4 s)."""
        view = self.view(view_key)
        if not (search and search.strip()):
            return list(self._view_ids(view))
        if view.limit:  # the limit applies after the search
            ctx = self.context()
            where = self._where(view, search, ctx)
            return self.store.select_ids(where.sql, where.params, SORTS[view.sort], view.limit)
        hits = self._hits(search)
        if len(hits) <= FEW_HITS:  # the hits' own rows in order: no view list needed
            where = self._where(view, None, self.context())
            return self.store.select_ids_among(where.sql, where.params, SORTS[view.sort], hits)
        return [i for i in self._view_ids(view) if i in hits]

    def _stamp(self) -> tuple[Any, ...]:
        """What the remembered lists depend on: the cache's contents and the minute
        (time-based views move as time does)."""
        return (self.store.data_stamp(), utcnow().replace(second=0, microsecond=0))

    def _forget_if_stale(self) -> None:
        """Drop the remembered view ids and search hits once the cache or the minute moved."""
        stamp = self._stamp()
        if self._ids_stamp != stamp:
            self._ids_stamp, self._ids, self._hit_sets = stamp, {}, {}

    def _view_ids(self, view: ViewSpec) -> list[int]:
        """A view's ids, remembered until the cache changes or the minute turns, so going
        back to a tab (or searching in it) costs no query over 100k rows. Not a copy."""
        self._forget_if_stale()
        known = self._ids.get(view.key)
        if known is None:
            where = self._where(view, None, self.context())
            known = self._ids[view.key] = self.store.select_ids(where.sql, where.params, SORTS[view.sort], view.limit)
        return known

    def _hits(self, search: str) -> frozenset[int]:
        """Every conversation a search matches, in any view (remembered like view ids)."""
        self._forget_if_stale()
        known = self._hit_sets.get(search)
        if known is None:
            compiled = compile_query(search, self.context())
            match = free_text_only(compiled)
            if match is not None:
                known = self.store.fts_ids(match)  # the index alone, no conversation row read
            else:
                known = self.store.ids_where(compiled.sql, compiled.params)
            if len(self._hit_sets) >= HITS_KEPT:
                self._hit_sets.clear()
            self._hit_sets[search] = known
        return known

    def view_counts(self, search: str | None = None) -> dict[str, int]:
        """Every view's count. Without a search: one indexed count per view (covering
        indexes, a few ms each). With one: the search's hits counted in each view's
        remembered list. Remembered until the cache changes or the minute turns
        (time-based views), so switching tabs does not count again."""
        key = (search or "", self._stamp())
        if self._counts is not None and self._counts[0] == key:
            return dict(self._counts[1])
        counts = self._count(search, self.context())
        self._counts = (key, counts)
        return dict(counts)

    def _count(self, search: str | None, ctx: QueryContext) -> dict[str, int]:
        counts = {}
        if not (search and search.strip()):
            for view in self.settings.views:
                where = self._where(view, None, ctx)
                counts[view.key] = self.store.count_where(where.sql, where.params)
        elif len(hits := self._hits(search)) <= FEW_HITS:  # each view's filter over the hits' rows
            params: dict[str, Any] = {}
            filters = [self._view_sql(v, i, ctx, params) for i, v in enumerate(self.settings.views)]
            counts = dict(zip([v.key for v in self.settings.views], self.store.sums_over(filters, params, hits)))
        else:  # many hits: counted in each view's remembered list (a limit applies after the search)
            for view in self.settings.views:
                if view.limit:
                    where = self._where(view, search, ctx)
                    counts[view.key] = self.store.count_where(where.sql, where.params)
                else:
                    counts[view.key] = sum(map(hits.__contains__, self._view_ids(view)))
        return {v.key: min(counts[v.key], v.limit) if v.limit else counts[v.key] for v in self.settings.views}

    def search_first_page(self, view_key: str, search: str, size: int = FIRST_PAGE) -> list[int] | None:
        """The first ``size`` ids of a search over words found in many conversations (or
        of fields only), in the view's order — to paint while ``queue_ids`` lists every hit
        and ``view_counts`` counts every tab (at 100k, ~10 ms against ~0.1 s and ~0.3 s);
        they come in the full list in the same order. ``None`` when a word is rare or the
        fields match less than a page (the full search is fast then), or past the budget."""
        view = self.view(view_key)
        ctx = self.context()
        # while typing, the last word is a prefix ("damag" → damaged): per conversation
        # that expansion is far too slow, so the early page holds the exact words; longer
        # words join when the full list lands (it keeps the order; the cursor keeps its row)
        compiled = compile_query(search + " ", ctx, per_row=True)  # a space after: no prefix
        if any(" " in term for m in compiled.matches for term in m.split('" "')):
            return None  # phrases: too slow per conversation
        # fields only: no index says how common they are; the walk's short budget decides
        # (30k of 100k unanswered: ~1 ms for a page; a rare field gives up after 60 ms)
        budget = FIRST_PAGE_BUDGET if compiled.matches else FIELDS_FIRST_PAGE_BUDGET
        for match in compiled.matches:
            hits = self.store.query_one(
                "SELECT count(*) FROM (SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ? LIMIT ?)",
                (match, COMMON_HITS),
            )
            if hits is None or hits[0] < COMMON_HITS:
                return None
        where = self._where(view, None, ctx)
        params = {**where.params, **compiled.params}
        sql = f"SELECT c.id FROM conversations c WHERE {where.sql} AND {compiled.sql} ORDER BY {SORTS[view.sort]} LIMIT {int(size)}"
        deadline = time.monotonic() + budget
        with self.store.reading() as con:
            con.set_progress_handler(lambda: int(time.monotonic() > deadline), 2000)
            try:
                page = [r[0] for r in con.execute(sql, params)]
            except sqlite3.OperationalError:  # interrupted: the view's filter is too narrow for this walk
                return None
            finally:
                con.set_progress_handler(None, 0)
        # fields with less than a page of hits: a rare search, its full list is as quick
        return page if compiled.matches or len(page) == size else None

    def _view_sql(self, view: ViewSpec, index: int, ctx: QueryContext, params: dict[str, Any]) -> str:
        sql = compile_query(view.query, ctx, params=params).sql
        if view.key not in _DEFAULT_KEYS:
            params[f"view_key{index}"] = view.key
            sql = f"({sql} OR (c.routed_view = :view_key{index} AND c.status != 'closed'))"
        return sql

    def query_ids(self, query: str, *, sort: str = "score", limit: int | None = None) -> list[int]:
        """Ids of every conversation (any status) matching a query."""
        where = compile_query(query, self.context())
        return self.store.select_ids(where.sql, where.params, SORTS[sort], limit)

    # ------------------------------------------------------------------ scores
    def facts(self, raw: dict[str, Any]) -> Facts:
        return Facts(
            id=raw["id"],
            account=raw["account"],
            status=raw["status"],
            priority=raw["priority"],
            awaiting=raw["awaiting"],
            unread=bool(raw["unread"]),
            tags=raw["tags"],
            waiting_since=_when(raw["waiting_since"]),
            events=[(d, _when(when)) for d, when in raw["events"]],
            text="\n".join([raw["subject"], *raw["texts"]]),
            repeat=raw["repeat"],
            snoozed_until=_when(raw["snoozed_until"]) if raw["snoozed_until"] else None,
            woke=raw["woke_reason"],
        )

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Collect the rescoring that actions ask for and do it once at the end (rules
        acting on a whole batch). Not for threads sharing this object."""
        if self._deferred is not None:
            yield
            return
        self._deferred = set()
        try:
            yield
        finally:
            ids, self._deferred = sorted(self._deferred), None
            self.rescore(ids)

    def rescore(self, ids: Sequence[int], now: datetime | None = None) -> int:
        """Recompute and store the score of ``ids`` (in chunks, without holding the store
        while computing). Returns how many were written."""
        if self._deferred is not None:
            self._deferred.update(ids)
            return 0
        return self._rescore(ids, now)

    def _rescore(self, ids: Sequence[int], now: datetime | None = None) -> int:
        now = now or utcnow()
        written = 0
        for start in range(0, len(ids), CHUNK):
            written += self.store.write_scores(self.score_rows(ids[start : start + CHUNK], now))
        return written

    def score_rows(self, ids: Sequence[int], now: datetime) -> list[ScoreRow]:
        """The scores of ``ids`` as they stand, to store; read through the store's lock,
        so it also runs inside a write transaction (the rules score their own chunk)."""
        rows = []
        for raw in self.store.score_facts(list(ids), now):
            result = score(self.facts(raw), self.score_settings, now)
            language = raw["language"] or detect(f"{raw['subject']}\n{raw['first_in']}")
            rows.append(_score_row(raw, result, language))
        return rows

    def refresh(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """Rescore what changed (stale) and what time moved (``rescore_at`` passed).
        Run after each stored sync batch, after agent actions, at app start and on a
        timer; cheap when nothing is due (two indexed lookups)."""
        now = now or utcnow()
        done = 0
        seen: set[int] = set()
        while limit is None or done < limit:
            ids = [i for i in self.store.stale_ids(CHUNK) + self.store.clock_due_ids(now, CHUNK) if i not in seen]
            if not ids:
                break
            seen.update(ids)
            done += self._rescore(ids, now)
        return done

    def score_now(self, conversation_id: int, now: datetime | None = None) -> Score | None:
        now = now or utcnow()
        raws = self.store.score_facts([conversation_id], now)
        return score(self.facts(raws[0]), self.score_settings, now) if raws else None

    def sla_now(self, conversation_id: int) -> tuple[str, str]:
        """The running clock as the conversation's header shows it: ``("first reply overdue
        3h", "breached")``; ``("", "")`` when no clock runs."""
        now = utcnow()
        live = self.score_now(conversation_id, now)
        if live is None or live.due is None:
            return "", ""
        due = live.due
        text = f"{KIND_LABEL.get(due.kind, due.kind)} {due_text(due.at, now)}"
        return text, due_state(due.at, now, self.settings.due_soon)

    def why(self, conversation_id: int, view_key: str = "open") -> Why | None:
        now = utcnow()
        live = self.score_now(conversation_id, now)
        stored = self.store.stored_score(conversation_id)
        if live is None or stored is None:
            return None
        rank = None
        try:
            view = self.view(view_key)
            where = self._where(view, None, self.context(now))
            rank = self.store.rank_in(where.sql, where.params, conversation_id)
        except KeyError:
            view = None
        due = live.due.at if live.due else None
        return Why(
            conversation_id=conversation_id,
            score=live.total,
            terms=list(live.terms),
            stored_score=stored["score"],
            due_at=due,
            sla_state=due_state(due, now, self.settings.due_soon),
            sla_text=due_text(due, now),
            sla_kind=live.due.kind if live.due else "",
            policy=live.policy,
            view=view.title if view else "",
            rank=rank,
            rules=self.store.rule_runs(conversation_id),
            snoozed_until=parse_iso(stored["snoozed_until"]) if stored["snoozed_until"] else None,
            woke_reason=stored["woke_reason"],
        )

    def placeholders(self, conversation_id: int, now: datetime | None = None) -> dict[str, str]:
        """``{{business.next_open}}`` and ``{{reply.expected_by}}`` for canned replies
        (an out-of-hours acknowledgement tells the customer when to expect an answer)."""
        now = now or utcnow()
        opens = self.settings.hours.next_open(now)
        live = self.score_now(conversation_id, now)
        expected = live.due.at if live is not None and live.due is not None else opens
        return {"business.next_open": self._local(opens, now), "reply.expected_by": self._local(expected, now)}

    def _local(self, when: datetime, now: datetime) -> str:
        local = when.astimezone(self.settings.tz)
        if local.date() == now.astimezone(self.settings.tz).date():
            return f"today at {local:%H:%M}"
        return f"{local:%A %-d %B} at {local:%H:%M}"

    def row_extras(self, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """The triage fields of a ``QueueRow`` from its stored columns."""
        due = parse_iso(data["due_at"]) if data.get("due_at") else None
        snoozed = parse_iso(data["snoozed_until"]) if data.get("snoozed_until") else None
        woke = data.get("woke_reason") or ("the snooze ended" if snoozed is not None and snoozed <= now else "")
        last = parse_iso(data["last_snooze_until"]) if data.get("woke_reason") and data.get("last_snooze_until") else None
        resnooze = last if last is not None and now < last < FOREVER else None
        return {
            "score": data.get("score", 0),
            "due_at": due,
            "sla_state": due_state(due, now, self.settings.due_soon),
            "sla_text": due_text(due, now),
            "snoozed_until": snoozed if snoozed is not None and snoozed > now else None,
            "woke": woke,
            "resnooze_until": resnooze,
            "thanks_only": resnooze is not None and woke == "customer replied" and _said_thanks(data),
            "language": data.get("language", ""),
        }


def _said_thanks(data: dict[str, Any]) -> bool:
    """The last message (the snippet, quotes left out) only thanks us."""
    name = frozenset(w.lower() for w in str(data.get("customer_name", "")).replace(",", " ").split())
    return only_thanks(str(data.get("snippet", "")), name)


def _when(text: str) -> datetime:
    """``parse_iso`` without ``strptime`` (a fifth of the time; rescoring reads many)."""
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc) if text else parse_iso(text)


def _score_row(raw: dict[str, Any], result: Score, language: str) -> ScoreRow:
    return ScoreRow(
        id=raw["id"],
        score=result.total,
        due_at=iso(result.due.at) if result.due else "",
        due_kind=result.due.kind if result.due else "",
        policy=result.policy,
        rescore_at=iso(result.rescore_at) if result.rescore_at else "",
        language=language,
        waiting_since=raw["waiting_since"],
        stale=raw["score_stale"],
    )

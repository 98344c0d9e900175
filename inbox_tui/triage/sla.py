"""SLA clocks over business hours.

``BusinessHours`` counts time only inside opening hours (per weekday, in a real time zone,
minus holidays), so "4 business hours" from Friday 16:00 ends Monday 12:00 — also across
the night clocks go back. ``compute_due`` turns a conversation's message history into the
moment its running clock breaches: first reply, next reply or resolution, whichever comes
first. Clocks pause outside business hours and while waiting on the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

DAY = 1440
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Intervals = tuple[tuple[int, int], ...]
"""Opening intervals of one weekday in minutes after local midnight: ``((540, 1020),)``."""
ALWAYS: tuple[Intervals, ...] = (((0, DAY),),) * 7
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class BusinessHours:
    tz: tzinfo = timezone.utc
    week: tuple[Intervals, ...] = ALWAYS
    """Seven entries, Monday first."""
    holidays: frozenset[date] = frozenset()
    _days: dict[date, list[tuple[datetime, datetime]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """``intervals`` remembered per local day: a rescore of 1,000 conversations asks for
    the same few days thousands of times (each a zone conversion)."""
    _from_opening: dict[tuple[datetime, timedelta], datetime] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """``add`` from an opening instant, remembered: every clock started while closed runs
    from the next opening (out of hours, a chunk of arrivals all share one)."""

    @property
    def always_open(self) -> bool:
        return self.week == ALWAYS and not self.holidays

    def calendar(self) -> BusinessHours:
        """The same zone, open around the clock (for policies that count calendar time)."""
        return BusinessHours(self.tz)

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Opening intervals of a local ``day`` as UTC instants (do not change the list)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) > 4096:
                self._days.clear()
            found = [] if day in self.holidays else [(self._at(day, a), self._at(day, b)) for a, b in self.week[day.weekday()]]
            self._days[day] = found
        return found

    def _at(self, day: date, minute: int) -> datetime:
        if minute >= DAY:
            day, minute = day + timedelta(days=1), minute - DAY
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def _days_from(self, start: datetime) -> Iterable[date]:
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(MAX_DAYS):
            yield day
            day += timedelta(days=1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of open time after ``start``."""
        if self.always_open:
            return start + duration
        return self._add(start, max(duration, timedelta(0)))

    def _add(self, start: datetime, remaining: timedelta, *, remember: bool = True) -> datetime:
        for day in self._days_from(start):
            for begin, end in self.intervals(day):
                if end <= start:
                    continue
                if begin > start and remember:  # closed at start: the same as from this opening
                    key = (begin, remaining)
                    found = self._from_opening.get(key)
                    if found is None:
                        if len(self._from_opening) > 4096:
                            self._from_opening.clear()
                        found = self._from_opening[key] = self._add(begin, remaining, remember=False)
                    return found
                begin = max(begin, start)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
        return datetime.max.replace(tzinfo=timezone.utc)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants."""
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        last = end.astimezone(self.tz).date()
        for day in self._days_from(start):
            if day > last:
                break
            for begin, finish in self.intervals(day):
                lo, hi = max(begin, start), min(finish, end)
                if hi > lo:
                    total += hi - lo
        return total

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        day = at.astimezone(self.tz).date()
        return any(b <= at < e for d in (day - timedelta(days=1), day) for b, e in self.intervals(d))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the next opening."""
        return self.add(at, timedelta(0))

    def opening(self, day: date) -> datetime | None:
        """When a local ``day`` opens (``None``: closed all day)."""
        found = self.intervals(day)
        return found[0][0] if found else None


@dataclass(frozen=True)
class SlaPolicy:
    """Targets for the conversations it matches (all given matchers must match)."""

    name: str
    first_reply: timedelta | None = None
    next_reply: timedelta | None = None
    resolution: timedelta | None = None
    tags: frozenset[str] = frozenset()
    """Matches a conversation carrying any of these tags."""
    priorities: frozenset[int] = frozenset()
    accounts: frozenset[str] = frozenset()
    calendar: bool = False
    """Count calendar time (24/7) instead of business hours."""
    line: int | None = field(default=None, compare=False)

    def matches(self, tags: Iterable[str], priority: int, account: str) -> bool:
        if self.tags and not self.tags & set(tags):
            return False
        if self.priorities and priority not in self.priorities:
            return False
        return not self.accounts or account in self.accounts


DEFAULT_POLICIES = (SlaPolicy("General", first_reply=timedelta(hours=24), next_reply=timedelta(hours=24)),)


def pick_policy(policies: Sequence[SlaPolicy], tags: Iterable[str], priority: int, account: str) -> SlaPolicy | None:
    tags = tuple(tags)
    return next((p for p in policies if p.matches(tags, priority, account)), None)


@dataclass(frozen=True)
class Due:
    at: datetime
    kind: str
    """``first_reply`` | ``next_reply`` | ``resolution``."""
    policy: str
    since: datetime
    """When the running clock last (re)started: the customer message being waited on."""


KIND_LABEL = {"first_reply": "first reply", "next_reply": "next reply", "resolution": "resolution"}


def compute_due(
    policy: SlaPolicy | None,
    hours: BusinessHours,
    status: str,
    events: Sequence[tuple[str, datetime]],
) -> Due | None:
    """The running clock's breach instant from ``(direction, date)`` events (oldest
    first); ``None`` when no clock runs (closed, pending, waiting on the customer)."""
    if policy is None or status != "open" or not events or events[-1][0] != "in":
        return None
    clock = hours.calendar() if policy.calendar else hours
    spans: list[tuple[datetime, datetime]] = []
    wait_start: datetime | None = None
    replied_before_wait = False
    answered = False
    for direction, when in events:
        if direction == "in":
            if wait_start is None:
                wait_start = when
                replied_before_wait = answered
        else:
            answered = True
            if wait_start is not None:
                spans.append((wait_start, when))
                wait_start = None
    if wait_start is None:
        return None
    candidates: list[Due] = []
    reply_target = policy.next_reply if replied_before_wait else policy.first_reply
    if reply_target is not None:
        kind = "next_reply" if replied_before_wait else "first_reply"
        candidates.append(Due(clock.add(wait_start, reply_target), kind, policy.name, wait_start))
    if policy.resolution is not None:
        used = sum((clock.elapsed(a, b) for a, b in spans), timedelta(0))
        left = max(policy.resolution - used, timedelta(0))
        candidates.append(Due(clock.add(wait_start, left), "resolution", policy.name, wait_start))
    return min(candidates, key=lambda d: d.at) if candidates else None


def due_state(due_at: datetime | None, now: datetime, due_soon: timedelta) -> str:
    """``breached`` | ``due_soon`` | ``ok`` | ``""`` (no clock)."""
    if due_at is None:
        return ""
    if due_at <= now:
        return "breached"
    return "due_soon" if due_at - now <= due_soon else "ok"

"""The triage tables of ``config.toml``: ``[business_hours]``, ``[sla]`` with
``[[sla.policies]]``, ``[[views]]`` and ``[snooze]``. Every error names file and line.

```toml
[business_hours]
timezone = "Europe/Berlin"
weekdays = "09:00-17:00"          # Monday–Friday; a day key wins: friday = "09:00-15:00"
saturday = "10:00-12:00, 13:00-14:00"
holidays = ["2026-12-24", "2026-12-25"]

[sla]
due_soon = "1h"                   # when a clock turns "due soon" (and the Breaching view shows it)

[[sla.policies]]                  # first match wins; no policy matches → no clock
name = "Black Friday orders"
tags = ["black-friday"]           # also: priority = "urgent" | [..], accounts = [..]
first_reply = "4h"                # business time unless calendar = true
next_reply = "8h"
resolution = "3d"

[[views]]
title = "Billing"                 # key = "billing" (slug of the title) unless given
query = "tag:payment -status:closed"
sort = "score"                    # score | waiting | due | newest | oldest | snooze
limit = 200

[snooze]
later_today = "3h"
morning = "09:00"
```
Without ``[business_hours]`` clocks run 24/7 in the machine's time zone; without
``[[sla.policies]]`` one "General" policy applies (first and next reply in 24 hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox_tui.errors import ConfigError
from inbox_tui.triage.query import QueryError
from inbox_tui.triage.query_sql import PRIORITY_VALUES, check
from inbox_tui.triage.sla import DEFAULT_POLICIES, WEEKDAYS, BusinessHours, Intervals, SlaPolicy
from inbox_tui.triage.timeparse import local_zone, parse_duration
from inbox_tui.triage.tomllines import Lines
from inbox_tui.triage.views import DEFAULT_VIEWS, SORTS, ViewSpec, merge, slug

SECTIONS = ("business_hours", "sla", "views", "snooze")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class TriageSettings:
    hours: BusinessHours = field(default_factory=lambda: BusinessHours(local_zone()))
    policies: tuple[SlaPolicy, ...] = DEFAULT_POLICIES
    due_soon: timedelta = timedelta(hours=1)
    views: tuple[ViewSpec, ...] = DEFAULT_VIEWS
    later_today: timedelta = timedelta(hours=3)
    morning: time = time(9, 0)

    @property
    def tz(self) -> tzinfo:
        return self.hours.tz


class _Reader:
    def __init__(self, path: str, lines: Lines) -> None:
        self.path = path
        self.lines = lines

    def error(self, reason: str, name: str, index: int | None = None, key: str = "") -> ConfigError:
        return ConfigError(reason, path=self.path, line=self.lines.of(name, index, key))

    def duration(self, value: Any, what: str, name: str, index: int | None = None, key: str = "") -> timedelta:
        try:
            if not isinstance(value, str):
                raise ValueError(f"not a duration: {value!r} (use e.g. 30m, 4h, 1h30m, 2d)")
            return parse_duration(value)
        except ValueError as exc:
            raise self.error(f"{what}: {exc}", name, index, key) from None


def parse(data: dict[str, Any], lines: Lines, path: str) -> TriageSettings:
    """``data``: the whole parsed config.toml."""
    read = _Reader(path, lines)
    hours = _business_hours(data.get("business_hours"), read)
    sla = data.get("sla", {})
    if not isinstance(sla, dict):
        raise read.error("[sla] must be a table", "sla")
    for key in sla:
        if key not in ("due_soon", "policies"):
            raise read.error(f"unknown setting sla.{key} (known: due_soon, [[sla.policies]])", "sla", key=key)
    due_soon = read.duration(sla.get("due_soon", "1h"), "sla.due_soon", "sla", key="due_soon")
    policies = tuple(_policy(p, i, read) for i, p in enumerate(_array(sla.get("policies"), "sla.policies", read)))
    snooze = data.get("snooze", {})
    if not isinstance(snooze, dict) or set(snooze) - {"later_today", "morning"}:
        raise read.error("[snooze] knows later_today and morning", "snooze")
    morning = _clock(snooze.get("morning", "09:00"), read, "snooze", "morning")
    user_views = [_view(v, i, read) for i, v in enumerate(_array(data.get("views"), "views", read))]
    return TriageSettings(
        hours=hours,
        policies=policies if "policies" in sla else DEFAULT_POLICIES,
        due_soon=due_soon,
        views=merge(DEFAULT_VIEWS, user_views),
        later_today=read.duration(snooze.get("later_today", "3h"), "snooze.later_today", "snooze", key="later_today"),
        morning=morning,
    )


def _array(value: Any, name: str, read: _Reader) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise read.error(f"{name} must be written as [[{name}]] tables", name.split(".")[0])
    return value


def _business_hours(table: Any, read: _Reader) -> BusinessHours:
    if table is None:
        return BusinessHours(local_zone())
    if not isinstance(table, dict):
        raise read.error("[business_hours] must be a table", "business_hours")
    known = {"timezone", "weekdays", "holidays", *WEEKDAYS}
    for key in table:
        if key not in known:
            raise read.error(f"unknown setting business_hours.{key}", "business_hours", key=key)
    tz: tzinfo = local_zone()
    if "timezone" in table:
        try:
            tz = ZoneInfo(str(table["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise read.error(
                f"unknown time zone {table['timezone']!r} (use an IANA name like Europe/Berlin)",
                "business_hours", key="timezone",
            ) from None  # fmt: skip
    day_keys = [k for k in table if k in WEEKDAYS or k == "weekdays"]
    holidays = _holidays(table.get("holidays", []), read)
    if not day_keys:
        return BusinessHours(tz, holidays=holidays)
    week: list[Intervals] = []
    for number, day in enumerate(WEEKDAYS):
        key = day if day in table else ("weekdays" if number < 5 and "weekdays" in table else "")
        week.append(_intervals(table[key], read, key) if key else ())
    if not any(week):
        raise read.error("business hours are closed every day", "business_hours")
    return BusinessHours(tz, tuple(week), holidays)


def _intervals(value: Any, read: _Reader, key: str) -> Intervals:
    if not isinstance(value, str):
        raise read.error(f"business_hours.{key} must be text like \"09:00-17:00\"", "business_hours", key=key)
    if value.strip().lower() in ("", "closed"):
        return ()
    spans: list[tuple[int, int]] = []
    for part in value.split(","):
        m = _SPAN.match(part)
        if not m:
            raise read.error(f"business_hours.{key}: {part.strip()!r} is not like 09:00-17:00", "business_hours", key=key)
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 1440 or end <= start:
            raise read.error(f"business_hours.{key}: {part.strip()!r} is not a span within one day", "business_hours", key=key)
        if spans and start < spans[-1][1]:
            raise read.error(f"business_hours.{key}: spans must be in order and not overlap", "business_hours", key=key)
        spans.append((start, end))
    return tuple(spans)


def _holidays(value: Any, read: _Reader) -> frozenset[date]:
    if not isinstance(value, list):
        raise read.error("business_hours.holidays must be a list of dates", "business_hours", key="holidays")
    days: set[date] = set()
    for item in value:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            raise read.error(f"business_hours.holidays: {item!r} is not a date (2026-12-25)", "business_hours", key="holidays") from None
    return frozenset(days)


def _clock(value: Any, read: _Reader, name: str, key: str) -> time:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise read.error(f"{name}.{key}: {value!r} is not a time like 09:00", name, key=key) from None


_POLICY_KEYS = {"name", "tags", "priority", "accounts", "first_reply", "next_reply", "resolution", "calendar"}


def _policy(table: dict[str, Any], i: int, read: _Reader) -> SlaPolicy:
    where = ("sla.policies", i)
    for key in table:
        if key not in _POLICY_KEYS:
            raise read.error(f"unknown key {key!r} in [[sla.policies]] (known: {', '.join(sorted(_POLICY_KEYS))})", *where, key)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise read.error("every [[sla.policies]] needs a name", *where, "name")
    targets = {k: read.duration(table[k], f"{name}: {k}", *where, k) for k in ("first_reply", "next_reply", "resolution") if k in table}
    priorities: set[int] = set()
    for value in _list(table.get("priority", [])):
        level = PRIORITY_VALUES.get(str(value).lower(), value if isinstance(value, int) else None)
        if not isinstance(level, int) or not 0 <= level <= 3:
            raise read.error(f"{name}: unknown priority {value!r} (low, normal, medium, high, urgent or 0-3)", *where, "priority")
        priorities.add(level)
    return SlaPolicy(
        name=name.strip(),
        tags=frozenset(str(t) for t in _list(table.get("tags", []))),
        priorities=frozenset(priorities),
        accounts=frozenset(str(a) for a in _list(table.get("accounts", []))),
        calendar=bool(table.get("calendar", False)),
        line=read.lines.of(*where),
        **targets,
    )


_VIEW_KEYS = {"key", "title", "query", "sort", "limit", "hidden"}


def _view(table: dict[str, Any], i: int, read: _Reader) -> tuple[ViewSpec, bool]:
    where = ("views", i)
    for key in table:
        if key not in _VIEW_KEYS:
            raise read.error(f"unknown key {key!r} in [[views]] (known: {', '.join(sorted(_VIEW_KEYS))})", *where, key)
    title = table.get("title", "")
    key = table.get("key") or slug(str(title))
    if not isinstance(title, str) or not (title.strip() or table.get("key")):
        raise read.error("every [[views]] needs a title", *where, "title")
    query = table.get("query", "")
    if not isinstance(query, str):
        raise read.error("views.query must be text", *where, "query")
    try:
        check(query)
    except QueryError as exc:
        raise read.error(f"view {title or key!r}: query column {exc.column}: {exc.reason}", *where, "query") from None
    sort = table.get("sort", "score")
    if sort not in SORTS:
        raise read.error(f"view {title!r}: sort must be one of {', '.join(SORTS)}", *where, "sort")
    limit = table.get("limit")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise read.error(f"view {title!r}: limit must be a positive number", *where, "limit")
    return ViewSpec(str(key), title.strip() or str(key), query, sort, limit), bool(table.get("hidden", False))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

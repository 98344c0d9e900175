"""Durations, spans and local time: ``"1h30m"`` ↔ ``timedelta``, ``"due in 2h 10m"``,
and the local time zone as a real ``ZoneInfo`` (so dates across a DST change stay right)."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|min|s)", re.IGNORECASE)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


def iso(value: datetime) -> str:
    """Sortable UTC text, exactly as the store writes times (``inbox_tui.store.iso``)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_duration(text: str) -> timedelta:
    """``"4h"``, ``"1h30m"``, ``"2d"``, ``"90m"``, ``"1w"`` → ``timedelta``. Raises ``ValueError``."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise ValueError("empty duration")
    pos = 0
    seconds = 0.0
    for match in _PART.finditer(compact):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2).lower()]
        pos = match.end()
    if pos != len(compact):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 4h, 1h30m, 2d, 1w)")
    return timedelta(seconds=seconds)


def format_span(span: timedelta) -> str:
    """A compact human span: ``35m``, ``2h 10m``, ``3d 4h``, ``<1m``."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 1:
        return "<1m"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def due_text(due_at: datetime | None, now: datetime) -> str:
    """``"due in 2h 10m"`` / ``"overdue 35m"`` / ``""`` (no clock running)."""
    if due_at is None:
        return ""
    if due_at > now:
        return f"due in {format_span(due_at - now)}"
    return f"overdue {format_span(now - due_at)}"


def local_zone() -> tzinfo:
    """The machine's zone as a ``ZoneInfo`` when it can be named (``TZ``, ``/etc/timezone``,
    the ``/etc/localtime`` link), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return timezone.utc


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """Local midnight of ``day`` as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)


def parse_day(text: str, now: datetime, tz: tzinfo) -> datetime:
    """A query date → the UTC instant it starts: ``2026-11-20``, ``2026-11-20T14:00``,
    ``today``, ``yesterday``, or a span back in time (``3d`` = three days ago)."""
    word = text.strip().lower()
    today = now.astimezone(tz).date()
    if word == "today":
        return start_of_day(today, tz)
    if word == "yesterday":
        return start_of_day(today - timedelta(days=1), tz)
    if word and word[0].isdigit() and not re.match(r"\d{4}-", word):
        return now - parse_duration(word)
    return parse_datetime(text, tz)


def parse_datetime(text: str, tz: tzinfo) -> datetime:
    """``2026-11-20``, ``2026-11-20 14:00``, ``2026-11-20T14:00`` in ``tz`` → aware UTC."""
    cleaned = text.strip().replace(" ", "T")
    try:
        if len(cleaned) == 10:
            return start_of_day(date.fromisoformat(cleaned), tz)
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (use 2026-11-20, 2026-11-20T14:00, today, yesterday)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)

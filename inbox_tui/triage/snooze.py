"""Snooze presets and custom snooze times, in the agent's local time.

A snooze hides a conversation from the working views until its time comes (or the
customer writes, unless told otherwise); it then comes back with a marker. "Until the
customer replies" alone is a snooze with no time (stored as ``FOREVER``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from inbox_tui.triage.settings import TriageSettings
from inbox_tui.triage.timeparse import parse_datetime, parse_duration

FOREVER = datetime(9999, 12, 31, tzinfo=timezone.utc)
"""The wake time of "until the customer replies" (sorts last, never passes)."""
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SnoozePreset:
    key: str
    """``later`` | ``tomorrow`` | ``next-business-day`` | ``monday`` | ``reply``."""
    label: str
    until: datetime | None
    """``None``: only the customer's reply wakes it."""


def presets(now: datetime, settings: TriageSettings) -> list[SnoozePreset]:
    """The menu, with each preset's time filled in for ``now``."""
    out = []
    today = now.astimezone(settings.tz).date()
    for key in ("later", "tomorrow", "next-business-day", "monday"):
        until = preset_time(key, now, settings)
        title = _TITLES[key]
        if key == "later" and until.astimezone(settings.tz).date() != today:
            title = "Later — at the next opening (closed by then)"  # not "today" any more: say why
        out.append(SnoozePreset(key, f"{title} — {_when(until, now, settings)}", until))
    out.append(SnoozePreset("reply", "Until the customer replies", None))
    return out


_TITLES = {
    "later": "Later today",
    "tomorrow": "Tomorrow morning",
    "next-business-day": "Next business day",
    "monday": "Monday",
}


def preset_time(key: str, now: datetime, settings: TriageSettings) -> datetime:
    hours = settings.hours
    today = now.astimezone(settings.tz).date()
    if key == "later":
        until = now + settings.later_today
        return until if hours.is_open(until) else hours.next_open(until)
    if key == "tomorrow":
        return _morning(today + timedelta(days=1), settings)
    if key == "next-business-day":
        day = today + timedelta(days=1)
        for _ in range(370):
            if _business_day(day, settings):
                return _opening(day, settings)
            day += timedelta(days=1)
        return _morning(today + timedelta(days=1), settings)
    if key == "monday":
        day = today + timedelta(days=7 - today.weekday())
        return _opening(day, settings)
    raise ValueError(f"unknown snooze preset {key!r}")


def resolve(text: str, now: datetime, settings: TriageSettings) -> datetime | None:
    """A preset key, a span (``3h``, ``+2d``), a weekday (``fri``), a date or date-time
    (``2026-12-01``, ``2026-12-01 14:00``; a bare date wakes in the morning) →
    the wake time; ``reply`` → ``None``. Raises ``ValueError``; refuses the past."""
    word = text.strip().lower()
    if word in ("reply", "until-reply", "customer-reply"):
        return None
    if word in _TITLES:
        return preset_time(word, now, settings)
    if word[:3] in DAYS and word.isalpha():
        today = now.astimezone(settings.tz).date()
        ahead = (DAYS.index(word[:3]) - today.weekday() - 1) % 7 + 1
        return _opening(today + timedelta(days=ahead), settings)
    if word.startswith("+") or (word[:1].isdigit() and not word[4:5] == "-"):
        until = now + parse_duration(word.lstrip("+"))
    elif len(word) == 10:
        until = _morning(date.fromisoformat(word), settings)
    else:
        until = parse_datetime(text, settings.tz)
    if until <= now:
        raise ValueError(f"{text!r} is in the past")
    return until


def _business_day(day: date, settings: TriageSettings) -> bool:
    if settings.hours.always_open:
        return day.weekday() < 5
    return settings.hours.opening(day) is not None


def _opening(day: date, settings: TriageSettings) -> datetime:
    if settings.hours.always_open:
        return _morning(day, settings)
    return settings.hours.opening(day) or _morning(day, settings)


def _morning(day: date, settings: TriageSettings) -> datetime:
    return datetime.combine(day, settings.morning, tzinfo=settings.tz).astimezone(timezone.utc)


def _when(until: datetime, now: datetime, settings: TriageSettings) -> str:
    local = until.astimezone(settings.tz)
    if local.date() == now.astimezone(settings.tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")

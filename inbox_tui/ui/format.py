"""Small, pure text helpers for the UI: ages, dates, sizes, cell-width truncation.

Everything here works on plain strings; callers wrap the result in ``Content``/``Segment``
(never markup), so customer text can never style the screen.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rich.cells import cell_len, set_cell_size


def age(since: datetime, now: datetime) -> str:
    """Compact waiting time: ``now``, ``5m``, ``3h``, ``2d``, ``6w``, ``2y``."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return "now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days = hours // 24
    if days < 14:
        return f"{days}d"
    if days < 365:
        return f"{days // 7}w"
    return f"{days // 365}y"


def ago(when: datetime | None, now: datetime) -> str:
    """``synced 2m ago`` style: ``just now``, ``2m ago``, ``never``."""
    if when is None:
        return "never"
    text = age(when, now)
    return "just now" if text == "now" else f"{text} ago"


def stamp(when: datetime, now: datetime) -> str:
    """A message date in local time: ``14:03`` today, ``Tue 14:03`` this week, else a date."""
    local = when.astimezone()
    today = now.astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if 0 <= (today.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    if local.year == today.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y")


def size(n: int) -> str:
    """``512 B``, ``120 KB``, ``3.4 MB``."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def fit(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with ``…`` (wide CJK characters count twice)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def fit_right(text: str, width: int) -> str:
    """Right-aligned in ``width`` cells (ages, counts)."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length >= width:
        return fit(text, width)
    return " " * (width - length) + text


def utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)

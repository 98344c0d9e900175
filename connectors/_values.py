"""Coercions of JSON values as hosted helpdesks send them (Zendesk, Help Scout, Freshdesk):
ids that may be strings, ISO 8601 times that may be null or junk, the body digest
``find_sent`` compares, and the tag merge of a read-modify-write. Nothing here raises on
bad input: it returns ``None``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from inbox_tui.model import clean_text


def as_int(value: Any) -> int | None:
    """``12`` or ``"12"`` → 12; booleans and junk → ``None``."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_time(value: Any) -> datetime | None:
    """``2026-01-02T03:04:05Z`` (or with an offset) → aware UTC-comparable datetime;
    ``None`` for null, empty or junk. A time without a zone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    """The form the APIs take in query parameters: ``2026-01-02T03:04:05Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def folded_digest(text: str) -> str:
    """SHA-256 of a body with whitespace folded: helpdesks trim and re-wrap what we post."""
    return hashlib.sha256(" ".join(clean_text(text or "").split()).encode()).hexdigest()


def merge_tags(current: Iterable[str], add: Iterable[str], remove: Iterable[str]) -> list[str]:
    """The tag list a read-modify-write should store: ``current`` without ``remove``, then
    ``add`` appended, compared without case (as every helpdesk compares tags) and in order.

    Helpdesks whose tag write replaces the whole list (Help Scout, Freshdesk, RT's
    multi-value field) need it; blank tags are dropped rather than sent."""
    drop = {tag.casefold() for tag in remove}
    wanted = [tag for tag in current if tag.casefold() not in drop]
    have = {tag.casefold() for tag in wanted}
    for tag in (t.strip() for t in add):
        if tag and tag.casefold() not in have:
            wanted.append(tag)
            have.add(tag.casefold())
    return wanted


def reply_date(text: str) -> datetime | None:
    """An ``OutgoingReply.date_text`` (RFC 5322, or ISO 8601 from older outbox rows) as an
    aware datetime (a zone of ``-0000`` is taken as UTC, so it compares with upstream's
    stamps); ``None`` when empty or unreadable."""
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return parse_time(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def drain(problems: list[str]) -> list[str]:
    """Hand the problems gathered so far to a batch; the list stays the one the walk writes to."""
    taken = list(problems)
    problems.clear()
    return taken

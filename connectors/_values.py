"""Coercions of JSON values as hosted helpdesks send them (Zendesk, Help Scout, Freshdesk):
ids that may be strings, ISO 8601 times that may be null or junk, and the body digest
``find_sent`` compares. Nothing here raises on bad input: it returns ``None``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
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

"""Views: saved searches shown as tabs, like gh-dash sections — a title, a query in the
search language, a sort and an optional limit. Keys are stable slugs the UI and the CLI
(``inbox list --view KEY``) refer to; a user view with a default's key replaces it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ACTIVE = "-status:closed -is:snoozed"


@dataclass(frozen=True)
class ViewSpec:
    key: str
    title: str
    query: str = ""
    sort: str = "score"
    """One of ``SORTS``: ``score`` (triage order), ``waiting``, ``due``, ``newest``, ``oldest``, ``snooze``."""
    limit: int | None = None


SORTS: dict[str, str] = {
    "score": "c.sort_key",
    "waiting": "c.waiting_since, c.id",
    "due": "c.due_at = '', c.due_at, c.sort_key",
    "newest": "c.last_message_at DESC, c.id DESC",
    "updated": "c.last_message_at DESC, c.id DESC",
    "oldest": "c.created_at, c.id",
    "snooze": "c.snoozed_until, c.id",
}

DEFAULT_VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("urgent", "Urgent", f"priority:>=high {ACTIVE}"),
    ViewSpec("unanswered", "Unanswered", "is:unanswered status:open -is:snoozed"),
    ViewSpec("mine", "Mine", f"assignee:me {ACTIVE}"),
    ViewSpec("waiting", "Waiting on customer", f"(is:waiting OR status:pending) {ACTIVE}"),
    ViewSpec("snoozed", "Snoozed", "is:snoozed -status:closed", sort="snooze"),
    ViewSpec("breaching", "Breaching", f"is:breaching {ACTIVE}", sort="due"),
    ViewSpec("open", "All open", ACTIVE),
    ViewSpec("closed", "Closed", "status:closed", sort="newest"),
)


def slug(title: str) -> str:
    """``"Black Friday – orders"`` → ``"black-friday-orders"``."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "view"


def merge(defaults: Iterable[ViewSpec], user: Iterable[tuple[ViewSpec, bool]]) -> tuple[ViewSpec, ...]:
    """Defaults in their order, replaced in place by a user view with the same key
    (removed when ``hidden``), then the user's new views in file order."""
    views = {v.key: v for v in defaults}
    extra: list[ViewSpec] = []
    for view, hidden in user:
        if view.key in views:
            views[view.key] = view
            if hidden:
                del views[view.key]
        elif not hidden:
            extra.append(view)
    return (*views.values(), *extra)

"""Per canned reply: how often it was used and its close rate — the share of uses after
which the conversation was closed without another customer message. Shown in the canned
picker and by ``inbox replies stats``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from inbox_tui.store.reply_usage import reply_uses


@dataclass(frozen=True)
class ReplyStats:
    slug: str
    uses: int = 0
    closed_clean: int = 0
    """Uses whose conversation is closed and got no customer message after the reply."""

    @property
    def close_rate(self) -> float | None:
        return self.closed_clean / self.uses if self.uses else None

    def label(self) -> str:
        """``used 12× · 75% closed`` (empty when never used)."""
        if not self.uses:
            return ""
        rate = self.close_rate or 0.0
        return f"used {self.uses}× · {rate:.0%} closed"


def summarize(uses: Iterable[Mapping[str, Any]]) -> dict[str, ReplyStats]:
    """Pure arithmetic over usage rows (``slug``, ``status``, ``customer_wrote_after``)."""
    counts: dict[str, list[int]] = {}
    for use in uses:
        slot = counts.setdefault(str(use["slug"]), [0, 0])
        slot[0] += 1
        if use["status"] == "closed" and not use["customer_wrote_after"]:
            slot[1] += 1
    return {slug: ReplyStats(slug, n, clean) for slug, (n, clean) in counts.items()}


def stats(service: Any) -> dict[str, ReplyStats]:
    """Stats for every canned reply the service knows (unused ones too)."""
    found = summarize(reply_uses(service.store))
    for reply in service.canned_replies():
        found.setdefault(reply.slug, ReplyStats(reply.slug))
    return found

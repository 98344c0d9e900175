"""The status line: accounts · last sync · pending operations · sync progress or problem.

The app pushes a ``StatusSnapshot`` down (``bar.snapshot = …``); the bar only renders it,
re-rendering every 30 s so "synced 2m ago" stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from inbox_tui.model import utcnow
from inbox_tui.ui.format import ago


@dataclass(frozen=True)
class StatusSnapshot:
    accounts: tuple[str, ...] = ()
    last_sync: datetime | None = None
    pending_ops: int = 0
    problem: str | None = None
    syncing: str | None = None
    """``"syncing shop 120/300"`` while a sync runs."""
    undo_hint: str = ""
    """How to undo (``"u"``), shown next to the pending count."""


class StatusBar(Widget):
    COMPONENT_CLASSES = {"status-bar--accent", "status-bar--pending", "status-bar--problem", "status-bar--dim"}

    snapshot: reactive[StatusSnapshot] = reactive(StatusSnapshot, layout=False)

    def on_mount(self) -> None:
        # a screen pushed later starts with the app's latest snapshot
        self.snapshot = getattr(self.app, "status_snapshot", self.snapshot)
        self.set_interval(30, self.refresh)

    def render(self) -> Content:
        s = self.snapshot
        accent = self.get_visual_style("status-bar--accent", partial=True)
        dim = self.get_visual_style("status-bar--dim", partial=True)
        pending = self.get_visual_style("status-bar--pending", partial=True)
        problem = self.get_visual_style("status-bar--problem", partial=True)
        accounts = ", ".join(s.accounts) if s.accounts else "no account"
        parts: list[str | tuple[str, object]] = [(f" {accounts} ", accent), " "]
        if s.syncing:
            parts.append((f"⟳ {s.syncing}", accent))
        else:
            parts.append((f"synced {ago(s.last_sync, utcnow())}" if s.last_sync else "never synced", dim))
        parts.append(("  ·  ", dim))
        if s.pending_ops:
            hint = f" ({s.undo_hint} undoes the last)" if s.undo_hint else ""
            parts.append((f"⇡ {s.pending_ops} pending", pending))
            parts.append((hint, dim))
        else:
            parts.append(("outbox empty", dim))
        if s.problem:
            parts += [("  ·  ", dim), (f"⚠ {s.problem}", problem)]
        return Content.assemble(*parts).truncate(self.size.width, ellipsis=True)  # type: ignore[arg-type]

"""The agent's triage actions, mixed into ``InboxService``: "why here", snooze (presets,
custom, until reply, re-snooze to the same time), priority, assignment, clock refresh.

A snooze of a conversation whose account can push a status also sets it to pending
upstream (through the ordinary status operation), so the customer never sees it closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from inbox_tui.errors import InboxError, NotFound
from inbox_tui.model import Conversation, OpKind, Operation, Status, utcnow
from inbox_tui.store import NewOp, Store, parse_iso
from inbox_tui.triage import snooze as snooze_mod
from inbox_tui.triage.engine import Triage, Why
from inbox_tui.triage.snooze import FOREVER, SnoozePreset

if TYPE_CHECKING:  # pragma: no cover
    from inbox_tui.config import AppConfig


class _Service(Protocol):
    store: Store
    triage: Triage
    config: AppConfig
    upstream: dict[str, frozenset[str]]

    def _conversation(self, conversation_id: int) -> Conversation: ...
    def set_status(self, conversation_id: int, status: Status) -> Operation | None: ...


class TriageActions:
    def why(self: _Service, conversation_id: int, view: str = "open") -> Why:
        """Each score term with its points, the SLA clock, the position in ``view`` and
        the rules that acted — the "why here" panel."""
        found = self.triage.why(conversation_id, view)
        if found is None:
            raise NotFound(f"no conversation {conversation_id}")
        return found

    def search_first_page(self: _Service, view: str, search: str) -> list[int] | None:
        """The first rows of a search over common words, early (``None``: no need)."""
        return self.triage.search_first_page(view, search)

    def snooze_presets(self: _Service) -> list[SnoozePreset]:
        return snooze_mod.presets(utcnow(), self.triage.settings)

    def resolve_snooze(self: _Service, text: str) -> datetime | None:
        """A preset key, a span, a weekday or a date(-time) → the wake time
        (``None`` = until the customer replies). Raises ``InboxError``."""
        try:
            return snooze_mod.resolve(text, utcnow(), self.triage.settings)
        except ValueError as exc:
            raise InboxError(str(exc), title="Snooze not understood") from None

    def snooze(self: _Service, conversation_id: int, until: datetime | None, *, wake_on_reply: bool = True) -> None:
        """Hide until ``until`` (``None``: until the customer replies); a customer reply
        wakes it early unless ``wake_on_reply`` is false."""
        conv = self._conversation(conversation_id)
        if until is not None and until <= utcnow():
            raise InboxError("the snooze time is in the past", title="Not snoozed")
        if conv.status is Status.OPEN and "status" in self.upstream.get(conv.account, frozenset()):
            self.set_status(conversation_id, Status.PENDING)
        self.store.snooze(conversation_id, until or FOREVER, wake_on_reply=wake_on_reply or until is None)
        self.triage.rescore([conversation_id])

    def unsnooze(self: _Service, conversation_id: int) -> None:
        self._conversation(conversation_id)
        self.store.unsnooze(conversation_id)
        self.triage.rescore([conversation_id])

    def resnooze_same(self: _Service, conversation_id: int) -> datetime | None:
        """After the customer only said thanks: snooze again to the time they interrupted.
        Returns that time, or ``None`` when there is nothing to go back to."""
        conv = self._conversation(conversation_id)
        stored = self.store.stored_score(conv.id) or {}
        last = stored.get("last_snooze_until") or ""
        until = parse_iso(last) if last else None
        if until is None or until <= utcnow() or until >= FOREVER:
            return None
        TriageActions.snooze(self, conv.id, until)  # type: ignore[arg-type]
        return until

    def clear_wake(self: _Service, conversation_id: int) -> None:
        """The agent has seen a conversation that came back from a snooze."""
        if self.store.clear_wake(conversation_id, utcnow()):
            self.triage.rescore([conversation_id])

    def set_priority(self: _Service, conversation_id: int, priority: int) -> None:
        """Local priority (0 normal … 3 urgent); it feeds the score and the SLA policy."""
        self._conversation(conversation_id)
        self.store.set_priority(conversation_id, priority)
        self.triage.rescore([conversation_id])

    def assign(self: _Service, conversation_id: int, assignee: str) -> Operation | None:
        """Assign (``me`` = this agent); queued upstream where the account can assign."""
        conv = self._conversation(conversation_id)
        who = (self.config.agent_email or self.config.agent_name) if assignee == "me" else assignee.strip()
        if who == conv.assignee:
            return None
        op = None
        if "assign" in self.upstream.get(conv.account, frozenset()):
            op = NewOp(OpKind.ASSIGN, {"assignee": who, "conversation_remote_id": conv.remote_id})
        self.store.set_assignee(conversation_id, who, op)
        self.triage.rescore([conversation_id])
        return self.store.operation(op.id) if op else None

    def refresh_clocks(self: _Service, limit: int | None = None) -> int:
        """Rescore what changed and what time moved (SLA buckets, waiting time, snoozes
        ending); returns how many. Call from a worker at app start and every minute or so:
        a few ms when nothing is due, ~40 s once after upgrading a 100k cache (in chunks
        of 1,000 that hold the store only to write; ``limit`` bounds one call)."""
        return self.triage.refresh(limit=limit)

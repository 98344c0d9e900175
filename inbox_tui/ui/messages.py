"""App-level messages. Workers post them (``post_message`` is thread-safe); the app and
screens react. Progress coalesces (``can_replace``) so a fast sync cannot flood the queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class SyncStarted(Message):
    """The sync subprocess is running."""


@dataclass
class SyncProgress(Message):
    """One progress line from ``inbox sync --progress-json``."""

    account: str
    phase: str
    done: int
    total: int | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncProgress)


@dataclass
class SyncFinished(Message):
    """The sync subprocess ended; ``summary`` is its ``done`` event (empty if it had none)."""

    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    busy: bool = False


@dataclass
class DataChanged(Message):
    """Something changed in the cache (an action, an undo, a sync batch): reload views."""

    conversation_id: int | None = None
    origin: str = "action"
    """``action``: the screen that acted reloads itself, the others follow; ``sync``
    (a sync batch, an undo, the clock): every screen reloads."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged) and (message.conversation_id, message.origin) == (
            self.conversation_id,
            self.origin,
        )


@dataclass
class QueuePainted(Message):
    """The queue screen painted its first list: the app starts its background jobs (clock
    refresh, outbox flush, sync) now, so they do not compete with the first paint."""

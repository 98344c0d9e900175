"""The SQLite cache. The only package that imports ``sqlite_utils``.

``Store(path)`` opens (and migrates) one database file; its mixins are split by job:
ingest (what connectors pull), queue (views, search), conversations (thread, notes),
drafts, outbox (agent actions and their operations), sync state, triage (queues by
compiled query, scores, rule bookkeeping, snooze).
"""

from __future__ import annotations

from inbox_tui.store.base import iso, parse_iso
from inbox_tui.store.conversations import ConversationsMixin
from inbox_tui.store.drafts import DraftsMixin
from inbox_tui.store.ingest import IngestResult
from inbox_tui.store.once import OnceAction, OnceResult
from inbox_tui.store.outbox import LocalChange, NewOp, OutboxMixin
from inbox_tui.store.queue import VIEW_FILTERS, QueueMixin
from inbox_tui.store.sync_state import SyncStateMixin
from inbox_tui.store.triage import RuleOutcome, ScoreRow, TriageMixin


class Store(TriageMixin, OutboxMixin, QueueMixin, ConversationsMixin, DraftsMixin, SyncStateMixin):
    """One SQLite cache file (WAL), safe to share between threads of one process and
    between a TUI and an ``inbox sync`` process."""


__all__ = ["VIEW_FILTERS", "IngestResult", "LocalChange", "NewOp", "OnceAction", "OnceResult", "RuleOutcome", "ScoreRow", "Store", "iso", "parse_iso"]

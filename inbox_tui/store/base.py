"""The connection, its lock and the small conversions every store module shares.

One ``sqlite3`` connection per ``Store`` (``check_same_thread=False``) behind a lock, WAL,
foreign keys on, a busy timeout so a TUI and an ``inbox sync`` process share the file.
Write transactions are ``BEGIN IMMEDIATE`` so two processes never deadlock on upgrade.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from inbox_tui.errors import StorageError
from inbox_tui.store import search_index
from inbox_tui.store.schema import migrations

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def iso(value: datetime | None) -> str:
    """Sortable UTC text: ``2026-11-23T07:38:27.000000Z``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime:
    if not text:
        return EPOCH
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class StoreBase:
    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 10000")
            if self.path != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.db = Database(self.conn)
            self._lock = threading.RLock()
            if not readonly:
                with self._lock:
                    migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: cannot open the cache ({exc})") from None

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"{self.path}: the cache is busy ({exc})") from None
            try:
                yield self.conn
                search_index.reindex_stale(self.conn)  # the messages' words, in the same commit
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self.conn

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

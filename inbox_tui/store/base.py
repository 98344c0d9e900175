"""The connection, its lock and the small conversions every store module shares.

One ``sqlite3`` connection per ``Store`` (``check_same_thread=False``) behind a lock, WAL,
foreign keys on, a busy timeout so a TUI and an ``inbox sync`` process share the file.
Write transactions are ``BEGIN IMMEDIATE`` so two processes never deadlock on upgrade.

``sqlite_utils`` (≈60 ms of imports: click, pluggy, dateutil) is only needed to migrate;
opening an up-to-date cache checks the applied migrations with plain ``sqlite3`` and
imports it only when one is due, or when something asks for ``store.db``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inbox_tui.errors import StorageError
from inbox_tui.store import search_index

if TYPE_CHECKING:
    from sqlite_utils import Database

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def iso(value: datetime | None) -> str:
    """Sortable UTC text: ``2026-11-23T07:38:27.000000Z``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    elif value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    if value.year < 1000:  # strftime's %Y does not pad these
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # what that strftime writes, in a third of its time (~4,000 dates per 1,000 acknowledged arrivals)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
    )  # fmt: skip


def parse_iso(text: str | None) -> datetime:
    if not text:
        return EPOCH
    if text[-1] == "Z":  # what ``iso`` writes: ``fromisoformat`` reads it in a seventh of ``strptime``'s time
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""``json.dumps`` with these options builds a new encoder on every call (a third of its time)."""


def dumps(value: Any) -> str:
    return _ENCODE(value)


MIGRATION_SET = "inbox_tui"
_MIGRATION_DEF = re.compile(r"^def (m\d+_\w+)\(", re.MULTILINE)


def migration_names() -> frozenset[str]:
    """The migrations ``schema.py`` defines, read from its text: importing it would import
    sqlite_utils. ``tests/unit/test_store_lazy.py`` checks this equals what it registers."""
    return frozenset(_MIGRATION_DEF.findall(Path(__file__).with_name("schema.py").read_text(encoding="utf-8")))


def _has_migrations_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone() is not None


def migrations_due(conn: sqlite3.Connection) -> bool:
    try:
        rows = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,))
        applied = {name for (name,) in rows}
    except sqlite3.OperationalError:  # a new cache: no migrations table yet
        return True
    try:
        return not migration_names() <= applied
    except OSError:  # no readable schema.py (a zipped install): let sqlite_utils decide
        return True


class StoreBase:
    def __init__(
        self, path: Path | str, *, readonly: bool = False, on_upgrade: Callable[[], None] | None = None
    ) -> None:
        """``on_upgrade`` is called before migrating a cache that exists already (a new
        index over 100k conversations takes ~10 s: the CLI says so instead of hanging)."""
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
            self._db: Database | None = None
            self._lock = threading.RLock()
            if not readonly and migrations_due(self.conn):
                if on_upgrade is not None and _has_migrations_table(self.conn):
                    on_upgrade()
                from inbox_tui.store.schema import migrations

                with self._lock:
                    migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: cannot open the cache ({exc})") from None

    @property
    def db(self) -> Database:
        """sqlite_utils over the same connection (migrations); imported on first use."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn)
        return self._db

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

"""Opening an up-to-date cache does not import sqlite_utils (≈60 ms of the app's start);
a cache with a migration due still gets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from inbox_tui.store import Store
from inbox_tui.store.base import migration_names

ROOT = Path(__file__).resolve().parents[2]


def test_the_text_scan_finds_every_registered_migration() -> None:
    from inbox_tui.store.schema import migrations

    assert migration_names() == {m.name for m in migrations._migrations}


def _open_in_fresh_process(path: Path) -> str:
    code = (
        "import sys\n"
        "from inbox_tui.store import Store\n"
        f"Store({str(path)!r}).close()\n"
        "print('LOADED' if 'sqlite_utils' in sys.modules else 'CLEAN')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_up_to_date_cache_opens_without_sqlite_utils(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()  # creates and migrates it
    assert _open_in_fresh_process(path) == "CLEAN"


def test_a_cache_with_a_migration_due_is_migrated(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from inbox_tui.store.schema import migrations

    path = tmp_path / "inbox.db"
    newest = max(migration_names())
    older = Database(str(path))
    migrations.apply(older, stop_before=newest)  # a cache from before the newest migration
    older.close()
    store = Store(path)
    try:
        applied = {r[0] for r in store.query("SELECT name FROM _sqlite_migrations")}
    finally:
        store.close()
    assert newest in applied


def test_a_new_cache_is_migrated(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    try:
        applied = {r[0] for r in store.query("SELECT name FROM _sqlite_migrations")}
    finally:
        store.close()
    assert applied == migration_names()
